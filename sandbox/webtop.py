"""Webtop (SmartSchool, Israel) emulator, following docs/webtop-wire.md.

Known from public clients: ``POST /server/api/<Controller>/<Action>`` with a
JSON body, the ``{status, data, errorDescription, errorId}`` envelope, the
``webToken`` cookie as the only auth, HTTP 401 with a non-JSON body for a dead
token, a failed login as HTTP 200 ``status:false``, the request and response
keys of every endpoint served here, ``weekIndex`` 0 = the current week,
``studyYear`` = the year the school year ends, and a ~9 h token lifetime.

Our assumptions (the client treats them as optional): a parent's
``InitDashboard`` returns ``{"childrens": [...]}`` and a pupil's a bare list;
``studentId``/``id`` are null in a parent's login answer; the encrypted pupil id
is stable per account; messages come 20 to a page (a public client reads 30:
``page_size`` switches), newest first, each row carrying the ``count`` of rows
the query matches; ``Hour`` has
``startTime``/``endTime``; ``Entry`` has ``room``, ``isCanceled``,
``substituteTeacher``, ``changeDescription``; ``homeWork`` is what was set in
that lesson; ``GetHomeWork`` lists homework set in today's lessons; the
notification settings shape; stale ``studyYear``/``classCode``/pupil ids are
refused with "view is blocked"; the ``two_factor`` fault shows as a
reCAPTCHA-blocked login (``status:false`` with every error field null).

Discipline comes in one of two shapes public clients show (``discipline_shape``):
``"events"``, ``{diciplineEvents: [...]}`` with six keys per event (the default,
as a scraper reads it), or ``"data_table"``, ``{allowToViewThis, dataTable:
{diciplineEvents: [...]}}``, whose events also carry ``isJustified`` and
``justifiedReason`` and write a missing remark or reason as ``"null"``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from .dataset import BELL_SCHEDULE, Dataset, Lesson, Login, Pupil
from .faults import FAULT_KEY, Faults

PORTAL = "webtop"
PREFIX = "/webtop"
TOKEN_TTL = 9 * 3600.0
PAGE_SIZE = 20
DISCIPLINE_SHAPES = ("events", "data_table")
# The reason a justified absence shows in the "data_table" shape ("parents'
# note"): the dataset keeps whether an absence is excused, not why.
JUSTIFIED_REASON = "אישור הורים"
LANG = "he"
VIEW_BLOCKED = "view is blocked"
NO_HOMEWORK = "אין"  # "none": what teachers often type instead of leaving it empty

_NOTIFICATION_SETTINGS = (
    (1, "הודעות"),
    (2, "ציונים"),
    (3, "שיעורי בית"),
    (4, "אירועי משמעת"),
    (5, "שינויים במערכת השעות"),
)

_dumps = partial(json.dumps, ensure_ascii=False)


@dataclass(slots=True)
class WebtopSession:
    """A live token."""

    username: str
    pupil_id: (
        str | None
    )  # the pupil ChangeUser selected (a parent's first child by default)
    generation: int
    expires: float


class Unauthorized(Exception):
    """The request carries no live token."""


class WebtopEmulator:
    """The Webtop API over one dataset."""

    def __init__(
        self, dataset: Dataset, faults: Faults, token_ttl: float = TOKEN_TTL
    ) -> None:
        self.dataset = dataset
        self.faults = faults
        self.token_ttl = token_ttl
        self.clock: Callable[[], float] = time.monotonic
        self.sessions: dict[str, WebtopSession] = {}
        # Switches for what the notes cannot settle (see the module docstring).
        self.discipline_shape = DISCIPLINE_SHAPES[0]
        self.page_size = PAGE_SIZE
        self.inbox_counts = True
        self._secret = f"webtop-sandbox-{dataset.seed}".encode()
        self._actions: dict[str, Callable[[WebtopSession, dict[str, Any]], Any]] = {
            "user/getmultipleusersforuser": self._linked_users,
            "user/changeuser": self._change_user,
            "dashboard/initdashboard": self._init_dashboard,
            "dashboard/checktoken": lambda session, body: True,
            "dashboard/checkbackgroundtoken": lambda session, body: True,
            "dashboard/gethomework": self._today_homework,
            "dashboard/getpupildiciplineevents": self._discipline,
            "pupilcard/getpupilscheduale": partial(self._week, with_homework=False),
            "pupilcard/getpupillessonsandhomework": partial(
                self._week, with_homework=True
            ),
            "messagebox/getmessagesinbox": self._messages,
            "menu/getpreviewunreadnotifications": self._unread_notifications,
            "notification/getnotificationssettings": self._notification_settings,
        }

    # -- identities -----------------------------------------------------------

    def _digest(self, *parts: str) -> bytes:
        return hmac.new(self._secret, ":".join(parts).encode(), hashlib.sha256).digest()

    def encrypted_id(self, username: str, pupil_id: str) -> str:
        """The opaque pupil id Webtop shows to one account (stable per account)."""
        return base64.b64encode(self._digest("pupil", username, pupil_id)[:16]).decode()

    def user_id(self, username: str) -> str:
        """The account's user id."""
        return str(uuid.UUID(bytes=self._digest("user", username)[:16]))

    def browser_token(self, username: str) -> str:
        """The long-lived token a browser holds for ``username`` (for token login)."""
        generation = str(self.faults.generation(PORTAL))
        return self._digest("browser", username, generation).hex().upper()

    def _pupil_by_encrypted_id(self, login: Login, encrypted: object) -> Pupil | None:
        for pupil_id in login.pupil_ids:
            if self.encrypted_id(login.username, pupil_id) == encrypted:
                return self.dataset.pupils[pupil_id]
        return None

    def accounts(self, base_url: str) -> list[dict[str, Any]]:
        """The sandbox's Webtop logins, for scripts and people."""
        return [
            {
                "portal": PORTAL,
                "base_url": f"{base_url.rstrip('/')}{PREFIX}",
                "username": login.username,
                "password": login.password,
                "token": self.browser_token(login.username),
                "kind": login.kind,
                "pupils": [
                    {
                        "id": self.encrypted_id(login.username, pupil.id),
                        "dataset_id": pupil.id,
                        "name": pupil.name_he,
                        "class": self.dataset.class_of(pupil.id).name_he,
                    }
                    for pupil in self.dataset.pupils_of(login.username)
                ],
            }
            for login in self.dataset.logins.values()
        ]

    # -- sessions -------------------------------------------------------------

    def _issue(self, username: str, pupil_id: str | None) -> str:
        token = secrets.token_urlsafe(32)
        self.sessions[token] = WebtopSession(
            username,
            pupil_id,
            self.faults.generation(PORTAL),
            self.clock() + self.token_ttl,
        )
        return token

    def _session(self, request: web.Request) -> WebtopSession:
        if request.get(FAULT_KEY) == "password_changed":
            raise Unauthorized
        raw = request.cookies.get("webToken")
        if not raw:
            raise Unauthorized
        token = unquote(raw)
        session = self.sessions.get(token)
        if session is not None:
            if (
                session.generation == self.faults.generation(PORTAL)
                and session.expires > self.clock()
            ):
                return session
            del self.sessions[token]
            raise Unauthorized
        for login in self.dataset.logins.values():
            if hmac.compare_digest(token, self.browser_token(login.username)):
                return WebtopSession(
                    login.username,
                    login.pupil_ids[0],
                    self.faults.generation(PORTAL),
                    float("inf"),
                )
        raise Unauthorized

    # -- HTTP -----------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve the API under ``/webtop``."""
        app.router.add_post(
            f"{PREFIX}/server/api/{{controller}}/{{action}}", self.handle
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        controller = request.match_info["controller"].lower()
        action = request.match_info["action"].lower()
        key = f"{controller}/{action}"
        body = await _read_body(request)
        if body is None:
            return web.Response(status=400, text="Bad Request")
        if key == "user/loginbyusernameandpassword":
            return self._login(request, body)
        handler = self._actions.get(key)
        if handler is None:
            return web.Response(status=404, text="Not Found")
        try:
            session = self._session(request)
        except Unauthorized:
            return web.Response(
                status=401,
                text="Unauthorized: the session has ended, please log in again.",
            )
        try:
            result = handler(session, body)
        except _Refused as refused:
            return _envelope(None, status=False, error=str(refused), error_id=2)
        return _envelope(result)

    def _login(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        fault = request.get(FAULT_KEY)
        if fault == "two_factor":
            return _envelope(None, status=False)
        login = self.dataset.logins.get(str(body.get("UserName") or ""))
        if (
            login is None
            or fault == "password_changed"
            or not hmac.compare_digest(str(body.get("Password") or ""), login.password)
        ):
            return _envelope(
                None, status=False, error="שם משתמש או סיסמה שגויים", error_id=1
            )
        pupil = self.dataset.pupils[login.pupil_ids[0]]
        is_pupil = login.kind == "student"
        token = self._issue(login.username, pupil.id)
        return _envelope(
            {
                "token": token,
                "userId": self.user_id(login.username),
                "studentId": pupil.number if is_pupil else None,
                "schoolId": self.dataset.school.id,
                "schoolName": self.dataset.school.name(LANG),
                "firstName": login.first_name_he,
                "lastName": login.last_name_he,
                "id": self.encrypted_id(login.username, pupil.id) if is_pupil else None,
            }
        )

    # -- endpoints ------------------------------------------------------------

    def _login_of(self, session: WebtopSession) -> Login:
        return self.dataset.logins[session.username]

    def _pupil(self, session: WebtopSession, body: dict[str, Any], *keys: str) -> Pupil:
        """The pupil a call addresses: by encrypted id, else the active one."""
        login = self._login_of(session)
        given = next((body[k] for k in keys if body.get(k)), None)
        if given is None:
            return self.dataset.pupils[session.pupil_id or login.pupil_ids[0]]
        pupil = self._pupil_by_encrypted_id(login, given)
        if pupil is None:
            raise _Refused(VIEW_BLOCKED)
        return pupil

    def _check_class(self, pupil: Pupil, code: object, number: object = None) -> None:
        school_class = self.dataset.classes[pupil.class_id]
        if code not in (None, "") and str(code) != str(school_class.grade):
            raise _Refused(VIEW_BLOCKED)
        if number not in (None, "") and str(number) != str(school_class.number):
            raise _Refused(VIEW_BLOCKED)

    def _pupil_card(self, login: Login, pupil: Pupil) -> dict[str, Any]:
        school_class = self.dataset.classes[pupil.class_id]
        return {
            "id": self.encrypted_id(login.username, pupil.id),
            "firstName": pupil.first_name_he,
            "lastName": pupil.last_name_he,
            "classCode": school_class.grade,
            "classNum": school_class.number,
            "studyYear": self.dataset.study_year,
            "schoolName": self.dataset.school.name(LANG),
        }

    def _init_dashboard(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        login = self._login_of(session)
        cards = [
            self._pupil_card(login, p) for p in self.dataset.pupils_of(login.username)
        ]
        return {"childrens": cards} if login.kind == "parent" else cards

    def _linked_users(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        login = self._login_of(session)
        if login.kind != "parent":
            return []
        return [
            {
                "studentId": self.encrypted_id(login.username, pupil.id),
                "studentLogin": pupil.username,
                "school_name": self.dataset.school.name(LANG),
            }
            for pupil in self.dataset.pupils_of(login.username)
        ]

    def _change_user(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        login = self._login_of(session)
        pupil = self._pupil_by_encrypted_id(login, body.get("StudentId"))
        if pupil is None:
            raise _Refused("המשתמש לא נמצא")
        token = self._issue(login.username, pupil.id)
        return {
            "token": token,
            "id": self.encrypted_id(login.username, pupil.id),
            "userId": self.user_id(login.username),
            "schoolId": self.dataset.school.id,
            "schoolName": self.dataset.school.name(LANG),
            "firstName": pupil.first_name_he,
            "lastName": pupil.last_name_he,
        }

    def _teacher_name(self, teacher_id: str | None) -> str:
        return self.dataset.person(teacher_id).name_he if teacher_id else ""

    def _change_description(self, lesson: Lesson) -> str | None:
        if lesson.cancelled:
            return "השיעור בוטל"
        if lesson.substitute_id:
            return f"מילוי מקום: {self._teacher_name(lesson.substitute_id)}"
        return None

    def _homework_text(self, pupil: Pupil, lesson: Lesson) -> str:
        return "\n".join(
            item.description.get(LANG, "")
            for item in self.dataset.homework_given_in(pupil.id, lesson)
        )

    def _today_homework(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        pupil = self._pupil(session, body, "id")
        self._check_class(pupil, body.get("ClassCode"), body.get("ClassNumber"))
        rows = []
        for lesson in self.dataset.lessons_on(pupil.id, self.dataset.today):
            text = self._homework_text(pupil, lesson)
            if not text:
                continue
            rows.append(
                {
                    "lesson": self.dataset.subjects[lesson.subject].name(LANG),
                    "teacher": self._teacher_name(lesson.teacher_id),
                    "homeworkData": text,
                    "lessonSubject": lesson.topic.get(LANG, ""),
                    "hourNum": lesson.hour,
                    "status": 0,
                }
            )
        return {"dataTable": rows}

    def _week(
        self, session: WebtopSession, body: dict[str, Any], *, with_homework: bool
    ) -> Any:
        pupil = self._pupil(session, body, "studentID", "id")
        self._check_class(pupil, body.get("classCode"))
        study_year = body.get("studyYear")
        if study_year not in (None, "") and str(study_year) != str(
            self.dataset.study_year
        ):
            raise _Refused(VIEW_BLOCKED)
        try:
            week_index = int(body.get("weekIndex") or 0)
        except (TypeError, ValueError) as err:
            raise _Refused(VIEW_BLOCKED) from err
        today = self.dataset.today
        sunday = today - timedelta(days=(today.weekday() + 1) % 7)
        first = sunday + timedelta(weeks=week_index)
        school_class = self.dataset.classes[pupil.class_id]
        days = []
        for offset in range(6):  # Sunday to Friday
            day = first + timedelta(days=offset)
            hours = []
            for lesson in self.dataset.lessons_on(pupil.id, day):
                entry: dict[str, Any] = {
                    "subject_name": self.dataset.subjects[lesson.subject].name(LANG),
                    "teacher": self._teacher_name(lesson.teacher_id),
                    "descClass": school_class.name_he,
                    "room": lesson.room,
                    "isCanceled": lesson.cancelled,
                    "substituteTeacher": (
                        self._teacher_name(lesson.substitute_id)
                        if lesson.substitute_id and not lesson.cancelled
                        else None
                    ),
                    "changeDescription": self._change_description(lesson),
                }
                if with_homework:
                    entry["homeWork"] = self._homework_text(pupil, lesson) or (
                        NO_HOMEWORK if zlib.crc32(lesson.uid.encode()) % 8 == 0 else ""
                    )
                start, end = BELL_SCHEDULE[lesson.hour]
                hours.append(
                    {
                        "hour": lesson.hour,
                        "startTime": start.strftime("%H:%M"),
                        "endTime": end.strftime("%H:%M"),
                        "scheduale": [entry],
                    }
                )
            days.append(
                {"date": _day_stamp(day), "dayIndex": offset + 1, "hoursData": hours}
            )
        return days

    def _discipline(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        pupil = self._pupil(session, body, "id")
        self._check_class(pupil, body.get("ClassCode"))
        rich = self.discipline_shape == "data_table"
        events = []
        for record in reversed(self.dataset.discipline(pupil.id)):
            event: dict[str, Any] = {
                "eventType": record.label.get(LANG, ""),
                "eventDate": _day_stamp(record.day),
                "hourNum": record.hour,
                "subjectName": (
                    self.dataset.subjects[record.subject].name(LANG)
                    if record.subject
                    else ""
                ),
                "teacherName": self._teacher_name(record.teacher_id),
                "remark": record.description.get(LANG, "") or ("null" if rich else ""),
            }
            if rich:
                event["isJustified"] = record.justified
                event["justifiedReason"] = (
                    JUSTIFIED_REASON if record.justified else "null"
                )
            events.append(event)
        if rich:
            return {"allowToViewThis": True, "dataTable": {"diciplineEvents": events}}
        return {"diciplineEvents": events}

    def _messages(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        has_read = body.get("HasRead")
        query = str(body.get("SearchQuery") or "").strip().casefold()
        try:
            page = max(1, int(body.get("PageId") or 1))
        except (TypeError, ValueError):
            page = 1
        rows = [
            message
            for message in self.dataset.messages(session.username)
            if (has_read is None or message.read is bool(has_read))
            and (
                not query
                or query in message.subject.get(LANG, "").casefold()
                or query in message.sender.name_he.casefold()
            )
        ]
        size = self.page_size
        counted = {"count": len(rows)} if self.inbox_counts else {}
        return [
            {
                "messageID": message.id,
                "subject": message.subject.get(LANG, ""),
                "sendingDate": message.sent.isoformat(timespec="seconds"),
                "student_F_name": message.sender.first_name_he,
                "student_L_name": message.sender.last_name_he,
                "hasRead": int(message.read),
                "filesWereAttached": int(message.has_attachments),
                "typeID": message.kind,
                **counted,
            }
            for message in rows[(page - 1) * size : page * size]
        ]

    def _unread_notifications(
        self, session: WebtopSession, body: dict[str, Any]
    ) -> Any:
        return {
            "personalNotifications": [
                {
                    "date": notice.when.isoformat(timespec="seconds"),
                    "message": notice.text.get(LANG, ""),
                }
                for notice in self.dataset.notifications(session.username)
                if not notice.read
            ]
        }

    def _notification_settings(
        self, session: WebtopSession, body: dict[str, Any]
    ) -> Any:
        self._pupil(session, body, "id")
        return {
            "settings": [
                {"typeId": type_id, "name": name, "push": True, "mail": type_id != 5}
                for type_id, name in _NOTIFICATION_SETTINGS
            ]
        }


class _Refused(Exception):
    """The server answers ``status:false`` with this description."""


def _day_stamp(day: date) -> str:
    return datetime.combine(day, datetime.min.time()).isoformat(timespec="seconds")


async def _read_body(request: web.Request) -> dict[str, Any] | None:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _envelope(
    data: Any,
    *,
    status: bool = True,
    error: str | None = None,
    error_id: int | None = None,
) -> web.Response:
    return web.json_response(
        {
            "status": status,
            "data": data,
            "errorDescription": error,
            "errorId": error_id,
        },
        dumps=_dumps,
    )
