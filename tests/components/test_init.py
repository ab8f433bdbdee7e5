"""Set-up, faults, recovery, restarts, pupils and devices."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.school_portal.api import create_client
from custom_components.school_portal.api.errors import ProtocolError
from custom_components.school_portal.api.models import Holiday, PortalData
from custom_components.school_portal.api.util import stable_id
from custom_components.school_portal.const import DOMAIN, EVENT_SCHOOL_PORTAL
from custom_components.school_portal.news import ACCOUNT
from sandbox.app import Sandbox

from .conftest import (
    PARENT,
    PARENT_PASSWORD,
    add_homework,
    pupil_id,
    refresh,
    unique_id_of,
)
from .test_portals import account, add_by_qr_code, pronote_data, unique_id

NOA = "p1002"


def states_of(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Every pupil entity's state.

    The login's diagnostic last-update sensor is left out: it stays available
    through failures by design (test_services.py follows it).
    """
    registry = er.async_get(hass)
    return {
        item.entity_id: hass.states.get(item.entity_id).state
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.entity_category is None
    }


def pupil_devices(hass: HomeAssistant, entry: MockConfigEntry) -> list[dr.DeviceEntry]:
    """The entry's devices but the login's own."""
    return [
        device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        if entry.runtime_data.account_identifier not in device.identifiers
    ]


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The entry loads with a device per pupil and unloads cleanly."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    devices = pupil_devices(hass, entry)
    assert len(devices) == 2
    assert all(device.entry_type is dr.DeviceEntryType.SERVICE for device in devices)
    states = states_of(hass, entry)
    assert len(states) == 2 * (1 + 4 + 6 + 1)
    assert STATE_UNAVAILABLE not in states.values()

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.short_timeout
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
    # Each pupil, and the login's own items (its inbox), seeded once.
    assert sorted(stored["seeded"]) == sorted([*pupils, ACCOUNT])
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
    term_time = coordinator.data
    assert coordinator._next_interval(None) == timedelta(minutes=30)

    coordinator.async_set_updated_data(
        PortalData(
            [replace(data, lessons=()) for data in term_time.values()],
            term_time.account,
        )
    )
    assert coordinator._next_interval(None) == timedelta(hours=3)

    today = dt_util.now(coordinator.tz).date()
    holiday = Holiday(
        "h", "Break", today - timedelta(days=1), today + timedelta(days=1)
    )
    coordinator.async_set_updated_data(
        PortalData(
            [replace(data, holidays=(holiday,)) for data in term_time.values()],
            term_time.account,
        )
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


# --------------------------------------------------------------------------
# A second factor demanded at set-up or at a refresh starts a reauth that asks
# for it (issue 9, item 1; needs the coordinator to raise ConfigEntryAuthFailed)


async def answer_pin(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The reauth that is open shows the PIN step at once; answer it."""
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    # The challenge, not the password the portal still accepts.
    assert flow["step_id"] == "challenge"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"account_pin": "1234"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["account_pin"] == "1234"
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize("stored_pin", [None, "0000"])
async def test_pin_demanded_at_setup_starts_reauth(
    hass: HomeAssistant,
    sandbox: Sandbox,
    sandbox_server: TestServer,
    stored_pin: str | None,
) -> None:
    """A PIN demanded (or changed) while the entry sets up is asked in a reauth."""
    login = account(sandbox, sandbox_server, "pronote", "dana.pin")
    data = pronote_data(login)
    if stored_pin:
        data["account_pin"] = stored_pin
    entry = MockConfigEntry(
        domain=DOMAIN, title="PRONOTE", unique_id=unique_id(data), data=data
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Not "retrying setup" forever: the user has something to answer.
    assert entry.state is ConfigEntryState.SETUP_ERROR
    await answer_pin(hass, entry)


async def test_pin_demanded_at_a_refresh_starts_reauth(
    hass: HomeAssistant,
    sandbox: Sandbox,
    sandbox_server: TestServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token login whose account starts to demand its PIN: only the PIN is asked."""
    caplog.set_level(logging.DEBUG)
    entry = await add_by_qr_code(hass, sandbox, sandbox_server)
    tokens = [entry.data["token"]]
    sandbox.faults.set("pronote", "two_factor")
    sandbox.faults.set("pronote", "expire_sessions")
    await refresh(hass, entry)
    assert not entry.runtime_data.last_update_success
    tokens.append(entry.data["token"])
    # No new QR code: the device token still works, the PIN completes it.
    await answer_pin(hass, entry)
    assert "qr_code" not in entry.data
    # Neither the rotating tokens nor the device id reach the log.
    secrets = [*tokens, entry.data["token"], entry.data["device_id"]]
    assert not [secret for secret in secrets if secret in caplog.text]


# --------------------------------------------------------------------------
# Entries of version 1 and their titles (issue 9, items 3 and 11)


async def test_version_1_entry_keeps_its_entities_and_devices(
    hass: HomeAssistant, entry_data: dict[str, Any], sandbox: Sandbox
) -> None:
    """The unique id loses the server's host; entity and device ids stay."""
    old_id = f"webtop_127.0.0.1_{stable_id('webtop', PARENT)}"
    entry = MockConfigEntry(
        domain=DOMAIN, title="Ours", unique_id=old_id, data=entry_data, version=1
    )
    entry.add_to_hass(hass)
    # What version 1 registered for a pupil (ids as the client gives them).
    client = create_client("webtop", async_get_clientsession(hass), entry_data, UTC)
    account = await client.login()
    await client.close()
    noa = next(
        s for s in account.students if s.name == sandbox.dataset.pupils[NOA].name_he
    )
    devices, entities = dr.async_get(hass), er.async_get(hass)
    device = devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"{old_id}_{noa.id}")}
    )
    homework = entities.async_get_or_create(
        "todo",
        DOMAIN,
        f"{old_id}_{noa.id}_homework",
        config_entry=entry,
        device_id=device.id,
        suggested_object_id="noa_homework",
    )
    other = MockConfigEntry(domain="other", unique_id=old_id)
    other.add_to_hass(hass)
    foreign = entities.async_get_or_create("sensor", "other", f"{old_id}_x")

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.version == 2
    assert entry.unique_id == unique_id_of(PARENT)
    assert entry.state is ConfigEntryState.LOADED
    migrated = entities.async_get(homework.entity_id)
    assert migrated is not None
    assert migrated.unique_id == f"{entry.unique_id}_{noa.id}_homework"
    assert migrated.device_id == device.id
    assert devices.async_get(device.id).identifiers == {
        (DOMAIN, f"{entry.unique_id}_{noa.id}")
    }
    # The entity set up now is the one registered before: no duplicate.
    assert hass.states.get(homework.entity_id) is not None
    assert len(pupil_devices(hass, entry)) == 2
    assert not [e for e in states_of(hass, entry) if e.endswith("_homework_2")]
    # Another integration's ids are not ours to rename.
    assert entities.async_get(foreign.entity_id).unique_id == f"{old_id}_x"


async def test_newer_entry_is_refused(hass: HomeAssistant, entry_data: dict) -> None:
    """An entry stored by a newer version is not guessed at."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id="x", data=entry_data, version=3)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


@pytest.mark.parametrize("renamed", [False, True])
async def test_generated_title_is_renewed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    sandbox: Sandbox,
    renamed: bool,
) -> None:
    """A title of the old shape names the login after set-up; one the user chose stays."""
    school = sandbox.dataset.school.name("he")
    title = "Our kids" if renamed else f"Webtop · \u2068{school}\u2069"
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, title=title)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    expected = f"Webtop · \u2068{school}\u2069 · \u2068{PARENT}\u2069"
    assert mock_config_entry.title == (title if renamed else expected)


async def test_migration_keeps_an_id_that_is_taken(
    hass: HomeAssistant, entry_data: dict[str, Any], sandbox: Sandbox
) -> None:
    """Two version 1 entries of one account: the second keeps its id and still works."""
    MockConfigEntry(
        domain=DOMAIN, unique_id=unique_id_of(PARENT), version=2
    ).add_to_hass(hass)
    old_id = f"webtop_127.0.0.1_{stable_id('webtop', PARENT)}"
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=old_id, data=entry_data | {"password": "old"}
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.version == 2
    assert entry.unique_id == old_id
    # Its reauth recognises its own login.
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": PARENT_PASSWORD}
    )
    assert result["reason"] == "reauth_successful"


async def test_upgrade_keeps_the_old_inbox_quiet(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sandbox: Sandbox,
    hass_storage: dict,
) -> None:
    """A seen-store from before the login's inbox was kept once fires no old message.

    Such a store marked the inbox under each pupil and had no account seed:
    the first refresh after the upgrade seeds it silently, and a message
    that comes later fires once.
    """
    entry = init_integration
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    key = f"{DOMAIN}.{entry.entry_id}.seen"
    stored = hass_storage[key]["data"]
    assert any(item.startswith(f"{ACCOUNT}|new_message|") for item in stored["items"])
    hass_storage[key]["data"] = {
        "items": {
            name: day
            for name, day in stored["items"].items()
            if not name.startswith(f"{ACCOUNT}|")
        },
        "seeded": [pupil for pupil in stored["seeded"] if pupil != ACCOUNT],
    }
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert events == []

    sandbox.dataset.add_message(entry.data["username"], subject="Trip")
    await refresh(hass, entry)
    assert [event.data["type"] for event in events] == ["new_message"]
    # Several pupils share the parent's inbox: the bus event names none.
    assert events[0].data["student_id"] is None
