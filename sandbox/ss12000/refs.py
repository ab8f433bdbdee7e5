"""What every SS12000 entity builder shares: rows, uuids, references, times."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ..dataset import Dataset, Lesson, Login, Pupil
from ..dataset import Person as Staff
from .wire import Ids, local, ref

SCHOOL_TYPE = "GR"
LESSON_MINUTES = 45
# Made-up codes: our subjects are not Skolverket's.
SUBJECT_CODES = {
    "math": "MA",
    "language": "SV",
    "english": "EN",
    "science": "NO",
    "history": "HI",
    "geography": "GE",
    "literature": "LI",
    "pe": "IDH",
    "computing": "TK",
    "art": "BL",
    "music": "MU",
    "civics": "SH",
}
COMPUTING = "computing"  # its lessons book the laptop trolley
_GRADE_STEPS = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (50, "E"))


@dataclass(slots=True)
class Row:
    """One entity: its body (no id, no meta), filter facts, when it first existed."""

    id: str
    body: dict[str, Any]
    facts: dict[str, Any] = field(default_factory=dict)
    born: datetime | None = None  # None: the dataset's start
    state: Any = None  # what a change is seen by (the body unless cheaper)

    def __post_init__(self) -> None:
        if self.state is None:
            self.state = self.body


def letter(score: int) -> str:
    """A test score out of 100 as a Swedish grade (A–F)."""
    return next((mark for floor, mark in _GRADE_STEPS if score >= floor), "F")


class SchoolRefs:
    """Uuids, references and times over one dataset, in one time zone."""

    def __init__(self, dataset: Dataset, zone: tzinfo) -> None:
        self.dataset = dataset
        self.zone = zone
        self.ids = Ids(dataset.seed)
        self.owner_id = self.ids("organisation", "owner")
        self.unit_id = self.ids("organisation", "unit")
        self.start = datetime.combine(
            dataset.year_start - timedelta(days=14), time(7), zone
        )
        # Rows of many records that change in a few fields only, by record:
        # rebuilt when that state changes (lessons, marks, attendance).
        self._kept: dict[str, tuple[Any, Row]] = {}
        # Rows a client deleted (DELETE /attendances/{id} on a generated one).
        self.removed: set[str] = set()

    def person_id(self, pupil_or_staff: str) -> str:
        return self.ids("person", pupil_or_staff)

    def guardian_id(self, username: str) -> str:
        return self.ids("guardian", username)

    def duty_id(self, staff_id: str) -> str:
        return self.ids("duty", staff_id)

    def class_group(self, class_id: str) -> str:
        return self.ids("group", class_id)

    def teaching_group(self, class_id: str, subject: str) -> str:
        return self.ids("group", f"{class_id}/{subject}")

    def activity_id(self, class_id: str, subject: str) -> str:
        return self.ids("activity", f"{class_id}/{subject}")

    def event_id(self, lesson: Lesson) -> str:
        return self.ids("event", lesson.uid)

    def civic_no(self, pupil: Pupil) -> str:
        """A made-up personnummer: birth date, three digits, the Luhn check digit."""
        digits = f"{pupil.birth_date:%y%m%d}{pupil.number % 1000:03d}"
        total = 0
        for index, char in enumerate(digits):
            product = int(char) * (2 - index % 2)
            total += product // 10 + product % 10
        return f"{pupil.birth_date:%Y}{digits[2:]}{(10 - total % 10) % 10}"

    def guardians(self) -> list[Login]:
        """The dataset's parent logins: each a guardian of its pupils."""
        return [x for x in self.dataset.logins.values() if x.kind == "parent"]

    def login_person(self, login: Login) -> str:
        """A login's own person: the pupil, or the guardian."""
        if login.kind == "student":
            return self.person_id(login.pupil_ids[0])
        return self.guardian_id(login.username)

    def unit_ref(self) -> dict[str, Any]:
        return ref(self.unit_id, self.dataset.school.name("sv"))

    def staff(self) -> list[Staff]:
        return [*self.dataset.teachers.values(), *self.dataset.staff.values()]

    def staff_ref(self, staff_id: str) -> dict[str, Any]:
        return ref(self.person_id(staff_id), self.dataset.person(staff_id).name)

    def duty_ref(self, staff_id: str) -> dict[str, Any]:
        return ref(self.duty_id(staff_id), self.dataset.person(staff_id).name)

    def pupil_ref(self, pupil: Pupil) -> dict[str, Any]:
        return ref(self.person_id(pupil.id), pupil.name)

    def subject_name(self, subject: str) -> str:
        return self.dataset.subjects[subject].name("sv")

    def activity_ref(self, class_id: str, subject: str) -> dict[str, Any]:
        name = f"{self.subject_name(subject)} {self.dataset.classes[class_id].name}"
        return ref(self.activity_id(class_id, subject), name)

    def group_ref(self, class_id: str, subject: str | None = None) -> dict[str, Any]:
        name = self.dataset.classes[class_id].name
        if subject is None:
            return ref(self.class_group(class_id), name)
        return ref(
            self.teaching_group(class_id, subject),
            f"{name} {self.subject_name(subject)}",
        )

    def resource_ref(self) -> dict[str, Any]:
        return ref(self.ids("resource", "laptops"), "Bärbara datorer, vagn 1")

    def room_ref(self, room: str) -> dict[str, Any]:
        return ref(self.ids("room", room), room)

    def at(self, moment: datetime) -> str:
        return local(moment, self.zone)

    def aware(self, moment: datetime) -> datetime:
        return moment.replace(tzinfo=self.zone)

    def days(self) -> dict[str, str]:
        return {
            "startDate": self.dataset.year_start.isoformat(),
            "endDate": self.dataset.year_end.isoformat(),
        }

    def span(self) -> dict[str, date]:
        return {"startDate": self.dataset.year_start, "endDate": self.dataset.year_end}

    def placed(self) -> dict[str, list[Login]]:
        """Pupils in the youngest grade with a guardian: at open after-school care."""
        youngest = min(c.grade for c in self.dataset.classes.values())
        return {
            pupil_id: guardians
            for pupil_id, guardians in self._responsibles().items()
            if self.dataset.classes[self.dataset.pupils[pupil_id].class_id].grade
            == youngest
        }

    def _responsibles(self) -> dict[str, list[Login]]:
        by_pupil: dict[str, list[Login]] = {}
        for guardian in self.guardians():
            for pupil_id in guardian.pupil_ids:
                by_pupil.setdefault(pupil_id, []).append(guardian)
        return by_pupil

    def lessons(self) -> Iterator[Lesson]:
        for by_day in self.dataset._lessons.values():
            for lessons in by_day.values():
                yield from lessons

    def _row(self, key: str, state: Any, build: Callable[[], Row]) -> Row:
        known = self._kept.get(key)
        if known is None or known[0] != state:
            row = build()
            row.state = state
            known = self._kept[key] = (state, row)
        return known[1]

    def _members(self, class_id: str) -> frozenset[str]:
        return frozenset(self.person_id(p.id) for p in self.dataset.pupils_in(class_id))
