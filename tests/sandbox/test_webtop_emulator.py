"""The Webtop emulator's switches over raw HTTP: discipline shapes and inbox pages."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import Sandbox
from sandbox.dataset import PUPIL_PASSWORD
from sandbox.webtop import JUSTIFIED_REASON

API = "/webtop/server/api"
TODAY = date(2026, 11, 18)
PUPIL = "dana.cohen"
EVENT_KEYS = {
    "eventType",
    "eventDate",
    "hourNum",
    "subjectName",
    "teacherName",
    "remark",
}


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=TODAY)


@pytest.fixture
async def client(sandbox_server: TestServer) -> AsyncGenerator[TestClient]:
    async with TestClient(sandbox_server) as test_client:
        yield test_client


async def call(client: TestClient, action: str, body: dict[str, Any]) -> Any:
    response = await client.post(f"{API}/{action}", json=body)
    assert response.status == 200
    envelope = await response.json()
    assert envelope["status"] is True
    return envelope["data"]


async def login(client: TestClient) -> None:
    data = await call(
        client,
        "user/LoginByUserNameAndPassword",
        {"UserName": PUPIL, "Password": PUPIL_PASSWORD},
    )
    client.session.cookie_jar.update_cookies({"webToken": data["token"]})


async def discipline(client: TestClient, sandbox: Sandbox) -> Any:
    encrypted = sandbox.webtop.encrypted_id(PUPIL, "p1001")
    return await call(
        client, "dashboard/GetPupilDiciplineEvents", {"id": encrypted, "ClassCode": 8}
    )


async def test_discipline_events_shape_is_the_default(
    client: TestClient, sandbox: Sandbox
) -> None:
    await login(client)
    data = await discipline(client, sandbox)
    assert set(data) == {"diciplineEvents"}
    events = data["diciplineEvents"]
    assert len(events) == len(sandbox.dataset.discipline("p1001"))
    assert all(set(event) == EVENT_KEYS for event in events)
    assert "null" not in {event["remark"] for event in events}


async def test_discipline_data_table_shape(
    client: TestClient, sandbox: Sandbox
) -> None:
    sandbox.webtop.discipline_shape = "data_table"
    await login(client)
    data = await discipline(client, sandbox)
    assert data["allowToViewThis"] is True
    events = data["dataTable"]["diciplineEvents"]
    records = sandbox.dataset.discipline("p1001")[::-1]
    assert len(events) == len(records)
    for event, record in zip(events, records, strict=True):
        assert set(event) == EVENT_KEYS | {"isJustified", "justifiedReason"}
        assert event["isJustified"] is record.justified
        assert event["justifiedReason"] == (
            JUSTIFIED_REASON if record.justified else "null"
        )
        assert event["remark"] == (record.description["he"] or "null")
    # The pupil's data has both cases of each switchable field.
    assert {True, False} <= {event["isJustified"] for event in events}
    assert "null" in {event["remark"] for event in events}


async def inbox(client: TestClient, page: int, has_read: bool | None = None) -> Any:
    return await call(
        client,
        "messageBox/GetMessagesInbox",
        {"PageId": page, "LabelId": 0, "HasRead": has_read, "SearchQuery": ""},
    )


async def test_inbox_page_size_and_count(client: TestClient, sandbox: Sandbox) -> None:
    messages = sandbox.dataset.messages(PUPIL)
    await login(client)
    first = await inbox(client, 1)
    assert len(first) == 20
    assert {row["count"] for row in first} == {len(messages)}
    unread = await inbox(client, 1, has_read=False)
    assert {row["count"] for row in unread} == {sum(not m.read for m in messages)}

    sandbox.webtop.page_size = 30
    sandbox.webtop.inbox_counts = False
    first, second = await inbox(client, 1), await inbox(client, 2)
    assert [row["messageID"] for row in first + second] == [m.id for m in messages][:60]
    assert all("count" not in row for row in first)
