"""The PRONOTE client: logins (password, QR code, token, PIN) and the reads."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from functools import partial
from typing import Any, ClassVar, Final, Self
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from ..client import PortalClient, SessionExpired
from ..errors import (
    AuthenticationError,
    ConfigurationError,
    ProtocolError,
    TwoFactorRequired,
)
from ..models import (
    Account,
    AccountKind,
    Average,
    Capability,
    DateWindow,
    DisciplineEvent,
    DisciplineKind,
    Grade,
    Homework,
    Lesson,
    LessonStatus,
    Menu,
    Message,
    Student,
    StudentData,
)
from ..portal import (
    Challenge,
    ChallengeKind,
    FieldKind,
    LoginField,
    LoginMethod,
    Place,
    PortalInfo,
    SecondFactor,
    register,
)
from ..util import DEFAULT_TIMEOUT, stable_id, timeout_setting
from . import parse
from .crypto import DecryptError, aes_encrypt, decrypt_qr_value
from .session import DESKTOP_QUERY, MOBILE_QUERY, PronoteSession

_LOGGER = logging.getLogger(__name__)

ONGLET_TIMETABLE: Final = 16
ONGLET_HOMEWORK: Final = 88
ONGLET_LESSON_CONTENT: Final = 89
ONGLET_GRADES: Final = 198
ONGLET_PRESENCE: Final = 19
ONGLET_MESSAGES: Final = 131
ONGLET_NEWS: Final = 8
ONGLET_MENUS: Final = 10
ONGLET_PERSONAL: Final = 49
ONGLET_ACCOUNT: Final = 7

# Past weeks rarely change; any week read for the calendar is reused a while.
PAST_WEEK_TTL: Final = 6 * 3600.0
# How long before a refresh's window a lesson's first teachers and rooms are
# kept (what a change replaced is shown for lessons still on screen).
FIRST_SEEN_KEPT: Final = timedelta(days=7)
CALENDAR_WEEK_TTL: Final = 30 * 60.0
# Grades, averages, attendance and menus change a few times a day at most.
SLOW_TTL: Final = 3600.0
# A term that has ended changes only by a late correction.
PAST_TERM_TTL: Final = 12 * 3600.0
# How far past the window a refresh looks for homework given inside it.
HOMEWORK_AHEAD: Final = timedelta(weeks=8)
DEVICE_NAME: Final = "Home Assistant"
PAGES: Final = ("eleve.html", "parent.html")


# --- Settings -----------------------------------------------------------------------


def normalize_url(text: str) -> str:
    """Any usual PRONOTE address to its desktop page (`…/eleve.html` or `parent.html`)."""
    value = (text or "").strip()
    if not value:
        raise ConfigurationError("No PRONOTE address given")
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("Not a usable PRONOTE address")
    path = parts.path
    last = path.rsplit("/", 1)[-1].lower()
    if last.endswith(".html"):
        page = last.removeprefix("mobile.")
        if page not in PAGES:
            raise ConfigurationError(
                "Only pupil and parent PRONOTE spaces are supported"
            )
        directory = path.rsplit("/", 1)[0]
    else:
        page = "eleve.html"
        directory = path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"{directory}/{page}", "", ""))


def parse_qr_code(text: str) -> dict[str, str]:
    """The JSON of a PRONOTE login QR code: `{"jeton", "login", "url"}`."""
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError as err:
        raise ConfigurationError("The QR code is not PRONOTE's JSON") from err
    if not isinstance(data, dict) or not all(
        isinstance(data.get(key), str) and data[key]
        for key in ("jeton", "login", "url")
    ):
        raise ConfigurationError("The QR code lacks jeton, login or url")
    return {key: str(data[key]) for key in ("jeton", "login", "url")}


def _root(page_url: str) -> str:
    return page_url.rsplit("/", 1)[0]


def _mobile_url(page_url: str) -> str:
    root, page = page_url.rsplit("/", 1)
    return f"{root}/mobile.{page}?{MOBILE_QUERY}"


SUNDAY = 6

# --- The client ---------------------------------------------------------------------


class PronoteClient(PortalClient):
    """A PRONOTE pupil or parent login."""

    portal: ClassVar[str] = "pronote"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.TIMETABLE,
            Capability.HOMEWORK,
            Capability.HOMEWORK_DONE,
            Capability.MESSAGES,
            Capability.DISCIPLINE,
            Capability.GRADES,
            Capability.MENUS,
        }
    )

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        server: str | None = None,
        username: str | None = None,
        password: str | None = None,
        qr_code: str | Mapping[str, str] | None = None,
        qr_pin: str | None = None,
        token: str | None = None,
        device_id: str | None = None,
        account_pin: str | None = None,
        device_name: str = DEVICE_NAME,
        tz: tzinfo,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Check the settings; nothing is sent before `login`."""
        super().__init__(session, tz=tz, timeout=timeout, clock=clock)
        self._qr: dict[str, str] | None = None
        if qr_code and not token:
            self._qr = parse_qr_code(
                qr_code if isinstance(qr_code, str) else json.dumps(dict(qr_code))
            )
            if not qr_pin or not qr_pin.strip().isdigit():
                raise ConfigurationError("A QR code needs its 4-digit PIN")
        page = server or (self._qr["url"] if self._qr else None)
        if not page:
            raise ConfigurationError("No PRONOTE address given")
        self.page_url = normalize_url(page)
        self._qr_pin = (qr_pin or "").strip()
        self._username = (username or "").strip()
        self._password = password or None
        self._token = token or None
        self._device_id = device_id or None
        self._account_pin = account_pin or None
        self._device_name = device_name
        self._qr_secret: str | None = None
        if self._qr is not None:
            try:
                self._username = decrypt_qr_value(self._qr_pin, self._qr["login"])
                self._qr_secret = decrypt_qr_value(self._qr_pin, self._qr["jeton"])
            except DecryptError:
                # Wrong PIN: login() says so; the account id stays unknown.
                self._username = ""
        elif not self._username:
            raise ConfigurationError("PRONOTE needs a username")
        elif not self._password and not self._token:
            raise ConfigurationError("PRONOTE needs a password, a QR code or a token")
        if self._token and not self._device_id:
            raise ConfigurationError("A PRONOTE token needs its device id")
        self._wire: PronoteSession | None = None
        self._general: dict[str, Any] = {}
        self._user: dict[str, Any] = {}
        self._periods: list[parse.Period] = []
        self._grid = parse.SlotGrid(per_day=None, slot=None, ends={})
        self._pupils: dict[str, Student] = {}
        self._weeks: dict[tuple[str, int], tuple[float, list[dict[str, Any]]]] = {}
        # (pupil, tab, term start) -> (when, value). At most pupils x 2 tabs
        # x terms of the year, plus the menus; entries older than
        # PAST_TERM_TTL are dropped on each write.
        self._slow: dict[tuple[str, ...], tuple[float, Any]] = {}
        # Homework uid -> (pupil, PRONOTE number), for set_homework_done. Each
        # read replaces that pupil's entries: at most what one read lists per
        # pupil (an item read elsewhere is looked up again by its writer).
        self._homework_numbers: dict[str, tuple[str, str]] = {}
        # Lesson uid -> (day, first teachers, first rooms): what a change
        # replaced. Lessons of days before a refresh's window, less a week,
        # are dropped at each refresh: at most the lessons of the weeks read
        # since then.
        self._first_seen: dict[str, tuple[date, tuple[str, ...], tuple[str, ...]]] = {}

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any], tz: tzinfo
    ) -> Self:
        """Build the client from a config entry's data."""
        return cls(
            session,
            server=config.get("server"),
            username=config.get("username"),
            password=config.get("password"),
            qr_code=config.get("qr_code"),
            qr_pin=config.get("qr_pin"),
            token=config.get("token"),
            device_id=config.get("device_id"),
            account_pin=config.get("account_pin"),
            timeout=timeout_setting(config.get("timeout", DEFAULT_TIMEOUT)),
            tz=tz,
        )

    @property
    def is_parent(self) -> bool:
        """Whether this is the parent space."""
        return self.page_url.endswith("/parent.html")

    @property
    def logins(self) -> int:
        """How many times this client logged in (each bumps the generation)."""
        return self._generation

    @property
    def account_id(self) -> str | None:
        """The same for every login kind of one user on one server."""
        if not self._username:
            return None
        return stable_id("pronote", _root(self.page_url), self._username.casefold())

    @property
    def can_relogin(self) -> bool:
        """A password or a live token can log in again."""
        return bool(self._password or self._token)

    @property
    def session_state(self) -> Mapping[str, str]:
        """After a QR or token login: the rotating token and the device id."""
        if not self._token or not self._device_id:
            return {}
        return {
            "username": self._username,
            "token": self._token,
            "device_id": self._device_id,
        }

    # --- login

    async def _login(self) -> Account:
        if self._password:
            mode = "password"
        elif self._token:
            mode = "token"
        elif self._qr is not None and self._qr_secret is not None:
            mode = "qr"
        else:
            raise AuthenticationError("The QR code does not open with this PIN")
        page = (
            f"{self.page_url}?{DESKTOP_QUERY}"
            if mode == "password"
            else _mobile_url(self.page_url)
        )
        wire = PronoteSession(
            self._session,
            page,
            timeout=self._timeout,
            cookies={"appliMobile": "1"} if mode != "password" else None,
        )
        self._general = await wire.open()
        if mode == "qr" and not self._device_id:
            self._device_id = str(uuid.uuid4())
        secret = {
            "password": self._password,
            "token": self._token,
            "qr": self._qr_secret,
        }[mode]
        assert secret is not None
        try:
            auth = await wire.authenticate(
                self._username,
                secret,
                mobile_request=mode == "qr",
                token_login=mode == "token",
                device_id=(self._device_id or "") if mode != "password" else "",
            )
        except AuthenticationError as err:
            if isinstance(err, SessionExpired):
                raise
            if mode == "qr":
                raise AuthenticationError("The QR code expired or was used") from err
            if mode == "token":
                raise AuthenticationError(
                    "PRONOTE no longer accepts the token"
                ) from err
            raise
        new_token = auth.get("jetonConnexionAppliMobile")
        if mode != "password" and isinstance(new_token, str) and new_token:
            self._token = new_token
            self._qr = None
            self._qr_secret = None
        await self._second_factor(wire, auth)
        self._user = await wire.call("ParametresUtilisateur")
        self._wire = wire
        self._periods = parse.parse_periods(self._general.get("General") or {})
        self._grid = parse.parse_grid(self._general.get("General") or {})
        return self._account()

    async def _second_factor(
        self, wire: PronoteSession, auth: Mapping[str, Any]
    ) -> None:
        raw = parse.value(auth, "actionsDoubleAuth")
        try:
            listed = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            listed = None
        actions = (
            {a for a in listed if isinstance(a, int)}
            if isinstance(listed, list)
            else set()
        )
        if 3 in actions:
            if not self._account_pin:
                raise TwoFactorRequired(ACCOUNT_PIN, "PRONOTE asks for the account PIN")
            code = aes_encrypt(
                wire.keys.key, wire.keys.iv, self._account_pin.encode()
            ).hex()
            result = await wire.call(
                "SecurisationCompteDoubleAuth", {"action": 0, "codePin": code}
            )
            if not result.get("result"):
                raise AuthenticationError("PRONOTE refused the account PIN")
        if actions & {3, 5}:
            await wire.call(
                "SecurisationCompteDoubleAuth",
                {
                    "action": 3,
                    "avecIdentification": True,
                    "strIdentification": self._device_name[:30],
                },
            )

    def _account(self) -> Account:
        resource = self._user.get("ressource")
        if not isinstance(resource, dict):
            raise ProtocolError("PRONOTE's user settings have no resource")
        account_id = self.account_id or ""
        school = parse.text(resource, "Etablissement", "L") or None
        rows = (
            parse.items(resource, "listeRessources") if self.is_parent else [resource]
        )
        pupils = [parse.parse_student(row, account_id, school) for row in rows]
        if not pupils:
            raise ProtocolError("PRONOTE shows no pupil for this login")
        self._pupils = {pupil.id: pupil for pupil in pupils}
        return Account(
            id=account_id,
            kind=AccountKind.PARENT if self.is_parent else AccountKind.STUDENT,
            students=tuple(pupils),
            school=school or pupils[0].school,
        )

    async def close(self) -> None:
        """Forget the session."""
        self._wire = None
        await super().close()

    # --- calls

    def _member(self, student: Student | None) -> str | None:
        if student is None or not self.is_parent:
            return None
        current = self._pupils.get(student.id, student)
        number = current.context.get("resource")
        if not number:
            raise ProtocolError("PRONOTE does not know this pupil")
        return number

    async def _call(
        self,
        function: str,
        onglet: int | None,
        build: Callable[[], Mapping[str, Any] | None],
        student: Student | None = None,
    ) -> dict[str, Any]:
        """A call that survives one expired session (the body is rebuilt)."""

        async def attempt() -> dict[str, Any]:
            if self._wire is None:
                raise SessionExpired("Not logged in to PRONOTE")
            return await self._wire.call(
                function, build(), onglet=onglet, member=self._member(student)
            )

        return await self._with_relogin(attempt)

    async def keep_alive(self) -> bool:
        """Ping (`Navigation`) when the session has been quiet for ~2 minutes."""
        if self._wire is None:
            return False
        return await self._with_relogin(self._keep_alive)

    async def _keep_alive(self) -> bool:
        if self._wire is None:
            raise SessionExpired("Not logged in to PRONOTE")
        return await self._wire.keep_alive()

    @property
    def requests(self) -> int:
        """Function calls sent by the current session (for cost checks)."""
        return self._wire.calls if self._wire else 0

    # --- calendar

    def _date_of(self, key: str) -> date | None:
        return parse.parse_day(parse.value(self._general, "General", key))

    @property
    def school_year_start(self) -> date:
        """The first Monday of the school year (week 1)."""
        first = self._date_of("PremierLundi")
        if first is None:
            raise ProtocolError("PRONOTE did not say when the year starts")
        return first

    def week_of(self, day: date) -> int:
        """PRONOTE's week number of a day."""
        return 1 + (day - self.school_year_start).days // 7

    def _week_range(self, first: date, last: date) -> range:
        """The week numbers covering first..last (inclusive), inside the year.

        Week numbers before week 1 (a window that starts in late August) or
        after the year's last day do not exist on the server: asking for one
        fails the whole read, so they are left out.
        """
        low = max(1, self.week_of(first))
        high = self.week_of(last)
        year_end = self._date_of("DerniereDate")
        if year_end is not None:
            high = min(high, self.week_of(year_end))
        return range(low, high + 1)

    @property
    def current_week(self) -> int:
        """The number of the current week."""
        return self.week_of(self._today())

    def periods(self) -> list[parse.Period]:
        """The periods of the year (trimesters, semesters …)."""
        return list(self._periods)

    def current_period(
        self, onglet: int = ONGLET_GRADES, student: Student | None = None
    ) -> parse.Period | None:
        """The period a tab opens on (grades by default), else today's.

        For a parent, the pupil's own tab (children in different classes may
        be on different periods); the first child when none is named.
        """
        wanted = parse.default_period_id(self._pupil_resource(student), onglet)
        for period in self._periods:
            if period.id == wanted:
                return period
        today = self._today()
        return next((p for p in self._periods if p.start <= today <= p.end), None)

    def terms(
        self, onglet: int = ONGLET_GRADES, student: Student | None = None
    ) -> list[parse.Period]:
        """The year's terms up to `current_period`'s, newest first.

        Schools may list trimesters, semesters and the whole year side by
        side: the terms are the tab's periods that overlap neither the
        current one nor each other, so nothing is read twice. Terms that have
        not begun hold nothing yet and are left out.
        """
        current = self.current_period(onglet, student)
        if current is None:
            return []
        offered = parse.tab_period_ids(self._pupil_resource(student), onglet)
        chosen = [current]
        for period in sorted(self._periods, key=lambda p: p.start, reverse=True):
            if (
                period.start > max(self._today(), current.start)
                or (offered and period.id not in offered)
                or any(period.start <= o.end and o.start <= period.end for o in chosen)
            ):
                continue
            chosen.append(period)
        return sorted(chosen, key=lambda p: p.start, reverse=True)

    def _pupil_resource(self, student: Student | None) -> Mapping[str, Any]:
        """The user's resource; for a parent, the named (else first) child's."""
        resource: Mapping[str, Any] = self._user.get("ressource") or {}
        if self.is_parent:
            children = parse.items(resource, "listeRessources")
            number = self._member(student) if student is not None else None
            mine = [c for c in children if number and parse.text(c, "N") == number]
            if mine or children:
                return (mine or children)[0]
        return resource

    # --- timetable

    async def _week(
        self, student: Student, week: int, max_age: float
    ) -> list[dict[str, Any]]:
        key = (student.id, week)
        now = self._seconds()
        cached = self._weeks.get(key)
        if cached and now - cached[0] < max_age:
            return cached[1]

        def body() -> dict[str, Any]:
            resource = {"N": self._member(student) or self._own_resource(), "G": 4}
            return {
                "ressource": resource,
                "Ressource": resource,
                "numeroSemaine": week,
                "NumeroSemaine": week,
                "avecAbsencesEleve": False,
                "avecConseilDeClasse": True,
                "estEDTPermanence": False,
                "avecAbsencesRessource": True,
                "avecDisponibilites": True,
                "avecInfosPrefsGrille": True,
            }

        data = await self._call("PageEmploiDuTemps", ONGLET_TIMETABLE, body, student)
        rows = parse.items(data, "ListeCours")
        for old in [
            k for k, (at, _) in self._weeks.items() if now - at >= PAST_WEEK_TTL
        ]:
            del self._weeks[old]
        self._weeks[key] = (now, rows)
        return rows

    def _own_resource(self) -> str:
        return parse.text(self._user, "ressource", "N")

    async def _read_lessons(
        self, student: Student, start: date, end: date, *, refresh: bool
    ) -> list[Lesson]:
        if self._wire is None:
            await self._with_relogin(self._require_session)
        this_week = self.current_week
        lessons: list[Lesson] = []
        if end <= start:
            return lessons
        # No school on Sundays: a calendar view that begins or ends on one (a
        # Sunday-first month view) need not read a week for it.
        first, last = start, end - timedelta(days=1)
        if first.weekday() == SUNDAY and first < last:
            first += timedelta(days=1)
        if last.weekday() == SUNDAY and first < last:
            last -= timedelta(days=1)
        for week in self._week_range(first, last):
            if not refresh:
                max_age = CALENDAR_WEEK_TTL
            elif week < this_week:
                max_age = PAST_WEEK_TTL
            else:
                max_age = 0.0
            parsed = [
                (
                    parse.parse_lesson(student, row, self._tz, self._grid),
                    parse.text(row, "N"),
                )
                for row in await self._week(student, week, max_age)
            ]
            lessons.extend(self._with_history(one) for one in _unique_uids(parsed))
            # A cached week is parsed without any await: yield between weeks.
            await asyncio.sleep(0)
        return [lesson for lesson in lessons if start <= lesson.start.date() < end]

    async def _require_session(self) -> None:
        if self._wire is None:
            raise SessionExpired("Not logged in to PRONOTE")

    def _with_history(self, lesson: Lesson) -> Lesson:
        """Fill what a change replaced, from what we saw of the lesson before."""
        _, first_teachers, first_rooms = self._first_seen.setdefault(
            lesson.uid, (lesson.start.date(), lesson.teachers, lesson.rooms)
        )
        if lesson.status is LessonStatus.CANCELLED:
            return lesson
        teachers = first_teachers if first_teachers != lesson.teachers else ()
        rooms = first_rooms if first_rooms != lesson.rooms else ()
        if not teachers and not rooms:
            return lesson
        return Lesson(
            uid=lesson.uid,
            start=lesson.start,
            end=lesson.end,
            subject=lesson.subject,
            teachers=lesson.teachers,
            rooms=lesson.rooms,
            status=LessonStatus.CHANGED,
            note=lesson.note,
            original_teachers=teachers,
            original_rooms=rooms,
        )

    async def lessons(self, student: Student, start: date, end: date) -> list[Lesson]:
        """Lessons of any range, a week per call, weeks cached for the calendar."""
        return await self._read_lessons(student, start, end, refresh=False)

    async def ical_url(self, student: Student) -> str:
        """The pupil's iCal export address."""
        data = await self._call(
            "PageInfosPerso", ONGLET_TIMETABLE, lambda: None, student
        )
        rows = parse.items(data, "iCal", "liste")
        if not rows:
            raise ProtocolError("PRONOTE offers no iCal export here")
        version = parse.text(self._general, "General", "versionPN")
        return (
            f"{_root(self.page_url)}/ical/mesinformations.ics?icalsecurise="
            f"{parse.text(rows[0], 'paramICal')}&version={version}"
            f"&param={parse.text(rows[0], 'paramSuppl')}"
        )

    # --- homework

    async def homework(
        self, student: Student, start: date, end: date
    ) -> list[Homework]:
        """Homework due from start (inclusive) to end (exclusive)."""
        found = [
            item
            for item in await self._homework_due(student, start, end)
            if start <= item.due_date < end
        ]
        return sorted(found, key=lambda item: (item.due_date, item.subject, item.uid))

    async def _homework_due(
        self, student: Student, start: date, end: date
    ) -> list[Homework]:
        """Everything the server lists for the weeks due from start to end."""
        if self._wire is None:
            await self._with_relogin(self._require_session)
        if end <= start:
            return []
        weeks = self._week_range(start, end - timedelta(days=1))
        if not weeks:
            return []
        first, last = weeks[0], weeks[-1]
        data = await self._call(
            "PageCahierDeTexte",
            ONGLET_HOMEWORK,
            lambda: {"domaine": {"_T": 8, "V": f"[{first}..{last}]"}},
            student,
        )
        found = []
        numbers: dict[str, tuple[str, str]] = {}
        for row in parse.items(data, "ListeTravauxAFaire"):
            item = parse.parse_homework(student, row)
            numbers[item.uid] = (student.id, parse.text(row, "N"))
            found.append(item)
        for uid in [
            uid
            for uid, (pupil, _) in self._homework_numbers.items()
            if pupil == student.id
        ]:
            del self._homework_numbers[uid]
        self._homework_numbers.update(numbers)
        return found

    async def _window_homework(
        self, student: Student, window: DateWindow
    ) -> list[Homework]:
        """Homework due in the window, and what was set by then and is due later.

        PRONOTE files homework by due week; a project set today and due in
        three weeks would otherwise only appear a week before it is due (and a
        long one set earlier would vanish from the list in between). The
        longer domain costs no extra call.
        """
        items = await self._homework_due(
            student, window.start, window.end + HOMEWORK_AHEAD
        )
        found = [
            item
            for item in items
            if window.start <= item.due_date < window.end
            or (
                item.due_date >= window.end
                and (item.given is None or item.given < window.end)
            )
        ]
        return sorted(found, key=lambda item: (item.due_date, item.subject, item.uid))

    async def set_homework_done(self, student: Student, uid: str, done: bool) -> None:
        """Write the done state back (`SaisieTAFFaitEleve`)."""
        known = self._homework_numbers.get(uid)
        if known is None or known[0] != student.id:
            today = self._today()
            await self.homework(
                student, today - timedelta(days=60), today + timedelta(days=60)
            )
            known = self._homework_numbers.get(uid)
        if known is None:
            raise ProtocolError("PRONOTE does not know this homework")
        number = known[1]
        await self._call(
            "SaisieTAFFaitEleve",
            ONGLET_HOMEWORK,
            lambda: {"listeTAF": [{"N": number, "TAFFait": done, "E": 2}]},
            student,
        )

    async def lesson_contents(self, student: Student, week: int) -> dict[str, Any]:
        """The raw lesson contents (`ListeCahierDeTextes`) of one week."""
        return await self._call(
            "PageCahierDeTexte",
            ONGLET_LESSON_CONTENT,
            lambda: {"domaine": {"_T": 8, "V": f"[{week}..{week}]"}},
            student,
        )

    # --- messages and information

    async def discussions(self, only_unread: bool = False) -> list[parse.Discussion]:
        """The inbox's discussions (the account's: read once for all pupils)."""
        data = await self._call(
            "ListeMessagerie",
            ONGLET_MESSAGES,
            lambda: {"avecMessage": True, "avecLu": not only_unread},
            self._any_pupil(),
        )
        return parse.parse_discussions(data, self.account_id or "")

    def _any_pupil(self) -> Student | None:
        return next(iter(self._pupils.values()), None) if self.is_parent else None

    async def discussion_messages(self, discussion: parse.Discussion) -> list[Message]:
        """The messages of one discussion, oldest first."""
        data = await self._call(
            "ListeMessages",
            ONGLET_MESSAGES,
            lambda: {
                "listePossessionsMessages": [dict(p) for p in discussion.possessions],
                "nbMessagesVus": 0,
            },
            self._any_pupil(),
        )
        return parse.parse_messages(data, discussion, self._tz)

    async def mark_discussion_read(
        self, discussion: parse.Discussion, read: bool = True
    ) -> None:
        """Mark a discussion read (or unread)."""
        await self._call(
            "SaisieMessage",
            ONGLET_MESSAGES,
            lambda: {
                "commande": "pourLu",
                "lu": read,
                "listePossessionsMessages": [dict(p) for p in discussion.possessions],
            },
            self._any_pupil(),
        )

    async def information(self, only_unread: bool = False) -> list[parse.Information]:
        """Information and surveys."""
        data = await self._call(
            "PageActualites",
            ONGLET_NEWS,
            lambda: {"modesAffActus": {"_T": 26, "V": "[0..3]"}},
            self._any_pupil(),
        )
        found = parse.parse_information(data, self._tz)
        return [item for item in found if not (only_unread and item.read)]

    async def mark_information_read(
        self, information: parse.Information, read: bool = True
    ) -> None:
        """Mark an information item read (or unread)."""
        public = self._own_resource()
        await self._call(
            "SaisieActualites",
            ONGLET_NEWS,
            lambda: {
                "listeActualites": [
                    {
                        "N": information.id,
                        "validationDirecte": True,
                        "genrePublic": 4,
                        "public": {"N": public, "G": 4},
                        "lue": read,
                    }
                ],
                "saisieActualite": False,
            },
            self._any_pupil(),
        )

    # --- menus, grades, attendance

    async def menus(self, start: date, end: date) -> list[Menu]:
        """The canteen's menus from start (inclusive) to end (exclusive)."""
        found: list[Menu] = []
        monday = start - timedelta(days=start.weekday())
        while monday < end:
            data = await self._call(
                "PageMenus",
                ONGLET_MENUS,
                partial(_menu_request, monday),
                self._any_pupil(),
            )
            found.extend(parse.parse_menus(data))
            monday += timedelta(days=7)
        return [menu for menu in found if start <= menu.day < end]

    async def _grades_data(
        self, student: Student, period: parse.Period | None
    ) -> tuple[parse.Period | None, dict[str, Any]]:
        period = period or self.current_period(ONGLET_GRADES, student)
        if period is None:
            return None, {}
        data = await self._call(
            "DernieresNotes",
            ONGLET_GRADES,
            lambda: {"Periode": {"N": period.id, "L": period.name}},
            student,
        )
        return period, data

    async def grades(
        self, student: Student, period: parse.Period | None = None
    ) -> list[Grade]:
        """The marks of a period (the current one by default)."""
        chosen, data = await self._grades_data(student, period)
        return parse.parse_grades(data, student, chosen)

    async def averages(
        self, student: Student, period: parse.Period | None = None
    ) -> list[Average]:
        """Per-subject averages and the overall one (subject None)."""
        chosen, data = await self._grades_data(student, period)
        return parse.parse_averages(data, chosen)

    async def grades_and_averages(
        self, student: Student, period: parse.Period | None = None
    ) -> tuple[list[Grade], list[Average]]:
        """Both from one call."""
        chosen, data = await self._grades_data(student, period)
        return parse.parse_grades(data, student, chosen), parse.parse_averages(
            data, chosen
        )

    async def attendance(
        self, student: Student, period: parse.Period | None = None
    ) -> list[DisciplineEvent]:
        """Absences, delays, punishments and observations of a period."""
        period = period or self.current_period(ONGLET_PRESENCE, student)
        if period is None:
            return []
        chosen = period
        data = await self._call(
            "PagePresence",
            ONGLET_PRESENCE,
            lambda: {
                "periode": {"N": chosen.id, "L": chosen.name, "G": 2},
                "DateDebut": {"_T": 7, "V": f"{chosen.start:%d/%m/%Y} 0:0:0"},
                "DateFin": {"_T": 7, "V": f"{chosen.end:%d/%m/%Y} 0:0:0"},
            },
            student,
        )
        starts = parse.clock_labels(self._general.get("General") or {}, "ListeHeures")
        return parse.parse_presence(data, student, self._tz, starts)

    async def absences(
        self, student: Student, period: parse.Period | None = None
    ) -> list[DisciplineEvent]:
        """Absences of a period."""
        return _of_kind(await self.attendance(student, period), DisciplineKind.ABSENCE)

    async def delays(
        self, student: Student, period: parse.Period | None = None
    ) -> list[DisciplineEvent]:
        """Late arrivals of a period."""
        return _of_kind(await self.attendance(student, period), DisciplineKind.LATE)

    async def punishments(
        self, student: Student, period: parse.Period | None = None
    ) -> list[DisciplineEvent]:
        """Punishments of a period."""
        return _of_kind(
            await self.attendance(student, period), DisciplineKind.PUNISHMENT
        )

    # --- refresh

    async def _slowly[T](
        self,
        key: tuple[str, ...],
        read: Callable[[], Awaitable[T]],
        ttl: float = SLOW_TTL,
    ) -> T | None:
        """A slow-changing read, cached for `ttl` seconds; None when refused."""
        now = self._seconds()
        cached = self._slow.get(key)
        if cached and now - cached[0] < ttl:
            result: T = cached[1]
            return result
        try:
            value = await read()
        except ProtocolError:
            _LOGGER.debug("PRONOTE refused an optional read (%s)", key[1])
            return None
        for old in [
            k for k, (at, _) in self._slow.items() if now - at >= PAST_TERM_TTL
        ]:
            del self._slow[old]
        self._slow[key] = (now, value)
        return value

    async def _each_term[T](
        self,
        student: Student,
        onglet: int,
        read: Callable[[Student, parse.Period], Awaitable[T]],
    ) -> list[T]:
        """One slow read per term of the year, newest first.

        A term that has ended changes only by a late correction: it is kept
        for PAST_TERM_TTL, the current one for SLOW_TTL.
        """
        found: list[T] = []
        today = self._today()
        for term in self.terms(onglet, student):
            value = await self._slowly(
                (student.id, str(onglet), term.start.isoformat()),
                partial(read, student, term),
                PAST_TERM_TTL if term.end < today else SLOW_TTL,
            )
            if value is None:
                break  # the tab is refused: every term would be
            found.append(value)
        return found

    async def _year_marks(self, student: Student) -> tuple[list[Grade], list[Average]]:
        """The year's grades, and the averages of the latest term that has some.

        On a term's first days its own list is empty: the family still sees
        the latest mark and last term's averages, each naming its term.
        """
        terms = await self._each_term(student, ONGLET_GRADES, self.grades_and_averages)
        grades = [grade for marks, _ in reversed(terms) for grade in marks]
        return grades, next((averages for _, averages in terms if averages), [])

    async def _year_attendance(self, student: Student) -> list[DisciplineEvent]:
        """The school year's absences, delays, punishments and observations.

        Like the other portals' counts: one term's would restart from zero
        at each term.
        """
        terms = await self._each_term(student, ONGLET_PRESENCE, self.attendance)
        return [event for events in reversed(terms) for event in events]

    async def fetch(self, student: Student, window: DateWindow) -> StudentData:
        """One pupil's refresh (see `refresh`)."""
        return (await self.refresh([student], window))[student.id]

    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> dict[str, StudentData]:
        """Refresh pupils; the inbox and the menus belong to the login: read once."""
        students = list(students)
        if self._wire is None:
            await self._with_relogin(self._require_session)
        forget_before = window.start - FIRST_SEEN_KEPT
        for uid in [
            uid for uid, (day, _, _) in self._first_seen.items() if day < forget_before
        ]:
            del self._first_seen[uid]
        no_discussions: list[parse.Discussion] = []
        inbox = await self._optional(self.discussions, no_discussions)
        # A long inbox was decrypted and parsed in one go: let the event loop
        # run other work before the messages are built (the bench measures
        # the longest slice; HA's loop is shared by every integration).
        await asyncio.sleep(0)
        today = self._today()
        messages = tuple(
            sorted(
                (parse.discussion_message(d, today, self._tz) for d in inbox),
                key=lambda message: message.received,
                reverse=True,
            )
        )
        await asyncio.sleep(0)
        monday = today - timedelta(days=today.weekday())

        async def week_menus() -> list[Menu]:
            return await self.menus(monday, monday + timedelta(days=7))

        menus = await self._slowly(("", "menus"), week_menus) or []
        result = {}
        for student in students:
            result[student.id] = await self._refresh_pupil(
                self._pupils.get(student.id, student), window, messages
            )
            result[student.id] = replace(
                result[student.id],
                unread_messages=sum(d.unread for d in inbox),
                menus=tuple(menus),
            )
        return result

    async def _refresh_pupil(
        self,
        student: Student,
        window: DateWindow,
        messages: tuple[Message, ...],
    ) -> StudentData:
        lessons = await self._read_lessons(
            student, window.start, window.end, refresh=True
        )

        async def homework() -> list[Homework]:
            return await self._window_homework(student, window)

        no_homework: list[Homework] = []
        items = await self._optional(homework, no_homework)
        grades, averages = await self._year_marks(student)
        discipline = await self._year_attendance(student)
        return StudentData(
            student=student,
            lessons=tuple(lessons),
            homework=tuple(items),
            messages=messages,
            discipline=tuple(discipline),
            grades=tuple(grades),
            averages=tuple(averages),
        )

    async def _optional[T](self, read: Callable[[], Awaitable[T]], empty: T) -> T:
        try:
            return await read()
        except ProtocolError:
            _LOGGER.debug("PRONOTE refused an optional read")
            return empty


def _unique_uids(parsed: list[tuple[Lesson, str]]) -> list[Lesson]:
    """Lessons whose uids differ even when two share a start and a subject.

    PRONOTE can list a cancelled lesson and its replacement in the same slot:
    the cancelled one keeps the uid (it is the lesson the family saw before),
    the other gets one derived from its `N`.
    """
    seen: dict[str, list[int]] = {}
    for index, (lesson, _number) in enumerate(parsed):
        seen.setdefault(lesson.uid, []).append(index)
    result = [lesson for lesson, _number in parsed]
    for indexes in seen.values():
        if len(indexes) < 2:
            continue
        keeper = min(
            indexes,
            key=lambda i: (parsed[i][0].status is not LessonStatus.CANCELLED, i),
        )
        for position, index in enumerate(indexes):
            if index != keeper:
                lesson, number = parsed[index]
                result[index] = replace(
                    lesson, uid=stable_id(lesson.uid, number or str(position))
                )
    return result


def _menu_request(monday: date) -> dict[str, Any]:
    return {"date": {"_T": 7, "V": f"{monday:%d/%m/%Y} 0:0:0"}}


def _of_kind(
    events: list[DisciplineEvent], kind: DisciplineKind
) -> list[DisciplineEvent]:
    return [event for event in events if event.kind is kind]


def expand_qr_code(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a pasted QR code stands for: its server, and its PIN trimmed."""
    settings = dict(values)
    settings["server"] = parse_qr_code(str(values.get("qr_code") or ""))["url"]
    settings["qr_pin"] = str(values.get("qr_pin") or "").strip()
    return settings


# The PIN an account may require after its password (PRONOTE's "code PIN").
ACCOUNT_PIN = Challenge(ChallengeKind.PIN, "account_pin")

PORTAL = register(
    PortalInfo(
        key="pronote",
        name="PRONOTE",
        maker="PRONOTE (Index Éducation)",
        client=PronoteClient,
        methods=(
            LoginMethod(
                "password",
                (
                    LoginField("server", FieldKind.URL),
                    LoginField("username", FieldKind.USERNAME),
                    LoginField("password", FieldKind.PASSWORD, secret=True),
                ),
                stored_as="password",
                renew=("password",),
                errors={"invalid_server": "server", "invalid_auth": "password"},
            ),
            # ENT logins: the QR code PRONOTE shows, and the PIN chosen for it,
            # are spent on the first login; the mobile token it gives (bound to
            # a device id) renews the session afterwards. A token that died can
            # only be replaced by a new QR code.
            LoginMethod(
                "qr",
                (
                    LoginField(
                        "qr_code", FieldKind.MULTILINE, secret=True, one_time=True
                    ),
                    LoginField("qr_pin", FieldKind.PIN, secret=True, one_time=True),
                ),
                stored_as="device_id",
                renew=("qr_code", "qr_pin"),
                refused="invalid_qr_login",
                errors={
                    "invalid_qr_login": "qr_code",
                    "invalid_server": "qr_code",
                    "invalid_qr": "qr_code",
                },
                expand=expand_qr_code,
                replaces=("token",),
            ),
        ),
        # A PRONOTE server belongs to one school: its host names the school.
        place=Place.HOST,
        persisted=("username", "token", "device_id"),
        second_factors=(SecondFactor(ChallengeKind.PIN, "account_pin"),),
    )
)
