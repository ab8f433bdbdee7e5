"""The normalized, immutable data model shared by every portal.

Every datetime is timezone-aware. Portal ids are kept as opaque strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class AccountKind(StrEnum):
    """Who logged in."""

    STUDENT = "student"
    PARENT = "parent"


class Capability(StrEnum):
    """What a portal client can deliver."""

    TIMETABLE = "timetable"
    HOMEWORK = "homework"
    HOMEWORK_DONE = "homework_done"
    MESSAGES = "messages"
    # Marks inbox messages read on the portal.
    MESSAGES_READ = "messages_read"
    DISCIPLINE = "discipline"
    GRADES = "grades"
    EXAMS = "exams"
    NOTIFICATIONS = "notifications"
    MENUS = "menus"


class LessonStatus(StrEnum):
    """What happens to a lesson."""

    NORMAL = "normal"
    CANCELLED = "cancelled"
    CHANGED = "changed"
    EXAM = "exam"
    EVENT = "event"


class DisciplineKind(StrEnum):
    """The kinds of discipline events portals report."""

    ABSENCE = "absence"
    LATE = "late"
    PUNISHMENT = "punishment"
    REMARK = "remark"
    PRAISE = "praise"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Item:
    """Something a portal lists, under an id that stays when its content changes."""

    uid: str


@dataclass(frozen=True, slots=True)
class Student:
    """One pupil the account can see."""

    id: str
    first_name: str
    last_name: str
    class_name: str | None = None
    school: str | None = None
    # Opaque, portal-specific values a client needs to address this pupil
    # (for Webtop: the encrypted id, class code and number). Never shown.
    context: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class Account:
    """A portal login and the pupils it covers."""

    id: str
    kind: AccountKind
    students: tuple[Student, ...]
    school: str | None = None


@dataclass(frozen=True, slots=True)
class Lesson(Item):
    """One timetable entry."""

    start: datetime
    end: datetime
    subject: str
    teachers: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    status: LessonStatus = LessonStatus.NORMAL
    note: str | None = None
    # What the portal says the lesson replaced (a substituted teacher, a moved
    # room); empty when nothing was replaced or the portal does not say.
    original_teachers: tuple[str, ...] = ()
    original_rooms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Homework(Item):
    """One homework item."""

    subject: str
    due: date | datetime
    description: str
    given: date | None = None
    teacher: str | None = None
    attachments: tuple[str, ...] = ()
    done: bool | None = None

    @property
    def due_date(self) -> date:
        """The day the homework is due."""
        return self.due.date() if isinstance(self.due, datetime) else self.due


@dataclass(frozen=True, slots=True)
class Message(Item):
    """One message in the inbox."""

    subject: str
    sender: str
    received: datetime
    read: bool
    preview: str = ""
    has_attachments: bool = False


@dataclass(frozen=True, slots=True)
class DisciplineEvent(Item):
    """An absence, a late arrival, a punishment, a remark or praise."""

    kind: DisciplineKind
    when: datetime
    subject: str | None = None
    description: str = ""
    teacher: str | None = None
    justified: bool | None = None  # None where the portal does not say


@dataclass(frozen=True, slots=True)
class Grade(Item):
    """One mark."""

    subject: str
    value: str
    when: date
    out_of: str | None = None  # the scale ("20"); None where not given
    description: str = ""
    period: str | None = None  # the term's name
    class_average: str | None = None


@dataclass(frozen=True, slots=True)
class Average:
    """A pupil's average over a period: per subject, or overall (subject None)."""

    subject: str | None
    value: str
    period: str | None = None
    out_of: str | None = None
    class_average: str | None = None


class Meal(StrEnum):
    """Which meal a menu is for."""

    LUNCH = "lunch"
    DINNER = "dinner"


@dataclass(frozen=True, slots=True)
class Menu:
    """What the canteen serves at one meal of one day."""

    day: date
    meal: Meal
    dishes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Exam(Item):
    """An announced test."""

    subject: str
    start: datetime
    end: datetime
    description: str = ""


@dataclass(frozen=True, slots=True)
class Span[I]:
    """School days with a name and a portal id, both days inclusive (a term, a year)."""

    id: I
    name: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Holiday(Item):
    """A school holiday, inclusive of both days."""

    name: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Notification(Item):
    """A short notice from the school."""

    when: datetime
    text: str


@dataclass(frozen=True, slots=True)
class DateWindow:
    """Days a refresh covers: start inclusive, end exclusive."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class StudentData:
    """Everything one refresh knows about one pupil."""

    student: Student
    lessons: tuple[Lesson, ...] = ()
    homework: tuple[Homework, ...] = ()
    discipline: tuple[DisciplineEvent, ...] = ()
    grades: tuple[Grade, ...] = ()
    averages: tuple[Average, ...] = ()
    menus: tuple[Menu, ...] = ()
    exams: tuple[Exam, ...] = ()
    holidays: tuple[Holiday, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountData:
    """What belongs to the login rather than to one pupil: kept once.

    A parent's one inbox and the school's notices are read once per refresh,
    whatever the number of children, and never copied into each pupil.
    """

    messages: tuple[Message, ...] = ()
    unread_messages: int | None = None
    notifications: tuple[Notification, ...] = ()


class PortalData(Mapping[str, StudentData]):
    """One refresh: each pupil's data by pupil id, and the login's data once."""

    __slots__ = ("_students", "account")

    def __init__(
        self,
        students: Iterable[StudentData] = (),
        account: AccountData | None = None,
    ) -> None:
        """Key the pupils' data by pupil id."""
        self._students = {data.student.id: data for data in students}
        self.account = account or AccountData()

    def __getitem__(self, student_id: str) -> StudentData:
        """One pupil's data."""
        return self._students[student_id]

    def __iter__(self) -> Iterator[str]:
        """The pupils' ids."""
        return iter(self._students)

    def __len__(self) -> int:
        """How many pupils the refresh read."""
        return len(self._students)

    def __repr__(self) -> str:
        """Counts only: the data names children."""
        return f"PortalData({len(self._students)} pupil(s))"
