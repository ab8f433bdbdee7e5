"""Reading the collections: filters, meta limits, sort keys, pages, lookups, get by id."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from multidict import MultiDict, MultiMapping

from .collections import Collection, Filter
from .school import Row
from .store import Store
from .wire import (
    MAX_PAGE,
    PAGE_TOKEN_LIFETIME,
    SsError,
    bad_request,
    flag,
    is_uuid,
    parse_day,
    parse_moment,
    uuids,
    values,
)

type Predicate = Callable[[Row], bool]
# Parameters that are not filters.
CONTROL = frozenset({"limit", "pageToken", "expand", "expandReferenceNames", "sortkey"})
META = (
    "meta.created.before",
    "meta.created.after",
    "meta.modified.before",
    "meta.modified.after",
)


@dataclass(slots=True)
class Page:
    """What a page token stands for: the query and where the next page starts."""

    path: str
    query: MultiDict[str]
    offset: int
    issued: float


class Pages:
    """Opaque page tokens that expire."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lifetime = PAGE_TOKEN_LIFETIME
        self.tokens: dict[str, Page] = {}

    def issue(self, path: str, query: MultiDict[str], offset: int) -> str:
        now = self.clock()
        for token in [t for t, p in self.tokens.items() if self._dead(p, now)]:
            del self.tokens[token]
        token = secrets.token_urlsafe(24)
        self.tokens[token] = Page(path, query, offset, now)
        return token

    def _dead(self, page: Page, now: float) -> bool:
        return now - page.issued >= self.lifetime

    def resume(self, path: str, token: str) -> Page:
        """The page a token stands for; 410 once it expired (or never was)."""
        page = self.tokens.get(token)
        if page is None or page.path != path or self._dead(page, self.clock()):
            raise SsError(410, "PageTokenExpired", "the page token has expired")
        return page

    def forget_all(self) -> None:
        self.tokens.clear()


def limit_of(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return MAX_PAGE
    try:
        limit = int(raw)
    except ValueError as err:
        raise bad_request("limit: not an integer") from err
    if limit < 1:
        raise bad_request("limit: must be at least 1")
    return min(limit, MAX_PAGE)


def _parsed(filt: Filter, name: str, raw: list[str]) -> list[Any]:
    if filt.value == "uuid":
        return uuids(raw, name)
    if filt.value == "date":
        return [parse_day(v, name) for v in raw]
    if filt.value == "datetime":
        return [parse_moment(v, name) for v in raw]
    if filt.value == "enum":
        for value in raw:
            if value not in filt.choices:
                raise bad_request(f"{name}: unknown value {value!r}")
    return raw


def _by_day(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def predicate(filt: Filter, wanted: list[Any]) -> Predicate:
    fact = filt.fact

    def check(row: Row) -> bool:
        value = row.id if fact == "id" else row.facts.get(fact)
        if filt.op == "in":
            if isinstance(value, set | frozenset):
                return any(w in value for w in wanted)
            return value in wanted
        if filt.op == "contains":
            text = str(value or "").casefold()
            return all(str(w).casefold() in text for w in wanted)
        if value is None:
            # No end date: the entity goes on (after any bound, before none).
            return filt.op == "min" and fact.startswith("end")
        bound = wanted[0]
        if isinstance(bound, datetime) != isinstance(value, datetime):
            # A date fact against a date-time bound compares by day.
            bound, value = _by_day(bound), _by_day(value)
        return bool(value >= bound if filt.op == "min" else value <= bound)

    return check


def _meta_check(
    kind: str, read: Callable[[str, str], datetime], bound: datetime, after: bool
) -> Predicate:
    """``after`` is exclusive, ``before`` inclusive (the standard's wording)."""
    if after:
        return lambda row: read(kind, row.id) > bound
    return lambda row: read(kind, row.id) <= bound


class Reader:
    """Lists, lookups and gets of one store."""

    def __init__(self, store: Store, pages: Pages) -> None:
        self.store = store
        self.pages = pages
        self.strict = False  # 400 on a page token given with filters

    def _meta(self, kind: str, query: MultiMapping[str]) -> list[Predicate]:
        checks: list[Predicate] = []
        for name in META:
            raw = query.get(name)
            if raw is not None:
                read = (
                    self.store.created if ".created." in name else self.store.modified
                )
                checks.append(
                    _meta_check(
                        kind, read, parse_moment(raw, name), name[-5:] == "after"
                    )
                )
        return checks

    def checks(
        self, collection: Collection, query: MultiMapping[str]
    ) -> list[Predicate]:
        """The predicates of a query's filters (400 on a bad value)."""
        found: list[Predicate] = []
        for name, filt in collection.filters.items():
            raw = values(query, name)
            if raw:
                found.append(predicate(filt, _parsed(filt, name, raw)))
        if collection.meta_filters:
            found += self._meta(collection.kind, query)
        return found

    def sort(
        self, collection: Collection, rows: list[Row], query: MultiMapping[str]
    ) -> list[Row]:
        key = query.get("sortkey")
        if not key or not collection.sortkeys:
            return rows
        if key not in collection.sortkeys:
            raise bad_request(f"sortkey: unknown value {key!r}")
        fact, descending = collection.sortkeys[key]
        if fact == "modified":
            kind = collection.kind
            return sorted(
                rows,
                key=lambda row: self.store.modified(kind, row.id),
                reverse=descending,
            )
        present = [row for row in rows if row.facts.get(fact) is not None]
        missing = [row for row in rows if row.facts.get(fact) is None]
        present.sort(key=lambda row: row.facts[fact], reverse=descending)
        return present + missing

    def query_of(
        self, collection: Collection, query: MultiMapping[str]
    ) -> tuple[MultiDict[str], int]:
        """The query a request means (a page token's own) and where it starts."""
        token = query.get("pageToken")
        if not token:
            for name in collection.required:
                if not query.get(name):
                    raise bad_request(f"{name} is required")
            return MultiDict(query), 0
        if self.strict and any(k not in ("limit", "pageToken") for k in query):
            raise bad_request("pageToken can only be combined with limit")
        page = self.pages.resume(collection.path, token)
        kept = MultiDict(page.query)
        if "limit" in query:
            kept["limit"] = query["limit"]
        return kept, page.offset

    def rows(self, collection: Collection, query: MultiMapping[str]) -> list[Row]:
        checks = self.checks(collection, query)
        rows = [
            row
            for row in self.store.rows[collection.kind].values()
            if all(check(row) for check in checks)
        ]
        return self.sort(collection, rows, query)

    def page[T](
        self, path: str, items: Sequence[T], query: MultiDict[str], offset: int
    ) -> tuple[Sequence[T], str | None]:
        limit = limit_of(query)
        chunk = items[offset : offset + limit]
        more = offset + limit < len(items)
        query.pop("pageToken", None)
        return chunk, self.pages.issue(path, query, offset + limit) if more else None

    def lookup(self, collection: Collection, body: Any) -> list[Row]:
        """Rows any of the body's id lists names (an empty body: none)."""
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        checks: list[Predicate] = []
        for key, fact in collection.lookup.items():
            wanted = body.get(key)
            if wanted is None:
                continue
            if not isinstance(wanted, list):
                raise bad_request(f"{key}: must be a list")
            if fact == "id" or key in ("activities", "students", "calendareEvents"):
                uuids(wanted, key)
            checks.append(predicate(Filter(fact), [str(w) for w in wanted]))
        return [
            row
            for row in self.store.rows[collection.kind].values()
            if any(check(row) for check in checks)
        ]

    def one(self, collection: Collection, row_id: str) -> Row:
        if not is_uuid(row_id):
            raise bad_request("id: not a uuid")
        row = self.store.get(collection.kind, row_id)
        if row is None:
            raise SsError(404, "NotFound", "no such entity")
        return row

    @staticmethod
    def names(query: Mapping[str, str]) -> bool:
        return flag(query, "expandReferenceNames")

    @staticmethod
    def expansions(collection: Collection, query: MultiMapping[str]) -> list[str]:
        wanted = values(query, "expand")
        for name in wanted:
            if name not in collection.expand:
                raise bad_request(f"expand: unknown value {name!r}")
        return wanted
