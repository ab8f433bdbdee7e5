"""To-do lists of School Portal: each pupil's homework."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.todo.const import TodoItemStatus, TodoListEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Homework
from .compat import TodoItem, TodoListEntity
from .const import DOMAIN
from .coordinator import SchoolPortalConfigEntry
from .entity import SchoolPortalEntity, add_pupil_entities

# Done marks are written one at a time (to the portal or the local store).
PARALLEL_UPDATES = 1

HOMEWORK = EntityDescription(key="homework", translation_key="homework")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a homework list per pupil."""
    if Capability.HOMEWORK not in entry.runtime_data.capabilities:
        return
    add_pupil_entities(
        entry,
        async_add_entities,
        lambda coordinator, student_id: [
            SchoolPortalHomeworkList(coordinator, student_id, HOMEWORK)
        ],
    )


class SchoolPortalHomeworkList(SchoolPortalEntity, TodoListEntity):
    """A pupil's homework; only the done mark can change."""

    @property
    def supported_features(self) -> TodoListEntityFeature:
        """What the edit dialog shows and sends back.

        The dialog shows the due date and the text only for lists that
        declare them, and then sends them back with every save: they are
        declared so, and accepted as long as they are unchanged.
        """
        features = (
            TodoListEntityFeature.UPDATE_TODO_ITEM
            | TodoListEntityFeature.SET_DUE_DATE_ON_ITEM
            | TodoListEntityFeature.SET_DESCRIPTION_ON_ITEM
        )
        # Portals give due days today; a due time is offered where one is given.
        if any(isinstance(h.due, datetime) for h in self.student_data.homework):
            features |= TodoListEntityFeature.SET_DUE_DATETIME_ON_ITEM
        return features

    def _item(self, homework: Homework) -> TodoItem:
        done = self.coordinator.homework_done(self.student_id, homework)
        return TodoItem(
            uid=homework.uid,
            summary=homework.subject,
            status=TodoItemStatus.COMPLETED if done else TodoItemStatus.NEEDS_ACTION,
            due=homework.due,
            description=homework.description or None,
        )

    @property
    def todo_items(self) -> list[TodoItem]:
        """The homework, soonest due first."""
        return [
            self._item(homework)
            for homework in sorted(
                self.student_data.homework,
                key=lambda homework: (homework.due_date, homework.subject),
            )
        ]

    async def async_update_todo_item(self, item: TodoItem) -> None:
        """Mark a homework done or not done; the school's fields stay as they are."""
        current = next(
            (
                self._item(homework)
                for homework in self.student_data.homework
                if homework.uid == item.uid
            ),
            None,
        )
        if current is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="homework_not_found"
            )
        if _school_fields(item) != _school_fields(current):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="homework_read_only"
            )
        if item.status != current.status:
            await self.coordinator.async_set_homework_done(
                self.student_id,
                current.uid or "",
                item.status == TodoItemStatus.COMPLETED,
            )


def _school_fields(item: TodoItem) -> tuple[object, ...]:
    """Summary, due and text as the dialog gives them back.

    Text may come back with other line ends or trailing space, or empty for
    none, and a due time to the minute only: none of that is a change.
    """
    due: object = item.due
    if isinstance(due, datetime):
        due = due.replace(second=0, microsecond=0).timestamp()
    text = (item.description or "").replace("\r\n", "\n").strip()
    return ((item.summary or "").strip(), due, text)
