"""One deterministic, generated school year shared by every emulated portal.

Everything here is portal-neutral: times are naive local wall-clock times,
texts carry one variant per language (``en``, ``he``, ``de``, ``fr``, ``sv``) and
people carry Latin and Hebrew names. Each portal emulator renders this data in
its own wire format. The same ``(today, seed)`` always gives the same year.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta, tzinfo

from .content import (
    DISCIPLINE,
    PARENT_PASSWORD,
    PRINCIPAL,
    PUPIL_PASSWORD,
    SCHOOL,
    SECRETARY,
    SUBJECTS,
)
from .generate import YearBuilder
from .records import (
    BELL_SCHEDULE,
    LANGUAGES,
    DisciplineRecord,
    Exam,
    GradeRecord,
    HolidayRecord,
    HomeworkItem,
    Lesson,
    Login,
    MessageRecord,
    NotificationRecord,
    Person,
    Pupil,
    School,
    SchoolClass,
    Subject,
    Text,
    TimetableSlot,
    localized,
    monday_of,
    names,
    same_text,
)

__all__ = [
    "BELL_SCHEDULE",
    "LANGUAGES",
    "PARENT_PASSWORD",
    "PUPIL_PASSWORD",
    "Dataset",
    "DisciplineRecord",
    "Exam",
    "GradeRecord",
    "HolidayRecord",
    "HomeworkItem",
    "Lesson",
    "Login",
    "MessageRecord",
    "NotificationRecord",
    "Person",
    "Pupil",
    "School",
    "SchoolClass",
    "Subject",
    "Text",
    "TimetableSlot",
    "localized",
    "monday_of",
    "same_text",
]


class Dataset:
    """A generated school year around ``today``; deterministic given (today, seed)."""

    def __init__(
        self, today: date | None = None, seed: int = 7, zone: tzinfo | None = None
    ) -> None:
        self.today = today or date.today()
        self.seed = seed
        # The zone the naive times are wall-clock times of, for portals whose
        # wire carries offsets (None: the portal's own default).
        self.zone = zone
        self._watchers: list[Callable[[], None]] = []
        self._ids = itertools.count(1)
        start_year = self.today.year if self.today.month >= 7 else self.today.year - 1
        if self.today.month == 6 and self.today.day > 20:
            start_year = self.today.year  # summer: the coming year
        self.year_start = date(start_year, 9, 1)
        self.year_end = date(start_year + 1, 6, 20)
        self.study_year = start_year + 1  # the calendar year the school year ends in
        self.school = SCHOOL
        self.subjects: dict[str, Subject] = {s.key: s for s in SUBJECTS}
        self.teachers: dict[str, Person] = {}
        self.staff: dict[str, Person] = {
            PRINCIPAL.id: PRINCIPAL,
            SECRETARY.id: SECRETARY,
        }
        self.classes: dict[str, SchoolClass] = {}
        self.pupils: dict[str, Pupil] = {}
        self.logins: dict[str, Login] = {}
        self.holidays: list[HolidayRecord] = []
        self.timetables: dict[str, list[TimetableSlot]] = {}
        self._teaching: dict[tuple[str, str], str] = {}  # (class, subject) -> teacher
        self._lessons: dict[
            str, dict[date, list[Lesson]]
        ] = {}  # class -> day -> lessons
        self._homework: list[HomeworkItem] = []
        self.exams: list[Exam] = []
        self._grades: dict[str, list[GradeRecord]] = {}
        self._discipline: dict[str, list[DisciplineRecord]] = {}
        self._messages: dict[str, list[MessageRecord]] = {}
        self._notifications: dict[str, list[NotificationRecord]] = {}
        YearBuilder(self).build()

    # -- calendar -----------------------------------------------------------

    def holiday_on(self, day: date) -> HolidayRecord | None:
        """The break ``day`` falls in, if any."""
        return next((h for h in self.holidays if h.start <= day <= h.end), None)

    def is_school_day(self, day: date) -> bool:
        """Whether lessons take place on ``day``."""
        return (
            self.year_start <= day <= self.year_end
            and day.weekday() < 5
            and self.holiday_on(day) is None
        )

    def school_days(self) -> Iterator[date]:
        """Every school day of the year, in order."""
        day = self.year_start
        while day <= self.year_end:
            if self.is_school_day(day):
                yield day
            day += timedelta(days=1)

    # -- queries ------------------------------------------------------------

    def person(self, person_id: str) -> Person:
        """A teacher or member of staff by id."""
        return self.teachers.get(person_id) or self.staff[person_id]

    def pupils_in(self, class_id: str) -> list[Pupil]:
        """The pupils of one class."""
        return [p for p in self.pupils.values() if p.class_id == class_id]

    def pupils_of(self, username: str) -> list[Pupil]:
        """The pupils a login can see."""
        return [self.pupils[p] for p in self.logins[username].pupil_ids]

    def class_of(self, pupil_id: str) -> SchoolClass:
        """The class of a pupil."""
        return self.classes[self.pupils[pupil_id].class_id]

    def teacher_of(self, class_id: str, subject: str) -> Person:
        """Who teaches ``subject`` to a class."""
        return self.teachers[self._teaching[class_id, subject]]

    def lessons_on(self, pupil_id: str, day: date) -> list[Lesson]:
        """A pupil's lessons on one day, by hour."""
        return list(self._lessons[self.pupils[pupil_id].class_id].get(day, ()))

    def lessons(self, pupil_id: str, start: date, end: date) -> list[Lesson]:
        """A pupil's lessons from ``start`` (inclusive) to ``end`` (exclusive)."""
        by_day = self._lessons[self.pupils[pupil_id].class_id]
        result: list[Lesson] = []
        day = start
        while day < end:
            result.extend(by_day.get(day, ()))
            day += timedelta(days=1)
        return result

    def next_lesson_of(self, pupil_id: str, subject: str, after: date) -> Lesson | None:
        """The first lesson of ``subject`` on a day after ``after``."""
        by_day = self._lessons[self.pupils[pupil_id].class_id]
        day = after + timedelta(days=1)
        while day <= self.year_end:
            for lesson in by_day.get(day, ()):
                if lesson.subject == subject:
                    return lesson
            day += timedelta(days=1)
        return None

    def homework(
        self, pupil_id: str, start: date | None = None, end: date | None = None
    ) -> list[HomeworkItem]:
        """A pupil's homework due from ``start`` (inclusive) to ``end`` (exclusive)."""
        class_id = self.pupils[pupil_id].class_id
        return sorted(
            (
                item
                for item in self._homework
                if item.class_id == class_id
                and item.pupil_id in (None, pupil_id)
                and (start is None or item.due >= start)
                and (end is None or item.due < end)
            ),
            key=lambda item: (item.due, item.given, item.uid),
        )

    def homework_given_in(self, pupil_id: str, lesson: Lesson) -> list[HomeworkItem]:
        """Homework a pupil was set in one lesson."""
        return [
            item
            for item in self._homework
            if item.pupil_id in (None, pupil_id)
            and (
                item.lesson_uid == lesson.uid
                or (
                    item.lesson_uid is None
                    and item.class_id == lesson.class_id
                    and item.given == lesson.day
                    and item.subject == lesson.subject
                )
            )
        ]

    def exams_of(self, pupil_id: str) -> list[Exam]:
        """A pupil's class tests, in date order."""
        class_id = self.pupils[pupil_id].class_id
        return [e for e in self.exams if e.class_id == class_id]

    def grades(self, pupil_id: str) -> list[GradeRecord]:
        """A pupil's marks, oldest first."""
        return list(self._grades.get(pupil_id, ()))

    def discipline(self, pupil_id: str) -> list[DisciplineRecord]:
        """A pupil's discipline events, oldest first."""
        return sorted(
            self._discipline.get(pupil_id, ()), key=lambda r: (r.day, r.hour, r.uid)
        )

    def messages(self, username: str) -> list[MessageRecord]:
        """A login's inbox, newest first."""
        return list(self._messages[username])

    def notifications(self, username: str) -> list[NotificationRecord]:
        """A login's notices, newest first."""
        return sorted(self._notifications[username], key=lambda n: n.when, reverse=True)

    # -- mutators for tests -------------------------------------------------

    def watch(self, changed: Callable[[], None]) -> None:
        """Call ``changed`` after every mutator (an emulator that pushes changes)."""
        self._watchers.append(changed)

    def _changed(self) -> None:
        for changed in self._watchers:
            changed()

    def add_homework(
        self,
        pupil_id: str,
        subject: str = "math",
        description: str = "Extra exercises",
        given: date | None = None,
        due: date | None = None,
    ) -> HomeworkItem:
        """Set homework for one pupil (due by default at the next lesson)."""
        given = given or self.today
        if due is None:
            upcoming = self.next_lesson_of(pupil_id, subject, given)
            due = upcoming.day if upcoming else given + timedelta(days=7)
        pupil = self.pupils[pupil_id]
        item = HomeworkItem(
            f"hw-added-{next(self._ids)}",
            pupil.class_id,
            subject,
            self._teaching[pupil.class_id, subject],
            given,
            due,
            same_text(description),
            pupil_id=pupil_id,
        )
        self._homework.append(item)
        self._changed()
        return item

    def add_message(
        self,
        login_username: str,
        subject: str = "New message",
        sender: str = "Hana Shamir",
        body: str = "",
        sent: datetime | None = None,
        read: bool = False,
    ) -> MessageRecord:
        """Deliver a message; by default it is the newest one in the inbox."""
        inbox = self._messages[login_username]
        if sent is None:
            newest = inbox[0].sent if inbox else datetime.combine(self.today, time(12))
            sent = max(
                newest + timedelta(minutes=1), datetime.combine(self.today, time(12))
            )
        first, _, last = sender.partition(" ")
        person = Person(f"x-{first}-{last}", **names(first, last, first, last))
        record = MessageRecord(
            next(self._ids),
            login_username,
            same_text(subject),
            same_text(body),
            person,
            sent,
            read,
        )
        inbox.append(record)
        inbox.sort(key=lambda m: (m.sent, m.id), reverse=True)
        self._changed()
        return record

    def add_discipline_event(
        self,
        pupil_id: str,
        kind: str = "remark",
        day: date | None = None,
        hour: int = 1,
        subject: str | None = None,
        description: str = "",
        justified: bool | None = None,
    ) -> DisciplineRecord:
        """Record a discipline event for one pupil."""
        day = day or self.today
        label = next((label for k, label, _ in DISCIPLINE if k == kind), None)
        if label is None:
            raise ValueError(f"unknown discipline kind {kind!r}")
        class_id = self.pupils[pupil_id].class_id
        record = DisciplineRecord(
            f"de-added-{next(self._ids)}",
            pupil_id,
            kind,
            day,
            hour,
            subject,
            self._teaching[class_id, subject] if subject else None,
            label,
            same_text(description),
            justified,
        )
        self._discipline.setdefault(pupil_id, []).append(record)
        self._changed()
        return record

    def cancel_lesson(self, pupil_id: str, day: date, hour: int) -> Lesson:
        """Cancel a pupil's lesson (for the whole class)."""
        for lesson in self.lessons_on(pupil_id, day):
            if lesson.hour == hour:
                lesson.cancelled = True
                self._changed()
                return lesson
        raise KeyError(f"no lesson on {day} hour {hour}")
