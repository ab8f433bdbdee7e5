"""Sensors of School Portal: counts, the times of lessons, the school's notices."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sized
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import portal
from .api.models import (
    AccountData,
    Average,
    Capability,
    Grade,
    Homework,
    Lesson,
    LessonStatus,
    Meal,
    Notification,
    StudentData,
)
from .const import CONF_PORTAL
from .coordinator import SchoolPortalConfigEntry, SchoolPortalCoordinator
from .entity import SchoolPortalEntity, add_described_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, slots=True)
class Pupil:
    """What a sensor's value is made of: one pupil's data, at the school's time."""

    data: StudentData
    # The login's own data (a parent's inbox), the same for each pupil.
    account: AccountData
    now: datetime
    # Whether a homework is done (the portal's mark, or the local one).
    done: Callable[[Homework], bool]

    def day(self, days: int = 0) -> date:
        """A school day counted from today."""
        return self.now.date() + timedelta(days=days)

    def held_lessons(self) -> list[Lesson]:
        """The lessons that take place, in order."""
        return sorted(
            (
                lesson
                for lesson in self.data.lessons
                if lesson.status is not LessonStatus.CANCELLED
            ),
            key=lambda lesson: lesson.start,
        )

    def next_midnight(self) -> datetime:
        """The school's next midnight: "today" and "tomorrow" move on then."""
        return datetime.combine(self.day(1), time(0), tzinfo=self.now.tzinfo)


type Value = int | float | str | datetime | None


@dataclass(frozen=True, kw_only=True)
class SchoolPortalSensorDescription(SensorEntityDescription):
    """Describes a pupil sensor."""

    capability: Capability
    value_fn: Callable[[Pupil], Value]
    attributes_fn: Callable[[Pupil], dict[str, Any]] | None = None
    # When the value changes by the clock alone (a lesson starts, a day ends).
    boundary_fn: Callable[[Pupil], datetime | None] | None = None


def _first_lesson(pupil: Pupil, days: int) -> datetime | None:
    day = pupil.day(days)
    tz = pupil.now.tzinfo
    return next(
        (
            lesson.start
            for lesson in pupil.held_lessons()
            if lesson.start.astimezone(tz).date() == day
        ),
        None,
    )


def _next_lesson(pupil: Pupil) -> Lesson | None:
    return next(
        (lesson for lesson in pupil.held_lessons() if lesson.start > pupil.now), None
    )


def _next_lesson_start(pupil: Pupil) -> datetime | None:
    lesson = _next_lesson(pupil)
    return lesson.start if lesson else None


def _homework_due_tomorrow(pupil: Pupil) -> int:
    tomorrow = pupil.day(1)
    return sum(
        1
        for homework in pupil.data.homework
        if homework.due_date == tomorrow and not pupil.done(homework)
    )


def _discipline_by_kind(pupil: Pupil) -> dict[str, Any]:
    return dict(Counter(event.kind.value for event in pupil.data.discipline))


def _latest_grade(pupil: Pupil) -> Grade | None:
    grades = pupil.data.grades
    return max(grades, key=lambda grade: grade.when) if grades else None


def _grade_attributes(pupil: Pupil) -> dict[str, Any]:
    if (grade := _latest_grade(pupil)) is None:
        return {}
    return {
        "subject": grade.subject,
        "out_of": grade.out_of,
        "date": grade.when.isoformat(),
        "period": grade.period,
        "class_average": grade.class_average,
        "description": grade.description or None,
    }


def _number(value: str | None) -> float | None:
    """A portal's mark as a number ("14,5" in France), None for "Abs" and the like."""
    if value is None:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


def _overall_average(pupil: Pupil) -> Average | None:
    return next(
        (average for average in pupil.data.averages if average.subject is None), None
    )


def _average_attributes(pupil: Pupil) -> dict[str, Any]:
    overall = _overall_average(pupil)
    return {
        "period": overall.period if overall else None,
        "out_of": overall.out_of if overall else None,
        "class_average": _number(overall.class_average) if overall else None,
        "subjects": {
            average.subject: _number(average.value)
            for average in pupil.data.averages
            if average.subject is not None
        },
    }


def _lunch_today(pupil: Pupil) -> list[str]:
    today = pupil.day()
    return next(
        (
            list(menu.dishes)
            for menu in pupil.data.menus
            if menu.day == today and menu.meal is Meal.LUNCH
        ),
        [],
    )


def _short(text: str) -> str | None:
    """At most the 255 characters a state (or a readable attribute) holds."""
    return (text[:254] + "…" if len(text) > 255 else text) or None


def _lunch_summary(pupil: Pupil) -> str | None:
    # The dishes one by one are in the attributes.
    return _short(", ".join(_lunch_today(pupil)))


def _latest_notification(pupil: Pupil) -> Notification | None:
    # Stable: of notices on the same day, the portal lists the newest last.
    notices = sorted(pupil.account.notifications, key=lambda notice: notice.when)
    return notices[-1] if notices else None


def _notification_attributes(pupil: Pupil) -> dict[str, Any]:
    latest = _latest_notification(pupil)
    return {
        "latest": _short(latest.text) if latest else None,
        "latest_at": latest.when.isoformat() if latest else None,
    }


def _sensor(
    key: str, capability: Capability, **description: Any
) -> SchoolPortalSensorDescription:
    return SchoolPortalSensorDescription(
        key=key, translation_key=key, capability=capability, **description
    )


def _count(
    key: str,
    capability: Capability,
    items: Callable[[Pupil], Sized],
    attributes_fn: Callable[[Pupil], dict[str, Any]],
) -> SchoolPortalSensorDescription:
    """A sensor counting some items of the pupil's data."""
    return _sensor(
        key,
        capability,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pupil: len(items(pupil)),
        attributes_fn=attributes_fn,
    )


SENSORS: tuple[SchoolPortalSensorDescription, ...] = (
    _sensor(
        "unread_messages",
        Capability.MESSAGES,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pupil: pupil.account.unread_messages,
    ),
    _count(
        "discipline_events",
        Capability.DISCIPLINE,
        lambda pupil: pupil.data.discipline,
        _discipline_by_kind,
    ),
    _sensor(
        "next_lesson",
        Capability.TIMETABLE,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_next_lesson_start,
        boundary_fn=_next_lesson_start,
        attributes_fn=lambda pupil: {
            "subject": lesson.subject if (lesson := _next_lesson(pupil)) else None
        },
    ),
    *(
        _sensor(
            f"first_lesson_{day}",
            Capability.TIMETABLE,
            device_class=SensorDeviceClass.TIMESTAMP,
            value_fn=partial(_first_lesson, days=days),
            boundary_fn=Pupil.next_midnight,
        )
        for day, days in (("today", 0), ("tomorrow", 1))
    ),
    _sensor(
        "homework_due_tomorrow",
        Capability.HOMEWORK,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_homework_due_tomorrow,
        boundary_fn=Pupil.next_midnight,
    ),
    _sensor(
        "latest_grade",
        Capability.GRADES,
        value_fn=lambda pupil: grade.value if (grade := _latest_grade(pupil)) else None,
        attributes_fn=_grade_attributes,
    ),
    _sensor(
        "average",
        Capability.GRADES,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pupil: _number(average.value)
        if (average := _overall_average(pupil))
        else None,
        attributes_fn=_average_attributes,
    ),
    _sensor(
        "lunch_today",
        Capability.MENUS,
        value_fn=_lunch_summary,
        boundary_fn=Pupil.next_midnight,
        attributes_fn=lambda pupil: {"dishes": _lunch_today(pupil)},
    ),
    _count(
        "notifications",
        Capability.NOTIFICATIONS,
        lambda pupil: pupil.account.notifications,
        _notification_attributes,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of every pupil, and the login's last update."""
    add_described_entities(entry, async_add_entities, SENSORS, SchoolPortalSensor)
    async_add_entities([LastUpdateSensor(entry.runtime_data)])


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
        if (when := boundary_fn(self._pupil())) is not None:
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

    def _pupil(self) -> Pupil:
        """The pupil's data as the value functions take it."""
        return Pupil(
            self.student_data,
            self.coordinator.data.account,
            self.coordinator.now(),
            partial(self.coordinator.homework_done, self.student_id),
        )

    @property
    def native_value(self) -> Value:
        """The sensor's value."""
        return self.entity_description.value_fn(self._pupil())

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """A few small details."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self._pupil())


LAST_UPDATE = SensorEntityDescription(
    key="last_update",
    translation_key="last_update",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
)


class LastUpdateSensor(CoordinatorEntity[SchoolPortalCoordinator], SensorEntity):
    """When the portal last answered a refresh: on the login's own device."""

    _attr_has_entity_name = True
    entity_description = LAST_UPDATE

    def __init__(self, coordinator: SchoolPortalCoordinator) -> None:
        """Tie the sensor to a device of the login (no pupil's)."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}_{LAST_UPDATE.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={coordinator.account_identifier},
            entry_type=DeviceEntryType.SERVICE,
            name=entry.title,
            manufacturer=portal(entry.data[CONF_PORTAL]).maker,
        )

    @property
    def available(self) -> bool:
        """Always: when the portal fails, when it last answered matters most."""
        return True

    @property
    def native_value(self) -> datetime | None:
        """The end of the last refresh that worked."""
        return self.coordinator.last_update_success_time
