"""The calls WebUntis offers: python-webuntis' JSON-RPC surface and the REST reads.

`client.WebUntisClient` adds the refresh; these reads stay public so that users of the library are not limited to what the entities show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..errors import ProtocolError
from ..models import (
    DisciplineEvent,
    Exam,
    Holiday,
    Homework,
    Lesson,
    Message,
    Notification,
    Student,
)
from ..util import as_int, stable_id
from . import parse
from .login import WebUntisLogin
from .parse import Element, SchoolYear, TimeUnit, rows
from .wire import DateNotAllowed, date_range, format_date

# Homework is asked for this much beyond the window on each side (see homework()).
HOMEWORK_REACH = timedelta(days=28)

# Element types of getTimetable.
ELEMENT_TYPES: Mapping[str, int] = {
    "klasse": 1,
    "teacher": 2,
    "subject": 3,
    "room": 4,
    "student": 5,
}
_NAME_FIELDS = ["id", "name", "longname", "externalkey"]


class WebUntisReads(WebUntisLogin):
    """What a WebUntis session reads, with the master data cached daily."""

    async def school_holidays(self) -> list[Holiday]:
        """The holidays app/data lists (read with the app data, daily)."""
        return [
            parse.parse_holiday(row)
            for row in rows((await self._app()).get("holidays"))
        ]

    # --- master data ----------------------------------------------------------------

    async def _listed[T](
        self,
        method: str,
        read: Callable[[Mapping[str, Any]], T],
        force: bool,
        **params: Any,
    ) -> list[T]:
        return [
            read(row)
            for row in rows(await self._master_rows(method, params, force=force))
        ]

    async def departments(self, *, force: bool = False) -> list[Element]:
        """The school's departments."""
        return await self._listed("getDepartments", parse.parse_element, force)

    async def holidays(self, *, force: bool = False) -> list[Holiday]:
        """The school's holidays."""
        return await self._listed("getHolidays", parse.parse_holiday, force)

    async def klassen(
        self, schoolyear_id: int | None = None, *, force: bool = False
    ) -> list[Element]:
        """The classes, of the current or of another school year."""
        params = {"schoolyearId": schoolyear_id} if schoolyear_id else {}
        return await self._listed("getKlassen", parse.parse_element, force, **params)

    async def teachers(self, *, force: bool = False) -> list[Element]:
        """The teachers (many schools refuse this to pupils: NoRight)."""
        return await self._listed("getTeachers", parse.parse_element, force)

    async def subjects(self, *, force: bool = False) -> list[Element]:
        """The subjects."""
        return await self._listed("getSubjects", parse.parse_element, force)

    async def rooms(self, *, force: bool = False) -> list[Element]:
        """The rooms."""
        return await self._listed("getRooms", parse.parse_element, force)

    async def students(self, *, force: bool = False) -> list[Element]:
        """The school's pupils (staff only: NoRight for pupils and parents)."""
        return await self._listed("getStudents", parse.parse_element, force)

    async def schoolyears(self, *, force: bool = False) -> list[SchoolYear]:
        """Every school year."""
        return await self._listed("getSchoolyears", parse.parse_school_year, force)

    async def current_schoolyear(self, *, force: bool = False) -> SchoolYear:
        """The current school year."""
        row = await self._master_rows("getCurrentSchoolyear", {}, force=force)
        if not isinstance(row, dict):
            raise ProtocolError("WebUntis sent no current school year")
        return parse.parse_school_year(row)

    async def timegrid_units(self, *, force: bool = False) -> list[TimeUnit]:
        """The time grid: the lesson slots of each weekday."""
        days = await self._master_rows("getTimegridUnits", {}, force=force)
        return [
            parse.parse_time_unit(day, unit)
            for day in rows(days)
            for unit in rows(day.get("timeUnits"))
        ]

    async def statusdata(self, *, force: bool = False) -> dict[str, Any]:
        """Lesson types and period codes with their colours (raw)."""
        data = await self._master_rows("getStatusData", {}, force=force)
        if not isinstance(data, dict):
            raise ProtocolError("WebUntis sent no status data")
        return data

    async def exam_types(self, *, force: bool = False) -> list[dict[str, Any]]:
        """The exam types (raw rows)."""
        return rows(await self._master_rows("getExamTypes", {}, force=force))

    async def class_reg_categories(self, *, force: bool = False) -> list[Element]:
        """The class-register categories."""
        return await self._listed("getClassregCategories", parse.parse_element, force)

    # --- changing data --------------------------------------------------------------

    async def last_import_time(self) -> datetime:
        """When WebUntis last imported or changed the timetable."""
        return datetime.fromtimestamp(await self._read_import_time() / 1000, UTC)

    async def _read_import_time(self) -> int:
        stamp = as_int(await self._call("getLatestImportTime", {}))
        if stamp is None:
            raise ProtocolError("WebUntis sent no import time")
        if stamp != self._import_time:
            # The timetable changed: every cached range is stale now.
            self._timetables.clear()
        self._import_time = stamp
        return stamp

    async def _timetable_rows(
        self, element_type: int, element_id: int, start: date, end: date
    ) -> list[dict[str, Any]]:
        """Periods of [start, end) of one element; dates outside the year: none."""
        options = {
            "element": {"id": element_id, "type": element_type},
            **date_range(start, end),
            "onlyBaseTimetable": False,
            "showBooking": True,
            "showInfo": True,
            "showSubstText": True,
            "showLsText": True,
            "showLsNumber": True,
            "showStudentgroup": True,
            "klasseFields": _NAME_FIELDS,
            "roomFields": _NAME_FIELDS,
            "subjectFields": _NAME_FIELDS,
            "teacherFields": _NAME_FIELDS,
        }
        try:
            return rows(await self._call("getTimetable", {"options": options}))
        except DateNotAllowed:
            return []

    def _lessons_of(self, owner: str, periods: list[dict[str, Any]]) -> list[Lesson]:
        return sorted(
            (parse.parse_period(owner, row, self._tz) for row in periods),
            key=lambda lesson: (lesson.start, lesson.uid),
        )

    async def timetable(
        self,
        start: date,
        end: date,
        *,
        klasse: int | None = None,
        teacher: int | None = None,
        subject: int | None = None,
        room: int | None = None,
        student: int | None = None,
    ) -> list[Lesson]:
        """The timetable of one class, teacher, subject, room or pupil, [start, end)."""
        chosen = {
            name: value
            for name, value in (
                ("klasse", klasse),
                ("teacher", teacher),
                ("subject", subject),
                ("room", room),
                ("student", student),
            )
            if value is not None
        }
        if len(chosen) != 1:
            raise ValueError(
                "Give exactly one of klasse, teacher, subject, room, student"
            )
        ((kind, element_id),) = chosen.items()
        # A pupil's lessons get the uids the refresh gives them.
        named = (element_id,) if kind == "student" else (kind, element_id)
        owner = stable_id("webuntis", self._host, self._school.casefold(), *named)
        periods = await self._timetable_rows(
            ELEMENT_TYPES[kind], element_id, start, end
        )
        return self._lessons_of(owner, periods)

    async def _ranged(
        self, method: str, start: date, end: date, **params: Any
    ) -> list[dict[str, Any]]:
        """The raw rows of a call over [start, end)."""
        return rows(await self._call(method, {**date_range(start, end), **params}))

    async def substitutions(
        self, start: date, end: date, department_id: int = 0
    ) -> list[dict[str, Any]]:
        """Substitutions of [start, end) (raw rows with ``type``)."""
        return await self._ranged(
            "getSubstitutions", start, end, departmentId=department_id
        )

    async def exams(
        self, start: date, end: date, exam_type_id: int = 0
    ) -> list[dict[str, Any]]:
        """Exams of [start, end) over JSON-RPC (raw rows)."""
        return await self._ranged("getExams", start, end, examTypeId=exam_type_id)

    async def timetable_with_absences(
        self, start: date, end: date
    ) -> list[dict[str, Any]]:
        """Lessons with absences of [start, end) (raw rows)."""
        result = await self._call(
            "getTimetableWithAbsences", {"options": date_range(start, end)}
        )
        return rows(
            result.get("periodsWithAbsences") if isinstance(result, dict) else result
        )

    async def class_reg_events(
        self, start: date, end: date, *, student: int | None = None
    ) -> list[dict[str, Any]]:
        """Class-register events of [start, end), of one pupil if given (raw rows)."""
        pupil = (
            {"id": student, "type": ELEMENT_TYPES["student"]}
            if student is not None
            else {}
        )
        return await self._ranged("getClassregEvents", start, end, **pupil)

    async def person_id(
        self, surname: str, fore_name: str, *, teacher: bool = False
    ) -> int | None:
        """Find a pupil's (or teacher's) id by name; None when unknown."""
        found = as_int(
            await self._call(
                "getPersonId",
                {"type": 2 if teacher else 5, "sn": surname, "fn": fore_name, "dob": 0},
            )
        )
        return found or None

    # --- REST -----------------------------------------------------------------------

    def _pupil_id(self, student: Student) -> int:
        person_id = as_int(student.context.get("person_id"))
        if person_id is None:
            raise ProtocolError("WebUntis does not know this pupil")
        return person_id

    async def homework(
        self, student: Student, start: date, end: date
    ) -> list[Homework]:
        """Homework open during [start, end): due in it, or given in it, or both.

        Whether WebUntis filters on the day a homework was given or on its due
        day is not known, so one request asks for ``HOMEWORK_REACH`` more on
        each side and the overlap with [start, end) is kept: homework given
        weeks ago and due this week, or given this week and due after the end,
        does not vanish.
        """
        pupil = self._pupil_id(student)
        data = await self._rest(
            "api/homeworks/lessons",
            startDate=format_date(start - HOMEWORK_REACH),
            endDate=format_date(end + HOMEWORK_REACH),
            studentId=pupil,
        )
        if not isinstance(data, dict):
            raise ProtocolError("WebUntis' homework answer is not an object")
        return sorted(
            (
                item
                for item in parse.parse_homework(student, data, pupil)
                if item.due >= start and (item.given is None or item.given < end)
            ),
            key=lambda item: (item.due, item.uid),
        )

    async def rest_exams(self, student: Student, start: date, end: date) -> list[Exam]:
        """Exams of [start, end) from the REST side (subject names included)."""
        pupil = self._pupil_id(student)
        data = await self._rest(
            "api/exams",
            **date_range(start, end),
            studentId=pupil,
            klasseId=-1,
            withGrades="true",
        )
        return sorted(
            (
                parse.parse_rest_exam(student, row, self._tz)
                for row in rows(data.get("exams") if isinstance(data, dict) else data)
                if parse.concerns(row, pupil)
            ),
            key=lambda exam: exam.start,
        )

    async def absences(
        self, student: Student, start: date, end: date
    ) -> list[DisciplineEvent]:
        """Absences recorded in the class register in [start, end)."""
        data = await self._rest(
            "api/classreg/absences/students",
            **date_range(start, end),
            studentId=self._pupil_id(student),
            excuseStatusId=-1,
        )
        if not isinstance(data, dict):
            data = {"absences": data}
        reasons = parse.absence_reasons(data)
        return [
            parse.parse_absence(student, row, self._tz, reasons)
            for row in rows(data.get("absences"))
        ]

    async def class_register(
        self, student: Student, start: date, end: date
    ) -> list[DisciplineEvent]:
        """The pupil's class-register events (not absences) in [start, end)."""
        events = await self.class_reg_events(
            start, end, student=self._pupil_id(student)
        )
        return [parse.parse_classreg_event(student, row, self._tz) for row in events]

    async def news(self, day: date | None = None) -> list[Notification]:
        """The messages of the day of the news widget."""
        day = day or self._today()
        data = await self._rest("api/public/news/newsWidgetData", date=format_date(day))
        return parse.parse_news(data if isinstance(data, dict) else {}, day, self._tz)

    async def messages(self) -> list[Message]:
        """The incoming messages of the message centre, newest first."""

        async def read() -> Any:
            await self._app()
            return await self._wire.bearer("api/rest/view/v1/messages")

        data = await self._with_relogin(read)
        found = rows(data.get("incomingMessages") if isinstance(data, dict) else data)
        return sorted(
            (parse.parse_message(row, self._tz) for row in found),
            key=lambda message: message.received,
            reverse=True,
        )
