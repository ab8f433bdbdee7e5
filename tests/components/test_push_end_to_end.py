"""Push end to end: a portal's emulator really calls Home Assistant back.

tests/components/test_push.py covers the Home Assistant side with a stand-in
client; here a portal whose client can push is set up against its emulator,
which subscribes Home Assistant's webhook over HTTP and posts to it when the
dataset changes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.school_portal.const import EVENT_SCHOOL_PORTAL
from custom_components.school_portal.push import SETTLE
from sandbox.app import Sandbox

from .conftest import portals, set_up_entry

PUSHING = portals(lambda info: hasattr(info.client, "subscribe"))


@pytest.mark.parametrize("portal_info", PUSHING)
@pytest.mark.parametrize("login_kind", ["student"])
async def test_a_cancelled_lesson_arrives_by_callback(
    hass: HomeAssistant,
    portal_entry: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    hass_client_no_auth: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Cancel a lesson on the server: one callback, one refresh, one event."""
    # The webhook view must exist before the test server freezes the router.
    assert await async_setup_component(hass, "webhook", {})
    http = await hass_client_no_auth()
    # The sandbox runs on this machine, so an internal address is reachable.
    hass.config.internal_url = str(http.make_url("/")).rstrip("/")
    entry = await set_up_entry(hass, portal_entry)
    link = entry.runtime_data.push
    assert link is not None
    assert link.live

    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    dataset = sandbox.dataset
    tomorrow = next(day for day in dataset.school_days() if day > dataset.today)
    held = next(
        lesson for lesson in dataset.lessons_on(pupil, tomorrow) if not lesson.cancelled
    )
    sandbox.log.clear()
    dataset.cancel_lesson(pupil, tomorrow, held.hour)
    async with asyncio.timeout(10):
        while not link.callbacks:  # noqa: ASYNC110 (a count, no event to wait on)
            await asyncio.sleep(0.05)
    assert events == []  # debounced: nothing read yet

    freezer.move_to(dt_util.utcnow() + SETTLE)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [event.data["type"] for event in events] == ["lesson_cancelled"]
    # The refresh read what the callback named, nothing else of the pupil's.
    read = {entry.path.rsplit("/", 1)[-1] for entry in sandbox.log.entries}
    assert "calendarEvents" in read
    assert not read & {"grades", "attendances", "absences"}

    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert not link.live
