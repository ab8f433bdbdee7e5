"""The shared dataset in Webtop's shapes (what each endpoint's ``data`` holds)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
import zlib
from datetime import date, datetime, timedelta
from typing import Any

from ..dataset import BELL_SCHEDULE, Dataset, Lesson, Login, Pupil

LANG = "he"
# The reason a justified absence shows in the "data_table" shape ("parents'
# note"): the dataset keeps whether an absence is excused, not why.
JUSTIFIED_REASON = "אישור הורים"
NO_HOMEWORK = "אין"  # "none": what teachers often type instead of leaving it empty

_NOTIFICATION_SETTINGS = (
    (1, "הודעות"),
    (2, "ציונים"),
    (3, "שיעורי בית"),
    (4, "אירועי משמעת"),
    (5, "שינויים במערכת השעות"),
)


class WebtopRender:
    """Webtop's ids and answers over one dataset."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._secret = f"webtop-sandbox-{dataset.seed}".encode()

    # -- identities -----------------------------------------------------------

    def digest(self, *parts: str) -> bytes:
        """A keyed digest of ``parts`` (ids and tokens derive from it)."""
        return hmac.new(self._secret, ":".join(parts).encode(), hashlib.sha256).digest()

    def encrypted_id(self, username: str, pupil_id: str) -> str:
        """The opaque pupil id Webtop shows to one account (stable per account)."""
        return base64.b64encode(self.digest("pupil", username, pupil_id)[:16]).decode()

    def user_id(self, username: str) -> str:
        """The account's user id."""
        return str(uuid.UUID(bytes=self.digest("user", username)[:16]))

    def pupil_by_encrypted_id(self, login: Login, encrypted: object) -> Pupil | None:
        """The login's pupil shown under ``encrypted``, if any."""
        for pupil_id in login.pupil_ids:
            if self.encrypted_id(login.username, pupil_id) == encrypted:
                return self.dataset.pupils[pupil_id]
        return None

    # -- accounts -------------------------------------------------------------

    def login_answer(self, login: Login, token: str) -> dict[str, Any]:
        """``LoginByUserNameAndPassword``'s data."""
        pupil = self.dataset.pupils[login.pupil_ids[0]]
        is_pupil = login.kind == "student"
        return {
            "token": token,
            "userId": self.user_id(login.username),
            "studentId": pupil.number if is_pupil else None,
            "schoolId": self.dataset.school.id,
            "schoolName": self.dataset.school.name(LANG),
            "firstName": login.first_name_he,
            "lastName": login.last_name_he,
            "id": self.encrypted_id(login.username, pupil.id) if is_pupil else None,
        }

    def change_user(self, login: Login, pupil: Pupil, token: str) -> dict[str, Any]:
        """``ChangeUser``'s data."""
        return {
            "token": token,
            "id": self.encrypted_id(login.username, pupil.id),
            "userId": self.user_id(login.username),
            "schoolId": self.dataset.school.id,
            "schoolName": self.dataset.school.name(LANG),
            "firstName": pupil.first_name_he,
            "lastName": pupil.last_name_he,
        }

    def _pupil_card(self, login: Login, pupil: Pupil) -> dict[str, Any]:
        school_class = self.dataset.classes[pupil.class_id]
        return {
            "id": self.encrypted_id(login.username, pupil.id),
            "firstName": pupil.first_name_he,
            "lastName": pupil.last_name_he,
            "classCode": school_class.grade,
            "classNum": school_class.number,
            "studyYear": self.dataset.study_year,
            "schoolName": self.dataset.school.name(LANG),
        }

    def init_dashboard(self, login: Login) -> Any:
        """A parent's ``{"childrens": [...]}``, a pupil's bare list."""
        cards = [
            self._pupil_card(login, p) for p in self.dataset.pupils_of(login.username)
        ]
        return {"childrens": cards} if login.kind == "parent" else cards

    def linked_users(self, login: Login) -> Any:
        """``GetMultipleUsersForUser``: a parent's children."""
        if login.kind != "parent":
            return []
        return [
            {
                "studentId": self.encrypted_id(login.username, pupil.id),
                "studentLogin": pupil.username,
                "school_name": self.dataset.school.name(LANG),
            }
            for pupil in self.dataset.pupils_of(login.username)
        ]

    # -- lessons --------------------------------------------------------------

    def _teacher_name(self, teacher_id: str | None) -> str:
        return self.dataset.person(teacher_id).name_he if teacher_id else ""

    def _change_description(self, lesson: Lesson) -> str | None:
        if lesson.cancelled:
            return "השיעור בוטל"
        if lesson.substitute_id:
            return f"מילוי מקום: {self._teacher_name(lesson.substitute_id)}"
        return None

    def _homework_text(self, pupil: Pupil, lesson: Lesson) -> str:
        return "\n".join(
            item.description.get(LANG, "")
            for item in self.dataset.homework_given_in(pupil.id, lesson)
        )

    def today_homework(self, pupil: Pupil) -> Any:
        """``GetHomeWork``: homework set in today's lessons."""
        rows = []
        for lesson in self.dataset.lessons_on(pupil.id, self.dataset.today):
            text = self._homework_text(pupil, lesson)
            if not text:
                continue
            rows.append(
                {
                    "lesson": self.dataset.subjects[lesson.subject].name(LANG),
                    "teacher": self._teacher_name(lesson.teacher_id),
                    "homeworkData": text,
                    "lessonSubject": lesson.topic.get(LANG, ""),
                    "hourNum": lesson.hour,
                    "status": 0,
                }
            )
        return {"dataTable": rows}

    def week(self, pupil: Pupil, week_index: int, *, with_homework: bool) -> Any:
        """A week's days, Sunday to Friday (``weekIndex`` 0 = this week)."""
        today = self.dataset.today
        sunday = today - timedelta(days=(today.weekday() + 1) % 7)
        first = sunday + timedelta(weeks=week_index)
        days = []
        for offset in range(6):  # Sunday to Friday
            day = first + timedelta(days=offset)
            hours = [
                self._hour(pupil, lesson, with_homework)
                for lesson in self.dataset.lessons_on(pupil.id, day)
            ]
            days.append(
                {"date": _day_stamp(day), "dayIndex": offset + 1, "hoursData": hours}
            )
        return days

    def _hour(self, pupil: Pupil, lesson: Lesson, with_homework: bool) -> Any:
        school_class = self.dataset.classes[pupil.class_id]
        entry: dict[str, Any] = {
            "subject_name": self.dataset.subjects[lesson.subject].name(LANG),
            "teacher": self._teacher_name(lesson.teacher_id),
            "descClass": school_class.name_he,
            "room": lesson.room,
            "isCanceled": lesson.cancelled,
            "substituteTeacher": (
                self._teacher_name(lesson.substitute_id)
                if lesson.substitute_id and not lesson.cancelled
                else None
            ),
            "changeDescription": self._change_description(lesson),
        }
        if with_homework:
            entry["homeWork"] = self._homework_text(pupil, lesson) or (
                NO_HOMEWORK if zlib.crc32(lesson.uid.encode()) % 8 == 0 else ""
            )
        start, end = BELL_SCHEDULE[lesson.hour]
        return {
            "hour": lesson.hour,
            "startTime": start.strftime("%H:%M"),
            "endTime": end.strftime("%H:%M"),
            "scheduale": [entry],
        }

    # -- discipline, inbox, notices ---------------------------------------------

    def discipline(self, pupil: Pupil, *, rich: bool) -> Any:
        """Discipline events, newest first; ``rich``: the "data_table" shape."""
        events = []
        for record in reversed(self.dataset.discipline(pupil.id)):
            event: dict[str, Any] = {
                "eventType": record.label.get(LANG, ""),
                "eventDate": _day_stamp(record.day),
                "hourNum": record.hour,
                "subjectName": (
                    self.dataset.subjects[record.subject].name(LANG)
                    if record.subject
                    else ""
                ),
                "teacherName": self._teacher_name(record.teacher_id),
                "remark": record.description.get(LANG, "") or ("null" if rich else ""),
            }
            if rich:
                event["isJustified"] = record.justified
                event["justifiedReason"] = (
                    JUSTIFIED_REASON if record.justified else "null"
                )
            events.append(event)
        if rich:
            return {"allowToViewThis": True, "dataTable": {"diciplineEvents": events}}
        return {"diciplineEvents": events}

    def messages(
        self,
        username: str,
        *,
        has_read: object,
        query: str,
        page: int,
        size: int,
        counts: bool,
    ) -> Any:
        """One page of the inbox matching the filters, newest first."""
        rows = [
            message
            for message in self.dataset.messages(username)
            if (has_read is None or message.read is bool(has_read))
            and (
                not query
                or query in message.subject.get(LANG, "").casefold()
                or query in message.sender.name_he.casefold()
            )
        ]
        counted = {"count": len(rows)} if counts else {}
        return [
            {
                "messageID": message.id,
                "subject": message.subject.get(LANG, ""),
                "sendingDate": message.sent.isoformat(timespec="seconds"),
                "student_F_name": message.sender.first_name_he,
                "student_L_name": message.sender.last_name_he,
                "hasRead": int(message.read),
                "filesWereAttached": int(message.has_attachments),
                "typeID": message.kind,
                **counted,
            }
            for message in rows[(page - 1) * size : page * size]
        ]

    def unread_notifications(self, username: str) -> Any:
        """``GetPreviewUnreadNotifications``."""
        return {
            "personalNotifications": [
                {
                    "date": notice.when.isoformat(timespec="seconds"),
                    "message": notice.text.get(LANG, ""),
                }
                for notice in self.dataset.notifications(username)
                if not notice.read
            ]
        }

    @staticmethod
    def notification_settings() -> Any:
        """``GetNotificationsSettings``."""
        return {
            "settings": [
                {"typeId": type_id, "name": name, "push": True, "mail": type_id != 5}
                for type_id, name in _NOTIFICATION_SETTINGS
            ]
        }


def _day_stamp(day: date) -> str:
    return datetime.combine(day, datetime.min.time()).isoformat(timespec="seconds")
