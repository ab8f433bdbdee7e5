"""Calendars of School Portal: each pupil's timetable, exams and holidays."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import async_get_translations

from .api.models import Capability, Exam, Holiday, Lesson, LessonStatus
from .const import DOMAIN
from .coordinator import SchoolPortalConfigEntry, SchoolPortalCoordinator
from .entity import SchoolPortalEntity, add_pupil_entities

PARALLEL_UPDATES = 0

TIMETABLE = CalendarEntityDescription(key="timetable", translation_key="timetable")
SCHOOL_YEAR = CalendarEntityDescription(
    key="exams_holidays", translation_key="exams_holidays"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a timetable and an exams-and-holidays calendar per pupil."""
    capabilities = entry.runtime_data.capabilities

    def build(
        coordinator: SchoolPortalCoordinator, student_id: str
    ) -> list[CalendarEntity]:
        calendars: list[CalendarEntity] = []
        if Capability.TIMETABLE in capabilities:
            calendars.append(SchoolPortalCalendar(coordinator, student_id, TIMETABLE))
        if Capability.EXAMS in capabilities or coordinator.data[student_id].holidays:
            calendars.append(
                ExamsAndHolidaysCalendar(coordinator, student_id, SCHOOL_YEAR)
            )
        return calendars

    add_pupil_entities(entry, async_add_entities, build)


def lesson_event(lesson: Lesson, status_words: Mapping[str, str]) -> CalendarEvent:
    """Show a lesson as a calendar event, its status in the user's language."""
    summary = lesson.subject
    details: list[str] = []
    if lesson.status is not LessonStatus.NORMAL:
        word = status_words.get(lesson.status.value, lesson.status.value)
        details.append(word)
        if lesson.status is LessonStatus.CANCELLED:
            # The calendar card shows only the summary: say it there too.
            summary = f"{lesson.subject} ({word})"
    if lesson.teachers:
        details.append(", ".join(lesson.teachers))
    if lesson.note:
        details.append(lesson.note)
    return CalendarEvent(
        start=lesson.start,
        end=lesson.end,
        summary=summary,
        description="\n".join(details) or None,
        location=", ".join(lesson.rooms) or None,
        uid=lesson.uid,
    )


class SchoolPortalCalendar(SchoolPortalEntity, CalendarEntity):
    """A pupil's lessons."""

    _status_words: Mapping[str, str] = {}

    async def async_added_to_hass(self) -> None:
        """Load the words for "cancelled" and "changed" in HA's language."""
        await super().async_added_to_hass()
        translations = await async_get_translations(
            self.hass, self.hass.config.language, "selector", [DOMAIN]
        )
        prefix = f"component.{DOMAIN}.selector.lesson_status.options."
        self._status_words = {
            key.removeprefix(prefix): word
            for key, word in translations.items()
            if key.startswith(prefix)
        }

    @property
    def event(self) -> CalendarEvent | None:
        """The lesson going on now, else the next one."""
        now = self.coordinator.now()
        upcoming = sorted(
            (
                lesson
                for lesson in self.student_data.lessons
                if lesson.end > now and lesson.status is not LessonStatus.CANCELLED
            ),
            key=lambda lesson: lesson.start,
        )
        return lesson_event(upcoming[0], self._status_words) if upcoming else None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Lessons overlapping any range, read from the portal when needed."""
        tz = self.coordinator.tz
        lessons = await self.coordinator.async_get_lessons(
            self.student_id,
            start_date.astimezone(tz).date(),
            # The end is exclusive: a range ending at midnight needs no more days.
            (end_date.astimezone(tz) - timedelta(microseconds=1)).date()
            + timedelta(days=1),
        )
        return [
            lesson_event(lesson, self._status_words)
            for lesson in sorted(lessons, key=lambda lesson: lesson.start)
            if lesson.end > start_date and lesson.start < end_date
        ]


def exam_event(exam: Exam) -> CalendarEvent:
    """Show an exam as a timed event."""
    return CalendarEvent(
        start=exam.start,
        end=exam.end,
        summary=exam.subject,
        description=exam.description or None,
        uid=exam.uid,
    )


def holiday_event(holiday: Holiday) -> CalendarEvent:
    """Show a holiday as whole days (the calendar's end date is exclusive)."""
    return CalendarEvent(
        start=holiday.start,
        end=holiday.end + timedelta(days=1),
        summary=holiday.name,
        uid=holiday.uid,
    )


class ExamsAndHolidaysCalendar(SchoolPortalEntity, CalendarEntity):
    """A pupil's announced exams and the school's holidays."""

    def _events(self) -> list[CalendarEvent]:
        data = self.student_data
        events = [exam_event(exam) for exam in data.exams]
        events += [holiday_event(holiday) for holiday in data.holidays]
        return sorted(events, key=lambda event: event.start_datetime_local)

    @property
    def event(self) -> CalendarEvent | None:
        """The exam or holiday going on now, else the next one."""
        now = self.coordinator.now()
        return next(
            (event for event in self._events() if event.end_datetime_local > now),
            None,
        )

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Exams and holidays overlapping a range (as far as the portal told)."""
        return [
            event
            for event in self._events()
            if event.end_datetime_local > start_date
            and event.start_datetime_local < end_date
        ]
