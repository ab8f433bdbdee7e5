"""The WebUntis client: the refresh, and the portal's declaration.

It builds on the reads (`reads`), the session and its login (`login`), the
transport (`wire`) and the payloads (`parse`); see docs/webuntis-wire.md.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, ClassVar

import aiohttp

from ..client import Cache
from ..models import (
    AccountData,
    Capability,
    DateWindow,
    DisciplineEvent,
    Homework,
    Lesson,
    PortalData,
    Student,
    StudentData,
)
from ..portal import (
    FieldKind,
    LoginField,
    LoginMethod,
    Place,
    PortalInfo,
    register,
    secret_login,
)
from .login import TIMETABLE_TTL, expand_qr_link
from .parse import parse_holiday, rows
from .reads import ELEMENT_TYPES, WebUntisReads
from .wire import DateNotAllowed, NoRight

_LOGGER = logging.getLogger(__name__)

# Cadences (seconds of the client's clock); see docs/webuntis-wire.md, "Cost".
CALENDAR_TTL = 30 * 60.0
MESSAGES_TTL = 55 * 60.0
SLOW_TTL = 6 * 3600.0 - 60.0


class WebUntisClient(WebUntisReads):
    """A WebUntis login, by password or by the app secret behind the QR code."""

    portal: ClassVar[str] = "webuntis"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.TIMETABLE,  # getTimetable
            Capability.HOMEWORK,  # api/homeworks/lessons
            Capability.MESSAGES,  # the message centre, with the bearer token
            Capability.DISCIPLINE,  # absences and getClassregEvents
            Capability.EXAMS,  # api/exams
            Capability.NOTIFICATIONS,  # the news widget
        }
    )

    def __init__(self, session: aiohttp.ClientSession, **settings: Any) -> None:
        """Check the settings (see `WebUntisLogin`); nothing is sent before `login`."""
        super().__init__(session, **settings)
        # Messages, news and each pupil's slow parts, on their own cadences.
        self._slow: Cache[tuple[str, str], list[Any]] = self._cache()

    # --- refresh --------------------------------------------------------------------

    def _clip(self, start: date, end: date) -> tuple[date, date] | None:
        """[start, end) limited to the school year, or None when outside it."""
        span = self.school_year_range()
        if span is not None:
            start = max(start, span[0])
            end = min(end, span[1] + timedelta(days=1))
        return (start, end) if start < end else None

    async def _pupil_lessons(
        self, student: Student, start: date, end: date, *, refresh: bool
    ) -> list[Lesson]:
        clipped = self._clip(start, end)
        if clipped is None:
            return []

        async def read() -> list[Lesson]:
            periods = await self._timetable_rows(
                ELEMENT_TYPES["student"], self._pupil_id(student), *clipped
            )
            return self._lessons_of(student.id, periods)

        return await self._timetables.read(
            (student.id, clipped[0], clipped[1], refresh),
            TIMETABLE_TTL if refresh else CALENDAR_TTL,
            read,
        )

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
        """Something that changes slowly: read on its own cadence; refused: empty."""
        empty: list[T] = []
        kept: list[T] = await self._slow.read(
            key, ttl, lambda: self._optional(key[1], read, empty)
        )
        return kept

    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> PortalData:
        """Refresh several pupils; messages and news belong to the login: once."""
        students = list(students)
        await self._read_import_time()
        app = await self._app()
        holidays = tuple(parse_holiday(row) for row in rows(app.get("holidays")))
        messages = await self._slowly(
            ("account", "messages"), self.messages, MESSAGES_TTL
        )
        news = await self._slowly(("account", "news"), self.news)
        unread = tuple(message for message in messages if not message.read)
        pupils = [
            replace(await self._refresh_pupil(student, window), holidays=holidays)
            for student in students
        ]
        return PortalData(
            pupils,
            AccountData(
                messages=unread, unread_messages=len(unread), notifications=tuple(news)
            ),
        )

    async def _refresh_pupil(self, student: Student, window: DateWindow) -> StudentData:
        no_lessons: list[Lesson] = []
        lessons = await self._optional(
            "the timetable",
            lambda: self._pupil_lessons(
                student, window.start, window.end, refresh=True
            ),
            no_lessons,
        )
        no_homework: list[Homework] = []
        homework = await self._optional(
            "homework",
            lambda: self.homework(student, window.start, window.end),
            no_homework,
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
            secret_login(
                "password",
                (_SERVER, _SCHOOL, _USERNAME),
                errors={**_WHERE, "invalid_auth": "password"},
            ),
            # Accounts with one-time codes: the client makes them from the
            # app secret behind the QR code.
            secret_login(
                "secret",
                (_SERVER, _SCHOOL, _USERNAME),
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
