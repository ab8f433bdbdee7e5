"""The sandbox and a client of it, on the test's loop (modules may define their own)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import Sandbox, create_app

TODAY = date(2026, 11, 18)  # a term-time Wednesday


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=TODAY)


@pytest.fixture
async def client(socket_enabled: None, sandbox: Sandbox) -> AsyncGenerator[TestClient]:
    server = TestServer(create_app(sandbox), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client
