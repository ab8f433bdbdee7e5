"""Diagnostics and logs: no secret, no personal name, ever."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.school_portal.api import PortalInfo
from custom_components.school_portal.api.portal import Place
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .conftest import (
    PARENT,
    PARENT_PASSWORD,
    add_homework,
    portals,
    refresh,
    set_up_entry,
)


def secrets_and_names(sandbox: Sandbox) -> list[str]:
    """Everything that must never leak: credentials, tokens, pupils' and teachers' names."""
    dataset = sandbox.dataset
    words = [PARENT, PARENT_PASSWORD]
    words += [
        account[key]
        for account in sandbox.accounts()
        for key in ("token", "secret", "qr_link")
        if account.get(key)
    ]
    # Every session token the emulator ever handed out, kept ones included.
    words += list(sandbox.webtop.sessions)
    for pupil in dataset.pupils.values():
        words += [pupil.name, pupil.name_he, pupil.first_name, pupil.first_name_he]
    for teacher in dataset.teachers.values():
        words += [teacher.name, teacher.name_he]
    return words


def assert_clean(text: str, sandbox: Sandbox) -> None:
    """Fail on any leak, naming the leak's kind only."""
    # Whole words only: "Ari" is a name, "variable" is not.
    leaks = [
        word
        for word in secrets_and_names(sandbox)
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE)
    ]
    assert not leaks, f"{len(leaks)} secret(s) or name(s) leaked"


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    portal_info: PortalInfo,
    login: dict[str, Any],
    sandbox: Sandbox,
    hass_client: Any,
) -> None:
    """Diagnostics show shapes and counts, with the login redacted."""
    assert await async_setup_component(hass, "diagnostics", {})
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, portal_integration
    )
    # Every login field (password, username, server ...) is redacted.
    for key in set(portal_integration.data) - {"portal"}:
        assert diagnostics["entry"]["data"][key] == "**REDACTED**", key
    # ... and there is a login to redact: the method's secret is stored.
    method = portal_info.stored_method(portal_integration.data)
    assert set(method.secret_keys) & set(portal_integration.data)
    assert diagnostics["entry"]["unique_id"] == "**REDACTED**"
    assert diagnostics["portal"] == portal_info.key
    pupils = len(login["pupils"])
    account = diagnostics["account"]
    assert (account["kind"], account["pupils"]) == (login["kind"], pupils)
    # The login's inbox and notices are kept once, beside the pupils.
    assert {"messages", "unread_messages", "notifications"} <= set(account)
    assert len(diagnostics["pupils"]) == pupils
    assert not any("messages" in pupil for pupil in diagnostics["pupils"])
    assert all(pupil["lessons"] > 0 for pupil in diagnostics["pupils"])
    assert diagnostics["last_update_success"] is True
    assert_clean(str(diagnostics), sandbox)


# Webtop's only (the folder's default entry): it walks the reauth form, which
# the flow tests cover per portal; test_logs_and_diagnostics_stay_clean below
# covers the refreshes of every portal.
async def test_logs_stay_clean(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    sandbox: Sandbox,
    hass_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set-up, refreshes with faults, reauth and diagnostics log nothing personal."""
    caplog.set_level(logging.DEBUG)
    assert await async_setup_component(hass, "diagnostics", {})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    add_homework(sandbox, "p1002")
    sandbox.dataset.add_message(PARENT, subject="Hello")
    await refresh(hass, mock_config_entry)
    for fault in ("malformed", "http_500", "expire_sessions"):
        sandbox.faults.set("webtop", fault)
        await refresh(hass, mock_config_entry)
        sandbox.faults.clear()
    await refresh(hass, mock_config_entry)

    sandbox.faults.set("webtop", "password_changed")
    await refresh(hass, mock_config_entry)
    flow = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": PARENT_PASSWORD}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    sandbox.faults.clear()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": PARENT_PASSWORD}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"

    await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert "school_portal" in caplog.text
    for record in caplog.records:
        # Name the logger that leaked (the leak itself is never printed).
        try:
            assert_clean(f"{record.getMessage()} {record.exc_text or ''}", sandbox)
        except AssertionError as err:
            raise AssertionError(f"logger {record.name}: {err}") from None
    assert_clean(caplog.text, sandbox)


@pytest.mark.parametrize("login_kind", ["parent"])
@pytest.mark.parametrize(
    "portal_info", portals(lambda info: info.place is Place.SCHOOL)
)
async def test_diagnostics_hide_the_school(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    portal_info: PortalInfo,
    hass_client: Any,
) -> None:
    """The school's name and server say where a family lives: redacted."""
    assert await async_setup_component(hass, "diagnostics", {})
    entry = portal_integration
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    data = diagnostics["entry"]["data"]
    school = portal_info.school_key
    assert data[school] == data["server"] == "**REDACTED**"
    assert entry.data[school] not in str(diagnostics)
    assert "127.0.0.1" not in str(diagnostics)


@pytest.mark.parametrize("login_kind", ["parent"])
async def test_logs_and_diagnostics_stay_clean(
    hass: HomeAssistant,
    portal_entry: MockConfigEntry,
    portal_info: PortalInfo,
    sandbox: Sandbox,
    hass_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set-up, failing refreshes and diagnostics log no secret and no name."""
    caplog.set_level(logging.DEBUG)
    assert await async_setup_component(hass, "diagnostics", {})
    # Set up here, not by a fixture: the set-up's own debug lines count too.
    entry = await set_up_entry(hass, portal_entry)
    for fault in ("malformed", "http_500", "expire_sessions"):
        sandbox.faults.set(portal_info.key, fault)
        await refresh(hass, entry)
        sandbox.faults.clear()
    await refresh(hass, entry)
    assert entry.runtime_data.last_update_success

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["portal"] == portal_info.key
    account = diagnostics["account"]
    assert (account["kind"], account["pupils"]) == ("parent", 2)
    assert_clean(str(diagnostics), sandbox)
    assert_clean(caplog.text, sandbox)
