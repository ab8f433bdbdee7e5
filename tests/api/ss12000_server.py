"""A small SS12000 server for the client's tests (our own fixtures' shapes).

It answers like a standard 2.1 server: an OAuth token endpoint, lists with
page tokens, `meta.modified.after`, lookups, get by id, subscriptions and
`/deletedEntities`; tests switch faults on (403 per collection, an expiring
page token, 429).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

BASE = "/api/v2.0"
TOKEN_PATH = "/oauth/token"
CLIENT = ("family-client", "s3cret")

PUPIL = "0b0b0b0b-0000-4000-8000-000000000001"
SIBLING = "0b0b0b0b-0000-4000-8000-000000000002"
GUARDIAN = "0b0b0b0b-0000-4000-8000-000000000003"
ACTIVITY = "0c0c0c0c-0000-4000-8000-000000000001"


def meta(modified: str) -> dict[str, str]:
    return {"created": "2026-08-01T08:00:00+02:00", "modified": modified}


def person(
    pid: str, given: str, family: str, *, pupil: bool, civic: str
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": pid,
        "meta": meta("2026-08-01T08:00:00+02:00"),
        "givenName": given,
        "familyName": family,
        "civicNo": {"value": civic, "nationality": "SE"},
    }
    if pupil:
        row["enrolments"] = [
            {
                "enroledAt": {"id": "0d0d0d0d-0000-4000-8000-000000000001"},
                "schoolType": "GR",
                "schoolYear": 5,
                "startDate": "2026-08-15",
            }
        ]
    return row


class Server:
    """The server's data, what it was asked, and the faults switched on."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.students: dict[str, set[str]] = defaultdict(set)  # event id -> pupils
        self.deleted: list[tuple[datetime, str, str]] = []
        self.requests: list[str] = []
        self.token_requests = 0
        self.tokens: set[str] = set()
        self.expires_in = 3600
        self.page_size = 2
        self.forbidden: set[str] = set()
        self.expire_next_page = 0
        self.rate_limited = 0
        self.subscription_expiry = "2027-02-01T00:00:00+00:00"
        # Replies given instead, by path below the base (or "token"): status, text.
        self.canned: dict[str, tuple[int, str]] = {}
        self._seed()

    def _seed(self) -> None:
        persons = self.tables["persons"]
        persons[PUPIL] = person(
            PUPIL, "Dana", "Cohen", pupil=True, civic="201404052384"
        )
        persons[SIBLING] = person(
            SIBLING, "Yoni", "Cohen", pupil=True, civic="201609122398"
        )
        persons[GUARDIAN] = person(
            GUARDIAN, "Levi", "Cohen", pupil=False, civic="198001011234"
        )
        self.tables["activities"][ACTIVITY] = {
            "id": ACTIVITY,
            "meta": meta("2026-08-01T08:00:00+02:00"),
            "displayName": "Matematik 5A",
            "calendarEventsRequired": True,
            "startDate": "2026-08-15",
            "groups": [{"id": "0e0e0e0e-0000-4000-8000-000000000001"}],
            "teachers": [{"duty": {"id": "0f0f0f0f-0000-4000-8000-000000000001"}}],
            "organisation": {"id": "0d0d0d0d-0000-4000-8000-000000000001"},
        }

    def event(
        self,
        eid: str,
        start: str,
        end: str,
        *,
        pupils: tuple[str, ...] = (PUPIL,),
        modified: str = "2026-11-01T08:00:00+01:00",
        **extra: Any,
    ) -> dict[str, Any]:
        row = {
            "id": eid,
            "meta": meta(modified),
            "activity": {"id": ACTIVITY},
            "startTime": start,
            "endTime": end,
            "cancelled": False,
            "rooms": [{"id": "0a0a0a0a-0000-4000-8000-000000000001"}],
            **extra,
        }
        self.tables["calendarEvents"][eid] = row
        self.students[eid] = set(pupils)
        return row

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.tables[table][row["id"]] = row
        return row

    def delete(self, table: str, eid: str, when: str) -> None:
        self.tables[table].pop(eid, None)
        self.deleted.append((datetime.fromisoformat(when), table, eid))

    # --- HTTP ---------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(TOKEN_PATH, self._token)
        app.router.add_route("*", BASE + "/{path:.*}", self._api)
        return app

    def _canned(self, path: str) -> web.Response | None:
        if path not in self.canned:
            return None
        status, text = self.canned[path]
        return web.Response(status=status, text=text, content_type="application/json")

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        if (canned := self._canned("token")) is not None:
            return canned
        form = await request.post()
        header = request.headers.get("Authorization", "")
        pair = (str(form.get("client_id")), str(form.get("client_secret")))
        if header.startswith("Basic "):
            given = base64.b64decode(header[6:]).decode().split(":", 1)
            pair = (given[0], given[1])
        if form.get("grant_type") != "client_credentials" or pair != CLIENT:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = f"tok{self.token_requests}"
        self.tokens.add(token)
        return web.json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.expires_in,
            }
        )

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"].strip("/")
        self.requests.append(f"{request.method} /{path}?{request.query_string}")
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return web.json_response(
                {"code": "unauthorized", "message": "no"}, status=401
            )
        if self.rate_limited:
            self.rate_limited -= 1
            return web.json_response(
                {"code": "slow", "message": "down"},
                status=429,
                headers={"Retry-After": "7"},
            )
        if (canned := self._canned(path)) is not None:
            return canned
        parts = path.split("/")
        table = parts[0]
        if table in self.forbidden:
            return web.json_response({"code": "forbidden", "message": "no"}, status=403)
        if table == "subscriptions":
            return await self._subscriptions(request, parts)
        if table == "deletedEntities":
            return self._deleted(request)
        if len(parts) == 2 and parts[1] == "lookup":
            body = await request.json()
            wanted = set(body.get("ids", []))
            return web.json_response(
                [
                    self._shown(table, row, request)
                    for eid, row in self.tables[table].items()
                    if eid in wanted
                ]
            )
        if len(parts) == 2:
            if request.method == "DELETE":
                found = self.tables[table].pop(parts[1], None)
                return web.Response(status=204 if found else 404)
            row = self.tables[table].get(parts[1])
            if row is None:
                return web.Response(status=404)
            return web.json_response(self._shown(table, row, request))
        return self._list(request, table)

    def _list(self, request: web.Request, table: str) -> web.Response:
        query = request.query
        if "pageToken" in query:
            if self.expire_next_page:
                self.expire_next_page -= 1
                return web.json_response(
                    {"code": "gone", "message": "expired"}, status=410
                )
            offset, key = query["pageToken"].split(":", 1)
            params = dict(p.split("=", 1) for p in key.split("&") if p)
            start = int(offset)
        else:
            params = dict(query.items())
            start = 0
        rows = [
            row
            for row in self.tables[table].values()
            if self._matches(table, row, params)
        ]
        page = rows[start : start + self.page_size]
        more = start + self.page_size < len(rows)
        key = "&".join(f"{k}={v}" for k, v in params.items())
        return web.json_response(
            {
                "data": [self._shown(table, row, request) for row in page],
                "pageToken": f"{start + self.page_size}:{key}" if more else None,
            }
        )

    def _matches(self, table: str, row: dict[str, Any], params: dict[str, str]) -> bool:
        after = params.get("meta.modified.after")
        if after and datetime.fromisoformat(
            row["meta"]["modified"]
        ) <= datetime.fromisoformat(after):
            return False
        student = params.get("student")
        if table == "calendarEvents":
            start = datetime.fromisoformat(row["startTime"])
            if not (
                datetime.fromisoformat(params["startTime.onOrAfter"])
                <= start
                <= datetime.fromisoformat(params["startTime.onOrBefore"])
            ):
                return False
            return student is None or student in self.students[row["id"]]
        if student is not None:
            return bool(row.get("student", {}).get("id") == student)
        if "civicNo" in params:
            return bool(row.get("civicNo", {}).get("value") == params["civicNo"])
        return True

    def _shown(
        self, table: str, row: dict[str, Any], request: web.Request
    ) -> dict[str, Any]:
        shown = dict(row)
        expand = set(request.query.getall("expand", []))
        names = request.query.get("expandReferenceNames") == "true"
        if table == "calendarEvents" and "activity" in expand:
            activity = dict(self.tables["activities"][row["activity"]["id"]])
            activity["_embedded"] = {
                "teachers": [
                    {
                        "id": "0f0f0f0f-0000-4000-8000-000000000001",
                        "person": {"id": "x", "displayName": "Rut Lärare"},
                    }
                ]
            }
            shown["_embedded"] = {"activity": activity}
        if names and table == "calendarEvents":
            shown["rooms"] = [
                {**room, "displayName": "Sal 12"} for room in row.get("rooms", [])
            ]
        if table == "persons":
            embedded: dict[str, Any] = {}
            if "responsibleFor" in expand and row["id"] == GUARDIAN:
                embedded["responsibleFor"] = [
                    {
                        "person": {
                            "id": child,
                            **({"displayName": self._name(child)} if names else {}),
                        },
                        "relationType": "Förälder",
                    }
                    for child in (PUPIL, SIBLING)
                ]
            if "groupMemberships" in expand and "enrolments" in row:
                embedded["groupMemberships"] = [
                    {
                        "group": {
                            "id": "0e0e0e0e-0000-4000-8000-000000000009",
                            "meta": meta("2026-08-01T08:00:00+02:00"),
                            "displayName": "5A",
                            "startDate": "2026-08-15",
                            "groupType": "Klass",
                            "organisation": {
                                "id": "0d0d0d0d-0000-4000-8000-000000000001"
                            },
                        }
                    }
                ]
            if embedded:
                shown["_embedded"] = embedded
        return shown

    def _name(self, pid: str) -> str:
        row = self.tables["persons"][pid]
        return f"{row['givenName']} {row['familyName']}"

    def _deleted(self, request: web.Request) -> web.Response:
        after = datetime.fromisoformat(
            request.query.get("after", "2000-01-01T00:00:00+00:00")
        )
        kinds = {"calendarEvents", "attendances", "absences", "grades", "persons"}
        data: dict[str, list[str]] = {kind: [] for kind in kinds}
        data["activitites"] = []
        for when, table, eid in self.deleted:
            if when > after:
                data[table].append(eid)
        return web.json_response({"data": data, "pageToken": None})

    async def _subscriptions(
        self, request: web.Request, parts: list[str]
    ) -> web.Response:
        subs = self.tables["subscriptions"]
        if request.method == "POST":
            body = await request.json()
            sid = f"0s0s0s0s-0000-4000-8000-{len(subs):012d}"
            subs[sid] = {**body, "id": sid, "expires": self.subscription_expiry}
            return web.json_response(subs[sid], status=201)
        if len(parts) == 1:
            return web.json_response({"data": list(subs.values()), "pageToken": None})
        sub = subs.get(parts[1])
        if sub is None:
            return web.Response(status=404)
        if request.method == "DELETE":
            del subs[parts[1]]
            return web.Response(status=204)
        if request.method == "PATCH":
            sub["expires"] = "2027-05-01T00:00:00+00:00"
        return web.json_response(sub)


def now_utc() -> datetime:
    return datetime.now(UTC)
