"""Snapshots of every portal's diagnostics and entity states.

When the data model or the diagnostics change on purpose, regenerate them (in
one venv; both read the same files) and review the diff:

    .venv/bin/python -m pytest -p no:sugar -q tests/components/test_snapshots.py --snapshot-update

Snapshots hold plain data (sorted dicts of strings, numbers and lists), so
that the syrupy and Home Assistant versions of both venvs write them alike.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.assertion import SnapshotAssertion


def plain(value: Any) -> Any:
    """JSON's view of a value, keys sorted: the same in every version."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


async def test_diagnostics(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    hass_client: Any,
    snapshot: SnapshotAssertion,
) -> None:
    """What diagnostics show of a login, after its first refresh."""
    assert await async_setup_component(hass, "diagnostics", {})
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, portal_integration
    )
    if push := diagnostics.get("push"):
        # The portal sets the end from its own clock: that there is one holds.
        assert dt_util.parse_datetime(push["expires"]) > dt_util.now()
        push["expires"] = "set"
    assert plain(diagnostics) == snapshot


async def test_entity_states(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """State and attributes of every entity of the entry (no clock values)."""
    registry = er.async_get(hass)
    states = {}
    for item in er.async_entries_for_config_entry(
        registry, portal_integration.entry_id
    ):
        state = hass.states.get(item.entity_id)
        assert state is not None
        value = state.state
        if (
            item.entity_category is EntityCategory.DIAGNOSTIC
            and state.attributes.get("device_class") == "timestamp"
        ):
            # The last update is the clock's: recent is all that holds.
            moment = dt_util.parse_datetime(value)
            assert moment is not None
            assert dt_util.utcnow() - moment < timedelta(minutes=1)
            value = "recent"
        states[item.entity_id] = {
            "state": value,
            "attributes": dict(state.attributes),
        }
    assert plain(states) == snapshot
