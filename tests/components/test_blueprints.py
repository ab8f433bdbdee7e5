"""Blueprints: each validates with HA's schema and notifies on the sandbox's data."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.school_portal.api.models import Capability
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .conftest import add_homework, offering, portals, refresh, set_up_entry
from .conftest import student_id_of as student_of

REPOSITORY = Path(__file__).parents[2]
BLUEPRINTS = REPOSITORY / "blueprints" / "automation" / DOMAIN
SOURCE = (
    "https://github.com/school-portal/ha-school-portal/blob/main/"
    f"blueprints/automation/{DOMAIN}/"
)
NAMES = sorted(path.name for path in BLUEPRINTS.glob("*.yaml"))

type Automate = Callable[[str, dict[str, Any]], Awaitable[list[ServiceCall]]]


def test_the_four_blueprints_are_there() -> None:
    """New homework, lesson changes, the wake-up alarm and the weekly summary."""
    assert NAMES == [
        "lesson_changed.yaml",
        "new_homework.yaml",
        "wake_up.yaml",
        "weekly_homework.yaml",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_blueprint_validates(name: str) -> None:
    """HA's automation blueprint schema accepts it; its source is this repository."""
    blueprint = Blueprint(
        load_yaml_dict(BLUEPRINTS / name),
        path=name,
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.metadata["source_url"] == SOURCE + name
    assert "notify_action" in blueprint.inputs


@pytest.mark.parametrize("name", NAMES)
def test_readme_links_the_import(name: str) -> None:
    """The README's import button points at the blueprint's address."""
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    link = (
        "https://my.home-assistant.io/redirect/blueprint_import/"
        f"?blueprint_url={quote(SOURCE + name, safe='')}"
    )
    assert link in readme


@pytest.fixture
async def quiet_integration(
    hass: HomeAssistant, portal_entry: MockConfigEntry
) -> MockConfigEntry:
    """The login's entry without its timer: these tests move the clock."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=portal_entry.title,
        data=dict(portal_entry.data),
        unique_id=portal_entry.unique_id,
        pref_disable_polling=True,
    )
    return await set_up_entry(hass, entry)


@pytest.fixture
def automate(
    hass: HomeAssistant, quiet_integration: MockConfigEntry, tmp_path: Path
) -> Automate:
    """Set up one automation from a blueprint; the notifications it sends."""

    async def from_blueprint(name: str, inputs: dict[str, Any]) -> list[ServiceCall]:
        # Blueprints are read from the configuration folder, as once imported.
        hass.config.config_dir = str(tmp_path)
        folder = tmp_path / "blueprints" / "automation" / DOMAIN
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(BLUEPRINTS / name, folder / name)
        calls = async_mock_service(hass, "notify", "family")
        config = {
            "automation": {
                "id": name,
                "alias": name.removesuffix(".yaml"),
                "use_blueprint": {
                    "path": f"{DOMAIN}/{name}",
                    "input": {"notify_action": "notify.family", **inputs},
                },
            }
        }
        assert await async_setup_component(hass, "automation", config)
        await hass.async_block_till_done()
        automation = hass.states.get(f"automation.{name.removesuffix('.yaml')}")
        assert automation is not None, "the automation did not load"
        assert automation.state == "on"
        return calls

    return from_blueprint


def entity(hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str) -> str:
    """One of the entry's entities by the tail of its unique id."""
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.unique_id}_{key}"
    )
    assert entity_id
    return entity_id


def pupil_name(hass: HomeAssistant, entity_id: str) -> str:
    """The name the pupil's device (and so the notification) shows."""
    name = hass.states.get(entity_id).attributes["friendly_name"]  # type: ignore[union-attr]
    return str(name).rsplit(" ", 1)[0]


@pytest.mark.parametrize("portal_info", portals(offering(Capability.HOMEWORK)))
@pytest.mark.parametrize("login_kind", ["parent"])
async def test_new_homework(
    hass: HomeAssistant,
    quiet_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    automate: Automate,
) -> None:
    """New homework is announced with its subject and due day; old homework never."""
    entry = quiet_integration
    assert entry.runtime_data.data[student_of(entry, sandbox, pupil)].homework
    event = entity(
        hass, entry, "event", f"{student_of(entry, sandbox, pupil)}_homework"
    )
    calls = await automate("new_homework.yaml", {"homework_event": event})
    await refresh(hass, entry)
    assert not calls

    add_homework(sandbox, pupil, "Read chapter 3")
    await refresh(hass, entry)
    assert len(calls) == 1
    attributes = hass.states.get(event).attributes  # type: ignore[union-attr]
    due = datetime.fromisoformat(attributes["due"])
    assert calls[0].data["message"] == (
        f"{attributes['subject']}, due {due.strftime('%A %-d %B')}"
    )
    assert calls[0].data["title"].startswith("New homework for ")

    # Neither the next refresh nor a restart of the entry repeats it.
    await refresh(hass, entry)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert len(calls) == 1


@pytest.mark.parametrize("portal_info", portals(offering(Capability.TIMETABLE)))
@pytest.mark.parametrize("login_kind", ["student"])
async def test_cancelled_then_changed_lesson(
    hass: HomeAssistant,
    quiet_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    automate: Automate,
) -> None:
    """A cancellation says which lesson; a change says what it was before."""
    entry = quiet_integration
    student_id = student_of(entry, sandbox, pupil)
    dataset = sandbox.dataset
    # The school year has cancelled and changed lessons from the first refresh on.
    assert any(
        lesson.cancelled or lesson.changed
        for lesson in dataset.lessons(
            pupil, dataset.today, dataset.today + timedelta(days=7)
        )
    )
    changes = entity(hass, entry, "event", f"{student_id}_timetable_changes")
    calls = await automate("lesson_changed.yaml", {"changes_event": changes})
    await refresh(hass, entry)
    assert not calls

    tomorrow = next(day for day in dataset.school_days() if day > dataset.today)
    held = [
        lesson
        for lesson in dataset.lessons_on(pupil, tomorrow)
        if not lesson.cancelled and not lesson.changed
    ]
    dataset.cancel_lesson(pupil, tomorrow, held[0].hour)
    await refresh(hass, entry)
    assert len(calls) == 1
    cancelled = hass.states.get(changes).attributes  # type: ignore[union-attr]
    assert calls[0].data["title"].startswith("Lesson cancelled")
    assert calls[0].data["message"].startswith(f"Cancelled: {cancelled['subject']}, ")
    when = dt_util.parse_datetime(cancelled["start"])
    assert when is not None
    assert when.strftime("%A %-d %B %H:%M") in calls[0].data["message"]

    other = held[1]
    other.substitute_id = next(t for t in dataset.teachers if t != other.teacher_id)
    await refresh(hass, entry)
    assert len(calls) == 2
    changed = hass.states.get(changes).attributes  # type: ignore[union-attr]
    message = calls[1].data["message"]
    assert calls[1].data["title"].startswith("Lesson changed")
    now_part, before_part = message.split(" Before: ")
    assert ", ".join(changed["teachers"]) in now_part
    assert ", ".join(changed["previous"]["teachers"]) in before_part
    assert changed["previous"]["teachers"] != changed["teachers"]


@pytest.mark.parametrize("portal_info", portals(offering(Capability.TIMETABLE)))
@pytest.mark.parametrize("login_kind", ["student"])
async def test_wake_up_alarm(
    hass: HomeAssistant,
    quiet_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    automate: Automate,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Half an hour before tomorrow's first lesson; nothing on a day off."""
    entry = quiet_integration
    student_id = student_of(entry, sandbox, pupil)
    today_sensor = entity(hass, entry, "sensor", f"{student_id}_first_lesson_today")
    tomorrow_state = hass.states.get(
        entity(hass, entry, "sensor", f"{student_id}_first_lesson_tomorrow")
    )
    assert tomorrow_state is not None
    first = dt_util.parse_datetime(tomorrow_state.state)
    assert first is not None, "no lesson tomorrow"
    calls = await automate(
        "wake_up.yaml", {"first_lesson": today_sensor, "minutes_before": 30}
    )

    async def at(moment: datetime) -> None:
        freezer.move_to(moment)
        async_fire_time_changed(hass, moment)
        await hass.async_block_till_done()

    # Today's first lesson is over: no alarm now, nor at midnight.
    await at(first - timedelta(minutes=31))
    assert hass.states.get(today_sensor).state == first.isoformat()  # type: ignore[union-attr]
    assert not calls
    await at(first - timedelta(minutes=30))
    assert len(calls) == 1
    local = dt_util.as_local(first).strftime("%H:%M")
    assert calls[0].data["message"] == f"The first lesson starts at {local}."
    assert calls[0].data["title"].startswith("Time to get up, ")
    await at(first - timedelta(minutes=10))
    await at(first + timedelta(minutes=10))
    assert len(calls) == 1

    # A day off has no first lesson: every hour of it passes without an alarm.
    dataset = sandbox.dataset
    off = next(
        day
        for day in (first.date() + timedelta(days=n) for n in range(1, 6))
        if not any(not lesson.cancelled for lesson in dataset.lessons_on(pupil, day))
    )
    midnight = datetime.combine(
        off, datetime.min.time(), dt_util.get_default_time_zone()
    )
    for hour in range(24):
        await at(midnight + timedelta(hours=hour, minutes=1))
        assert hass.states.get(today_sensor).state == "unknown"  # type: ignore[union-attr]
    assert len(calls) == 1


@pytest.mark.parametrize("portal_info", portals(offering(Capability.HOMEWORK)))
@pytest.mark.parametrize("login_kind", ["student"])
async def test_weekly_homework_summary(
    hass: HomeAssistant,
    quiet_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    automate: Automate,
    freezer: FrozenDateTimeFactory,
) -> None:
    """On its day and time: the homework not done yet, soonest first."""
    entry = quiet_integration
    add_homework(sandbox, pupil, "Poem by heart")
    await refresh(hass, entry)
    todo = entity(hass, entry, "todo", f"{student_of(entry, sandbox, pupil)}_homework")
    now = dt_util.now()
    soon = (now + timedelta(minutes=5)).replace(second=0, microsecond=0)
    weekday = soon.strftime("%a").lower()
    calls = await automate(
        "weekly_homework.yaml",
        {"homework_list": todo, "weekday": weekday, "at": soon.strftime("%H:%M:%S")},
    )
    # What the to-do list shows as still to do, due this week.
    items = await hass.services.async_call(
        "todo",
        "get_items",
        {"status": "needs_action"},
        target={"entity_id": todo},
        blocking=True,
        return_response=True,
    )
    week_end = soon.date() + timedelta(days=6)
    expected = [
        f"{datetime.fromisoformat(item['due']).strftime('%a %-d')}: {item['summary']}"
        for item in items[todo]["items"]
        if soon.date().isoformat() <= item["due"][:10] <= week_end.isoformat()
    ]
    assert expected
    assert not calls

    freezer.move_to(soon + timedelta(seconds=1))
    async_fire_time_changed(hass, soon + timedelta(seconds=1))
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert calls[0].data["title"].startswith("Homework this week for ")
    lines = calls[0].data["message"].strip().splitlines()
    assert sorted(lines) == sorted(expected)

    # The same time on another day of the week sends nothing.
    later = soon + timedelta(days=1, seconds=1)
    freezer.move_to(later)
    async_fire_time_changed(hass, later)
    await hass.async_block_till_done()
    assert len(calls) == 1
