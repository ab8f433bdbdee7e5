"""The SS12000 client against the sandbox's emulator, callbacks included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from custom_components.school_portal.api import create_client
from custom_components.school_portal.api.models import (
    AccountKind,
    DateWindow,
    LessonStatus,
)
from custom_components.school_portal.api.ss12000 import SS12000Client
from sandbox.app import Sandbox

TZ = ZoneInfo("Europe/Stockholm")
TODAY = date(2026, 11, 18)
WINDOW = DateWindow(TODAY - timedelta(days=7), TODAY + timedelta(days=7))


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=TODAY)


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


def rows(sandbox: Sandbox, base: str, kind: str) -> dict[str, Any]:
    return next(
        row
        for row in sandbox.accounts(base)
        if row["portal"] == "ss12000" and row["kind"] == kind
    )


def client_of(
    session: aiohttp.ClientSession, row: dict[str, Any], **changes: Any
) -> SS12000Client:
    config = {
        "server": row["base_url"],
        "token_url": row["token_url"],
        "client_id": row["client_id"],
        "client_secret": row["client_secret"],
        "pupil": row["pupil"],
    } | changes
    client = create_client("ss12000", session, config, TZ)
    assert isinstance(client, SS12000Client)
    client._clock = lambda: datetime.combine(TODAY, time(8), tzinfo=TZ)
    return client


@pytest.mark.parametrize("kind", ["student", "parent"])
async def test_logins_and_refresh(
    sandbox: Sandbox,
    sandbox_server: TestServer,
    session: aiohttp.ClientSession,
    kind: str,
) -> None:
    row = rows(sandbox, f"http://127.0.0.1:{sandbox_server.port}", kind)
    client = client_of(session, row)
    account = await client.login()
    assert account.kind is (
        AccountKind.PARENT if kind == "parent" else AccountKind.STUDENT
    )
    assert sorted(s.id for s in account.students) == sorted(
        p["id"] for p in row["pupils"]
    )
    assert {s.class_name for s in account.students} == {
        p["class"] for p in row["pupils"]
    }
    data = await client.refresh(account.students, WINDOW)
    for pupil in account.students:
        lessons = data[pupil.id].lessons
        assert lessons
        assert all(lesson.teachers and lesson.subject for lesson in lessons)
        assert data[pupil.id].grades


async def test_a_cancellation_calls_back(
    sandbox: Sandbox, sandbox_server: TestServer, session: aiohttp.ClientSession
) -> None:
    """Subscribe, cancel a lesson in the dataset, read only what the callback names."""
    bodies: list[Any] = []
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        arrived.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    receiver = TestServer(app, host="127.0.0.1")
    await receiver.start_server()
    try:
        row = rows(sandbox, f"http://127.0.0.1:{sandbox_server.port}", "student")
        client = client_of(session, row)
        account = await client.login()
        (pupil,) = account.students
        await client.refresh(account.students, WINDOW)
        subscription = await client.subscribe(str(receiver.make_url("/hook")), "HA")
        client.set_push(True)

        dataset = sandbox.dataset
        dataset_pupil = row["pupils"][0]["dataset_id"]
        tomorrow = next(day for day in dataset.school_days() if day > dataset.today)
        held = next(
            lesson
            for lesson in dataset.lessons_on(dataset_pupil, tomorrow)
            if not lesson.cancelled
        )
        dataset.cancel_lesson(dataset_pupil, tomorrow, held.hour)
        await asyncio.wait_for(arrived.wait(), 10)
        kinds = client.changed(bodies[0])
        assert "CalendarEvent" in kinds

        sandbox.log.clear()
        client.mark_changed(kinds)
        data = (await client.refresh(account.students, WINDOW))[pupil.id]
        assert [entry.path.rsplit("/", 1)[-1] for entry in sandbox.log.entries] == [
            "calendarEvents"
        ]
        cancelled = [
            lesson
            for lesson in data.lessons
            if lesson.start.date() == tomorrow
            and lesson.status is LessonStatus.CANCELLED
        ]
        assert cancelled
        renewed = await client.renew(subscription)
        assert renewed.id == subscription.id
        await client.unsubscribe(subscription)
    finally:
        await receiver.close()
