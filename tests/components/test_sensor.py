"""Sensors: counts and lesson times, checked against the sandbox's dataset."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .conftest import PARENT, pupil_id

NOA = "p1002"


def sensor_state(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: Sandbox, key: str
):
    """Noa's sensor state."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}_{pupil_id(entry, sandbox, NOA)}_{key}"
    )
    assert entity_id
    return hass.states.get(entity_id)


def first_start(sandbox: Sandbox, day: date) -> datetime | None:
    """The first lesson that takes place on a day, in HA's time zone."""
    held = sorted(
        lesson.start
        for lesson in sandbox.dataset.lessons_on(NOA, day)
        if not lesson.cancelled
    )
    return held[0].replace(tzinfo=dt_util.get_default_time_zone()) if held else None


def as_state(value: datetime | None) -> str:
    """How a timestamp sensor shows a value."""
    return value.astimezone(dt_util.UTC).isoformat() if value else STATE_UNKNOWN


async def test_counts(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """Unread messages and discipline events match the portal."""
    entry = init_integration
    unread = [m for m in sandbox.dataset.messages(PARENT) if not m.read]
    assert sensor_state(hass, entry, sandbox, "unread_messages").state == str(
        len(unread)
    )

    discipline = sensor_state(hass, entry, sandbox, "discipline_events")
    records = sandbox.dataset.discipline(NOA)
    assert discipline.state == str(len(records))
    kinds = {"absence", "late", "punishment", "remark", "praise", "other"}
    by_kind = {
        key: value for key, value in discipline.attributes.items() if key in kinds
    }
    assert sum(by_kind.values()) == len(records)


async def test_lesson_times(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """First lesson today and tomorrow, and the next lesson, in the school's time."""
    entry = init_integration
    today = dt_util.now().date()
    assert sensor_state(hass, entry, sandbox, "first_lesson_today").state == as_state(
        first_start(sandbox, today)
    )
    assert sensor_state(
        hass, entry, sandbox, "first_lesson_tomorrow"
    ).state == as_state(first_start(sandbox, today + timedelta(days=1)))

    now = dt_util.now()
    upcoming = sorted(
        (
            lesson.start.replace(tzinfo=dt_util.get_default_time_zone()),
            lesson.subject,
        )
        for lesson in sandbox.dataset.lessons(NOA, today, today + timedelta(days=10))
        if not lesson.cancelled
        and lesson.start.replace(tzinfo=dt_util.get_default_time_zone()) > now
    )
    state = sensor_state(hass, entry, sandbox, "next_lesson")
    assert state.state == as_state(upcoming[0][0])
    assert state.attributes["subject"]
    assert state.attributes["device_class"] == "timestamp"
