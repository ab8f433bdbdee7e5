"""SS12000 payloads as the shared models (2.1, with 2.0 values accepted).

Servers fill `displayName` of references only when asked
(`expandReferenceNames=true`); an entity embedded by `expand` is read first
where it says more. Fields missing in 2.0 (meta) or in Skolverket's sample
data (ids that are no UUIDs) are tolerated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from ..models import (
    DisciplineEvent,
    DisciplineKind,
    Grade,
    Lesson,
    LessonStatus,
    Student,
)
from ..util import portal_date, portal_datetime

# Values 2.0.0 spelt otherwise than 2.1.0 (§6.10 of the notes): read as 2.1.
RENAMED_IN_2_1: Mapping[str, str] = {
    "Särskildpostadress": "Särskild postadress",
    "Tillfälligadress": "Tillfällig adress",
    "Omsorg": "Omsorgsbehov",
    "Annan behörig": "Utsedd behörig",
    "Förälder": "Vårdnadshavare",
}

# Absence types (Absence.type): granted leave, and an absence reported in advance.
GRANTED_LEAVE = "Beviljad ledighet"
REPORTED_ABSENCE = "Anmäld frånvaro"

_UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)
_CIVIC = re.compile(r"^(\d{6}|\d{8})[-+]?[0-9A-Z]{4}$", re.IGNORECASE)


def v21(value: Any) -> str:
    """An enum value as 2.1 spells it."""
    text = str(value or "").strip()
    return RENAMED_IN_2_1.get(text, text)


def is_uuid(text: str) -> bool:
    """Whether a pupil setting names a person id."""
    return bool(_UUID.match(text.strip()))


def civic_number(text: str, this_year: int) -> str | None:
    """A typed personnummer as SS12000 stores it (12 digits); None if it is none.

    Ten digits get their century from the separator (``+`` for 100 years and
    more) and today's year; samordningsnummer (day + 60) pass unchanged.
    """
    value = text.strip().replace(" ", "")
    if not _CIVIC.match(value):
        return None
    plus = "+" in value
    digits = value.replace("-", "").replace("+", "")
    if len(digits) == 12:
        return digits.upper()
    year = int(digits[:2])
    born = this_year // 100 * 100 + year
    if born > this_year:
        born -= 100
    if plus:
        born -= 100
    return f"{born:04d}{digits[2:]}".upper()


def ref_id(value: Any) -> str | None:
    """The id of an ObjectReference (or of an embedded entity)."""
    if isinstance(value, Mapping):
        found = value.get("id")
        return str(found) if found is not None else None
    return None


def ref_name(value: Any) -> str:
    """The displayName of a reference; empty when the server gave none."""
    if isinstance(value, Mapping):
        return str(value.get("displayName") or "").strip()
    return ""


def rows(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a JSON list (anything else: none)."""
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, Mapping)]


def embedded(entity: Mapping[str, Any], key: str) -> Any:
    """What `expand` put under `_embedded`."""
    found = entity.get("_embedded")
    return found.get(key) if isinstance(found, Mapping) else None


def when(value: Any, tz: tzinfo) -> datetime | None:
    """A date-time in the school's zone (the wire gives only an offset)."""
    found = portal_datetime(str(value or ""), tz)
    return found.astimezone(tz) if found else None


def modified(entity: Mapping[str, Any], tz: tzinfo) -> datetime | None:
    """When the entity last changed (2.0 may have no meta)."""
    meta = entity.get("meta")
    if not isinstance(meta, Mapping):
        return None
    return portal_datetime(meta.get("modified"), tz) or portal_datetime(
        meta.get("created"), tz
    )


# --- persons ---------------------------------------------------------------------


def person_name(person: Mapping[str, Any]) -> tuple[str, str]:
    """(given, family); a middle name goes with the given name."""
    given = " ".join(
        str(person.get(key) or "").strip()
        for key in ("givenName", "middleName")
        if str(person.get(key) or "").strip()
    )
    return given, str(person.get("familyName") or "").strip()


def is_pupil(person: Mapping[str, Any]) -> bool:
    """A person enrolled somewhere (a pupil), as opposed to a guardian."""
    return bool(rows(person.get("enrolments")))


def responsible_for(person: Mapping[str, Any]) -> list[str]:
    """The ids of the children a guardian is responsible for."""
    return [
        child
        for relation in rows(embedded(person, "responsibleFor"))
        if (child := ref_id(relation.get("person")))
    ]


def class_name(person: Mapping[str, Any]) -> str | None:
    """The pupil's class: the group of type Klass among its memberships."""
    for membership in rows(embedded(person, "groupMemberships")):
        group = membership.get("group")
        if isinstance(group, Mapping) and group.get("groupType") == "Klass":
            return str(group.get("displayName") or "").strip() or None
    return None


def school_name(person: Mapping[str, Any]) -> str | None:
    """The school unit of the pupil's first enrolment, when the server named it."""
    for enrolment in rows(person.get("enrolments")):
        if name := ref_name(enrolment.get("enroledAt")):
            return name
    return None


def parse_student(person: Mapping[str, Any]) -> Student:
    """A pupil from a Person (with its group memberships expanded)."""
    given, family = person_name(person)
    return Student(
        id=str(person["id"]),
        first_name=given,
        last_name=family,
        class_name=class_name(person),
        school=school_name(person),
    )


def person_label(person: Mapping[str, Any]) -> str:
    """How the pupil choice names a person."""
    given, family = person_name(person)
    return f"{given} {family}".strip() or str(person.get("id"))


# --- the timetable ----------------------------------------------------------------


def _names(refs: Any) -> tuple[str, ...]:
    return tuple(name for ref in rows(refs) if (name := ref_name(ref)))


def teacher_duties(activity: Mapping[str, Any] | None) -> dict[str, str]:
    """The activity's teachers by duty id: expanded duties' persons, else references' names."""
    named: dict[str, str] = {}
    for duty in rows(embedded(activity or {}, "teachers")):
        person: Any = embedded(duty, "person")
        name = (
            " ".join(person_name(person)).strip() if isinstance(person, Mapping) else ""
        )
        if (duty_id := ref_id(duty)) and (name := name or ref_name(duty.get("person"))):
            named[duty_id] = name
    for teacher in rows((activity or {}).get("teachers")):
        reference = teacher.get("duty")
        duty_id, name = ref_id(reference), ref_name(reference)
        if duty_id and name and duty_id not in named:
            named[duty_id] = name
    return named


def lesson_teachers(
    event: Mapping[str, Any], regular: Mapping[str, str]
) -> dict[str, str]:
    """The teachers who teach this event: `teacherExceptions` drop and add duties."""
    teachers = dict(regular)
    for exception in rows(event.get("teacherExceptions")):
        duty = exception.get("duty")
        if (duty_id := ref_id(duty)) is None:
            continue
        if exception.get("participates") is False:
            teachers.pop(duty_id, None)
        elif name := ref_name(duty) or regular.get(duty_id, ""):
            teachers[duty_id] = name
    return teachers


def subject_of(activity: Mapping[str, Any] | None, fallback: str = "") -> str:
    """A lesson's subject: the syllabus' subject, else the activity's name."""
    if not activity:
        return fallback
    syllabus = embedded(activity, "syllabus")
    if isinstance(syllabus, Mapping) and syllabus.get("subjectName"):
        return str(syllabus["subjectName"]).strip()
    return (
        ref_name(activity.get("syllabus"))
        or str(activity.get("displayName") or "").strip()
        or fallback
    )


def parse_lesson(
    event: Mapping[str, Any],
    pupil: str,
    tz: tzinfo,
    activities: Mapping[str, Mapping[str, Any]] | None = None,
) -> Lesson | None:
    """A calendar event as the pupil's lesson; None when the pupil does not take part.

    A `studentExceptions` entry for the pupil decides: ``participates`` false
    drops the event, its own times replace the event's.
    """
    start = when(event.get("startTime"), tz)
    end = when(event.get("endTime"), tz)
    for exception in rows(event.get("studentExceptions")):
        if ref_id(exception.get("student")) != pupil:
            continue
        if exception.get("participates") is False:
            return None
        start = when(exception.get("startTime"), tz) or start
        end = when(exception.get("endTime"), tz) or end
    if start is None or end is None or "id" not in event:
        return None
    reference = event.get("activity")
    activity = embedded(event, "activity")
    if not isinstance(activity, Mapping):
        activity = (activities or {}).get(ref_id(reference) or "")
    comment = str(event.get("comment") or "").strip()
    regular = teacher_duties(activity)
    teachers = lesson_teachers(event, regular)
    # A substitute (or a teacher who stays away) changes the lesson.
    changed = teachers.keys() != regular.keys()
    if event.get("cancelled"):
        status = LessonStatus.CANCELLED
    else:
        status = LessonStatus.CHANGED if changed else LessonStatus.NORMAL
    return Lesson(
        uid=str(event["id"]),
        start=start,
        end=end,
        subject=subject_of(activity, ref_name(reference)),
        teachers=tuple(teachers.values()),
        rooms=_names(event.get("rooms")),
        status=status,
        note=comment or None,
        original_teachers=tuple(regular.values()) if changed else (),
    )


# --- attendance, absences, grades ----------------------------------------------------


def parse_attendance(
    attendance: Mapping[str, Any],
    tz: tzinfo,
    lessons: Mapping[str, Lesson] | None = None,
) -> DisciplineEvent | None:
    """A lesson the pupil missed (some minutes of absence), else None.

    Present for part of it (attendance minutes too) is a late arrival: the
    standard has no word for it, only the minutes.
    """
    valid = _minutes(attendance.get("validAbsenceMinutes"))
    invalid = _minutes(attendance.get("invalidAbsenceMinutes"))
    if (not valid and not invalid) or "id" not in attendance:
        return None
    event = attendance.get("calendarEvent")
    lesson = (lessons or {}).get(ref_id(event) or "")
    at = (
        (lesson.start if lesson else None)
        or when(attendance.get("reportedTimestamp"), tz)
        or modified(attendance, tz)
    )
    if at is None:
        return None
    reason = str(attendance.get("absenceReason") or "").strip()
    minutes = f"{valid + invalid} min"
    return DisciplineEvent(
        uid=f"attendance:{attendance['id']}",
        kind=DisciplineKind.LATE
        if _minutes(attendance.get("attendanceMinutes"))
        else DisciplineKind.ABSENCE,
        when=at,
        subject=(lesson.subject if lesson else ref_name(event)) or None,
        description=f"{reason} ({minutes})" if reason else minutes,
        justified=not invalid,
    )


def _minutes(value: Any) -> int:
    return (
        value
        if isinstance(value, int) and not isinstance(value, bool) and value > 0
        else 0
    )


def parse_absence(absence: Mapping[str, Any], tz: tzinfo) -> DisciplineEvent | None:
    """Granted leave or a reported absence, as an absence event."""
    start = when(absence.get("startTime"), tz)
    if start is None or "id" not in absence:
        return None
    kind = str(absence.get("type") or "").strip()
    end = when(absence.get("endTime"), tz)
    span = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" if end else ""
    return DisciplineEvent(
        uid=f"absence:{absence['id']}",
        kind=DisciplineKind.ABSENCE,
        when=start,
        description=" ".join(part for part in (kind, span) if part),
        teacher=ref_name(absence.get("registeredBy")) or None,
        # Both kinds are announced ahead, by the school or the guardian.
        justified=kind in (GRANTED_LEAVE, REPORTED_ABSENCE) or None,
    )


def parse_grade(grade: Mapping[str, Any]) -> Grade | None:
    """A grade; the subject is the syllabus' name (given with reference names)."""
    day = portal_date(str(grade.get("registeredDate") or ""))
    if day is None or "id" not in grade or grade.get("gradeValue") is None:
        return None
    semester = " ".join(
        str(part) for part in (grade.get("semester"), grade.get("year")) if part
    )
    notes = [str(grade.get("remark") or "").strip()]
    if grade.get("finalGrade"):
        notes.insert(0, "Slutbetyg")
    if grade.get("trial"):
        notes.insert(0, "Prövning")
    return Grade(
        uid=str(grade["id"]),
        subject=ref_name(grade.get("syllabus")) or ref_name(grade.get("group")),
        value=str(grade["gradeValue"]).strip(),
        when=day,
        description=" · ".join(note for note in notes if note),
        period=semester or None,
    )


def by_id(entities: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Entities keyed by their id (those without one are left out)."""
    return {str(row["id"]): row for row in entities if "id" in row}
