"""WebUntis (Untis GmbH; Germany, Austria and beyond).

The wire format, and which parts of it are known or assumed, is described in
docs/webuntis-wire.md. The timetable and the master data come over JSON-RPC
(``jsonrpc.do``); homework, exams, absences and news over REST with the
session cookie; messages and the account's pupils over REST with a bearer
token. We send the ``JSESSIONID`` cookie as a header ourselves so that Home
Assistant's shared session never stores it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import logging
import re
import struct
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import aiohttp

from .client import PortalClient, SessionExpired
from .errors import (
    AccountLocked,
    AuthenticationError,
    ConfigurationError,
    NotSupported,
    ProtocolError,
    SchoolPortalError,
    UnknownSchool,
)
from .models import (
    Account,
    AccountKind,
    Capability,
    DateWindow,
    DisciplineEvent,
    DisciplineKind,
    Exam,
    Holiday,
    Homework,
    Lesson,
    LessonStatus,
    Message,
    Notification,
    Student,
    StudentData,
)
from .portal import (
    FieldKind,
    LoginField,
    LoginMethod,
    Place,
    PortalInfo,
    register,
)
from .util import (
    DEFAULT_TIMEOUT,
    HttpResponse,
    as_int,
    at,
    first_text,
    html_to_text,
    http_request,
    portal_date,
    portal_datetime,
    preview,
    stable_id,
    timeout_setting,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "school-portal-home-assistant"
JSONRPC_PATH = "/WebUntis/jsonrpc.do"

# Element types of getTimetable, and the person types of a login.
ELEMENT_TYPES: Mapping[str, int] = {
    "klasse": 1,
    "teacher": 2,
    "subject": 3,
    "room": 4,
    "student": 5,
}
PERSON_STUDENT = 5
PERSON_PARENT = 12

# JSON-RPC error codes (docs/webuntis-wire.md, section "Errors").
ERROR_NOT_LOGGED_IN = -8520
ERROR_BAD_CREDENTIALS = -8504
ERROR_UNKNOWN_SCHOOL = -8500
ERROR_NO_RIGHT = -8509
ERROR_BLOCKED = -8998
ERROR_DATE_NOT_ALLOWED = (-7004, -8507)
ERROR_METHOD_NOT_FOUND = -32601

# Cadences (seconds of the client's clock); see docs/webuntis-wire.md, "Cost".
MASTER_DATA_TTL = 24 * 3600.0
TIMETABLE_TTL = 6 * 3600.0
CALENDAR_TTL = 30 * 60.0
MESSAGES_TTL = 55 * 60.0
SLOW_TTL = 6 * 3600.0 - 60.0
TOKEN_MARGIN = 60.0
DEFAULT_TOKEN_LIFETIME = 900.0

# Homework is asked for this much beyond the window on each side (see homework()).
HOMEWORK_REACH = timedelta(days=28)

OTP_STEP = 30
OTP_DIGITS = 6

_BASE32 = re.compile(r"^[A-Z2-7]+=*$")
# What teachers type in the homework field when they write nothing (MMM-Webuntis'
# sample: "-"). It is no text; the row stays a homework all the same: it has a
# lesson, a due date and a done flag, and dropping it could lose a real task
# whose words are in the class register (the product never loses homework).
_PLACEHOLDER_TEXT = re.compile(r"[-\u2013\u2014\s]*")
_NAME_FIELDS = ["id", "name", "longname", "externalkey"]

# Class-register categories are free text: map them by keyword, first match.
_CLASSREG_KEYWORDS: Sequence[tuple[DisciplineKind, tuple[str, ...]]] = (
    (DisciplineKind.LATE, ("verspät", "zu spät", "late", "tardy")),
    (DisciplineKind.PRAISE, ("lob", "praise", "belobigung")),
    (
        DisciplineKind.PUNISHMENT,
        ("nachsitz", "strafe", "verweis", "detention", "arrest"),
    ),
)


class NoRight(ProtocolError):
    """WebUntis refused one resource to this login (-8509, HTTP 403)."""


# What leaves an optional part of a refresh empty instead of failing it: a
# resource refused to this login, or a method this server does not offer.
ABSENT = (NoRight, NotSupported)


class DateNotAllowed(ProtocolError):
    """The dates lie outside what the school lets this login read (-7004)."""


# --- Settings -------------------------------------------------------------------


def normalize_server(text: str | None) -> str:
    """The JSON-RPC URL for a host, a URL without path or a full URL.

    A path that does not end in ``jsonrpc.do`` is a prefix under which WebUntis
    lives (``http://127.0.0.1:8765/webuntis`` for the sandbox); a path ending
    in ``/WebUntis`` (what browsers show) gets ``/jsonrpc.do`` added.
    """
    value = (text or "").strip()
    if not value:
        raise ConfigurationError("No WebUntis server given")
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    host = parts.hostname
    if (
        parts.scheme not in ("http", "https")
        or not host
        or not re.fullmatch(r"[A-Za-z0-9.\-_]+", host)
    ):
        raise ConfigurationError("Not a usable WebUntis server address")
    try:
        port = parts.port
    except ValueError as err:
        raise ConfigurationError("Not a usable WebUntis server address") from err
    netloc = host.lower() + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    if path.lower().endswith(".do"):
        path = path.rsplit("/", 1)[0] + "/jsonrpc.do"
    elif path.endswith("/WebUntis"):
        path = f"{path}/jsonrpc.do"
    else:
        path = f"{path}{JSONRPC_PATH}"
    return f"{parts.scheme}://{netloc}{path}"


def normalize_secret(text: str | None) -> str:
    """The app secret as upper-case base32 without spaces."""
    value = re.sub(r"[\s-]", "", text or "").upper()
    if not value or not _BASE32.match(value):
        raise ConfigurationError("The app secret is not a base32 key")
    try:
        base64.b32decode(value + "=" * (-len(value) % 8))
    except (binascii.Error, ValueError) as err:
        raise ConfigurationError("The app secret is not a base32 key") from err
    return value.rstrip("=")


def parse_qr_link(text: str | None) -> dict[str, str]:
    """Read the ``untis://setschool?...`` link behind WebUntis' QR code."""
    value = (text or "").strip()
    parts = urlsplit(value)
    if parts.scheme.lower() != "untis" or parts.netloc.lower() != "setschool":
        raise ConfigurationError("Not a WebUntis QR link")
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    try:
        result = {
            "server": query["url"].strip(),
            "school": query["school"].strip(),
            "username": query["user"].strip(),
            "secret": normalize_secret(query["key"]),
        }
    except KeyError as err:
        raise ConfigurationError("The WebUntis QR link is incomplete") from err
    if not all(result.values()):
        raise ConfigurationError("The WebUntis QR link is incomplete")
    normalize_server(result["server"])
    return result


def totp(secret: str, when: datetime) -> str:
    """The one-time code of an app secret at a moment (RFC 6238, SHA-1, 30 s)."""
    key_text = normalize_secret(secret)
    key = base64.b32decode(key_text + "=" * (-len(key_text) % 8))
    counter = int(when.timestamp()) // OTP_STEP
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**OTP_DIGITS).zfill(OTP_DIGITS)


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


def format_date(day: date) -> int:
    """A date as WebUntis wants it: ``yyyymmdd`` as an int."""
    return day.year * 10000 + day.month * 100 + day.day


def _rows(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProtocolError("WebUntis sent something else than a list")
    return [row for row in value if isinstance(row, dict)]


def _list(value: Any) -> list[Any]:
    """A list member, or an error when it is something else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProtocolError("WebUntis sent something else than a list")
    return value


def _data(body: Any) -> Any:
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
class SchoolYear:
    """A school year, both days inclusive."""

    id: int
    name: str
    start: date
    end: date


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
    for entry in _list(entries):
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
        for entry in _list(entries)
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
        [t for t in _list(teachers_raw) if isinstance(t, dict) and "orgid" in t],
        lookups.get("teacher"),
        original=True,
    )
    original_rooms = _names_or_lookup(
        [r for r in _list(rooms_raw) if isinstance(r, dict) and "orgid" in r],
        lookups.get("room"),
        original=True,
    )
    replaced = any(
        isinstance(entry, dict) and "orgid" in entry
        for key in ("te", "ro", "su", "kl")
        for entry in _list(row.get(key))
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
        as_int(row.get("id")): _lesson_subject(row)
        for row in _rows(data.get("lessons"))
    }
    teachers = {
        as_int(row.get("id")): first_text(row, "name")
        for row in _rows(data.get("teachers"))
    }
    records = {as_int(row.get("homeworkId")): row for row in _rows(data.get("records"))}
    items = []
    for row in _rows(data.get("homeworks")):
        homework_id = as_int(row.get("id"))
        record = records.get(homework_id, {})
        element_ids = {as_int(x) for x in _list(record.get("elementIds"))}
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
                    for a in _rows(row.get("attachments"))
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
        for row in _rows(data.get("absenceReasons"))
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
    folded = reason.casefold()
    for kind, words in _CLASSREG_KEYWORDS:
        if any(word in folded for word in words):
            return kind
    return DisciplineKind.REMARK


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
    for row in _rows(data.get("messagesOfDay")):
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


def _concerns(exam: Mapping[str, Any], pupil: int) -> bool:
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


def _known_id(value: Any) -> int | None:
    """A WebUntis person or class id; None for none.

    Ids are positive. A login without a person of its own answers
    ``personId: -1`` and ``klasseId: 0`` (python-webuntis#63): absent too.
    """
    number = as_int(value)
    return number if number is not None and number > 0 else None


def _split_name(display_name: str) -> tuple[str, str]:
    first, _, last = display_name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def _jwt_lifetime(token: str) -> float:
    """Seconds a bearer token lives, from its own claims (clocks may differ)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
        lifetime = float(claims["exp"]) - float(claims["iat"])
    except (IndexError, KeyError, TypeError, ValueError):
        return DEFAULT_TOKEN_LIFETIME
    return lifetime if lifetime > 0 else DEFAULT_TOKEN_LIFETIME


# --- The client -------------------------------------------------------------------


@dataclass(slots=True)
class _Cached:
    read_at: float
    value: Any
    import_time: int | None = None


class WebUntisClient(PortalClient):
    """A WebUntis login, by password or by the app secret behind the QR code."""

    portal: ClassVar[str] = "webuntis"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.TIMETABLE,
            Capability.HOMEWORK,
            Capability.MESSAGES,
            Capability.DISCIPLINE,
            Capability.EXAMS,
            Capability.NOTIFICATIONS,
        }
    )

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        server: str,
        school: str,
        username: str,
        password: str | None = None,
        secret: str | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        tz: tzinfo,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
        wall_clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Keep the settings; nothing is sent before `login`."""
        super().__init__(session, tz=tz, timeout=timeout, clock=clock)
        self._url = normalize_server(server)
        self._base = self._url.rsplit("/", 1)[0]
        self._host = urlsplit(self._url).netloc
        self._school = (school or "").strip()
        self._username = (username or "").strip()
        if not self._school:
            raise ConfigurationError("No WebUntis school given")
        if not self._username:
            raise ConfigurationError("No WebUntis username given")
        self._password = password or None
        self._secret = normalize_secret(secret) if secret else None
        if not self._password and not self._secret:
            raise ConfigurationError("WebUntis needs a password or an app secret")
        self._user_agent = user_agent or DEFAULT_USER_AGENT
        # One-time codes need the real time even when tests pin `clock`.
        self._wall_clock = wall_clock or (lambda: datetime.now(UTC))
        self._session_id: str | None = None
        self._person_id: int | None = None
        self._person_type: int | None = None
        self._klasse_id: int | None = None
        self._token: str | None = None
        self._token_expires = 0.0
        self._app_data: _Cached | None = None
        self._master: dict[tuple[str, str], _Cached] = {}
        self._timetables: dict[tuple[str, date, date, bool], _Cached] = {}
        self._slow: dict[tuple[str, str], _Cached] = {}
        self._import_time: int | None = None
        self._ids = itertools.count(1)
        # Cache ages run on the injectable clock (`PortalClient._seconds`), so
        # that the bench and tests can let hours pass between refreshes.
        self._monotonic: Callable[[], float] = self._seconds

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any], tz: tzinfo
    ) -> Self:
        """Build a client from a config entry's data."""
        timeout = timeout_setting(config.get("timeout", DEFAULT_TIMEOUT))
        return cls(
            session,
            server=str(config.get("server") or ""),
            school=str(config.get("school") or ""),
            username=str(config.get("username") or ""),
            password=config.get("password") or None,
            secret=config.get("secret") or None,
            user_agent=str(config.get("user_agent") or DEFAULT_USER_AGENT),
            tz=tz,
            timeout=timeout,
        )

    @property
    def account_id(self) -> str:
        """Server, school and username: known before login."""
        return stable_id(
            "webuntis", self._host, self._school.casefold(), self._username.casefold()
        )

    @property
    def server_url(self) -> str:
        """The JSON-RPC URL in use."""
        return self._url

    # --- the wire -----------------------------------------------------------------

    def _school_query(self) -> str:
        return quote(self._school, safe="")

    def _headers(self, *, cookie: bool = True) -> dict[str, str]:
        headers = {"User-Agent": self._user_agent, "Accept": "application/json"}
        if cookie and self._session_id:
            headers["Cookie"] = f"JSESSIONID={self._session_id}"
        return headers

    @staticmethod
    def _decode_rpc(response: HttpResponse, call_id: str, *, login: bool) -> Any:
        """The result of a JSON-RPC answer, or the matching error."""
        text = response.text.lstrip()
        if response.status == 404 or text.startswith("<"):
            if login:
                raise ConfigurationError("The address does not lead to WebUntis")
            raise ProtocolError(
                f"WebUntis answered HTTP {response.status} without JSON"
            )
        try:
            body = json.loads(text)
        except ValueError as err:
            raise ProtocolError(
                "WebUntis answered with something that is not JSON"
            ) from err
        if not isinstance(body, dict):
            raise ProtocolError("WebUntis' answer is not a JSON-RPC envelope")
        if body.get("id") != call_id:
            raise ProtocolError("WebUntis answered another request id")
        error = body.get("error")
        if error is not None:
            code = as_int(error.get("code")) if isinstance(error, dict) else None
            raise _rpc_error(code)
        if "result" not in body:
            raise ProtocolError("WebUntis' answer has no result")
        return body["result"]

    def _next_id(self) -> str:
        return f"school-portal-{next(self._ids)}"

    async def _rpc(self, method: str, params: Any = None) -> Any:
        """One JSON-RPC call on the current session (no re-login)."""
        login = method == "authenticate"
        if not login and not self._session_id:
            raise SessionExpired("Not logged in to WebUntis")
        call_id = self._next_id()
        response = await http_request(
            self._session,
            "POST",
            f"{self._url}?school={self._school_query()}",
            timeout=self._timeout,
            json={
                "id": call_id,
                "method": method,
                "params": params or {},
                "jsonrpc": "2.0",
            },
            headers=self._headers(cookie=not login),
        )
        return self._decode_rpc(response, call_id, login=login)

    async def _call(self, method: str, params: Any = None) -> Any:
        """A JSON-RPC call that survives one expired session."""
        return await self._with_relogin(lambda: self._rpc(method, params))

    async def _rest(self, path: str, query: Mapping[str, Any] | None = None) -> Any:
        """A REST GET with the session cookie (no re-login)."""
        if not self._session_id:
            raise SessionExpired("Not logged in to WebUntis")
        url = f"{self._base}/{path}"
        if query:
            url = f"{url}?{urlencode(query)}"
        response = await http_request(
            self._session, "GET", url, timeout=self._timeout, headers=self._headers()
        )
        return _decode_rest(response)

    async def _ensure_token(self) -> str:
        now = self._monotonic()
        if self._token and now < self._token_expires - TOKEN_MARGIN:
            return self._token
        if not self._session_id:
            raise SessionExpired("Not logged in to WebUntis")
        response = await http_request(
            self._session,
            "GET",
            f"{self._base}/api/token/new",
            timeout=self._timeout,
            headers=self._headers(),
        )
        token = response.text.strip()
        if response.status in (401, 403) or token.count(".") != 2 or " " in token:
            # An expired session gets an HTML page or JSON instead of a JWT.
            raise SessionExpired("WebUntis gave no bearer token")
        self._token = token
        self._token_expires = now + _jwt_lifetime(token)
        return token

    async def _bearer(self, path: str) -> Any:
        """A REST GET with the bearer token (no re-login)."""
        for attempt in (1, 2):
            token = await self._ensure_token()
            headers = self._headers()
            headers["Authorization"] = f"Bearer {token}"
            if self._app_data is not None:
                tenant, year = self._tenant_and_year()
                if tenant:
                    headers["Tenant-Id"] = tenant
                if year:
                    headers["X-Webuntis-Api-School-Year-Id"] = year
            response = await http_request(
                self._session,
                "GET",
                f"{self._base}/{path}",
                timeout=self._timeout,
                headers=headers,
            )
            if response.status == 401 and attempt == 1:
                # The token died before we thought: one new token, then give up.
                self._token = None
                continue
            return _decode_rest(response)
        raise SessionExpired("WebUntis refused the bearer token")  # pragma: no cover

    # --- session -----------------------------------------------------------------

    async def _login(self) -> Account:
        self._session_id = None
        self._token = None
        if self._secret:
            await self._otp_login()
        else:
            await self._password_login()
        app_data = await self._read_app_data()
        return await self._account(app_data)

    async def _password_login(self) -> None:
        result = await self._rpc(
            "authenticate",
            {
                "user": self._username,
                "password": self._password,
                "client": self._user_agent,
            },
        )
        if not isinstance(result, dict) or not first_text(result, "sessionId"):
            raise ProtocolError("WebUntis' login answer has no session")
        self._session_id = first_text(result, "sessionId")
        # Kept as sent; -1 and 0 mean "none" and are read through _known_id.
        self._person_id = as_int(result.get("personId"))
        self._person_type = as_int(result.get("personType"))
        self._klasse_id = as_int(result.get("klasseId"))

    async def _otp_login(self) -> None:
        assert self._secret is not None
        now = self._wall_clock()
        call_id = self._next_id()
        body = {
            "id": call_id,
            "method": "getUserData2017",
            "params": [
                {
                    "auth": {
                        "clientTime": int(now.timestamp() * 1000),
                        "user": self._username,
                        "otp": totp(self._secret, now),
                    }
                }
            ],
            "jsonrpc": "2.0",
        }
        url = (
            f"{self._base}/jsonrpc_intern.do?m=getUserData2017"
            f"&school={self._school_query()}&v=i2.2"
        )
        response, session_id = await _post_for_session(
            self._session, url, body, self._headers(cookie=False), self._timeout
        )
        self._decode_rpc(response, call_id, login=True)
        if not session_id:
            raise ProtocolError("WebUntis' one-time-code login set no session")
        self._session_id = session_id
        config = _data(await self._rest("api/app/config"))
        user = {}
        if isinstance(config, dict):
            service = config.get("loginServiceConfig")
            if isinstance(service, dict) and isinstance(service.get("user"), dict):
                user = service["user"]
        self._person_id = as_int(user.get("personId"))
        self._person_type = next(
            (
                as_int(person.get("type"))
                for person in _rows(user.get("persons"))
                if as_int(person.get("id")) == self._person_id
            ),
            None,
        )
        self._klasse_id = None
        if self._person_type in (None, PERSON_STUDENT):
            day = _data(await self._rest("api/daytimetable/config"))
            if isinstance(day, dict):
                self._klasse_id = as_int(day.get("klasseId"))

    async def _read_app_data(self) -> Mapping[str, Any]:
        data = await self._bearer("api/rest/view/v1/app/data")
        if not isinstance(data, dict):
            raise ProtocolError("WebUntis' app data is not an object")
        self._app_data = _Cached(self._monotonic(), data)
        return data

    async def _app(self) -> Mapping[str, Any]:
        """app/data (tenant, school year, holidays, children), read daily."""
        cached = self._app_data
        if cached and self._monotonic() - cached.read_at < MASTER_DATA_TTL:
            value: Mapping[str, Any] = cached.value
            return value
        return await self._with_relogin(self._read_app_data)

    def _tenant_and_year(self) -> tuple[str, str]:
        data = self._app_data.value if self._app_data else {}
        tenant = data.get("tenant")
        year = data.get("currentSchoolYear")
        return (
            first_text(tenant, "id") if isinstance(tenant, dict) else "",
            first_text(year, "id") if isinstance(year, dict) else "",
        )

    def school_year_range(self) -> tuple[date, date] | None:
        """The current school year (both days inclusive), as app/data gave it."""
        data = self._app_data.value if self._app_data else {}
        year = data.get("currentSchoolYear")
        span = year.get("dateRange") if isinstance(year, dict) else None
        if not isinstance(span, dict):
            return None
        start, end = untis_date(span.get("start")), untis_date(span.get("end"))
        return (start, end) if start and end else None

    async def _account(self, app_data: Mapping[str, Any]) -> Account:
        tenant = app_data.get("tenant")
        school = (
            first_text(tenant, "displayName", "name")
            if isinstance(tenant, dict)
            else ""
        ) or self._school
        user = app_data.get("user")
        user = user if isinstance(user, dict) else {}
        roles = {str(role).upper() for role in _list(user.get("roles"))}
        children = _rows(user.get("students"))
        own_id = _known_id(self._person_id)
        # A login may name no person of its own: personType 16 answers
        # personId -1, klasseId 0 (python-webuntis#63). What that type is, is
        # not known (that account read classes, but no pupils). For a family
        # it can only be a guardian or a pupil, and app/data says which: the
        # pupils it lists, as for a parent, else its own person. With neither
        # there is nothing to show, rather than a pupil -1 in class 0.
        parent = (
            self._person_type == PERSON_PARENT
            or "LEGAL_GUARDIAN" in roles
            or (own_id is None and bool(children))
        )
        if parent:
            pupils = [
                self._student(
                    _known_id(row.get("id")),
                    first_text(row, "displayName"),
                    None,
                    school,
                )
                for row in children
            ]
        else:
            person = user.get("person")
            person = person if isinstance(person, dict) else {}
            own_id = own_id or _known_id(person.get("id"))
            pupils = (
                [
                    self._student(
                        own_id,
                        first_text(person, "displayName") or self._username,
                        await self._class_name(_known_id(self._klasse_id)),
                        school,
                    )
                ]
                if own_id is not None
                else []
            )
        if not pupils:
            raise ProtocolError("WebUntis shows no pupil for this login")
        return Account(
            id=self.account_id,
            kind=AccountKind.PARENT if parent else AccountKind.STUDENT,
            students=tuple(pupils),
            school=school,
        )

    def _student(
        self,
        person_id: int | None,
        display_name: str,
        class_name: str | None,
        school: str,
    ) -> Student:
        if person_id is None:
            raise ProtocolError("A pupil without id")
        first, last = _split_name(display_name)
        return Student(
            # The person id is WebUntis' own and stays across logins.
            id=stable_id("webuntis", self._host, self._school.casefold(), person_id),
            first_name=first,
            last_name=last,
            class_name=class_name,
            school=school,
            context={"person_id": str(person_id)},
        )

    async def _class_name(self, klasse_id: int | None) -> str | None:
        if klasse_id is None:
            return None
        try:
            classes = await self._master_rows("getKlassen", {})
        except NoRight:
            return None
        return next(
            (
                first_text(row, "name")
                for row in classes
                if as_int(row.get("id")) == klasse_id
            ),
            None,
        )

    async def logout(self) -> None:
        """End the WebUntis session."""
        if self._session_id:
            try:
                await self._rpc("logout", {})
            finally:
                self._session_id = None
                self._token = None

    async def authenticate(self) -> Account:
        """Log in (the name python-webuntis uses)."""
        return await self.login()

    async def close(self) -> None:
        """Log out politely; a failure to do so does not matter."""
        try:
            await self.logout()
        except SchoolPortalError:
            _LOGGER.debug("WebUntis logout failed; the session will expire")
        await super().close()

    # --- master data (cached daily) -----------------------------------------------

    async def _master_rows(
        self, method: str, params: Mapping[str, Any], *, force: bool = False
    ) -> Any:
        key = (method, json.dumps(params, sort_keys=True))
        cached = self._master.get(key)
        now = self._monotonic()
        if not force and cached and now - cached.read_at < MASTER_DATA_TTL:
            return cached.value
        value = await self._call(method, dict(params))
        self._master[key] = _Cached(now, value)
        return value

    def refresh_master_data(self) -> None:
        """Forget the cached master data and app data: the next reads fetch them."""
        self._master.clear()
        self._app_data = None

    async def departments(self, *, force: bool = False) -> list[Element]:
        """The school's departments."""
        return [
            parse_element(r)
            for r in _rows(await self._master_rows("getDepartments", {}, force=force))
        ]

    async def holidays(self, *, force: bool = False) -> list[Holiday]:
        """The school's holidays."""
        return [
            parse_holiday(r)
            for r in _rows(await self._master_rows("getHolidays", {}, force=force))
        ]

    async def klassen(
        self, schoolyear_id: int | None = None, *, force: bool = False
    ) -> list[Element]:
        """The classes, of the current or of another school year."""
        params = {"schoolyearId": schoolyear_id} if schoolyear_id else {}
        return [
            parse_element(r)
            for r in _rows(await self._master_rows("getKlassen", params, force=force))
        ]

    async def teachers(self, *, force: bool = False) -> list[Element]:
        """The teachers (many schools refuse this to pupils: NoRight)."""
        return [
            parse_element(r)
            for r in _rows(await self._master_rows("getTeachers", {}, force=force))
        ]

    async def subjects(self, *, force: bool = False) -> list[Element]:
        """The subjects."""
        return [
            parse_element(r)
            for r in _rows(await self._master_rows("getSubjects", {}, force=force))
        ]

    async def rooms(self, *, force: bool = False) -> list[Element]:
        """The rooms."""
        return [
            parse_element(r)
            for r in _rows(await self._master_rows("getRooms", {}, force=force))
        ]

    async def students(self, *, force: bool = False) -> list[Element]:
        """The school's pupils (staff only: NoRight for pupils and parents)."""
        return [
            parse_element(r)
            for r in _rows(await self._master_rows("getStudents", {}, force=force))
        ]

    async def schoolyears(self, *, force: bool = False) -> list[SchoolYear]:
        """Every school year."""
        return [
            parse_school_year(r)
            for r in _rows(await self._master_rows("getSchoolyears", {}, force=force))
        ]

    async def current_schoolyear(self, *, force: bool = False) -> SchoolYear:
        """The current school year."""
        row = await self._master_rows("getCurrentSchoolyear", {}, force=force)
        if not isinstance(row, dict):
            raise ProtocolError("WebUntis sent no current school year")
        return parse_school_year(row)

    async def timegrid_units(self, *, force: bool = False) -> list[TimeUnit]:
        """The time grid: the lesson slots of each weekday."""
        units = []
        for day in _rows(await self._master_rows("getTimegridUnits", {}, force=force)):
            for unit in _rows(day.get("timeUnits")):
                start, end = (
                    untis_time(unit.get("startTime")),
                    untis_time(unit.get("endTime")),
                )
                weekday = as_int(day.get("day"))
                if start is None or end is None or weekday is None:
                    raise ProtocolError("A time unit without day or times")
                units.append(TimeUnit(weekday, first_text(unit, "name"), start, end))
        return units

    async def statusdata(self, *, force: bool = False) -> dict[str, Any]:
        """Lesson types and period codes with their colours (raw)."""
        data = await self._master_rows("getStatusData", {}, force=force)
        if not isinstance(data, dict):
            raise ProtocolError("WebUntis sent no status data")
        return data

    async def exam_types(self, *, force: bool = False) -> list[dict[str, Any]]:
        """The exam types (raw rows)."""
        return _rows(await self._master_rows("getExamTypes", {}, force=force))

    async def class_reg_categories(self, *, force: bool = False) -> list[Element]:
        """The class-register categories."""
        return [
            parse_element(r)
            for r in _rows(
                await self._master_rows("getClassregCategories", {}, force=force)
            )
        ]

    # --- changing data ---------------------------------------------------------------

    async def last_import_time(self) -> datetime:
        """When WebUntis last imported or changed the timetable."""
        return datetime.fromtimestamp(await self._read_import_time() / 1000, UTC)

    async def _read_import_time(self) -> int:
        value = await self._call("getLatestImportTime", {})
        stamp = as_int(value)
        if stamp is None:
            raise ProtocolError("WebUntis sent no import time")
        if stamp != self._import_time:
            # The timetable changed: every cached range is stale now.
            self._timetables.clear()
        self._import_time = stamp
        return stamp

    def _clip(self, start: date, end: date) -> tuple[date, date] | None:
        """[start, end) limited to the school year, or None when outside it."""
        span = self.school_year_range()
        if span is not None:
            start = max(start, span[0])
            end = min(end, span[1] + timedelta(days=1))
        return (start, end) if start < end else None

    async def _timetable_rows(
        self, element_type: int, element_id: int, start: date, end: date
    ) -> list[dict[str, Any]]:
        """Periods of [start, end) of one element; dates outside the year: none."""
        params = {
            "options": {
                "element": {"id": element_id, "type": element_type},
                "startDate": format_date(start),
                "endDate": format_date(end - timedelta(days=1)),
                "onlyBaseTimetable": False,
                "showBooking": True,
                "showInfo": True,
                "showSubstText": True,
                "showLsText": True,
                "showLsNumber": True,
                "showStudentgroup": True,
                "klasseFields": _NAME_FIELDS,
                "roomFields": _NAME_FIELDS,
                "subjectFields": _NAME_FIELDS,
                "teacherFields": _NAME_FIELDS,
            }
        }
        try:
            return _rows(await self._call("getTimetable", params))
        except DateNotAllowed:
            return []

    async def timetable(
        self,
        start: date,
        end: date,
        *,
        klasse: int | None = None,
        teacher: int | None = None,
        subject: int | None = None,
        room: int | None = None,
        student: int | None = None,
    ) -> list[Lesson]:
        """The timetable of one class, teacher, subject, room or pupil, [start, end)."""
        chosen = {
            name: value
            for name, value in (
                ("klasse", klasse),
                ("teacher", teacher),
                ("subject", subject),
                ("room", room),
                ("student", student),
            )
            if value is not None
        }
        if len(chosen) != 1:
            raise ValueError(
                "Give exactly one of klasse, teacher, subject, room, student"
            )
        ((kind, element_id),) = chosen.items()
        owner = stable_id(
            "webuntis", self._host, self._school.casefold(), kind, element_id
        )
        if kind == "student":
            owner = stable_id(
                "webuntis", self._host, self._school.casefold(), element_id
            )
        rows = await self._timetable_rows(ELEMENT_TYPES[kind], element_id, start, end)
        return sorted(
            (parse_period(owner, row, self._tz) for row in rows),
            key=lambda lesson: (lesson.start, lesson.uid),
        )

    async def substitutions(
        self, start: date, end: date, department_id: int = 0
    ) -> list[dict[str, Any]]:
        """Substitutions of [start, end) (raw rows with ``type``)."""
        return _rows(
            await self._call(
                "getSubstitutions",
                {
                    "startDate": format_date(start),
                    "endDate": format_date(end - timedelta(days=1)),
                    "departmentId": department_id,
                },
            )
        )

    async def exams(
        self, start: date, end: date, exam_type_id: int = 0
    ) -> list[dict[str, Any]]:
        """Exams of [start, end) over JSON-RPC (raw rows)."""
        return _rows(
            await self._call(
                "getExams",
                {
                    "startDate": format_date(start),
                    "endDate": format_date(end - timedelta(days=1)),
                    "examTypeId": exam_type_id,
                },
            )
        )

    async def timetable_with_absences(
        self, start: date, end: date
    ) -> list[dict[str, Any]]:
        """Lessons with absences of [start, end) (raw rows)."""
        result = await self._call(
            "getTimetableWithAbsences",
            {
                "options": {
                    "startDate": format_date(start),
                    "endDate": format_date(end - timedelta(days=1)),
                }
            },
        )
        return _rows(
            result.get("periodsWithAbsences") if isinstance(result, dict) else result
        )

    async def class_reg_events(
        self, start: date, end: date, *, student: int | None = None
    ) -> list[dict[str, Any]]:
        """Class-register events of [start, end), of one pupil if given (raw rows)."""
        params: dict[str, Any] = {
            "startDate": format_date(start),
            "endDate": format_date(end - timedelta(days=1)),
        }
        if student is not None:
            params |= {"id": student, "type": ELEMENT_TYPES["student"]}
        return _rows(await self._call("getClassregEvents", params))

    async def person_id(
        self, surname: str, fore_name: str, *, teacher: bool = False
    ) -> int | None:
        """Find a pupil's (or teacher's) id by name; None when unknown."""
        found = as_int(
            await self._call(
                "getPersonId",
                {"type": 2 if teacher else 5, "sn": surname, "fn": fore_name, "dob": 0},
            )
        )
        return found or None

    # --- REST -------------------------------------------------------------------------

    def _pupil_id(self, student: Student) -> int:
        person_id = as_int(student.context.get("person_id"))
        if person_id is None:
            raise ProtocolError("WebUntis does not know this pupil")
        return person_id

    async def homework(
        self, student: Student, start: date, end: date
    ) -> list[Homework]:
        """Homework open during [start, end): due in it, or given in it, or both.

        Whether WebUntis filters on the day a homework was given or on its due
        day is not known, so one request asks for ``HOMEWORK_REACH`` more on
        each side and the overlap with [start, end) is kept: homework given
        weeks ago and due this week, or given this week and due after the end,
        does not vanish.
        """
        pupil = self._pupil_id(student)
        data = _data(
            await self._with_relogin(
                lambda: self._rest(
                    "api/homeworks/lessons",
                    {
                        "startDate": format_date(start - HOMEWORK_REACH),
                        "endDate": format_date(end + HOMEWORK_REACH),
                        "studentId": pupil,
                    },
                )
            )
        )
        if not isinstance(data, dict):
            raise ProtocolError("WebUntis' homework answer is not an object")
        return sorted(
            (
                item
                for item in parse_homework(student, data, pupil)
                if item.due >= start and (item.given is None or item.given < end)
            ),
            key=lambda item: (item.due, item.uid),
        )

    async def rest_exams(self, student: Student, start: date, end: date) -> list[Exam]:
        """Exams of [start, end) from the REST side (subject names included)."""
        pupil = self._pupil_id(student)
        data = _data(
            await self._with_relogin(
                lambda: self._rest(
                    "api/exams",
                    {
                        "startDate": format_date(start),
                        "endDate": format_date(end - timedelta(days=1)),
                        "studentId": pupil,
                        "klasseId": -1,
                        "withGrades": "true",
                    },
                )
            )
        )
        rows = _rows(data.get("exams") if isinstance(data, dict) else data)
        return sorted(
            (
                parse_rest_exam(student, row, self._tz)
                for row in rows
                if _concerns(row, pupil)
            ),
            key=lambda exam: exam.start,
        )

    async def absences(
        self, student: Student, start: date, end: date
    ) -> list[DisciplineEvent]:
        """Absences recorded in the class register in [start, end)."""
        pupil = self._pupil_id(student)
        data = _data(
            await self._with_relogin(
                lambda: self._rest(
                    "api/classreg/absences/students",
                    {
                        "startDate": format_date(start),
                        "endDate": format_date(end - timedelta(days=1)),
                        "studentId": pupil,
                        "excuseStatusId": -1,
                    },
                )
            )
        )
        if not isinstance(data, dict):
            data = {"absences": data}
        reasons = absence_reasons(data)
        return [
            parse_absence(student, row, self._tz, reasons)
            for row in _rows(data.get("absences"))
        ]

    async def class_register(
        self, student: Student, start: date, end: date
    ) -> list[DisciplineEvent]:
        """The pupil's class-register events (not absences) in [start, end)."""
        rows = await self.class_reg_events(start, end, student=self._pupil_id(student))
        return [parse_classreg_event(student, row, self._tz) for row in rows]

    async def news(self, day: date | None = None) -> list[Notification]:
        """The messages of the day of the news widget."""
        day = day or self._today()
        data = _data(
            await self._with_relogin(
                lambda: self._rest(
                    "api/public/news/newsWidgetData", {"date": format_date(day)}
                )
            )
        )
        return parse_news(data if isinstance(data, dict) else {}, day, self._tz)

    async def messages(self) -> list[Message]:
        """The incoming messages of the message centre, newest first."""

        async def read() -> Any:
            await self._app()
            return await self._bearer("api/rest/view/v1/messages")

        data = await self._with_relogin(read)
        rows = _rows(data.get("incomingMessages") if isinstance(data, dict) else data)
        return sorted(
            (parse_message(row, self._tz) for row in rows),
            key=lambda message: message.received,
            reverse=True,
        )

    async def school_holidays(self) -> list[Holiday]:
        """The holidays app/data lists (read with the app data, daily)."""
        return [
            parse_holiday(row) for row in _rows((await self._app()).get("holidays"))
        ]

    # --- refresh ----------------------------------------------------------------------

    async def _pupil_lessons(
        self, student: Student, start: date, end: date, *, refresh: bool
    ) -> list[Lesson]:
        clipped = self._clip(start, end)
        if clipped is None:
            return []
        key = (student.id, clipped[0], clipped[1], refresh)
        cached = self._timetables.get(key)
        now = self._monotonic()
        ttl = TIMETABLE_TTL if refresh else CALENDAR_TTL
        if (
            cached
            and now - cached.read_at < ttl
            and cached.import_time == self._import_time
        ):
            lessons: list[Lesson] = cached.value
            return lessons
        rows = await self._timetable_rows(
            ELEMENT_TYPES["student"], self._pupil_id(student), *clipped
        )
        lessons = sorted(
            (parse_period(student.id, row, self._tz) for row in rows),
            key=lambda lesson: (lesson.start, lesson.uid),
        )
        # Forget what no reader would take any more: the cache stays small.
        for old in [
            k for k, v in self._timetables.items() if now - v.read_at >= TIMETABLE_TTL
        ]:
            del self._timetables[old]
        self._timetables[key] = _Cached(now, lessons, self._import_time)
        return lessons

    async def lessons(self, student: Student, start: date, end: date) -> list[Lesson]:
        """Lessons of any range in one request, cached until the timetable changes."""
        try:
            return await self._pupil_lessons(student, start, end, refresh=False)
        except NoRight:
            _LOGGER.debug("WebUntis refused the timetable to this login")
            return []

    async def _slowly[T](
        self,
        key: tuple[str, str],
        read: Callable[[], Awaitable[list[T]]],
        ttl: float = SLOW_TTL,
    ) -> list[T]:
        """Something that changes slowly: read on its own cadence; no right: empty."""
        cached = self._slow.get(key)
        now = self._monotonic()
        if cached and now - cached.read_at < ttl:
            kept: list[T] = cached.value
            return kept
        try:
            value = await read()
        except ABSENT:
            _LOGGER.debug("WebUntis refused %s to this login", key[1])
            value = []
        self._slow[key] = _Cached(now, value)
        return value

    async def _optional[T](
        self, what: str, read: Callable[[], Awaitable[list[T]]]
    ) -> list[T]:
        try:
            return await read()
        except ABSENT:
            _LOGGER.debug("WebUntis refused %s to this login", what)
            return []

    async def fetch(self, student: Student, window: DateWindow) -> StudentData:
        """One refresh of one pupil, with the account's messages."""
        return (await self.refresh([student], window))[student.id]

    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> dict[str, StudentData]:
        """Refresh several pupils; messages and news belong to the login: once."""
        students = list(students)
        await self._read_import_time()
        app = await self._app()
        holidays = tuple(parse_holiday(row) for row in _rows(app.get("holidays")))
        messages = await self._slowly(
            ("account", "messages"), self.messages, MESSAGES_TTL
        )
        news = await self._slowly(("account", "news"), self.news)
        unread = tuple(message for message in messages if not message.read)
        result = {}
        for student in students:
            pupil = await self._refresh_pupil(student, window)
            result[student.id] = StudentData(
                student=student,
                lessons=pupil.lessons,
                homework=pupil.homework,
                messages=unread,
                unread_messages=len(unread),
                discipline=pupil.discipline,
                exams=pupil.exams,
                holidays=holidays,
                notifications=tuple(news),
            )
        return result

    async def _refresh_pupil(self, student: Student, window: DateWindow) -> StudentData:
        lessons = await self._optional(
            "the timetable",
            lambda: self._pupil_lessons(
                student, window.start, window.end, refresh=True
            ),
        )
        homework = await self._optional(
            "homework", lambda: self.homework(student, window.start, window.end)
        )
        year = self.school_year_range()
        year_start = year[0] if year else window.start - timedelta(days=180)
        year_end = (
            year[1] + timedelta(days=1) if year else window.end + timedelta(days=60)
        )
        today = self._today()
        past_end = min(today + timedelta(days=1), year_end)
        exams = await self._slowly(
            (student.id, "exams"),
            lambda: self.rest_exams(student, max(window.start, year_start), year_end),
        )
        absences = await self._slowly(
            (student.id, "absences"),
            lambda: self.absences(student, year_start, past_end),
        )
        register = await self._slowly(
            (student.id, "class register"),
            lambda: self._class_register_in_year(student, year_start, past_end),
        )
        return StudentData(
            student=student,
            lessons=tuple(
                lesson
                for lesson in lessons
                if window.start <= lesson.start.date() < window.end
            ),
            homework=tuple(homework),
            discipline=tuple(
                sorted([*absences, *register], key=lambda event: event.when)
            ),
            exams=tuple(exams),
        )

    async def _class_register_in_year(
        self, student: Student, start: date, end: date
    ) -> list[DisciplineEvent]:
        if start >= end:
            return []
        try:
            return await self.class_register(student, start, end)
        except DateNotAllowed:
            return []


# --- helpers needing the client's errors -------------------------------------------


def _rpc_error(code: int | None) -> SchoolPortalError:
    """Our error for a JSON-RPC error code (the message is never passed on)."""
    if code == ERROR_NOT_LOGGED_IN:
        return SessionExpired("WebUntis ended the session")
    if code == ERROR_BAD_CREDENTIALS:
        return AuthenticationError("WebUntis refused the username or password")
    if code == ERROR_UNKNOWN_SCHOOL:
        return UnknownSchool("WebUntis does not know this school")
    if code == ERROR_BLOCKED:
        return AccountLocked("WebUntis has blocked this user for now")
    if code == ERROR_NO_RIGHT:
        return NoRight("WebUntis refuses this to the login")
    if code in ERROR_DATE_NOT_ALLOWED:
        return DateNotAllowed("WebUntis refuses these dates")
    if code == ERROR_METHOD_NOT_FOUND:
        return NotSupported("This WebUntis server does not offer that method")
    return ProtocolError(f"WebUntis answered error {code}")


def _decode_rest(response: HttpResponse) -> Any:
    """A REST answer: 401 is an expired session, 403 or an errors body no right."""
    if response.status == 401:
        raise SessionExpired("WebUntis ended the session")
    if response.status == 403:
        raise NoRight("WebUntis refuses this to the login")
    if response.status >= 400:
        raise ProtocolError(f"WebUntis answered HTTP {response.status}")
    text = response.text.lstrip()
    if text.startswith("<"):
        # A login page instead of data: the session is gone.
        raise SessionExpired("WebUntis answered with a page instead of data")
    try:
        body = json.loads(text)
    except ValueError as err:
        raise ProtocolError(
            "WebUntis answered with something that is not JSON"
        ) from err
    if _is_refusal(body):
        raise NoRight("WebUntis refuses this to the login")
    return body


def _is_refusal(body: Any) -> bool:
    """Whether a REST body is WebUntis' ``{"errors": [...]}`` instead of data.

    Seen for ``/api/exams`` refused to a pupil, ``{"errors": [{"code":
    "INTERNAL_ERROR", "title": "Unerlaubter Zugriff"}]}``: once with HTTP 403
    (HA#160) and once where the status was not logged (HA#153), so it may come
    with 200. The only ``errors`` body anyone has seen is this refusal, and its
    code is generic: any ``errors`` list without ``data`` is read as "this part
    is refused", which leaves that part absent and lets the refresh go on.
    """
    return (
        isinstance(body, dict)
        and "data" not in body
        and isinstance(body.get("errors"), list)
        and bool(body["errors"])
    )


async def _post_for_session(
    session: aiohttp.ClientSession,
    url: str,
    body: Any,
    headers: Mapping[str, str],
    timeout: float,
) -> tuple[HttpResponse, str | None]:
    """POST and read the JSESSIONID the answer sets (the OTP login's only output)."""
    response = await http_request(
        session, "POST", url, json=body, headers=headers, timeout=timeout
    )
    return response, response.cookies.get("JSESSIONID")


def expand_qr_link(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a pasted QR link stands for, with everything else typed."""
    settings = {key: value for key, value in values.items() if key != "qr_link"}
    settings.update(parse_qr_link(str(values.get("qr_link") or "")))
    return settings


_SERVER = LoginField("server", FieldKind.URL)
_SCHOOL = LoginField("school")
_USERNAME = LoginField("username", FieldKind.USERNAME)
_WHERE = {"invalid_server": "server", "unknown_school": "school"}

PORTAL = register(
    PortalInfo(
        key="webuntis",
        name="WebUntis",
        maker="WebUntis (Untis)",
        client=WebUntisClient,
        methods=(
            LoginMethod(
                "password",
                (
                    _SERVER,
                    _SCHOOL,
                    _USERNAME,
                    LoginField("password", FieldKind.PASSWORD, secret=True),
                ),
                stored_as="password",
                renew=("password",),
                errors={**_WHERE, "invalid_auth": "password"},
            ),
            # Accounts with one-time codes: the client makes them from the
            # app secret behind the QR code.
            LoginMethod(
                "secret",
                (
                    _SERVER,
                    _SCHOOL,
                    _USERNAME,
                    LoginField("secret", FieldKind.PASSWORD, secret=True),
                ),
                stored_as="secret",
                renew=("secret",),
                refused="invalid_secret",
                errors={**_WHERE, "invalid_secret": "secret"},
            ),
            # The QR code's link holds server, school, username and secret:
            # stored like the secret login, and served by its forms later.
            LoginMethod(
                "qr",
                (
                    LoginField(
                        "qr_link", FieldKind.PASSWORD, secret=True, one_time=True
                    ),
                ),
                stored_as="secret",
                renew=("secret",),
                refused="invalid_secret",
                errors={
                    "invalid_secret": "qr_link",
                    "invalid_server": "qr_link",
                    "invalid_qr": "qr_link",
                },
                expand=expand_qr_link,
            ),
        ),
        # Schools move between Untis' servers: the school names the account.
        place=Place.SCHOOL,
    )
)
