"""scripts/bench's own costs: its guard stays off the measured path."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from homeassistant.helpers.json import json_dumps

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


async def test_local_session_is_the_one_home_assistant_gives() -> None:
    """JSON bodies by Home Assistant's encoder, and no cookie jar, as in HA."""
    async with local_session() as session:
        assert session.json_serialize is json_dumps
        assert isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
