"""Shared fixtures: load our integration before the test plugin can shadow it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from unittest.mock import patch

import pytest
from aiohttp.test_utils import TestServer

# Imported first so that the plugin's own testing_config/custom_components
# package cannot take the name (HA then reports "Integration not found").
import custom_components.school_portal  # noqa: F401
from sandbox.app import Sandbox, create_app


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom integrations in every test that has a hass."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Enable entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


@pytest.fixture
async def sandbox_server(
    socket_enabled: None, sandbox: Sandbox
) -> AsyncIterator[TestServer]:
    """Serve the folder's `sandbox` on 127.0.0.1, on the test's own loop."""
    server = TestServer(create_app(sandbox), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()
