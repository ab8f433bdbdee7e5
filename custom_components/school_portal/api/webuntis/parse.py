"""WebUntis payloads into our models: tolerant of optional keys, strict on meaning."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, tzinfo
from typing import Any

from ..errors import ProtocolError
from ..models import (
    DisciplineEvent,
    DisciplineKind,
    Exam,
    Holiday,
    Homework,
    Lesson,
    LessonStatus,
    Message,
    Notification,
    Span,
    Student,
)
from ..util import (
    as_int,
    at,
    by_keywords,
    first_text,
    html_to_text,
    portal_date,
    portal_datetime,
    preview,
    stable_id,
)

# What teachers type in the homework field when they write nothing (MMM-Webuntis'
# sample: "-"). It is no text; the row stays a homework all the same: it has a
# lesson, a due date and a done flag, and dropping it could lose a real task
# whose words are in the class register (the product never loses homework).
_PLACEHOLDER_TEXT = re.compile(r"[-\u2013\u2014\s]*")

# Class-register categories are free text: map them by keyword, first match.
_CLASSREG_KEYWORDS: Sequence[tuple[DisciplineKind, tuple[str, ...]]] = (
    (DisciplineKind.LATE, ("verspät", "zu spät", "late", "tardy")),
    (DisciplineKind.PRAISE, ("lob", "praise", "belobigung")),
    (
        DisciplineKind.PUNISHMENT,
        ("nachsitz", "strafe", "verweis", "detention", "arrest"),
    ),
)


# --- Encodings ------------------------------------------------------------------


def untis_date(value: Any) -> date | None:
    """``yyyymmdd`` as an int or a string; ISO dates are accepted too."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    return portal_date(text)


def untis_time(value: Any) -> time | None:
    """``HHMM`` as an int without leading zero (745) or a string; or "HH:MM"."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if ":" in text:
        try:
            return time.fromisoformat(text)
        except ValueError:
            return None
    if not text.isdigit() or len(text) > 4:
        return None
    text = text.zfill(4)
    try:
        return time(int(text[:2]), int(text[2:]))
    except ValueError:
        return None


def rows(value: Any) -> list[dict[str, Any]]:
    """The objects of a list member (other entries are skipped)."""
    return [row for row in as_list(value) if isinstance(row, dict)]


def as_list(value: Any) -> list[Any]:
    """A list member, or an error when it is something else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProtocolError("WebUntis sent something else than a list")
    return value


def unwrap(body: Any) -> Any:
    """The ``data`` member of a REST answer (some answers are bare)."""
    if isinstance(body, dict) and "data" in body:
        return body["data"]
    return body


# --- Small result types -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Element:
    """A class, teacher, subject, room, department or pupil of the master data."""

    id: int
    name: str
    long_name: str
    fore_name: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class SchoolYear(Span[int]):
    """A school year, both days inclusive."""


@dataclass(frozen=True, slots=True)
class TimeUnit:
    """One lesson slot of the time grid; ``day`` 1 is Sunday, 7 Saturday."""

    day: int
    name: str
    start: time
    end: time


def parse_element(row: Mapping[str, Any]) -> Element:
    """One master-data row."""
    element_id = as_int(row.get("id"))
    if element_id is None:
        raise ProtocolError("A master-data row without id")
    return Element(
        id=element_id,
        name=first_text(row, "name"),
        long_name=first_text(row, "longName", "longname", "name"),
        fore_name=first_text(row, "foreName"),
        raw=dict(row),
    )


def parse_school_year(row: Mapping[str, Any]) -> SchoolYear:
    """One school year."""
    start, end = untis_date(row.get("startDate")), untis_date(row.get("endDate"))
    year_id = as_int(row.get("id"))
    if start is None or end is None or year_id is None:
        raise ProtocolError("A school year without id or dates")
    return SchoolYear(year_id, first_text(row, "name"), start, end)


def parse_time_unit(day: Mapping[str, Any], unit: Mapping[str, Any]) -> TimeUnit:
    """One lesson slot of a getTimegridUnits day."""
    start, end = untis_time(unit.get("startTime")), untis_time(unit.get("endTime"))
    weekday = as_int(day.get("day"))
    if start is None or end is None or weekday is None:
        raise ProtocolError("A time unit without day or times")
    return TimeUnit(weekday, first_text(unit, "name"), start, end)


def parse_holiday(row: Mapping[str, Any]) -> Holiday:
    """A holiday of getHolidays (int dates) or of app/data (ISO date-times)."""
    start = untis_date(row.get("startDate", row.get("start")))
    end = untis_date(row.get("endDate", row.get("end")))
    if start is None or end is None:
        raise ProtocolError("A holiday without dates")
    name = first_text(row, "longName", "name")
    return Holiday(
        uid=stable_id("webuntis", "holiday", row.get("id"), start.isoformat(), name),
        name=name,
        start=start,
        end=end,
    )


# --- Timetable --------------------------------------------------------------------


def _names(entries: Any, key: str, *, short: bool = False) -> tuple[str, ...]:
    """Names of kl/te/su/ro entries (long names, or short ones for rooms)."""
    names = []
    for entry in as_list(entries):
        if not isinstance(entry, dict):
            continue
        if key == "orgname":
            name = first_text(entry, "orgname")
        elif short:
            name = first_text(entry, "name", "longname", "longName")
        else:
            name = first_text(entry, "longname", "longName", "name")
        if name:
            names.append(name)
    return tuple(names)


def _names_or_lookup(
    entries: Any,
    lookup: Mapping[int, str] | None,
    *,
    original: bool = False,
    short: bool = False,
) -> tuple[str, ...]:
    names = _names(entries, "orgname" if original else "name", short=short)
    if names or not lookup:
        return names
    id_key = "orgid" if original else "id"
    return tuple(
        lookup[element_id]
        for entry in as_list(entries)
        if isinstance(entry, dict)
        and (element_id := as_int(entry.get(id_key))) is not None
        and element_id in lookup
    )


def parse_period(
    owner: str,
    row: Mapping[str, Any],
    tz: tzinfo,
    lookups: Mapping[str, Mapping[int, str]] | None = None,
) -> Lesson:
    """One period of getTimetable; ``owner`` keeps the uid apart per pupil."""
    day = untis_date(row.get("date"))
    start = untis_time(row.get("startTime"))
    end = untis_time(row.get("endTime"))
    if day is None or start is None or end is None:
        raise ProtocolError("A period without date or times")
    lookups = lookups or {}
    teachers_raw, rooms_raw = row.get("te"), row.get("ro")
    original_teachers = _names_or_lookup(
        [t for t in as_list(teachers_raw) if isinstance(t, dict) and "orgid" in t],
        lookups.get("teacher"),
        original=True,
    )
    original_rooms = _names_or_lookup(
        [r for r in as_list(rooms_raw) if isinstance(r, dict) and "orgid" in r],
        lookups.get("room"),
        original=True,
    )
    replaced = any(
        isinstance(entry, dict) and "orgid" in entry
        for key in ("te", "ro", "su", "kl")
        for entry in as_list(row.get(key))
    )
    code = first_text(row, "code")
    if code == "cancelled":
        status = LessonStatus.CANCELLED
    elif code == "irregular" or replaced:
        status = LessonStatus.CHANGED
    elif first_text(row, "lstype") == "ex":
        status = LessonStatus.EXAM
    else:
        status = LessonStatus.NORMAL
    subjects = _names_or_lookup(row.get("su"), lookups.get("subject"))
    note = html_to_text(first_text(row, "substText")) or html_to_text(
        first_text(row, "lstext")
    )
    period_id = row.get("id")
    return Lesson(
        # The period id: WebUntis keeps it when a lesson is cancelled or changed.
        uid=stable_id(
            owner,
            "period",
            period_id if period_id is not None else f"{day}{start}",
        ),
        start=at(day, start, tz),
        end=at(day, end, tz),
        subject=", ".join(subjects) or html_to_text(first_text(row, "lstext")) or "?",
        teachers=_names_or_lookup(teachers_raw, lookups.get("teacher")),
        # People know rooms by their short name ("B204"), the rest by the long one.
        rooms=_names_or_lookup(rooms_raw, lookups.get("room"), short=True),
        status=status,
        note=note or None,
        original_teachers=original_teachers,
        original_rooms=original_rooms,
    )


# --- REST payloads ------------------------------------------------------------------


def parse_homework(
    student: Student, data: Mapping[str, Any], person_id: int | None
) -> list[Homework]:
    """Homework of ``/api/homeworks/lessons`` that concerns one pupil."""
    subjects = {
        as_int(row.get("id")): _lesson_subject(row) for row in rows(data.get("lessons"))
    }
    teachers = {
        as_int(row.get("id")): first_text(row, "name")
        for row in rows(data.get("teachers"))
    }
    records = {as_int(row.get("homeworkId")): row for row in rows(data.get("records"))}
    items = []
    for row in rows(data.get("homeworks")):
        homework_id = as_int(row.get("id"))
        record = records.get(homework_id, {})
        element_ids = {as_int(x) for x in as_list(record.get("elementIds"))}
        if person_id is not None and element_ids and person_id not in element_ids:
            continue
        due = untis_date(row.get("dueDate"))
        if due is None or homework_id is None:
            raise ProtocolError("A homework without id or due date")
        text = html_to_text(first_text(row, "text"))
        if _PLACEHOLDER_TEXT.fullmatch(text):
            text = ""
        remark = html_to_text(first_text(row, "remark"))
        completed = row.get("completed")
        items.append(
            Homework(
                uid=stable_id(student.id, "homework", homework_id),
                subject=subjects.get(as_int(row.get("lessonId"))) or "?",
                due=due,
                description="\n".join(part for part in (text, remark) if part),
                given=untis_date(row.get("date")),
                teacher=teachers.get(as_int(record.get("teacherId"))) or None,
                attachments=tuple(
                    first_text(a, "name") or "attachment"
                    for a in rows(row.get("attachments"))
                ),
                done=completed if isinstance(completed, bool) else None,
            )
        )
    return items


def _lesson_subject(row: Mapping[str, Any]) -> str:
    """A homework lesson's subject: ``subject`` text, or only ``su`` entries.

    MMM-old's sample shows both on one row; which rows carry only ``su``
    (``[{id, name, longname}]``, as in getTimetable) is not known, so either
    is read, the text first.
    """
    subject = row.get("subject")
    if isinstance(subject, str) and subject.strip():
        return subject.strip()
    return ", ".join(_names(row.get("su"), "name"))


def parse_rest_exam(student: Student, row: Mapping[str, Any], tz: tzinfo) -> Exam:
    """One exam of ``/api/exams``."""
    day = untis_date(row.get("examDate", row.get("date")))
    start = untis_time(row.get("startTime"))
    end = untis_time(row.get("endTime"))
    if day is None or start is None or end is None:
        raise ProtocolError("An exam without date or times")
    name = html_to_text(first_text(row, "name"))
    text = html_to_text(first_text(row, "text"))
    return Exam(
        uid=stable_id(student.id, "exam", row.get("id"), day.isoformat()),
        subject=first_text(row, "subject") or name or "?",
        start=at(day, start, tz),
        end=at(day, end, tz),
        description=name if not text or text == name else f"{name}\n{text}".strip(),
    )


def absence_reasons(data: Mapping[str, Any]) -> dict[int, str]:
    """The ``absenceReasons`` of an absences answer, by id."""
    return {
        reason_id: name
        for row in rows(data.get("absenceReasons"))
        if (reason_id := as_int(row.get("id"))) is not None
        and (name := first_text(row, "name", "longName", "longname"))
    }


def parse_absence(
    student: Student,
    row: Mapping[str, Any],
    tz: tzinfo,
    reasons: Mapping[int, str] | None = None,
) -> DisciplineEvent:
    """One row of ``/api/classreg/absences/students``.

    The reason is the row's ``reason`` text or, when that is empty, its
    ``reasonId`` looked up in the answer's ``absenceReasons`` (MMM-old shows
    an empty ``reason`` beside the list; which one a server fills is not
    known, so both are read).
    """
    day = untis_date(row.get("startDate"))
    if day is None:
        raise ProtocolError("An absence without date")
    clock = untis_time(row.get("startTime")) or time(0)
    excused = row.get("isExcused")
    reason = first_text(row, "reason")
    reason_id = as_int(row.get("reasonId"))
    if not reason and reasons and reason_id is not None:
        reason = reasons.get(reason_id, "")
    text = html_to_text(first_text(row, "text"))
    return DisciplineEvent(
        uid=stable_id(student.id, "absence", row.get("id"), day.isoformat()),
        kind=DisciplineKind.ABSENCE,
        when=at(day, clock, tz),
        description="\n".join(dict.fromkeys(part for part in (reason, text) if part)),
        justified=excused if isinstance(excused, bool) else None,
    )


def classreg_kind(reason: str) -> DisciplineKind:
    """The kind of a class-register event, from its category text."""
    return by_keywords(reason.casefold(), _CLASSREG_KEYWORDS, DisciplineKind.REMARK)


def parse_classreg_event(
    student: Student, row: Mapping[str, Any], tz: tzinfo
) -> DisciplineEvent:
    """One getClassregEvents row (a date, no time: midnight)."""
    day = untis_date(row.get("date"))
    if day is None:
        raise ProtocolError("A class-register event without date")
    reason = first_text(row, "reason")
    text = html_to_text(first_text(row, "text"))
    event_id = row.get("id")
    return DisciplineEvent(
        # The event's id when WebUntis sends one: an edited text is the same
        # event. Without an id (PWU's rows) the content is all there is.
        uid=stable_id(student.id, "classreg", event_id)
        if event_id not in (None, "")
        else stable_id(student.id, "classreg", None, day.isoformat(), reason, text),
        kind=classreg_kind(reason),
        when=at(day, time(0), tz),
        subject=first_text(row, "subject") or None,
        description=text or reason,
    )


def parse_message(row: Mapping[str, Any], tz: tzinfo) -> Message:
    """One incoming message of ``/api/rest/view/v1/messages``."""
    received = portal_datetime(first_text(row, "sentDateTime"), tz)
    if received is None:
        raise ProtocolError("A message without date")
    # An offset or "Z" on the wire: the same instant, shown in the school's zone.
    received = received.astimezone(tz)
    sender = row.get("sender")
    subject = html_to_text(first_text(row, "subject"))
    body = html_to_text(first_text(row, "contentPreview"))
    message_id = first_text(row, "id")
    return Message(
        uid=message_id or stable_id("webuntis", subject, received.isoformat()),
        subject=subject,
        sender=first_text(sender, "displayName") if isinstance(sender, dict) else "",
        received=received,
        read=bool(row.get("isMessageRead")),
        preview=preview(body or subject),
        has_attachments=bool(row.get("hasAttachments")),
    )


def parse_news(data: Mapping[str, Any], day: date, tz: tzinfo) -> list[Notification]:
    """The messages of the day of the news widget."""
    notes = []
    for row in rows(data.get("messagesOfDay")):
        text = "\n".join(
            part
            for part in (
                html_to_text(first_text(row, "subject")),
                html_to_text(first_text(row, "text")),
            )
            if part
        )
        if text:
            notes.append(
                Notification(
                    uid=stable_id("webuntis", "news", row.get("id"), text),
                    when=at(day, time(0), tz),
                    text=text,
                )
            )
    return notes


def concerns(exam: Mapping[str, Any], pupil: int) -> bool:
    """Whether an ``/api/exams`` row is the pupil's (rows without a list: yes).

    A parent's answer may hold the siblings' exams too when the server does
    not filter by ``studentId``; ``assignedStudents`` tells them apart.
    """
    assigned = exam.get("assignedStudents")
    if not isinstance(assigned, list):
        return True
    ids = {as_int(row.get("id")) for row in assigned if isinstance(row, dict)}
    ids.discard(None)
    return not ids or pupil in ids


def known_id(value: Any) -> int | None:
    """A WebUntis person or class id; None for none.

    Ids are positive. A login without a person of its own answers
    ``personId: -1`` and ``klasseId: 0`` (python-webuntis#63): absent too.
    """
    number = as_int(value)
    return number if number is not None and number > 0 else None


def split_name(display_name: str) -> tuple[str, str]:
    """First and last name of a display name (the last word is the last name)."""
    first, _, last = display_name.strip().rpartition(" ")
    return (first, last) if first else (last, "")
