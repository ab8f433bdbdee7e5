"""The PRONOTE client: the timetable, homework and the refresh."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from typing import Any, ClassVar, Final

import aiohttp

from ..client import Cache
from ..errors import ProtocolError, SchoolPortalError
from ..models import (
    AccountData,
    Average,
    Capability,
    DateWindow,
    DisciplineEvent,
    Grade,
    Homework,
    Lesson,
    LessonStatus,
    Menu,
    PortalData,
    Student,
    StudentData,
)
from ..portal import (
    ChallengeKind,
    FieldKind,
    LoginField,
    LoginMethod,
    Place,
    PortalInfo,
    SecondFactor,
    register,
    secret_login,
)
from ..util import stable_id
from . import parse
from .login import expand_qr_code
from .reads import (
    ONGLET_GRADES,
    ONGLET_HOMEWORK,
    ONGLET_PRESENCE,
    ONGLET_TIMETABLE,
    PronoteReads,
)

# Past weeks rarely change; any week read for the calendar is reused a while.
PAST_WEEK_TTL: Final = 6 * 3600.0
CALENDAR_WEEK_TTL: Final = 30 * 60.0
# Grades, averages, attendance and menus change a few times a day at most.
SLOW_TTL: Final = 3600.0
# A term that has ended changes only by a late correction.
PAST_TERM_TTL: Final = 12 * 3600.0
# How far past the window a refresh looks for homework given inside it.
HOMEWORK_AHEAD: Final = timedelta(weeks=8)

SUNDAY = 6


class PronoteClient(PronoteReads):
    """A PRONOTE pupil or parent login."""

    portal: ClassVar[str] = "pronote"
    # A tab the school hides answers with an error page of the protocol.
    refusals: ClassVar[tuple[type[SchoolPortalError], ...]] = (ProtocolError,)
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.TIMETABLE,  # PageEmploiDuTemps
            Capability.HOMEWORK,  # PageCahierDeTexte
            Capability.HOMEWORK_DONE,  # SaisieTAFFaitEleve
            Capability.MESSAGES,  # ListeMessagerie
            Capability.MESSAGES_READ,  # SaisieMessage pourLu
            Capability.DISCIPLINE,  # PagePresence
            Capability.GRADES,  # DernieresNotes
            Capability.MENUS,  # PageMenus
        }
    )

    def __init__(self, session: aiohttp.ClientSession, **settings: Any) -> None:
        """Check the settings (see `PronoteLogin`); nothing is sent before `login`."""
        super().__init__(session, **settings)
        # (pupil, week number) -> the week's lessons. Entries older than
        # PAST_WEEK_TTL are dropped on each write: at most pupils x the weeks
        # the window and a month view touch (tests/api/test_bounds.py).
        self._weeks: Cache[tuple[str, int], list[dict[str, Any]]] = self._cache(
            PAST_WEEK_TTL
        )
        # (pupil, tab, term start) -> value. At most pupils x 2 tabs x terms
        # of the year, plus the menus; entries older than PAST_TERM_TTL are
        # dropped on each write.
        self._slow: Cache[tuple[str, ...], Any] = self._cache(PAST_TERM_TTL)
        # Homework uid -> (pupil, PRONOTE number), for set_homework_done. Each
        # read replaces that pupil's entries: at most what one read lists per
        # pupil (an item read elsewhere is looked up again by its writer).
        self._homework_numbers: dict[str, tuple[str, str]] = {}

    # --- timetable

    async def _week(
        self, student: Student, week: int, max_age: float
    ) -> list[dict[str, Any]]:
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

        async def read() -> list[dict[str, Any]]:
            data = await self._call(
                "PageEmploiDuTemps", ONGLET_TIMETABLE, body, student
            )
            return parse.items(data, "ListeCours")

        return await self._weeks.read((student.id, week), max_age, read)

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
            # What a change replaced is not remembered here: the coordinator
            # compares each refresh with the one before, for every portal.
            lessons.extend(_unique_uids(parsed))
            # A cached week is parsed without any await: yield between weeks.
            await asyncio.sleep(0)
        return [lesson for lesson in lessons if start <= lesson.start.date() < end]

    async def lessons(self, student: Student, start: date, end: date) -> list[Lesson]:
        """Lessons of any range, a week per call, weeks cached for the calendar."""
        return await self._read_lessons(student, start, end, refresh=False)

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

    async def mark_messages_read(self, uids: Collection[str] | None = None) -> int:
        """Mark unread discussions read (`SaisieMessage`), one call each.

        A message's uid is its discussion's (the inbox lists discussions).
        """
        if self._wire is None:
            await self._with_relogin(self._require_session)
        unread = [
            discussion
            for discussion in await self.discussions(only_unread=True)
            if discussion.unread and (uids is None or discussion.uid in uids)
        ]
        for discussion in unread:
            await self.mark_discussion_read(discussion)
        return len(unread)

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

    # --- refresh

    async def _slowly[T](
        self,
        key: tuple[str, ...],
        read: Callable[[], Awaitable[T]],
        ttl: float = SLOW_TTL,
    ) -> T | None:
        """A slow-changing read, cached for `ttl` seconds; None when refused."""
        refused: T | None = None
        return await self._optional(
            key[1], lambda: self._slow.read(key, ttl, read), refused
        )

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

    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> PortalData:
        """Refresh pupils; the inbox and the menus belong to the login: read once."""
        students = list(students)
        if self._wire is None:
            await self._with_relogin(self._require_session)
        no_discussions: list[parse.Discussion] = []
        inbox = await self._optional("the inbox", self.discussions, no_discussions)
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
        pupils = [
            replace(
                await self._refresh_pupil(
                    self._pupils.get(student.id, student), window
                ),
                menus=tuple(menus),
            )
            for student in students
        ]
        return PortalData(
            pupils,
            AccountData(
                messages=messages, unread_messages=sum(d.unread for d in inbox)
            ),
        )

    async def _refresh_pupil(
        self,
        student: Student,
        window: DateWindow,
    ) -> StudentData:
        lessons = await self._read_lessons(
            student, window.start, window.end, refresh=True
        )

        async def homework() -> list[Homework]:
            return await self._window_homework(student, window)

        no_homework: list[Homework] = []
        items = await self._optional("homework", homework, no_homework)
        grades, averages = await self._year_marks(student)
        discipline = await self._year_attendance(student)
        return StudentData(
            student=student,
            lessons=tuple(lessons),
            homework=tuple(items),
            discipline=tuple(discipline),
            grades=tuple(grades),
            averages=tuple(averages),
        )


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


PORTAL = register(
    PortalInfo(
        key="pronote",
        name="PRONOTE",
        maker="PRONOTE (Index Éducation)",
        client=PronoteClient,
        methods=(
            secret_login(
                "password",
                (
                    LoginField("server", FieldKind.URL),
                    LoginField("username", FieldKind.USERNAME),
                ),
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
