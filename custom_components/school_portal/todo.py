"""To-do lists of School Portal: each pupil's homework."""

from __future__ import annotations

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

    # Only the done mark can change. Due date and description are still shown
    # (the frontend shows them from the items); without their features the
    # edit dialog no longer offers fields that would then be refused.
    _attr_supported_features = TodoListEntityFeature.UPDATE_TODO_ITEM

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
        """Mark a homework done or not done."""
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
        if (item.summary, item.due, item.description) != (
            current.summary,
            current.due,
            current.description,
        ):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="homework_read_only"
            )
        if item.status != current.status:
            await self.coordinator.async_set_homework_done(
                self.student_id,
                current.uid or "",
                item.status == TodoItemStatus.COMPLETED,
            )
