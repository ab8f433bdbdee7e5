"""The School Portal integration: school portals in Home Assistant."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.typing import ConfigType

from .api.push import PushSource
from .config_flow import SchoolPortalConfigFlow, async_renewed_title, entry_unique_id
from .const import DOMAIN, LOGGER
from .coordinator import SchoolPortalConfigEntry, SchoolPortalCoordinator
from .frontend import async_register_card
from .push import PushLink
from .services import async_setup_services
from .stores import HomeworkDoneStore, SeenStore

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.TODO,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what every entry shares: the actions and the school-day card."""
    async_setup_services(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry
) -> bool:
    """Set up one portal login."""
    # Unusable settings surface in the coordinator's _async_setup (where the
    # client is built) as ConfigEntryError.
    coordinator = SchoolPortalCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    if coordinator.client.account and (
        title := await async_renewed_title(hass, entry, coordinator.client.account)
    ):
        hass.config_entries.async_update_entry(entry, title=title)
    if isinstance(coordinator.client, PushSource):
        coordinator.push = PushLink(coordinator, coordinator.client)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    if coordinator.push:
        # Last: nothing after it can fail the set-up and leave it subscribed.
        await coordinator.push.async_start()
    return True


async def async_migrate_entry(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry
) -> bool:
    """Bring an entry stored by an older version up to date."""
    if entry.version > SchoolPortalConfigFlow.VERSION:
        # Stored by a newer version: refuse rather than guess.
        return False
    if entry.version == 1:
        # Version 1 put the server's host into every unique id, so a server
        # change looked like another account.
        unique_id = entry.unique_id
        new_id = entry_unique_id(entry.data)
        if (
            unique_id
            and new_id
            and new_id != unique_id
            and not hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, new_id)
        ):
            await _async_rename_registry_ids(hass, entry.entry_id, unique_id, new_id)
            unique_id = new_id
        hass.config_entries.async_update_entry(
            entry,
            unique_id=unique_id,
            version=SchoolPortalConfigFlow.VERSION,
            minor_version=SchoolPortalConfigFlow.MINOR_VERSION,
        )
        LOGGER.debug("Migrated an entry to version %s", entry.version)
    return True


async def _async_rename_registry_ids(
    hass: HomeAssistant, entry_id: str, old_prefix: str, new_prefix: str
) -> None:
    """Move entities' unique ids and devices' identifiers to the entry's new id.

    Both start with the entry's unique id; renamed in place, every entity id,
    device id, name, area and customisation stays.
    """
    old, new = f"{old_prefix}_", f"{new_prefix}_"

    @callback
    def rename(entity: er.RegistryEntry) -> dict[str, Any] | None:
        if not entity.unique_id.startswith(old):
            return None
        return {"new_unique_id": new + entity.unique_id.removeprefix(old)}

    await er.async_migrate_entries(hass, entry_id, rename)
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry_id):
        identifiers = {
            (domain, new + value.removeprefix(old))
            if domain == DOMAIN and value.startswith(old)
            else (domain, value)
            for domain, value in device.identifiers
        }
        if identifiers != device.identifiers:
            devices.async_update_device(device.id, new_identifiers=identifiers)


async def async_unload_entry(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry
) -> bool:
    """Unload a portal login."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        coordinator = entry.runtime_data
        if coordinator.push:
            # While the client can still reach the portal.
            await coordinator.push.async_stop()
        await coordinator.client.close()
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
    if coordinator.account_identifier in device.identifiers:
        return False
    return not any(
        coordinator.device_identifier(student_id) in device.identifiers
        for student_id in coordinator.data
    )
