"""The PRONOTE client against the sandbox's emulator."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncGenerator, Callable
from datetime import date, datetime, time, timedelta
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
    PortalUnavailable,
    ProtocolError,
    RateLimited,
    TwoFactorRequired,
)
from custom_components.school_portal.api.models import (
    AccountKind,
    Capability,
    DateWindow,
    DisciplineKind,
    LessonStatus,
    Meal,
)
from custom_components.school_portal.api.pronote import PronoteClient, parse
from custom_components.school_portal.api.util import stable_id
from sandbox.app import Sandbox
from sandbox.pronote import ACCOUNT_PIN, PIN_LOGIN, PIN_PASSWORD

TZ = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=TZ)
WINDOW = DateWindow(TODAY - timedelta(days=7), TODAY + timedelta(days=7))
PUPIL = ("dana.cohen", "sandbox-pupil")
PARENT = ("levi.parent", "sandbox-parent")

type ClientFactory = Callable[..., PronoteClient]


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=TODAY)


@pytest.fixture
def base(sandbox_server: TestServer) -> str:
    return str(sandbox_server.make_url("")).rstrip("/")


@pytest.fixture
async def make_client(base: str) -> AsyncGenerator[ClientFactory]:
    session = aiohttp.ClientSession()

    def make(page: str = "eleve.html", **config: object) -> PronoteClient:
        config.setdefault("server", f"{base}/pronote/{page}")
        client = create_client("pronote", session, config, TZ)
        assert isinstance(client, PronoteClient)
        client._clock = lambda: NOW
        return client

    yield make
    await session.close()


def pupil(make_client: ClientFactory) -> PronoteClient:
    return make_client(username=PUPIL[0], password=PUPIL[1])


def parent(make_client: ClientFactory) -> PronoteClient:
    return make_client("parent.html", username=PARENT[0], password=PARENT[1])


def calls(sandbox: Sandbox) -> int:
    return sandbox.log.count("pronote")


# --- logins ---------------------------------------------------------------------


async def test_pupil_login(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = pupil(make_client)
    account = await client.login()
    assert account.kind is AccountKind.STUDENT
    (dana,) = account.students
    assert (dana.first_name, dana.last_name, dana.class_name) == ("Dana", "Cohen", "8A")
    assert account.school == "Collège du Bac à Sable"
    assert account.id == client.account_id
    assert Capability.HOMEWORK_DONE in client.capabilities
    assert client.session_state == {}
    # Page, FonctionParametres, Identification, Authentification, settings.
    assert calls(sandbox) == 5
    assert sandbox.pronote.calls[:4] == [
        "FonctionParametres",
        "Identification",
        "Authentification",
        "ParametresUtilisateur",
    ]


async def test_ids_are_stable_across_logins(
    make_client: ClientFactory, base: str
) -> None:
    first = await pupil(make_client).login()
    again = make_client(
        server=f"{base}/pronote/mobile.eleve.html?login=true",
        username=" DANA.COHEN ",
        password=PUPIL[1],
    ).account_id
    assert again == first.id
    second = await pupil(make_client).login()
    assert first.id == second.id
    assert [s.id for s in first.students] == [s.id for s in second.students]
    assert first.id == stable_id("pronote", f"{base}/pronote", "dana.cohen")


async def test_parent_sees_two_children(make_client: ClientFactory) -> None:
    account = await parent(make_client).login()
    assert account.kind is AccountKind.PARENT
    assert [s.first_name for s in account.students] == ["Noa", "Ari"]
    assert [s.class_name for s in account.students] == ["9B", "7A"]


async def test_wrong_password(make_client: ClientFactory, sandbox: Sandbox) -> None:
    with pytest.raises(AuthenticationError) as info:
        await make_client(username=PUPIL[0], password="wrong").login()
    assert not isinstance(info.value, AccountLocked)
    assert "wrong" not in str(info.value)


async def test_unknown_user_and_wrong_space(make_client: ClientFactory) -> None:
    with pytest.raises(AuthenticationError):
        await make_client(username="nobody", password="x").login()
    with pytest.raises(AuthenticationError):
        await make_client("parent.html", username=PUPIL[0], password=PUPIL[1]).login()


async def test_locked_account(make_client: ClientFactory, sandbox: Sandbox) -> None:
    sandbox.pronote.locked.add(PUPIL[0])
    with pytest.raises(AccountLocked):
        await pupil(make_client).login()


async def test_account_pin(make_client: ClientFactory, sandbox: Sandbox) -> None:
    with pytest.raises(TwoFactorRequired) as info:
        await make_client(username=PIN_LOGIN, password=PIN_PASSWORD).login()
    assert info.value.challenge.kind == "pin"
    with pytest.raises(AuthenticationError):
        await make_client(
            username=PIN_LOGIN, password=PIN_PASSWORD, account_pin="0000"
        ).login()
    client = make_client(
        username=PIN_LOGIN, password=PIN_PASSWORD, account_pin=ACCOUNT_PIN
    )
    account = await client.login()
    assert account.students[0].first_name == "Dana"
    assert "SecurisationCompteDoubleAuth" in sandbox.pronote.calls
    assert (await client.refresh(account.students, WINDOW))[
        account.students[0].id
    ].lessons


async def test_two_factor_fault_demands_the_pin(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    sandbox.faults.set("pronote", "two_factor")
    with pytest.raises(TwoFactorRequired):
        await pupil(make_client).login()


async def test_qr_code_then_token_logins(
    make_client: ClientFactory, sandbox: Sandbox, base: str
) -> None:
    qr = sandbox.pronote.qr_code(PUPIL[0], "4321", base)
    client = make_client(server=None, qr_code=json.dumps(qr), qr_pin="4321")
    by_password = pupil(make_client)
    # The login inside the QR code is known before logging in.
    assert client.account_id == by_password.account_id
    account = await client.login()
    state = dict(client.session_state)
    assert state["username"] == PUPIL[0]
    assert state["token"]
    assert len(state["device_id"]) == 36
    assert account.id == by_password.account_id
    # The QR code is single-use.
    with pytest.raises(AuthenticationError):
        await make_client(qr_code=json.dumps(qr), qr_pin="4321").login()
    # Later starts: the token and the device id; the token rotates each time.
    later = make_client(**state)
    await later.login()
    assert later.session_state["token"] != state["token"]
    assert later.session_state["device_id"] == state["device_id"]
    # The old token died with the rotation; another device id is refused.
    with pytest.raises(AuthenticationError):
        await make_client(**state).login()
    with pytest.raises(AuthenticationError):
        await make_client(**{**later.session_state, "device_id": "x"}).login()


async def test_qr_wrong_pin_and_parent(
    make_client: ClientFactory, sandbox: Sandbox, base: str
) -> None:
    qr = sandbox.pronote.qr_code(PARENT[0], "1111", base)
    wrong = make_client(qr_code=json.dumps(qr), qr_pin="2222")
    assert wrong.account_id is None
    with pytest.raises(AuthenticationError):
        await wrong.login()
    client = make_client(server=None, qr_code=qr, qr_pin="1111")
    assert client.is_parent
    account = await client.login()
    assert len(account.students) == 2


async def test_relogin_with_token_after_expiry(
    make_client: ClientFactory, sandbox: Sandbox, base: str
) -> None:
    qr = sandbox.pronote.qr_code(PUPIL[0], "4321", base)
    client = make_client(qr_code=json.dumps(qr), qr_pin="4321")
    account = await client.login()
    token = client.session_state["token"]
    sandbox.faults.set("pronote", "expire_sessions")
    await client.refresh(account.students, WINDOW)
    assert client.logins == 2
    assert client.session_state["token"] != token


async def test_settings_errors(make_client: ClientFactory, base: str) -> None:
    with pytest.raises(ConfigurationError):
        make_client(username=PUPIL[0])
    with pytest.raises(ConfigurationError):
        make_client(password="x")
    with pytest.raises(ConfigurationError):
        make_client(username=PUPIL[0], token="t")
    with pytest.raises(ConfigurationError):
        make_client(qr_code="{}", qr_pin="1234")
    with pytest.raises(ConfigurationError):
        make_client(
            qr_code=json.dumps({"jeton": "a", "login": "b", "url": "c"}), qr_pin=""
        )
    with pytest.raises(ConfigurationError):
        make_client(server="", username="a", password="b")
    with pytest.raises(ConfigurationError):
        await make_client(server=f"{base}/", username="a", password="b").login()


async def test_not_a_pronote_page(make_client: ClientFactory, base: str) -> None:
    client = make_client(server=f"{base}/webtop/eleve.html", username="a", password="b")
    with pytest.raises(ConfigurationError):
        await client.login()


# --- server generations -----------------------------------------------------------


@pytest.mark.parametrize(
    ("generation", "encrypt", "compress", "style", "version"),
    [
        ("2024", True, True, "both", None),
        ("2024", False, False, "both", None),
        ("2025", False, True, "legacy", None),
        ("2025", True, False, "direct", "2026.2.5"),
    ],
)
async def test_server_generations(
    make_client: ClientFactory,
    sandbox: Sandbox,
    generation: str,
    encrypt: bool,
    compress: bool,
    style: str,
    version: str | None,
) -> None:
    emulator = sandbox.pronote
    emulator.generation = generation
    emulator.encrypt, emulator.compress = encrypt, compress
    emulator.challenge_style = style
    emulator.version = version
    client = pupil(make_client)
    account = await client.login()
    data = await client.refresh(account.students, WINDOW)
    assert data[account.students[0].id].lessons
    with pytest.raises(AuthenticationError):
        await make_client(username=PUPIL[0], password="wrong").login()


# --- data ------------------------------------------------------------------------


async def test_refresh_pupil(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = pupil(make_client)
    account = await client.login()
    (dana,) = account.students
    refreshed = await client.refresh(account.students, WINDOW)
    data, login_data = refreshed[dana.id], refreshed.account
    expected = sandbox.dataset.lessons("p1001", WINDOW.start, WINDOW.end)
    assert len(data.lessons) == len(expected)
    first = data.lessons[0]
    assert first.start == datetime.combine(
        expected[0].day, expected[0].start.time(), TZ
    )
    assert first.start.tzinfo is TZ
    assert first.subject
    assert first.teachers
    assert first.rooms
    homework = sandbox.dataset.homework("p1001", WINDOW.start, WINDOW.end)
    assert len(data.homework) == len(homework)
    assert all(item.done is False for item in data.homework)
    assert "<" not in data.homework[0].description
    assert len(login_data.messages) == 120
    assert login_data.unread_messages == sum(
        not m.read for m in sandbox.dataset.messages(PUPIL[0])
    )
    assert login_data.messages[0].received == datetime(2026, 11, 18, 7, 30, tzinfo=TZ)
    assert data.grades
    assert all(g.period == "Trimestre 1" for g in data.grades)
    assert data.averages[-1].subject is None
    assert {a.subject for a in data.averages[:-1]} == {g.subject for g in data.grades}
    kinds = {event.kind for event in data.discipline}
    assert kinds <= set(DisciplineKind)
    assert len(data.discipline) == sum(
        1 for r in sandbox.dataset.discipline("p1001") if r.day >= date(2026, 9, 1)
    )
    assert data.menus
    assert all(m.meal is Meal.LUNCH for m in data.menus)
    assert data.menus[0].dishes[0] == sandbox.pronote.menu_of(data.menus[0].day)[0][0]


async def test_cancel_and_substitution_keep_uids(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = pupil(make_client)
    account = await client.login()
    (dana,) = account.students
    before = {
        lesson.uid: lesson
        for lesson in (await client.refresh(account.students, WINDOW))[dana.id].lessons
    }
    tomorrow = TODAY + timedelta(days=1)
    cancelled = sandbox.dataset.cancel_lesson("p1001", tomorrow, 2)
    moved = next(
        lesson
        for lesson in sandbox.dataset.lessons_on("p1001", tomorrow)
        if lesson.hour == 3
    )
    moved.substitute_id = next(
        t for t in sandbox.dataset.teachers if t != moved.teacher_id
    )
    after = {
        lesson.uid: lesson
        for lesson in (await client.refresh(account.students, WINDOW))[dana.id].lessons
    }
    assert before.keys() == after.keys()
    changed = {uid: lesson for uid, lesson in after.items() if lesson != before[uid]}
    statuses = sorted(lesson.status for lesson in changed.values())
    assert statuses == [LessonStatus.CANCELLED, LessonStatus.CHANGED]
    substituted = next(
        lesson for lesson in changed.values() if lesson.status is LessonStatus.CHANGED
    )
    assert substituted.note == "Remplacement"
    # What it replaced is the coordinator's to tell, for every portal, by
    # comparing with the refresh before (tests/components/test_event.py).
    assert substituted.teachers != before[substituted.uid].teachers
    assert cancelled.cancelled


async def test_homework_done_write_back(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = pupil(make_client)
    account = await client.login()
    (dana,) = account.students
    item = (await client.refresh(account.students, WINDOW))[dana.id].homework[0]
    await client.set_homework_done(dana, item.uid, True)
    data = (await client.refresh(account.students, WINDOW))[dana.id]
    assert next(h for h in data.homework if h.uid == item.uid).done is True
    # A fresh client (no uid cache) finds the item by reading homework first.
    other = pupil(make_client)
    await other.login()
    await other.set_homework_done(dana, item.uid, False)
    assert not any(sandbox.pronote.done.values())
    with pytest.raises(ProtocolError):
        await other.set_homework_done(dana, "unknown", True)


async def test_parent_refresh_reads_inbox_once(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = parent(make_client)
    account = await client.login()
    sandbox.pronote.calls.clear()
    data = await client.refresh(account.students, WINDOW)
    assert sandbox.pronote.calls.count("ListeMessagerie") == 1
    assert sandbox.pronote.calls.count("PageMenus") == 1
    noa, ari = account.students
    assert data[noa.id].lessons != data[ari.id].lessons
    # Kept once, beside both children.
    assert data.account.messages
    assert set(data) == {noa.id, ari.id}
    expected = sandbox.dataset.lessons("p1003", WINDOW.start, WINDOW.end)
    assert len(data[ari.id].lessons) == len(expected)


async def test_cost_of_refreshes_and_calendar(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = parent(make_client)
    account = await client.login()
    await client.refresh(account.students, WINDOW)
    sandbox.log.clear()
    for _ in range(3):
        await client.refresh(account.students, WINDOW)
    per_pupil = calls(sandbox) / 3 / len(account.students)
    assert per_pupil <= 6
    assert client.logins == 1
    assert sandbox.log.count("pronote", "parent.html") == 0
    # A month view: one call per school week, then served from the cache.
    noa = account.students[0]
    sandbox.log.clear()
    start, end = date(2026, 12, 1), date(2027, 1, 1)
    month = await client.lessons(noa, start, end)
    assert month
    assert all(start <= lesson.start.date() < end for lesson in month)
    assert calls(sandbox) <= 5
    sandbox.log.clear()
    await client.lessons(noa, start, end)
    assert calls(sandbox) == 0
    # A Sunday-first six-week view touches seven Monday weeks; the Sundays
    # at its ends hold no school, so six weeks are read.
    sandbox.log.clear()
    await client.lessons(noa, date(2027, 1, 31), date(2027, 3, 14))
    assert calls(sandbox) == 6


async def test_expired_session_relogs_in_once(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = pupil(make_client)
    account = await client.login()
    sandbox.faults.set("pronote", "expire_sessions")
    data = await client.refresh(account.students, WINDOW)
    assert data[account.students[0].id].lessons
    assert client.logins == 2


async def test_idle_session_expiry(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = pupil(make_client)
    account = await client.login()
    sandbox.pronote.session_ttl = -1
    with pytest.raises(AuthenticationError):
        # Every new session dies at once: one re-login, then the error.
        await client.refresh(account.students, WINDOW)
    assert sandbox.log.count("pronote", "eleve.html") == 2


async def test_password_changed(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = pupil(make_client)
    account = await client.login()
    sandbox.faults.set("pronote", "password_changed")
    with pytest.raises(AuthenticationError):
        await client.refresh(account.students, WINDOW)


async def test_expired_page_during_a_call_relogs_in(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = pupil(make_client)
    account = await client.login()
    sandbox.faults.set("pronote", "expired_page", count=1)
    await client.refresh(account.students, WINDOW)
    assert client.logins == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("expired_page", PortalUnavailable),
        ("ip_suspended", RateLimited),
        ("maintenance", PortalUnavailable),
        ("http_500", PortalUnavailable),
        ("rate_limit", RateLimited),
        ("malformed", ConfigurationError),
    ],
)
async def test_login_faults(
    make_client: ClientFactory,
    sandbox: Sandbox,
    fault: str,
    error: type[Exception],
) -> None:
    sandbox.faults.set("pronote", fault)
    with pytest.raises(error):
        await pupil(make_client).login()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("ip_suspended", RateLimited),
        ("http_500", PortalUnavailable),
        ("maintenance", PortalUnavailable),
        ("malformed", ProtocolError),
    ],
)
async def test_faults_during_refresh(
    make_client: ClientFactory,
    sandbox: Sandbox,
    fault: str,
    error: type[Exception],
) -> None:
    """A failed call fails the read; once the server is back, reads work again.

    A request the server may or may not have counted leaves the order counter
    of both sides unknown, so the client must not go on with that session.
    """
    client = pupil(make_client)
    account = await client.login()
    student = account.students[0]
    sandbox.faults.set("pronote", fault)
    with pytest.raises(error):
        await client.lessons(student, TODAY, TODAY + timedelta(days=1))
    sandbox.faults.clear()
    assert await client.lessons(student, TODAY, TODAY + timedelta(days=7))


async def test_slow_server(make_client: ClientFactory, sandbox: Sandbox) -> None:
    sandbox.faults.set("pronote", "slow")
    client = make_client(username=PUPIL[0], password=PUPIL[1], timeout=0.2)
    with pytest.raises(ConnectionFailed):
        await client.login()


async def test_refused_resource_is_left_out(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    sandbox.pronote.forbidden = {198, 88}
    client = pupil(make_client)
    account = await client.login()
    data = (await client.refresh(account.students, WINDOW))[account.students[0].id]
    assert data.grades == ()
    assert data.averages == ()
    assert data.homework == ()
    assert data.lessons
    assert data.discipline


async def test_library_surface(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = parent(make_client)
    account = await client.login()
    noa, ari = account.students
    assert client.school_year_start == date(2026, 8, 31)
    assert client.current_week == 12
    periods = client.periods()
    assert [p.name for p in periods] == ["Trimestre 1", "Trimestre 2", "Trimestre 3"]
    assert client.current_period() == periods[0]
    later = await client.grades(ari, periods[1])
    assert later == []
    grades = await client.grades(ari)
    averages = await client.averages(ari)
    assert grades
    assert averages[-1].subject is None
    events = await client.attendance(noa)
    assert await client.absences(noa) == [
        e for e in events if e.kind is DisciplineKind.ABSENCE
    ]
    assert all(e.kind is DisciplineKind.LATE for e in await client.delays(noa))
    assert all(
        e.kind is DisciplineKind.PUNISHMENT for e in await client.punishments(noa)
    )
    homework = await client.homework(ari, TODAY, TODAY + timedelta(days=14))
    assert all(h.due_date >= TODAY for h in homework)
    assert await client.homework(ari, TODAY, TODAY) == []
    assert await client.lessons(ari, TODAY, TODAY) == []
    unread = await client.discussions(only_unread=True)
    everything = await client.discussions()
    assert 0 < len(unread) < len(everything)
    messages = await client.discussion_messages(unread[0])
    assert messages
    assert messages[0].preview
    assert not messages[0].read
    await client.mark_discussion_read(unread[0])
    assert len(await client.discussions(only_unread=True)) == len(unread) - 1
    news = await client.information()
    fresh = await client.information(only_unread=True)
    assert len(news) == 15
    assert len(fresh) == 5
    assert any(item.survey for item in news)
    assert news[0].content
    await client.mark_information_read(fresh[0])
    assert len(await client.information(only_unread=True)) == 4
    menus = await client.menus(date(2026, 11, 16), date(2026, 11, 28))
    assert {m.day for m in menus} <= {
        date(2026, 11, 16) + timedelta(days=d) for d in range(12)
    }
    assert len({m.day.isocalendar().week for m in menus}) == 2
    url = await client.ical_url(ari)
    assert "/pronote/ical/mesinformations.ics?icalsecurise=" in url
    contents = await client.lesson_contents(ari, client.current_week)
    assert "ListeCahierDeTextes" in contents
    client._wire.last_call -= 500  # type: ignore[union-attr]
    assert await client.keep_alive() is True
    assert await client.keep_alive() is False
    assert sandbox.pronote.calls[-1] == "Navigation"
    assert client.requests > 0
    await client.close()
    assert await client.keep_alive() is False
    # After close, a read logs in again by itself.
    assert await client.lessons(ari, TODAY, TODAY + timedelta(days=1))
    assert client.logins == 2


async def test_foreign_child_is_refused(make_client: ClientFactory) -> None:
    client = parent(make_client)
    await client.login()
    stranger = (await pupil(make_client).login()).students[0]
    with pytest.raises(ProtocolError):
        await client.grades(stranger)


# --- review fixes -------------------------------------------------------------------


async def test_refresh_in_the_first_week_of_school(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    # The window starts a week back: before week 1, which the server refuses.
    first_day = date(2026, 9, 2)
    client = pupil(make_client)
    client._clock = lambda: datetime.combine(first_day, time(9), TZ)
    account = await client.login()
    (dana,) = account.students
    window = DateWindow(first_day - timedelta(days=7), first_day + timedelta(days=7))
    data = (await client.refresh(account.students, window))[dana.id]
    expected = sandbox.dataset.lessons("p1001", window.start, window.end)
    assert expected
    assert len(data.lessons) == len(expected)
    month = await client.lessons(dana, date(2026, 8, 1), date(2026, 9, 8))
    assert len(month) == len(
        sandbox.dataset.lessons("p1001", date(2026, 9, 1), date(2026, 9, 8))
    )


async def test_long_homework_stays_in_the_list(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    template = sandbox.dataset.homework("p1001")[-1]
    project = dataclasses.replace(
        template,
        uid="hw-review-project",
        lesson_uid=None,
        given=TODAY,
        due=TODAY + timedelta(days=21),
    )
    essay = dataclasses.replace(
        template,
        uid="hw-review-essay",
        lesson_uid=None,
        given=TODAY - timedelta(days=30),
        due=TODAY + timedelta(days=14),
    )
    sandbox.dataset._homework.extend([project, essay])
    client = pupil(make_client)
    account = await client.login()
    (dana,) = account.students
    sandbox.pronote.calls.clear()
    data = (await client.refresh(account.students, WINDOW))[dana.id]
    assert sandbox.pronote.calls.count("PageCahierDeTexte") == 1
    due = {item.due_date for item in data.homework}
    assert project.due in due  # set in the window, due after it
    assert essay.due in due  # set long ago, due after the window
    in_window = sandbox.dataset.homework("p1001", WINDOW.start, WINDOW.end)
    assert len(data.homework) == len(in_window) + 2
    # The library call keeps its meaning: due from start to end only.
    assert len(await client.homework(dana, WINDOW.start, WINDOW.end)) == len(in_window)


async def test_each_child_gets_its_own_period(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = parent(make_client)
    account = await client.login()
    noa, ari = account.students
    second = client.periods()[1]
    # Ari's class is on its second term (say, a class that switched early)
    # and already has a mark in it.
    early = dataclasses.replace(
        sandbox.dataset.grades("p1003")[-1], uid="gr-early-t2", day=second.start
    )
    sandbox.dataset._grades["p1003"].append(early)
    ari_row = client._user["ressource"]["listeRessources"][1]
    for tab in ari_row["listeOngletsPourPeriodes"]["V"]:
        tab["periodeParDefaut"] = {"V": {"N": second.id, "L": second.name}}
    data = await client.refresh(account.students, WINDOW)
    assert {a.period for a in data[ari.id].averages} == {second.name}
    assert {a.period for a in data[noa.id].averages} == {"Trimestre 1"}
    # Grades cover the year up to each child's term: Ari's latest is in it.
    latest = max(data[ari.id].grades, key=lambda grade: grade.when)
    assert (latest.when, latest.period) == (second.start, second.name)
    assert {g.period for g in data[noa.id].grades} == {"Trimestre 1"}
    assert client.current_period(student=ari) == second
    assert client.current_period(student=noa) == client.periods()[0]


async def test_cancelled_lesson_and_its_replacement_in_one_slot(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = pupil(make_client)
    account = await client.login()
    (dana,) = account.students
    before = (await client.refresh(account.students, WINDOW))[dana.id].lessons
    tomorrow = TODAY + timedelta(days=1)
    original = sandbox.dataset.cancel_lesson("p1001", tomorrow, 2)
    replacement = dataclasses.replace(
        original,
        uid=f"{original.uid}-bis",
        cancelled=False,
        substitute_id=next(
            t for t in sandbox.dataset.teachers if t != original.teacher_id
        ),
    )
    day = sandbox.dataset._lessons[original.class_id][tomorrow]
    day.insert(0, replacement)  # listed before the cancelled one
    after = (await client.refresh(account.students, WINDOW))[dana.id].lessons
    uids = [lesson.uid for lesson in after]
    assert len(uids) == len(set(uids)) == len(before) + 1
    old = {lesson.uid: lesson for lesson in before}
    kept = {lesson.uid: lesson for lesson in after if lesson.uid in old}
    assert len(kept) == len(before)
    statuses = [lesson.status for lesson in after if lesson.uid not in old]
    assert statuses == [LessonStatus.CHANGED]
    assert LessonStatus.CANCELLED in {lesson.status for lesson in kept.values()}


async def test_slow_reads_follow_the_clients_clock(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = pupil(make_client)
    account = await client.login()
    await client.refresh(account.students, WINDOW)
    sandbox.pronote.calls.clear()
    await client.refresh(account.students, WINDOW)
    assert "DernieresNotes" not in sandbox.pronote.calls
    # Two hours later (the injected clock, as the bench and HA's tests use it).
    client._clock = lambda: NOW + timedelta(hours=2)
    sandbox.pronote.calls.clear()
    await client.refresh(account.students, WINDOW)
    for slow in ("DernieresNotes", "PagePresence", "PageMenus"):
        assert sandbox.pronote.calls.count(slow) == 1


async def test_first_day_of_a_term_shows_the_year(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    # The sandbox's second trimester begins on 1 December: nothing in it yet.
    first_day = date(2026, 12, 1)
    sandbox.dataset.today = first_day
    client = pupil(make_client)
    client._clock = lambda: datetime.combine(first_day, time(9), TZ)
    account = await client.login()
    (dana,) = account.students
    first, second = client.periods()[:2]
    assert client.current_period() == second
    assert [term.name for term in client.terms()] == [second.name, first.name]
    sandbox.pronote.calls.clear()
    window = DateWindow(first_day - timedelta(days=7), first_day + timedelta(days=7))
    data = (await client.refresh(account.students, window))[dana.id]
    marks = [g for g in sandbox.dataset.grades("p1001") if g.day <= first.end]
    assert len(data.grades) == len(marks)
    latest = max(data.grades, key=lambda grade: grade.when)
    assert (latest.when, latest.period) == (marks[-1].day, first.name)
    assert data.averages
    assert {average.period for average in data.averages} == {first.name}
    assert data.averages[-1].subject is None
    # Discipline: the whole school year, as Webtop and WebUntis count it.
    year = [r for r in sandbox.dataset.discipline("p1001") if r.day <= first_day]
    assert len(year) > 1
    assert len(data.discipline) == len(year)
    assert sandbox.pronote.calls.count("DernieresNotes") == 2
    assert sandbox.pronote.calls.count("PagePresence") == 2
    # Two hours on, the current term is read again, the past one is not.
    client._clock = lambda: datetime.combine(first_day, time(11), TZ)
    sandbox.pronote.calls.clear()
    again = (await client.refresh(account.students, window))[dana.id]
    assert sandbox.pronote.calls.count("DernieresNotes") == 1
    assert sandbox.pronote.calls.count("PagePresence") == 1
    assert again.grades == data.grades
    assert again.discipline == data.discipline


async def test_terms_skip_overlapping_periods(make_client: ClientFactory) -> None:
    client = pupil(make_client)
    await client.login()
    first, second, third = client.periods()
    # A school listing the year and a semester beside its trimesters.
    year = parse.Period("Y", "Année", first.start, third.end)
    semester = parse.Period("S1", "Semestre 1", first.start, second.end)
    client._periods = [year, semester, first, second, third]
    client._clock = lambda: datetime(2027, 4, 1, 9, tzinfo=TZ)
    resource = client._user["ressource"]
    for tab in resource["listeOngletsPourPeriodes"]["V"]:
        tab["periodeParDefaut"] = {"V": {"N": third.id, "L": third.name}}
        tab["listePeriodes"]["V"] += [{"N": "Y", "G": 3}, {"N": "S1", "G": 1}]
    assert client.terms() == [third, second, first]
    # A period the tab does not offer is never asked for.
    for tab in resource["listeOngletsPourPeriodes"]["V"]:
        tab["listePeriodes"]["V"] = [{"N": third.id}, {"N": first.id}]
    assert client.terms() == [third, first]


@pytest.mark.parametrize("timeout", ["soon", "", None, "-1", 0, "nan"])
async def test_bad_timeout_is_a_configuration_error(
    make_client: ClientFactory, timeout: object
) -> None:
    with pytest.raises(ConfigurationError):
        make_client(username=PUPIL[0], password=PUPIL[1], timeout=timeout)
    assert (
        make_client(username=PUPIL[0], password=PUPIL[1], timeout="7.5")._timeout == 7.5
    )


def expected_spans(
    sandbox: Sandbox, start: date, end: date
) -> list[tuple[datetime, datetime]]:
    """Each timetable row's start and end, as the emulator's grid places it."""
    emulator = sandbox.pronote
    lessons = sandbox.dataset.lessons("p1001", start, end)
    spans = []
    for lesson, length in emulator._courses(lessons):
        begin, finish, _place, _slots = emulator.lesson_span(
            lesson.day, lesson.hour, length
        )
        spans.append((begin.replace(tzinfo=TZ), finish.replace(tzinfo=TZ)))
    return sorted(spans)


@pytest.mark.parametrize("grid", ["bells", "half_hours"])
@pytest.mark.parametrize("with_end", [True, False])
async def test_lesson_ends_on_the_schools_slot_grid(
    make_client: ClientFactory, sandbox: Sandbox, grid: str, with_end: bool
) -> None:
    # Servers may omit DateDuCoursFin; `duree` then counts the school's slots
    # (half hours here), and a double lesson spans four of them.
    sandbox.pronote.slot_grid = grid
    sandbox.pronote.lesson_end = with_end
    sandbox.pronote.teacher_ids = with_end  # and teachers without N
    client = pupil(make_client)
    account = await client.login()
    (dana,) = account.students
    data = (await client.refresh(account.students, WINDOW))[dana.id]
    spans = expected_spans(sandbox, WINDOW.start, WINDOW.end)
    assert sorted((lesson.start, lesson.end) for lesson in data.lessons) == spans
    assert all(lesson.teachers for lesson in data.lessons)
    lengths = {end - start for start, end in spans}
    if grid == "half_hours":
        assert lengths == {timedelta(hours=1), timedelta(hours=2)}
        assert {start.weekday() for start, _end in spans} >= {0, 2, 4}
    else:
        assert lengths == {timedelta(minutes=45)}
