"""Webtop (SmartSchool, Israel).

The wire format, and which parts of it are known or assumed, is described in
docs/webtop-wire.md. Every call is a JSON POST; the only credential is the
`webToken` cookie, which we send as a header ourselves so that Home Assistant's
shared session never stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, ClassVar, Self
from urllib.parse import unquote, urlsplit

import aiohttp

from .client import Cache, PortalClient, SessionExpired
from .errors import (
    AuthenticationError,
    CaptchaRequired,
    ConfigurationError,
    ProtocolError,
)
from .models import (
    Account,
    AccountData,
    AccountKind,
    Capability,
    DateWindow,
    DisciplineEvent,
    DisciplineKind,
    Homework,
    Lesson,
    LessonStatus,
    Message,
    Notification,
    PortalData,
    Student,
    StudentData,
)
from .portal import FieldKind, LoginField, PortalInfo, register, secret_login
from .util import (
    DEFAULT_TIMEOUT,
    as_int,
    at,
    by_keywords,
    first_text,
    html_to_text,
    http_request,
    json_loads,
    parse_clock,
    portal_date,
    portal_datetime,
    preview,
    stable_id,
    timeout_setting,
)

DEFAULT_SERVER = "https://webtopserver.smartschool.co.il"
# The opaque `Data` login field: the value the web app and pywebtop send.
DEFAULT_LOGIN_DATA = "+Aabe7FAdVluG6Lu+0ibrA=="

MODULE_SCHEDULE = 10
MODULE_LESSONS_AND_HOMEWORK = 11
# The inbox's page size is not on the wire: a public client reads 30 rows a
# page (and each row's `count` as the rows the query matches), our first guess
# was 20. A page at least this long may have a next one.
MIN_INBOX_PAGE = 20
# A parent with hundreds of unread messages should not cost hundreds of calls.
MAX_INBOX_PAGES = 10

# Past weeks rarely change: re-read them at most this often during refreshes.
PAST_WEEK_TTL = 6 * 3600.0
# Any week read for the calendar is reused for this long.
CALENDAR_WEEK_TTL = 30 * 60.0
# The account's pupils are read again this often (a child may be added).
ACCOUNT_TTL = 12 * 3600.0

# The usual Israeli bell schedule, used when the server gives no lesson times.
BELL_SCHEDULE: Mapping[int, tuple[time, time]] = {
    0: (time(7, 15), time(8, 0)),
    1: (time(8, 0), time(8, 45)),
    2: (time(8, 50), time(9, 35)),
    3: (time(9, 45), time(10, 30)),
    4: (time(10, 35), time(11, 20)),
    5: (time(11, 40), time(12, 25)),
    6: (time(12, 30), time(13, 15)),
    7: (time(13, 20), time(14, 5)),
    8: (time(14, 10), time(14, 55)),
    9: (time(15, 0), time(15, 45)),
    10: (time(15, 50), time(16, 35)),
}

# Teachers often type "none" instead of leaving the homework field empty.
NO_HOMEWORK = frozenset({"אין", "אין שיעורי בית", "-", "—", "לא", "none"})

# Discipline event types are free Hebrew text: map them by keyword, first match.
DISCIPLINE_KEYWORDS: Sequence[tuple[DisciplineKind, tuple[str, ...]]] = (
    (DisciplineKind.LATE, ("איחור",)),
    (DisciplineKind.ABSENCE, ("היעדרות", "חיסור", "העדרות")),
    (DisciplineKind.PUNISHMENT, ("עונש", "השעיה", "ריתוק")),
    (DisciplineKind.PRAISE, ("חיזוק", "שבח", "מילה טובה", "הצטיינות")),
    (
        DisciplineKind.REMARK,
        ("הערה", "הפרעה", "ללא ציוד", "ללא שיעורי בית", "אי הכנת", "התנהגות"),
    ),
)


# The class codes the dashboard's calls take, by the context value each is.
_CLASS_NUMBERS = {"ClassCode": "class_code", "ClassNumber": "class_num"}


# --- The wire -------------------------------------------------------------------


def normalize_server(server: str | None) -> str:
    """Accept a host or URL and return the API base URL without trailing slash."""
    value = (server or "").strip() or DEFAULT_SERVER
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    value = value.rstrip("/")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("Not a usable Webtop server address")
    return value


def clean_token(raw: str) -> str:
    """A webToken as pasted from a browser: maybe URL-encoded or with its name."""
    value = raw.strip()
    if value.lower().startswith("webtoken="):
        value = value.split("=", 1)[1]
    return unquote(value).strip()


def _envelope_data(text: str) -> tuple[bool, Any, str | None]:
    """Split Webtop's envelope into (status, data, error description)."""
    try:
        body = json_loads(text)
    except ValueError as err:
        raise ProtocolError("Webtop answered with something that is not JSON") from err
    if not isinstance(body, dict) or "status" not in body:
        raise ProtocolError("Webtop's answer has no status envelope")
    error = body.get("errorDescription")
    return (
        body["status"] is True,
        body.get("data"),
        error if isinstance(error, str) else None,
    )


def _as_list(value: Any, key: str) -> list[dict[str, Any]]:
    """Webtop sends some lists bare and others inside an object: take both."""
    if isinstance(value, dict):
        value = value.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProtocolError(f"Expected a list of {key}")
    return [row for row in value if isinstance(row, dict)]


def discipline_rows(data: Any) -> list[dict[str, Any]]:
    """The events of GetPupilDiciplineEvents, in each shape seen.

    Public clients show a bare list, `{diciplineEvents: [...]}` and
    `{allowToViewThis, dataTable: {diciplineEvents: [...]}}`; which one a school
    sends is not known, so all are read. A view the school hides
    (`allowToViewThis: false`) has no events to show.
    """
    if isinstance(data, dict):
        if "dataTable" in data:
            data = data["dataTable"]
        elif not data.keys() & {"diciplineEvents", "allowToViewThis"}:
            # Another shape again: say so rather than show no events.
            raise ProtocolError("Webtop's discipline answer has an unknown shape")
    return _as_list(data, "diciplineEvents")


# --- Parsing ------------------------------------------------------------------


def _study_year(today: date) -> int:
    """Webtop names a school year by the calendar year in which it ends."""
    return today.year + 1 if today.month >= 8 else today.year


def week_start(day: date) -> date:
    """The Sunday that starts a Webtop week."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def parse_pupil(row: Mapping[str, Any], fallback_school: str | None) -> Student:
    """One pupil of InitDashboard."""
    encrypted_id = first_text(row, "id", "studentId", "StudentId")
    first = first_text(row, "firstName", "FirstName", "privateName")
    last = first_text(row, "lastName", "LastName", "familyName")
    if not encrypted_id or not (first or last):
        raise ProtocolError("A pupil without id or name")
    class_code = first_text(row, "classCode", "ClassCode")
    class_num = first_text(row, "classNum", "classNumber", "ClassNumber")
    class_name = f"{class_code}-{class_num}" if class_code and class_num else class_code
    context = {
        "encrypted_id": encrypted_id,
        "class_code": class_code,
        "class_num": class_num,
        "study_year": first_text(row, "studyYear"),
    }
    return Student(
        # The encrypted id may be per session (nobody has shown otherwise), so
        # the id we keep is derived from what stays: the pupil's name.
        id=stable_id("webtop", first, last),
        first_name=first,
        last_name=last,
        class_name=class_name or None,
        school=first_text(row, "schoolName", "school_name") or fallback_school,
        context=context,
    )


def parse_week(
    student: Student, days: list[dict[str, Any]], tz: tzinfo
) -> tuple[list[Lesson], list[tuple[Lesson, str]]]:
    """Lessons of a week, and the homework text set in each lesson."""
    lessons: list[Lesson] = []
    set_in: list[tuple[Lesson, str]] = []
    for day_row in days:
        day = portal_date(first_text(day_row, "date"))
        if day is None:
            raise ProtocolError("A timetable day without date")
        for hour_row in day_row.get("hoursData") or ():
            if not isinstance(hour_row, dict):
                continue
            hour = as_int(hour_row.get("hour"))
            times = _hour_times(hour_row, hour)
            if times is None:
                # An hour we cannot place in the day (no times sent, not in
                # the bell schedule): leave it out rather than lose the week.
                continue
            start, end = times
            for index, entry in enumerate(hour_row.get("scheduale") or ()):
                if not isinstance(entry, dict):
                    continue
                lesson = _parse_lesson(student, day, hour, index, entry, start, end, tz)
                lessons.append(lesson)
                homework = html_to_text(first_text(entry, "homeWork", "homework"))
                if homework and homework.strip().casefold() not in NO_HOMEWORK:
                    set_in.append((lesson, homework))
    return lessons, set_in


def _hour_times(row: Mapping[str, Any], hour: int | None) -> tuple[time, time] | None:
    start = parse_clock(first_text(row, "startTime", "start"))
    end = parse_clock(first_text(row, "endTime", "end"))
    if start and end:
        return start, end
    if hour is not None and hour in BELL_SCHEDULE:
        return BELL_SCHEDULE[hour]
    return None


def _parse_lesson(
    student: Student,
    day: date,
    hour: int | None,
    index: int,
    entry: Mapping[str, Any],
    start: time,
    end: time,
    tz: tzinfo,
) -> Lesson:
    teacher = first_text(entry, "teacher", "teacherName")
    substitute = first_text(entry, "substituteTeacher")
    change = html_to_text(first_text(entry, "changeDescription"))
    cancelled = bool(entry.get("isCanceled") or entry.get("isCancelled"))
    if cancelled:
        status = LessonStatus.CANCELLED
    elif substitute or change:
        status = LessonStatus.CHANGED
    else:
        status = LessonStatus.NORMAL
    room = first_text(entry, "room", "roomName")
    return Lesson(
        # Not the subject: a substitution may change it, and the uid must stay.
        uid=stable_id(student.id, day.isoformat(), hour, index),
        start=at(day, start, tz),
        end=at(day, end, tz),
        subject=first_text(entry, "subject_name", "subjectName", "subject") or "?",
        teachers=tuple(t for t in (substitute or teacher,) if t),
        rooms=(room,) if room else (),
        status=status,
        note=change or None,
    )


def homework_from_lessons(
    student: Student, set_in: list[tuple[Lesson, str]], lessons: Iterable[Lesson]
) -> list[Homework]:
    """Homework set in lessons; due at the next lesson of the same subject."""
    by_subject: dict[str, list[Lesson]] = {}
    for lesson in sorted(lessons, key=lambda item: item.start):
        if lesson.status is not LessonStatus.CANCELLED:
            by_subject.setdefault(lesson.subject, []).append(lesson)
    items = []
    for lesson, text in set_in:
        later = (
            other
            for other in by_subject.get(lesson.subject, ())
            if other.start.date() > lesson.start.date()
        )
        due_lesson = next(later, None)
        given = lesson.start.date()
        items.append(
            Homework(
                # Not the text: a teacher fixing a typo must not make a new item.
                uid=stable_id(student.id, "hw", lesson.uid),
                subject=lesson.subject,
                due=due_lesson.start.date()
                if due_lesson
                else given + timedelta(days=7),
                description=text,
                given=given,
                teacher=lesson.teachers[0] if lesson.teachers else None,
            )
        )
    return items


def parse_message(row: Mapping[str, Any], tz: tzinfo) -> Message:
    """One row of the inbox."""
    received = portal_datetime(first_text(row, "sendingDate", "date"), tz)
    if received is None:
        raise ProtocolError("A message without date")
    subject = html_to_text(first_text(row, "subject"))
    # The inbox calls the sender's name student_F_name / student_L_name.
    sender = " ".join(
        part
        for part in (
            first_text(row, "student_F_name"),
            first_text(row, "student_L_name"),
        )
        if part
    )
    message_id = first_text(row, "messageID", "messageId", "id")
    return Message(
        uid=message_id or stable_id(subject, received.isoformat(), sender),
        subject=subject,
        sender=sender,
        received=received,
        read=bool(as_int(row.get("hasRead"))),
        preview=preview(subject),
        has_attachments=bool(as_int(row.get("filesWereAttached"))),
    )


def _discipline_text(row: Mapping[str, Any], *keys: str) -> str:
    """A discipline field's text; the server writes a missing one as "null"."""
    text = html_to_text(first_text(row, *keys))
    return "" if text.casefold() == "null" else text


def _justified(row: Mapping[str, Any]) -> bool | None:
    """`isJustified` as a bool or 0/1; None where the event has no such flag."""
    value = row.get("isJustified")
    if isinstance(value, bool):
        return value
    flag = as_int(value)
    return None if flag is None else flag != 0


def discipline_kind(event_type: str) -> DisciplineKind:
    """Map Webtop's Hebrew event type onto our kinds."""
    return by_keywords(event_type, DISCIPLINE_KEYWORDS, DisciplineKind.OTHER)


def parse_discipline(
    student: Student, row: Mapping[str, Any], tz: tzinfo
) -> DisciplineEvent:
    """One discipline event."""
    day = portal_date(first_text(row, "eventDate", "date"))
    if day is None:
        raise ProtocolError("A discipline event without date")
    hour = as_int(row.get("hourNum"))
    clock = (
        BELL_SCHEDULE[hour][0]
        if hour is not None and hour in BELL_SCHEDULE
        else time(0)
    )
    event_type = _discipline_text(row, "eventType", "eventName")
    subject = _discipline_text(row, "subjectName", "subject_name")
    description = _discipline_text(row, "remark") or event_type
    justified = _justified(row)
    reason = _discipline_text(row, "justifiedReason")
    if justified is not False and reason and reason not in description:
        # The reason says why an absence is excused: worth seeing beside it.
        description = f"{description}\n{reason}" if description else reason
    return DisciplineEvent(
        uid=stable_id(
            student.id, "discipline", day.isoformat(), hour, event_type, subject
        ),
        kind=discipline_kind(event_type),
        when=at(day, clock, tz),
        subject=subject or None,
        description=description,
        teacher=_discipline_text(row, "teacherName", "teacher") or None,
        justified=justified,
    )


def parse_notification(row: Mapping[str, Any], tz: tzinfo) -> Notification:
    """One unread notification."""
    when = portal_datetime(first_text(row, "date"), tz)
    text = html_to_text(first_text(row, "message", "text"))
    if when is None:
        raise ProtocolError("A notification without date")
    return Notification(
        uid=stable_id("notification", when.isoformat(), text), when=when, text=text
    )


# --- The reads and the client -----------------------------------------------------


class WebtopReads(PortalClient):
    """What a Webtop token can read (pywebtop's surface), and the wire under it."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        server: str | None,
        tz: tzinfo,
        timeout: float,
        clock: Callable[[], datetime] | None,
    ) -> None:
        """Address the server; nothing is sent yet."""
        super().__init__(session, tz=tz, timeout=timeout, clock=clock)
        self._base = normalize_server(server)
        self._token: str | None = None
        # Pupil id -> pupil: the login's children, replaced at each read of
        # them (bound: the account's pupils).
        self._pupils: dict[str, Student] = {}

    # --- wire

    async def _exchange(
        self, action: str, body: Mapping[str, Any], *, auth: bool = True
    ) -> tuple[bool, Any, str | None]:
        """One call: the envelope's status, data and error description."""
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json, text/plain, */*",
        }
        if auth:
            if not self._token:
                raise SessionExpired("Not logged in to Webtop")
            headers["Cookie"] = f"webToken={self._token}"
        response = await http_request(
            self._session,
            "POST",
            f"{self._base}/server/api/{action}",
            timeout=self._timeout,
            json=dict(body),
            headers=headers,
        )
        if response.status == 401:
            raise SessionExpired("Webtop no longer accepts the token")
        if response.status >= 400:
            raise ProtocolError(f"Webtop answered HTTP {response.status} to {action}")
        return _envelope_data(response.text)

    async def _post(self, action: str, body: Mapping[str, Any]) -> Any:
        """One authenticated call: the envelope's data, or one of our errors."""
        ok, data, error = await self._exchange(action, body)
        if not ok:
            # Only the error's presence is said, never its text (it may quote
            # the pupil).
            raise ProtocolError(
                f"Webtop refused {action}" + (" (with a reason)" if error else "")
            )
        return data

    async def _call(
        self, action: str, build: Callable[[], Mapping[str, Any]] | None = None
    ) -> Any:
        """An authenticated call that survives one expired session.

        The body is built for each try: after a new login the pupils' ids are
        those of the new session.
        """
        return await self._with_relogin(
            lambda: self._post(action, build() if build else {})
        )

    # --- pupils

    async def check_token(self) -> bool:
        """Whether Webtop still accepts the token (no re-login is tried)."""
        try:
            await self._post("dashboard/CheckToken", {})
        except SessionExpired:
            return False
        return True

    async def linked_users(self) -> list[dict[str, Any]]:
        """Other logins linked to this one (siblings in other schools)."""
        return _as_list(await self._call("user/GetMultipleUsersForUser"), "users")

    def _context(self, student: Student) -> Mapping[str, str]:
        """The pupil's addressing values of the current session."""
        context = (self._pupils.get(student.id) or student).context
        if not context.get("encrypted_id"):
            raise ProtocolError("Webtop does not know this pupil")
        return context

    def _pupil_ids(self, student: Student, *numbers: str) -> dict[str, Any]:
        """The pupil as the dashboard's calls name it: its id, and class numbers."""
        context = self._context(student)
        body: dict[str, Any] = {"id": context["encrypted_id"]}
        for name in numbers:
            body[name] = as_int(context.get(_CLASS_NUMBERS[name]))
        return body

    def _pupil_card_body(
        self,
        student: Student,
        week_index: int,
        module_id: int,
        view_type: int = 0,
        study_year: int | None = None,
    ) -> dict[str, Any]:
        context = self._context(student)
        study_year = (
            study_year
            or as_int(context.get("study_year"))
            or _study_year(self._today())
        )
        return {
            "weekIndex": week_index,
            "viewType": view_type,
            "studyYear": study_year,
            "studyYearName": "",
            "studentID": context["encrypted_id"],
            "studentName": "",
            "classCode": as_int(context.get("class_code")),
            "moduleID": module_id,
            "periodID": 0,
            "periodName": "",
        }

    async def dashboard(self) -> Any:
        """The raw InitDashboard answer."""
        return await self._call("dashboard/InitDashboard")

    async def homework_today(self, student: Student) -> list[Homework]:
        """Today's homework as the dashboard shows it (no dates on the wire)."""
        data = await self._call(
            "dashboard/GetHomeWork",
            lambda: self._pupil_ids(student, "ClassCode", "ClassNumber"),
        )
        today = self._today()
        items = []
        for row in _as_list(data, "dataTable"):
            text = html_to_text(first_text(row, "homeworkData", "homework"))
            if not text or text.casefold() in NO_HOMEWORK:
                continue
            # "lesson" names the subject; "lessonSubject" is the lesson's topic.
            subject = first_text(row, "lesson", "subject_name", "lessonSubject") or "?"
            items.append(
                Homework(
                    uid=stable_id(
                        student.id,
                        "today",
                        today.isoformat(),
                        row.get("hourNum"),
                        subject,
                    ),
                    subject=subject,
                    due=today,
                    description=text,
                    given=today,
                    teacher=first_text(row, "teacher") or None,
                )
            )
        return items

    async def schedule(
        self,
        student: Student,
        week_index: int = 0,
        *,
        view_type: int = 0,
        study_year: int | None = None,
        module_id: int = MODULE_SCHEDULE,
    ) -> list[Lesson]:
        """The weekly timetable (week_index 0 is this week).

        The school year defaults to the pupil's current one; Webtop names a
        year by the calendar year in which it ends.
        """
        data = await self._call(
            "PupilCard/GetPupilScheduale",
            lambda: self._pupil_card_body(
                student, week_index, module_id, view_type, study_year
            ),
        )
        lessons, _ = parse_week(student, _as_list(data, "days"), self._tz)
        return lessons

    async def lessons_and_homework(
        self, student: Student, week_index: int = 0
    ) -> tuple[list[Lesson], list[Homework]]:
        """One week of lessons with the homework set in them."""
        days = await self._week_days(student, week_index)
        lessons, set_in = parse_week(student, days, self._tz)
        return lessons, homework_from_lessons(student, set_in, lessons)

    async def _week_days(
        self, student: Student, week_index: int
    ) -> list[dict[str, Any]]:
        """The days of one week of lessons and homework (0 is this week)."""
        data = await self._call(
            "PupilCard/GetPupilLessonsAndHomework",
            lambda: self._pupil_card_body(
                student, week_index, MODULE_LESSONS_AND_HOMEWORK
            ),
        )
        return _as_list(data, "days")

    async def messages(
        self,
        page: int = 1,
        *,
        label_id: int = 0,
        has_read: bool | None = None,
        search: str = "",
    ) -> list[Message]:
        """One page (1-based) of the inbox, newest first."""
        rows = await self._inbox_page(page, label_id, has_read, search)
        return [parse_message(row, self._tz) for row in rows]

    async def _inbox_page(
        self, page: int, label_id: int, has_read: bool | None, search: str
    ) -> list[dict[str, Any]]:
        data = await self._call(
            "messageBox/GetMessagesInbox",
            lambda: {
                "PageId": page,
                "LabelId": label_id,
                "HasRead": has_read,
                "SearchQuery": search,
            },
        )
        return _as_list(data, "messages")

    async def unread_messages(self) -> list[Message]:
        """Every unread message, a page at a time (bounded).

        The page size is not known (30 seen, 20 assumed before): a page shorter
        than 20 rows or than the page before is the last, and so is the page
        that reaches the `count` its rows carry. Should `count` be the size of
        the whole inbox, the short page still ends the reading.
        """
        rows: list[dict[str, Any]] = []
        full_page = MIN_INBOX_PAGE
        for page in range(1, MAX_INBOX_PAGES + 1):
            page_rows = await self._inbox_page(page, 0, False, "")
            rows.extend(page_rows)
            total = as_int(page_rows[0].get("count")) if page_rows else None
            if len(page_rows) < full_page or (total is not None and len(rows) >= total):
                break
            full_page = len(page_rows)
        return [parse_message(row, self._tz) for row in rows]

    async def unread_notifications(self) -> list[Notification]:
        """The unread notifications preview."""
        data = await self._call("Menu/GetPreviewUnreadNotifications")
        return [
            parse_notification(row, self._tz)
            for row in _as_list(data, "personalNotifications")
        ]

    async def notification_settings(self, student: Student) -> Any:
        """The pupil's notification settings, as Webtop sends them."""
        return await self._call(
            "Notification/GetNotificationsSettings",
            lambda: self._pupil_ids(student),
        )

    async def discipline_events(self, student: Student) -> list[DisciplineEvent]:
        """The pupil's discipline events of the school year."""
        data = await self._call(
            "dashboard/GetPupilDiciplineEvents",
            lambda: self._pupil_ids(student, "ClassCode"),
        )
        return [
            parse_discipline(student, row, self._tz) for row in discipline_rows(data)
        ]


class WebtopClient(WebtopReads):
    """A Webtop login, by password or by a token pasted from the browser."""

    portal: ClassVar[str] = "webtop"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.TIMETABLE,  # PupilCard/GetPupilLessonsAndHomework
            Capability.HOMEWORK,  # set in those lessons
            Capability.MESSAGES,  # messageBox/GetMessagesInbox
            Capability.DISCIPLINE,  # dashboard/GetPupilDiciplineEvents
            # Not NOTIFICATIONS: the refresh does not read them (the preview
            # is there, unread_notifications, but no recorded answer to trust).
        }
    )

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        username: str,
        password: str | None = None,
        token: str | None = None,
        session_token: str | None = None,
        server: str | None = None,
        login_data: str = DEFAULT_LOGIN_DATA,
        remember_me: bool = False,
        biometric_login: str = "",
        tz: tzinfo,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Keep the credentials; nothing is sent before `login`."""
        if not password and not token:
            raise AuthenticationError("Webtop needs a password or a token")
        super().__init__(session, server=server, tz=tz, timeout=timeout, clock=clock)
        self._username = username.strip()
        self._password = password or None
        # With a password, `token` is the session of an earlier run (worth
        # trying before a new login); without one, it is what the user pasted.
        self._pasted = bool(token) and not password
        raw_token = token if self._pasted else session_token
        self._token = clean_token(raw_token) if raw_token else None
        self._login_data = login_data
        self._remember_me = remember_me
        self._biometric_login = biometric_login
        self._login_school: str | None = None
        self._pupils_read_at = float("-inf")
        # (pupil, Sunday) -> the week's answer. Entries older than
        # PAST_WEEK_TTL are dropped on each write: at most pupils x the weeks
        # the window and a month view touch (tests/api/test_bounds.py).
        self._weeks: Cache[tuple[str, date], list[dict[str, Any]]] = self._cache(
            PAST_WEEK_TTL
        )

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any], tz: tzinfo
    ) -> Self:
        """Build the client from a config entry's data.

        A setting that cannot be used raises ConfigurationError: like a bad
        server address, it is the user's to fix, and the config flow says so
        (a bare ValueError would reach Home Assistant as an unexpected error).
        """
        timeout = timeout_setting(config.get("timeout", DEFAULT_TIMEOUT))
        return cls(
            session,
            username=str(config.get("username", "")),
            password=config.get("password"),
            token=config.get("token"),
            session_token=config.get("session_token"),
            server=config.get("server"),
            timeout=timeout,
            tz=tz,
        )

    @property
    def account_id(self) -> str:
        """The same id for password and token logins of one user."""
        return stable_id("webtop", self._username.casefold())

    @property
    def can_relogin(self) -> bool:
        """Only a password can fetch a fresh token."""
        return self._password is not None

    @property
    def session_state(self) -> Mapping[str, str]:
        """The live token, so that a restart need not log in again.

        Every password login costs: Webtop may ask for a reCAPTCHA, and it keeps
        one session per account, so a new login can end the parent's own.
        """
        if not self._token:
            return {}
        return {"token" if self._pasted else "session_token": self._token}

    # --- session

    async def _login(self) -> Account:
        if self._password and self._token and self._generation == 0:
            # A session kept from an earlier run: use it while it lives.
            try:
                return await self._load_pupils()
            except SessionExpired:
                self._token = None
        if self._password:
            await self._password_login()
        try:
            return await self._load_pupils()
        except SessionExpired as err:
            raise AuthenticationError("Webtop refused the token") from err

    async def _load_pupils(self) -> Account:
        """The pupils this token can see, from the dashboard."""
        dashboard = await self._post("dashboard/InitDashboard", {})
        rows = _as_list(dashboard, "childrens")
        pupils = [parse_pupil(row, self._login_school) for row in rows]
        if not pupils:
            raise ProtocolError("Webtop shows no pupil for this login")
        if self._pupils.keys() != {pupil.id for pupil in pupils}:
            self._weeks.clear()
        self._pupils = {pupil.id: pupil for pupil in pupils}
        self._pupils_read_at = self._seconds()
        # Parents get an object with "childrens"; a pupil gets a bare list.
        kind = (
            AccountKind.PARENT if isinstance(dashboard, dict) else AccountKind.STUDENT
        )
        return Account(
            id=self.account_id,
            kind=kind,
            students=tuple(pupils),
            school=self._login_school or pupils[0].school,
        )

    async def _password_login(self) -> None:
        ok, data, error = await self._exchange(
            "user/LoginByUserNameAndPassword",
            {
                "UserName": self._username,
                "Password": self._password,
                "Data": self._login_data,
                "RememberMe": self._remember_me,
                "BiometricLogin": self._biometric_login,
            },
            auth=False,
        )
        if not ok:
            if error is None:
                # All error fields empty: Webtop's reCAPTCHA blocked the login.
                raise CaptchaRequired(
                    "Webtop refused the login without a reason (reCAPTCHA?): "
                    "use token login"
                )
            raise AuthenticationError("Webtop refused the username or password")
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise ProtocolError("Webtop's login answer has no token")
        self._token = token
        school = data.get("schoolName")
        self._login_school = school if isinstance(school, str) and school else None

    async def change_user(self, linked_student_id: str) -> Account:
        """Switch to a linked login; Webtop hands out a new token for it."""
        data = await self._call(
            "user/ChangeUser",
            lambda: {
                "StudentId": linked_student_id,
                "institutionCode": None,
                "savedUser": "",
                "userType": None,
            },
        )
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise ProtocolError("Webtop's ChangeUser answer has no token")
        self._token = token
        self.account = await self._load_pupils()
        return self.account

    # --- refresh

    async def _week(
        self, student: Student, first_day: date, max_age: float
    ) -> list[dict[str, Any]]:
        """One Webtop week (Sunday first) of lessons and homework, cached."""
        week_index = (first_day - week_start(self._today())).days // 7
        return await self._weeks.read(
            (student.id, first_day),
            max_age,
            lambda: self._week_days(student, week_index),
        )

    async def _read_weeks(
        self, student: Student, start: date, end: date, *, refresh: bool
    ) -> tuple[list[Lesson], list[tuple[Lesson, str]]]:
        this_week = week_start(self._today())
        lessons: list[Lesson] = []
        set_in: list[tuple[Lesson, str]] = []
        first = week_start(start)
        while first < end:
            if not refresh:
                max_age = CALENDAR_WEEK_TTL
            elif first < this_week:
                max_age = PAST_WEEK_TTL
            else:
                max_age = 0.0
            week_lessons, week_homework = parse_week(
                student, await self._week(student, first, max_age), self._tz
            )
            lessons.extend(week_lessons)
            set_in.extend(week_homework)
            first += timedelta(days=7)
        return lessons, set_in

    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> PortalData:
        """Refresh several pupils; the inbox belongs to the login, so read it once."""
        if self._seconds() - self._pupils_read_at >= ACCOUNT_TTL:
            # A child added to the account shows up without a restart.
            self.account = await self._with_relogin(self._load_pupils)
        per_pupil = [await self._fetch_pupil(student, window) for student in students]
        unread = tuple(await self.unread_messages())
        return PortalData(
            per_pupil, AccountData(messages=unread, unread_messages=len(unread))
        )

    async def _fetch_pupil(self, student: Student, window: DateWindow) -> StudentData:
        lessons, set_in = await self._read_weeks(
            student, window.start, window.end, refresh=True
        )
        homework = homework_from_lessons(student, set_in, lessons)
        in_window = tuple(
            lesson
            for lesson in lessons
            if window.start <= lesson.start.date() < window.end
        )
        return StudentData(
            student=self._pupils.get(student.id, student),
            lessons=in_window,
            homework=tuple(homework),
            discipline=tuple(await self.discipline_events(student)),
        )

    async def lessons(self, student: Student, start: date, end: date) -> list[Lesson]:
        """Lessons of any range, read week by week with a short cache."""
        lessons, _ = await self._read_weeks(student, start, end, refresh=False)
        return [lesson for lesson in lessons if start <= lesson.start.date() < end]


_SERVER = LoginField("server", FieldKind.URL, default=DEFAULT_SERVER)
_USERNAME = LoginField("username", FieldKind.USERNAME)
# Webtop's refusal does not say whether the username or the password was
# wrong: a refused login stays at the top of the form.
_WHERE = {"invalid_server": "server"}

PORTAL = register(
    PortalInfo(
        key="webtop",
        name="Webtop",
        maker="Webtop (SmartSchool)",
        client=WebtopClient,
        methods=(
            secret_login("password", (_SERVER, _USERNAME), errors=_WHERE),
            # For logins behind a captcha or a one-time code: the webToken
            # cookie, copied from the browser.
            secret_login(
                "token",
                (_SERVER, _USERNAME),
                refused="invalid_token",
                errors=_WHERE,
                identified_by_pupils=True,
            ),
        ),
        persisted=("token", "session_token"),
        session_keys=("session_token",),
    )
)
