"""The WebUntis client against the sandbox's emulator."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from custom_components.school_portal.api import create_client
from custom_components.school_portal.api.errors import (
    AccountLocked,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    NotSupported,
    PortalUnavailable,
    ProtocolError,
    RateLimited,
    UnknownSchool,
)
from custom_components.school_portal.api.models import (
    AccountKind,
    DateWindow,
    DisciplineKind,
    LessonStatus,
    Student,
    StudentData,
)
from custom_components.school_portal.api.webuntis import (
    NoRight,
    WebUntisClient,
    parse_qr_link,
)
from sandbox.app import Sandbox
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD, localized
from sandbox.webuntis import SCHOOL

TZ = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=TZ)
WINDOW = DateWindow(TODAY - timedelta(days=7), TODAY + timedelta(days=7))
AUTH = "WebUntis/jsonrpc.do"
PUPIL = ("dana.cohen", PUPIL_PASSWORD)
PARENT = ("levi.parent", PARENT_PASSWORD)

type ClientFactory = Callable[..., WebUntisClient]


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=TODAY)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_client(
    sandbox_server: TestServer, clock: Clock
) -> AsyncGenerator[ClientFactory]:
    session = aiohttp.ClientSession()
    server = str(sandbox_server.make_url("/webuntis"))

    def make(**config: object) -> WebUntisClient:
        config.setdefault("server", server)
        config.setdefault("school", SCHOOL)
        tz = config.pop("tz", TZ)
        assert isinstance(tz, ZoneInfo)
        client = create_client("webuntis", session, config, tz)
        assert isinstance(client, WebUntisClient)
        client._clock = lambda: NOW
        client._seconds = clock
        return client

    yield make
    await session.close()


@pytest.fixture(autouse=True)
def _count_authentications(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Count `authenticate` calls (the request log only sees the URL)."""
    sandbox.webuntis_authentications = 0  # type: ignore[attr-defined]
    original = sandbox.webuntis._authenticate

    def counting(*args: object, **kwargs: object) -> object:
        sandbox.webuntis_authentications += 1  # type: ignore[attr-defined]
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sandbox.webuntis, "_authenticate", counting)


async def _pupil_refresh(make_client: ClientFactory) -> StudentData:
    """The pupil's login and one refresh of WINDOW."""
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    return await client.fetch(pupil, WINDOW)


def _account(sandbox: Sandbox, username: str) -> dict[str, object]:
    return next(
        row
        for row in sandbox.webuntis.accounts("http://x")
        if row["username"] == username
    )


async def test_pupil_login(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    before = client.account_id
    account = await client.login()
    assert account.id == before
    assert account.kind is AccountKind.STUDENT
    (pupil,) = account.students
    assert (pupil.first_name, pupil.last_name) == ("Dana", "Cohen")
    assert pupil.class_name == "8A"
    assert pupil.school == sandbox.dataset.school.name("de")
    assert account.school == sandbox.dataset.school.name("de")
    assert sandbox.webuntis_authentications == 1  # type: ignore[attr-defined]


async def test_parent_sees_two_children(make_client: ClientFactory) -> None:
    account = await make_client(username=PARENT[0], password=PARENT[1]).login()
    assert account.kind is AccountKind.PARENT
    assert sorted(p.name for p in account.students) == ["Ari Levi", "Noa Levi"]
    assert len({p.id for p in account.students}) == 2


async def test_ids_are_stable_and_case_blind(make_client: ClientFactory) -> None:
    first = await make_client(username=PARENT[0], password=PARENT[1]).login()
    upper = make_client(username=f" {PARENT[0].upper()} ", password=PARENT[1])
    again = await upper.login()
    assert upper.account_id == first.id == again.id
    assert [s.id for s in again.students] == [s.id for s in first.students]
    other_school = make_client(username=PARENT[0], password="x", school="elsewhere")
    assert other_school.account_id != first.id


async def test_secret_login_is_the_same_account(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    by_password = await make_client(username=PARENT[0], password=PARENT[1]).login()
    secret = str(_account(sandbox, PARENT[0])["secret"])
    sandbox.log.clear()
    sandbox.webuntis_authentications = 0  # type: ignore[attr-defined]
    client = make_client(username=PARENT[0], secret=secret.lower())
    by_secret = await client.login()
    assert by_secret.id == by_password.id
    assert by_secret.kind is AccountKind.PARENT
    assert [s.id for s in by_secret.students] == [s.id for s in by_password.students]
    assert sandbox.log.count("webuntis", "jsonrpc_intern.do") == 1
    assert sandbox.webuntis_authentications == 0  # type: ignore[attr-defined]
    # The session works for the JSON-RPC side too.
    assert await client.klassen()


async def test_qr_link_login_for_a_pupil(
    make_client: ClientFactory, sandbox_server: TestServer, sandbox: Sandbox
) -> None:
    base = str(sandbox_server.make_url(""))
    row = next(r for r in sandbox.webuntis.accounts(base) if r["username"] == PUPIL[0])
    settings = parse_qr_link(str(row["qr_link"]))
    assert settings["school"] == SCHOOL
    account = await make_client(**settings).login()
    (pupil,) = account.students
    assert pupil.class_name == "8A"
    assert pupil.first_name == "Dana"


async def test_wrong_secret(make_client: ClientFactory) -> None:
    with pytest.raises(AuthenticationError):
        await make_client(username=PUPIL[0], secret="JBSWY3DPEHPK3PXP").login()


async def test_wrong_password(make_client: ClientFactory) -> None:
    with pytest.raises(AuthenticationError):
        await make_client(username=PUPIL[0], password="wrong").login()


async def test_unknown_school(make_client: ClientFactory) -> None:
    with pytest.raises(UnknownSchool):
        await make_client(username=PUPIL[0], password=PUPIL[1], school="nope").login()
    with pytest.raises(UnknownSchool):
        await make_client(
            username=PUPIL[0], secret="JBSWY3DPEHPK3PXP", school="no"
        ).login()


async def test_blocked_user(make_client: ClientFactory, sandbox: Sandbox) -> None:
    sandbox.faults.set("webuntis", "two_factor")
    with pytest.raises(AccountLocked):
        await make_client(username=PUPIL[0], password=PUPIL[1]).login()


async def test_not_a_webuntis_server(
    make_client: ClientFactory, sandbox_server: TestServer
) -> None:
    client = make_client(
        username=PUPIL[0],
        password=PUPIL[1],
        server=str(sandbox_server.make_url("/webtop")),
    )
    with pytest.raises(ConfigurationError):
        await client.login()


@pytest.mark.parametrize(
    "config",
    [
        {"username": "x"},
        {"username": "", "password": "y"},
        {"username": "x", "password": "y", "school": " "},
        {"username": "x", "password": "y", "server": "ftp://host"},
        {"username": "x", "secret": "not base32!"},
        {"username": "x", "password": "y", "timeout": "soon"},
    ],
)
async def test_unusable_settings(
    make_client: ClientFactory, config: dict[str, object]
) -> None:
    with pytest.raises(ConfigurationError):
        make_client(**config)


async def test_unreachable_server(socket_enabled: None) -> None:
    async with aiohttp.ClientSession() as session:
        client = create_client(
            "webuntis",
            session,
            {
                "server": "http://127.0.0.1:9",
                "school": "s",
                "username": "x",
                "password": "y",
            },
            TZ,
        )
        with pytest.raises(ConnectionFailed):
            await client.login()


async def test_fetch_matches_the_dataset(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    # Two weeks ahead: the window holds class tests (30 Nov), so that the
    # exam check below has slots to check.
    window = DateWindow(WINDOW.start, TODAY + timedelta(days=14))
    refreshed = await client.refresh([pupil], window)
    data, account = refreshed[pupil.id], refreshed.account
    dataset = sandbox.dataset

    expected = dataset.lessons("p1001", window.start, window.end)
    assert [lesson.start.replace(tzinfo=None) for lesson in data.lessons] == [
        lesson.start for lesson in expected
    ]
    assert all(lesson.start.tzinfo is TZ for lesson in data.lessons)
    by_start = {lesson.start.replace(tzinfo=None): lesson for lesson in data.lessons}
    cancelled = [x for x in expected if x.cancelled]
    assert cancelled
    for source in cancelled:
        assert by_start[source.start].status is LessonStatus.CANCELLED
        assert by_start[source.start].note
    substituted = [x for x in expected if x.substitute_id and not x.cancelled]
    assert substituted
    for source in substituted:
        lesson = by_start[source.start]
        assert lesson.status is LessonStatus.CHANGED
        assert lesson.teachers == (dataset.person(source.substitute_id).last_name,)
        assert lesson.original_teachers == (
            dataset.person(source.teacher_id).last_name,
        )
        assert lesson.note == "Vertretung"
    exam_slots = {
        datetime.combine(exam.day, exam.start.time())
        for exam in dataset.exams_of("p1001")
        if window.start <= exam.day < window.end
    }
    exam_lessons = [
        lesson
        for lesson in data.lessons
        if lesson.start.replace(tzinfo=None) in exam_slots
        and lesson.status is LessonStatus.EXAM
    ]
    assert exam_slots
    assert {lesson.start.replace(tzinfo=None) for lesson in exam_lessons} == exam_slots
    normal = [x for x in expected if not x.cancelled and not x.substitute_id]
    lesson = by_start[normal[0].start]
    assert lesson.subject == dataset.subjects[normal[0].subject].name("de")
    assert lesson.rooms == (normal[0].room,)

    homework = [
        item
        for item in dataset.homework("p1001")
        if item.due >= window.start and item.given < window.end
    ]
    assert homework
    assert sorted(h.description for h in data.homework) == sorted(
        item.description["de"] for item in homework
    )
    emulator = sandbox.webuntis
    by_key = {
        (
            item.given,
            dataset.subjects[item.subject].name("de"),
            item.description["de"],
        ): item
        for item in homework
    }
    for item in data.homework:
        source = by_key[item.given, item.subject, item.description]
        assert item.due == source.due
        assert item.done is emulator.homework_completed(source)
        assert item.subject == dataset.subjects[source.subject].name("de")
        assert item.teacher == dataset.person(source.teacher_id).last_name
    assert {h.done for h in data.homework} == {True, False}

    unread = [m for m in dataset.messages("dana.cohen") if not m.read]
    assert account.unread_messages == len(unread)
    assert {m.uid for m in account.messages} == {m.uid for m in unread}
    assert account.messages[0].sender == unread[0].sender.name
    assert account.messages[0].received.tzinfo is TZ

    records = dataset.discipline("p1001")
    assert len(data.discipline) == len(records)
    expected_kinds = sorted(
        {"late": "late", "praise": "praise", "punishment": "punishment"}.get(
            r.kind, "absence" if r.kind == "absence" else "remark"
        )
        for r in records
    )
    assert sorted(event.kind.value for event in data.discipline) == expected_kinds
    absences = [e for e in data.discipline if e.kind is DisciplineKind.ABSENCE]
    assert [e.justified for e in absences] == [
        bool(r.justified) for r in records if r.kind == "absence"
    ]

    assert [exam.start.replace(tzinfo=None) for exam in data.exams] == [
        exam.start for exam in dataset.exams_of("p1001") if exam.day >= window.start
    ]
    assert [h.name for h in data.holidays] == [h.name("de") for h in dataset.holidays]
    assert data.holidays[0].start == dataset.holidays[0].start
    assert all(n.text for n in account.notifications)
    assert len(account.notifications) == len(
        [
            n
            for n in dataset.notifications("dana.cohen")
            if TODAY - timedelta(days=7) <= n.when.date() <= TODAY
        ]
    )


async def test_lesson_uid_survives_a_cancellation(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    before = await client.fetch(pupil, WINDOW)
    target = next(
        x
        for x in sandbox.dataset.lessons_on("p1001", TODAY + timedelta(days=1))
        if not x.cancelled and not x.substitute_id
    )
    old = next(
        lesson
        for lesson in before.lessons
        if lesson.start.replace(tzinfo=None) == target.start
    )
    sandbox.log.clear()
    # Unchanged import time: the timetable is not read again.
    await client.fetch(pupil, WINDOW)
    assert sandbox.log.count("webuntis", AUTH) == 1  # the import time only
    sandbox.dataset.cancel_lesson("p1001", target.day, target.hour)
    after = await client.fetch(pupil, WINDOW)
    new = next(lesson for lesson in after.lessons if lesson.uid == old.uid)
    assert old.status is LessonStatus.NORMAL
    assert new.status is LessonStatus.CANCELLED
    assert (new.start, new.subject) == (old.start, old.subject)


async def test_steady_state_refresh_cost(
    make_client: ClientFactory, sandbox: Sandbox, clock: Clock
) -> None:
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    await client.refresh(account.students, WINDOW)
    sandbox.log.clear()
    refreshes = 48  # one day at a 30-minute interval
    for _ in range(refreshes):
        clock.now += 30 * 60
        result = await client.refresh(account.students, WINDOW)
    assert set(result) == {pupil.id for pupil in account.students}
    per_pupil = sandbox.log.count("webuntis") / refreshes / len(account.students)
    assert per_pupil <= 4
    assert sandbox.webuntis_authentications == 1  # type: ignore[attr-defined]
    assert sandbox.log.count("webuntis", "api/rest/view/v1/messages") == refreshes // 2
    # Master data: at most once a day.
    assert sandbox.log.count("webuntis", "api/rest/view/v1/app/data") <= 1
    # The inbox is the login's: kept once, beside both children's data.
    assert result.account.unread_messages == len(result.account.messages)


async def test_children_get_their_own_timetable(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    result = await client.refresh(account.students, WINDOW)
    by_name = {data.student.first_name: data for data in result.values()}
    for name, pupil_id in (("Noa", "p1002"), ("Ari", "p1003")):
        expected = sandbox.dataset.lessons(pupil_id, WINDOW.start, WINDOW.end)
        assert [
            (x.start.replace(tzinfo=None), x.subject) for x in by_name[name].lessons
        ] == [
            (x.start, sandbox.dataset.subjects[x.subject].name("de")) for x in expected
        ]
        assert len(by_name[name].discipline) == len(
            sandbox.dataset.discipline(pupil_id)
        )
    noa, ari = by_name["Noa"], by_name["Ari"]
    assert {x.uid for x in noa.lessons}.isdisjoint({x.uid for x in ari.lessons})
    assert {x.uid for x in noa.homework}.isdisjoint({x.uid for x in ari.homework})


async def test_month_view_is_one_request(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    sandbox.log.clear()
    start, end = date(2027, 1, 1), date(2027, 2, 1)
    lessons = await client.lessons(pupil, start, end)
    assert sandbox.log.count("webuntis") == 1
    assert len(lessons) == len(sandbox.dataset.lessons("p1001", start, end))
    assert await client.lessons(pupil, start, end) == lessons
    assert sandbox.log.count("webuntis") == 1
    # Outside the school year: no lessons, and nothing asked.
    assert await client.lessons(pupil, date(2027, 7, 1), date(2027, 8, 1)) == []
    assert sandbox.log.count("webuntis") == 1
    # Partly outside: clipped to the year.
    summer = await client.lessons(pupil, date(2027, 6, 1), date(2027, 7, 15))
    assert len(summer) == len(
        sandbox.dataset.lessons("p1001", date(2027, 6, 1), date(2027, 7, 15))
    )


async def test_dates_outside_the_year_are_no_lessons(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    await client.login()
    # Without the year's range the client asks, and WebUntis says -7004.
    client._app_data.clear()
    assert (
        await client.timetable(date(2027, 7, 1), date(2027, 7, 8), student=1001) == []
    )
    with pytest.raises(ProtocolError):
        await client.substitutions(date(2027, 7, 1), date(2027, 7, 8))


async def test_expired_session_logs_in_again_once(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    await client.refresh(account.students, WINDOW)
    sandbox.faults.set("webuntis", "expire_sessions")
    sandbox.webuntis_authentications = 0  # type: ignore[attr-defined]
    await asyncio.gather(
        client.refresh(account.students, WINDOW),
        client.refresh(account.students, WINDOW),
    )
    assert sandbox.webuntis_authentications == 1  # type: ignore[attr-defined]


async def test_expired_session_with_secret(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    secret = str(_account(sandbox, PUPIL[0])["secret"])
    client = make_client(username=PUPIL[0], secret=secret)
    (pupil,) = (await client.login()).students
    sandbox.faults.set("webuntis", "expire_sessions")
    sandbox.log.clear()
    data = await client.fetch(pupil, WINDOW)
    assert data.lessons
    assert sandbox.log.count("webuntis", "jsonrpc_intern.do") == 1


async def test_changed_password(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    account = await client.login()
    sandbox.faults.set("webuntis", "password_changed")
    with pytest.raises(AuthenticationError):
        await client.fetch(account.students[0], WINDOW)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("http_500", PortalUnavailable),
        ("maintenance", PortalUnavailable),
        ("malformed", ProtocolError),
        ("rate_limit", RateLimited),
    ],
)
async def test_faults_become_contract_errors(
    make_client: ClientFactory, sandbox: Sandbox, fault: str, error: type[Exception]
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    account = await client.login()
    sandbox.faults.set("webuntis", fault)
    with pytest.raises(error) as caught:
        await client.fetch(account.students[0], WINDOW)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 60
    sandbox.faults.clear()
    data = await client.fetch(account.students[0], WINDOW)
    assert data.lessons


@pytest.mark.parametrize(
    ("fault", "error"),
    [("rate_limit", RateLimited), ("http_500", PortalUnavailable)],
)
async def test_faults_at_secret_login(
    make_client: ClientFactory, sandbox: Sandbox, fault: str, error: type[Exception]
) -> None:
    sandbox.faults.set("webuntis", fault, count=1)
    client = make_client(
        username=PUPIL[0], secret=str(_account(sandbox, PUPIL[0])["secret"])
    )
    with pytest.raises(error):
        await client.login()


async def test_slow_answer_times_out(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    account = await client.login()
    # Short only now: a busy machine must not time the login out.
    client._wire.timeout = 0.2
    sandbox.faults.set("webuntis", "slow")
    with pytest.raises(ConnectionFailed):
        await client.fetch(account.students[0], WINDOW)
    sandbox.faults.clear()
    sandbox.faults.set("webuntis", "slow")
    otp_client = make_client(username=PUPIL[0], secret="JBSWY3DPEHPK3PXP", timeout=0.2)
    with pytest.raises(ConnectionFailed):
        await otp_client.login()


async def test_a_method_the_server_lacks_is_just_absent(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    """An older server without the class register (-32601) still refreshes."""
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    del sandbox.webuntis._methods["getClassregEvents"]
    data = await client.fetch(pupil, WINDOW)
    assert data.lessons
    assert all(event.kind is DisciplineKind.ABSENCE for event in data.discipline)


@pytest.mark.parametrize("refusal_status", [403, 200])
@pytest.mark.parametrize(
    "refused",
    [
        "getClassregEvents",
        "getTimetable",
        "exams",
        "absences",
        "homeworks",
        "messages",
        "news",
    ],
)
async def test_a_refused_resource_is_just_absent(
    make_client: ClientFactory, sandbox: Sandbox, refused: str, refusal_status: int
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    sandbox.webuntis.refusal_status = refusal_status
    sandbox.webuntis.forbidden.add(refused)
    refreshed = await client.refresh([pupil], WINDOW)
    data, account = refreshed[pupil.id], refreshed.account
    parts = {
        "getClassregEvents": [
            e for e in data.discipline if e.kind is not DisciplineKind.ABSENCE
        ],
        "getTimetable": data.lessons,
        "exams": data.exams,
        "absences": [e for e in data.discipline if e.kind is DisciplineKind.ABSENCE],
        "homeworks": data.homework,
        "messages": account.messages,
        "news": account.notifications,
    }
    for name, part in parts.items():
        if name == refused:
            assert not part
        elif name != "news":
            assert part, name
    if refused == "getTimetable":
        assert await client.lessons(pupil, TODAY, TODAY + timedelta(days=7)) == []


async def test_bearer_token_is_reused_until_near_expiry(
    make_client: ClientFactory, sandbox: Sandbox, clock: Clock
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    await client.login()
    sandbox.log.clear()
    await client.messages()
    await client.messages()
    assert sandbox.log.count("webuntis", "api/token/new") == 0  # the login's token
    clock.now += 14 * 60 + 30
    await client.messages()
    assert sandbox.log.count("webuntis", "api/token/new") == 1
    # A token the server forgets is replaced once, without a new login.
    client._wire.token = (
        client._wire.token[:-4] + "AAAA" if client._wire.token else None
    )
    sandbox.webuntis_authentications = 0  # type: ignore[attr-defined]
    assert await client.messages()
    assert sandbox.log.count("webuntis", "api/token/new") == 2
    assert sandbox.webuntis_authentications == 0  # type: ignore[attr-defined]


async def test_master_data_is_cached_daily(
    make_client: ClientFactory, sandbox: Sandbox, clock: Clock
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    await client.login()  # reads the classes for the pupil's class name
    sandbox.log.clear()
    classes = await client.klassen()
    assert [c.name for c in classes] == [
        c.name for c in sandbox.dataset.classes.values()
    ]
    assert sandbox.log.count("webuntis") == 0
    await client.klassen(force=True)
    assert sandbox.log.count("webuntis") == 1
    subjects = await client.subjects()
    await client.subjects()
    assert sandbox.log.count("webuntis") == 2
    clock.now += 25 * 3600
    assert await client.subjects() == subjects
    assert sandbox.log.count("webuntis") == 3
    client.refresh_master_data()
    await client.subjects()
    assert sandbox.log.count("webuntis") == 4


async def test_the_rest_of_the_surface(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    dataset = sandbox.dataset
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.authenticate()).students
    assert [d.name for d in await client.departments()] == ["SEK1"]
    holidays = await client.holidays()
    assert [(h.name, h.start, h.end) for h in holidays] == [
        (h.name("de"), h.start, h.end) for h in dataset.holidays
    ]
    assert holidays == await client.school_holidays()
    years = await client.schoolyears()
    current = await client.current_schoolyear()
    assert current in years
    assert (current.start, current.end) == (dataset.year_start, dataset.year_end)
    assert await client.klassen(years[0].id) == []
    teachers = await client.teachers()
    assert {(t.fore_name, t.long_name) for t in teachers} == {
        (t.first_name, t.last_name) for t in dataset.teachers.values()
    }
    rooms = await client.rooms()
    subjects = await client.subjects()
    assert {s.long_name for s in subjects} == {
        s.name("de") for s in dataset.subjects.values()
    }
    status = await client.statusdata()
    assert "cancelled" in str(status["codes"])
    units = await client.timegrid_units()
    assert {u.day for u in units} == {2, 3, 4, 5, 6}
    assert (units[0].start, units[0].end) == (
        datetime(1, 1, 1, 8).time(),
        datetime(1, 1, 1, 8, 45).time(),
    )
    stamp = await client.last_import_time()
    assert stamp.tzinfo is not None
    assert (await client.exam_types())[0]["name"] == "KA"
    assert [c.name for c in await client.class_reg_categories()]
    with pytest.raises(NoRight):
        await client.students()

    week = (date(2026, 11, 16), date(2026, 11, 21))
    mine = await client.timetable(*week, student=1001)
    assert mine == await client.lessons(pupil, *week)
    klasse = next(c for c in await client.klassen() if c.name == "8A")
    assert len(await client.timetable(*week, klasse=klasse.id)) == len(mine)
    math = next(s for s in subjects if s.long_name == "Mathematik")
    assert all(
        x.subject == "Mathematik"
        for x in await client.timetable(*week, subject=math.id)
    )
    room = rooms[0]
    assert all(
        x.rooms == (room.name,) for x in await client.timetable(*week, room=room.id)
    )
    teacher = teachers[0]
    taught = await client.timetable(*week, teacher=teacher.id)
    assert taught
    assert all(teacher.long_name in (*x.teachers, *x.original_teachers) for x in taught)
    with pytest.raises(ValueError):
        await client.timetable(*week)
    with pytest.raises(NoRight):
        await client.timetable(*week, student=1002)

    substitutions = await client.substitutions(date(2026, 11, 2), date(2026, 11, 21))
    assert {row["type"] for row in substitutions} <= {"cancel", "subst"}
    assert substitutions
    exams = await client.exams(dataset.year_start, dataset.year_end)
    assert len(exams) == len(dataset.exams_of("p1001"))
    absences = await client.timetable_with_absences(dataset.year_start, TODAY)
    assert len(absences) == len(
        [r for r in dataset.discipline("p1001") if r.kind == "absence"]
    )
    events = await client.class_reg_events(dataset.year_start, TODAY)
    assert len(events) == len(
        [r for r in dataset.discipline("p1001") if r.kind != "absence"]
    )
    assert await client.person_id("Cohen", "Dana") == 1001
    assert await client.person_id("Bar", "Ruth", teacher=True) == 1
    assert await client.person_id("Nobody", "Here") is None
    news = await client.news(TODAY)
    assert news
    stranger = Student(id="x", first_name="x", last_name="y")
    with pytest.raises(ProtocolError):
        await client.homework(stranger, TODAY, TODAY + timedelta(days=1))
    with pytest.raises(NotSupported):
        await client.set_homework_done(pupil, "uid", True)

    # After logout the next call logs in again by itself.
    await client.logout()
    assert await client.klassen(force=True)
    await client.close()
    assert client.account is None


async def test_time_zone_is_the_schools(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    new_york = ZoneInfo("America/New_York")
    client = make_client(username=PUPIL[0], password=PUPIL[1], tz=new_york)
    (pupil,) = (await client.login()).students
    lessons = await client.lessons(pupil, TODAY, TODAY + timedelta(days=1))
    first = sandbox.dataset.lessons_on("p1001", TODAY)[0]
    assert lessons[0].start == first.start.replace(tzinfo=new_york)
    assert lessons[0].start.utcoffset() == timedelta(hours=-5)


async def test_nothing_secret_or_personal_is_logged(
    make_client: ClientFactory, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    sandbox.webuntis.forbidden.update({"getClassregEvents", "exams"})
    await client.refresh(account.students, WINDOW)
    sandbox.faults.set("webuntis", "expire_sessions")
    await client.refresh(account.students, WINDOW)
    sandbox.faults.set("webuntis", "password_changed")
    with pytest.raises(AuthenticationError) as caught:
        await client.refresh(account.students, WINDOW)
    await client.close()
    text = caplog.text + str(caught.value)
    for secret in (PARENT[1], PARENT[0], "Levi", "Noa", "Ari"):
        assert secret not in text


@pytest.mark.parametrize("server_filter", ["span", "given", "due"])
async def test_homework_open_in_the_window_does_not_vanish(
    make_client: ClientFactory, sandbox: Sandbox, server_filter: str
) -> None:
    """Given weeks before the window and due in it, or given in it and due later."""
    sandbox.webuntis.homework_filter = server_filter
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    result = await client.refresh(account.students, WINDOW)
    straddling = 0
    for pupil in account.students:
        wanted = sorted(
            (item.given, item.due)
            for item in sandbox.dataset.homework(f"p{pupil.context['person_id']}")
            if item.due >= WINDOW.start and item.given < WINDOW.end
        )
        straddling += sum(
            given < WINDOW.start or due >= WINDOW.end for given, due in wanted
        )
        got = sorted((item.given, item.due) for item in result[pupil.id].homework)
        assert got == wanted
    assert straddling  # the dataset has homework across both window edges


async def test_cache_ages_follow_the_clients_clock(
    sandbox_server: TestServer, sandbox: Sandbox
) -> None:
    """As the bench drives it: only `_clock` moves, and slow data is re-read."""
    now = [NOW]
    async with aiohttp.ClientSession() as session:
        client = create_client(
            "webuntis",
            session,
            {
                "server": str(sandbox_server.make_url("/webuntis")),
                "school": SCHOOL,
                "username": PUPIL[0],
                "password": PUPIL[1],
            },
            TZ,
        )
        client._clock = lambda: now[0]
        account = await client.login()
        await client.refresh(account.students, WINDOW)
        sandbox.log.clear()
        now[0] += timedelta(hours=7)
        await client.refresh(account.students, WINDOW)
        for path in ("api/rest/view/v1/messages", "api/exams", "newsWidgetData"):
            assert sandbox.log.count("webuntis", path) == 1, path
        await client.close()


async def test_a_parent_never_gets_a_siblings_exams(
    make_client: ClientFactory, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the server ignores `studentId` and answers for both children."""
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    window = DateWindow(TODAY - timedelta(days=60), TODAY + timedelta(days=60))
    honest = await client.refresh(account.students, window)
    emulator = sandbox.webuntis
    monkeypatch.setattr(
        emulator,
        "_rest_pupils",
        lambda session, request, resource: sandbox.dataset.pupils_of(session.username),
    )
    first, second = account.students
    for pupil in (first, second):
        own = [e for e in honest[pupil.id].exams if e.start.date() < window.end]
        assert own
        assert await client.rest_exams(pupil, window.start, window.end) == own


@pytest.mark.parametrize("refusal_status", [403, 200])
async def test_the_errors_body_is_a_refusal_not_an_empty_list(
    make_client: ClientFactory, sandbox: Sandbox, refusal_status: int
) -> None:
    """``{"errors": [...]}`` (HA#153, HA#160), with 403 or with 200."""
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    sandbox.webuntis.refusal_status = refusal_status
    sandbox.webuntis.forbidden.update({"exams", "absences", "homeworks", "news"})
    year = (sandbox.dataset.year_start, sandbox.dataset.year_end)
    for read in (
        lambda: client.rest_exams(pupil, *year),
        lambda: client.absences(pupil, *year),
        lambda: client.homework(pupil, WINDOW.start, WINDOW.end),
        lambda: client.news(TODAY),
    ):
        with pytest.raises(NoRight):
            await read()
    # The refresh goes on without those parts.
    refreshed = await client.refresh([pupil], WINDOW)
    data, account = refreshed[pupil.id], refreshed.account
    assert data.lessons
    assert (data.exams, data.homework, account.notifications) == ((), (), ())
    assert all(event.kind is not DisciplineKind.ABSENCE for event in data.discipline)


@pytest.mark.parametrize("subject_shape", ["subject", "su", "both"])
async def test_homework_in_every_shape_seen(
    make_client: ClientFactory, sandbox: Sandbox, subject_shape: str
) -> None:
    """The subject as text or only as ``su``."""
    sandbox.webuntis.homework_subject = subject_shape
    data = await _pupil_refresh(make_client)
    dataset = sandbox.dataset
    wanted = sorted(
        (dataset.subjects[item.subject].name("de"), item.description["de"])
        for item in dataset.homework("p1001")
        if item.due >= WINDOW.start and item.given < WINDOW.end
    )
    assert wanted
    assert sorted((item.subject, item.description) for item in data.homework) == wanted


@pytest.mark.parametrize("reason_shape", ["text", "id"])
async def test_an_absence_carries_its_reason(
    make_client: ClientFactory, sandbox: Sandbox, reason_shape: str
) -> None:
    """As ``reason`` text, or only as ``reasonId`` into ``absenceReasons``."""
    sandbox.webuntis.absence_reason = reason_shape
    data = await _pupil_refresh(make_client)
    wanted = sorted(
        "\n".join(
            part for part in ("Krankheit", localized(r.description, "de")) if part
        )
        for r in sandbox.dataset.discipline("p1001")
        if r.kind == "absence"
    )
    assert wanted
    assert (
        sorted(
            e.description for e in data.discipline if e.kind is DisciplineKind.ABSENCE
        )
        == wanted
    )


@pytest.mark.parametrize("login_person", ["own", "none"])
async def test_a_login_without_a_person_of_its_own(
    make_client: ClientFactory,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    login_person: str,
) -> None:
    """personType 16 answers personId -1, klasseId 0 (python-webuntis#63)."""
    sandbox.webuntis.login_person = login_person
    classes_asked = []
    methods = sandbox.webuntis._methods
    read_classes = methods["getKlassen"]

    def counting(call: object) -> object:
        classes_asked.append(call)
        return read_classes(call)  # type: ignore[arg-type]

    monkeypatch.setitem(methods, "getKlassen", counting)
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    # The pupil is the one app/data names, never a pupil -1; no class 0 is
    # looked up (the class name stays unknown then).
    assert pupil.context["person_id"] == "1001"
    assert pupil.class_name == ("8A" if login_person == "own" else None)
    assert bool(classes_asked) is (login_person == "own")
    assert (await client.fetch(pupil, WINDOW)).lessons
    parent = await make_client(username=PARENT[0], password=PARENT[1]).login()
    assert parent.kind is AccountKind.PARENT
    assert [kid.context["person_id"] for kid in parent.students] == ["1002", "1003"]


async def test_an_account_of_no_person_reads_the_pupils_app_data_lists(
    make_client: ClientFactory,
) -> None:
    """Without the guardian role too; with no pupil listed, nothing to show."""
    client = make_client(username=PARENT[0], password=PARENT[1])
    client._person_type, client._person_id, client._klasse_id = 16, -1, 0
    listed = {"roles": [], "students": [{"id": 1002, "displayName": "Noa Levi"}]}
    account = await client._account({"user": listed})
    assert account.kind is AccountKind.PARENT
    assert [kid.context["person_id"] for kid in account.students] == ["1002"]
    for user in (
        {"roles": [], "students": [], "person": {"id": -1}},
        {"roles": [], "students": [{"id": -1, "displayName": "x"}]},
    ):
        with pytest.raises(ProtocolError):
            await client._account({"user": user})
