"""Shared fixtures: load our integration before the test plugin can shadow it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from unittest.mock import patch

import pytest
from aiohttp.test_utils import TestServer
from homeassistant.helpers import frame

# Imported first so that the plugin's own testing_config/custom_components
# package cannot take the name (HA then reports "Integration not found").
import custom_components.school_portal  # noqa: F401
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox, create_app


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom integrations in every test that has a hass."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture(autouse=True)
def no_deprecated_calls(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test in which Home Assistant reports our code's use of a deprecated API.

    HA's frame helper logs "Detected that custom integration 'school_portal' ..."
    once per process for each kind of misuse; forgetting what it reported
    makes every test that misuses an API see its own report.
    """
    frame.__dict__.get("_REPORTED_INTEGRATIONS", set()).clear()
    yield
    reports = deprecation_reports(
        record
        for when in ("setup", "call", "teardown")
        for record in caplog.get_records(when)
    )
    assert not reports, reports


def deprecation_reports(records: Iterable[logging.LogRecord]) -> list[str]:
    """The lines in which Home Assistant reports a misuse by our integration."""
    return [
        record.getMessage()
        for record in records
        if f"custom integration '{DOMAIN}'" in record.getMessage()
    ]


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
