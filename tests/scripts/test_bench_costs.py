"""scripts/bench's own costs: its guard stays off the measured path."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from sandbox.app import Sandbox
from scripts.bench import local_session


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


async def test_local_session_reaches_the_sandbox(
    socket_enabled: None, sandbox_server: TestServer
) -> None:
    async with (
        local_session() as session,
        session.get(sandbox_server.make_url("/")) as response,
    ):
        assert response.status < 500


@pytest.mark.parametrize("url", ["http://example.invalid/", "http://10.0.0.1:9/"])
async def test_local_session_refuses_any_other_host(
    socket_enabled: None, url: str
) -> None:
    async with local_session() as session:
        with pytest.raises(RuntimeError, match="bench refused"):
            await session.get(url)
