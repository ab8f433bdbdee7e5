"""WebUntis timetables: lessons as periods, for any element, and substitutions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..dataset import BELL_SCHEDULE, Exam, Lesson, Login
from .school import UntisSchool
from .wire import (
    ELEMENT_TYPES,
    INVALID_PARAMS,
    LANG,
    NO_RIGHT,
    RpcError,
    int_date,
    int_time,
)

if TYPE_CHECKING:
    from .rpc import Call


class UntisTimetable:
    """``getTimetable`` and ``getSubstitutions`` over the shared dataset."""

    def __init__(self, school: UntisSchool) -> None:
        self.dataset = school.dataset
        self.school = school

    def _exam_of(self, lesson: Lesson) -> Exam | None:
        return next(
            (
                exam
                for exam in self.dataset.exams
                if exam.class_id == lesson.class_id
                and exam.day == lesson.day
                and exam.hour == lesson.hour
            ),
            None,
        )

    def _period(
        self, lesson: Lesson, fields: frozenset[str], *, substitution: bool = False
    ) -> dict[str, Any]:
        """One lesson as a WebUntis period; names only when asked for."""
        dataset = self.dataset
        start, end = BELL_SCHEDULE[lesson.hour]
        index = self.school.class_ids[lesson.class_id]
        period: dict[str, Any] = {
            "id": index * 1_000_000
            + (lesson.day - dataset.year_start).days * 10
            + lesson.hour,
            "date": int_date(lesson.day),
            "startTime": int_time(start),
            "endTime": int_time(end),
            "lsnumber": index * 1000 + self.school.subject_ids[lesson.subject],
            "activityType": "Unterricht",
        }
        school_class = dataset.classes[lesson.class_id]
        subject = dataset.subjects[lesson.subject]
        teacher = dataset.teachers[lesson.teacher_id]
        kl: dict[str, Any] = {"id": index}
        su: dict[str, Any] = {"id": self.school.subject_ids[lesson.subject]}
        ro: dict[str, Any] = {"id": self.school.room_ids[lesson.room]}
        if "klasse" in fields:
            kl |= {"name": school_class.name, "longname": f"Klasse {school_class.name}"}
        if "subject" in fields:
            su |= {
                "name": self.school.subject_short(lesson.subject),
                "longname": subject.name(LANG),
            }
        if "room" in fields:
            ro |= {"name": lesson.room, "longname": f"Raum {lesson.room}"}
        te: dict[str, Any] = {"id": self.school.teacher_ids[lesson.teacher_id]}
        if "teacher" in fields:
            te |= {"name": teacher.last_name, "longname": teacher.last_name}
        if lesson.substitute_id and not lesson.cancelled:
            substitute = dataset.teachers[lesson.substitute_id]
            te = {
                "id": self.school.teacher_ids[lesson.substitute_id],
                "orgid": te["id"],
            }
            if "teacher" in fields:
                te |= {
                    "name": substitute.last_name,
                    "longname": substitute.last_name,
                    "orgname": teacher.last_name,
                }
        period |= {"kl": [kl], "te": [te], "su": [su], "ro": [ro]}
        if lesson.cancelled:
            period["code"] = "cancelled"
            period["substText"] = "Stunde entfällt"
        elif lesson.substitute_id:
            period["code"] = "irregular"
            period["substText"] = "Vertretung"
        if self._exam_of(lesson) is not None:
            period["lstype"] = "ex"
        if substitution:
            del period["lsnumber"], period["activityType"]
            period["type"] = "cancel" if lesson.cancelled else "subst"
        return period

    def timetable(self, call: Call) -> list[dict[str, Any]]:
        options = call.params.get("options")
        params: Mapping[str, Any] = (
            options if isinstance(options, dict) else call.params
        )
        element = params.get("element") if isinstance(options, dict) else params
        if not isinstance(element, dict):
            raise RpcError(INVALID_PARAMS, "missing element")
        try:
            element_type = int(element.get("type"))  # type: ignore[arg-type]
            element_id = int(element.get("id"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as err:
            raise RpcError(INVALID_PARAMS, "invalid element") from err
        fields = frozenset(
            kind
            for kind in ("klasse", "teacher", "subject", "room")
            if isinstance(options, dict) and options.get(f"{kind}Fields")
        )
        if element_type not in ELEMENT_TYPES:
            raise RpcError(NO_RIGHT, f"invalid elementType: {element_type}")
        start, end = self.school.range(params)
        return [
            self._period(lesson, fields)
            for lesson in self._element_lessons(
                call.login, element_type, element_id, start, end
            )
        ]

    def _element_lessons(
        self, login: Login, element_type: int, element_id: int, start: date, end: date
    ) -> list[Lesson]:
        if element_type == 5:
            pupil = self.school.pupil_by_id(element_id)
            if pupil is None or pupil not in self.school.own_pupils(login):
                raise RpcError(NO_RIGHT, "no right for timetable")
            return self.dataset.lessons(pupil.id, start, end + timedelta(days=1))
        if element_type == 1:
            class_id = next(
                (cid for cid, n in self.school.class_ids.items() if n == element_id),
                None,
            )
            return (
                []
                if class_id is None
                else self.school.class_lessons(class_id, start, end)
            )
        everything = [
            lesson
            for class_id in self.dataset.classes
            for lesson in self.school.class_lessons(class_id, start, end)
        ]

        def keys(lesson: Lesson) -> tuple[int, ...]:
            if element_type == 2:
                return (
                    self.school.teacher_ids[lesson.teacher_id],
                    self.school.teacher_ids.get(lesson.substitute_id or "", 0),
                )
            if element_type == 3:
                return (self.school.subject_ids[lesson.subject],)
            return (self.school.room_ids[lesson.room],)

        return sorted(
            (lesson for lesson in everything if element_id in keys(lesson)),
            key=lambda lesson: (lesson.day, lesson.hour),
        )

    def substitutions(self, call: Call) -> list[dict[str, Any]]:
        start, end = self.school.range(call.params)
        fields = frozenset({"klasse", "teacher", "subject", "room"})
        return [
            self._period(lesson, fields, substitution=True)
            for class_id in self.dataset.classes
            for lesson in self.school.class_lessons(class_id, start, end)
            if lesson.cancelled or lesson.substitute_id
        ]
