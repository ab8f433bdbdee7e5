"""The SS12000 client against a small server of our own (tests/api/ss12000_server)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from custom_components.school_portal.api import PORTALS, create_client
from custom_components.school_portal.api.errors import (
    AuthenticationError,
    ConfigurationError,
    NotSupported,
    PortalUnavailable,
    ProtocolError,
    RateLimited,
    TwoFactorRequired,
)
from custom_components.school_portal.api.models import (
    AccountKind,
    DateWindow,
    LessonStatus,
)
from custom_components.school_portal.api.portal import ChallengeKind
from custom_components.school_portal.api.push import PushSource, Subscription
from custom_components.school_portal.api.ss12000 import (
    PUSH_KINDS,
    NoRight,
    PageExpired,
    SS12000Client,
    civic_number,
    read_deleted,
    v21,
)
from scripts.bench_portals import Clock

from .ss12000_server import (
    BASE,
    CLIENT,
    GUARDIAN,
    PUPIL,
    SIBLING,
    TOKEN_PATH,
    Server,
)

TZ = ZoneInfo("Europe/Stockholm")
TODAY = date(2026, 11, 18)
WINDOW = DateWindow(TODAY - timedelta(days=7), TODAY + timedelta(days=7))


type Factory = Callable[..., SS12000Client]


@pytest.fixture
def server() -> Server:
    data = Server()
    data.event("e1", "2026-11-18T08:00:00+01:00", "2026-11-18T09:00:00+01:00")
    data.event(
        "e2",
        "2026-11-19T10:00:00+01:00",
        "2026-11-19T11:00:00+01:00",
        cancelled=True,
        comment="Läraren är sjuk",
    )
    data.event(
        "e3",
        "2026-11-20T10:00:00+01:00",
        "2026-11-20T11:00:00+01:00",
        studentExceptions=[{"student": {"id": PUPIL}, "participates": False}],
    )
    data.add(
        "attendances",
        {
            "id": "a1",
            "meta": {
                "created": "2026-11-18T09:00:00+01:00",
                "modified": "2026-11-18T09:00:00+01:00",
            },
            "calendarEvent": {"id": "e1"},
            "student": {"id": PUPIL},
            "isReported": True,
            "invalidAbsenceMinutes": 15,
        },
    )
    data.add(
        "absences",
        {
            "id": "b1",
            "meta": {
                "created": "2026-11-10T09:00:00+01:00",
                "modified": "2026-11-10T09:00:00+01:00",
            },
            "startTime": "2026-11-12T08:00:00+01:00",
            "endTime": "2026-11-12T16:00:00+01:00",
            "type": "Anmäld frånvaro",
            "student": {"id": PUPIL},
        },
    )
    data.add(
        "grades",
        {
            "id": "g1",
            "meta": {
                "created": "2026-11-01T09:00:00+01:00",
                "modified": "2026-11-01T09:00:00+01:00",
            },
            "student": {"id": PUPIL},
            "registeredBy": {"id": "x"},
            "registeredDate": "2026-11-01",
            "gradeValue": "B",
            "finalGrade": True,
            "adaptedStudyPlan": "Nej",
            "semester": "HT",
            "year": 2026,
            "syllabus": {"id": "s1"},
        },
    )
    return data


@pytest.fixture
async def http(socket_enabled: None, server: Server) -> AsyncGenerator[TestServer]:
    test_server = TestServer(server.app(), host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()


@pytest.fixture
async def make_client(http: TestServer) -> AsyncGenerator[Factory]:
    session = aiohttp.ClientSession()
    clock = Clock(datetime(2026, 11, 18, 8, 0, tzinfo=TZ))

    def make(**settings: Any) -> SS12000Client:
        config = {
            "portal": "ss12000",
            "server": str(http.make_url(BASE)),
            "token_url": str(http.make_url(TOKEN_PATH)),
            "client_id": CLIENT[0],
            "client_secret": CLIENT[1],
            "scope": "",
            "pupil": PUPIL,
        } | settings
        client = create_client("ss12000", session, config, TZ)
        assert isinstance(client, SS12000Client)
        client._clock = clock
        return client

    make.clock = clock  # type: ignore[attr-defined]
    yield make
    await session.close()


def tick(make: Factory, delta: timedelta) -> None:
    make.clock.now += delta  # type: ignore[attr-defined]


async def test_declared() -> None:
    info = PORTALS["ss12000"]
    assert info.name == "SS12000"
    assert [m.key for m in info.methods] == ["client_credentials", "token"]
    assert info.answer_keys == ("pupil",)
    assert "pupil" in info.private_keys


async def test_pupil_login_and_refresh(make_client: Factory, server: Server) -> None:
    client = make_client()
    account = await client.login()
    assert account.kind is AccountKind.STUDENT
    (student,) = account.students
    assert (student.id, student.first_name, student.class_name) == (PUPIL, "Dana", "5A")
    data = (await client.refresh(account.students, WINDOW))[PUPIL]
    first, cancelled = data.lessons
    assert first.subject == "Matematik 5A"
    assert first.teachers == ("Rut Lärare",)
    assert first.rooms == ("Sal 12",)
    assert cancelled.status is LessonStatus.CANCELLED
    assert cancelled.note == "Läraren är sjuk"
    # e3: the pupil does not take part (studentExceptions).
    assert [event.uid for event in data.discipline] == ["absence:b1", "attendance:a1"]
    lesson_absence = data.discipline[1]
    assert lesson_absence.subject == "Matematik 5A"
    assert lesson_absence.justified is False
    (grade,) = data.grades
    assert (grade.value, grade.period, grade.description) == (
        "B",
        "HT 2026",
        "Slutbetyg",
    )


async def test_guardian_gives_every_child(make_client: Factory) -> None:
    account = await make_client(pupil=GUARDIAN).login()
    assert account.kind is AccountKind.PARENT
    assert {s.id for s in account.students} == {PUPIL, SIBLING}


async def test_civic_number_finds_the_pupil(make_client: Factory) -> None:
    account = await make_client(pupil="20140405-2384").login()
    assert account.students[0].id == PUPIL
    assert civic_number("140405-2384", 2026) == "201404052384"
    assert civic_number("140405+2384", 2026) == "191404052384"
    assert civic_number("990101-1234", 2026) == "199901011234"
    assert civic_number("hello", 2026) is None


async def test_unknown_pupil_is_refused(make_client: Factory) -> None:
    with pytest.raises(AuthenticationError):
        await make_client(pupil="0b0b0b0b-0000-4000-8000-00000000ffff").login()
    with pytest.raises(AuthenticationError):
        await make_client(pupil="199001011234").login()


async def test_no_pupil_asks_to_choose(make_client: Factory, server: Server) -> None:
    server.page_size = 100
    with pytest.raises(TwoFactorRequired) as asked:
        await make_client(pupil=None).login()
    challenge = asked.value.challenge
    assert challenge.kind is ChallengeKind.CHOICE
    assert challenge.answer_key == "pupil"
    assert dict(challenge.choices) == {
        PUPIL: "Dana Cohen",
        SIBLING: "Yoni Cohen",
        GUARDIAN: "Levi Cohen (Dana Cohen, Yoni Cohen)",
    }
    # A server with more than a choice can hold, or that refuses the list:
    # the pupil is typed.
    server.page_size = 2
    with pytest.raises(TwoFactorRequired) as asked:
        await make_client(pupil=None).login()
    assert asked.value.challenge.kind is ChallengeKind.CODE
    server.forbidden.add("persons")
    with pytest.raises(TwoFactorRequired) as asked:
        await make_client(pupil=None).login()
    assert asked.value.challenge.kind is ChallengeKind.CODE


async def test_one_token_per_lifetime(make_client: Factory, server: Server) -> None:
    client = make_client()
    account = await client.login()
    for _ in range(3):
        tick(make_client, timedelta(minutes=15))
        await client.refresh(account.students, WINDOW)
    assert server.token_requests == 1
    tick(make_client, timedelta(minutes=15))  # 60 min: renewed before the end
    await client.refresh(account.students, WINDOW)
    assert server.token_requests == 2


async def test_revoked_token_is_renewed_once(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    await client.login()
    server.tokens.clear()
    await client.login()
    assert server.token_requests == 2


async def test_refused_client(make_client: Factory) -> None:
    with pytest.raises(AuthenticationError):
        await make_client(client_secret="wrong").login()
    with pytest.raises(ConfigurationError):
        make_client(client_secret="")


async def test_pasted_token(make_client: Factory, server: Server) -> None:
    server.tokens.add("pasted")
    client = make_client(client_id="", token="Bearer pasted")
    assert not client.can_relogin
    assert (await client.login()).students[0].id == PUPIL
    server.tokens.clear()
    with pytest.raises(AuthenticationError):
        await client.login()
    assert server.token_requests == 0


async def test_steady_refresh_reads_only_changes(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    account = await client.login()
    await client.refresh(account.students, WINDOW)
    server.requests.clear()
    tick(make_client, timedelta(minutes=30))
    await client.refresh(account.students, WINDOW)
    # The timetable only, and only what changed.
    assert len(server.requests) == 1
    assert "meta.modified.after" in server.requests[0]
    server.event(
        "e4",
        "2026-11-18T13:00:00+01:00",
        "2026-11-18T14:00:00+01:00",
        modified="2026-11-18T08:10:00+01:00",
    )
    server.delete("attendances", "a1", "2026-11-18T08:20:00+01:00")
    server.requests.clear()
    tick(make_client, timedelta(minutes=30))
    data = (await client.refresh(account.students, WINDOW))[PUPIL]
    assert [lesson.uid for lesson in data.lessons] == ["e1", "e4", "e2"]
    assert [event.uid for event in data.discipline] == ["absence:b1"]
    # Timetable, deletions, attendances, absences, grades (and one token).
    assert len(server.requests) <= 5


async def test_event_moved_out_of_the_window_leaves_at_the_next_refresh(
    make_client: Factory, server: Server
) -> None:
    """A lesson moved a month ahead is gone from the window 30 minutes later.

    The incremental read asks a wider range than the window's days, so the
    moved event comes back with its new start and is dropped; one moved in
    from further ahead is added. No whole read happens in between.
    """
    client = make_client()
    account = await client.login()
    data = (await client.refresh(account.students, WINDOW))[PUPIL]
    assert "e1" in [lesson.uid for lesson in data.lessons]
    server.event(
        "e1",
        "2026-12-18T08:00:00+01:00",
        "2026-12-18T09:00:00+01:00",
        modified="2026-11-18T08:10:00+01:00",
    )
    server.event(
        "e9",
        "2027-02-01T08:00:00+01:00",
        "2027-02-01T09:00:00+01:00",
        modified="2026-11-18T08:05:00+01:00",
    )
    tick(make_client, timedelta(minutes=30))
    data = (await client.refresh(account.students, WINDOW))[PUPIL]
    assert [lesson.uid for lesson in data.lessons] == ["e2"]
    # Neither the moved event nor the far one read by the wide range is kept.
    kept = {key for state in client._synced.values() for key in state.rows}
    assert {"e1", "e9"}.isdisjoint(kept)
    assert "e2" in kept
    server.event(
        "e9",
        "2026-11-24T08:00:00+01:00",
        "2026-11-24T09:00:00+01:00",
        modified="2026-11-18T08:40:00+01:00",
    )
    server.requests.clear()
    tick(make_client, timedelta(minutes=30))
    data = (await client.refresh(account.students, WINDOW))[PUPIL]
    assert [lesson.uid for lesson in data.lessons] == ["e2", "e9"]
    timetable = [query for query in server.requests if "startTime.onOrAfter" in query]
    assert len(timetable) == 1
    assert "meta.modified.after" in timetable[0]


async def test_empty_window_is_not_read_for_a_year(
    make_client: Factory, server: Server
) -> None:
    """With no event in the window there is no change to read after: the window only.

    (Reading changes a year around it without `meta.modified.after` would
    bring the whole year at every refresh.)
    """
    for eid in ("e1", "e2", "e3"):
        server.tables["calendarEvents"].pop(eid)
    server.event("far", "2027-03-01T08:00:00+01:00", "2027-03-01T09:00:00+01:00")
    client = make_client()
    account = await client.login()
    assert (await client.refresh(account.students, WINDOW))[PUPIL].lessons == ()
    server.requests.clear()
    tick(make_client, timedelta(minutes=30))
    assert (await client.refresh(account.students, WINDOW))[PUPIL].lessons == ()
    (timetable,) = [q for q in server.requests if "startTime.onOrAfter" in q]
    assert "meta.modified.after" not in timetable
    assert "startTime.onOrAfter=2026-11-11" in timetable


async def test_month_view_is_one_request(make_client: Factory, server: Server) -> None:
    server.page_size = 100
    client = make_client()
    account = await client.login()
    server.requests.clear()
    start = date(2026, 10, 26)
    lessons = await client.lessons(
        account.students[0], start, start + timedelta(days=42)
    )
    assert len(lessons) == 2
    await client.lessons(account.students[0], start, start + timedelta(days=42))
    assert len(server.requests) == 1


async def test_paging_restarts_when_the_token_expires(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    await client.login()
    server.expire_next_page = 1
    rows = await client.persons.list()
    assert len(rows) == 3
    server.expire_next_page = 5
    with pytest.raises(PageExpired):
        await client.persons.list()


async def test_refused_collection_stays_empty(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    account = await client.login()
    server.forbidden.add("grades")
    data = (await client.refresh(account.students, WINDOW))[PUPIL]
    assert data.grades == ()
    assert data.lessons
    with pytest.raises(NoRight):
        await client.grades.list()


async def test_rate_limited(make_client: Factory, server: Server) -> None:
    client = make_client()
    await client.login()
    server.rate_limited = 1
    with pytest.raises(RateLimited) as limited:
        await client.rooms.list()
    assert limited.value.retry_after == 7


async def test_collections_check_their_table(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    await client.login()
    with pytest.raises(ValueError, match="no filter"):
        await client.rooms.list({"student": PUPIL})
    with pytest.raises(ValueError, match="cannot expand"):
        await client.rooms.get("r", expand=("activity",))
    with pytest.raises(ValueError, match="sortkey"):
        await client.rooms.list(sortkey="StartTimeAsc")
    with pytest.raises(ValueError, match="meta"):
        await client.aggregated_attendance.list(modified_after=client._clock())
    with pytest.raises(ValueError, match="limit"):
        await client.rooms.list(limit=0)
    with pytest.raises(NotSupported):
        await client.study_plans.lookup({"ids": ["x"]})
    with pytest.raises(NotSupported):
        await client.log.list()
    with pytest.raises(NotSupported):
        await client.rooms.delete("x")
    assert await client.rooms.get("0a0a0a0a-0000-4000-8000-00000000ffff") is None
    found = await client.persons.lookup({"ids": [PUPIL]}, expand=("groupMemberships",))
    assert [row["id"] for row in found] == [PUPIL]
    assert await client.attendances.delete("a1") is True
    assert await client.attendances.delete("a1") is False
    # Every collection of the standard is there.
    for name in [
        "organisations",
        "persons",
        "placements",
        "duties",
        "groups",
        "programmes",
        "study_plans",
        "syllabuses",
        "school_unit_offerings",
        "activities",
        "calendar_events",
        "attendances",
        "attendance_events",
        "attendance_schedules",
        "grades",
        "absences",
        "aggregated_attendance",
        "resources",
        "rooms",
        "subscriptions",
        "deleted_entities",
        "log",
        "statistics",
    ]:
        assert getattr(SS12000Client, name).spec.path.startswith("/")


async def test_subscriptions(make_client: Factory, server: Server) -> None:
    client = make_client()
    await client.login()
    assert isinstance(client, PushSource)
    subscription = await client.subscribe("https://ha.example/api/webhook/x", "HA")
    assert subscription.expires is not None
    kinds = {
        r["resource"]
        for r in server.tables["subscriptions"][subscription.id]["resourceTypes"]
    }
    assert kinds == set(PUSH_KINDS)
    renewed = await client.renew(subscription)
    assert renewed.expires is not None
    assert renewed.expires > subscription.expires
    (listed,) = await client.subscriptions.list()
    assert listed["id"] == subscription.id
    await client.unsubscribe(subscription)
    await client.unsubscribe(subscription)  # already gone: fine
    with pytest.raises(NotSupported):
        await client.renew(Subscription("gone", None))


def test_callback_bodies() -> None:
    client = SS12000Client.__new__(SS12000Client)
    assert client.changed({"modifiedEntites": ["Grade"]}) == {"Grade"}
    assert client.changed({"modifiedEntities": ["CalendarEvent", "Room"]}) == {
        "CalendarEvent"
    }
    assert client.changed({"deletedEntities": True}) == {"deletedEntities"}
    assert client.changed({}) == frozenset()
    bad: object
    for bad in ([], {"modifiedEntities": "Grade"}, {"deletedEntities": "yes"}):
        with pytest.raises(ValueError):
            client.changed(bad)


async def test_push_reads_only_marked_kinds(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    account = await client.login()
    await client.refresh(account.students, WINDOW)
    client.set_push(True)
    server.requests.clear()
    tick(make_client, timedelta(minutes=5))
    await client.refresh(account.students, WINDOW)
    assert server.requests == []
    client.mark_changed(frozenset({"Grade"}))
    await client.refresh(account.students, WINDOW)
    assert [r.split("?")[0] for r in server.requests] == ["GET /grades"]
    server.requests.clear()
    client.mark_changed(client.changed({"deletedEntities": True}))
    tick(make_client, timedelta(hours=1))
    await client.refresh(account.students, WINDOW)
    assert [r.split("?")[0] for r in server.requests] == ["GET /deletedEntities"]
    server.requests.clear()
    client.mark_changed(frozenset({"Activity"}))
    await client.refresh(account.students, WINDOW)
    assert "meta.modified.after" not in server.requests[0]


def test_values_of_2_0_read_as_2_1() -> None:
    assert v21("Tillfälligadress") == "Tillfällig adress"
    assert v21("Omsorg") == "Omsorgsbehov"
    assert v21("Vårdnadshavare") == "Vårdnadshavare"


async def test_bad_server_address(make_client: Factory) -> None:
    with pytest.raises(ConfigurationError):
        make_client(server="")


@pytest.mark.parametrize(
    ("status", "text", "error"),
    [
        (500, "{}", PortalUnavailable),
        (200, "{}", ProtocolError),
        (200, "not json", ProtocolError),
        (302, "", ProtocolError),
        (403, "{}", AuthenticationError),
    ],
)
async def test_token_endpoint_failures(
    make_client: Factory,
    server: Server,
    status: int,
    text: str,
    error: type[Exception],
) -> None:
    server.canned["token"] = (status, text)
    with pytest.raises(error):
        await make_client().login()


async def test_token_without_lifetime(make_client: Factory, server: Server) -> None:
    server.canned["token"] = (
        200,
        '{"access_token": "tok1", "expires_in": "soon"}',
    )
    server.tokens.add("tok1")
    client = make_client(scope="ss12000.read")
    await client.login()
    tick(make_client, timedelta(minutes=50))
    await client.rooms.list()
    assert server.token_requests == 1


@pytest.mark.parametrize(
    ("path", "status", "text", "error"),
    [
        ("rooms", 400, '{"code": "bad", "message": "no"}', ProtocolError),
        ("rooms", 400, "oops", ProtocolError),
        ("rooms", 200, "oops", ProtocolError),
        ("rooms", 200, '{"data": {}}', ProtocolError),
        ("rooms", 404, "", NotSupported),
        ("rooms/lookup", 200, "{}", ProtocolError),
        ("rooms/r1", 200, "[]", ProtocolError),
        ("deletedEntities", 200, '{"data": []}', ProtocolError),
        ("subscriptions", 201, "", ProtocolError),
    ],
)
async def test_bad_replies(
    make_client: Factory,
    server: Server,
    path: str,
    status: int,
    text: str,
    error: type[Exception],
) -> None:
    client = make_client()
    await client.login()
    server.canned[path] = (status, text)
    reads = {
        "rooms": lambda: client.rooms.list(),
        "rooms/lookup": lambda: client.rooms.lookup({"ids": ["r1"]}),
        "rooms/r1": lambda: client.rooms.get("r1"),
        "deletedEntities": lambda: read_deleted(client.deleted_entities, None),
        "subscriptions": lambda: client.subscribe("https://ha.example/x", "HA"),
    }
    with pytest.raises(error):
        await reads[path]()


async def test_deleted_entities_pages_and_restarts(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    await client.login()
    first = '{"data": {"activitites": ["a1"]}, "pageToken": "p2"}'
    server.canned["deletedEntities"] = (200, first)
    calls = 0

    async def second_page() -> dict[str, set[str]]:
        nonlocal calls
        calls += 1
        return await read_deleted(client.deleted_entities, None, ("Activity",))

    # The next page (pageToken=p2) is the same canned page: a token that
    # expires instead ends it with a restart, and then fails.
    server.canned["deletedEntities"] = (410, "{}")
    with pytest.raises(PageExpired):
        await second_page()
    server.canned["deletedEntities"] = (
        200,
        '{"data": {"activitites": ["a1"], "activities": ["a2"]}}',
    )
    gone = await second_page()
    assert gone["Activity"] == {"a1", "a2"}
    assert calls == 2


async def test_refused_timetable_and_calendar(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    account = await client.login()
    server.forbidden.add("calendarEvents")
    data = (await client.refresh(account.students, WINDOW))[PUPIL]
    assert data.lessons == ()
    assert await client.lessons(account.students[0], TODAY, TODAY) == []
    server.forbidden = {"persons"}
    with pytest.raises(AuthenticationError):
        await client.login()


async def test_guardian_without_visible_children(
    make_client: Factory, server: Server
) -> None:
    client = make_client(pupil=GUARDIAN)
    server.canned["persons/lookup"] = (200, "[]")
    with pytest.raises(AuthenticationError):
        await client.login()


async def test_push_live_from_the_start_reads_everything_once(
    make_client: Factory, server: Server
) -> None:
    client = make_client()
    account = await client.login()
    client.set_push(True)
    data = (await client.refresh(account.students, WINDOW))[PUPIL]
    assert data.lessons
    assert data.discipline
    assert data.grades
    server.requests.clear()
    await client.refresh(account.students, WINDOW)
    assert server.requests == []
    # The safety net marks every kind: deletions are looked for too, hourly.
    tick(make_client, timedelta(hours=1))
    client.mark_changed(client.push_kinds)
    await client.refresh(account.students, WINDOW)
    paths = {request.split("?")[0] for request in server.requests}
    assert "GET /deletedEntities" in paths
