"""Event entities of School Portal: new homework, messages and changes."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import const
from .api.models import Capability
from .coordinator import SchoolPortalConfigEntry
from .entity import SchoolPortalEntity, add_described_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SchoolPortalEventDescription(EventEntityDescription):
    """Describes one kind of news about a pupil."""

    capability: Capability


def _news(
    key: str, capability: Capability, *event_types: str
) -> SchoolPortalEventDescription:
    return SchoolPortalEventDescription(
        key=key,
        translation_key=key,
        capability=capability,
        event_types=list(event_types),
    )


EVENTS: tuple[SchoolPortalEventDescription, ...] = (
    _news("homework", Capability.HOMEWORK, const.EVENT_NEW_HOMEWORK),
    _news("messages", Capability.MESSAGES, const.EVENT_NEW_MESSAGE),
    _news("discipline", Capability.DISCIPLINE, const.EVENT_NEW_DISCIPLINE),
    _news("grades", Capability.GRADES, const.EVENT_NEW_GRADE),
    _news(
        "timetable_changes",
        Capability.TIMETABLE,
        const.EVENT_LESSON_CANCELLED,
        const.EVENT_LESSON_CHANGED,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the event entities of every pupil, for what the portal offers."""
    add_described_entities(entry, async_add_entities, EVENTS, SchoolPortalEvent)


class SchoolPortalEvent(SchoolPortalEntity, EventEntity):
    """Fires when the coordinator finds an item it never saw before."""

    entity_description: SchoolPortalEventDescription

    async def async_added_to_hass(self) -> None:
        """Fire what the refresh before our creation found."""
        await super().async_added_to_hass()
        self._fire_new_items()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire new items, then write the state."""
        self._fire_new_items()
        super()._handle_coordinator_update()

    @callback
    def _fire_new_items(self) -> None:
        # The coordinator hands each item out once: no duplicate on re-runs.
        for item in self.coordinator.take_new_items(self.student_id, self.event_types):
            self._trigger_event(item.event_type, item.attributes)
            self.async_write_ha_state()
