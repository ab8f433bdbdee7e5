"""Base entity of School Portal: one device per pupil."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.models import Capability, StudentData
from .const import PORTAL_MAKERS
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
        self._attr_unique_id = (
            f"{coordinator.config_entry.unique_id}_{student_id}_{description.key}"
        )
        portal = coordinator.config_entry.data["portal"]
        self._attr_device_info = DeviceInfo(
            identifiers={coordinator.device_identifier(student_id)},
            entry_type=DeviceEntryType.SERVICE,
            name=student.name,
            manufacturer=PORTAL_MAKERS.get(portal, portal),
            model=student.class_name,
        )

    @property
    def available(self) -> bool:
        """Available while the last refresh worked and still has the pupil."""
        return super().available and self.student_id in self.coordinator.data

    @property
    def student_data(self) -> StudentData:
        """Everything the last refresh knows about the pupil."""
        return self.coordinator.data[self.student_id]


def add_pupil_entities(
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[SchoolPortalCoordinator, str], Iterable[Entity]],
) -> None:
    """Add a platform's entities for every pupil, now and when new ones appear."""
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def add_new_pupils() -> None:
        if not coordinator.last_update_success:
            return
        current = set(coordinator.data)
        # Forget pupils that left, so that their entities return with them.
        known.intersection_update(current)
        if new := current - known:
            known.update(new)
            async_add_entities(
                entity
                for student_id in sorted(new)
                for entity in build(coordinator, student_id)
            )

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
