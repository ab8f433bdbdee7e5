"""Reports on pupils as SS12000 rows: attendances, absences, grades."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from ..dataset import DisciplineRecord, GradeRecord, Lesson
from .refs import (
    LESSON_MINUTES,
    Row,
    SchoolRefs,
    letter,
)
from .wire import ref


class Reports(SchoolRefs):
    """What is reported of pupils: attendance, absences and grades."""

    def _lesson_of(self, record: DisciplineRecord) -> Lesson | None:
        if record.pupil_id not in self.dataset.pupils:
            return None
        return next(
            (
                lesson
                for lesson in self.dataset.lessons_on(record.pupil_id, record.day)
                if lesson.hour == record.hour
            ),
            None,
        )

    def absences_and_lates(self) -> Iterator[tuple[DisciplineRecord, Lesson]]:
        for pupil_id in self.dataset.pupils:
            for record in self.dataset.discipline(pupil_id):
                if record.kind in ("absence", "late"):
                    lesson = self._lesson_of(record)
                    if lesson is not None:
                        yield record, lesson

    def attendances(self) -> Iterator[Row]:
        for record, lesson in self.absences_and_lates():
            pupil = self.dataset.pupils[record.pupil_id]
            late = record.kind == "late"
            missed = 10 if late else LESSON_MINUTES
            valid = not late and bool(record.justified)
            reason = record.description.get("sv") or record.label.get("sv") or ""
            body: dict[str, Any] = {
                "calendarEvent": ref(self.event_id(lesson)),
                "student": self.pupil_ref(pupil),
                "isReported": True,
                "attendanceMinutes": LESSON_MINUTES - missed,
                "validAbsenceMinutes": missed if valid else 0,
                "invalidAbsenceMinutes": 0 if valid else missed,
                "absenceReason": reason,
                "reportedTimestamp": self.at(lesson.end),
            }
            if record.teacher_id:
                body["reporter"] = self.staff_ref(record.teacher_id)
            yield Row(
                self.ids("attendance", record.uid),
                body,
                {
                    "student": self.person_id(pupil.id),
                    "organisation": {self.unit_id, self.owner_id},
                    "calendarEvent": self.event_id(lesson),
                    "activity": self.activity_id(lesson.class_id, lesson.subject),
                    "startTime": self.aware(lesson.start),
                    "valid": body["validAbsenceMinutes"],
                    "invalid": body["invalidAbsenceMinutes"],
                },
                born=self.aware(lesson.end),
            )

    def absences(self) -> Iterator[Row]:
        responsibles = self._responsibles()
        for record, lesson in self.absences_and_lates():
            if record.kind != "absence" or not record.justified:
                continue
            pupil = self.dataset.pupils[record.pupil_id]
            body: dict[str, Any] = {
                "startTime": self.at(lesson.start),
                "endTime": self.at(lesson.end),
                "type": "Anmäld frånvaro",
                "student": self.pupil_ref(pupil),
                "organisation": self.unit_ref(),
            }
            reporters = responsibles.get(pupil.id)
            if reporters:
                body["registeredBy"] = ref(
                    self.guardian_id(reporters[0].username),
                    f"{reporters[0].first_name} {reporters[0].last_name}",
                )
            yield Row(
                self.ids("absence", record.uid),
                body,
                {
                    "student": self.person_id(pupil.id),
                    "organisation": {self.unit_id, self.owner_id},
                    "registeredBy": body.get("registeredBy", {}).get("id"),
                    "type": body["type"],
                    "startTime": self.aware(lesson.start),
                    "endTime": self.aware(lesson.end),
                },
                born=self.aware(lesson.start) - timedelta(hours=1),
            )

    def grades(self) -> Iterator[Row]:
        for pupil_id in self.dataset.pupils:
            for record in self.dataset.grades(pupil_id):
                yield self._row(record.uid, record, partial(self._grade, record))

    def _grade(self, record: GradeRecord) -> Row:
        pupil = self.dataset.pupils[record.pupil_id]
        teacher = self.staff_ref(record.teacher_id)
        body: dict[str, Any] = {
            "student": self.pupil_ref(pupil),
            "organisation": self.unit_ref(),
            # 2.1.0 requires "schoolUnit", a property it never defines (its
            # name for the unit is "organisation"): both are sent.
            "schoolUnit": self.unit_ref(),
            "registeredBy": teacher,
            "gradingTeacher": teacher,
            "group": self.group_ref(pupil.class_id, record.subject),
            "registeredDate": record.day.isoformat(),
            "gradeValue": letter(record.score),
            "finalGrade": False,
            "trial": False,
            "adaptedStudyPlan": "",
            "semester": "HT" if record.day.month >= 7 else "VT",
            "year": record.day.year,
            "syllabus": ref(
                self.ids("syllabus", record.subject), self.subject_name(record.subject)
            ),
        }
        if text := record.description.get("sv"):
            body["remark"] = text
        return Row(
            self.ids("grade", record.uid),
            body,
            {
                "student": self.person_id(pupil.id),
                "organisation": {self.unit_id, self.owner_id},
                "registeredBy": teacher["id"],
                "gradingTeacher": teacher["id"],
                "registeredDate": record.day,
            },
            born=datetime.combine(record.day, time(16), self.zone),
        )
