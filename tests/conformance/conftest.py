"""Fixtures: the sandbox served on the test's event loop, and pywebtop clients."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import date

import pytest
import webtop
from aiohttp.test_utils import TestServer

from sandbox.app import Sandbox

# A Wednesday in term time: fixed so that expectations never depend on the clock.
TODAY = date(2026, 11, 18)

type WebtopFactory = Callable[[str, str], Awaitable[webtop.WebtopClient]]


@pytest.fixture
def sandbox() -> Sandbox:
    """A fresh sandbox with a fixed school year."""
    return Sandbox(today=TODAY)


@pytest.fixture
async def pywebtop(sandbox_server: TestServer) -> AsyncGenerator[WebtopFactory]:
    """Build unchanged pywebtop clients pointed at the sandbox; closes them after."""
    clients: list[webtop.WebtopClient] = []

    async def make(username: str, password: str) -> webtop.WebtopClient:
        client = webtop.WebtopClient(
            username,
            password,
            base_url=str(sandbox_server.make_url("/webtop")),
            timeout=5.0,
            auto_login=False,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
