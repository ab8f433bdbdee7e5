"""Actions of School Portal: a pupil's lessons and homework, refresh, read marks.

Registered once for the integration (not per entry): a call names its pupil
by a device or an entity, which leads to the entry and the pupil. What an
action may do is decided by the portal's capabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_AREA_ID,
    ATTR_DEVICE_ID,
    ATTR_ENTITY_ID,
    ATTR_FLOOR_ID,
    ATTR_LABEL_ID,
)
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from .api.errors import SchoolPortalError
from .api.models import Capability, Homework, Lesson
from .compat import vol
from .const import DOMAIN
from .coordinator import SchoolPortalConfigEntry, SchoolPortalCoordinator

SERVICE_GET_LESSONS = "get_lessons"
SERVICE_GET_HOMEWORK = "get_homework"
SERVICE_REFRESH = "refresh"
SERVICE_MARK_MESSAGES_READ = "mark_messages_read"

ATTR_START = "start"
ATTR_END = "end"
ATTR_UIDS = "uids"

# A range of days is read from the portal outside the polled window: two
# months (a month view and its edges) is what a card or an automation needs.
MAX_RANGE = timedelta(days=62)
# A refresh on demand reads everything the timer would: not more often than
# this, whatever an automation asks (the portals' own limits are per minute).
MIN_REFRESH_GAP = timedelta(minutes=2)

_IDS = vol.All(cv.ensure_list, [cv.string])
TARGET = {
    vol.Optional(ATTR_DEVICE_ID): _IDS,
    vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
    # The target picker offers areas, floors and labels that hold one of our
    # devices: a pupil's device is found through them.
    vol.Optional(ATTR_AREA_ID): _IDS,
    vol.Optional(ATTR_FLOOR_ID): _IDS,
    vol.Optional(ATTR_LABEL_ID): _IDS,
}
RANGE_SCHEMA = vol.Schema(
    {
        **TARGET,
        vol.Optional(ATTR_START): cv.date,
        vol.Optional(ATTR_END): cv.date,
    }
)
MARK_READ_SCHEMA = vol.Schema({**TARGET, vol.Optional(ATTR_UIDS): _IDS})


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


@dataclass(frozen=True, slots=True)
class Target:
    """What a device or an entity of ours stands for: an entry, maybe a pupil."""

    entry: SchoolPortalConfigEntry
    student_id: str | None  # None: the login's own device

    @property
    def coordinator(self) -> SchoolPortalCoordinator:
        """The entry's coordinator (the entry is loaded)."""
        return self.entry.runtime_data


def _device_target(hass: HomeAssistant, device_id: str, named: str) -> Target:
    """The loaded entry and the pupil of one of our devices."""
    registry = dr.async_get(hass)
    device = registry.async_get(device_id)
    if device is None:
        raise _invalid("bad_target", target=named)
    # By the entry's devices: DeviceEntry.config_entries is deprecated (a
    # device belongs to one entry since 2026.8), its replacement is not in 2025.4.
    entry: SchoolPortalConfigEntry | None = next(
        (
            entry
            for entry in hass.config_entries.async_entries(DOMAIN)
            if device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        ),
        None,
    )
    if entry is None:
        raise _invalid("bad_target", target=named)
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", target=named)
    coordinator = entry.runtime_data
    if coordinator.account_identifier in device.identifiers:
        return Target(entry, None)
    student_id = next(
        (
            student_id
            for student_id in coordinator.data
            if coordinator.device_identifier(student_id) in device.identifiers
        ),
        None,
    )
    if student_id is None:
        # A pupil the portal no longer shows (its device is kept a while).
        raise _invalid("pupil_not_shown", target=named)
    return Target(entry, student_id)


def _placed_devices(hass: HomeAssistant, call: ServiceCall) -> list[tuple[str, str]]:
    """Our devices in the call's areas, floors and labels, as (id, name).

    As Home Assistant resolves a target: a floor stands for its areas, a
    label for what carries it (areas, devices, entities). A device is in an
    area when it or one of its primary entities is; diagnostic and hidden
    entities do not place it. Only loaded entries' devices are looked at:
    an area is no promise that each of its devices can answer. Written here
    rather than with HA's helper, whose module and signature changed between
    2025.4 and 2026.11; the registry functions used are the same in both.
    """
    areas = set(call.data.get(ATTR_AREA_ID, []))
    labels = set(call.data.get(ATTR_LABEL_ID, []))
    area_registry = ar.async_get(hass)
    for floor_id in call.data.get(ATTR_FLOOR_ID, []):
        areas.update(
            area.id for area in ar.async_entries_for_floor(area_registry, floor_id)
        )
    for label_id in labels:
        areas.update(
            area.id for area in ar.async_entries_for_label(area_registry, label_id)
        )
    if not areas and not labels:
        return []
    devices, entities = dr.async_get(hass), er.async_get(hass)
    found: list[tuple[str, str]] = []
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
            primary = [
                entity
                for entity in er.async_entries_for_device(entities, device.id)
                if entity.entity_category is None and entity.hidden_by is None
            ]
            if (
                device.area_id in areas
                or labels & device.labels
                or any(
                    entity.area_id in areas or labels & entity.labels
                    for entity in primary
                )
            ):
                found.append((device.id, device.name_by_user or device.name or ""))
    return found


def _targets(hass: HomeAssistant, call: ServiceCall) -> list[Target]:
    """Every target of a call, each named once."""
    found: dict[tuple[str, str | None], Target] = {}
    named = [(device_id, device_id) for device_id in call.data.get(ATTR_DEVICE_ID, [])]
    entities = er.async_get(hass)
    for entity_id in call.data.get(ATTR_ENTITY_ID, []):
        entity = entities.async_get(entity_id)
        if entity is None or entity.platform != DOMAIN or entity.device_id is None:
            raise _invalid("bad_target", target=entity_id)
        named.append((entity.device_id, entity_id))
    named.extend(_placed_devices(hass, call))
    for device_id, name in named:
        target = _device_target(hass, device_id, name)
        found.setdefault((target.entry.entry_id, target.student_id), target)
    if not found:
        raise _invalid("no_target")
    return list(found.values())


def _pupil(hass: HomeAssistant, call: ServiceCall, needs: Capability) -> Target:
    """The one pupil a call reads, on a portal that offers what it reads."""
    targets = _targets(hass, call)
    pupils = [target for target in targets if target.student_id is not None]
    if pupils:
        # A login's own device beside a pupil (in the same area, say) is
        # not a second pupil.
        targets = pupils
    if len(targets) > 1:
        raise _invalid("one_pupil")
    target = targets[0]
    if target.student_id is None:
        raise _invalid("not_a_pupil")
    if needs not in target.coordinator.capabilities:
        raise _invalid(f"no_{needs.value}")
    return target


def _days(call: ServiceCall, target: Target, default_days: int) -> tuple[date, date]:
    """The call's first and last day (both inclusive), at the school."""
    start: date = call.data.get(ATTR_START) or target.coordinator.now().date()
    end: date = call.data.get(ATTR_END) or start + timedelta(days=default_days - 1)
    if end < start:
        raise _invalid("end_before_start")
    if end - start >= MAX_RANGE:
        raise _invalid("range_too_long", days=str(MAX_RANGE.days))
    return start, end


def _lesson(lesson: Lesson) -> dict[str, Any]:
    return {
        "uid": lesson.uid,
        "start": lesson.start.isoformat(),
        "end": lesson.end.isoformat(),
        "subject": lesson.subject,
        "status": lesson.status.value,
        "teachers": list(lesson.teachers),
        "rooms": list(lesson.rooms),
        "note": lesson.note,
        "original_teachers": list(lesson.original_teachers),
        "original_rooms": list(lesson.original_rooms),
    }


def _homework(homework: Homework, done: bool) -> dict[str, Any]:
    return {
        "uid": homework.uid,
        "subject": homework.subject,
        "due": homework.due.isoformat(),
        "given": homework.given.isoformat() if homework.given else None,
        "description": homework.description,
        "teacher": homework.teacher,
        "done": done,
    }


async def _get_lessons(call: ServiceCall) -> ServiceResponse:
    """The pupil's lessons of a range of days, as the timetable calendar has them."""
    target = _pupil(call.hass, call, Capability.TIMETABLE)
    start, end = _days(call, target, default_days=1)
    assert target.student_id is not None
    lessons = await target.coordinator.async_get_lessons(
        target.student_id, start, end + timedelta(days=1)
    )
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "lessons": [
            _lesson(lesson) for lesson in sorted(lessons, key=lambda item: item.start)
        ],
    }


async def _get_homework(call: ServiceCall) -> ServiceResponse:
    """The pupil's homework due in a range of days, as the last refresh read it."""
    target = _pupil(call.hass, call, Capability.HOMEWORK)
    start, end = _days(call, target, default_days=7)
    coordinator = target.coordinator
    student_id = target.student_id
    assert student_id is not None
    due = sorted(
        (
            homework
            for homework in coordinator.data[student_id].homework
            if start <= homework.due_date <= end
        ),
        key=lambda homework: (homework.due_date, homework.subject),
    )
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "homework": [
            _homework(homework, coordinator.homework_done(student_id, homework))
            for homework in due
        ],
    }


def _entries(call: ServiceCall) -> list[SchoolPortalCoordinator]:
    """The coordinators of the call's entries, each once."""
    coordinators: dict[str, SchoolPortalCoordinator] = {}
    for target in _targets(call.hass, call):
        coordinators.setdefault(target.entry.entry_id, target.coordinator)
    return list(coordinators.values())


async def _refresh(call: ServiceCall) -> None:
    """Poll the portal now, unless it answered a moment ago or asked to wait."""
    coordinators = _entries(call)
    now = dt_util.utcnow()
    for coordinator in coordinators:
        last = coordinator.last_update_success_time
        if last is not None and now - last < MIN_REFRESH_GAP:
            wait = MIN_REFRESH_GAP - (now - last)
            raise _invalid("refresh_too_soon", seconds=str(int(wait.total_seconds())))
        error = coordinator.last_exception
        if isinstance(error, HomeAssistantError) and (
            error.translation_key == "rate_limited"
        ):
            # The timer already waits as long as the portal asked.
            raise _invalid("refresh_rate_limited")
    for coordinator in coordinators:
        await coordinator.async_refresh()
        if not coordinator.last_update_success:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="refresh_failed"
            ) from coordinator.last_exception


async def _mark_messages_read(call: ServiceCall) -> None:
    """Mark the login's inbox messages read on the portal (some, or all)."""
    coordinators = _entries(call)
    if any(Capability.MESSAGES_READ not in c.capabilities for c in coordinators):
        raise _invalid("no_messages_read")
    uids = call.data.get(ATTR_UIDS)
    for coordinator in coordinators:
        try:
            await coordinator.client.mark_messages_read(uids)
        except SchoolPortalError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="messages_read_failed",
                translation_placeholders={"error": type(err).__name__},
            ) from err
        # The unread count comes with the next refresh: ask for it now.
        await coordinator.async_request_refresh()


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, whatever the entries)."""
    for name, handler in (
        (SERVICE_GET_LESSONS, _get_lessons),
        (SERVICE_GET_HOMEWORK, _get_homework),
    ):
        hass.services.async_register(
            DOMAIN,
            name,
            handler,
            schema=RANGE_SCHEMA,
            supports_response=SupportsResponse.ONLY,
        )
    hass.services.async_register(
        DOMAIN, SERVICE_REFRESH, _refresh, schema=vol.Schema(TARGET)
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_MARK_MESSAGES_READ,
        _mark_messages_read,
        schema=MARK_READ_SCHEMA,
    )
