"""Sensors: counts and lesson times, checked against the sandbox's dataset."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.school_portal.api import PortalInfo
from custom_components.school_portal.api.models import Capability
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .conftest import lacking, offering, portals, student_id_of


def sensor_state(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: Sandbox, pupil: str, key: str
):
    """The pupil's sensor state."""
    student_id = student_id_of(entry, sandbox, pupil)
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}_{student_id}_{key}"
    )
    assert entity_id
    return hass.states.get(entity_id)


def first_start(sandbox: Sandbox, pupil: str, day: date) -> datetime | None:
    """The first lesson that takes place on a day, in HA's time zone."""
    held = sorted(
        lesson.start
        for lesson in sandbox.dataset.lessons_on(pupil, day)
        if not lesson.cancelled
    )
    return held[0].replace(tzinfo=dt_util.get_default_time_zone()) if held else None


def as_state(value: datetime | None) -> str:
    """How a timestamp sensor shows a value."""
    return value.astimezone(dt_util.UTC).isoformat() if value else STATE_UNKNOWN


@pytest.mark.parametrize("portal_info", portals(offering(Capability.MESSAGES)))
async def test_unread_count(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    login: dict[str, Any],
) -> None:
    """Unread messages match the portal."""
    entry = portal_integration
    unread = [m for m in sandbox.dataset.messages(login["username"]) if not m.read]
    assert sensor_state(hass, entry, sandbox, pupil, "unread_messages").state == str(
        len(unread)
    )


@pytest.mark.parametrize("portal_info", portals(offering(Capability.DISCIPLINE)))
async def test_discipline_count(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """Discipline events match the portal, by kind too.

    Only the kinds the portal can report count (SS12000 has no remarks).
    """
    entry = portal_integration
    discipline = sensor_state(hass, entry, sandbox, pupil, "discipline_events")
    shown = entry.runtime_data.client.discipline_kinds
    records = [r for r in sandbox.dataset.discipline(pupil) if r.kind in shown]
    assert discipline.state == str(len(records))
    kinds = {"absence", "late", "punishment", "remark", "praise", "other"}
    by_kind = {
        key: value for key, value in discipline.attributes.items() if key in kinds
    }
    assert sum(by_kind.values()) == len(records)


async def test_lesson_times(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    login: dict[str, Any],
) -> None:
    """First lesson today and tomorrow, and the next lesson, in the school's time."""
    entry = portal_integration
    today = dt_util.now().date()
    assert sensor_state(
        hass, entry, sandbox, pupil, "first_lesson_today"
    ).state == as_state(first_start(sandbox, pupil, today))
    assert sensor_state(
        hass, entry, sandbox, pupil, "first_lesson_tomorrow"
    ).state == as_state(first_start(sandbox, pupil, today + timedelta(days=1)))

    now = dt_util.now()
    upcoming = sorted(
        (
            lesson.start.replace(tzinfo=dt_util.get_default_time_zone()),
            lesson.subject,
        )
        for lesson in sandbox.dataset.lessons(pupil, today, today + timedelta(days=10))
        if not lesson.cancelled
        and lesson.start.replace(tzinfo=dt_util.get_default_time_zone()) > now
    )
    state = sensor_state(hass, entry, sandbox, pupil, "next_lesson")
    assert state.state == as_state(upcoming[0][0])
    assert state.attributes["subject"]
    assert state.attributes["device_class"] == "timestamp"


async def test_clock_moves_lesson_sensors_without_polling(
    hass: HomeAssistant,
    portal_entry: MockConfigEntry,
    portal_info: PortalInfo,
    sandbox: Sandbox,
    pupil: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A started lesson and a new day change the sensors between two polls."""
    entry = portal_entry
    entry.add_to_hass(hass)
    # No poll may run: only the clock may change the sensors here.
    hass.config_entries.async_update_entry(entry, pref_disable_polling=True)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    tz = dt_util.get_default_time_zone()
    today = dt_util.now().date()
    held = sorted(
        lesson.start.replace(tzinfo=tz)
        for lesson in sandbox.dataset.lessons(pupil, today, today + timedelta(days=10))
        if not lesson.cancelled and lesson.start.replace(tzinfo=tz) > dt_util.now()
    )
    first, second = held[0], held[1]
    assert sensor_state(hass, entry, sandbox, pupil, "next_lesson").state == as_state(
        first
    )
    sandbox.log.clear()

    freezer.move_to(first + timedelta(seconds=1))
    async_fire_time_changed(hass, first + timedelta(seconds=1))
    await hass.async_block_till_done()
    assert sensor_state(hass, entry, sandbox, pupil, "next_lesson").state == as_state(
        second
    )

    tomorrow = today + timedelta(days=1)
    midnight = datetime.combine(tomorrow, time(0, 0, 1), tzinfo=tz)
    freezer.move_to(midnight)
    async_fire_time_changed(hass, midnight)
    await hass.async_block_till_done()
    assert sensor_state(
        hass, entry, sandbox, pupil, "first_lesson_today"
    ).state == as_state(first_start(sandbox, pupil, tomorrow))
    assert sensor_state(
        hass, entry, sandbox, pupil, "first_lesson_tomorrow"
    ).state == as_state(first_start(sandbox, pupil, tomorrow + timedelta(days=1)))
    # The clock did it, not a poll.
    assert sandbox.log.count(portal_info.key) == 0


def test_grades_sensors_without_grades_or_numbers() -> None:
    """No grade yet: empty attributes; marks like "Abs" are no number."""
    from custom_components.school_portal.api.models import (
        AccountData,
        Student,
        StudentData,
    )
    from custom_components.school_portal.sensor import Pupil, _grade_attributes, _number

    pupil = Pupil(
        StudentData(Student("s", "A", "B")),
        AccountData(),
        dt_util.now(),
        lambda _: False,
    )
    assert _grade_attributes(pupil) == {}
    assert _number("14,5") == 14.5
    assert _number("Abs") is None
    assert _number(None) is None


@pytest.mark.parametrize("login_kind", ["parent"])
@pytest.mark.parametrize("portal_info", portals(offering(Capability.NOTIFICATIONS)))
async def test_school_notices(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    login: dict[str, Any],
) -> None:
    """Messages of the day: how many, and the latest one's text."""
    entry = portal_integration
    today = dt_util.now().date()
    notices = [
        notice
        for notice in sandbox.dataset.notifications(login["username"])
        if today - timedelta(days=7) <= notice.when.date() <= today
    ]
    assert notices
    registry = er.async_get(hass)
    sensors = [
        item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.unique_id.endswith("_notifications")
    ]
    assert len(sensors) == len(entry.runtime_data.data)
    # In the language the portal shows its notices in.
    texts = {text for notice in notices for text in notice.text.values()}
    for entity_id in sensors:
        state = hass.states.get(entity_id)
        assert state.state == str(len(notices))
        assert state.attributes["latest"] in texts
        assert state.attributes["latest_at"]


@pytest.mark.parametrize("portal_info", portals(lacking(Capability.NOTIFICATIONS)))
async def test_no_notices_where_the_portal_reads_none(
    hass: HomeAssistant, portal_integration: MockConfigEntry
) -> None:
    """A refresh that reads no notices: no sensor that would always say 0."""
    assert not [
        item
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), portal_integration.entry_id
        )
        if item.unique_id.endswith("_notifications")
    ]
