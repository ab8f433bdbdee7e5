"""Binary sensors of School Portal: whether the portal's push is live."""

from __future__ import annotations

# HA 2026 moved the device classes to binary_sensor/const.py and imports them
# without re-exporting; 2025.4 has no const.py. Both serve this import.
from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined,unused-ignore]
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SchoolPortalConfigEntry, SchoolPortalCoordinator
from .entity import SchoolPortalEntity, add_pupil_entities

PARALLEL_UPDATES = 0

PUSH = BinarySensorEntityDescription(
    key="push",
    translation_key="push",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the push diagnostic of every pupil, where the portal can push."""
    if entry.runtime_data.push is None:
        return
    add_pupil_entities(
        entry,
        async_add_entities,
        lambda coordinator, student_id: [PushLiveSensor(coordinator, student_id, PUSH)],
    )


class PushLiveSensor(SchoolPortalEntity, BinarySensorEntity):
    """On while the portal calls back on changes; off while it is polled."""

    coordinator: SchoolPortalCoordinator

    @property
    def is_on(self) -> bool:
        """Whether push is live."""
        return self.coordinator.push is not None and self.coordinator.push.live
