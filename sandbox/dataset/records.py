"""The records of the shared school year: plain data every emulator renders.

Times are naive local wall-clock times; texts carry one variant per language
(``en``, ``he``, ``de``, ``fr``, ``sv``); people carry Latin and Hebrew names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypedDict

LANGUAGES = ("en", "he", "de", "fr", "sv")

type Text = Mapping[str, str]

# Hour number -> (start, end), the school's bell schedule.
BELL_SCHEDULE: dict[int, tuple[time, time]] = {
    1: (time(8, 0), time(8, 45)),
    2: (time(8, 50), time(9, 35)),
    3: (time(9, 45), time(10, 30)),
    4: (time(10, 35), time(11, 20)),
    5: (time(11, 40), time(12, 25)),
    6: (time(12, 30), time(13, 15)),
    7: (time(13, 20), time(14, 5)),
    8: (time(14, 10), time(14, 55)),
}


def localized(text: Text, lang: str = "en") -> str:
    """Pick one language of a text, falling back to English."""
    for key in (lang, "en"):
        if value := text.get(key):
            return value
    return next(iter(text.values()), "")


def same_text(value: str) -> Text:
    """A text that reads the same in every language."""
    return dict.fromkeys(LANGUAGES, value)


def monday_of(day: date) -> date:
    """The Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subject:
    """A school subject."""

    key: str
    names: Text
    weekly_hours: int
    room: str | None = None  # a special room; None = the class's own room

    def name(self, lang: str = "en") -> str:
        """The subject's name in one language."""
        return localized(self.names, lang)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Named:
    """Full names in Latin and Hebrew letters, for people and pupils."""

    first_name: str
    last_name: str
    first_name_he: str
    last_name_he: str

    @property
    def name(self) -> str:
        """Latin full name."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def name_he(self) -> str:
        """Hebrew full name."""
        return f"{self.first_name_he} {self.last_name_he}".strip()


class _InLesson:
    """Something that takes one bell hour of one day."""

    __slots__ = ()
    day: date
    hour: int

    @property
    def start(self) -> datetime:
        """Naive local start."""
        return datetime.combine(self.day, BELL_SCHEDULE[self.hour][0])

    @property
    def end(self) -> datetime:
        """Naive local end."""
        return datetime.combine(self.day, BELL_SCHEDULE[self.hour][1])


@dataclass(frozen=True, slots=True)
class Person(_Named):
    """A teacher or a member of staff."""

    id: str
    subjects: tuple[str, ...] = ()
    title: Text = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SchoolClass:
    """A class (form): grade 7 to 9, number 1 or 2."""

    id: str
    grade: int
    number: int
    room: str
    homeroom_teacher: str

    @property
    def name(self) -> str:
        """Latin class name, e.g. ``8A``."""
        return f"{self.grade}{'ABCDEFGH'[self.number - 1]}"

    @property
    def name_he(self) -> str:
        """Hebrew class name, e.g. ``ח'1``."""
        return f"{_HEBREW_GRADES[self.grade]}'{self.number}"


@dataclass(frozen=True, slots=True)
class Pupil(_Named):
    """A pupil."""

    id: str
    number: int  # a school-wide registration number
    class_id: str
    birth_date: date

    @property
    def username(self) -> str:
        """A login-like handle (lower-case Latin names)."""
        return f"{self.first_name}.{self.last_name}".lower()


@dataclass(frozen=True, slots=True)
class Login:
    """A portal account: a pupil's own login or a parent's."""

    username: str
    password: str
    kind: str  # "student" | "parent"
    pupil_ids: tuple[str, ...]
    first_name: str
    last_name: str
    first_name_he: str
    last_name_he: str


@dataclass(frozen=True, slots=True)
class TimetableSlot:
    """One weekly timetable entry of a class."""

    class_id: str
    weekday: int  # 0 = Monday … 4 = Friday
    hour: int
    subject: str
    teacher_id: str
    room: str


@dataclass(slots=True)
class Lesson(_InLesson):
    """One lesson on one day; mutable so tests can cancel it."""

    uid: str
    class_id: str
    day: date
    hour: int
    subject: str
    teacher_id: str
    room: str
    cancelled: bool = False
    substitute_id: str | None = None
    topic: Text = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether a substitute teaches it."""
        return self.substitute_id is not None


@dataclass(slots=True)
class HomeworkItem:
    """Homework set in a lesson and due at the next lesson of the subject."""

    uid: str
    class_id: str
    subject: str
    teacher_id: str
    given: date
    due: date
    description: Text
    lesson_uid: str | None = None
    pupil_id: str | None = None  # None = the whole class


@dataclass(slots=True)
class MessageRecord:
    """One message in a login's inbox."""

    id: int
    login: str
    subject: Text
    body: Text
    sender: Person
    sent: datetime
    read: bool
    has_attachments: bool = False
    kind: int = 1  # 1 = personal, 2 = class announcement, 3 = school announcement

    @property
    def uid(self) -> str:
        """Stable id as a string."""
        return str(self.id)


@dataclass(slots=True)
class DisciplineRecord:
    """An absence, late arrival, remark, praise or punishment."""

    uid: str
    pupil_id: str
    kind: str  # absence | late | remark | praise | punishment
    day: date
    hour: int
    subject: str | None
    teacher_id: str | None
    label: Text  # the category as a portal shows it, e.g. "Late"
    description: Text
    justified: bool | None = None

    @property
    def when(self) -> datetime:
        """Naive local start of the lesson it happened in."""
        return datetime.combine(self.day, BELL_SCHEDULE.get(self.hour, (time(8),))[0])


@dataclass(frozen=True, slots=True)
class Exam(_InLesson):
    """An announced test during one lesson."""

    uid: str
    class_id: str
    subject: str
    day: date
    hour: int
    description: Text


@dataclass(frozen=True, slots=True)
class GradeRecord:
    """A pupil's mark for one exam, out of 100."""

    uid: str
    pupil_id: str
    subject: str
    teacher_id: str
    day: date
    score: int
    description: Text
    out_of: int = 100


@dataclass(frozen=True, slots=True)
class HolidayRecord:
    """A named school break, both days inclusive."""

    uid: str
    names: Text
    start: date
    end: date

    def name(self, lang: str = "en") -> str:
        """The break's name in one language."""
        return localized(self.names, lang)


@dataclass(slots=True)
class NotificationRecord:
    """A short notice for a login."""

    uid: str
    login: str
    pupil_id: str | None
    when: datetime
    text: Text
    read: bool


class Names(TypedDict):
    """A person's names, as `Person` and `Pupil` take them."""

    first_name: str
    last_name: str
    first_name_he: str
    last_name_he: str


def names(first: str, last: str, first_he: str, last_he: str) -> Names:
    """Latin and Hebrew first and last names."""
    return Names(
        first_name=first, last_name=last, first_name_he=first_he, last_name_he=last_he
    )


@dataclass(frozen=True, slots=True)
class School:
    """The one school of the dataset."""

    id: int
    names: Text

    def name(self, lang: str = "en") -> str:
        """The school's name in one language."""
        return localized(self.names, lang)


_HEBREW_GRADES = {7: "ז", 8: "ח", 9: "ט"}
