"""Calendar of School Portal: each pupil's timetable."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Lesson, LessonStatus
from .coordinator import SchoolPortalConfigEntry
from .entity import SchoolPortalEntity, add_pupil_entities

PARALLEL_UPDATES = 0

TIMETABLE = CalendarEntityDescription(key="timetable", translation_key="timetable")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SchoolPortalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a timetable calendar per pupil."""
    if Capability.TIMETABLE not in entry.runtime_data.capabilities:
        return
    add_pupil_entities(
        entry,
        async_add_entities,
        lambda coordinator, student_id: [
            SchoolPortalCalendar(coordinator, student_id, TIMETABLE)
        ],
    )


def lesson_event(lesson: Lesson) -> CalendarEvent:
    """Show a lesson as a calendar event."""
    summary = lesson.subject
    details: list[str] = []
    if lesson.status is LessonStatus.CANCELLED:
        summary = f"{lesson.subject} (cancelled)"
        details.append("Cancelled")
    elif lesson.status is LessonStatus.CHANGED:
        details.append("Changed")
    elif lesson.status is LessonStatus.EXAM:
        details.append("Exam")
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
        return lesson_event(upcoming[0]) if upcoming else None

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
            lesson_event(lesson)
            for lesson in sorted(lessons, key=lambda lesson: lesson.start)
            if lesson.end > start_date and lesson.start < end_date
        ]
