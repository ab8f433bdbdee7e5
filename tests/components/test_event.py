"""New-item events: per-pupil event entities and one bus event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.school_portal.api import PortalInfo
from custom_components.school_portal.api.models import Capability
from custom_components.school_portal.const import DOMAIN, EVENT_SCHOOL_PORTAL
from sandbox.app import Sandbox

from .conftest import (
    SLOW_READS,
    add_homework,
    offering,
    portals,
    refresh,
    refresh_after_slow_reads,
    student_id_of,
)

# The event entity each capability brings.
EVENT_KEYS = {
    Capability.HOMEWORK: "homework",
    Capability.MESSAGES: "messages",
    Capability.DISCIPLINE: "discipline",
    Capability.GRADES: "grades",
    Capability.TIMETABLE: "timetable_changes",
}


def event_entity(
    hass: HomeAssistant, entry: MockConfigEntry, pupil: str, key: str
) -> str:
    """The entity id of one pupil's event entity."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, f"{entry.unique_id}_{pupil}_{key}"
    )
    assert entity_id
    return entity_id


def no_names(sandbox: Sandbox, payload: object) -> None:
    """Assert that no pupil's or teacher's name is in a payload."""
    text = str(payload)
    dataset = sandbox.dataset
    for person in [*dataset.pupils.values(), *dataset.teachers.values()]:
        for name in (person.first_name, person.last_name):
            assert name not in text
    for pupil in dataset.pupils.values():
        assert pupil.first_name_he not in text


def without_teachers(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data less the lesson's teachers (a lesson names its teachers)."""
    item = {k: v for k, v in data["item"].items() if k != "teachers"}
    if "previous" in item:
        item["previous"] = {
            k: v for k, v in item["previous"].items() if k != "teachers"
        }
    return data | {"item": item}


async def test_entities_follow_capabilities(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    portal_info: PortalInfo,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """A portal without grades (Webtop) has no grade event entity."""
    entry = portal_integration
    noa = student_id_of(entry, sandbox, pupil)
    registry = er.async_get(hass)
    keys = {
        item.unique_id.rsplit(f"{noa}_", 1)[1]
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.domain == "event" and noa in item.unique_id
    }
    assert keys == {
        key
        for capability, key in EVENT_KEYS.items()
        if capability in portal_info.client.capabilities
    }


@pytest.mark.parametrize("portal_info", portals(offering(Capability.HOMEWORK)))
@pytest.mark.parametrize("login_kind", ["parent"])
async def test_new_homework(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    login: dict[str, Any],
) -> None:
    """New homework fires on its pupil's entity and once on the bus."""
    entry = portal_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    # Both children of the parent: one gets homework, the other does not.
    pupil, other = (row["dataset_id"] for row in login["pupils"])
    noa = student_id_of(entry, sandbox, pupil)
    ari = student_id_of(entry, sandbox, other)
    added = add_homework(sandbox, pupil)

    await refresh(hass, entry)
    assert len(events) == 1
    data = events[0].data
    assert data["type"] == "new_homework"
    assert data["entry_id"] == entry.entry_id
    assert data["student_id"] == noa
    # Due at the next lesson of the subject that takes place.
    due = next(
        lesson.day
        for lesson in sandbox.dataset.lessons(
            pupil, added.given + timedelta(days=1), added.given + timedelta(days=14)
        )
        if lesson.subject == added.subject and not lesson.cancelled
    )
    assert data["item"]["due"] == due.isoformat()
    no_names(sandbox, data)

    state = hass.states.get(event_entity(hass, entry, noa, "homework"))
    assert state.attributes["event_type"] == "new_homework"
    assert state.attributes["due"] == due.isoformat()
    assert (
        hass.states.get(event_entity(hass, entry, ari, "homework")).state == "unknown"
    )

    await refresh(hass, entry)
    assert len(events) == 1


@pytest.mark.parametrize("portal_info", portals(offering(Capability.MESSAGES)))
@pytest.mark.parametrize("login_kind", ["parent"])
async def test_new_message_once_per_entry(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    login: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A parent's inbox is shared: one bus event, each child's entity fires."""
    entry = portal_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    sandbox.dataset.add_message(login["username"], subject="Trip on Thursday")

    await refresh_after_slow_reads(hass, entry, freezer)
    assert [event.data["type"] for event in events] == ["new_message"]
    assert events[0].data["item"]["subject"] == "Trip on Thursday"
    assert "sender" not in events[0].data["item"]
    for row in login["pupils"]:
        student_id = student_id_of(entry, sandbox, row["dataset_id"])
        state = hass.states.get(event_entity(hass, entry, student_id, "messages"))
        assert state.attributes["event_type"] == "new_message"

    await refresh(hass, entry)
    assert len(events) == 1


@pytest.mark.parametrize("portal_info", portals(offering(Capability.TIMETABLE)))
async def test_cancelled_lesson(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A cancelled lesson fires its own type."""
    entry = portal_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    dataset = sandbox.dataset
    freezer.tick(SLOW_READS)
    lesson = next(
        lesson
        for lesson in dataset.lessons(
            pupil, dataset.today, dataset.today + timedelta(days=7)
        )
        if not lesson.cancelled
        and not lesson.changed
        and lesson.end > dt_util.now().replace(tzinfo=None)
    )
    dataset.cancel_lesson(pupil, lesson.day, lesson.hour)

    await refresh(hass, entry)
    assert [event.data["type"] for event in events] == ["lesson_cancelled"]
    no_names(sandbox, [without_teachers(event.data) for event in events])
    noa = student_id_of(entry, sandbox, pupil)
    changes = hass.states.get(event_entity(hass, entry, noa, "timetable_changes"))
    assert changes.attributes["event_type"] == "lesson_cancelled"


@pytest.mark.parametrize("portal_info", portals(offering(Capability.DISCIPLINE)))
async def test_new_discipline_event(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new discipline event fires its own type, without names."""
    entry = portal_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    freezer.tick(SLOW_READS)
    sandbox.dataset.add_discipline_event(pupil, kind="late")

    await refresh(hass, entry)
    assert [event.data["type"] for event in events] == ["new_discipline_event"]
    no_names(sandbox, [event.data for event in events])
    noa = student_id_of(entry, sandbox, pupil)
    discipline = hass.states.get(event_entity(hass, entry, noa, "discipline"))
    assert discipline.attributes["kind"] == "late"


async def test_the_past_is_never_news(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """A lesson already over, or homework already due, is remembered, not announced.

    That is what happens when the window grows (an upgrade) or a pupil is shown
    again: last week must not arrive as a burst of notifications.
    """
    entry = portal_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    assert await hass.config_entries.async_unload(entry.entry_id)
    dataset = sandbox.dataset
    now = dt_util.now().replace(tzinfo=None)
    over = next(
        lesson
        for lesson in dataset.lessons(
            pupil, dataset.today - timedelta(days=6), dataset.today
        )
        if not lesson.cancelled and not lesson.changed and lesson.end < now
    )
    dataset.cancel_lesson(pupil, over.day, over.hour)
    # Homework set early last week and due (at the next lesson) before today.
    set_in = next(
        lesson
        for lesson in dataset.lessons(
            pupil, dataset.today - timedelta(days=6), dataset.today
        )
        if not lesson.cancelled
        and (due := dataset.next_lesson_of(pupil, lesson.subject, lesson.day))
        and not due.cancelled
        and due.day < dataset.today
    )
    dataset.add_homework(pupil, subject=set_in.subject, given=set_in.day)
    soon = next(
        lesson
        for lesson in dataset.lessons(
            pupil, dataset.today, dataset.today + timedelta(days=6)
        )
        if not lesson.cancelled and not lesson.changed and lesson.start > now
    )
    dataset.cancel_lesson(pupil, soon.day, soon.hour)

    # Back up (as after a restart): the store is seeded, the portal shows all three.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert [event.data["type"] for event in events] == ["lesson_cancelled"]
    assert events[0].data["item"]["start"].startswith(soon.day.isoformat())
    await refresh(hass, entry)
    assert len(events) == 1


@pytest.mark.parametrize("portal_info", portals(offering(Capability.TIMETABLE)))
async def test_lesson_cancelled_then_changed(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """A cancellation fires its event; a substitute's lesson names both teachers."""
    entry = portal_integration
    student_id = student_id_of(entry, sandbox, pupil)
    # Tomorrow's first lesson is cancelled at the school.
    dataset = sandbox.dataset
    tomorrow = next(day for day in dataset.school_days() if day > dataset.today)
    held = next(
        lesson
        for lesson in dataset.lessons_on(pupil, tomorrow)
        if not lesson.cancelled and not lesson.changed
    )
    dataset.cancel_lesson(pupil, tomorrow, held.hour)
    await refresh(hass, entry)
    event = event_entity(hass, entry, student_id, "timetable_changes")
    state = hass.states.get(event)
    assert state.attributes["event_type"] == "lesson_cancelled"
    assert state.attributes["start"].startswith(tomorrow.isoformat())

    # Another lesson gets a substitute: the event names both teachers.
    other = next(
        lesson
        for lesson in dataset.lessons_on(pupil, tomorrow)
        if not lesson.cancelled and not lesson.changed
    )
    substitute = next(t for t in dataset.teachers if t != other.teacher_id)
    other.substitute_id = substitute
    await refresh(hass, entry)
    state = hass.states.get(event)
    assert state.attributes["event_type"] == "lesson_changed"
    regular = dataset.teachers[other.teacher_id]
    assert state.attributes["previous"]["teachers"] != state.attributes["teachers"]
    assert any(
        name.casefold() in teacher.casefold()
        for teacher in state.attributes["previous"]["teachers"]
        for name in (regular.last_name, regular.name_he)
    )
    assert student_id in entry.runtime_data.data
