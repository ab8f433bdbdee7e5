"""Pupils' devices: kept while a pupil is away, gone after a week or when deleted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.school_portal import async_remove_config_entry_device
from custom_components.school_portal.api import PortalInfo
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .conftest import refresh, student_id_of

# Every portal's parent: the other child stays while one is away.
pytestmark = pytest.mark.parametrize("login_kind", ["parent"])


def device_of(
    hass: HomeAssistant, entry: MockConfigEntry, student_id: str
) -> dr.DeviceEntry | None:
    """The pupil's device, found the way both HA 2025.4 and 2026.x allow."""
    identifier = entry.runtime_data.device_identifier(student_id)
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(
                dr.async_get(hass), entry.entry_id
            )
            if identifier in device.identifiers
        ),
        None,
    )


def states_of(
    hass: HomeAssistant, entry: MockConfigEntry, student_id: str | None = None
) -> dict[str, str]:
    """The state of every entity of the entry, or of one pupil's."""
    return {
        item.entity_id: hass.states.get(item.entity_id).state
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if student_id is None or f"_{student_id}_" in (item.unique_id or "")
    }


def noa_and_device(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: Sandbox, pupil: str
) -> tuple[str, dr.DeviceEntry]:
    """The pupil's id and device."""
    noa = student_id_of(entry, sandbox, pupil)
    device = device_of(hass, entry, noa)
    assert device is not None
    return noa, device


async def bring_back(
    hass: HomeAssistant, entry: MockConfigEntry, account: Any, everyone: int
) -> None:
    """The portal shows the whole account again: every entity is back."""
    entry.runtime_data.client.account = account
    await refresh(hass, entry)
    assert len(states_of(hass, entry)) == everyone
    assert STATE_UNAVAILABLE not in states_of(hass, entry).values()


def hide_pupil(entry: MockConfigEntry, student_id: str) -> None:
    """The portal leaves a pupil out of the account (a hiccup, or they left)."""
    client = entry.runtime_data.client
    assert client.account is not None
    client.account = replace(
        client.account,
        students=tuple(s for s in client.account.students if s.id != student_id),
    )


async def test_absent_pupil_keeps_device_and_returns(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """One refresh without a pupil keeps its device and entities (unavailable)."""
    entry = portal_integration
    coordinator = entry.runtime_data
    account = coordinator.client.account
    noa, device = noa_and_device(hass, entry, sandbox, pupil)
    entity_ids = set(states_of(hass, entry, noa))
    everyone = len(states_of(hass, entry))

    hide_pupil(entry, noa)
    await refresh(hass, entry)
    assert coordinator.last_update_success
    assert device_of(hass, entry, noa) == device
    assert set(states_of(hass, entry, noa).values()) == {STATE_UNAVAILABLE}
    assert set(states_of(hass, entry, noa)) == entity_ids
    others = set(states_of(hass, entry)) - entity_ids
    assert others
    assert STATE_UNAVAILABLE not in {hass.states.get(e).state for e in others}

    await bring_back(hass, entry, account, everyone)
    assert device_of(hass, entry, noa) == device


async def test_user_deletes_an_absent_pupils_device(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Only an absent pupil's device may be deleted; its entities return with it."""
    assert await async_setup_component(hass, "config", {})
    entry = portal_integration
    account = entry.runtime_data.client.account
    noa, device = noa_and_device(hass, entry, sandbox, pupil)
    everyone = len(states_of(hass, entry))
    client = await hass_ws_client(hass)

    async def delete() -> dict[str, Any]:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry.entry_id,
                "device_id": device.id,
            }
        )
        return await client.receive_json()

    assert not await async_remove_config_entry_device(hass, entry, device)
    assert not (await delete())["success"]
    assert device_of(hass, entry, noa) is not None

    hide_pupil(entry, noa)
    await refresh(hass, entry)
    assert await async_remove_config_entry_device(hass, entry, device)
    assert (await delete())["success"]
    await hass.async_block_till_done()
    assert device_of(hass, entry, noa) is None
    assert not states_of(hass, entry, noa)

    await bring_back(hass, entry, account, everyone)
    assert device_of(hass, entry, noa) is not None


async def test_not_loaded_entry_lets_devices_go(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """An entry that is not loaded shows no pupil: its devices may be deleted."""
    entry = portal_integration
    _, device = noa_and_device(hass, entry, sandbox, pupil)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert await async_remove_config_entry_device(hass, entry, device)


async def test_device_goes_after_a_week_away_across_restarts(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    login: dict[str, Any],
    portal_info: PortalInfo,
) -> None:
    """The day a pupil was last seen is kept on disk; a week later the device goes."""
    entry = portal_integration
    noa, device = noa_and_device(hass, entry, sandbox, pupil)
    # Only restarts refresh here: the clock jumps must not start polls.
    hass.config_entries.async_update_entry(entry, pref_disable_polling=True)
    parent = sandbox.dataset.logins[login["username"]]
    sandbox.dataset.logins[login["username"]] = replace(
        parent, pupil_ids=tuple(p for p in parent.pupil_ids if p != pupil)
    )
    shown = next(
        row["pupils"]
        for row in sandbox.accounts()
        if row["portal"] == portal_info.key and row["username"] == login["username"]
    )
    # Every emulator follows the dataset's logins.
    assert pupil not in {row["dataset_id"] for row in shown}
    # A live session keeps the pupil list of its login: log in anew.
    sandbox.faults.set(portal_info.key, "expire_sessions")
    start = dt_util.now()

    async def restart_on(day: int) -> None:
        freezer.move_to(start + timedelta(days=day))
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert noa not in entry.runtime_data.data

    await restart_on(1)
    assert device_of(hass, entry, noa) == device
    assert set(states_of(hass, entry, noa).values()) == {STATE_UNAVAILABLE}
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.seen"]["data"]["items"]
    identifier = entry.runtime_data.device_identifier(noa)[1]
    assert stored[f"device|{identifier}"] == start.date().isoformat()

    await restart_on(7)
    assert device_of(hass, entry, noa) == device

    await restart_on(8)
    assert device_of(hass, entry, noa) is None
    assert not states_of(hass, entry, noa)
    assert states_of(hass, entry)

    sandbox.dataset.logins[login["username"]] = parent
    sandbox.faults.set(portal_info.key, "expire_sessions")
    freezer.move_to(start + timedelta(days=9))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert device_of(hass, entry, noa) is not None
    assert set(states_of(hass, entry, noa).values()) - {"unknown"}
    assert STATE_UNAVAILABLE not in states_of(hass, entry).values()


async def test_pupil_left_out_in_the_options_goes_at_once(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """Leaving a pupil out is the user's choice: no week of grace."""
    entry = portal_integration
    noa = student_id_of(entry, sandbox, pupil)
    others = [student_id for student_id in entry.runtime_data.data if student_id != noa]
    hass.config_entries.async_update_entry(entry, options={"students": others})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert device_of(hass, entry, noa) is None
    assert not states_of(hass, entry, noa)
    assert all(device_of(hass, entry, student_id) for student_id in others)
