"""The Webtop client against the sandbox's emulator."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from custom_components.school_portal.api import create_client
from custom_components.school_portal.api.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    NotSupported,
    PortalUnavailable,
    ProtocolError,
    RateLimited,
)
from custom_components.school_portal.api.models import (
    AccountKind,
    DateWindow,
    LessonStatus,
    Student,
)
from custom_components.school_portal.api.webtop import (
    MAX_INBOX_PAGES,
    WebtopClient,
    week_start,
)
from sandbox.app import Sandbox
from sandbox.webtop import DISCIPLINE_SHAPES, JUSTIFIED_REASON

TZ = ZoneInfo("Asia/Jerusalem")
# A Wednesday in term time; the client's clock is pinned to it so that client
# and emulator agree on "this week".
TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 7, 30, tzinfo=TZ)
WINDOW = DateWindow(TODAY - timedelta(days=7), TODAY + timedelta(days=7))
LOGIN = "user/LoginByUserNameAndPassword"
PUPIL = ("dana.cohen", "sandbox-pupil")
PARENT = ("levi.parent", "sandbox-parent")

type ClientFactory = Callable[..., WebtopClient]


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=TODAY)


@pytest.fixture
async def make_client(sandbox_server: TestServer) -> AsyncGenerator[ClientFactory]:
    session = aiohttp.ClientSession()
    base = str(sandbox_server.make_url("/webtop"))

    def make(**config: object) -> WebtopClient:
        config.setdefault("server", base)
        client = create_client("webtop", session, config, TZ)
        assert isinstance(client, WebtopClient)
        client._clock = lambda: NOW
        return client

    yield make
    await session.close()


async def test_pupil_login(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    account = await client.login()
    assert account.kind is AccountKind.STUDENT
    (pupil,) = account.students
    assert pupil.name == "דנה כהן"
    assert pupil.class_name == "8-1"
    assert account.school == sandbox.dataset.school.name("he")
    assert client.account is account
    assert sandbox.log.count("webtop", LOGIN) == 1


async def test_parent_sees_two_children(make_client: ClientFactory) -> None:
    account = await make_client(username=PARENT[0], password=PARENT[1]).login()
    assert account.kind is AccountKind.PARENT
    assert sorted(pupil.first_name for pupil in account.students) == ["ארי", "נועה"]
    assert len({pupil.id for pupil in account.students}) == 2


async def test_account_id_is_the_same_for_password_and_token(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    by_password = await make_client(username=PUPIL[0], password=PUPIL[1]).login()
    token = sandbox.webtop.browser_token(PUPIL[0])
    by_token = await make_client(username=PUPIL[0], token=token).login()
    assert by_token.id == by_password.id
    assert [s.id for s in by_token.students] == [s.id for s in by_password.students]
    # The username's case does not make another account.
    upper = make_client(username=f" {PUPIL[0].upper()} ", password=PUPIL[1])
    assert upper.account_id == by_password.id


async def test_wrong_password(make_client: ClientFactory) -> None:
    with pytest.raises(AuthenticationError):
        await make_client(username=PUPIL[0], password="wrong").login()


async def test_captcha_blocked_login_is_an_auth_error(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    sandbox.faults.set("webtop", "two_factor")
    with pytest.raises(AuthenticationError, match="token login"):
        await make_client(username=PUPIL[0], password=PUPIL[1]).login()


async def test_bad_token(make_client: ClientFactory) -> None:
    with pytest.raises(AuthenticationError):
        await make_client(username=PUPIL[0], token="not-a-token").login()


async def test_needs_a_secret(make_client: ClientFactory) -> None:
    with pytest.raises(AuthenticationError):
        make_client(username=PUPIL[0])


async def test_fetch_matches_the_dataset(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    account = await client.login()
    (pupil,) = account.students
    refreshed = await client.refresh([pupil], WINDOW)
    data, account = refreshed[pupil.id], refreshed.account
    dataset = sandbox.dataset

    expected = dataset.lessons("p1001", WINDOW.start, WINDOW.end)
    assert [(lesson.start.replace(tzinfo=None)) for lesson in data.lessons] == [
        lesson.start for lesson in expected
    ]
    assert all(lesson.start.tzinfo is TZ for lesson in data.lessons)
    cancelled = {
        lesson.start.replace(tzinfo=None) for lesson in expected if lesson.cancelled
    }
    assert cancelled
    assert {
        lesson.start.replace(tzinfo=None)
        for lesson in data.lessons
        if lesson.status is LessonStatus.CANCELLED
    } == cancelled
    substituted = [
        lesson for lesson in expected if lesson.changed and not lesson.cancelled
    ]
    changed = [
        lesson for lesson in data.lessons if lesson.status is LessonStatus.CHANGED
    ]
    assert len(changed) == len(substituted)
    assert all(lesson.note for lesson in changed)

    # Homework set in the lessons read (the past, this and next week), due at
    # the next lesson of its subject that is not cancelled.
    first_day = week_start(WINDOW.start)
    last_day = week_start(WINDOW.end - timedelta(days=1)) + timedelta(days=7)
    expected_homework = [
        item for item in dataset.homework("p1001") if first_day <= item.given < last_day
    ]
    assert sorted(item.given for item in data.homework) == sorted(
        item.given for item in expected_homework
    )
    cancelled_days = {
        (lesson.day, lesson.subject)
        for lesson in dataset.lessons("p1001", first_day, last_day + timedelta(days=7))
        if lesson.cancelled
    }
    by_given = {
        (
            item.given,
            dataset.subjects[item.subject].name("he"),
            item.description["he"],
        ): item
        for item in expected_homework
    }
    checked = 0
    for item in data.homework:
        source = by_given[item.given, item.subject, item.description]
        if (source.due, source.subject) not in cancelled_days and source.due < last_day:
            assert item.due == source.due
            checked += 1
        else:
            assert item.due > source.due or source.due >= last_day
    assert checked
    assert all(
        item.description and "<" not in item.description for item in data.homework
    )

    unread = [m for m in dataset.messages("dana.cohen") if not m.read]
    assert account.unread_messages == len(unread)
    assert {m.uid for m in account.messages} == {m.uid for m in unread}
    assert len(data.discipline) == len(dataset.discipline("p1001"))
    assert {event.kind.value for event in data.discipline} <= {
        "absence",
        "late",
        "remark",
        "praise",
        "punishment",
    }


async def test_steady_state_refresh_cost(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    await client.refresh(account.students, WINDOW)
    sandbox.log.clear()
    result = await client.refresh(account.students, WINDOW)
    assert set(result) == {pupil.id for pupil in account.students}
    # Per pupil: this week, next week, discipline (the past week is cached);
    # the parent's inbox once for both.
    assert sandbox.log.count("webtop") == 3 * 2 + 1
    assert sandbox.log.count("webtop", LOGIN) == 0
    assert sandbox.log.count("webtop", "messageBox/GetMessagesInbox") == 1
    # The inbox is the login's: kept once, beside both children's data.
    assert result.account.unread_messages == len(result.account.messages)


async def test_children_get_their_own_timetable(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    result = await client.refresh(account.students, WINDOW)
    by_name = {data.student.first_name: data for data in result.values()}
    noa_expected = sandbox.dataset.lessons("p1002", WINDOW.start, WINDOW.end)
    ari_expected = sandbox.dataset.lessons("p1003", WINDOW.start, WINDOW.end)
    assert len(by_name["נועה"].lessons) == len(noa_expected)
    assert len(by_name["ארי"].lessons) == len(ari_expected)
    assert [lesson.start for lesson in by_name["נועה"].lessons] != [
        lesson.start for lesson in by_name["ארי"].lessons
    ] or [lesson.subject for lesson in by_name["נועה"].lessons] != [
        lesson.subject for lesson in by_name["ארי"].lessons
    ]


async def test_expired_session_logs_in_again_once(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    sandbox.faults.set("webtop", "expire_sessions")
    sandbox.log.clear()
    # Two refreshes racing on the same dead token share one login.
    await asyncio.gather(
        client.refresh(account.students, WINDOW),
        client.refresh(account.students, WINDOW),
    )
    assert sandbox.log.count("webtop", LOGIN) == 1


async def test_expired_token_without_password_is_an_auth_error(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(
        username=PUPIL[0], token=sandbox.webtop.browser_token(PUPIL[0])
    )
    account = await client.login()
    assert not client.can_relogin
    sandbox.faults.set("webtop", "expire_sessions")
    with pytest.raises(AuthenticationError):
        await client.fetch(account.students[0], WINDOW)
    assert sandbox.log.count("webtop", LOGIN) == 0


async def test_changed_password(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    account = await client.login()
    sandbox.faults.set("webtop", "password_changed")
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
    sandbox.faults.set("webtop", fault)
    with pytest.raises(error) as caught:
        await client.fetch(account.students[0], WINDOW)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 60
    sandbox.faults.clear()
    # The same client recovers once the fault is gone.
    data = await client.fetch(account.students[0], WINDOW)
    assert data.lessons


async def test_slow_answer_times_out(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    account = await client.login()
    # Short only now: a busy machine must not time the login out.
    client._timeout = 0.2
    sandbox.faults.set("webtop", "slow")
    with pytest.raises(ConnectionFailed):
        await client.fetch(account.students[0], WINDOW)


async def test_unreachable_server(socket_enabled: None) -> None:
    async with aiohttp.ClientSession() as session:
        client = create_client(
            "webtop",
            session,
            {"server": "http://127.0.0.1:9", "username": "x", "password": "y"},
            TZ,
        )
        with pytest.raises(ConnectionFailed):
            await client.login()


async def test_month_view_reads_each_week_once(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    sandbox.log.clear()
    start, end = date(2027, 1, 1), date(2027, 2, 1)
    lessons = await client.lessons(pupil, start, end)
    weeks = len(range(0, (end - week_start(start)).days, 7))
    assert sandbox.log.count("webtop") == weeks
    assert len(lessons) == len(sandbox.dataset.lessons("p1001", start, end))
    assert all(start <= lesson.start.date() < end for lesson in lessons)
    # The same range again comes from the cache.
    assert await client.lessons(pupil, start, end) == lessons
    assert sandbox.log.count("webtop") == weeks


async def test_the_rest_of_the_surface(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    noa = next(pupil for pupil in account.students if pupil.first_name == "נועה")
    assert await client.check_token()

    page1 = await client.messages(1)
    page2 = await client.messages(2)
    assert len(page1) == 20
    assert page1[0].received >= page1[-1].received >= page2[0].received
    assert {m.uid for m in page1}.isdisjoint({m.uid for m in page2})
    read = await client.messages(1, has_read=True)
    assert all(message.read for message in read)
    first_subject = page1[0].subject
    found = await client.messages(1, search=first_subject)
    assert first_subject in {message.subject for message in found}

    subject_today = sandbox.dataset.lessons_on("p1002", TODAY)[0].subject
    added = sandbox.dataset.add_homework(
        "p1002", subject=subject_today, description="Read chapter 4", given=TODAY
    )
    today = await client.homework_today(noa)
    assert any("chapter 4" in item.description for item in today)
    assert all(item.due == TODAY for item in today)
    assert added.given == TODAY

    # This week has cancelled lessons; give it a substitution too, so that two
    # reads of the week can differ in more than their number of lessons.
    week = sandbox.dataset.lessons(
        "p1002", week_start(TODAY), week_start(TODAY) + timedelta(7)
    )
    covered = next(lesson for lesson in week if not lesson.cancelled)
    covered.substitute_id = next(
        teacher for teacher in sandbox.dataset.teachers if teacher != covered.teacher_id
    )

    with pytest.raises(ProtocolError):
        # Webtop refuses a school year the pupil is not in ("view is blocked").
        await client.schedule(noa, 0, study_year=2001)
    schedule = await client.schedule(noa, 0, study_year=sandbox.dataset.study_year)
    assert schedule == await client.schedule(noa, 0)
    assert len(schedule) == len(week)
    assert {LessonStatus.CANCELLED, LessonStatus.CHANGED} <= {
        lesson.status for lesson in schedule
    }
    lessons, homework = await client.lessons_and_homework(noa, 0)
    # The same lessons, not only as many (another week has as many).
    assert lessons == schedule
    assert any("chapter 4" in item.description for item in homework)

    notifications = await client.unread_notifications()
    assert all(note.when.tzinfo is TZ and note.text for note in notifications)
    assert len(notifications) == len(
        [n for n in sandbox.dataset.notifications("levi.parent") if not n.read]
    )
    assert await client.notification_settings(noa)

    linked = await client.linked_users()
    assert len(linked) == 2
    switched = await client.change_user(str(linked[0]["studentId"]))
    assert switched.students
    assert await client.check_token()

    with pytest.raises(NotSupported):
        await client.set_homework_done(noa, "uid", True)
    stranger = Student(id="someone", first_name="x", last_name="y")
    with pytest.raises(ProtocolError):
        await client.discipline_events(stranger)
    await client.close()
    assert client.account is None


async def test_nothing_secret_or_personal_is_logged(
    make_client: ClientFactory, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(username=PARENT[0], password=PARENT[1])
    account = await client.login()
    await client.refresh(account.students, WINDOW)
    sandbox.faults.set("webtop", "expire_sessions")
    await client.refresh(account.students, WINDOW)
    sandbox.faults.set("webtop", "password_changed")
    with pytest.raises(AuthenticationError) as caught:
        await client.refresh(account.students, WINDOW)
    text = caplog.text + str(caught.value)
    for secret in (PARENT[1], PARENT[0], "לוי", "נועה", "ארי"):
        assert secret not in text


async def test_a_kept_session_saves_the_login(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    first = make_client(username=PUPIL[0], password=PUPIL[1])
    await first.login()
    kept = first.session_state
    assert set(kept) == {"session_token"}
    sandbox.log.clear()

    again = make_client(username=PUPIL[0], password=PUPIL[1], **kept)
    account = await again.login()
    assert account.students
    assert sandbox.log.count("webtop", LOGIN) == 0
    assert again.session_state == kept

    # A dead kept session costs one password login, then works.
    sandbox.faults.set("webtop", "expire_sessions")
    revived = make_client(username=PUPIL[0], password=PUPIL[1], **kept)
    await revived.login()
    assert sandbox.log.count("webtop", LOGIN) == 1
    assert revived.session_state != kept
    # A pasted token is reported under its own key.
    pasted = make_client(
        username=PUPIL[0], token=sandbox.webtop.browser_token(PUPIL[0])
    )
    assert set(pasted.session_state) == {"token"}


async def test_a_retry_after_login_uses_the_new_sessions_pupil_ids(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PARENT[0], password=PARENT[1])
    noa = next(p for p in (await client.login()).students if p.first_name == "נועה")
    # As if Webtop's pupil ids were per session: the old one is stale now.
    client._pupils[noa.id] = replace(
        noa, context={**noa.context, "encrypted_id": "stale=="}
    )
    sandbox.faults.set("webtop", "expire_sessions")
    events = await client.discipline_events(noa)
    assert len(events) == len(sandbox.dataset.discipline("p1002"))


async def test_caches_stay_small_and_the_account_is_reread(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    clock = [0.0]
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    client._clock = lambda: NOW + timedelta(seconds=clock[0])
    (pupil,) = (await client.login()).students
    await client.lessons(pupil, date(2027, 1, 1), date(2027, 3, 1))
    assert len(client._weeks) >= 8
    clock[0] += 7 * 3600
    await client.lessons(pupil, TODAY, TODAY + timedelta(days=1))
    assert len(client._weeks) == 1

    sandbox.log.clear()
    await client.refresh([pupil], WINDOW)
    assert sandbox.log.count("webtop", "dashboard/InitDashboard") == 0
    clock[0] += 13 * 3600
    await client.refresh([pupil], WINDOW)
    assert sandbox.log.count("webtop", "dashboard/InitDashboard") == 1


async def test_discipline_reads_the_same_in_both_shapes(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    (pupil,) = (await client.login()).students
    by_shape = {}
    for shape in DISCIPLINE_SHAPES:
        sandbox.webtop.discipline_shape = shape
        by_shape[shape] = (await client.fetch(pupil, WINDOW)).discipline
    events, table = by_shape["events"], by_shape["data_table"]
    records = sandbox.dataset.discipline("p1001")[::-1]  # newest first
    # The pupil has an excused and an unexcused absence, and events without
    # a remark (sent as "null" in the data_table shape).
    assert {True, False} <= {record.justified for record in records}
    assert any(not record.description["he"] for record in records)

    assert len(table) == len(events) == len(records)
    assert [event.uid for event in table] == [event.uid for event in events]
    assert [event.justified for event in table] == [r.justified for r in records]
    assert all(event.justified is None for event in events)
    for plain, rich, record in zip(events, table, records, strict=True):
        assert plain.description == (record.description["he"] or record.label["he"])
        assert "null" not in rich.description
        if record.justified:
            assert rich.description == f"{plain.description}\n{JUSTIFIED_REASON}"
        else:
            assert rich.description == plain.description


INBOX = "messageBox/GetMessagesInbox"


@pytest.mark.parametrize(
    ("page_size", "counts", "unread", "calls"),
    [
        # A page of 30 holds them all, and its count says there are no more.
        (30, True, 25, 1),
        (30, True, 20, 1),
        (30, True, 65, 3),
        # Without a count, a page shorter than the one before is the last.
        (30, False, 45, 2),
        (30, False, 25, 2),
        (20, True, 45, 3),
        (20, False, 45, 3),
    ],
)
async def test_every_unread_message_is_read_page_by_page(
    make_client: ClientFactory,
    sandbox: Sandbox,
    page_size: int,
    counts: bool,
    unread: int,
    calls: int,
) -> None:
    sandbox.webtop.page_size = page_size
    sandbox.webtop.inbox_counts = counts
    dataset = sandbox.dataset
    already = sum(not message.read for message in dataset.messages(PUPIL[0]))
    for number in range(unread - already):
        dataset.add_message(PUPIL[0], subject=f"Notice {number}")
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    await client.login()
    sandbox.log.clear()

    messages = await client.unread_messages()
    expected = [m.uid for m in dataset.messages(PUPIL[0]) if not m.read]
    assert len(expected) == unread
    assert [message.uid for message in messages] == expected
    assert sandbox.log.count("webtop", INBOX) == calls


async def test_a_huge_unread_inbox_is_read_up_to_a_bound(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    sandbox.webtop.page_size = 30
    for number in range(400):
        sandbox.dataset.add_message(PUPIL[0], subject=f"Notice {number}")
    client = make_client(username=PUPIL[0], password=PUPIL[1])
    await client.login()
    sandbox.log.clear()
    messages = await client.unread_messages()
    assert len(messages) == MAX_INBOX_PAGES * 30
    assert sandbox.log.count("webtop", INBOX) == MAX_INBOX_PAGES


@pytest.mark.parametrize("timeout", ["soon", "", None, [], "nan", "inf", "0", -5])
async def test_a_bad_timeout_setting_is_a_configuration_error(
    timeout: object,
) -> None:
    config = {"username": PUPIL[0], "password": PUPIL[1], "timeout": timeout}
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ConfigurationError, match="timeout"):
            create_client("webtop", session, config, TZ)
        client = create_client("webtop", session, {**config, "timeout": "12.5"}, TZ)
        assert client._timeout == 12.5
