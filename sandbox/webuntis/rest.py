"""WebUntis's REST resources over the shared dataset (the session is checked before)."""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ..dataset import BELL_SCHEDULE, HomeworkItem, Login, Pupil, localized
from .school import UntisSchool
from .wire import (
    LANG,
    SCHOOL,
    TENANT_ID,
    int_date,
    int_time,
)

if TYPE_CHECKING:
    pass


class Switches(Protocol):
    """The emulator's switches the resources read."""

    homework_filter: str  # "span", "given" or "due"
    homework_subject: str  # "subject", "su" or "both"
    absence_reason: str  # "text" or "id"


class UntisRest:
    """Homework, exams, absences, news, the app's data and messages."""

    def __init__(self, school: UntisSchool, switches: Switches) -> None:
        self.dataset = school.dataset
        self.school = school
        self.switches = switches

    def _homework_id(self, item: HomeworkItem) -> int:
        return zlib.crc32(item.uid.encode()) % 100_000_000

    def homework_completed(self, item: HomeworkItem) -> bool:
        """Whether the pupil ticked the homework off (older items, mostly)."""
        return item.due < self.dataset.today and zlib.crc32(item.uid.encode()) % 3 != 0

    def _homework_in_range(self, item: HomeworkItem, start: date, end: date) -> bool:
        if self.switches.homework_filter == "given":
            return start <= item.given <= end
        if self.switches.homework_filter == "due":
            return start <= item.due <= end
        return item.due >= start and item.given <= end

    def homeworks(self, pupils: list[Pupil], start: date, end: date) -> Any:
        """``homeworks/lessons``: homework of the pupils in the range."""
        homeworks: dict[int, dict[str, Any]] = {}
        lessons: dict[int, dict[str, Any]] = {}
        records: dict[int, dict[str, Any]] = {}
        teachers: dict[int, dict[str, Any]] = {}
        for pupil in pupils:
            for item in self.dataset.homework(pupil.id):
                if not self._homework_in_range(item, start, end):
                    continue
                hw_id = self._homework_id(item)
                lesson_id = (
                    self.school.class_ids[item.class_id] * 1000
                    + self.school.subject_ids[item.subject]
                )
                teacher_id = self.school.teacher_ids[item.teacher_id]
                homeworks[hw_id] = {
                    "id": hw_id,
                    "lessonId": lesson_id,
                    "date": int_date(item.given),
                    "dueDate": int_date(item.due),
                    "text": localized(item.description, LANG),
                    "remark": "",
                    "completed": self.homework_completed(item),
                    "attachments": [],
                }
                lessons[lesson_id] = self._homework_lesson(lesson_id, item.subject)
                record = records.setdefault(
                    hw_id,
                    {"homeworkId": hw_id, "teacherId": teacher_id, "elementIds": []},
                )
                record["elementIds"].append(self.school.pupil_id(pupil))
                teachers[teacher_id] = {
                    "id": teacher_id,
                    "name": self.dataset.teachers[item.teacher_id].last_name,
                }
        return {
            "homeworks": list(homeworks.values()),
            "lessons": list(lessons.values()),
            "records": list(records.values()),
            "teachers": list(teachers.values()),
        }

    def _homework_lesson(self, lesson_id: int, subject: str) -> dict[str, Any]:
        name = self.dataset.subjects[subject].name(LANG)
        lesson: dict[str, Any] = {"id": lesson_id, "lessonType": "Unterricht"}
        if self.switches.homework_subject in ("subject", "both"):
            lesson["subject"] = name
        if self.switches.homework_subject in ("su", "both"):
            lesson["su"] = [
                {
                    "id": self.school.subject_ids[subject],
                    "name": self.school.subject_short(subject),
                    "longname": name,
                }
            ]
        return lesson

    def exams(self, login: Login, pupils: list[Pupil], start: date, end: date) -> Any:
        """``exams``: the login's exams in the range the pupils sit."""
        rows = []
        for exam, sitting in self.school.exams_in(login, start, end):
            sitting = [p for p in sitting if p in pupils]
            if not sitting:
                continue
            first, last = BELL_SCHEDULE[exam.hour]
            school_class = self.dataset.classes[exam.class_id]
            lesson = next(
                (
                    x
                    for x in self.school.class_lessons(
                        exam.class_id, exam.day, exam.day
                    )
                    if x.hour == exam.hour
                ),
                None,
            )
            rows.append(
                {
                    "id": self.school.exam_id(exam),
                    "examType": "KA",
                    "name": localized(exam.description, LANG),
                    "studentClass": [school_class.name],
                    "assignedStudents": [
                        {
                            "klasse": {
                                "id": self.school.class_ids[exam.class_id],
                                "name": school_class.name,
                            },
                            "displayName": pupil.name,
                            "id": self.school.pupil_id(pupil),
                        }
                        for pupil in sitting
                    ],
                    "examDate": int_date(exam.day),
                    "startTime": int_time(first),
                    "endTime": int_time(last),
                    "subject": self.dataset.subjects[exam.subject].name(LANG),
                    "teachers": [
                        self.dataset.teacher_of(exam.class_id, exam.subject).last_name
                    ],
                    "rooms": [lesson.room] if lesson else [],
                    "text": localized(exam.description, LANG),
                }
            )
        return {"exams": rows}

    def absences(self, pupils: list[Pupil], start: date, end: date) -> Any:
        """``classreg/absences/students``: the pupils' absences in the range."""
        rows = []
        for pupil, record in self.school.absence_records(pupils, start, end):
            first, last = BELL_SCHEDULE.get(record.hour, BELL_SCHEDULE[1])
            rows.append(
                {
                    "id": zlib.crc32(record.uid.encode()) % 10_000_000,
                    "studentName": pupil.name,
                    "startDate": int_date(record.day),
                    "startTime": int_time(first),
                    "endDate": int_date(record.day),
                    "endTime": int_time(last),
                    "reasonId": 1,
                    "reason": "Krankheit"
                    if self.switches.absence_reason == "text"
                    else "",
                    "text": localized(record.description, LANG),
                    "excuseStatus": "entsch." if record.justified else "nicht entsch.",
                    "isExcused": bool(record.justified),
                    "excuse": {"id": 0, "text": "", "excuseDate": 0},
                    "createDate": int(
                        datetime.combine(record.day, first).timestamp() * 1000
                    ),
                    "lastUpdate": int(
                        datetime.combine(record.day, last).timestamp() * 1000
                    ),
                    "canEdit": False,
                }
            )
        return {
            "absences": rows,
            "absenceReasons": [{"id": 1, "name": "Krankheit"}],
            "excuseStatuses": None,
        }

    def news(self, username: str, day: date) -> Any:
        """``newsWidgetData``: the login's notices of the week up to ``day``."""
        notices = [
            notice
            for notice in self.dataset.notifications(username)
            if day - timedelta(days=7) <= notice.when.date() <= day
        ]
        return {
            "systemMessage": None,
            "messagesOfDay": [
                {
                    "id": zlib.crc32(notice.uid.encode()) % 10_000_000,
                    "subject": "",
                    "text": f"<p>{localized(notice.text, LANG)}</p>",
                    "isExpanded": True,
                    "attachments": [],
                }
                for notice in notices
            ],
            "rssUrl": "",
        }

    def app_config(self, login: Login) -> Any:
        """``app/config``: the login's user and person."""
        person = self.school.person_id(login)
        return {
            "loginServiceConfig": {
                "user": {
                    "id": 500 + zlib.crc32(login.username.encode()) % 500,
                    "name": login.username,
                    "personId": person,
                    "persons": [
                        {
                            "id": person,
                            "type": self.school.person_type(login),
                            "displayName": f"{login.first_name} {login.last_name}",
                        }
                    ],
                }
            },
            "isPlayground": False,
        }

    def daytimetable_config(self, login: Login) -> Any:
        """``daytimetable/config``: a pupil's class."""
        if login.kind != "student":
            return {"klasseId": None}
        pupil = self.dataset.pupils[login.pupil_ids[0]]
        return {"klasseId": self.school.class_ids[pupil.class_id]}

    def app_data(self, login: Login) -> Any:
        """``app/data``: the tenant, the year, holidays and the user (a parent's children)."""
        year = self.school.schoolyears()[-1]
        parent = login.kind == "parent"
        return {
            "tenant": {
                "id": TENANT_ID,
                "name": SCHOOL,
                "displayName": self.dataset.school.name(LANG),
            },
            "currentSchoolYear": {
                "id": year["id"],
                "name": year["name"],
                "dateRange": {
                    "start": self.dataset.year_start.isoformat(),
                    "end": self.dataset.year_end.isoformat(),
                },
                "timeGrid": {
                    "schoolyearId": year["id"],
                    "units": [
                        {
                            "unitOfDay": hour,
                            "startTime": int_time(first),
                            "endTime": int_time(last),
                        }
                        for hour, (first, last) in sorted(BELL_SCHEDULE.items())
                    ],
                },
            },
            "holidays": [
                {
                    "id": index,
                    "name": holiday.name(LANG),
                    "start": f"{holiday.start.isoformat()}T00:00:00",
                    "end": f"{holiday.end.isoformat()}T23:59:59",
                    "bookable": False,
                }
                for index, holiday in enumerate(self.dataset.holidays, 1)
            ],
            "user": {
                "id": 500 + zlib.crc32(login.username.encode()) % 500,
                "name": login.username,
                "locale": LANG,
                "roles": ["LEGAL_GUARDIAN" if parent else "STUDENT"],
                "person": {
                    "id": self.school.person_id(login),
                    "displayName": f"{login.first_name} {login.last_name}",
                    "imageUrl": None,
                },
                "students": [
                    {
                        "id": self.school.pupil_id(pupil),
                        "displayName": pupil.name,
                        "imageUrl": None,
                    }
                    for pupil in self.dataset.pupils_of(login.username)
                ]
                if parent
                else [],
            },
            "settings": ["system.firstDayOfWeek:2"],
        }

    def messages(self, username: str) -> Any:
        """``messages``: the login's inbox."""
        return {
            "incomingMessages": [
                {
                    "id": message.id,
                    "subject": localized(message.subject, LANG),
                    "contentPreview": localized(message.body, LANG)[:100],
                    "sentDateTime": message.sent.isoformat(timespec="minutes"),
                    "isMessageRead": message.read,
                    "hasAttachments": message.has_attachments,
                    "isReply": False,
                    "isReplyAllowed": message.kind == 1,
                    "allowMessageDeletion": False,
                    "sender": {
                        "userId": zlib.crc32(message.sender.id.encode()) % 100_000,
                        "displayName": message.sender.name,
                        "imageUrl": None,
                        "className": None,
                    },
                }
                for message in self.dataset.messages(username)
            ],
            "readConfirmationMessages": [],
        }
