"""The EcoleDirecte client: the refresh, its cadences, and the declaration.

A steady refresh reads, per pupil, the window's timetable and the coming
homework (two requests); a day's homework page only when that day's list
changed; grades, school life and the homepage on slower cadences, and the
login's inbox once for every pupil.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any, ClassVar, Final

import aiohttp

from ..client import Cache
from ..models import (
    AccountData,
    Capability,
    DateWindow,
    DisciplineEvent,
    Grade,
    Homework,
    Lesson,
    Message,
    Notification,
    PortalData,
    Student,
    StudentData,
)
from ..portal import (
    ChallengeKind,
    FieldKind,
    LoginField,
    PortalInfo,
    SecondFactor,
    register,
    secret_login,
)
from ..util import portal_date
from . import parse
from .login import ANSWER_KEY
from .reads import EcoleDirecteReads
from .wire import DEFAULT_SERVER

# Cadences (seconds of the client's clock).
CALENDAR_TTL: Final = 30 * 60.0
MESSAGES_TTL: Final = 55 * 60.0
GRADES_TTL: Final = 55 * 60.0
NOTICES_TTL: Final = 55 * 60.0
SLOW_TTL: Final = 6 * 3600.0 - 60.0
# A day's homework page: read again when the day's list changes, else daily.
DAY_TTL: Final = 24 * 3600.0


class EcoleDirecteClient(EcoleDirecteReads):
    """An EcoleDirecte pupil or family login."""

    portal: ClassVar[str] = "ecoledirecte"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.TIMETABLE,  # E/{id}/emploidutemps
            Capability.HOMEWORK,  # Eleves/{id}/cahierdetexte
            Capability.HOMEWORK_DONE,  # cahierdetexte, verbe=put
            Capability.MESSAGES,  # eleves|familles/{id}/messages
            Capability.DISCIPLINE,  # eleves/{id}/viescolaire
            Capability.GRADES,  # eleves/{id}/notes
            Capability.NOTIFICATIONS,  # E/{id}/timelineAccueilCommun
            # No MENUS: the canteen's menu is a file (a PDF), not dishes;
            # bookings and the badge are in `canteen`.
        }
    )

    def __init__(self, session: aiohttp.ClientSession, **settings: Any) -> None:
        """Check the settings (see `EcoleDirecteLogin`); nothing is sent yet."""
        super().__init__(session, **settings)
        self._calendar: Cache[tuple[str, date, date], list[Mapping[str, Any]]] = (
            self._cache(CALENDAR_TTL)
        )
        self._slow: Cache[tuple[str, str], Any] = self._cache(SLOW_TTL)
        # (pupil, day) -> (the day's list as the coming list had it, its items).
        self._days: Cache[tuple[str, date], tuple[frozenset[str], list[Homework]]] = (
            self._cache(DAY_TTL)
        )
        # Done states written since their page was read, by homework uid.
        self._written: dict[str, bool] = {}

    # --- timetable ----------------------------------------------------------------

    async def lessons(self, student: Student, start: date, end: date) -> list[Lesson]:
        """Lessons of any range in one request, kept a while for the calendar."""
        rows = await self._calendar.read(
            (student.id, start, end),
            CALENDAR_TTL,
            lambda: self.timetable_rows(student, start, end),
        )
        return parse.parse_lessons(rows, self._tz)

    # --- homework -----------------------------------------------------------------

    async def _day(
        self, student: Student, day: date, listed: frozenset[str]
    ) -> list[Homework]:
        """A day's homework page, read again only when its list changed."""
        key = (student.id, day)
        kept = self._days.fresh(key, DAY_TTL)
        if kept is not None and kept[0] == listed:
            return kept[1]
        items = await self.homework_of_day(student, day)
        for item in items:
            self._written.pop(item.uid, None)
        self._days.put(key, (listed, items))
        return items

    async def homework(
        self,
        student: Student,
        window: DateWindow,
        lesson_rows: Iterable[Mapping[str, Any]] = (),
    ) -> list[Homework]:
        """Homework due in the window and after it.

        The coming list (one request) names what is due from today on; a
        day's texts are on its own page. Past days of the window are read
        where a lesson said homework was due (`devoirAFaire`).
        """
        today = self._today()
        coming = await self.coming_homework(student)
        done = {due.uid: due.done for due in coming}
        days: dict[date, set[str]] = {}
        for due in coming:
            days.setdefault(due.due, set()).add(due.uid)
        for row in lesson_rows:
            day = portal_date(str(row.get("start_date") or ""))
            if (
                day
                and window.start <= day <= today
                and parse.flag(row.get("devoirAFaire"))
            ):
                days.setdefault(day, set())
        found: list[Homework] = []
        for day in sorted(days):
            for item in await self._day(student, day, frozenset(days[day])):
                state = done.get(item.uid, self._written.get(item.uid, item.done))
                found.append(item if state == item.done else replace(item, done=state))
        return sorted(found, key=lambda item: (item.due_date, item.subject, item.uid))

    async def set_homework_done(self, student: Student, uid: str, done: bool) -> None:
        """Write the done state back (no request to read it back)."""
        await self._write_done(student, uid, done)
        self._written[uid] = done

    # --- refresh ------------------------------------------------------------------

    async def _slowly[T](
        self,
        key: tuple[str, str],
        read: Callable[[], Awaitable[T]],
        empty: T,
        ttl: float,
    ) -> T:
        """A slow-changing read on its cadence; refused: `empty`."""
        kept: T = await self._slow.read(
            key, ttl, lambda: self._optional(key[1], read, empty)
        )
        return kept

    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> PortalData:
        """Refresh pupils; the inbox and the school's notices once for them all."""
        students = list(students)
        no_inbox: tuple[list[Message], int | None] = ([], None)
        inbox: tuple[list[Message], int | None] = await self._slowly(
            ("", "messages"), self.inbox, no_inbox, MESSAGES_TTL
        )
        notices: dict[str, Notification] = {}
        pupils = []
        for student in students:
            for notice in await self._notices(student):
                notices.setdefault(notice.uid, notice)
            pupils.append(await self._refresh_pupil(student, window))
        return PortalData(
            pupils,
            AccountData(
                messages=tuple(inbox[0]),
                unread_messages=inbox[1],
                notifications=tuple(
                    sorted(notices.values(), key=lambda n: n.when, reverse=True)
                ),
            ),
        )

    async def _notices(self, student: Student) -> list[Notification]:
        """The week's news of the pupil's timeline and of the homepage."""
        none: list[Notification] = []
        since = self._today() - parse.RECENT
        timeline = await self._slowly(
            (student.id, "timeline"),
            partial(self.timeline, student, since),
            none,
            NOTICES_TTL,
        )
        homepage = await self._slowly(
            (student.id, "homepage"), partial(self.homepage, student), none, SLOW_TTL
        )
        return [*timeline, *homepage]

    async def _refresh_pupil(self, student: Student, window: DateWindow) -> StudentData:
        no_rows: list[Mapping[str, Any]] = []
        lesson_rows = await self._optional(
            "the timetable",
            lambda: self.timetable_rows(student, window.start, window.end),
            no_rows,
        )
        no_homework: list[Homework] = []
        homework = await self._optional(
            "homework",
            lambda: self.homework(student, window, lesson_rows),
            no_homework,
        )
        no_marks: tuple[list[parse.Period], list[Grade]] = ([], [])
        periods, grades = await self._slowly(
            (student.id, "grades"), lambda: self.marks(student), no_marks, GRADES_TTL
        )
        no_events: list[DisciplineEvent] = []
        discipline = await self._slowly(
            (student.id, "school life"),
            lambda: self.school_life(student),
            no_events,
            SLOW_TTL,
        )
        term = parse.current_period(periods, self._today())
        return StudentData(
            student=student,
            lessons=tuple(parse.parse_lessons(lesson_rows, self._tz)),
            homework=tuple(homework),
            discipline=tuple(discipline),
            grades=tuple(grades),
            averages=term.averages if term else (),
        )

    async def periods(self, student: Student) -> list[parse.Period]:
        """The year's periods, each with its per-subject overview of averages."""
        return (await self.marks(student))[0]


PORTAL = register(
    PortalInfo(
        key="ecoledirecte",
        name="EcoleDirecte",
        maker="Aplim",
        client=EcoleDirecteClient,
        methods=(
            secret_login(
                "password",
                (
                    # One server for France: the default is the only address
                    # families use (the sandbox and tests type their own).
                    LoginField("server", FieldKind.URL, default=DEFAULT_SERVER),
                    LoginField("username", FieldKind.USERNAME),
                ),
                errors={"invalid_server": "server", "invalid_auth": "password"},
            ),
        ),
        # The pair the security question gave: later logins skip the question.
        persisted=("cn", "cv"),
        session_keys=("cn", "cv"),
        second_factors=(SecondFactor(ChallengeKind.CHOICE, ANSWER_KEY),),
    )
)
