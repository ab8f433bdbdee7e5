"""WebUntis's JSON-RPC methods over the shared dataset (the login is checked before)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..dataset import BELL_SCHEDULE, Login, localized
from .school import UntisSchool
from .timetable import UntisTimetable
from .wire import (
    CATEGORIES,
    CATEGORY_NAMES,
    LANG,
    NO_RIGHT,
    STATUS_COLORS,
    RpcError,
    int_date,
    int_time,
)

if TYPE_CHECKING:
    from .emulator import UntisSession


@dataclass(frozen=True, slots=True)
class Call:
    """What a JSON-RPC method sees of its call."""

    session: UntisSession
    login: Login
    params: Mapping[str, Any]


class UntisRpc:
    """Master data, exams, absences and the class register, as JSON-RPC results."""

    def __init__(self, school: UntisSchool) -> None:
        self.dataset = school.dataset
        self.school = school
        self.timetable = UntisTimetable(school)

    def methods(self) -> dict[str, Callable[[Call], Any]]:
        """Every JSON-RPC method but ``authenticate``, by name."""
        school, timetable = self.school, self.timetable
        return {
            "logout": lambda call: None,
            "getLatestImportTime": lambda call: school.import_time(),
            "getDepartments": lambda call: [
                {"id": 1, "name": "SEK1", "longName": "Sekundarstufe I"}
            ],
            "getHolidays": lambda call: school.holidays(),
            "getKlassen": self._klassen,
            "getTeachers": lambda call: self._teachers(),
            "getStudents": self._students,
            "getSubjects": lambda call: self._subjects(),
            "getRooms": lambda call: self._rooms(),
            "getSchoolyears": lambda call: school.schoolyears(),
            "getCurrentSchoolyear": lambda call: school.schoolyears()[-1],
            "getTimegridUnits": lambda call: self._timegrid(),
            "getStatusData": lambda call: STATUS_COLORS,
            "getTimetable": timetable.timetable,
            "getSubstitutions": timetable.substitutions,
            "getExamTypes": lambda call: [
                {
                    "id": 1,
                    "name": "KA",
                    "longName": "Klassenarbeit",
                    "showInTimetable": True,
                }
            ],
            "getExams": self._exams,
            "getTimetableWithAbsences": self._timetable_with_absences,
            "getClassregEvents": self._classreg_events,
            "getClassregCategories": lambda call: [
                {"id": cid, "name": name, "longName": long, "groupId": 1}
                for cid, (name, long) in CATEGORY_NAMES.items()
            ],
            "getClassregCategoryGroups": lambda call: [
                {"id": 1, "name": "Klassenbuch"}
            ],
            "getPersonId": self._person_id,
        }

    def _klassen(self, call: Call) -> list[dict[str, Any]]:
        year = call.params.get("schoolyearId")
        if year not in (None, "", 2, "2"):
            return []
        return [
            {
                "id": self.school.class_ids[cid],
                "name": school_class.name,
                "longName": f"Klasse {school_class.name}",
                "active": True,
                "did": 1,
                "teacher1": self.school.teacher_ids[school_class.homeroom_teacher],
            }
            for cid, school_class in self.dataset.classes.items()
        ]

    def _teachers(self) -> list[dict[str, Any]]:
        return [
            {
                "id": self.school.teacher_ids[tid],
                "name": teacher.last_name,
                "foreName": teacher.first_name,
                "longName": teacher.last_name,
                "title": "",
                "active": True,
                "dids": [{"id": 1}],
            }
            for tid, teacher in self.dataset.teachers.items()
        ]

    def _students(self, call: Call) -> list[dict[str, Any]]:
        # Pupils and parents may not list the school's pupils.
        raise RpcError(NO_RIGHT, "no right for getStudents()")

    def _subjects(self) -> list[dict[str, Any]]:
        return [
            {
                "id": self.school.subject_ids[key],
                "name": self.school.subject_short(key),
                "longName": subject.name(LANG),
                "alternateName": "",
                "active": True,
            }
            for key, subject in self.dataset.subjects.items()
        ]

    def _rooms(self) -> list[dict[str, Any]]:
        return [
            {"id": rid, "name": room, "longName": f"Raum {room}", "active": True}
            for room, rid in self.school.room_ids.items()
        ]

    def _timegrid(self) -> list[dict[str, Any]]:
        units = [
            {"name": str(hour), "startTime": int_time(start), "endTime": int_time(end)}
            for hour, (start, end) in sorted(BELL_SCHEDULE.items())
        ]
        # WebUntis counts days from Sunday = 1: Monday to Friday are 2..6.
        return [{"day": day, "timeUnits": units} for day in range(2, 7)]

    def _person_id(self, call: Call) -> int:
        surname = str(call.params.get("sn") or "").casefold()
        forename = str(call.params.get("fn") or "").casefold()
        kind = call.params.get("type")
        if kind in (2, "2"):
            for tid, teacher in self.dataset.teachers.items():
                if (teacher.last_name.casefold(), teacher.first_name.casefold()) == (
                    surname,
                    forename,
                ):
                    return self.school.teacher_ids[tid]
        if kind in (5, "5"):
            for pupil in self.school.own_pupils(call.login):
                if (pupil.last_name.casefold(), pupil.first_name.casefold()) == (
                    surname,
                    forename,
                ):
                    return self.school.pupil_id(pupil)
        return 0

    def _exams(self, call: Call) -> list[dict[str, Any]]:
        start, end = self.school.range(call.params)
        rows = []
        for exam, pupils in self.school.exams_in(call.login, start, end):
            first, last = BELL_SCHEDULE[exam.hour]
            rows.append(
                {
                    "id": self.school.exam_id(exam),
                    "classes": [self.school.class_ids[exam.class_id]],
                    "teachers": [
                        self.school.teacher_ids[
                            self.dataset.teacher_of(exam.class_id, exam.subject).id
                        ]
                    ],
                    "students": [self.school.pupil_id(p) for p in pupils],
                    "subject": self.school.subject_ids[exam.subject],
                    "date": int_date(exam.day),
                    "startTime": int_time(first),
                    "endTime": int_time(last),
                }
            )
        return rows

    def _timetable_with_absences(self, call: Call) -> dict[str, Any]:
        options = call.params.get("options")
        start, end = self.school.range(options if isinstance(options, dict) else {})
        rows = []
        for pupil, record in self.school.absence_records(
            self.school.own_pupils(call.login), start, end
        ):
            first, last = BELL_SCHEDULE.get(record.hour, BELL_SCHEDULE[1])
            rows.append(
                {
                    "id": zlib.crc32(record.uid.encode()) % 10_000_000,
                    "studentId": str(self.school.pupil_id(pupil)),
                    "subjectId": self.school.subject_ids.get(record.subject or "", 0),
                    "teacherIds": [
                        str(self.school.teacher_ids[record.teacher_id])
                        if record.teacher_id in self.school.teacher_ids
                        else ""
                    ],
                    "studentGroup": "",
                    "checked": True,
                    "date": int_date(record.day),
                    "startTime": int_time(first),
                    "endTime": int_time(last),
                    "absenceReason": "Krankheit",
                    "absentTime": 45,
                    "excuseStatus": "entsch." if record.justified else "nicht entsch.",
                }
            )
        return {"periodsWithAbsences": rows}

    def _classreg_events(self, call: Call) -> list[dict[str, Any]]:
        start, end = self.school.range(call.params)
        pupils = self.school.own_pupils(call.login)
        if call.params.get("id") not in (None, "") and call.params.get("type") in (
            5,
            "5",
        ):
            wanted = self.school.pupil_by_id(call.params["id"])
            if wanted not in pupils:
                raise RpcError(NO_RIGHT, "no right for getClassregEvents()")
            pupils = [wanted] if wanted else []
        rows = []
        for pupil in pupils:
            for record in self.dataset.discipline(pupil.id):
                if record.kind == "absence" or not start <= record.day <= end:
                    continue
                rows.append(
                    {
                        "id": zlib.crc32(record.uid.encode()) % 10_000_000,
                        "studentid": str(self.school.pupil_id(pupil)),
                        "surname": pupil.last_name,
                        "forname": pupil.first_name,
                        "reason": localized(record.label, LANG),
                        "text": localized(record.description, LANG),
                        "date": int_date(record.day),
                        "subject": self.dataset.subjects[record.subject].name(LANG)
                        if record.subject
                        else "",
                        "categoryId": [CATEGORIES[record.kind]],
                    }
                )
        return rows
