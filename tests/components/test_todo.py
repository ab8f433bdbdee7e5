"""To-do: homework, done marks kept across restarts, read-only fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.components.todo import TodoItem
from homeassistant.components.todo.const import TodoItemStatus, TodoListEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.api import PortalInfo
from custom_components.school_portal.api.errors import PortalUnavailable
from custom_components.school_portal.api.models import Capability
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .conftest import lacking, offering, portals, refresh, student_id_of

# Portals with homework (SS12000 has none: no list to test).
WITH_HOMEWORK = portals(offering(Capability.HOMEWORK))
# ... of which those that keep done marks themselves.
KEEPING_DONE_MARKS = portals(
    lambda info: offering(Capability.HOMEWORK)(info)
    and lacking(Capability.HOMEWORK_DONE)(info)
)


def todo_id(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: Sandbox, pupil: str
) -> str:
    """The pupil's homework list."""
    student_id = student_id_of(entry, sandbox, pupil)
    entity_id = er.async_get(hass).async_get_entity_id(
        "todo", DOMAIN, f"{entry.unique_id}_{student_id}_homework"
    )
    assert entity_id
    return entity_id


async def get_items(hass: HomeAssistant, entity_id: str) -> list[dict[str, Any]]:
    """The list's items through the todo.get_items action."""
    response = await hass.services.async_call(
        "todo",
        "get_items",
        {},
        target={"entity_id": entity_id},
        blocking=True,
        return_response=True,
    )
    return response[entity_id]["items"]


async def set_status(
    hass: HomeAssistant, entity_id: str, uid: str, status: str
) -> None:
    """Tick or untick one item."""
    await hass.services.async_call(
        "todo",
        "update_item",
        {"item": uid, "status": status},
        target={"entity_id": entity_id},
        blocking=True,
    )
    await hass.async_block_till_done()


async def open_items(hass: HomeAssistant, entity_id: str) -> list[dict[str, Any]]:
    """The items still to do (a portal may report older ones done)."""
    return [
        item
        for item in await get_items(hass, entity_id)
        if item["status"] == "needs_action"
    ]


@pytest.mark.parametrize("portal_info", WITH_HOMEWORK)
async def test_items(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """Homework is listed by due date, with description, to do unless the portal says done."""
    entry = portal_integration
    entity_id = todo_id(hass, entry, sandbox, pupil)
    items = await get_items(hass, entity_id)
    assert items
    assert [item["due"] for item in items] == sorted(item["due"] for item in items)
    # A portal without done marks (done is None) shows everything to do.
    reported = {
        homework.uid: homework.done
        for homework in entry.runtime_data.data[
            student_id_of(entry, sandbox, pupil)
        ].homework
    }
    assert {item["uid"]: item["status"] for item in items} == {
        item["uid"]: "completed" if reported[item["uid"]] else "needs_action"
        for item in items
    }
    assert all(item["description"] for item in items)
    assert hass.states.get(entity_id).state == str(
        len(await open_items(hass, entity_id))
    )


@pytest.mark.parametrize("portal_info", KEEPING_DONE_MARKS)
async def test_done_round_trip_survives_reload(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    hass_storage: dict[str, Any],
) -> None:
    """A done mark is kept locally (the portal cannot store it) and survives a reload."""
    entry = portal_integration
    entity_id = todo_id(hass, entry, sandbox, pupil)
    items = await open_items(hass, entity_id)
    uid = items[0]["uid"]
    await set_status(hass, entity_id, uid, "completed")
    assert hass.states.get(entity_id).state == str(len(items) - 1)
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.homework_done"]["data"]
    assert any(uid in marks for marks in stored.values())

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = todo_id(hass, entry, sandbox, pupil)
    done = {item["uid"]: item["status"] for item in await get_items(hass, entity_id)}
    assert done[uid] == "completed"
    assert hass.states.get(entity_id).state == str(len(items) - 1)

    await set_status(hass, entity_id, uid, "needs_action")
    done = {item["uid"]: item["status"] for item in await get_items(hass, entity_id)}
    assert done[uid] == "needs_action"
    assert hass.states.get(entity_id).state == str(len(items))


@pytest.mark.parametrize("portal_info", portals(offering(Capability.HOMEWORK_DONE)))
async def test_homework_done_is_written_back(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """Ticking homework off writes it to the portal; the next refresh shows it."""
    entry = portal_integration
    student_id = student_id_of(entry, sandbox, pupil)
    todo = todo_id(hass, entry, sandbox, pupil)
    response = await hass.services.async_call(
        "todo",
        "get_items",
        {"status": [TodoItemStatus.NEEDS_ACTION]},
        target={"entity_id": todo},
        blocking=True,
        return_response=True,
    )
    item = response[todo]["items"][0]
    await set_status(hass, todo, item["uid"], TodoItemStatus.COMPLETED)
    student_data = entry.runtime_data.data[student_id]
    done = {homework.uid: homework.done for homework in student_data.homework}
    assert done[item["uid"]] is True
    # It is the portal that says so: a new login reads it back.
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    student_data = entry.runtime_data.data[student_id]
    assert {h.uid: h.done for h in student_data.homework}[item["uid"]] is True


def set_homework_due_tomorrow(sandbox: Sandbox, pupil: str) -> None:
    """Homework for a subject the pupil has tomorrow, set at its lesson this week."""
    dataset = sandbox.dataset
    tomorrow = dataset.today + timedelta(days=1)
    # This week only: a refresh re-reads past weeks only every few hours.
    held = [
        lesson
        for lesson in dataset.lessons(
            pupil, dataset.today - timedelta(days=2), tomorrow + timedelta(days=1)
        )
        if not lesson.cancelled
    ]
    given, subject = next(
        (earlier.day, earlier.subject)
        for lesson in held
        if lesson.day == tomorrow
        for earlier in reversed(held)
        if earlier.subject == lesson.subject and earlier.day < tomorrow
    )
    dataset.add_homework(
        pupil, subject=subject, description="Due tomorrow", given=given
    )


@pytest.mark.parametrize("portal_info", WITH_HOMEWORK)
async def test_due_tomorrow_counts_only_open_homework(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """Ticking off homework due tomorrow lowers the sensor."""
    entry = portal_integration
    entity_id = todo_id(hass, entry, sandbox, pupil)
    sensor_id = er.async_get(hass).async_get_entity_id(
        "sensor",
        DOMAIN,
        f"{entry.unique_id}_{student_id_of(entry, sandbox, pupil)}_homework_due_tomorrow",
    )
    set_homework_due_tomorrow(sandbox, pupil)
    await refresh(hass, entry)
    tomorrow = (dt_util.now().date() + timedelta(days=1)).isoformat()
    due_tomorrow = [
        item for item in await get_items(hass, entity_id) if item["due"] == tomorrow
    ]
    assert due_tomorrow
    assert hass.states.get(sensor_id).state == str(len(due_tomorrow))
    await set_status(hass, entity_id, due_tomorrow[0]["uid"], "completed")
    assert hass.states.get(sensor_id).state == str(len(due_tomorrow) - 1)


@pytest.mark.parametrize("portal_info", WITH_HOMEWORK)
async def test_dialog_saves_unchanged_fields_and_ticks(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """The edit dialog shows due date and text, sends them back, and may tick."""
    entity_id = todo_id(hass, portal_integration, sandbox, pupil)
    features = hass.states.get(entity_id).attributes["supported_features"]
    assert features & TodoListEntityFeature.UPDATE_TODO_ITEM
    assert features & TodoListEntityFeature.SET_DUE_DATE_ON_ITEM
    assert features & TodoListEntityFeature.SET_DESCRIPTION_ON_ITEM
    # Every portal gives due days: no time field in the dialog.
    assert not features & TodoListEntityFeature.SET_DUE_DATETIME_ON_ITEM
    item = (await open_items(hass, entity_id))[0]
    assert item["description"]
    # What the dialog sends on save: every field it shows, as it got them.
    await hass.services.async_call(
        "todo",
        "update_item",
        {
            "item": item["uid"],
            "rename": item["summary"],
            "status": "completed",
            "due_date": item["due"],
            "description": item["description"] + "\n",
        },
        target={"entity_id": entity_id},
        blocking=True,
    )
    done = {i["uid"]: i["status"] for i in await get_items(hass, entity_id)}
    assert done[item["uid"]] == "completed"


@pytest.mark.parametrize(
    "change",
    [
        {"rename": "Something else"},
        {"description": "x"},
        {"description": None},
        {"due_date": "2030-01-01"},
    ],
)
@pytest.mark.parametrize("portal_info", WITH_HOMEWORK)
async def test_only_status_changes(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
    change: dict[str, str],
) -> None:
    """Homework text and dates belong to the school: our own message says so."""
    entity_id = todo_id(hass, portal_integration, sandbox, pupil)
    item = (await open_items(hass, entity_id))[0]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "todo",
            "update_item",
            {"item": item["uid"], "status": "completed", **change},
            target={"entity_id": entity_id},
            blocking=True,
        )
    # Refused by the integration, not by Home Assistant for a missing feature.
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "homework_read_only"
    status = {i["uid"]: i["status"] for i in await get_items(hass, entity_id)}
    assert status[item["uid"]] == "needs_action"


@pytest.mark.parametrize("portal_info", WITH_HOMEWORK)
async def test_vanished_homework(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """An item that left the portal cannot be changed."""
    entity = hass.data["todo"].get_entity(
        todo_id(hass, portal_integration, sandbox, pupil)
    )
    with pytest.raises(ServiceValidationError) as err:
        await entity.async_update_todo_item(
            TodoItem(uid="gone", summary="x", status=TodoItemStatus.COMPLETED)
        )
    assert err.value.translation_key == "homework_not_found"


@pytest.mark.parametrize("portal_info", KEEPING_DONE_MARKS)
async def test_write_back_when_supported(
    hass: HomeAssistant,
    portal_entry: MockConfigEntry,
    portal_info: PortalInfo,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """A portal that stores done marks gets them; its answer is shown."""
    portal_entry.add_to_hass(hass)
    client = portal_info.client
    with (
        patch.object(
            client, "capabilities", client.capabilities | {Capability.HOMEWORK_DONE}
        ),
        patch.object(client, "set_homework_done", AsyncMock()) as write,
    ):
        await hass.config_entries.async_setup(portal_entry.entry_id)
        await hass.async_block_till_done()
        entity_id = todo_id(hass, portal_entry, sandbox, pupil)
        uid = (await open_items(hass, entity_id))[0]["uid"]
        await set_status(hass, entity_id, uid, "completed")
        write.assert_awaited_once()
        assert write.await_args.args[1:] == (uid, True)
        # Nothing local: the portal's own state rules (still open here).
        status = {i["uid"]: i["status"] for i in await get_items(hass, entity_id)}
        assert status[uid] == "needs_action"

        write.side_effect = PortalUnavailable("down")
        with pytest.raises(HomeAssistantError) as err:
            await set_status(hass, entity_id, uid, "completed")
        assert err.value.translation_key == "homework_update_failed"
