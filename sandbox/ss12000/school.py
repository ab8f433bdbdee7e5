"""The dataset as SS12000 entities: one row per entity, with the facts filters read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import partial
from typing import Any

from ..dataset import Dataset, DisciplineRecord, GradeRecord, Lesson, Login, Pupil
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


class SsSchool:
    """Uuids and entity rows over one dataset, in one time zone."""

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

    # -- ids --------------------------------------------------------------------

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

    # -- names --------------------------------------------------------------------

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

    # -- rows by resource type ----------------------------------------------------

    def sources(self) -> dict[str, Callable[[], Iterator[Row]]]:
        """Each resource type's rows (types the dataset has nothing of are empty)."""
        return {
            "Organisation": self.organisations,
            "Person": self.persons,
            "Duty": self.duties,
            "Group": self.groups,
            "Syllabus": self.syllabuses,
            "Activity": self.activities,
            "CalendarEvent": self.calendar_events,
            "Attendance": self.attendances,
            "Absence": self.absences,
            "Grade": self.grades,
            "Room": self.rooms,
            "Resource": self.resources,
            "SchoolUnitOffering": self.offerings,
            "Placement": self.placements,
        }

    def organisations(self) -> Iterator[Row]:
        owner = "Sandlådans kommun"
        yield Row(
            self.owner_id,
            {
                "displayName": owner,
                "organisationCode": "SK",
                "organisationType": "Huvudman",
                "organisationNumber": "2120009999",
                "municipalityCode": "9999",
            },
            {
                "name": owner,
                "organisationCode": "SK",
                "type": "Huvudman",
                "municipalityCode": "9999",
                "organisation": {self.owner_id},
            },
        )
        unit = self.dataset.school.name("sv")
        code = f"{self.dataset.school.id:08d}"
        yield Row(
            self.unit_id,
            {
                "displayName": unit,
                "organisationCode": "SLS",
                "organisationType": "Skolenhet",
                "parentOrganisation": ref(self.owner_id, owner),
                "schoolUnitCode": code,
                "schoolTypes": [SCHOOL_TYPE],
                "municipalityCode": "9999",
                "startDate": "2001-08-01",
            },
            {
                "name": unit,
                "organisationCode": "SLS",
                "schoolUnitCode": code,
                "type": "Skolenhet",
                "parent": self.owner_id,
                "municipalityCode": "9999",
                "schoolTypes": {SCHOOL_TYPE},
                "organisation": {self.unit_id, self.owner_id},
                "startDate": date(2001, 8, 1),
                "endDate": None,
            },
        )

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

    def persons(self) -> Iterator[Row]:
        dataset = self.dataset
        responsibles = self._responsibles()
        placed = self.placed()
        owners = {g.username for gs in placed.values() for g in gs}
        for pupil in dataset.pupils.values():
            mail = f"{pupil.username}@elev.sandbox.example"
            guardians = responsibles.get(pupil.id, [])
            body: dict[str, Any] = {
                "givenName": pupil.first_name,
                "familyName": pupil.last_name,
                "eduPersonPrincipalNames": [mail],
                "civicNo": {"value": self.civic_no(pupil), "nationality": "SE"},
                "birthDate": pupil.birth_date.isoformat(),
                "securityMarking": "Ingen",
                "personStatus": "Aktiv",
                "emails": [{"value": mail, "type": "Skola elev"}],
                "enrolments": [
                    {
                        "enroledAt": self.unit_ref(),
                        "schoolYear": dataset.classes[pupil.class_id].grade,
                        "schoolType": SCHOOL_TYPE,
                        **self.days(),
                    }
                ],
            }
            if guardians:
                body["responsibles"] = [
                    {
                        "person": ref(
                            self.guardian_id(g.username),
                            f"{g.first_name} {g.last_name}",
                        ),
                        "relationType": "Vårdnadshavare",
                    }
                    for g in guardians
                ]
            yield Row(
                self.person_id(pupil.id),
                body,
                self._person_facts(pupil.first_name, pupil.last_name, mail)
                | {
                    "civicNo": body["civicNo"]["value"],
                    "relationship": {"enrolment", "groupMembership"}
                    | ({"placement.child"} if pupil.id in placed else set()),
                    **self.span(),
                },
            )
        for person in self.staff():
            mail = f"{person.first_name}.{person.last_name}@sandbox.example".lower()
            yield Row(
                self.person_id(person.id),
                {
                    "givenName": person.first_name,
                    "familyName": person.last_name,
                    "eduPersonPrincipalNames": [mail],
                    "emails": [{"value": mail, "type": "Skola personal"}],
                },
                self._person_facts(person.first_name, person.last_name, mail)
                | {"relationship": {"duty"}, **self.span()},
            )
        for login in self.guardians():
            yield Row(
                self.guardian_id(login.username),
                {"givenName": login.first_name, "familyName": login.last_name},
                self._person_facts(login.first_name, login.last_name, None)
                | {
                    "relationship": {"responsibleFor.enrolment"}
                    | (
                        {"placement.owner", "responsibleFor.placement"}
                        if login.username in owners
                        else set()
                    ),
                    **self.span(),
                },
            )

    def _person_facts(
        self, given: str, family: str, mail: str | None
    ) -> dict[str, Any]:
        return {
            "name": f"{given} {family}",
            "givenName": given,
            "familyName": family,
            "eppn": {mail} if mail else set(),
            "organisation": {self.unit_id, self.owner_id},
        }

    def _mentored(self, staff_id: str) -> list[str]:
        return [
            c.id
            for c in self.dataset.classes.values()
            if c.homeroom_teacher == staff_id
        ]

    def duties(self) -> Iterator[Row]:
        roles = {"s-principal": "Rektor", "s-office": "Skoladministratör"}
        for person in self.staff():
            body: dict[str, Any] = {
                "person": self.staff_ref(person.id),
                "dutyAt": self.unit_ref(),
                "dutyRole": roles.get(person.id, "Lärare"),
                "signature": (person.first_name[:2] + person.last_name[:1]).upper(),
                "dutyPercent": 100,
                "startDate": self.dataset.year_start.isoformat(),
            }
            mentor = [
                {
                    "group": self.group_ref(class_id),
                    "assignmentRoleType": "Mentor",
                    "startDate": self.dataset.year_start.isoformat(),
                }
                for class_id in self._mentored(person.id)
            ]
            if mentor:
                body["assignmentRole"] = mentor
            yield Row(
                self.duty_id(person.id),
                body,
                {
                    "organisation": {self.unit_id, self.owner_id},
                    "dutyRole": body["dutyRole"],
                    "person": self.person_id(person.id),
                    "startDate": self.dataset.year_start,
                    "endDate": None,
                },
            )

    def groups(self) -> Iterator[Row]:
        dataset = self.dataset
        for class_id, school_class in dataset.classes.items():
            members = [self.pupil_ref(p) for p in dataset.pupils_in(class_id)]
            member_ids = {m["id"] for m in members}
            for subject in (None, *dataset.subjects):
                group = self.group_ref(class_id, subject)
                body = {
                    "displayName": group["displayName"],
                    **self.days(),
                    "groupType": "Klass" if subject is None else "Undervisning",
                    "schoolType": SCHOOL_TYPE,
                    "organisation": self.unit_ref(),
                    "groupMemberships": [
                        {"person": member, **self.days()} for member in members
                    ],
                }
                yield Row(
                    group["id"],
                    body,
                    {
                        "name": body["displayName"],
                        "groupType": body["groupType"],
                        "schoolTypes": {SCHOOL_TYPE},
                        "organisation": {self.unit_id, self.owner_id},
                        "members": member_ids,
                        "mentor": school_class.homeroom_teacher
                        if subject is None
                        else None,
                        **self.span(),
                    },
                )

    def syllabuses(self) -> Iterator[Row]:
        for key, subject in self.dataset.subjects.items():
            body = {
                "schoolType": SCHOOL_TYPE,
                "subjectCode": SUBJECT_CODES.get(key, key.upper()),
                "subjectName": subject.name("sv"),
                "startSchoolYear": 7,
                "endSchoolYear": 9,
                "curriculum": "GR2011",
                "official": False,
            }
            yield Row(
                self.ids("syllabus", key),
                body,
                {
                    "subjectName": body["subjectName"],
                    "subjectCode": body["subjectCode"],
                },
            )

    def activities(self) -> Iterator[Row]:
        dataset = self.dataset
        for class_id in dataset.classes:
            members = {self.person_id(p.id) for p in dataset.pupils_in(class_id)}
            for subject in dataset.subjects:
                teacher = dataset.teacher_of(class_id, subject)
                activity = self.activity_ref(class_id, subject)
                body = {
                    "displayName": activity["displayName"],
                    "calendarEventsRequired": True,
                    **self.days(),
                    "activityType": "Undervisning",
                    "minutesPlanned": dataset.subjects[subject].weekly_hours
                    * LESSON_MINUTES
                    * 36,
                    "groups": [self.group_ref(class_id, subject)],
                    "teachers": [{"duty": self.duty_ref(teacher.id)}],
                    "syllabus": ref(
                        self.ids("syllabus", subject), self.subject_name(subject)
                    ),
                    "organisation": self.unit_ref(),
                }
                yield Row(
                    activity["id"],
                    body,
                    {
                        "name": body["displayName"],
                        "members": members,
                        "teachers": {self.duty_id(teacher.id)},
                        "organisation": {self.unit_id, self.owner_id},
                        "groups": {
                            self.teaching_group(class_id, subject),
                            self.class_group(class_id),
                        },
                        **self.span(),
                    },
                )

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

    def calendar_events(self) -> Iterator[Row]:
        members: dict[str, frozenset[str]] = {}
        for lesson in self.lessons():
            state = (lesson.cancelled, lesson.substitute_id, lesson.room)
            known = self._kept.get(lesson.uid)
            if known is not None and known[0] == state:
                yield known[1]
                continue
            if lesson.class_id not in members:
                members[lesson.class_id] = self._members(lesson.class_id)
            yield self._row(
                lesson.uid,
                state,
                partial(self._event, lesson, members[lesson.class_id]),
            )

    def _event(self, lesson: Lesson, members: frozenset[str]) -> Row:
        dataset = self.dataset
        regular = dataset.teacher_of(lesson.class_id, lesson.subject).id
        body: dict[str, Any] = {
            "activity": self.activity_ref(lesson.class_id, lesson.subject),
            "startTime": self.at(lesson.start),
            "endTime": self.at(lesson.end),
            "cancelled": lesson.cancelled,
            "teachingLengthTeacher": LESSON_MINUTES,
            "teachingLengthStudent": LESSON_MINUTES,
            "rooms": [self.room_ref(lesson.room)],
        }
        if topic := lesson.topic.get("sv"):
            body["comment"] = topic
        if lesson.subject == COMPUTING:
            body["resources"] = [self.resource_ref()]
        teachers = {self.duty_id(regular)}
        if lesson.substitute_id:
            teachers.add(self.duty_id(lesson.substitute_id))
            body["teacherExceptions"] = [
                {"duty": self.duty_ref(regular), "participates": False},
                {"duty": self.duty_ref(lesson.substitute_id), "participates": True},
            ]
        return Row(
            self.event_id(lesson),
            body,
            {
                "activity": self.activity_id(lesson.class_id, lesson.subject),
                "members": members,
                "teachers": teachers,
                "organisation": {self.unit_id, self.owner_id},
                "groups": {
                    self.teaching_group(lesson.class_id, lesson.subject),
                    self.class_group(lesson.class_id),
                },
                "startTime": self.aware(lesson.start),
                "endTime": self.aware(lesson.end),
            },
        )

    def _lesson_of(self, record: DisciplineRecord) -> Lesson | None:
        if record.pupil_id not in self.dataset.pupils:
            return None
        return next(
            (
                lesson
                for lesson in self.dataset.lessons_on(record.pupil_id, record.day)
                if lesson.hour == record.hour
            ),
            None,
        )

    def absences_and_lates(self) -> Iterator[tuple[DisciplineRecord, Lesson]]:
        for pupil_id in self.dataset.pupils:
            for record in self.dataset.discipline(pupil_id):
                if record.kind in ("absence", "late"):
                    lesson = self._lesson_of(record)
                    if lesson is not None:
                        yield record, lesson

    def attendances(self) -> Iterator[Row]:
        for record, lesson in self.absences_and_lates():
            pupil = self.dataset.pupils[record.pupil_id]
            late = record.kind == "late"
            missed = 10 if late else LESSON_MINUTES
            valid = not late and bool(record.justified)
            reason = record.description.get("sv") or record.label.get("sv") or ""
            body: dict[str, Any] = {
                "calendarEvent": ref(self.event_id(lesson)),
                "student": self.pupil_ref(pupil),
                "isReported": True,
                "attendanceMinutes": LESSON_MINUTES - missed,
                "validAbsenceMinutes": missed if valid else 0,
                "invalidAbsenceMinutes": 0 if valid else missed,
                "absenceReason": reason,
                "reportedTimestamp": self.at(lesson.end),
            }
            if record.teacher_id:
                body["reporter"] = self.staff_ref(record.teacher_id)
            yield Row(
                self.ids("attendance", record.uid),
                body,
                {
                    "student": self.person_id(pupil.id),
                    "organisation": {self.unit_id, self.owner_id},
                    "calendarEvent": self.event_id(lesson),
                    "activity": self.activity_id(lesson.class_id, lesson.subject),
                    "startTime": self.aware(lesson.start),
                    "valid": body["validAbsenceMinutes"],
                    "invalid": body["invalidAbsenceMinutes"],
                },
                born=self.aware(lesson.end),
            )

    def absences(self) -> Iterator[Row]:
        responsibles = self._responsibles()
        for record, lesson in self.absences_and_lates():
            if record.kind != "absence" or not record.justified:
                continue
            pupil = self.dataset.pupils[record.pupil_id]
            body: dict[str, Any] = {
                "startTime": self.at(lesson.start),
                "endTime": self.at(lesson.end),
                "type": "Anmäld frånvaro",
                "student": self.pupil_ref(pupil),
                "organisation": self.unit_ref(),
            }
            reporters = responsibles.get(pupil.id)
            if reporters:
                body["registeredBy"] = ref(
                    self.guardian_id(reporters[0].username),
                    f"{reporters[0].first_name} {reporters[0].last_name}",
                )
            yield Row(
                self.ids("absence", record.uid),
                body,
                {
                    "student": self.person_id(pupil.id),
                    "organisation": {self.unit_id, self.owner_id},
                    "registeredBy": body.get("registeredBy", {}).get("id"),
                    "type": body["type"],
                    "startTime": self.aware(lesson.start),
                    "endTime": self.aware(lesson.end),
                },
                born=self.aware(lesson.start) - timedelta(hours=1),
            )

    def grades(self) -> Iterator[Row]:
        for pupil_id in self.dataset.pupils:
            for record in self.dataset.grades(pupil_id):
                yield self._row(record.uid, record, partial(self._grade, record))

    def _grade(self, record: GradeRecord) -> Row:
        pupil = self.dataset.pupils[record.pupil_id]
        teacher = self.staff_ref(record.teacher_id)
        body: dict[str, Any] = {
            "student": self.pupil_ref(pupil),
            "organisation": self.unit_ref(),
            # 2.1.0 requires "schoolUnit", a property it never defines (its
            # name for the unit is "organisation"): both are sent.
            "schoolUnit": self.unit_ref(),
            "registeredBy": teacher,
            "gradingTeacher": teacher,
            "group": self.group_ref(pupil.class_id, record.subject),
            "registeredDate": record.day.isoformat(),
            "gradeValue": letter(record.score),
            "finalGrade": False,
            "trial": False,
            "adaptedStudyPlan": "",
            "semester": "HT" if record.day.month >= 7 else "VT",
            "year": record.day.year,
            "syllabus": ref(
                self.ids("syllabus", record.subject), self.subject_name(record.subject)
            ),
        }
        if text := record.description.get("sv"):
            body["remark"] = text
        return Row(
            self.ids("grade", record.uid),
            body,
            {
                "student": self.person_id(pupil.id),
                "organisation": {self.unit_id, self.owner_id},
                "registeredBy": teacher["id"],
                "gradingTeacher": teacher["id"],
                "registeredDate": record.day,
            },
            born=datetime.combine(record.day, time(16), self.zone),
        )

    def rooms(self) -> Iterator[Row]:
        names = sorted(
            {slot.room for slots in self.dataset.timetables.values() for slot in slots}
        )
        for name in names:
            room = self.room_ref(name)
            yield Row(
                room["id"],
                {"displayName": name, "seats": 30, "owner": self.unit_ref()},
                {"name": name, "organisation": {self.unit_id, self.owner_id}},
            )

    def resources(self) -> Iterator[Row]:
        resource = self.resource_ref()
        yield Row(
            resource["id"],
            {
                "displayName": resource["displayName"],
                "description": "30 bärbara datorer för programmeringslektionerna",
                "owner": self.unit_ref(),
            },
            {
                "name": resource["displayName"],
                "organisation": {self.unit_id, self.owner_id},
            },
        )

    def offerings(self) -> Iterator[Row]:
        yield Row(
            self.ids("offering", "unit"),
            {
                "offeredAt": self.unit_ref(),
                "offeredSyllabuses": [
                    ref(self.ids("syllabus", key), self.subject_name(key))
                    for key in self.dataset.subjects
                ],
                **self.days(),
            },
            {"organisation": {self.unit_id, self.owner_id}, **self.span()},
        )

    def placements(self) -> Iterator[Row]:
        for pupil_id, guardians in self.placed().items():
            pupil = self.dataset.pupils[pupil_id]
            owners = [
                ref(self.guardian_id(g.username), f"{g.first_name} {g.last_name}")
                for g in guardians
            ]
            child = self.pupil_ref(pupil)
            yield Row(
                self.ids("placement", pupil_id),
                {
                    "placedAt": self.unit_ref(),
                    "child": child,
                    "owners": owners,
                    "schoolType": "OPPFTH",
                    "startDate": self.dataset.year_start.isoformat(),
                    "reason": "Eget behov",
                },
                {
                    "organisation": {self.unit_id, self.owner_id},
                    "child": child["id"],
                    "owners": {o["id"] for o in owners},
                    "persons": {child["id"], *(o["id"] for o in owners)},
                    "startDate": self.dataset.year_start,
                    "endDate": None,
                },
            )
