"""SS12000's routes: the token endpoint, every collection, subscriptions, deletions."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from aiohttp import web

from ..dataset import Dataset, Login
from ..emulator import Declaration, Emulator, Session, SessionRules, register
from ..faults import Faults
from .collections import COLLECTIONS, Collection
from .push import Push
from .query import Pages, Reader, limit_of
from .school import Row, SsSchool
from .store import Store
from .views import Views
from .wire import (
    COLLECTIONS as RESOURCE_OF,
)
from .wire import (
    TOKEN_LIFETIME,
    VERSION_PATH,
    SsError,
    answer,
    bad_request,
    error_answer,
    is_uuid,
    parse_day,
    parse_moment,
    uuids,
    values,
)

SESSIONS = SessionRules(TOKEN_LIFETIME, idle=False)
DEFAULT_ZONE = "Europe/Stockholm"
# What a written entity must hold, by resource type (the spec's required keys).
WRITE_NEEDS = {
    "Attendance": ("calendarEvent", "student", "isReported"),
    "Absence": ("startTime", "endTime", "type", "student"),
    "AttendanceEvent": ("time", "eventType", "person", "group"),
    "AttendanceSchedule": ("placement", "numberOfWeeks", "startDate", "state"),
}
type Handler = Callable[[web.Request], Awaitable[web.Response]]


@dataclass(slots=True, kw_only=True)
class SsSession(Session):
    """A live access token."""

    username: str


def _ref_id(value: Any) -> str | None:
    return str(value.get("id")) if isinstance(value, dict) else None


@register
class Ss12000Emulator(Emulator[SsSession]):
    """An SS12000 2.1 server over the shared dataset (every path of the standard)."""

    declared = Declaration(
        "ss12000", "SS12000", order=5, sessions=SESSIONS, entry=VERSION_PATH
    )

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        super().__init__(dataset, faults)
        self.zone: tzinfo = dataset.zone or ZoneInfo(DEFAULT_ZONE)
        self.now: Callable[[], datetime] = lambda: datetime.now(self.zone)
        self.school = SsSchool(dataset, self.zone)
        self.store = Store(self.school, lambda: self.now())
        self.pages = Pages(lambda: self.book.clock())
        self.reader = Reader(self.store, self.pages)
        self.views = Views(self.store, self.school)
        self.push = Push(lambda: self.now(), self.look)
        # Collections refused with 403 (resource paths such as "grades").
        self.forbidden: set[str] = set()
        # The first look (the first request) builds the rows: a sandbox
        # that never serves SS12000 pays nothing.
        dataset.watch(self._dataset_changed)

    @property
    def strict(self) -> bool:
        """Whether a page token with other filters is refused (400)."""
        return self.reader.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self.reader.strict = value

    # -- changes --------------------------------------------------------------------

    def look(self) -> None:
        """See what changed in the dataset; call back whom it concerns."""
        changed, gone = self.store.sync()
        if changed or gone:
            self.push.notify(changed, gone)

    def _dataset_changed(self) -> None:
        loop = self.push.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.look)

    # -- accounts -------------------------------------------------------------------

    def account(self, login: Login, base: str) -> dict[str, Any]:
        """An SS12000 client's row: the API, its token URL and client credentials.

        ``pupil`` is the login's own person: the pupil's, or for a parent the
        guardian's, whose ``responsibleFor`` lists the children (the standard
        has no login of a family; its client names whom it reads).
        """
        return self.account_row(
            login,
            f"{base}{VERSION_PATH}",
            (
                (pupil, self.school.person_id(pupil.id), pupil.name)
                for pupil in self.dataset.pupils_of(login.username)
            ),
            token_url=f"{base}/token",
            client_id=login.username,
            client_secret=login.password,
            pupil=self.school.login_person(login),
        )

    # -- routes ---------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve the API under ``/ss12000/v2.0`` and, for the seed client, ``/ss12000``."""
        app.router.add_post(f"{self.prefix}/token", self._token)
        for base in (f"{self.prefix}{VERSION_PATH}", self.prefix):
            self._add_api(app, base)
        # aiosignal 1.4 types Signal differently from what aiohttp 3.11 declares.
        app.on_cleanup.append(self._close)  # type: ignore[arg-type,unused-ignore]

    def _add_api(self, app: web.Application, base: str) -> None:
        add = app.router.add_route
        for collection in COLLECTIONS:
            path = f"{base}/{collection.path}"
            add("GET", path, self._guard(partial(self._list, collection)))
            add(
                "POST", f"{path}/lookup", self._guard(partial(self._lookup, collection))
            )
            add("GET", f"{path}/{{id}}", self._guard(partial(self._get, collection)))
            if collection.writable:
                add("POST", path, self._guard(partial(self._write, collection)))
            if collection.deletable:
                add(
                    "DELETE",
                    f"{path}/{{id}}",
                    self._guard(partial(self._delete, collection)),
                )
        schedule = next(c for c in COLLECTIONS if c.path == "attendanceSchedule")
        # The seed client's spellings (notes §4).
        add(
            "GET",
            f"{base}/attendanceSchedules",
            self._guard(partial(self._list, schedule)),
        )
        add(
            "POST",
            f"{base}/attendanceSchedules/lookup",
            self._guard(partial(self._lookup, schedule)),
        )
        add(
            "GET",
            f"{base}/attendanceSchedules/{{id}}",
            self._guard(partial(self._get, schedule)),
        )
        add("GET", f"{base}/aggregatedAttendance", self._guard(self._aggregated))
        add(
            "POST",
            f"{base}/aggregatedAttendance/lookup",
            self._guard(self._empty_array),
        )
        add("GET", f"{base}/aggregatedAttendance/{{id}}", self._guard(self._missing))
        add("POST", f"{base}/studyplans/lookup", self._guard(self._empty_array))
        add("GET", f"{base}/subscriptions", self._guard(self._subscriptions))
        add("POST", f"{base}/subscriptions", self._guard(self._subscribe))
        for method in ("GET", "PATCH", "DELETE"):
            add(method, f"{base}/subscriptions/{{id}}", self._guard(self._subscription))
        add("GET", f"{base}/deletedEntities", self._guard(self._deleted))
        for name in ("log", "statistics"):
            add("POST", f"{base}/{name}/", self._guard(self._accepted))
            add("POST", f"{base}/{name}", self._guard(self._accepted))
            add("GET", f"{base}/{name}", self._guard(self._no_rows))

    def _guard(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.Response:
            self.push.loop = self.push.loop or _running_loop()
            self.look()
            try:
                self._session_of(request)
                resource = request.path.removeprefix(self.prefix)
                resource = resource.removeprefix(VERSION_PATH).strip("/").split("/")[0]
                if resource in self.forbidden:
                    raise SsError(403, "Forbidden", f"no right to read {resource}")
                return await handler(request)
            except SsError as err:
                response = error_answer(err)
                if err.code == 401:
                    response.headers["WWW-Authenticate"] = (
                        'Bearer error="invalid_token"'
                    )
                return response

        return guarded

    def _session_of(self, request: web.Request) -> SsSession:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise SsError(401, "Unauthorized", "a bearer token is required")
        session = self.book.get(token.strip())
        if session is None:
            # Expired or unknown tokens: 401, so that a client fetches a new one.
            raise SsError(401, "Unauthorized", "the token is not valid")
        return session

    # -- the token endpoint -------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id = str(form.get("client_id") or "")
        secret = str(form.get("client_secret") or "")
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(encoded.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return _oauth_error(401, "invalid_client")
            raw_id, _, raw_secret = pair.partition(":")
            client_id, secret = unquote(raw_id), unquote(raw_secret)
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type")
        login = self.dataset.logins.get(client_id)
        if (
            login is None
            or self.fault(request) == "password_changed"
            or not hmac.compare_digest(secret.encode(), login.password.encode())
        ):
            return _oauth_error(401, "invalid_client")
        token = self.book.issue(SsSession(username=login.username))
        body: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.session_ttl),
        }
        if scope := form.get("scope"):
            body["scope"] = str(scope)
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    # -- collections -------------------------------------------------------------

    async def _list(self, collection: Collection, request: web.Request) -> web.Response:
        query, offset = self.reader.query_of(collection, request.query)
        names = self.reader.names(query)
        expand = self.reader.expansions(collection, query)
        rows = self.reader.rows(collection, query)
        chunk, token = self.reader.page(collection.path, rows, query, offset)
        data = [self.views.entity(collection.kind, row, names, expand) for row in chunk]
        return answer({"data": data, "pageToken": token})

    async def _lookup(
        self, collection: Collection, request: web.Request
    ) -> web.Response:
        body = await _json(request)
        names = self.reader.names(request.query)
        expand = self.reader.expansions(collection, request.query)
        rows = self.reader.lookup(collection, body)
        return answer(
            [self.views.entity(collection.kind, r, names, expand) for r in rows]
        )

    async def _get(self, collection: Collection, request: web.Request) -> web.Response:
        row = self.reader.one(collection, request.match_info["id"])
        names = collection.get_has_names and self.reader.names(request.query)
        expand = self.reader.expansions(collection, request.query)
        return answer(self.views.entity(collection.kind, row, names, expand))

    async def _write(
        self, collection: Collection, request: web.Request
    ) -> web.Response:
        body = await _json(request)
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        missing = [k for k in WRITE_NEEDS[collection.kind] if k not in body]
        if missing:
            raise bad_request(f"missing: {', '.join(missing)}")
        kept = {k: v for k, v in body.items() if k not in ("id", "meta", "_embedded")}
        facts: dict[str, Any] = {
            key: _ref_id(kept.get(key))
            for key in ("student", "person", "group", "placement", "calendarEvent")
        }
        for key in ("startTime", "endTime"):
            if isinstance(kept.get(key), str):
                facts[key] = parse_moment(kept[key], key)
        row = Row(str(uuid.uuid4()), kept, facts)
        self.store.written[collection.kind][row.id] = row
        self.look()
        return answer(self.views.entity(collection.kind, row, False))

    async def _delete(
        self, collection: Collection, request: web.Request
    ) -> web.Response:
        row = self.reader.one(collection, request.match_info["id"])
        if self.store.written[collection.kind].pop(row.id, None) is None:
            self.school.removed.add(row.id)
        self.look()
        return web.Response(status=204)

    async def _aggregated(self, request: web.Request) -> web.Response:
        query, offset = self.reader.query_of(_AGGREGATED, request.query)
        # Lenient: the seed client's startDate.onOrAfter / endDate.onOrBefore.
        start = query.get("startDate") or (
            "" if self.strict else query.get("startDate.onOrAfter", "")
        )
        end = query.get("endDate") or (
            "" if self.strict else query.get("endDate.onOrBefore", "")
        )
        if not start or not end:
            raise bad_request("startDate and endDate are required")
        replies = self.views.aggregated(
            uuids(values(query, "student"), "student"),
            parse_day(start, "startDate"),
            parse_day(end, "endDate"),
            self.reader.names(query),
            self.reader.expansions(_AGGREGATED, query),
        )
        chunk, token = self.reader.page(_AGGREGATED.path, replies, query, offset)
        return answer({"data": list(chunk), "pageToken": token})

    async def _deleted(self, request: web.Request) -> web.Response:
        # One page holds every deletion; a page token is still checked (410).
        query, _ = self.reader.query_of(_DELETED, request.query)
        limit_of(query)
        raw = query.get("after") or query.get("meta.modified.after")
        after = parse_moment(raw, "after") if raw else None
        kinds = values(query, "entities")
        for kind in kinds:
            if kind not in RESOURCE_OF.values():
                raise bad_request(f"entities: unknown value {kind!r}")
        return answer({"data": self.views.deleted(after, kinds), "pageToken": None})

    # -- subscriptions ----------------------------------------------------------

    async def _subscriptions(self, request: web.Request) -> web.Response:
        query, offset = self.reader.query_of(_SUBSCRIPTIONS, request.query)
        items = [s.as_json() for s in self.push.subscriptions.values()]
        chunk, token = self.reader.page(_SUBSCRIPTIONS.path, items, query, offset)
        return answer({"data": list(chunk), "pageToken": token})

    async def _subscribe(self, request: web.Request) -> web.Response:
        subscription = self.push.create(await _json(request))
        return answer(subscription.as_json(), status=201)

    async def _subscription(self, request: web.Request) -> web.Response:
        wanted = request.match_info["id"]
        if not is_uuid(wanted):
            raise bad_request("id: not a uuid")
        subscription = self.push.subscriptions.get(wanted)
        if subscription is None:
            raise SsError(404, "NotFound", "no such subscription")
        if request.method == "DELETE":
            del self.push.subscriptions[wanted]
            return web.Response(status=204)
        if request.method == "PATCH":
            body = await _json(request) if request.can_read_body else None
            self.push.renew(subscription, body)
        return answer(subscription.as_json())

    # -- the rest -------------------------------------------------------------------

    async def _accepted(self, request: web.Request) -> web.Response:
        await _json(request)
        return web.Response(status=201)

    async def _no_rows(self, request: web.Request) -> web.Response:
        return answer({"data": [], "pageToken": None})

    async def _empty_array(self, request: web.Request) -> web.Response:
        return answer([])

    async def _missing(self, request: web.Request) -> web.Response:
        raise SsError(404, "NotFound", "no such entity")

    async def _close(self, app: web.Application) -> None:
        await self.push.close()


_AGGREGATED = Collection("aggregatedAttendance", "", expand=("activity", "student"))
_SUBSCRIPTIONS = Collection("subscriptions", "")
_DELETED = Collection("deletedEntities", "")


def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def _oauth_error(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


async def _json(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    try:
        return await request.json()
    except ValueError as err:
        raise bad_request("the body is not JSON") from err
