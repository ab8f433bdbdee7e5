"""Calendars of School Portal: each pupil's timetable, exams and holidays."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.const import EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import async_get_translations

from .api.models import Capability, Exam, Holiday, Lesson, LessonStatus
from .compat import CalendarEventStatus
from .const import DOMAIN
from .coordinator import SchoolPortalConfigEntry, SchoolPortalCoordinator
from .entity import SchoolPortalEntity, add_pupil_entities

PARALLEL_UPDATES = 0

TIMETABLE = CalendarEntityDescription(key="timetable", translation_key="timetable")
SCHOOL_YEAR = CalendarEntityDescription(
    key="exams_holidays", translation_key="exams_holidays"
)

# Where the translations keep the status words and the cancelled title.
STATUS_WORDS = f"component.{DOMAIN}.selector.lesson_status.options."
SUMMARIES = f"component.{DOMAIN}.selector.lesson_summary.options."
CANCELLED_SUMMARY = "cancelled_summary"


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


def _event_status(lesson: Lesson) -> dict[str, Any]:
    """The event's status, on Home Assistant versions whose events have one.

    CalendarEvent gained ``status`` in 2026.10; its CalendarEventStatus there
    knows no "cancelled" (core calendars leave cancelled events out), so a
    cancelled lesson gets one only once a release offers it. Before 2026.10
    there is no field at all.
    """
    statuses = CalendarEventStatus
    if statuses is None:
        return {}
    if lesson.status is LessonStatus.CANCELLED:
        cancelled = getattr(statuses, "CANCELLED", None)
        return {"status": cancelled} if cancelled is not None else {}
    return {"status": statuses.CONFIRMED}


def readable(*parts: str | None) -> str | None:
    """Lines the calendar dialog keeps apart.

    The frontend may render a description as Markdown, which joins single
    line breaks; a blank line between lines keeps them apart either way.
    """
    lines = [line.strip() for part in parts if part for line in part.splitlines()]
    return "\n\n".join(line for line in lines if line) or None


def lesson_event(lesson: Lesson, words: Mapping[str, str]) -> CalendarEvent:
    """Show a lesson as a calendar event, its status in the user's language."""
    summary = lesson.subject
    status_word: str | None = None
    if lesson.status is not LessonStatus.NORMAL:
        status_word = words.get(lesson.status.value, lesson.status.value)
        if lesson.status is LessonStatus.CANCELLED:
            # At the start: month and week views cut long titles at the end.
            summary = words.get(
                CANCELLED_SUMMARY, f"{status_word}: {{subject}}"
            ).format(subject=lesson.subject)
    return CalendarEvent(
        start=lesson.start,
        end=lesson.end,
        summary=summary,
        description=readable(status_word, ", ".join(lesson.teachers), lesson.note),
        location=", ".join(lesson.rooms) or None,
        uid=lesson.uid,
        **_event_status(lesson),
    )


async def async_lesson_words(hass: HomeAssistant) -> dict[str, str]:
    """The words for lesson statuses in the user's language, as of now."""
    translations = await async_get_translations(
        hass, hass.config.language, "selector", [DOMAIN]
    )
    words = {
        key.removeprefix(STATUS_WORDS): word
        for key, word in translations.items()
        if key.startswith(STATUS_WORDS)
    }
    if cancelled := translations.get(f"{SUMMARIES}cancelled"):
        words[CANCELLED_SUMMARY] = cancelled
    return words


class SchoolPortalCalendar(SchoolPortalEntity, CalendarEntity):
    """A pupil's lessons."""

    _words: Mapping[str, str] = {}

    async def async_added_to_hass(self) -> None:
        """Load the status words, and again whenever the language changes."""
        await super().async_added_to_hass()
        self._words = await async_lesson_words(self.hass)
        self.async_on_remove(
            self.hass.bus.async_listen(
                EVENT_CORE_CONFIG_UPDATE, self._async_config_changed
            )
        )

    async def _async_config_changed(self, _event: Event) -> None:
        """The user may have picked another language: the state says it too."""
        self._words = await async_lesson_words(self.hass)
        self.async_write_ha_state()

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
        return lesson_event(upcoming[0], self._words) if upcoming else None

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
            lesson_event(lesson, self._words)
            for lesson in sorted(lessons, key=lambda lesson: lesson.start)
            if lesson.end > start_date and lesson.start < end_date
        ]


def exam_event(exam: Exam) -> CalendarEvent:
    """Show an exam as a timed event."""
    return CalendarEvent(
        start=exam.start,
        end=exam.end,
        summary=exam.subject,
        description=readable(exam.description),
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
