"""New-item events: per-pupil event entities and one bus event."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.school_portal.const import DOMAIN, EVENT_SCHOOL_PORTAL
from sandbox.app import Sandbox

from .conftest import PARENT, add_homework, pupil_id, refresh

NOA = "p1002"
ARI = "p1003"


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


async def test_entities_follow_capabilities(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """Webtop has no grades: no grade event entity."""
    entry = init_integration
    noa = pupil_id(entry, sandbox, NOA)
    registry = er.async_get(hass)
    keys = {
        item.unique_id.rsplit(f"{noa}_", 1)[1]
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.domain == "event" and noa in item.unique_id
    }
    assert keys == {"homework", "messages", "discipline", "timetable_changes"}


async def test_new_homework(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """New homework fires on its pupil's entity and once on the bus."""
    entry = init_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    noa = pupil_id(entry, sandbox, NOA)
    ari = pupil_id(entry, sandbox, ARI)
    added = add_homework(sandbox, NOA)

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
            NOA, added.given + timedelta(days=1), added.given + timedelta(days=14)
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


async def test_new_message_once_per_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A parent's inbox is shared: one bus event, each child's entity fires."""
    entry = init_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    sandbox.dataset.add_message(PARENT, subject="Trip on Thursday")

    await refresh(hass, entry)
    assert [event.data["type"] for event in events] == ["new_message"]
    assert events[0].data["item"]["subject"] == "Trip on Thursday"
    assert "sender" not in events[0].data["item"]
    for pupil in (NOA, ARI):
        state = hass.states.get(
            event_entity(hass, entry, pupil_id(entry, sandbox, pupil), "messages")
        )
        assert state.attributes["event_type"] == "new_message"

    await refresh(hass, entry)
    assert len(events) == 1


async def test_cancelled_lesson_and_discipline(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A cancelled lesson and a new discipline event fire their own types."""
    entry = init_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    dataset = sandbox.dataset
    lesson = next(
        lesson
        for lesson in dataset.lessons(
            NOA, dataset.today, dataset.today + timedelta(days=7)
        )
        if not lesson.cancelled
        and not lesson.changed
        and lesson.end > dt_util.now().replace(tzinfo=None)
    )
    dataset.cancel_lesson(NOA, lesson.day, lesson.hour)
    dataset.add_discipline_event(NOA, kind="late")

    await refresh(hass, entry)
    assert sorted(event.data["type"] for event in events) == [
        "lesson_cancelled",
        "new_discipline_event",
    ]
    no_names(sandbox, [event.data for event in events])
    noa = pupil_id(entry, sandbox, NOA)
    changes = hass.states.get(event_entity(hass, entry, noa, "timetable_changes"))
    assert changes.attributes["event_type"] == "lesson_cancelled"
    discipline = hass.states.get(event_entity(hass, entry, noa, "discipline"))
    assert discipline.attributes["kind"] == "late"


async def test_the_past_is_never_news(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A lesson already over, or homework already due, is remembered, not announced.

    That is what happens when the window grows (an upgrade) or a pupil is shown
    again: last week must not arrive as a burst of notifications.
    """
    entry = init_integration
    events = async_capture_events(hass, EVENT_SCHOOL_PORTAL)
    assert await hass.config_entries.async_unload(entry.entry_id)
    dataset = sandbox.dataset
    now = dt_util.now().replace(tzinfo=None)
    over = next(
        lesson
        for lesson in dataset.lessons(
            NOA, dataset.today - timedelta(days=6), dataset.today
        )
        if not lesson.cancelled and not lesson.changed and lesson.end < now
    )
    dataset.cancel_lesson(NOA, over.day, over.hour)
    # Homework set early last week and due (at the next lesson) before today.
    set_in = next(
        lesson
        for lesson in dataset.lessons(
            NOA, dataset.today - timedelta(days=6), dataset.today
        )
        if not lesson.cancelled
        and (due := dataset.next_lesson_of(NOA, lesson.subject, lesson.day))
        and not due.cancelled
        and due.day < dataset.today
    )
    dataset.add_homework(NOA, subject=set_in.subject, given=set_in.day)
    soon = next(
        lesson
        for lesson in dataset.lessons(
            NOA, dataset.today, dataset.today + timedelta(days=6)
        )
        if not lesson.cancelled and not lesson.changed and lesson.start > now
    )
    dataset.cancel_lesson(NOA, soon.day, soon.hour)

    # Back up (as after a restart): the store is seeded, the portal shows all three.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert [event.data["type"] for event in events] == ["lesson_cancelled"]
    assert events[0].data["item"]["start"].startswith(soon.day.isoformat())
    await refresh(hass, entry)
    assert len(events) == 1
