"""WebUntis emulator (JSON-RPC and REST), following docs/webuntis-wire.md.

Known from public clients (see the wire page for sources): ``POST
<base>/WebUntis/jsonrpc.do?school=<school>`` with a JSON-RPC 2.0 envelope whose
``id`` is echoed; errors in HTTP 200 bodies; the session in ``Cookie:
JSESSIONID``; dates as ``yyyymmdd`` and times as ``HHMM`` integers (strings are
accepted too); the error codes -8504, -8500, -8509, -8520, -8998, -7004,
-32601; the OTP login over ``jsonrpc_intern.do``; the REST endpoints for
homework, exams, absences, news, the bearer token, ``app/data`` and messages.

Our assumptions: integer ids derived from the dataset's own ids; only the
current school year is open (other dates: -7004); nobody but staff may read
``getStudents`` (-8509); the ``two_factor`` fault blocks the login with -8998
(WebUntis has no second factor on its API); a REST call without a live session
is HTTP 401 and one without the right is HTTP 403 with the recorded
``{"errors": [...]}`` body (or 200: ``refusal_status``); the parent's children
come from ``app/data`` ``user.students``; the import time moves on every
dataset change the emulator can see (see ``touch``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from aiohttp import web

from .dataset import (
    BELL_SCHEDULE,
    Dataset,
    DisciplineRecord,
    Exam,
    HomeworkItem,
    Lesson,
    Login,
    Pupil,
    localized,
)
from .faults import FAULT_KEY, Faults

PORTAL = "webuntis"
PREFIX = "/webuntis"
BASE = f"{PREFIX}/WebUntis"
SCHOOL = "sandbox-gymnasium"
LANG = "de"
TENANT_ID = "4401230"
# The server's session dies after this long without a request.
SESSION_IDLE = 15 * 60.0
TOKEN_LIFETIME = 900
OTP_STEP = 30

PERSON_STUDENT = 5
PERSON_PARENT = 12
# A login without a person of its own (python-webuntis#63; what it is, is not known).
PERSON_NONE = 16
# The body of a refused REST resource (HA#153, HA#160).
REFUSAL = {"errors": [{"code": "INTERNAL_ERROR", "title": "Unerlaubter Zugriff"}]}
ELEMENT_TYPES = {1: "klasse", 2: "teacher", 3: "subject", 4: "room", 5: "student"}

# Error codes (docs/webuntis-wire.md).
BAD_CREDENTIALS = -8504
UNKNOWN_SCHOOL = -8500
NO_RIGHT = -8509
NOT_LOGGED_IN = -8520
BLOCKED = -8998
DATE_NOT_ALLOWED = -7004
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
PARSE_ERROR = -32700

# Discipline kinds shown in the class register (the rest are absences).
_CATEGORIES = {"late": 1, "remark": 2, "praise": 3, "punishment": 4}
_CATEGORY_NAMES = {
    1: ("VS", "Verspätung"),
    2: ("BM", "Bemerkung"),
    3: ("LOB", "Lob"),
    4: ("NS", "Nachsitzen"),
}
_STATUS_COLORS = {
    "lstypes": [
        {"ls": {"foreColor": "000000", "backColor": "ee7f00"}},
        {"oh": {"foreColor": "250eed", "backColor": "80ffff"}},
        {"sb": {"foreColor": "000000", "backColor": "f5cca3"}},
        {"bs": {"foreColor": "000000", "backColor": "ff8040"}},
        {"ex": {"foreColor": "000000", "backColor": "ffff00"}},
    ],
    "codes": [
        {"cancelled": {"foreColor": "FFFFFF", "backColor": "FF0000"}},
        {"irregular": {"foreColor": "FFFFFF", "backColor": "8000FF"}},
    ],
}

_dumps = partial(json.dumps, ensure_ascii=False)


class RpcError(Exception):
    """A JSON-RPC error answer."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _RestError(Exception):
    """A REST error answer (status and JSON body)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class UntisSession:
    """A live JSESSIONID."""

    username: str
    generation: int
    last_used: float


@dataclass(frozen=True, slots=True)
class _Request:
    """What a JSON-RPC method sees of its call."""

    session: UntisSession
    login: Login
    params: Mapping[str, Any]


def int_date(day: date) -> int:
    """``yyyymmdd`` as WebUntis sends it."""
    return day.year * 10000 + day.month * 100 + day.day


def int_time(clock: datetime | Any) -> int:
    """``HHMM`` without leading zero."""
    return int(clock.hour * 100 + clock.minute)


def parse_date(value: Any) -> date:
    """An int or string ``yyyymmdd`` (what PWU and JSU send)."""
    text = str(value).strip()
    if not text.isdigit() or len(text) != 8:
        raise RpcError(INVALID_PARAMS, "invalid date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as err:
        raise RpcError(INVALID_PARAMS, "invalid date") from err


def totp_code(secret: str, moment: float, step_offset: int = 0) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), written from the RFC."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(moment // OTP_STEP) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class WebUntisEmulator:
    """WebUntis JSON-RPC and REST over the shared dataset."""

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        self.dataset = dataset
        self.faults = faults
        # Idle expiry and the bearer tokens run on this clock.
        self.clock: Callable[[], float] = time.monotonic
        # One-time codes are checked against this one (epoch seconds).
        self.wall_clock: Callable[[], float] = time.time
        self.session_idle = SESSION_IDLE
        self.sessions: dict[str, UntisSession] = {}
        # Resources refused with "no right" (JSON-RPC method names or REST
        # resource names such as "exams"), for permission tests.
        self.forbidden: set[str] = set()
        # Which dates /api/homeworks/lessons filters on is not known: "span"
        # (given on/before endDate and due on/after startDate, the default),
        # "given" (the lesson date) or "due" (the due date) in the range. The
        # client must find the same homework under each (tests switch it).
        self.homework_filter = "span"
        # Shapes real servers were seen to send where the notes cannot say
        # which one a server sends (tests switch them; the client reads all):
        # - refusal_status: the HTTP status of a refused REST resource. Its
        #   body is always the recorded {"errors": [...]}; HA#160 saw it with
        #   403, HA#153's log did not give the status (so: 403 or 200).
        self.refusal_status = 403
        # - homework_subject: how a homework lesson names its subject:
        #   "subject" (text, what HA reads), "su" (only [{id, name, longname}])
        #   or "both" (MMM-old's sample).
        self.homework_subject = "subject"
        # - absence_reason: "text" (``reason`` filled) or "id" (``reason``
        #   empty, only ``reasonId`` into ``absenceReasons``, as MMM-old).
        self.absence_reason = "text"
        # - login_person: what authenticate says of the login: "own" (its
        #   person type, id and class) or "none" (personType 16, personId -1,
        #   klasseId 0: python-webuntis#63).
        self.login_person = "own"
        self._key = f"webuntis-sandbox-{dataset.seed}".encode()
        self._import_time = int(
            datetime.combine(dataset.today, datetime.min.time()).timestamp() * 1000
        )
        self._fingerprint = self._changes()
        self._class_ids = {cid: n for n, cid in enumerate(dataset.classes, 1)}
        self._teacher_ids = {tid: n for n, tid in enumerate(dataset.teachers, 1)}
        self._subject_ids = {key: n for n, key in enumerate(dataset.subjects, 1)}
        rooms = sorted({slot.room for s in dataset.timetables.values() for slot in s})
        self._room_ids = {room: n for n, room in enumerate(rooms, 1)}
        self._watch_mutators()
        self._methods: dict[str, Callable[[_Request], Any]] = {
            "logout": lambda call: None,
            "getLatestImportTime": lambda call: self.import_time(),
            "getDepartments": lambda call: [
                {"id": 1, "name": "SEK1", "longName": "Sekundarstufe I"}
            ],
            "getHolidays": lambda call: self._holidays(),
            "getKlassen": self._klassen,
            "getTeachers": lambda call: self._teachers(),
            "getStudents": self._students,
            "getSubjects": lambda call: self._subjects(),
            "getRooms": lambda call: self._rooms(),
            "getSchoolyears": lambda call: self._schoolyears(),
            "getCurrentSchoolyear": lambda call: self._schoolyears()[-1],
            "getTimegridUnits": lambda call: self._timegrid(),
            "getStatusData": lambda call: _STATUS_COLORS,
            "getTimetable": self._timetable,
            "getSubstitutions": self._substitutions,
            "getExamTypes": lambda call: [
                {
                    "id": 1,
                    "name": "KA",
                    "longName": "Klassenarbeit",
                    "showInTimetable": True,
                }
            ],
            "getExams": self._exams,
            "getTimetableWithAbsences": self._timetable_with_absences,
            "getClassregEvents": self._classreg_events,
            "getClassregCategories": lambda call: [
                {"id": cid, "name": name, "longName": long, "groupId": 1}
                for cid, (name, long) in _CATEGORY_NAMES.items()
            ],
            "getClassregCategoryGroups": lambda call: [
                {"id": 1, "name": "Klassenbuch"}
            ],
            "getPersonId": self._person_id,
        }

    # -- identities -----------------------------------------------------------

    def secret(self, username: str) -> str:
        """The login's app secret (base32, as the QR code carries it)."""
        digest = hmac.new(
            self._key, f"secret:{username}".encode(), hashlib.sha256
        ).digest()
        return base64.b32encode(digest[:10]).decode()

    def person_id(self, login: Login) -> int:
        """The login's WebUntis person id (the pupil's own id for a pupil)."""
        if login.kind == "student":
            return self.dataset.pupils[login.pupil_ids[0]].number
        return 9000 + zlib.crc32(login.username.encode()) % 1000

    def person_type(self, login: Login) -> int:
        """5 for a pupil, 12 for a parent (legal guardian)."""
        return PERSON_STUDENT if login.kind == "student" else PERSON_PARENT

    def pupil_id(self, pupil: Pupil) -> int:
        """A pupil's WebUntis person id."""
        return pupil.number

    def _pupil_by_id(self, value: Any) -> Pupil | None:
        try:
            number = int(value)
        except (TypeError, ValueError):
            return None
        return next(
            (p for p in self.dataset.pupils.values() if p.number == number), None
        )

    def accounts(self, base_url: str) -> list[dict[str, Any]]:
        """The sandbox's WebUntis logins, for scripts and people."""
        server = f"{base_url.rstrip('/')}{PREFIX}"
        rows = []
        for login in self.dataset.logins.values():
            secret = self.secret(login.username)
            qr = (
                f"untis://setschool?url={quote(server, safe='')}&school={SCHOOL}"
                f"&user={quote(login.username)}&key={secret}"
            )
            rows.append(
                {
                    "portal": PORTAL,
                    "base_url": server,
                    "server": server,
                    "jsonrpc_url": f"{server}/WebUntis/jsonrpc.do",
                    "school": SCHOOL,
                    "username": login.username,
                    "password": login.password,
                    "secret": secret,
                    "qr_link": qr,
                    "kind": login.kind,
                    "person_type": self.person_type(login),
                    "pupils": [
                        {
                            "id": self.pupil_id(pupil),
                            "dataset_id": pupil.id,
                            "name": pupil.name,
                            "class": self.dataset.class_of(pupil.id).name,
                        }
                        for pupil in self.dataset.pupils_of(login.username)
                    ],
                }
            )
        return rows

    # -- the import time --------------------------------------------------------

    def touch(self) -> None:
        """Move the import time on (call after changing the dataset by hand)."""
        self._import_time += 60_000

    def import_time(self) -> int:
        """Epoch ms of the last change; moves when the timetable changed."""
        fingerprint = self._changes()
        if fingerprint != self._fingerprint:
            # A lesson was changed without a mutator (e.g. by hand in a test).
            self._fingerprint = fingerprint
            self.touch()
        return self._import_time

    def _changes(self) -> int:
        hashed = 0
        for class_lessons in self.dataset._lessons.values():
            for lessons in class_lessons.values():
                for lesson in lessons:
                    if lesson.cancelled or lesson.substitute_id:
                        hashed = zlib.crc32(
                            f"{lesson.uid}{lesson.cancelled}{lesson.substitute_id}".encode(),
                            hashed,
                        )
        return hashed

    def _watch_mutators(self) -> None:
        """Wrap the dataset's mutators so that they move the import time."""
        for name in (
            "cancel_lesson",
            "add_homework",
            "add_message",
            "add_discipline_event",
        ):
            original = getattr(self.dataset, name)

            def wrapped(
                *args: Any, _original: Callable[..., Any] = original, **kwargs: Any
            ) -> Any:
                result = _original(*args, **kwargs)
                self.touch()
                self._fingerprint = self._changes()
                return result

            setattr(self.dataset, name, wrapped)

    # -- sessions -------------------------------------------------------------

    def _issue(self, username: str) -> str:
        sid = secrets.token_hex(16).upper()
        self.sessions[sid] = UntisSession(
            username, self.faults.generation(PORTAL), self.clock()
        )
        return sid

    def _live_session(self, request: web.Request) -> UntisSession | None:
        sid = request.cookies.get("JSESSIONID")
        session = self.sessions.get(sid or "")
        if session is None or sid is None:
            return None
        now = self.clock()
        if (
            session.generation != self.faults.generation(PORTAL)
            or now - session.last_used > self.session_idle
        ):
            del self.sessions[sid]
            return None
        session.last_used = now
        return session

    def _set_session_cookie(self, response: web.StreamResponse, sid: str) -> None:
        response.set_cookie(
            "schoolname",
            "_" + base64.b64encode(SCHOOL.encode()).decode(),
            path="/WebUntis",
        )
        response.set_cookie("JSESSIONID", sid, path="/WebUntis", httponly=True)

    # -- HTTP -----------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve WebUntis under ``/webuntis``."""
        app.router.add_post(f"{BASE}/jsonrpc.do", self.handle_rpc)
        app.router.add_post(f"{BASE}/jsonrpc_intern.do", self.handle_intern)
        app.router.add_get(f"{BASE}/api/token/new", self._token_new)
        rest: dict[str, Callable[[UntisSession, web.Request], Any]] = {
            "api/app/config": self._app_config,
            "api/daytimetable/config": self._daytimetable_config,
            "api/homeworks/lessons": self._homeworks,
            "api/exams": self._rest_exams,
            "api/classreg/absences/students": self._absences,
            "api/public/news/newsWidgetData": self._news,
        }
        for path, handler in rest.items():
            app.router.add_get(f"{BASE}/{path}", partial(self._rest, handler))
        bearer: dict[str, Callable[[UntisSession, web.Request], Any]] = {
            "api/rest/view/v1/app/data": self._app_data,
            "api/rest/view/v1/messages": self._messages,
        }
        for path, handler in bearer.items():
            app.router.add_get(f"{BASE}/{path}", partial(self._bearer, handler))

    async def handle_rpc(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _rpc_answer(None, error=RpcError(PARSE_ERROR, "Parse error"))
        if not isinstance(body, dict):
            return _rpc_answer(None, error=RpcError(PARSE_ERROR, "Parse error"))
        call_id = body.get("id")
        method = str(body.get("method") or "")
        params = body.get("params") or {}
        try:
            if request.query.get("school", "").casefold() != SCHOOL:
                raise RpcError(UNKNOWN_SCHOOL, "invalid schoolname")
            if method == "authenticate":
                return self._authenticate(request, call_id, params)
            if not isinstance(params, dict):
                raise RpcError(INVALID_PARAMS, "invalid params")
            handler = self._methods.get(method)
            if handler is None:
                raise RpcError(METHOD_NOT_FOUND, "Method not found")
            session = self._live_session(request)
            if method == "logout":
                if session is not None:
                    self.sessions.pop(request.cookies.get("JSESSIONID", ""), None)
                return _rpc_answer(call_id, result=None)
            if session is None:
                raise RpcError(NOT_LOGGED_IN, "not authenticated")
            if method in self.forbidden:
                raise RpcError(NO_RIGHT, f"no right for {method}()")
            login = self.dataset.logins[session.username]
            result = handler(_Request(session, login, params))
        except RpcError as err:
            return _rpc_answer(call_id, error=err)
        return _rpc_answer(call_id, result=result)

    def _login_named(self, username: str) -> Login | None:
        """Usernames are not case-sensitive (assumed, as in the web login)."""
        wanted = username.strip().casefold()
        return next(
            (
                x
                for x in self.dataset.logins.values()
                if x.username.casefold() == wanted
            ),
            None,
        )

    def _check_password(
        self, request: web.Request, username: str, password: str
    ) -> Login:
        fault = request.get(FAULT_KEY)
        if fault == "two_factor":
            raise RpcError(BLOCKED, "Benutzer ist vorübergehend gesperrt")
        login = self._login_named(username)
        if (
            login is None
            or fault == "password_changed"
            or not hmac.compare_digest(password.encode(), login.password.encode())
        ):
            raise RpcError(BAD_CREDENTIALS, "bad credentials")
        return login

    def _authenticate(
        self, request: web.Request, call_id: Any, params: Any
    ) -> web.Response:
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "invalid params")
        login = self._check_password(
            request, str(params.get("user") or ""), str(params.get("password") or "")
        )
        sid = self._issue(login.username)
        result: dict[str, Any] = {
            "sessionId": sid,
            "personType": self.person_type(login),
            "personId": self.person_id(login),
        }
        if self.login_person == "none":
            result |= {"personType": PERSON_NONE, "personId": -1, "klasseId": 0}
        elif login.kind == "student":
            pupil = self.dataset.pupils[login.pupil_ids[0]]
            result["klasseId"] = self._class_ids[pupil.class_id]
        response = _rpc_answer(call_id, result=result)
        self._set_session_cookie(response, sid)
        return response

    async def handle_intern(self, request: web.Request) -> web.Response:
        """``jsonrpc_intern.do``: the app secret and the one-time-code login."""
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _rpc_answer(None, error=RpcError(PARSE_ERROR, "Parse error"))
        call_id = body.get("id") if isinstance(body, dict) else None
        method = request.query.get("m") or (
            body.get("method") if isinstance(body, dict) else ""
        )
        params = body.get("params") if isinstance(body, dict) else None
        first = params[0] if isinstance(params, list) and params else {}
        if not isinstance(first, dict):
            first = {}
        try:
            if request.query.get("school", "").casefold() != SCHOOL:
                raise RpcError(UNKNOWN_SCHOOL, "invalid schoolname")
            if method == "getAppSharedSecret":
                login = self._check_password(
                    request,
                    str(first.get("userName") or ""),
                    str(first.get("password") or ""),
                )
                return _rpc_answer(call_id, result=self.secret(login.username))
            if method == "getUserData2017":
                return self._otp_login(request, call_id, first)
            raise RpcError(METHOD_NOT_FOUND, "Method not found")
        except RpcError as err:
            return _rpc_answer(call_id, error=err)

    def _otp_login(
        self, request: web.Request, call_id: Any, first: Mapping[str, Any]
    ) -> web.Response:
        auth = first.get("auth")
        if not isinstance(auth, dict):
            raise RpcError(INVALID_PARAMS, "missing auth")
        fault = request.get(FAULT_KEY)
        if fault == "two_factor":
            raise RpcError(BLOCKED, "Benutzer ist vorübergehend gesperrt")
        login = self._login_named(str(auth.get("user") or ""))
        otp = str(auth.get("otp") or "")
        now = self.wall_clock()
        if (
            login is None
            or fault == "password_changed"
            or not any(
                hmac.compare_digest(otp, totp_code(self.secret(login.username), now, d))
                for d in (-1, 0, 1)
            )
        ):
            raise RpcError(BAD_CREDENTIALS, "bad credentials")
        sid = self._issue(login.username)
        response = _rpc_answer(
            call_id,
            result={
                "userData": {
                    "elemType": "STUDENT"
                    if login.kind == "student"
                    else "LEGAL_GUARDIAN",
                    "elemId": self.person_id(login),
                    "displayName": f"{login.first_name} {login.last_name}",
                    "schoolName": SCHOOL,
                },
                "settings": {},
            },
        )
        self._set_session_cookie(response, sid)
        return response

    async def _rest(
        self,
        handler: Callable[[UntisSession, web.Request], Any],
        request: web.Request,
    ) -> web.Response:
        session = self._live_session(request)
        if session is None:
            return web.json_response(
                {"errorMessage": "not authenticated"}, status=401, dumps=_dumps
            )
        try:
            data = handler(session, request)
        except _RestError as err:
            return self._rest_error(err)
        return web.json_response({"data": data}, dumps=_dumps)

    def _rest_error(self, err: _RestError) -> web.Response:
        """A REST error; a refusal as recorded (bearer calls too: assumed)."""
        if err.status == 403:
            return web.json_response(REFUSAL, status=self.refusal_status, dumps=_dumps)
        return web.json_response(
            {"errorMessage": err.message}, status=err.status, dumps=_dumps
        )

    # -- bearer ---------------------------------------------------------------

    def _sign(self, payload: Mapping[str, Any]) -> str:
        header = _b64url(_dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64url(_dumps(payload).encode())
        signature = hmac.new(
            self._key, f"{header}.{body}".encode(), hashlib.sha256
        ).digest()
        return f"{header}.{body}.{_b64url(signature)}"

    async def _token_new(self, request: web.Request) -> web.Response:
        session = self._live_session(request)
        if session is None:
            return web.Response(
                status=401,
                text="<html><body>Session expired</body></html>",
                content_type="text/html",
            )
        login = self.dataset.logins[session.username]
        issued = int(self.clock())
        token = self._sign(
            {
                "tenant_id": TENANT_ID,
                "sub": login.username,
                "roles": ["STUDENT" if login.kind == "student" else "LEGAL_GUARDIAN"],
                "iss": "webuntis",
                "person_id": self.person_id(login),
                "username": login.username,
                "gen": session.generation,
                "iat": issued,
                "exp": issued + TOKEN_LIFETIME,
            }
        )
        return web.Response(text=token, content_type="text/plain")

    def _bearer_login(self, request: web.Request) -> Login | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        token = header[7:].strip()
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = self._sign_parts(parts[0], parts[1])
        if not hmac.compare_digest(expected, parts[2]):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * 4))
        except ValueError:
            return None
        if payload.get("exp", 0) <= self.clock() or payload.get(
            "gen"
        ) != self.faults.generation(PORTAL):
            return None
        return self.dataset.logins.get(str(payload.get("username")))

    def _sign_parts(self, header: str, body: str) -> str:
        return _b64url(
            hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256).digest()
        )

    async def _bearer(
        self,
        handler: Callable[[UntisSession, web.Request], Any],
        request: web.Request,
    ) -> web.Response:
        login = self._bearer_login(request)
        if login is None:
            return web.json_response(
                {"errorMessage": "invalid token"}, status=401, dumps=_dumps
            )
        if "messages" in request.path and (
            request.headers.get("Tenant-Id") != TENANT_ID
            or request.headers.get("X-Webuntis-Api-School-Year-Id")
            != str(self._schoolyears()[-1]["id"])
        ):
            return web.json_response(
                {"errorMessage": "missing tenant or school year"},
                status=400,
                dumps=_dumps,
            )
        session = UntisSession(login.username, self.faults.generation(PORTAL), 0.0)
        try:
            data = handler(session, request)
        except _RestError as err:
            return self._rest_error(err)
        return web.json_response(data, dumps=_dumps)

    # -- master data ----------------------------------------------------------

    def _holidays(self) -> list[dict[str, Any]]:
        return [
            {
                "id": index,
                "name": holiday.name(LANG)[:12],
                "longName": holiday.name(LANG),
                "startDate": int_date(holiday.start),
                "endDate": int_date(holiday.end),
            }
            for index, holiday in enumerate(self.dataset.holidays, 1)
        ]

    def _schoolyears(self) -> list[dict[str, Any]]:
        start, end = self.dataset.year_start, self.dataset.year_end
        return [
            {
                "id": 1,
                "name": f"{start.year - 1}/{start.year}",
                "startDate": int_date(date(start.year - 1, 9, 1)),
                "endDate": int_date(date(start.year, 6, 20)),
            },
            {
                "id": 2,
                "name": f"{start.year}/{end.year}",
                "startDate": int_date(start),
                "endDate": int_date(end),
            },
        ]

    def _klassen(self, call: _Request) -> list[dict[str, Any]]:
        year = call.params.get("schoolyearId")
        if year not in (None, "", 2, "2"):
            return []
        return [
            {
                "id": self._class_ids[cid],
                "name": school_class.name,
                "longName": f"Klasse {school_class.name}",
                "active": True,
                "did": 1,
                "teacher1": self._teacher_ids[school_class.homeroom_teacher],
            }
            for cid, school_class in self.dataset.classes.items()
        ]

    def _teachers(self) -> list[dict[str, Any]]:
        return [
            {
                "id": self._teacher_ids[tid],
                "name": teacher.last_name,
                "foreName": teacher.first_name,
                "longName": teacher.last_name,
                "title": "",
                "active": True,
                "dids": [{"id": 1}],
            }
            for tid, teacher in self.dataset.teachers.items()
        ]

    def _students(self, call: _Request) -> list[dict[str, Any]]:
        # Pupils and parents may not list the school's pupils.
        raise RpcError(NO_RIGHT, "no right for getStudents()")

    def _subject_short(self, key: str) -> str:
        return self.dataset.subjects[key].name(LANG)[:3].upper()

    def _subjects(self) -> list[dict[str, Any]]:
        return [
            {
                "id": self._subject_ids[key],
                "name": self._subject_short(key),
                "longName": subject.name(LANG),
                "alternateName": "",
                "active": True,
            }
            for key, subject in self.dataset.subjects.items()
        ]

    def _rooms(self) -> list[dict[str, Any]]:
        return [
            {"id": rid, "name": room, "longName": f"Raum {room}", "active": True}
            for room, rid in self._room_ids.items()
        ]

    def _timegrid(self) -> list[dict[str, Any]]:
        units = [
            {"name": str(hour), "startTime": int_time(start), "endTime": int_time(end)}
            for hour, (start, end) in sorted(BELL_SCHEDULE.items())
        ]
        # WebUntis counts days from Sunday = 1: Monday to Friday are 2..6.
        return [{"day": day, "timeUnits": units} for day in range(2, 7)]

    def _person_id(self, call: _Request) -> int:
        surname = str(call.params.get("sn") or "").casefold()
        forename = str(call.params.get("fn") or "").casefold()
        kind = call.params.get("type")
        if kind in (2, "2"):
            for tid, teacher in self.dataset.teachers.items():
                if (teacher.last_name.casefold(), teacher.first_name.casefold()) == (
                    surname,
                    forename,
                ):
                    return self._teacher_ids[tid]
        if kind in (5, "5"):
            for pupil in self._own_pupils(call.login):
                if (pupil.last_name.casefold(), pupil.first_name.casefold()) == (
                    surname,
                    forename,
                ):
                    return self.pupil_id(pupil)
        return 0

    # -- timetable ------------------------------------------------------------

    def _own_pupils(self, login: Login) -> list[Pupil]:
        return self.dataset.pupils_of(login.username)

    def _range(self, params: Mapping[str, Any]) -> tuple[date, date]:
        """Inclusive start and end, both inside the open school year."""
        today = self.dataset.today
        start = parse_date(params["startDate"]) if params.get("startDate") else today
        end = parse_date(params["endDate"]) if params.get("endDate") else start
        if (
            start > end
            or start < self.dataset.year_start
            or end > self.dataset.year_end
        ):
            raise RpcError(DATE_NOT_ALLOWED, "no allowed date")
        return start, end

    def _class_lessons(self, class_id: str, start: date, end: date) -> list[Lesson]:
        pupil = self.dataset.pupils_in(class_id)[0]
        return self.dataset.lessons(pupil.id, start, end + timedelta(days=1))

    def _exam_of(self, lesson: Lesson) -> Exam | None:
        return next(
            (
                exam
                for exam in self.dataset.exams
                if exam.class_id == lesson.class_id
                and exam.day == lesson.day
                and exam.hour == lesson.hour
            ),
            None,
        )

    def _period(
        self, lesson: Lesson, fields: frozenset[str], *, substitution: bool = False
    ) -> dict[str, Any]:
        """One lesson as a WebUntis period; names only when asked for."""
        dataset = self.dataset
        start, end = BELL_SCHEDULE[lesson.hour]
        index = self._class_ids[lesson.class_id]
        period: dict[str, Any] = {
            "id": index * 1_000_000
            + (lesson.day - dataset.year_start).days * 10
            + lesson.hour,
            "date": int_date(lesson.day),
            "startTime": int_time(start),
            "endTime": int_time(end),
            "lsnumber": index * 1000 + self._subject_ids[lesson.subject],
            "activityType": "Unterricht",
        }
        school_class = dataset.classes[lesson.class_id]
        subject = dataset.subjects[lesson.subject]
        teacher = dataset.teachers[lesson.teacher_id]
        kl: dict[str, Any] = {"id": index}
        su: dict[str, Any] = {"id": self._subject_ids[lesson.subject]}
        ro: dict[str, Any] = {"id": self._room_ids[lesson.room]}
        if "klasse" in fields:
            kl |= {"name": school_class.name, "longname": f"Klasse {school_class.name}"}
        if "subject" in fields:
            su |= {
                "name": self._subject_short(lesson.subject),
                "longname": subject.name(LANG),
            }
        if "room" in fields:
            ro |= {"name": lesson.room, "longname": f"Raum {lesson.room}"}
        te: dict[str, Any] = {"id": self._teacher_ids[lesson.teacher_id]}
        if "teacher" in fields:
            te |= {"name": teacher.last_name, "longname": teacher.last_name}
        if lesson.substitute_id and not lesson.cancelled:
            substitute = dataset.teachers[lesson.substitute_id]
            te = {"id": self._teacher_ids[lesson.substitute_id], "orgid": te["id"]}
            if "teacher" in fields:
                te |= {
                    "name": substitute.last_name,
                    "longname": substitute.last_name,
                    "orgname": teacher.last_name,
                }
        period |= {"kl": [kl], "te": [te], "su": [su], "ro": [ro]}
        if lesson.cancelled:
            period["code"] = "cancelled"
            period["substText"] = "Stunde entfällt"
        elif lesson.substitute_id:
            period["code"] = "irregular"
            period["substText"] = "Vertretung"
        if self._exam_of(lesson) is not None:
            period["lstype"] = "ex"
        if substitution:
            del period["lsnumber"], period["activityType"]
            period["type"] = "cancel" if lesson.cancelled else "subst"
        return period

    def _timetable(self, call: _Request) -> list[dict[str, Any]]:
        options = call.params.get("options")
        params: Mapping[str, Any] = (
            options if isinstance(options, dict) else call.params
        )
        element = params.get("element") if isinstance(options, dict) else params
        if not isinstance(element, dict):
            raise RpcError(INVALID_PARAMS, "missing element")
        try:
            element_type = int(element.get("type"))  # type: ignore[arg-type]
            element_id = int(element.get("id"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as err:
            raise RpcError(INVALID_PARAMS, "invalid element") from err
        fields = frozenset(
            kind
            for kind in ("klasse", "teacher", "subject", "room")
            if isinstance(options, dict) and options.get(f"{kind}Fields")
        )
        if element_type not in ELEMENT_TYPES:
            raise RpcError(NO_RIGHT, f"invalid elementType: {element_type}")
        start, end = self._range(params)
        return [
            self._period(lesson, fields)
            for lesson in self._element_lessons(
                call.login, element_type, element_id, start, end
            )
        ]

    def _element_lessons(
        self, login: Login, element_type: int, element_id: int, start: date, end: date
    ) -> list[Lesson]:
        if element_type == 5:
            pupil = self._pupil_by_id(element_id)
            if pupil is None or pupil not in self._own_pupils(login):
                raise RpcError(NO_RIGHT, "no right for timetable")
            return self.dataset.lessons(pupil.id, start, end + timedelta(days=1))
        if element_type == 1:
            class_id = next(
                (cid for cid, n in self._class_ids.items() if n == element_id), None
            )
            return [] if class_id is None else self._class_lessons(class_id, start, end)
        everything = [
            lesson
            for class_id in self.dataset.classes
            for lesson in self._class_lessons(class_id, start, end)
        ]

        def keys(lesson: Lesson) -> tuple[int, ...]:
            if element_type == 2:
                return (
                    self._teacher_ids[lesson.teacher_id],
                    self._teacher_ids.get(lesson.substitute_id or "", 0),
                )
            if element_type == 3:
                return (self._subject_ids[lesson.subject],)
            return (self._room_ids[lesson.room],)

        return sorted(
            (lesson for lesson in everything if element_id in keys(lesson)),
            key=lambda lesson: (lesson.day, lesson.hour),
        )

    def _substitutions(self, call: _Request) -> list[dict[str, Any]]:
        start, end = self._range(call.params)
        fields = frozenset({"klasse", "teacher", "subject", "room"})
        return [
            self._period(lesson, fields, substitution=True)
            for class_id in self.dataset.classes
            for lesson in self._class_lessons(class_id, start, end)
            if lesson.cancelled or lesson.substitute_id
        ]

    # -- exams, absences, class register -------------------------------------

    def _exams_in(
        self, login: Login, start: date, end: date
    ) -> list[tuple[Exam, list[Pupil]]]:
        pupils = self._own_pupils(login)
        result = []
        for exam in self.dataset.exams:
            if not start <= exam.day <= end:
                continue
            sitting = [p for p in pupils if p.class_id == exam.class_id]
            if sitting:
                result.append((exam, sitting))
        return result

    def _exam_id(self, exam: Exam) -> int:
        return zlib.crc32(exam.uid.encode()) % 10_000_000

    def _exams(self, call: _Request) -> list[dict[str, Any]]:
        start, end = self._range(call.params)
        rows = []
        for exam, pupils in self._exams_in(call.login, start, end):
            first, last = BELL_SCHEDULE[exam.hour]
            rows.append(
                {
                    "id": self._exam_id(exam),
                    "classes": [self._class_ids[exam.class_id]],
                    "teachers": [
                        self._teacher_ids[
                            self.dataset.teacher_of(exam.class_id, exam.subject).id
                        ]
                    ],
                    "students": [self.pupil_id(p) for p in pupils],
                    "subject": self._subject_ids[exam.subject],
                    "date": int_date(exam.day),
                    "startTime": int_time(first),
                    "endTime": int_time(last),
                }
            )
        return rows

    def _absence_records(
        self, pupils: Iterable[Pupil], start: date, end: date
    ) -> list[tuple[Pupil, DisciplineRecord]]:
        return [
            (pupil, record)
            for pupil in pupils
            for record in self.dataset.discipline(pupil.id)
            if record.kind == "absence" and start <= record.day <= end
        ]

    def _timetable_with_absences(self, call: _Request) -> dict[str, Any]:
        options = call.params.get("options")
        start, end = self._range(options if isinstance(options, dict) else {})
        rows = []
        for pupil, record in self._absence_records(
            self._own_pupils(call.login), start, end
        ):
            first, last = BELL_SCHEDULE.get(record.hour, BELL_SCHEDULE[1])
            rows.append(
                {
                    "id": zlib.crc32(record.uid.encode()) % 10_000_000,
                    "studentId": str(self.pupil_id(pupil)),
                    "subjectId": self._subject_ids.get(record.subject or "", 0),
                    "teacherIds": [
                        str(self._teacher_ids[record.teacher_id])
                        if record.teacher_id in self._teacher_ids
                        else ""
                    ],
                    "studentGroup": "",
                    "checked": True,
                    "date": int_date(record.day),
                    "startTime": int_time(first),
                    "endTime": int_time(last),
                    "absenceReason": "Krankheit",
                    "absentTime": 45,
                    "excuseStatus": "entsch." if record.justified else "nicht entsch.",
                }
            )
        return {"periodsWithAbsences": rows}

    def _classreg_events(self, call: _Request) -> list[dict[str, Any]]:
        start, end = self._range(call.params)
        pupils = self._own_pupils(call.login)
        if call.params.get("id") not in (None, "") and call.params.get("type") in (
            5,
            "5",
        ):
            wanted = self._pupil_by_id(call.params["id"])
            if wanted not in pupils:
                raise RpcError(NO_RIGHT, "no right for getClassregEvents()")
            pupils = [wanted] if wanted else []
        rows = []
        for pupil in pupils:
            for record in self.dataset.discipline(pupil.id):
                if record.kind == "absence" or not start <= record.day <= end:
                    continue
                rows.append(
                    {
                        "id": zlib.crc32(record.uid.encode()) % 10_000_000,
                        "studentid": str(self.pupil_id(pupil)),
                        "surname": pupil.last_name,
                        "forname": pupil.first_name,
                        "reason": localized(record.label, LANG),
                        "text": localized(record.description, LANG),
                        "date": int_date(record.day),
                        "subject": self.dataset.subjects[record.subject].name(LANG)
                        if record.subject
                        else "",
                        "categoryId": [_CATEGORIES[record.kind]],
                    }
                )
        return rows

    # -- REST -----------------------------------------------------------------

    def _rest_pupils(
        self, session: UntisSession, request: web.Request, resource: str
    ) -> list[Pupil]:
        if resource in self.forbidden:
            raise _RestError(403, "no right")
        pupils = self.dataset.pupils_of(session.username)
        wanted = request.query.get("studentId")
        if wanted:
            pupil = self._pupil_by_id(wanted)
            if pupil is None or pupil not in pupils:
                raise _RestError(403, "no right for this student")
            return [pupil]
        return pupils

    def _rest_range(self, request: web.Request) -> tuple[date, date]:
        try:
            start = parse_date(request.query.get("startDate", ""))
            end = parse_date(request.query.get("endDate", ""))
        except RpcError as err:
            raise _RestError(400, "startDate and endDate are required") from err
        return start, end

    def _homework_id(self, item: HomeworkItem) -> int:
        return zlib.crc32(item.uid.encode()) % 100_000_000

    def homework_completed(self, item: HomeworkItem) -> bool:
        """Whether the pupil ticked the homework off (older items, mostly)."""
        return item.due < self.dataset.today and zlib.crc32(item.uid.encode()) % 3 != 0

    def _homework_in_range(self, item: HomeworkItem, start: date, end: date) -> bool:
        if self.homework_filter == "given":
            return start <= item.given <= end
        if self.homework_filter == "due":
            return start <= item.due <= end
        return item.due >= start and item.given <= end

    def _homeworks(self, session: UntisSession, request: web.Request) -> Any:
        pupils = self._rest_pupils(session, request, "homeworks")
        start, end = self._rest_range(request)
        homeworks: dict[int, dict[str, Any]] = {}
        lessons: dict[int, dict[str, Any]] = {}
        records: dict[int, dict[str, Any]] = {}
        teachers: dict[int, dict[str, Any]] = {}
        for pupil in pupils:
            for item in self.dataset.homework(pupil.id):
                if not self._homework_in_range(item, start, end):
                    continue
                hw_id = self._homework_id(item)
                lesson_id = (
                    self._class_ids[item.class_id] * 1000
                    + self._subject_ids[item.subject]
                )
                teacher_id = self._teacher_ids[item.teacher_id]
                homeworks[hw_id] = {
                    "id": hw_id,
                    "lessonId": lesson_id,
                    "date": int_date(item.given),
                    "dueDate": int_date(item.due),
                    "text": localized(item.description, LANG),
                    "remark": "",
                    "completed": self.homework_completed(item),
                    "attachments": [],
                }
                lessons[lesson_id] = self._homework_lesson(lesson_id, item.subject)
                record = records.setdefault(
                    hw_id,
                    {"homeworkId": hw_id, "teacherId": teacher_id, "elementIds": []},
                )
                record["elementIds"].append(self.pupil_id(pupil))
                teachers[teacher_id] = {
                    "id": teacher_id,
                    "name": self.dataset.teachers[item.teacher_id].last_name,
                }
        return {
            "homeworks": list(homeworks.values()),
            "lessons": list(lessons.values()),
            "records": list(records.values()),
            "teachers": list(teachers.values()),
        }

    def _homework_lesson(self, lesson_id: int, subject: str) -> dict[str, Any]:
        name = self.dataset.subjects[subject].name(LANG)
        lesson: dict[str, Any] = {"id": lesson_id, "lessonType": "Unterricht"}
        if self.homework_subject in ("subject", "both"):
            lesson["subject"] = name
        if self.homework_subject in ("su", "both"):
            lesson["su"] = [
                {
                    "id": self._subject_ids[subject],
                    "name": self._subject_short(subject),
                    "longname": name,
                }
            ]
        return lesson

    def _rest_exams(self, session: UntisSession, request: web.Request) -> Any:
        pupils = self._rest_pupils(session, request, "exams")
        start, end = self._rest_range(request)
        login = self.dataset.logins[session.username]
        rows = []
        for exam, sitting in self._exams_in(login, start, end):
            sitting = [p for p in sitting if p in pupils]
            if not sitting:
                continue
            first, last = BELL_SCHEDULE[exam.hour]
            school_class = self.dataset.classes[exam.class_id]
            lesson = next(
                (
                    x
                    for x in self._class_lessons(exam.class_id, exam.day, exam.day)
                    if x.hour == exam.hour
                ),
                None,
            )
            rows.append(
                {
                    "id": self._exam_id(exam),
                    "examType": "KA",
                    "name": localized(exam.description, LANG),
                    "studentClass": [school_class.name],
                    "assignedStudents": [
                        {
                            "klasse": {
                                "id": self._class_ids[exam.class_id],
                                "name": school_class.name,
                            },
                            "displayName": pupil.name,
                            "id": self.pupil_id(pupil),
                        }
                        for pupil in sitting
                    ],
                    "examDate": int_date(exam.day),
                    "startTime": int_time(first),
                    "endTime": int_time(last),
                    "subject": self.dataset.subjects[exam.subject].name(LANG),
                    "teachers": [
                        self.dataset.teacher_of(exam.class_id, exam.subject).last_name
                    ],
                    "rooms": [lesson.room] if lesson else [],
                    "text": localized(exam.description, LANG),
                }
            )
        return {"exams": rows}

    def _absences(self, session: UntisSession, request: web.Request) -> Any:
        pupils = self._rest_pupils(session, request, "absences")
        start, end = self._rest_range(request)
        rows = []
        for pupil, record in self._absence_records(pupils, start, end):
            first, last = BELL_SCHEDULE.get(record.hour, BELL_SCHEDULE[1])
            rows.append(
                {
                    "id": zlib.crc32(record.uid.encode()) % 10_000_000,
                    "studentName": pupil.name,
                    "startDate": int_date(record.day),
                    "startTime": int_time(first),
                    "endDate": int_date(record.day),
                    "endTime": int_time(last),
                    "reasonId": 1,
                    "reason": "Krankheit" if self.absence_reason == "text" else "",
                    "text": localized(record.description, LANG),
                    "excuseStatus": "entsch." if record.justified else "nicht entsch.",
                    "isExcused": bool(record.justified),
                    "excuse": {"id": 0, "text": "", "excuseDate": 0},
                    "createDate": int(
                        datetime.combine(record.day, first).timestamp() * 1000
                    ),
                    "lastUpdate": int(
                        datetime.combine(record.day, last).timestamp() * 1000
                    ),
                    "canEdit": False,
                }
            )
        return {
            "absences": rows,
            "absenceReasons": [{"id": 1, "name": "Krankheit"}],
            "excuseStatuses": None,
        }

    def _news(self, session: UntisSession, request: web.Request) -> Any:
        if "news" in self.forbidden:
            raise _RestError(403, "no right")
        raw = request.query.get("date")
        try:
            day = parse_date(raw) if raw else self.dataset.today
        except RpcError as err:
            raise _RestError(400, "bad date") from err
        notices = [
            notice
            for notice in self.dataset.notifications(session.username)
            if day - timedelta(days=7) <= notice.when.date() <= day
        ]
        return {
            "systemMessage": None,
            "messagesOfDay": [
                {
                    "id": zlib.crc32(notice.uid.encode()) % 10_000_000,
                    "subject": "",
                    "text": f"<p>{localized(notice.text, LANG)}</p>",
                    "isExpanded": True,
                    "attachments": [],
                }
                for notice in notices
            ],
            "rssUrl": "",
        }

    def _app_config(self, session: UntisSession, request: web.Request) -> Any:
        login = self.dataset.logins[session.username]
        person = self.person_id(login)
        return {
            "loginServiceConfig": {
                "user": {
                    "id": 500 + zlib.crc32(login.username.encode()) % 500,
                    "name": login.username,
                    "personId": person,
                    "persons": [
                        {
                            "id": person,
                            "type": self.person_type(login),
                            "displayName": f"{login.first_name} {login.last_name}",
                        }
                    ],
                }
            },
            "isPlayground": False,
        }

    def _daytimetable_config(self, session: UntisSession, request: web.Request) -> Any:
        login = self.dataset.logins[session.username]
        if login.kind != "student":
            return {"klasseId": None}
        pupil = self.dataset.pupils[login.pupil_ids[0]]
        return {"klasseId": self._class_ids[pupil.class_id]}

    def _app_data(self, session: UntisSession, request: web.Request) -> Any:
        login = self.dataset.logins[session.username]
        year = self._schoolyears()[-1]
        parent = login.kind == "parent"
        return {
            "tenant": {
                "id": TENANT_ID,
                "name": SCHOOL,
                "displayName": self.dataset.school.name(LANG),
            },
            "currentSchoolYear": {
                "id": year["id"],
                "name": year["name"],
                "dateRange": {
                    "start": self.dataset.year_start.isoformat(),
                    "end": self.dataset.year_end.isoformat(),
                },
                "timeGrid": {
                    "schoolyearId": year["id"],
                    "units": [
                        {
                            "unitOfDay": hour,
                            "startTime": int_time(first),
                            "endTime": int_time(last),
                        }
                        for hour, (first, last) in sorted(BELL_SCHEDULE.items())
                    ],
                },
            },
            "holidays": [
                {
                    "id": index,
                    "name": holiday.name(LANG),
                    "start": f"{holiday.start.isoformat()}T00:00:00",
                    "end": f"{holiday.end.isoformat()}T23:59:59",
                    "bookable": False,
                }
                for index, holiday in enumerate(self.dataset.holidays, 1)
            ],
            "user": {
                "id": 500 + zlib.crc32(login.username.encode()) % 500,
                "name": login.username,
                "locale": LANG,
                "roles": ["LEGAL_GUARDIAN" if parent else "STUDENT"],
                "person": {
                    "id": self.person_id(login),
                    "displayName": f"{login.first_name} {login.last_name}",
                    "imageUrl": None,
                },
                "students": [
                    {
                        "id": self.pupil_id(pupil),
                        "displayName": pupil.name,
                        "imageUrl": None,
                    }
                    for pupil in self.dataset.pupils_of(login.username)
                ]
                if parent
                else [],
            },
            "settings": ["system.firstDayOfWeek:2"],
        }

    def _messages(self, session: UntisSession, request: web.Request) -> Any:
        if "messages" in self.forbidden:
            raise _RestError(403, "no right")
        return {
            "incomingMessages": [
                {
                    "id": message.id,
                    "subject": localized(message.subject, LANG),
                    "contentPreview": localized(message.body, LANG)[:100],
                    "sentDateTime": message.sent.isoformat(timespec="minutes"),
                    "isMessageRead": message.read,
                    "hasAttachments": message.has_attachments,
                    "isReply": False,
                    "isReplyAllowed": message.kind == 1,
                    "allowMessageDeletion": False,
                    "sender": {
                        "userId": zlib.crc32(message.sender.id.encode()) % 100_000,
                        "displayName": message.sender.name,
                        "imageUrl": None,
                        "className": None,
                    },
                }
                for message in self.dataset.messages(session.username)
            ],
            "readConfirmationMessages": [],
        }


def _rpc_answer(
    call_id: Any, *, result: Any = None, error: RpcError | None = None
) -> web.Response:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": call_id}
    if error is not None:
        body["error"] = {"code": error.code, "message": error.message}
    else:
        body["result"] = result
    return web.json_response(body, dumps=_dumps)
