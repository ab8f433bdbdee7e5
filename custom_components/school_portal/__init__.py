"""The School Portal integration: school portals in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import device_registry as dr

from .api.errors import SchoolPortalError
from .const import DOMAIN
from .coordinator import (
    HomeworkDoneStore,
    SchoolPortalConfigEntry,
    SchoolPortalCoordinator,
    SeenStore,
)

PLATFORMS: list[Platform] = [
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.TODO,
]


async def async_setup_entry(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry
) -> bool:
    """Set up one portal login."""
    try:
        coordinator = SchoolPortalCoordinator(hass, entry)
    except SchoolPortalError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="invalid_config"
        ) from err
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry
) -> bool:
    """Unload a portal login."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.client.close()
    return unloaded


async def async_remove_entry(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry
) -> None:
    """Delete what the entry kept on disk."""
    await SeenStore(hass, entry.entry_id).async_remove()
    await HomeworkDoneStore(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing the device of a pupil the entry no longer shows.

    An entry that is not loaded shows no pupil: its devices may go (they
    come back with their pupils once it loads).
    """
    if entry.state is not ConfigEntryState.LOADED:
        return True
    coordinator = entry.runtime_data
    return not any(
        coordinator.device_identifier(student_id) in device.identifiers
        for student_id in coordinator.data
    )
