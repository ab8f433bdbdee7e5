"""The dataset as SS12000 entities: one row per entity, with the facts filters read."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .people import People
from .refs import LESSON_MINUTES, Row, letter
from .reports import Reports
from .teaching import Teaching

__all__ = ["LESSON_MINUTES", "Row", "SsSchool", "letter"]


class SsSchool(People, Teaching, Reports):
    """Every resource type's rows over one dataset, in one time zone."""

    def sources(self) -> dict[str, Callable[[], Iterator[Row]]]:
        """Each resource type's rows (types the dataset has nothing of are empty)."""
        return {
            "Organisation": self.organisations,
            "Person": self.persons,
            "Duty": self.duties,
            "Group": self.groups,
            "Syllabus": self.syllabuses,
            "Activity": self.activities,
            "CalendarEvent": self.calendar_events,
            "Attendance": self.attendances,
            "Absence": self.absences,
            "Grade": self.grades,
            "Room": self.rooms,
            "Resource": self.resources,
            "SchoolUnitOffering": self.offerings,
            "Placement": self.placements,
        }
