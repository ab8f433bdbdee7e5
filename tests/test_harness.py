"""The test harness itself: the guard against deprecated calls sees HA's reports."""

from __future__ import annotations

import socket

import pytest
from aiohttp.resolver import AsyncResolver
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from homeassistant.setup import async_setup_component

from custom_components.school_portal.const import DOMAIN

from .conftest import deprecation_reports


async def test_guard_sees_a_report_about_us(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A real report_usage line naming our integration is what the guard fails on."""
    assert await async_setup_component(hass, DOMAIN, {})
    frame.report_usage(
        "calls a thing that goes away",
        breaks_in_ha_version="2099.1.0",
        integration_domain=DOMAIN,
    )
    reports = deprecation_reports(caplog.records)
    assert len(reports) == 1
    assert "calls a thing that goes away" in reports[0]
    # The guard would fail this test: clear what it reads so that it passes.
    caplog.clear()


async def test_guard_ignores_other_integrations(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Another integration's report is not ours to fail on."""
    assert await async_setup_component(hass, "persistent_notification", {})
    frame.report_usage(
        "calls a thing that goes away",
        breaks_in_ha_version="2099.1.0",
        integration_domain="persistent_notification",
    )
    assert "persistent_notification" in caplog.text
    assert deprecation_reports(caplog.records) == []


async def test_dns_resolver_resolves_names(socket_enabled: None) -> None:
    """HA's DNS resolver works in the pair's environment.

    aiodns 3.2.0 (HA 2025.4.4's pin) beside pycares 5 fails every lookup with
    a TypeError, so every real server name gave "Unexpected error" in
    scripts/develop; requirements/oldest.txt pins pycares below 5.
    """
    resolver = AsyncResolver()
    try:
        hosts = await resolver.resolve("localhost", 80, family=socket.AF_INET)
    finally:
        await resolver.close()
    assert [host["host"] for host in hosts] == ["127.0.0.1"]
