"""The EcoleDirecte client against the sandbox's emulator (strict mode too)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from custom_components.school_portal.api import create_client
from custom_components.school_portal.api.ecoledirecte import EcoleDirecteClient
from custom_components.school_portal.api.ecoledirecte.reads import (
    FILE_DOCUMENT,
    FILE_HOMEWORK,
)
from custom_components.school_portal.api.errors import (
    AuthenticationError,
    PortalUnavailable,
    ProtocolError,
    TwoFactorRequired,
)
from custom_components.school_portal.api.models import AccountKind, DateWindow
from sandbox.app import Sandbox
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD
from sandbox.ecoledirecte import QCM_LOGIN, QCM_PASSWORD

from .test_ecoledirecte_parsing import TZ

TODAY = date(2026, 11, 18)
WINDOW = DateWindow(TODAY - timedelta(days=7), TODAY + timedelta(days=7))
LOGINS = {
    "dana.cohen": PUPIL_PASSWORD,
    "levi.parent": PARENT_PASSWORD,
    QCM_LOGIN: QCM_PASSWORD,
}

type Factory = Callable[..., EcoleDirecteClient]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 18, 8, 0, tzinfo=TZ)

    def __call__(self) -> datetime:
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
) -> AsyncIterator[Factory]:
    session = aiohttp.ClientSession()
    server = str(sandbox_server.make_url("/ecoledirecte/v3"))

    def make(username: str = "dana.cohen", **settings: Any) -> EcoleDirecteClient:
        config = {
            "server": server,
            "username": username,
            "password": LOGINS[username],
            **settings,
        }
        client = create_client("ecoledirecte", session, config, TZ)
        assert isinstance(client, EcoleDirecteClient)
        client._clock = clock
        return client

    yield make
    await session.close()


def answer(sandbox: Sandbox) -> str:
    return str(sandbox.ecoledirecte.question(QCM_LOGIN)[2])


async def test_pupil_refresh_matches_the_dataset(
    make_client: Factory, sandbox: Sandbox
) -> None:
    client = make_client()
    account = await client.login()
    assert account.kind is AccountKind.STUDENT
    (pupil,) = account.students
    data = (await client.refresh([pupil], WINDOW))[pupil.id]
    dataset = sandbox.dataset
    held = dataset.lessons("p1001", WINDOW.start, WINDOW.end)
    assert len(data.lessons) >= len(held)
    assert all(lesson.start.tzinfo is TZ for lesson in data.lessons)
    assert {g.uid for g in data.grades}
    assert data.averages
    assert data.discipline
    coming = dataset.homework("p1001", start=TODAY)
    assert len(data.homework) >= len([h for h in coming if h.due < WINDOW.end])
    assert all(h.description for h in data.homework)


async def test_steady_refreshes_cost(
    make_client: Factory, sandbox: Sandbox, clock: Clock
) -> None:
    client = make_client("levi.parent")
    account = await client.login()
    assert account.kind is AccountKind.PARENT
    students = list(account.students)
    assert len(students) == 2
    await client.refresh(students, WINDOW)
    sandbox.log.clear()
    for _ in range(4):
        clock.now += timedelta(minutes=30)
        await client.refresh(students, WINDOW)
    per_pupil = len(sandbox.log.entries) / (4 * len(students))
    assert per_pupil <= 5
    assert client.logins == 1


async def test_homework_done_is_written_back(
    make_client: Factory, sandbox: Sandbox
) -> None:
    client = make_client()
    (pupil,) = (await client.login()).students
    data = (await client.refresh([pupil], WINDOW))[pupil.id]
    item = next(h for h in data.homework if not h.done)
    sandbox.log.clear()
    await client.set_homework_done(pupil, item.uid, True)
    assert len(sandbox.log.entries) == 1
    again = (await client.refresh([pupil], WINDOW))[pupil.id]
    assert next(h for h in again.homework if h.uid == item.uid).done is True
    await client.set_homework_done(pupil, item.uid, False)
    again = (await client.refresh([pupil], WINDOW))[pupil.id]
    assert next(h for h in again.homework if h.uid == item.uid).done is False


async def test_security_question_asked_once(
    make_client: Factory, sandbox: Sandbox
) -> None:
    with pytest.raises(TwoFactorRequired) as raised:
        await make_client(QCM_LOGIN).login()
    challenge = raised.value.challenge
    text, choices, right = sandbox.ecoledirecte.question(QCM_LOGIN)
    assert challenge.question == text
    assert [value for value, _ in challenge.choices] == list(choices)
    wrong = next(c for c in choices if c != right)
    with pytest.raises(AuthenticationError):
        await make_client(QCM_LOGIN, security_answer=wrong).login()

    client = make_client(QCM_LOGIN, security_answer=right)
    await client.login()
    kept = dict(client.session_state)
    assert set(kept) == {"cn", "cv"}
    asked = sandbox.ecoledirecte.handshake.questions_asked
    restarted = make_client(QCM_LOGIN, **kept)
    (pupil,) = (await restarted.login()).students
    # Expired sessions: a new login with the pair, no question.
    sandbox.faults.set("ecoledirecte", "expire_sessions")
    await restarted.lessons(pupil, TODAY, TODAY + timedelta(days=1))
    assert restarted.logins == 2
    assert sandbox.ecoledirecte.handshake.questions_asked == asked


async def test_revoked_pair_asks_again(make_client: Factory, sandbox: Sandbox) -> None:
    client = make_client(QCM_LOGIN, security_answer=answer(sandbox))
    await client.login()
    kept = dict(client.session_state)
    handshake = sandbox.ecoledirecte.handshake
    handshake.forced_at[QCM_LOGIN] = handshake.serial
    with pytest.raises(TwoFactorRequired):
        await make_client(QCM_LOGIN, **kept).login()


async def test_question_on_a_login_that_had_none(
    make_client: Factory, sandbox: Sandbox
) -> None:
    sandbox.faults.set("ecoledirecte", "two_factor")
    with pytest.raises(TwoFactorRequired):
        await make_client().login()


async def test_strict_server(make_client: Factory, sandbox: Sandbox) -> None:
    """GTK on login, the 2FA-Token on the question, one user agent per token."""
    sandbox.ecoledirecte.strict = True
    sandbox.ecoledirecte.versions = frozenset({"4.101.4"})
    client = make_client(QCM_LOGIN, security_answer=answer(sandbox))
    (pupil,) = (await client.login()).students
    data = (await client.refresh([pupil], WINDOW))[pupil.id]
    assert data.lessons
    (item, *_) = data.homework
    await client.set_homework_done(pupil, item.uid, not item.done)
    assert client.logins == 1


@pytest.mark.parametrize(
    ("fault", "error"),
    [("school_unavailable", PortalUnavailable), ("version_refused", ProtocolError)],
)
async def test_refusals(
    make_client: Factory, sandbox: Sandbox, fault: str, error: type[Exception]
) -> None:
    sandbox.faults.set("ecoledirecte", fault)
    with pytest.raises(error):
        await make_client().login()


async def test_bad_password(make_client: Factory) -> None:
    with pytest.raises(AuthenticationError):
        await make_client(password="nope").login()


async def test_messages_documents_and_downloads(
    make_client: Factory, sandbox: Sandbox
) -> None:
    client = make_client()
    (pupil,) = (await client.login()).students
    inbox, unread = await client.inbox()
    # The newest hundred, one request; the unread count is the server's.
    received = sandbox.dataset.messages("dana.cohen")
    assert len(inbox) == min(100, len(received))
    assert unread == sum(1 for m in received if not m.read)
    attached = next(m for m in inbox if m.has_attachments)
    body = await client.read_message(attached.uid)
    assert body.text
    (file, *_) = body.attachments
    assert (await client.download(file.id)).startswith(b"%PDF")
    documents = await client.documents()
    assert documents
    assert await client.download(documents[0].id, FILE_DOCUMENT)
    days = sorted({h.due_date for h in await client.homework(pupil, WINDOW)})
    files = [
        file
        for day in days
        for found in (await client.homework_files(pupil, day)).values()
        for file in found
    ]
    assert files
    assert await client.download(files[0].id, FILE_HOMEWORK)
    assert await client.workspaces(pupil)
    assert await client.timeline(pupil)
    periods = await client.periods(pupil)
    assert any(p.averages for p in periods)
    canteen = client.canteen(pupil)
    assert canteen is not None
    assert canteen.badge
