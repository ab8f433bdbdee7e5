"""The school as WebUntis numbers it: ids, the app secret, the import time, the years."""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from ..dataset import Dataset, DisciplineRecord, Exam, Lesson, Login, Pupil
from .wire import (
    DATE_NOT_ALLOWED,
    LANG,
    PERSON_PARENT,
    PERSON_STUDENT,
    RpcError,
    int_date,
    parse_date,
)


class UntisSchool:
    """WebUntis's integer ids and school-wide data over one dataset."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.key = f"webuntis-sandbox-{dataset.seed}".encode()
        self._import_time = int(
            datetime.combine(dataset.today, datetime.min.time()).timestamp() * 1000
        )
        self._fingerprint = self._changes()
        self.class_ids = {cid: n for n, cid in enumerate(dataset.classes, 1)}
        self.teacher_ids = {tid: n for n, tid in enumerate(dataset.teachers, 1)}
        self.subject_ids = {key: n for n, key in enumerate(dataset.subjects, 1)}
        rooms = sorted({slot.room for s in dataset.timetables.values() for slot in s})
        self.room_ids = {room: n for n, room in enumerate(rooms, 1)}
        self._watch_mutators()

    def secret(self, username: str) -> str:
        """The login's app secret (base32, as the QR code carries it)."""
        digest = hmac.new(
            self.key, f"secret:{username}".encode(), hashlib.sha256
        ).digest()
        return base64.b32encode(digest[:10]).decode()

    def person_id(self, login: Login) -> int:
        """The login's WebUntis person id (the pupil's own id for a pupil)."""
        if login.kind == "student":
            return self.dataset.pupils[login.pupil_ids[0]].number
        return 9000 + zlib.crc32(login.username.encode()) % 1000

    def person_type(self, login: Login) -> int:
        """5 for a pupil, 12 for a parent (legal guardian)."""
        return PERSON_STUDENT if login.kind == "student" else PERSON_PARENT

    def pupil_id(self, pupil: Pupil) -> int:
        """A pupil's WebUntis person id."""
        return pupil.number

    def pupil_by_id(self, value: Any) -> Pupil | None:
        try:
            number = int(value)
        except (TypeError, ValueError):
            return None
        return next(
            (p for p in self.dataset.pupils.values() if p.number == number), None
        )

    def touch(self) -> None:
        """Move the import time on (call after changing the dataset by hand)."""
        self._import_time += 60_000

    def import_time(self) -> int:
        """Epoch ms of the last change; moves when the timetable changed."""
        fingerprint = self._changes()
        if fingerprint != self._fingerprint:
            # A lesson was changed without a mutator (e.g. by hand in a test).
            self._fingerprint = fingerprint
            self.touch()
        return self._import_time

    def _changes(self) -> int:
        hashed = 0
        for class_lessons in self.dataset._lessons.values():
            for lessons in class_lessons.values():
                for lesson in lessons:
                    if lesson.cancelled or lesson.substitute_id:
                        hashed = zlib.crc32(
                            f"{lesson.uid}{lesson.cancelled}{lesson.substitute_id}".encode(),
                            hashed,
                        )
        return hashed

    def _watch_mutators(self) -> None:
        """Wrap the dataset's mutators so that they move the import time."""
        for name in (
            "cancel_lesson",
            "add_homework",
            "add_message",
            "add_discipline_event",
        ):
            original = getattr(self.dataset, name)

            def wrapped(
                *args: Any, _original: Callable[..., Any] = original, **kwargs: Any
            ) -> Any:
                result = _original(*args, **kwargs)
                self.touch()
                self._fingerprint = self._changes()
                return result

            setattr(self.dataset, name, wrapped)

    def holidays(self) -> list[dict[str, Any]]:
        return [
            {
                "id": index,
                "name": holiday.name(LANG)[:12],
                "longName": holiday.name(LANG),
                "startDate": int_date(holiday.start),
                "endDate": int_date(holiday.end),
            }
            for index, holiday in enumerate(self.dataset.holidays, 1)
        ]

    def schoolyears(self) -> list[dict[str, Any]]:
        start, end = self.dataset.year_start, self.dataset.year_end
        return [
            {
                "id": 1,
                "name": f"{start.year - 1}/{start.year}",
                "startDate": int_date(date(start.year - 1, 9, 1)),
                "endDate": int_date(date(start.year, 6, 20)),
            },
            {
                "id": 2,
                "name": f"{start.year}/{end.year}",
                "startDate": int_date(start),
                "endDate": int_date(end),
            },
        ]

    def subject_short(self, key: str) -> str:
        return self.dataset.subjects[key].name(LANG)[:3].upper()

    # -- what several answers are made of ---------------------------------------

    def own_pupils(self, login: Login) -> list[Pupil]:
        return self.dataset.pupils_of(login.username)

    def range(self, params: Mapping[str, Any]) -> tuple[date, date]:
        """Inclusive start and end, both inside the open school year."""
        today = self.dataset.today
        start = parse_date(params["startDate"]) if params.get("startDate") else today
        end = parse_date(params["endDate"]) if params.get("endDate") else start
        if (
            start > end
            or start < self.dataset.year_start
            or end > self.dataset.year_end
        ):
            raise RpcError(DATE_NOT_ALLOWED, "no allowed date")
        return start, end

    def class_lessons(self, class_id: str, start: date, end: date) -> list[Lesson]:
        pupil = self.dataset.pupils_in(class_id)[0]
        return self.dataset.lessons(pupil.id, start, end + timedelta(days=1))

    def exams_in(
        self, login: Login, start: date, end: date
    ) -> list[tuple[Exam, list[Pupil]]]:
        pupils = self.own_pupils(login)
        result = []
        for exam in self.dataset.exams:
            if not start <= exam.day <= end:
                continue
            sitting = [p for p in pupils if p.class_id == exam.class_id]
            if sitting:
                result.append((exam, sitting))
        return result

    def exam_id(self, exam: Exam) -> int:
        return zlib.crc32(exam.uid.encode()) % 10_000_000

    def absence_records(
        self, pupils: Iterable[Pupil], start: date, end: date
    ) -> list[tuple[Pupil, DisciplineRecord]]:
        return [
            (pupil, record)
            for pupil in pupils
            for record in self.dataset.discipline(pupil.id)
            if record.kind == "absence" and start <= record.day <= end
        ]
