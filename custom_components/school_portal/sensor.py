"""Sensors of School Portal: counts and the times of lessons."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time

from .api.models import Capability, Lesson, LessonStatus
from .coordinator import SchoolPortalConfigEntry, SchoolPortalCoordinator
from .entity import SchoolPortalEntity, add_described_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SchoolPortalSensorDescription(SensorEntityDescription):
    """Describes a pupil sensor."""

    capability: Capability
    value_fn: Callable[[SchoolPortalCoordinator, str], int | datetime | None]
    attributes_fn: Callable[[SchoolPortalCoordinator, str], dict[str, Any]] | None = (
        None
    )
    # When the value changes by the clock alone (a lesson starts, a day ends).
    boundary_fn: Callable[[SchoolPortalCoordinator, str], datetime | None] | None = None


def _held(lessons: list[Lesson]) -> list[Lesson]:
    return [lesson for lesson in lessons if lesson.status is not LessonStatus.CANCELLED]


def _first_lesson(
    coordinator: SchoolPortalCoordinator, student_id: str, days: int
) -> datetime | None:
    day = coordinator.now().date() + timedelta(days=days)
    lessons = _held(coordinator.lessons_on(student_id, day))
    return lessons[0].start if lessons else None


def _next_lesson(
    coordinator: SchoolPortalCoordinator, student_id: str
) -> Lesson | None:
    now = coordinator.now()
    upcoming = sorted(
        (
            lesson
            for lesson in _held(list(coordinator.data[student_id].lessons))
            if lesson.start > now
        ),
        key=lambda lesson: lesson.start,
    )
    return upcoming[0] if upcoming else None


def _next_lesson_start(
    coordinator: SchoolPortalCoordinator, student_id: str
) -> datetime | None:
    lesson = _next_lesson(coordinator, student_id)
    return lesson.start if lesson else None


def _next_midnight(coordinator: SchoolPortalCoordinator, student_id: str) -> datetime:
    """The school's next midnight: "today" and "tomorrow" move on then."""
    tomorrow = coordinator.now().date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=coordinator.tz)


def _homework_due_tomorrow(
    coordinator: SchoolPortalCoordinator, student_id: str
) -> int:
    tomorrow = coordinator.now().date() + timedelta(days=1)
    return sum(
        1
        for homework in coordinator.data[student_id].homework
        if homework.due_date == tomorrow
        and not coordinator.homework_done(student_id, homework)
    )


def _discipline_by_kind(
    coordinator: SchoolPortalCoordinator, student_id: str
) -> dict[str, Any]:
    return dict(
        Counter(event.kind.value for event in coordinator.data[student_id].discipline)
    )


SENSORS: tuple[SchoolPortalSensorDescription, ...] = (
    SchoolPortalSensorDescription(
        key="unread_messages",
        translation_key="unread_messages",
        capability=Capability.MESSAGES,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator, student_id: coordinator.data[
            student_id
        ].unread_messages,
    ),
    SchoolPortalSensorDescription(
        key="discipline_events",
        translation_key="discipline_events",
        capability=Capability.DISCIPLINE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator, student_id: len(
            coordinator.data[student_id].discipline
        ),
        attributes_fn=_discipline_by_kind,
    ),
    SchoolPortalSensorDescription(
        key="next_lesson",
        translation_key="next_lesson",
        capability=Capability.TIMETABLE,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_next_lesson_start,
        boundary_fn=_next_lesson_start,
        attributes_fn=lambda coordinator, student_id: {
            "subject": lesson.subject
            if (lesson := _next_lesson(coordinator, student_id))
            else None
        },
    ),
    SchoolPortalSensorDescription(
        key="first_lesson_today",
        translation_key="first_lesson_today",
        capability=Capability.TIMETABLE,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda coordinator, student_id: _first_lesson(
            coordinator, student_id, 0
        ),
        boundary_fn=_next_midnight,
    ),
    SchoolPortalSensorDescription(
        key="first_lesson_tomorrow",
        translation_key="first_lesson_tomorrow",
        capability=Capability.TIMETABLE,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda coordinator, student_id: _first_lesson(
            coordinator, student_id, 1
        ),
        boundary_fn=_next_midnight,
    ),
    SchoolPortalSensorDescription(
        key="homework_due_tomorrow",
        translation_key="homework_due_tomorrow",
        capability=Capability.HOMEWORK,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_homework_due_tomorrow,
        boundary_fn=_next_midnight,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of every pupil."""
    add_described_entities(entry, async_add_entities, SENSORS, SchoolPortalSensor)


class SchoolPortalSensor(SchoolPortalEntity, SensorEntity):
    """A number or a time about one pupil."""

    entity_description: SchoolPortalSensorDescription
    _unsub_boundary: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Start following the clock as well as the coordinator."""
        await super().async_added_to_hass()
        self.async_on_remove(self._cancel_boundary)
        self._schedule_boundary()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the new data, then wait for the next clock boundary."""
        super()._handle_coordinator_update()
        self._schedule_boundary()

    @callback
    def _schedule_boundary(self) -> None:
        """Rewrite the state when the clock alone changes the value.

        Without this, "next lesson" would show a lesson that already started
        until the next poll, up to an hour later at night.
        """
        self._cancel_boundary()
        boundary_fn = self.entity_description.boundary_fn
        if boundary_fn is None or not self.available:
            return
        if (when := boundary_fn(self.coordinator, self.student_id)) is not None:
            self._unsub_boundary = async_track_point_in_utc_time(
                self.hass, self._at_boundary, when
            )

    @callback
    def _at_boundary(self, _now: datetime) -> None:
        self._unsub_boundary = None
        self.async_write_ha_state()
        self._schedule_boundary()

    @callback
    def _cancel_boundary(self) -> None:
        if self._unsub_boundary is not None:
            self._unsub_boundary()
            self._unsub_boundary = None

    @property
    def native_value(self) -> int | datetime | None:
        """The sensor's value."""
        return self.entity_description.value_fn(self.coordinator, self.student_id)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """A few small details."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator, self.student_id)
