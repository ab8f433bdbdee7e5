"""Actions: lessons and homework as response data, refresh, read marks."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.helpers import label_registry as lr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

import custom_components.school_portal as integration
from custom_components.school_portal import async_remove_config_entry_device
from custom_components.school_portal.api.errors import ConnectionFailed, NotSupported
from custom_components.school_portal.api.models import Capability
from custom_components.school_portal.const import DOMAIN
from custom_components.school_portal.services import MIN_REFRESH_GAP
from sandbox.app import Sandbox

from .conftest import (
    add_homework,
    lacking,
    offering,
    portals,
    refresh,
    student_id_of,
)

ACTIONS = ("get_lessons", "get_homework", "refresh", "mark_messages_read")
ROOT = Path(integration.__file__).parent
STRINGS = json.loads((ROOT / "strings.json").read_text(encoding="utf-8"))
EXCEPTIONS = STRINGS["exceptions"]


# The gap, counted from the end of the last refresh (the frozen clock ticks).
AFTER_GAP = MIN_REFRESH_GAP + timedelta(seconds=5)


def pupil_device(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: Sandbox, pupil: str
) -> str:
    """The device id of a sandbox pupil."""
    identifier = entry.runtime_data.device_identifier(
        student_id_of(entry, sandbox, pupil)
    )
    return next(
        device.id
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        if identifier in device.identifiers
    )


@pytest.fixture
def target(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> dict[str, Any]:
    """The login's first pupil, as an action's device target."""
    return {"device_id": pupil_device(hass, portal_integration, sandbox, pupil)}


def account_device(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    """The login's own device."""
    return next(
        device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        if entry.runtime_data.account_identifier in device.identifiers
    )


def entity_of(
    hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str
) -> str:
    """The entity id of one of the entry's entities by its unique id's tail."""
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.unique_id}_{key}"
    )
    assert entity_id
    return entity_id


async def call(
    hass: HomeAssistant,
    action: str,
    target: dict[str, Any],
    data: dict[str, Any] | None = None,
) -> Any:
    """Run one of our actions, with response data for those that give it."""
    return await hass.services.async_call(
        DOMAIN,
        action,
        dict(data or {}),  # HA merges the target into the dict it is given
        target=target,
        blocking=True,
        return_response=action.startswith("get_"),
    )


async def refused(
    hass: HomeAssistant,
    action: str,
    target: dict[str, Any],
    data: dict[str, Any] | None = None,
    kind: type[HomeAssistantError] = ServiceValidationError,
) -> str:
    """The translation key of the error an action raises; it must be translated."""
    with pytest.raises(kind) as raised:
        await call(hass, action, target, data)
    key = raised.value.translation_key
    assert raised.value.translation_domain == DOMAIN
    assert key in EXCEPTIONS
    return str(key)


def midnight(day: date) -> datetime:
    """The start of a day at the school (HA's time zone in tests)."""
    return datetime.combine(day, datetime.min.time(), dt_util.get_default_time_zone())


@pytest.mark.parametrize("login_kind", ["student"])
async def test_actions_are_described(
    hass: HomeAssistant, portal_integration: MockConfigEntry
) -> None:
    """Every action is registered once and described by services.yaml."""
    described = yaml.safe_load((ROOT / "services.yaml").read_text(encoding="utf-8"))
    assert set(described) == set(ACTIONS) == set(STRINGS["services"])
    for action, description in described.items():
        assert set(description.get("fields", {})) == set(
            STRINGS["services"][action].get("fields", {})
        )
        assert description["target"]["device"] == {"integration": DOMAIN}
    assert set(hass.services.async_services_for_domain(DOMAIN)) == set(ACTIONS)


@pytest.mark.parametrize("portal_info", portals(offering(Capability.TIMETABLE)))
async def test_get_lessons_is_the_calendar(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    target: dict[str, Any],
) -> None:
    """The same lessons as the timetable calendar, inside and past the window."""
    entry = portal_integration
    student_id = student_id_of(entry, sandbox, pupil)
    calendar = entity_of(hass, entry, "calendar", f"{student_id}_timetable")
    today = dt_util.now().date()
    start, end = today - timedelta(days=2), today + timedelta(days=20)

    events = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "start_date_time": midnight(start),
            "end_date_time": midnight(end + timedelta(days=1)),
        },
        target={"entity_id": calendar},
        blocking=True,
        return_response=True,
    )
    shown = [
        (dt_util.parse_datetime(event["start"]), event["summary"])
        for event in events[calendar]["events"]
    ]
    by_device = await call(
        hass,
        "get_lessons",
        {"device_id": pupil_device(hass, entry, sandbox, pupil)},
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    by_entity = await call(
        hass,
        "get_lessons",
        {"entity_id": calendar},
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    assert by_device == by_entity
    assert (by_device["start"], by_device["end"]) == (
        start.isoformat(),
        end.isoformat(),
    )
    lessons = by_device["lessons"]
    assert len({lesson["start"][:10] for lesson in lessons}) > 5
    assert len(lessons) == len(shown)
    for lesson, (start_at, summary) in zip(lessons, shown, strict=True):
        assert dt_util.parse_datetime(lesson["start"]) == start_at
        assert summary.endswith(lesson["subject"])
    assert {"cancelled", "normal"} <= {lesson["status"] for lesson in lessons}


@pytest.mark.parametrize("portal_info", portals(offering(Capability.TIMETABLE)))
@pytest.mark.parametrize("login_kind", ["student"])
async def test_get_lessons_defaults_to_today(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    target: dict[str, Any],
) -> None:
    """Without dates: today's lessons, in the school's time zone."""
    today = dt_util.now().date()
    response = await call(hass, "get_lessons", target)
    assert response["start"] == response["end"] == today.isoformat()
    days = {
        dt_util.as_local(dt_util.parse_datetime(lesson["start"])).date()
        for lesson in response["lessons"]
    }
    assert days == {today}


@pytest.mark.parametrize("portal_info", portals(offering(Capability.HOMEWORK)))
@pytest.mark.parametrize("login_kind", ["student"])
async def test_get_homework(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """Homework due in the range, with the to-do list's done mark."""
    entry = portal_integration
    add_homework(sandbox, pupil, "Exercises 1 to 9")
    await refresh(hass, entry)
    student_id = student_id_of(entry, sandbox, pupil)
    todo = entity_of(hass, entry, "todo", f"{student_id}_homework")
    today = dt_util.now().date()
    week = await call(hass, "get_homework", {"entity_id": todo})
    assert (week["start"], week["end"]) == (
        today.isoformat(),
        (today + timedelta(days=6)).isoformat(),
    )
    month = {"end": (today + timedelta(days=30)).isoformat()}
    response = await call(hass, "get_homework", {"entity_id": todo}, month)
    homework = response["homework"]
    assert {item["uid"] for item in week["homework"]} <= {
        item["uid"] for item in homework
    }
    assert all(today.isoformat() <= item["due"][:10] for item in homework)
    ours = next(item for item in homework if "Exercises 1 to 9" in item["description"])
    assert ours["done"] is False

    await hass.services.async_call(
        "todo",
        "update_item",
        {"item": ours["uid"], "status": "completed"},
        target={"entity_id": todo},
        blocking=True,
    )
    await hass.async_block_till_done()
    again = await call(hass, "get_homework", {"entity_id": todo}, month)
    assert next(i for i in again["homework"] if i["uid"] == ours["uid"])["done"]
    due = date.fromisoformat(ours["due"][:10])
    later = await call(
        hass,
        "get_homework",
        {"entity_id": todo},
        {"start": (due + timedelta(days=1)).isoformat()},
    )
    assert ours["uid"] not in {item["uid"] for item in later["homework"]}


@pytest.mark.parametrize("login_kind", ["parent"])
async def test_targets_that_are_refused(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    login: dict[str, Any],
) -> None:
    """Nothing, something not ours, the login itself, or two pupils at once."""
    entry = portal_integration
    first, second = (
        pupil_device(hass, entry, sandbox, row["dataset_id"]) for row in login["pupils"]
    )
    hass.states.async_set("sensor.elsewhere", "1")
    assert await refused(hass, "get_lessons", {}) == "no_target"
    assert await refused(hass, "get_lessons", {"device_id": "nope"}) == "bad_target"
    assert (
        await refused(hass, "get_lessons", {"entity_id": "sensor.elsewhere"})
        == "bad_target"
    )
    elsewhere = MockConfigEntry(domain="other")
    elsewhere.add_to_hass(hass)
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=elsewhere.entry_id,
        identifiers={("other", "x")},
    )
    assert await refused(hass, "get_lessons", {"device_id": other.id}) == "bad_target"
    account = account_device(hass, entry).id
    assert await refused(hass, "get_homework", {"device_id": account}) == "not_a_pupil"
    assert (
        await refused(hass, "get_lessons", {"device_id": [first, second]})
        == "one_pupil"
    )


@pytest.mark.parametrize("portal_info", portals(offering(Capability.TIMETABLE)))
@pytest.mark.parametrize("login_kind", ["parent"])
async def test_areas_floors_and_labels_lead_to_a_pupil(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    login: dict[str, Any],
) -> None:
    """The target picker's areas, floors and labels find the pupil's device.

    The first child's room also holds the login's own device (not a second
    pupil); the floor holds both children's rooms (two pupils); the label is
    on the second child's device. An area where only a hidden entity of ours
    was put finds nothing; once its calendar is put there, it finds the pupil.
    """
    entry = portal_integration
    first, second = (
        pupil_device(hass, entry, sandbox, row["dataset_id"]) for row in login["pupils"]
    )
    week = {
        "start": dt_util.now().date().isoformat(),
        "end": (dt_util.now().date() + timedelta(days=6)).isoformat(),
    }
    of_first = await call(hass, "get_lessons", {"device_id": first}, week)
    of_second = await call(hass, "get_lessons", {"device_id": second}, week)
    assert of_first["lessons"]
    assert of_second["lessons"]
    assert of_first != of_second

    areas, devices, entities = (
        ar.async_get(hass),
        dr.async_get(hass),
        er.async_get(hass),
    )
    upstairs = fr.async_get(hass).async_create("Upstairs")
    room = areas.async_create("First room", floor_id=upstairs.floor_id)
    other_room = areas.async_create("Second room", floor_id=upstairs.floor_id)
    empty = areas.async_create("Kitchen")
    devices.async_update_device(first, area_id=room.id)
    devices.async_update_device(account_device(hass, entry).id, area_id=room.id)
    devices.async_update_device(second, area_id=other_room.id)
    school = lr.async_get(hass).async_create("School")
    devices.async_update_device(second, labels={school.label_id})

    assert await call(hass, "get_lessons", {"area_id": room.id}, week) == of_first
    assert await call(hass, "get_lessons", {"label_id": school.label_id}, week) == (
        of_second
    )
    assert (
        await refused(hass, "get_lessons", {"floor_id": upstairs.floor_id})
        == "one_pupil"
    )
    assert await refused(hass, "get_lessons", {"area_id": empty.id}) == "no_target"

    devices.async_update_device(first, area_id=None)
    student_id = student_id_of(entry, sandbox, login["pupils"][0]["dataset_id"])
    calendar = entity_of(hass, entry, "calendar", f"{student_id}_timetable")
    hidden = next(
        entity.entity_id
        for entity in er.async_entries_for_device(entities, first)
        if entity.entity_id != calendar
    )
    entities.async_update_entity(
        hidden, area_id=empty.id, hidden_by=er.RegistryEntryHider.USER
    )
    assert await refused(hass, "get_lessons", {"area_id": empty.id}) == "no_target"
    entities.async_update_entity(calendar, area_id=empty.id)
    assert await call(hass, "get_lessons", {"area_id": empty.id}, week) == of_first


@pytest.mark.parametrize("portal_info", portals(offering(Capability.HOMEWORK)))
@pytest.mark.parametrize("login_kind", ["student"])
async def test_ranges_that_are_refused(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    target: dict[str, Any],
) -> None:
    """A range ending before it starts, or longer than two months."""
    today = dt_util.now().date()
    backwards = {"start": today.isoformat(), "end": (today - timedelta(days=1))}
    assert await refused(hass, "get_lessons", target, backwards) == "end_before_start"
    too_long = {"end": (today + timedelta(days=62)).isoformat()}
    assert await refused(hass, "get_homework", target, too_long) == "range_too_long"
    longest = {"end": (today + timedelta(days=61)).isoformat()}
    assert (await call(hass, "get_homework", target, longest))["end"] == longest["end"]


@pytest.mark.parametrize("login_kind", ["student"])
async def test_pupil_gone_or_entry_unloaded(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    target: dict[str, Any],
) -> None:
    """A pupil the portal stopped showing, then an entry that is not loaded."""
    entry = portal_integration
    coordinator = entry.runtime_data
    coordinator.async_set_updated_data(
        type(coordinator.data)([], coordinator.data.account)
    )
    assert await refused(hass, "get_lessons", target) == "pupil_not_shown"
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await refused(hass, "get_lessons", target) == "entry_not_loaded"
    assert await refused(hass, "refresh", target) == "entry_not_loaded"


@pytest.mark.parametrize("login_kind", ["student"])
async def test_portal_without_the_data(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    target: dict[str, Any],
) -> None:
    """What a portal does not offer is refused by its capability."""
    client = portal_integration.runtime_data.client
    client.capabilities = frozenset()  # type: ignore[misc]
    assert await refused(hass, "get_lessons", target) == "no_timetable"
    assert await refused(hass, "get_homework", target) == "no_homework"


@pytest.mark.parametrize("portal_info", portals(offering(Capability.TIMETABLE)))
@pytest.mark.parametrize("login_kind", ["student"])
async def test_portal_refuses_a_far_range(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    target: dict[str, Any],
) -> None:
    """A portal failing a read past the window is a translated error."""
    start = dt_util.now().date() + timedelta(days=30)
    sandbox.faults.set(portal_integration.data["portal"], "maintenance")
    key = await refused(
        hass, "get_lessons", target, {"start": start.isoformat()}, HomeAssistantError
    )
    assert key == "lessons_failed"


@pytest.mark.parametrize("login_kind", ["student"])
async def test_refresh_within_the_portals_limits(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    target: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Not right after an update; a failure says so; a "slow down" is obeyed."""
    entry = portal_integration
    coordinator = entry.runtime_data
    first = coordinator.last_update_success_time
    assert first is not None
    assert await refused(hass, "refresh", target) == "refresh_too_soon"

    freezer.tick(AFTER_GAP)
    await call(hass, "refresh", target)
    second = coordinator.last_update_success_time
    assert second is not None
    assert second >= first + MIN_REFRESH_GAP

    freezer.tick(AFTER_GAP)
    sandbox.faults.set(entry.data["portal"], "maintenance")
    key = await refused(hass, "refresh", target, kind=HomeAssistantError)
    assert key == "refresh_failed"
    assert coordinator.last_update_success_time == second

    sandbox.faults.clear()
    sandbox.faults.set(entry.data["portal"], "rate_limit")
    freezer.tick(AFTER_GAP)
    await refused(hass, "refresh", target, kind=HomeAssistantError)
    freezer.tick(AFTER_GAP)
    assert await refused(hass, "refresh", target) == "refresh_rate_limited"


@pytest.mark.parametrize("portal_info", portals(offering(Capability.MESSAGES_READ)))
@pytest.mark.parametrize("login_kind", ["parent"])
async def test_mark_messages_read(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    target: dict[str, Any],
) -> None:
    """One message by its uid, then every other one; the unread count follows."""
    entry = portal_integration
    coordinator = entry.runtime_data
    unread = [m for m in coordinator.data.account.messages if not m.read]
    assert len(unread) > 1
    before = coordinator.data.account.unread_messages
    # Any pupil's device (or entity) stands for the login's one inbox.
    await call(hass, "mark_messages_read", target, {"uids": [unread[0].uid]})
    await hass.async_block_till_done()
    assert coordinator.data.account.unread_messages < before
    assert unread[0].uid in {m.uid for m in coordinator.data.account.messages if m.read}

    await call(
        hass, "mark_messages_read", {"device_id": account_device(hass, entry).id}
    )
    # The refresh that follows is the coordinator's, after its usual cooldown.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert coordinator.data.account.unread_messages == 0

    sandbox.faults.set(entry.data["portal"], "maintenance")
    key = await refused(hass, "mark_messages_read", target, kind=HomeAssistantError)
    assert key == "messages_read_failed"


@pytest.mark.parametrize("portal_info", portals(lacking(Capability.MESSAGES_READ)))
@pytest.mark.parametrize("login_kind", ["parent"])
async def test_mark_messages_read_unsupported(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    target: dict[str, Any],
) -> None:
    """A portal that cannot write read marks says so; nothing is sent."""
    requests = sandbox.log.count()
    assert await refused(hass, "mark_messages_read", target) == "no_messages_read"
    assert sandbox.log.count() == requests
    # The client refuses too, should anything ask it.
    with pytest.raises(NotSupported):
        await portal_integration.runtime_data.client.mark_messages_read()


async def test_last_update_sensor(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One diagnostic timestamp per entry, on the login's device; kept on failure."""
    entry = portal_integration
    coordinator = entry.runtime_data
    entity_id = entity_of(hass, entry, "sensor", "last_update")
    item = er.async_get(hass).async_get(entity_id)
    assert item is not None
    assert item.entity_category is EntityCategory.DIAGNOSTIC
    device = account_device(hass, entry)
    assert item.device_id == device.id
    assert device.identifiers == {coordinator.account_identifier}
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["device_class"] == "timestamp"
    first = coordinator.last_update_success_time
    assert first is not None
    assert dt_util.parse_datetime(state.state) == first.replace(microsecond=0)

    freezer.tick(timedelta(minutes=5))
    read = coordinator.client.refresh

    async def fail(*_: Any) -> None:
        raise ConnectionFailed

    coordinator.client.refresh = fail  # type: ignore[method-assign]
    await refresh(hass, entry)
    assert not coordinator.last_update_success
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
    assert dt_util.parse_datetime(state.state) == first.replace(microsecond=0)

    coordinator.client.refresh = read  # type: ignore[method-assign]
    await refresh(hass, entry)
    state = hass.states.get(entity_id)
    assert state is not None
    last = coordinator.last_update_success_time
    assert last is not None
    assert last > first + timedelta(minutes=4)
    assert dt_util.parse_datetime(state.state) == last.replace(microsecond=0)
    # The login's device is kept: not removable, not tended away with pupils.
    assert not await async_remove_config_entry_device(hass, entry, device)
    assert account_device(hass, entry).id == device.id
