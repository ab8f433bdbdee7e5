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

from custom_components.school_portal.api.errors import PortalUnavailable
from custom_components.school_portal.api.models import Capability
from custom_components.school_portal.api.webtop import WebtopClient
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .conftest import pupil_id, refresh

NOA = "p1002"


def todo_id(hass: HomeAssistant, entry: MockConfigEntry, sandbox: Sandbox) -> str:
    """Noa's homework list."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "todo", DOMAIN, f"{entry.unique_id}_{pupil_id(entry, sandbox, NOA)}_homework"
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


async def test_items(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """Homework is listed by due date, with description, all to do."""
    entity_id = todo_id(hass, init_integration, sandbox)
    items = await get_items(hass, entity_id)
    assert items
    assert [item["due"] for item in items] == sorted(item["due"] for item in items)
    assert all(item["status"] == "needs_action" for item in items)
    assert all(item["description"] for item in items)
    assert hass.states.get(entity_id).state == str(len(items))


async def test_done_round_trip_survives_reload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sandbox: Sandbox,
    hass_storage: dict[str, Any],
) -> None:
    """A done mark is kept locally (Webtop cannot store it) and survives a reload."""
    entry = init_integration
    entity_id = todo_id(hass, entry, sandbox)
    items = await get_items(hass, entity_id)
    uid = items[0]["uid"]
    await set_status(hass, entity_id, uid, "completed")
    assert hass.states.get(entity_id).state == str(len(items) - 1)
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.homework_done"]["data"]
    assert any(uid in marks for marks in stored.values())

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = todo_id(hass, entry, sandbox)
    done = {item["uid"]: item["status"] for item in await get_items(hass, entity_id)}
    assert done[uid] == "completed"
    assert hass.states.get(entity_id).state == str(len(items) - 1)

    await set_status(hass, entity_id, uid, "needs_action")
    done = {item["uid"]: item["status"] for item in await get_items(hass, entity_id)}
    assert done[uid] == "needs_action"
    assert hass.states.get(entity_id).state == str(len(items))


def set_homework_due_tomorrow(sandbox: Sandbox) -> None:
    """Homework for a subject Noa has tomorrow, set at its lesson this week."""
    dataset = sandbox.dataset
    tomorrow = dataset.today + timedelta(days=1)
    # This week only: a refresh re-reads past weeks only every few hours.
    held = [
        lesson
        for lesson in dataset.lessons(
            NOA, dataset.today - timedelta(days=2), tomorrow + timedelta(days=1)
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
    dataset.add_homework(NOA, subject=subject, description="Due tomorrow", given=given)


async def test_due_tomorrow_counts_only_open_homework(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """Ticking off homework due tomorrow lowers the sensor."""
    entry = init_integration
    entity_id = todo_id(hass, entry, sandbox)
    sensor_id = er.async_get(hass).async_get_entity_id(
        "sensor",
        DOMAIN,
        f"{entry.unique_id}_{pupil_id(entry, sandbox, NOA)}_homework_due_tomorrow",
    )
    set_homework_due_tomorrow(sandbox)
    await refresh(hass, entry)
    tomorrow = (dt_util.now().date() + timedelta(days=1)).isoformat()
    due_tomorrow = [
        item for item in await get_items(hass, entity_id) if item["due"] == tomorrow
    ]
    assert due_tomorrow
    assert hass.states.get(sensor_id).state == str(len(due_tomorrow))
    await set_status(hass, entity_id, due_tomorrow[0]["uid"], "completed")
    assert hass.states.get(sensor_id).state == str(len(due_tomorrow) - 1)


async def test_dialog_saves_unchanged_fields_and_ticks(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """The edit dialog shows due date and text, sends them back, and may tick."""
    entity_id = todo_id(hass, init_integration, sandbox)
    features = hass.states.get(entity_id).attributes["supported_features"]
    assert features & TodoListEntityFeature.UPDATE_TODO_ITEM
    assert features & TodoListEntityFeature.SET_DUE_DATE_ON_ITEM
    assert features & TodoListEntityFeature.SET_DESCRIPTION_ON_ITEM
    # Every portal gives due days: no time field in the dialog.
    assert not features & TodoListEntityFeature.SET_DUE_DATETIME_ON_ITEM
    item = (await get_items(hass, entity_id))[0]
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
async def test_only_status_changes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sandbox: Sandbox,
    change: dict[str, str],
) -> None:
    """Homework text and dates belong to the school: our own message says so."""
    entity_id = todo_id(hass, init_integration, sandbox)
    item = (await get_items(hass, entity_id))[0]
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


async def test_vanished_homework(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """An item that left the portal cannot be changed."""
    entity = hass.data["todo"].get_entity(todo_id(hass, init_integration, sandbox))
    with pytest.raises(ServiceValidationError) as err:
        await entity.async_update_todo_item(
            TodoItem(uid="gone", summary="x", status=TodoItemStatus.COMPLETED)
        )
    assert err.value.translation_key == "homework_not_found"


async def test_write_back_when_supported(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A portal that stores done marks gets them; its answer is shown."""
    mock_config_entry.add_to_hass(hass)
    with (
        patch.object(
            WebtopClient,
            "capabilities",
            WebtopClient.capabilities | {Capability.HOMEWORK_DONE},
        ),
        patch.object(WebtopClient, "set_homework_done", AsyncMock()) as write,
    ):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        entity_id = todo_id(hass, mock_config_entry, sandbox)
        uid = (await get_items(hass, entity_id))[0]["uid"]
        await set_status(hass, entity_id, uid, "completed")
        write.assert_awaited_once()
        assert write.await_args.args[1:] == (uid, True)
        # Nothing local: the portal's own state rules (still open here).
        assert (await get_items(hass, entity_id))[0]["status"] == "needs_action"

        write.side_effect = PortalUnavailable("down")
        with pytest.raises(HomeAssistantError) as err:
            await set_status(hass, entity_id, uid, "completed")
        assert err.value.translation_key == "homework_update_failed"
