"""The contract every emulator shares: the registry, the session book, the index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import Sandbox, create_app
from sandbox.emulator import (
    EMULATORS,
    Session,
    SessionBook,
    SessionRules,
    load_emulators,
)


@dataclass(slots=True, kw_only=True)
class _Note(Session):
    text: str


def test_every_registered_emulator_is_mounted() -> None:
    sandbox = Sandbox(today=date(2026, 11, 18))
    kinds = load_emulators()
    assert set(kinds) == set(EMULATORS)
    assert list(sandbox.emulators) == list(kinds)
    for key, emulator in sandbox.emulators.items():
        assert isinstance(emulator, kinds[key])
        assert getattr(sandbox, key) is emulator
        assert emulator.prefix == f"/{key}"
    assert {row["portal"] for row in sandbox.accounts()} == set(kinds)
    with pytest.raises(AttributeError):
        _ = sandbox.moodle


async def test_the_index_lists_what_registered(socket_enabled: None) -> None:
    sandbox = Sandbox(today=date(2026, 11, 18))
    server = TestServer(create_app(sandbox), host="127.0.0.1")
    async with TestClient(server) as client:
        text = await (await client.get("/")).text()
        base = str(client.make_url("")).rstrip("/")
    for emulator in sandbox.emulators.values():
        assert emulator.index_line(base) in text.splitlines()
    assert text.splitlines()[-1] == "Accounts: /_sandbox/accounts"


def test_the_session_book() -> None:
    now = [0.0]
    fixed = SessionBook[_Note](SessionRules(10.0, idle=False, new_id=lambda: "a"))
    idle = SessionBook[_Note](SessionRules(10.0, idle=True))
    for book in (fixed, idle):
        book.clock = lambda: now[0]
    first = fixed.issue(_Note(text="fixed"))
    second = idle.issue(_Note(text="idle"))
    assert first == "a"
    assert second != first
    now[0] = 6.0
    assert fixed.get(first) is not None
    assert idle.get(second) is not None  # renewed: lives until 16
    now[0] = 10.0
    assert fixed.get(first) is None  # 10 s after issue
    assert first not in fixed.sessions
    assert idle.get(second) is not None
    assert idle.get(None) is None
    idle.forget(second)
    assert idle.get(second) is None
    third = idle.issue(_Note(text="again"))
    idle.forget_all()
    assert idle.get(third) is None
    assert idle.generation == 1


def test_expire_sessions_reaches_the_emulator() -> None:
    sandbox = Sandbox(today=date(2026, 11, 18))
    for key, emulator in sandbox.emulators.items():
        generation = emulator.book.generation
        emulator.sessions["x"] = _Note(text="")
        sandbox.faults.set(key, "expire_sessions")
        assert emulator.book.generation == generation + 1
        assert emulator.sessions == {}
