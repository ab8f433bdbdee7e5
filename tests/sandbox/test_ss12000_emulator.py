"""The SS12000 emulator over raw HTTP: tokens, collections, paging, changes, push."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import Sandbox, create_app
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD, Dataset
from sandbox.ss12000 import Ss12000Emulator, letter

API = "/ss12000/v2.0"
TOKEN = "/ss12000/token"
TODAY = date(2026, 11, 18)
WEEK = {
    "startTime.onOrAfter": "2026-11-16T00:00:00+01:00",
    "startTime.onOrBefore": "2026-11-20T23:59:00+01:00",
}


@pytest.fixture
def emulator(sandbox: Sandbox) -> Ss12000Emulator:
    emulator: Ss12000Emulator = sandbox.ss12000
    return emulator


def row_of(sandbox: Sandbox, kind: str) -> dict[str, Any]:
    return next(
        row
        for row in sandbox.accounts()
        if row["portal"] == "ss12000" and row["kind"] == kind
    )


async def token_of(
    client: TestClient, user: str = "dana.cohen", secret: str = PUPIL_PASSWORD
) -> str:
    response = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": user,
            "client_secret": secret,
        },
    )
    assert response.status == 200
    return str((await response.json())["access_token"])


def plain_lessons(sandbox: Sandbox) -> list[Any]:
    """Today's lessons of Dana's that are neither cancelled nor given by a substitute."""
    return [
        lesson
        for lesson in sandbox.dataset.lessons_on("p1001", TODAY)
        if not lesson.cancelled and not lesson.changed
    ]


@pytest.fixture
async def auth(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {await token_of(client)}"}


async def read(
    client: TestClient,
    auth: dict[str, str],
    path: str,
    status: int = 200,
    **params: Any,
) -> Any:
    response = await client.get(f"{API}{path}", params=params, headers=auth)
    assert response.status == status, await response.text()
    return await response.json() if response.status != 404 else None


async def test_token_by_form_and_by_basic(client: TestClient, sandbox: Sandbox) -> None:
    form = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": "levi.parent",
            "client_secret": PARENT_PASSWORD,
            "scope": "ss12000",
        },
    )
    body = await form.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "ss12000"
    pair = base64.b64encode(f"dana.cohen:{PUPIL_PASSWORD}".encode()).decode()
    basic = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {pair}"},
    )
    assert basic.status == 200
    assert (await basic.json())["access_token"] != body["access_token"]


async def test_token_refusals(client: TestClient, sandbox: Sandbox) -> None:
    wrong = {"grant_type": "client_credentials", "client_id": "dana.cohen"}
    refused = await client.post(TOKEN, data={**wrong, "client_secret": "nope"})
    assert refused.status == 401
    assert (await refused.json()) == {"error": "invalid_client"}
    grant = await client.post(TOKEN, data={**wrong, "grant_type": "password"})
    assert (await grant.json()) == {"error": "unsupported_grant_type"}
    garbled = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic %%%"},
    )
    assert garbled.status == 401
    sandbox.faults.set("ss12000", "password_changed")
    changed = await client.post(TOKEN, data={**wrong, "client_secret": PUPIL_PASSWORD})
    assert changed.status == 401


async def test_tokens_are_required_and_expire(
    client: TestClient, emulator: Ss12000Emulator, sandbox: Sandbox
) -> None:
    now = [0.0]
    emulator.clock = lambda: now[0]
    auth = {"Authorization": f"Bearer {await token_of(client)}"}
    await read(client, auth, "/organisations")
    missing = await client.get(f"{API}/organisations")
    assert missing.status == 401
    assert "invalid_token" in missing.headers["WWW-Authenticate"]
    assert set(await missing.json()) == {"code", "message"}
    unknown = {"Authorization": "Bearer not-a-token"}
    await read(client, unknown, "/organisations", 401)
    now[0] = 3600.0
    await read(client, auth, "/organisations", 401)
    auth = {"Authorization": f"Bearer {await token_of(client)}"}
    sandbox.faults.set("ss12000", "expire_sessions")
    await read(client, auth, "/organisations", 401)


async def test_the_api_at_the_root_too(
    client: TestClient, auth: dict[str, str]
) -> None:
    versioned = await read(client, auth, "/organisations")
    root = await client.get("/ss12000/organisations", headers=auth)
    assert (await root.json()) == versioned
    index = await (await client.get("/")).text()
    assert "SS12000: http" in index
    assert index.count("/ss12000/v2.0") == 1


def test_account_rows(sandbox: Sandbox, emulator: Ss12000Emulator) -> None:
    pupil = row_of(sandbox, "student")
    parent = row_of(sandbox, "parent")
    base = "http://127.0.0.1:8765/ss12000"
    assert pupil["base_url"] == f"{base}/v2.0"
    assert pupil["token_url"] == f"{base}/token"
    assert (pupil["client_id"], pupil["client_secret"]) == (
        "dana.cohen",
        PUPIL_PASSWORD,
    )
    assert pupil["pupil"] == pupil["pupils"][0]["id"]
    assert pupil["pupils"][0]["dataset_id"] == "p1001"
    assert [p["dataset_id"] for p in parent["pupils"]] == ["p1002", "p1003"]
    guardian = emulator.school.guardian_id("levi.parent")
    assert parent["pupil"] == guardian
    assert parent["client_secret"] == PARENT_PASSWORD


async def test_a_family_found(
    client: TestClient, auth: dict[str, str], sandbox: Sandbox
) -> None:
    parent = row_of(sandbox, "parent")
    guardian = await read(
        client,
        auth,
        f"/persons/{parent['pupil']}",
        expand="responsibleFor",
        expandReferenceNames="true",
    )
    children = guardian["_embedded"]["responsibleFor"]
    assert [c["person"]["id"] for c in children] == [p["id"] for p in parent["pupils"]]
    assert {c["relationType"] for c in children} == {"Vårdnadshavare"}
    assert [c["person"]["displayName"] for c in children] == ["Noa Levi", "Ari Levi"]
    noa = await read(
        client,
        auth,
        f"/persons/{children[0]['person']['id']}",
        expand="groupMemberships,duties",
    )
    civic = noa["civicNo"]["value"]
    assert len(civic) == 12
    assert civic.isdigit()
    assert noa["responsibles"][0]["person"]["id"] == parent["pupil"]
    groups = noa["_embedded"]["groupMemberships"]
    assert {g["group"]["groupType"] for g in groups} == {"Klass", "Undervisning"}
    assert "groupMemberships" not in groups[0]["group"]
    assert noa["_embedded"]["duties"] == []
    by_civic = await read(client, auth, "/persons", civicNo=civic)
    assert [p["id"] for p in by_civic["data"]] == [noa["id"]]
    looked = await client.post(
        f"{API}/persons/lookup", json={"civicNos": [civic]}, headers=auth
    )
    assert [p["id"] for p in await looked.json()] == [noa["id"]]
    named = await read(client, auth, "/persons", nameContains=["noa", "LEVI"])
    assert [p["id"] for p in named["data"]] == [noa["id"]]
    guardians = await read(
        client,
        auth,
        "/persons",
        **{"relationship.entity.type": "responsibleFor.enrolment"},
    )
    assert [p["id"] for p in guardians["data"]] == [parent["pupil"]]


@pytest.mark.parametrize("value", ["true", "True", "1"])
async def test_reference_names_only_when_asked(
    client: TestClient, auth: dict[str, str], value: str
) -> None:
    plain = await read(client, auth, "/rooms", limit=1)
    assert set(plain["data"][0]["owner"]) == {"id"}
    named = await read(client, auth, "/rooms", limit=1, expandReferenceNames=value)
    assert named["data"][0]["owner"]["displayName"] == "Sandlådeskolan"


async def test_a_pupils_timetable(
    client: TestClient, auth: dict[str, str], sandbox: Sandbox
) -> None:
    dataset = sandbox.dataset
    pupil = row_of(sandbox, "student")["pupil"]
    lesson = dataset.lessons_on("p1001", TODAY)[0]
    dataset.cancel_lesson("p1001", TODAY, lesson.hour)
    events = await read(
        client,
        auth,
        "/calendarEvents",
        student=pupil,
        expand=["activity", "attendance"],
        expandReferenceNames="1",
        sortkey="StartTimeAsc",
        **WEEK,
    )
    lessons = dataset.lessons("p1001", TODAY - timedelta(days=2), TODAY + timedelta(3))
    assert len(events["data"]) == len(lessons)
    assert events["pageToken"] is None
    starts = [e["startTime"] for e in events["data"]]
    assert starts == sorted(starts)
    today = [e for e in events["data"] if e["startTime"].startswith("2026-11-18")]
    assert today[0]["cancelled"] is True
    assert today[0]["startTime"] == f"2026-11-18T{lesson.start:%H:%M}:00+01:00"
    activity = today[0]["_embedded"]["activity"]
    assert activity["displayName"] == today[0]["activity"]["displayName"]
    assert activity["teachers"][0]["duty"]["displayName"]
    assert today[0]["rooms"][0]["displayName"] == lesson.room
    changed = next(e for e in events["data"] if "teacherExceptions" in e)
    assert [x["participates"] for x in changed["teacherExceptions"]] == [False, True]
    missing = await read(client, auth, "/calendarEvents", 400, student=pupil)
    assert "startTime.onOrAfter" in missing["message"]
    other = await read(client, auth, "/calendarEvents", student=row_of(sandbox, "parent")["pupils"][0]["id"], **WEEK)  # fmt: skip
    assert {e["id"] for e in other["data"]}.isdisjoint(e["id"] for e in events["data"])


async def test_paging_with_tokens_that_expire(
    client: TestClient, auth: dict[str, str], emulator: Ss12000Emulator
) -> None:
    now = [0.0]
    emulator.clock = lambda: now[0]
    auth = {"Authorization": f"Bearer {await token_of(client)}"}
    everyone = await read(client, auth, "/persons")
    seen: list[str] = []
    page = await read(client, auth, "/persons", limit=30, sortkey="FamilyNameAsc")
    while True:
        seen += [p["id"] for p in page["data"]]
        if page["pageToken"] is None:
            break
        # Filters given with a token are the token's (lenient by default).
        page = await read(
            client, auth, "/persons", pageToken=page["pageToken"], civicNo="x"
        )
    assert sorted(seen) == sorted(p["id"] for p in everyone["data"])
    assert len(seen) == len(set(seen))
    first = await read(client, auth, "/persons", limit=5)
    emulator.strict = True
    strict = await read(
        client, auth, "/persons", 400, pageToken=first["pageToken"], civicNo="x"
    )
    assert "pageToken" in strict["message"]
    await read(client, auth, "/persons", pageToken=first["pageToken"], limit=5)
    now[0] = 301.0
    auth = {"Authorization": f"Bearer {await token_of(client)}"}
    gone = await read(client, auth, "/persons", 410, pageToken=first["pageToken"])
    assert gone["code"] == "PageTokenExpired"
    for bad in ("0", "-1", "many"):
        await read(client, auth, "/persons", 400, limit=bad)


async def test_meta_modified_follows_the_dataset(
    client: TestClient,
    auth: dict[str, str],
    sandbox: Sandbox,
    emulator: Ss12000Emulator,
) -> None:
    await read(client, auth, "/organisations")
    moment = [datetime(2026, 11, 18, 12, 0, tzinfo=emulator.zone)]
    emulator.now = lambda: moment[0]
    since = {"meta.modified.after": moment[0].isoformat(), **WEEK}
    assert (await read(client, auth, "/calendarEvents", **since))["data"] == []
    moment[0] += timedelta(minutes=5)
    lesson, lesson_by_hand = plain_lessons(sandbox)[:2]
    sandbox.dataset.cancel_lesson("p1001", TODAY, lesson.hour)
    lesson_by_hand.substitute_id = (
        "t14" if lesson_by_hand.teacher_id != "t14" else "t13"
    )
    changed = await read(client, auth, "/calendarEvents", **since)
    assert len(changed["data"]) == 2
    assert {e["meta"]["modified"] for e in changed["data"]} == {moment[0].isoformat()}
    # "after" is exclusive, "before" inclusive.
    exact = {"meta.modified.after": moment[0].isoformat(), **WEEK}
    assert (await read(client, auth, "/calendarEvents", **exact))["data"] == []
    before = {"meta.modified.before": moment[0].isoformat(), **since}
    assert len((await read(client, auth, "/calendarEvents", **before))["data"]) == 2
    newest = await read(client, auth, "/calendarEvents", sortkey="ModifiedDesc", **WEEK)
    assert newest["data"][0]["meta"]["modified"] == moment[0].isoformat()
    created = {"meta.created.after": moment[0].isoformat()}
    assert (await read(client, auth, "/grades", **created))["data"] == []
    await read(client, auth, "/grades", 400, **{"meta.modified.after": "yesterday"})
    await read(
        client, auth, "/grades", 400, **{"meta.modified.after": "2026-11-18T10:00:00"}
    )


async def test_sort_keys_and_filters(client: TestClient, auth: dict[str, str]) -> None:
    groups = await read(client, auth, "/groups", sortkey="DisplayNameAsc")
    names = [g["displayName"] for g in groups["data"]]
    assert names == sorted(names)
    classes = await read(client, auth, "/groups", groupType="Klass")
    assert [g["displayName"] for g in classes["data"]] == [
        "7A", "7B", "8A", "8B", "9A", "9B"
    ]  # fmt: skip
    await read(client, auth, "/groups", 400, groupType="Klassen")
    await read(client, auth, "/groups", 400, sortkey="Nonsense")
    await read(client, auth, "/groups", 400, organisation="not-a-uuid")
    await read(client, auth, "/groups", 400, expand="teachers")
    units = await read(client, auth, "/organisations", type="Skolenhet")
    unit = units["data"][0]
    assert unit["schoolTypes"] == ["GR"]
    inside = await read(
        client, auth, "/groups", organisation=unit["parentOrganisation"]["id"]
    )
    assert len(inside["data"]) == len(groups["data"])
    later = await read(client, auth, "/groups", **{"startDate.onOrAfter": "2027-01-01"})
    assert later["data"] == []
    open_ended = await read(
        client, auth, "/duties", **{"endDate.onOrAfter": "2030-01-01"}
    )
    assert open_ended["data"]
    teacher = open_ended["data"][0]["id"]
    taught = await read(client, auth, "/activities", teacher=teacher, expand="teachers")
    assert all(a["_embedded"]["teachers"][0]["id"] == teacher for a in taught["data"])
    with_person = await read(client, auth, f"/duties/{teacher}", expand="person")
    assert with_person["_embedded"]["person"]["id"] == with_person["person"]["id"]
    mentors = await read(
        client, auth, "/groups", groupType="Klass", expand="assignmentRoles"
    )
    roles = mentors["data"][0]["_embedded"]["assignmentRoles"]
    assert roles[0]["assignmentRoleType"] == "Mentor"
    codes = await read(client, auth, "/syllabuses", sortkey="SubjectCodeDesc")
    got = [s["subjectCode"] for s in codes["data"]]
    assert got == sorted(got, reverse=True)


async def test_get_by_id(client: TestClient, auth: dict[str, str]) -> None:
    bad = await read(client, auth, "/persons/123", 400)
    assert bad["code"] == "BadRequest"
    response = await client.get(
        f"{API}/persons/3fa85f64-5717-4562-b3fc-2c963f66afa6", headers=auth
    )
    assert response.status == 404
    assert await response.read() == b""


async def test_attendance_absences_and_grades(
    client: TestClient, auth: dict[str, str], sandbox: Sandbox
) -> None:
    dataset = sandbox.dataset
    pupil = row_of(sandbox, "student")["pupil"]
    wanted = [r for r in dataset.discipline("p1001") if r.kind in ("absence", "late")]
    attendances = await read(client, auth, "/attendances", student=pupil)
    assert len(attendances["data"]) == len(wanted)
    for record, reported in zip(wanted, attendances["data"], strict=True):
        missed = reported["validAbsenceMinutes"] + reported["invalidAbsenceMinutes"]
        assert missed == (10 if record.kind == "late" else 45)
        assert reported["isReported"] is True
    excused = [r for r in wanted if r.kind == "absence" and r.justified]
    absences = await read(client, auth, "/absences", student=pupil)
    assert len(absences["data"]) == len(excused)
    assert {a["type"] for a in absences["data"]} <= {"Anmäld frånvaro"}
    grades = await read(
        client, auth, "/grades", student=pupil, sortkey="registeredDateAsc"
    )
    marks = dataset.grades("p1001")
    assert [g["gradeValue"] for g in grades["data"]] == [letter(m.score) for m in marks]
    assert all(g["finalGrade"] is False for g in grades["data"])
    recent = await read(
        client,
        auth,
        "/grades",
        student=pupil,
        **{"registeredDate.onOrAfter": marks[-1].day.isoformat()},
    )
    assert len(recent["data"]) >= 1
    event = attendances["data"][0]["calendarEvent"]["id"]
    by_event = await read(client, auth, "/attendances", calendarEvent=event)
    assert attendances["data"][0] in by_event["data"]
    looked = await client.post(
        f"{API}/attendances/lookup", json={"calendareEvents": [event]}, headers=auth
    )
    assert attendances["data"][0] in await looked.json()
    added = dataset.add_discipline_event("p1001", "absence", justified=True, hour=1)
    assert added.kind == "absence"
    more = await read(client, auth, "/absences", student=pupil)
    assert len(more["data"]) == len(excused) + 1


def test_grade_letters() -> None:
    assert [letter(s) for s in (100, 90, 89, 75, 64, 50, 49)] == [
        "A", "A", "B", "C", "D", "E", "F"
    ]  # fmt: skip


async def test_aggregated_attendance(
    client: TestClient,
    auth: dict[str, str],
    sandbox: Sandbox,
    emulator: Ss12000Emulator,
) -> None:
    pupil = row_of(sandbox, "student")["pupil"]
    span = {"startDate": "2026-09-01", "endDate": "2026-11-18"}
    totals = await read(
        client, auth, "/aggregatedAttendance", student=pupil, expand="activity", **span
    )
    assert len(totals["data"]) == 12
    assert all(
        t["_embedded"]["activity"]["id"] == t["activity"]["id"] for t in totals["data"]
    )
    absent = sum(t["validAbsenceSum"] + t["invalidAbsenceSum"] for t in totals["data"])
    attendances = await read(client, auth, "/attendances", student=pupil)
    assert absent == sum(
        a["validAbsenceMinutes"] + a["invalidAbsenceMinutes"]
        for a in attendances["data"]
    )
    await read(client, auth, "/aggregatedAttendance", 400, student=pupil)
    # The seed client's parameters are taken unless strict.
    seed = {"startDate.onOrAfter": "2026-09-01", "endDate.onOrBefore": "2026-11-18"}
    lenient = await read(client, auth, "/aggregatedAttendance", student=pupil, **seed)
    assert lenient["data"] == [
        {k: v for k, v in t.items() if k != "_embedded"} for t in totals["data"]
    ]
    emulator.strict = True
    await read(client, auth, "/aggregatedAttendance", 400, student=pupil, **seed)
    paged = await read(client, auth, "/aggregatedAttendance", limit=5, **span)
    again = await read(
        client, auth, "/aggregatedAttendance", pageToken=paged["pageToken"]
    )
    assert again["data"][0] != paged["data"][0]


async def test_writes_deletes_and_deleted_entities(
    client: TestClient, auth: dict[str, str], sandbox: Sandbox
) -> None:
    pupil = row_of(sandbox, "student")["pupil"]
    events = await read(client, auth, "/calendarEvents", student=pupil, **WEEK)
    event = events["data"][0]["id"]
    written = await client.post(
        f"{API}/attendances",
        json={
            "calendarEvent": {"id": event},
            "student": {"id": pupil},
            "isReported": True,
            "attendanceMinutes": 45,
        },
        headers=auth,
    )
    assert written.status == 200
    attendance = await written.json()
    assert attendance["meta"]["created"]
    assert (await read(client, auth, f"/attendances/{attendance['id']}")) == attendance
    incomplete = await client.post(
        f"{API}/attendances", json={"student": {"id": pupil}}, headers=auth
    )
    assert incomplete.status == 400
    before = datetime.now(ZoneInfo("Europe/Stockholm")) - timedelta(seconds=1)
    generated = (await read(client, auth, "/attendances", student=pupil))["data"]
    for target in (attendance["id"], generated[0]["id"]):
        gone = await client.delete(f"{API}/attendances/{target}", headers=auth)
        assert gone.status == 204
    await read(client, auth, f"/attendances/{attendance['id']}", 404)
    deleted = await read(
        client,
        auth,
        "/deletedEntities",
        after=before.isoformat(),
        entities="Attendance",
    )
    assert sorted(deleted["data"]["attendances"]) == sorted(
        [attendance["id"], generated[0]["id"]]
    )
    assert deleted["data"]["activitites"] == []
    alias = await read(
        client, auth, "/deletedEntities", **{"meta.modified.after": before.isoformat()}
    )
    assert alias["data"] == deleted["data"]
    later = await read(
        client,
        auth,
        "/deletedEntities",
        after=(before + timedelta(hours=1)).isoformat(),
    )
    assert later["data"]["attendances"] == []
    await read(client, auth, "/deletedEntities", 400, entities="Homework")


async def test_subscriptions_crud(client: TestClient, auth: dict[str, str]) -> None:
    created = await client.post(
        f"{API}/subscriptions",
        json={
            "name": "home",
            "target": "http://127.0.0.1:9/hook",
            "resourceTypes": [{"resource": "CalendarEvent"}, "Grade"],
        },
        headers=auth,
    )
    assert created.status == 201
    subscription = await created.json()
    assert subscription["resourceTypes"] == [
        {"resource": "CalendarEvent"},
        {"resource": "Grade"},
    ]
    expires = datetime.fromisoformat(subscription["expires"])
    assert expires - datetime.now(expires.tzinfo) > timedelta(days=89)
    path = f"{API}/subscriptions/{subscription['id']}"
    listed = await read(client, auth, "/subscriptions")
    assert listed["data"] == [subscription]
    assert (await (await client.get(path, headers=auth)).json()) == subscription
    wanted = "2027-01-01T00:00:00+01:00"
    patched = await client.patch(path, json={"expires": wanted}, headers=auth)
    assert (await patched.json())["expires"] == wanted
    renewed = await client.patch(path, headers=auth)
    assert (await renewed.json())["expires"] != wanted
    assert (await client.delete(path, headers=auth)).status == 204
    assert (await client.get(path, headers=auth)).status == 404
    assert (await client.get(f"{API}/subscriptions/x", headers=auth)).status == 400
    for bad in (
        {"name": "x", "target": "ftp://x", "resourceTypes": ["Grade"]},
        {"name": "", "target": "http://x", "resourceTypes": ["Grade"]},
        {"name": "x", "target": "http://x", "resourceTypes": ["Homework"]},
        {"name": "x", "target": "http://x", "resourceTypes": []},
        [],
    ):
        refused = await client.post(f"{API}/subscriptions", json=bad, headers=auth)
        assert refused.status == 400
    broken = await client.post(f"{API}/subscriptions", data=b"{", headers=auth)
    assert broken.status == 400


class Target:
    """A webhook receiver that answers ``statuses`` in turn (then 200)."""

    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        self.statuses = list(statuses)
        self.bodies: list[Any] = []
        self.headers: list[str | None] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        self.headers.append(request.headers.get("Authorization"))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.arrived.set()
        return web.Response(status=status)


@pytest.fixture
async def target(socket_enabled: None) -> AsyncGenerator[tuple[Target, str]]:
    receiver = Target()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield receiver, str(server.make_url("/hook"))
    await server.close()


async def subscribe(
    client: TestClient, auth: dict[str, str], url: str, *kinds: str
) -> None:
    response = await client.post(
        f"{API}/subscriptions",
        json={
            "name": "ha",
            "target": url,
            "resourceTypes": [{"resource": k} for k in kinds],
        },
        headers=auth,
    )
    assert response.status == 201


@dataclass
class Hooked:
    """A sandbox client, its token, and a webhook receiver."""

    client: TestClient
    auth: dict[str, str]
    sandbox: Sandbox
    emulator: Ss12000Emulator
    receiver: Target
    url: str

    async def delete_an_attendance(self) -> None:
        found = await read(self.client, self.auth, "/attendances", limit=1)
        path = f"{API}/attendances/{found['data'][0]['id']}"
        assert (await self.client.delete(path, headers=self.auth)).status == 204


@pytest.fixture
def hooked(
    client: TestClient,
    auth: dict[str, str],
    sandbox: Sandbox,
    emulator: Ss12000Emulator,
    target: tuple[Target, str],
) -> Hooked:
    return Hooked(client, auth, sandbox, emulator, *target)


async def test_callbacks_in_the_standards_shape(hooked: Hooked) -> None:
    client, auth, sandbox = hooked.client, hooked.auth, hooked.sandbox
    emulator, receiver, url = hooked.emulator, hooked.receiver, hooked.url
    receiver.statuses = [500, 404]
    emulator.push.retry_delay = 0.01
    emulator.push.bearer = "hook-secret"
    await subscribe(client, auth, url, "CalendarEvent", "Attendance")
    first, second = plain_lessons(sandbox)[:2]
    sandbox.dataset.cancel_lesson("p1001", TODAY, first.hour)
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    await emulator.push.drain()
    assert (
        receiver.bodies
        == [{"modifiedEntites": ["CalendarEvent"], "deletedEntities": False}] * 3
    )
    assert receiver.headers == ["Bearer hook-secret"] * 3
    assert [d.status for d in emulator.push.deliveries] == [500, 404, 200]
    # A change no subscription covers calls nobody back.
    sandbox.dataset.add_message("levi.parent")
    receiver.arrived.clear()
    await hooked.delete_an_attendance()
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert receiver.bodies[-1] == {"modifiedEntites": [], "deletedEntities": True}
    # A change made by hand is found by the server's own look.
    emulator.push.poll_seconds = 0.01
    receiver.arrived.clear()
    second.cancelled = True
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert receiver.bodies[-1]["modifiedEntites"] == ["CalendarEvent"]


async def test_callbacks_in_skolverkets_shape(hooked: Hooked) -> None:
    client, auth, sandbox = hooked.client, hooked.auth, hooked.sandbox
    emulator, receiver, url = hooked.emulator, hooked.receiver, hooked.url
    emulator.push.style = "skolverket"
    await subscribe(client, auth, url, "Attendance", "Absence", "Grade")
    sandbox.dataset.add_discipline_event("p1001", "absence", justified=True)
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    await emulator.push.drain()
    assert sorted(receiver.bodies, key=str) == [
        {"modifiedEntities": ["Absence"]},
        {"modifiedEntities": ["Attendance"]},
    ]
    assert receiver.headers == [None, None]
    await hooked.delete_an_attendance()
    await emulator.push.drain()
    assert receiver.bodies[-1] == {"deletedEntities": True}


async def test_callbacks_give_up_and_stop_with_the_app(
    socket_enabled: None, sandbox: Sandbox
) -> None:
    emulator: Ss12000Emulator = sandbox.ss12000
    emulator.push.retry_delay = 0.01
    server = TestServer(create_app(sandbox), host="127.0.0.1")
    async with TestClient(server) as client:
        auth = {"Authorization": f"Bearer {await token_of(client)}"}
        await subscribe(client, auth, "http://127.0.0.1:9/nobody", "CalendarEvent")
        first, second = plain_lessons(sandbox)[:2]
        sandbox.dataset.cancel_lesson("p1001", TODAY, first.hour)
        await asyncio.sleep(0)
        await emulator.push.drain()
        assert [d.status for d in emulator.push.deliveries] == [None] * 4
    # Closed with the app: changes after it call nobody.
    sandbox.dataset.cancel_lesson("p1001", TODAY, second.hour)
    await asyncio.sleep(0.05)
    assert len(emulator.push.deliveries) == 4


async def test_forbidden_collections_and_faults(
    client: TestClient,
    auth: dict[str, str],
    sandbox: Sandbox,
    emulator: Ss12000Emulator,
) -> None:
    emulator.forbidden.add("grades")
    refused = await read(client, auth, "/grades", 403)
    assert refused["code"] == "Forbidden"
    await read(client, auth, "/rooms")
    sandbox.faults.set("ss12000", "maintenance", count=1)
    assert (await client.get(f"{API}/rooms", headers=auth)).status == 503
    sandbox.faults.set("ss12000", "rate_limit", count=1)
    limited = await client.get(f"{API}/rooms", headers=auth)
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "60"
    sandbox.faults.set("ss12000", "http_500", count=1)
    assert (await client.get(f"{API}/rooms", headers=auth)).status == 500
    assert sandbox.log.count("ss12000", "rooms") == 4


async def test_seed_client_spellings_and_reports(
    client: TestClient, auth: dict[str, str]
) -> None:
    for path in ("/attendanceSchedules", "/attendanceSchedule", "/log", "/statistics"):
        assert (await read(client, auth, path)) == {"data": [], "pageToken": None}
    for path in ("/log/", "/statistics/", "/log"):
        posted = await client.post(f"{API}{path}", json={"message": "x"}, headers=auth)
        assert posted.status == 201
    for path in ("/studyplans/lookup", "/aggregatedAttendance/lookup"):
        looked = await client.post(f"{API}{path}", json={"ids": []}, headers=auth)
        assert await looked.json() == []
    missing = await client.get(
        f"{API}/aggregatedAttendance/3fa85f64-5717-4562-b3fc-2c963f66afa6", headers=auth
    )
    assert missing.status == 404
    lookup = await client.post(f"{API}/rooms/lookup", json=[], headers=auth)
    assert lookup.status == 400
    wrong = await client.post(f"{API}/rooms/lookup", json={"ids": "x"}, headers=auth)
    assert wrong.status == 400
    empty = await client.post(f"{API}/rooms/lookup", json={}, headers=auth)
    assert await empty.json() == []


async def test_times_carry_the_datasets_zone(socket_enabled: None) -> None:
    sandbox = Sandbox(Dataset(TODAY, zone=ZoneInfo("America/Los_Angeles")))
    server = TestServer(create_app(sandbox), host="127.0.0.1")
    async with TestClient(server) as client:
        auth = {"Authorization": f"Bearer {await token_of(client)}"}
        week = {k: v.replace("+01:00", "-08:00") for k, v in WEEK.items()}
        events = await read(client, auth, "/calendarEvents", **week)
    assert events["data"][0]["startTime"].endswith("-08:00")
