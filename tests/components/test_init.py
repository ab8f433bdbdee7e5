"""Set-up, faults, recovery, restarts, pupils and devices."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from unittest.mock import patch

import pytest
from aiohttp import DummyCookieJar
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.school_portal.api.errors import ProtocolError
from custom_components.school_portal.api.models import Holiday
from custom_components.school_portal.const import DOMAIN, EVENT_SCHOOL_PORTAL
from sandbox.app import Sandbox

from .conftest import add_homework, pupil_id, refresh

NOA = "p1002"


def states_of(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Every entity's state."""
    registry = er.async_get(hass)
    return {
        item.entity_id: hass.states.get(item.entity_id).state
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The entry loads with a device per pupil and unloads cleanly."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 2
    assert all(device.entry_type is dr.DeviceEntryType.SERVICE for device in devices)
    states = states_of(hass, entry)
    assert len(states) == 2 * (1 + 4 + 6 + 1)
    assert STATE_UNAVAILABLE not in states.values()

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize(
    "fault", ["http_500", "slow", "malformed", "rate_limit", "maintenance"]
)
async def test_fault_and_recovery(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sandbox: Sandbox,
    fault: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A portal fault makes entities unavailable until it clears; no duplicates."""
    entry = init_integration
    caplog.set_level(logging.INFO, logger="custom_components.school_portal")
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    sandbox.faults.slow_seconds = 3
    add_homework(sandbox, NOA)
    sandbox.faults.set("webtop", fault)

    await refresh(hass, entry)
    assert not entry.runtime_data.last_update_success
    assert set(states_of(hass, entry).values()) == {STATE_UNAVAILABLE}
    assert events == []
    await refresh(hass, entry)
    assert events == []

    sandbox.faults.clear()
    await refresh(hass, entry)
    assert entry.runtime_data.last_update_success
    assert STATE_UNAVAILABLE not in states_of(hass, entry).values()
    assert [event.data["type"] for event in events] == ["new_homework"]
    # Logged once when lost (not at every failed poll), once when back.
    ours = [r for r in caplog.records if r.name == "custom_components.school_portal"]
    assert [r.levelno for r in ours if r.levelno >= logging.INFO] == [
        logging.ERROR,
        logging.INFO,
    ]

    await refresh(hass, entry)
    assert len(events) == 1
    assert entry.state is ConfigEntryState.LOADED
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_expired_session_is_renewed(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """An expired token is replaced by a new login, invisibly."""
    entry = init_integration
    sandbox.faults.set("webtop", "expire_sessions")
    await refresh(hass, entry)
    assert entry.runtime_data.last_update_success
    assert STATE_UNAVAILABLE not in states_of(hass, entry).values()
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    # The renewed session replaces the stored one; "token" is only for pasted ones.
    assert "token" not in entry.data
    assert (
        entry.data["session_token"]
        == entry.runtime_data.client.session_state["session_token"]
    )


async def test_restart_reuses_the_session(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A restart while the session lives logs in zero times; a dead one, once."""
    entry = init_integration
    login = "user/LoginByUserNameAndPassword"
    assert "session_token" in entry.data
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    sandbox.log.clear()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert sandbox.log.count("webtop", login) == 0

    old_session = entry.data["session_token"]
    sandbox.faults.set("webtop", "expire_sessions")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert sandbox.log.count("webtop", login) == 1
    assert entry.data["session_token"] != old_session


async def test_password_changed_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """Only a refused login leads to reauthentication."""
    entry = init_integration
    sandbox.faults.set("webtop", "password_changed")
    await refresh(hass, entry)
    assert set(states_of(hass, entry).values()) == {STATE_UNAVAILABLE}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_REAUTH


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        ("maintenance", ConfigEntryState.SETUP_RETRY),
        ("password_changed", ConfigEntryState.SETUP_ERROR),
    ],
)
async def test_setup_failures(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    sandbox: Sandbox,
    fault: str,
    state: ConfigEntryState,
) -> None:
    """A portal that is down retries later; a refused login asks for a new one."""
    sandbox.faults.set("webtop", fault)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is state
    reauth = bool(hass.config_entries.flow.async_progress_by_handler(DOMAIN))
    assert reauth is (fault == "password_changed")


async def test_refresh_fails_after_login(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, sandbox: Sandbox
) -> None:
    """The login works but the first read does not: retry later."""
    mock_config_entry.add_to_hass(hass)
    with patch(
        "custom_components.school_portal.api.webtop.WebtopClient.refresh",
        side_effect=ProtocolError("garbled"),
    ):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_unusable_settings(hass: HomeAssistant) -> None:
    """Stored settings the client cannot use fail the set-up, without a crash."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="x",
        data={
            "portal": "webtop",
            "server": "ftp://x",
            "username": "u",
            "password": "p",
        },
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR


async def test_login_again_when_logged_out(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A client that lost its account logs in before reading."""
    coordinator = init_integration.runtime_data
    await coordinator.client.close()
    assert coordinator.client.account is None
    await refresh(hass, init_integration)
    assert coordinator.last_update_success
    assert coordinator.client.account is not None


async def test_restart_fires_only_new_items(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sandbox: Sandbox,
    hass_storage: dict,
) -> None:
    """After a restart old items stay quiet; one added meanwhile fires once."""
    entry = init_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    noa = pupil_id(entry, sandbox, NOA)
    homework_entity = er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, f"{entry.unique_id}_{noa}_homework"
    )
    assert hass.states.get(homework_entity).state == "unknown"
    pupils = sorted(entry.runtime_data.data)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.seen"]["data"]
    assert sorted(stored["seeded"]) == pupils
    # Only ids on disk: no names, no secrets.
    on_disk = str(stored)
    for pupil in sandbox.dataset.pupils.values():
        assert pupil.name_he not in on_disk
        assert pupil.first_name not in on_disk
    assert entry.data["password"] not in on_disk
    add_homework(sandbox, NOA)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert [event.data["type"] for event in events] == ["new_homework"]
    assert events[0].data["student_id"] == noa
    assert events[0].data["entry_id"] == entry.entry_id
    state = hass.states.get(homework_entity)
    assert state.attributes["event_type"] == "new_homework"
    assert state.attributes["subject"]
    fired_at = state.state

    await refresh(hass, entry)
    assert len(events) == 1
    assert hass.states.get(homework_entity).state == fired_at


async def test_first_sync_is_silent(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Seeding the store fires nothing, on the bus or on entities."""
    entry = init_integration
    states = states_of(hass, entry)
    assert all(
        state == "unknown"
        for entity_id, state in states.items()
        if entity_id.startswith("event.")
    )


async def test_remove_entry_deletes_stores(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_storage: dict
) -> None:
    """Removing the entry removes what it kept on disk."""
    entry = init_integration
    key = f"{DOMAIN}.{entry.entry_id}.seen"
    assert key in hass_storage
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


@pytest.mark.parametrize(
    ("clock", "retry_after", "minutes"),
    [
        ("10:00", None, 30),
        ("23:30", None, 60),
        ("05:59", None, 60),
        ("06:00", None, 30),
        ("10:00", 7200, 120),
        ("10:00", 60, 30),
    ],
)
async def test_polling_interval(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    clock: str,
    retry_after: float | None,
    minutes: int,
) -> None:
    """Hourly at night, and never sooner than the portal's Retry-After."""
    coordinator = init_integration.runtime_data
    hour, minute = map(int, clock.split(":"))
    now = dt_util.now(coordinator.tz).replace(hour=hour, minute=minute)
    with patch(
        "custom_components.school_portal.coordinator.dt_util.now", return_value=now
    ):
        interval = coordinator._next_interval(retry_after)
    assert interval == timedelta(minutes=minutes)


async def test_polling_slows_down_in_breaks(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """No lesson ahead, or a holiday today: every three hours."""
    coordinator = init_integration.runtime_data
    term_time = dict(coordinator.data)
    assert coordinator._next_interval(None) == timedelta(minutes=30)

    coordinator.async_set_updated_data(
        {sid: replace(data, lessons=()) for sid, data in term_time.items()}
    )
    assert coordinator._next_interval(None) == timedelta(hours=3)

    today = dt_util.now(coordinator.tz).date()
    holiday = Holiday(
        "h", "Break", today - timedelta(days=1), today + timedelta(days=1)
    )
    coordinator.async_set_updated_data(
        {sid: replace(data, holidays=(holiday,)) for sid, data in term_time.items()}
    )
    assert coordinator._next_interval(None) == timedelta(hours=3)


async def test_rate_limit_stretches_interval(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A 429 with Retry-After pushes the next poll out; recovery restores it."""
    coordinator = init_integration.runtime_data
    sandbox.faults.retry_after = 3 * 3600
    sandbox.faults.set("webtop", "rate_limit")
    await refresh(hass, init_integration)
    assert coordinator.update_interval == timedelta(hours=3)
    sandbox.faults.clear()
    await refresh(hass, init_integration)
    assert coordinator.update_interval <= timedelta(hours=1)


async def test_token_is_kept_normalized(
    hass: HomeAssistant, server_url: str, sandbox: Sandbox
) -> None:
    """A pasted cookie ('webToken=…') is stored as the bare token the client uses."""
    token = next(
        a["token"] for a in sandbox.accounts() if a["username"] == "dana.cohen"
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="x",
        data={
            "portal": "webtop",
            "server": server_url,
            "username": "dana.cohen",
            "token": f"webToken={token}",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.data["token"] == token


async def test_now_is_school_time(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The coordinator's clock runs in the school's time zone."""
    now = init_integration.runtime_data.now()
    assert isinstance(now, datetime)
    assert now.utcoffset() == dt_util.now().utcoffset()


async def test_portal_cookies_are_never_kept(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Each entry talks through a session without a cookie jar, not the shared one."""
    session = init_integration.runtime_data.client._session
    assert isinstance(session.cookie_jar, DummyCookieJar)
    assert session is not async_get_clientsession(hass)
