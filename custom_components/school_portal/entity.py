"""Base entity of School Portal: one device per pupil."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Protocol

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import portal
from .api.models import Capability, StudentData
from .const import CONF_PORTAL
from .coordinator import SchoolPortalConfigEntry, SchoolPortalCoordinator


class SchoolPortalEntity(CoordinatorEntity[SchoolPortalCoordinator]):
    """An entity about one pupil."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: SchoolPortalCoordinator,
        student_id: str,
        description: EntityDescription,
    ) -> None:
        """Tie the entity to the pupil's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self.student_id = student_id
        student = coordinator.data[student_id].student
        # What is shown while the pupil is away from the portal: nothing.
        self._absent = StudentData(student=student)
        self._attr_unique_id = (
            f"{coordinator.config_entry.unique_id}_{student_id}_{description.key}"
        )
        self._attr_device_info = DeviceInfo(
            identifiers={coordinator.device_identifier(student_id)},
            entry_type=DeviceEntryType.SERVICE,
            name=student.name,
            manufacturer=portal(coordinator.config_entry.data[CONF_PORTAL]).maker,
            model=student.class_name,
        )

    @property
    def available(self) -> bool:
        """Available while the last refresh worked and still has the pupil."""
        return super().available and self.student_id in self.coordinator.data

    @property
    def student_data(self) -> StudentData:
        """Everything the last refresh knows about the pupil (nothing if away)."""
        return self.coordinator.data.get(self.student_id, self._absent)


def add_pupil_entities(
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[SchoolPortalCoordinator, str], Iterable[Entity]],
) -> None:
    """Add a platform's entities for every pupil, now and as pupils (re)appear."""
    coordinator = entry.runtime_data
    # Unique ids of the entities now in Home Assistant. A pupil away for a
    # while keeps its entities (unavailable) with its device; once the device
    # is gone (a week away, or deleted by the user) so are they, and they
    # come back with the pupil.
    alive: set[str] = set()

    @callback
    def add_new_pupils() -> None:
        if not coordinator.last_update_success:
            return
        missing = [
            entity
            for student_id in sorted(coordinator.data)
            for entity in build(coordinator, student_id)
            if entity.unique_id not in alive
        ]
        for entity in missing:
            unique_id = entity.unique_id or ""
            alive.add(unique_id)
            entity.async_on_remove(partial(alive.discard, unique_id))
        if missing:
            async_add_entities(missing)

    add_new_pupils()
    entry.async_on_unload(coordinator.async_add_listener(add_new_pupils))


class _NeedsCapability(Protocol):
    """An entity description that exists only where the portal offers something."""

    @property
    def capability(self) -> Capability:
        """What the portal must offer."""
        ...


def add_described_entities[D: _NeedsCapability](
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Sequence[D],
    build: Callable[[SchoolPortalCoordinator, str, D], Entity],
) -> None:
    """Add one entity per pupil and description the portal can fill."""
    capabilities = entry.runtime_data.capabilities
    offered = [d for d in descriptions if d.capability in capabilities]
    add_pupil_entities(
        entry,
        async_add_entities,
        lambda coordinator, student_id: [
            build(coordinator, student_id, description) for description in offered
        ],
    )
