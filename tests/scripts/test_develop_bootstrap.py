"""scripts/develop_bootstrap walks the real config flow for every sandbox login."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from custom_components.school_portal.api import PORTALS
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox
from sandbox.dataset import Dataset
from scripts import develop_bootstrap
from scripts.sandbox_logins import login_method


@pytest.fixture
def sandbox(hass: HomeAssistant) -> Sandbox:
    """A sandbox whose school year is built around today in HA's time zone."""
    return Sandbox(Dataset(today=dt_util.now().date()))


async def test_adds_every_sandbox_login(
    hass: HomeAssistant,
    hass_client: Any,
    hass_access_token: str,
    sandbox: Sandbox,
    sandbox_server: TestServer,
) -> None:
    """Each login becomes an entry through HA's HTTP API; a second run changes nothing."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    ha = develop_bootstrap.HomeAssistant(client.port)
    ha.token = hass_access_token
    accounts = [
        account
        for account in sandbox.accounts(f"http://127.0.0.1:{sandbox_server.port}")
        if login_method(account) is not None
    ]
    assert {account["portal"] for account in accounts} == set(PORTALS)

    def run() -> list[str]:
        return [develop_bootstrap.add_account(ha, account) for account in accounts]

    outcomes = await hass.async_add_executor_job(run)
    assert all(outcome.startswith("added") for outcome in outcomes), outcomes
    entries = hass.config_entries.async_entries(DOMAIN)
    assert len(entries) == len(accounts)
    assert await hass.async_add_executor_job(run) == ["already configured"] * len(
        accounts
    )
