"""What a PRONOTE session reads: the calendar, messages, menus, grades, attendance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import partial
from typing import Any, Final

from ..errors import ProtocolError
from ..models import (
    Average,
    DisciplineEvent,
    DisciplineKind,
    Grade,
    Menu,
    Message,
    Student,
)
from . import parse
from .login import PronoteLogin, root

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


class PronoteReads(PronoteLogin):
    """The calls PRONOTE offers beyond the refresh (pronotepy's surface)."""

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
            f"{root(self.page_url)}/ical/mesinformations.ics?icalsecurise="
            f"{parse.text(rows[0], 'paramICal')}&version={version}"
            f"&param={parse.text(rows[0], 'paramSuppl')}"
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


def _menu_request(monday: date) -> dict[str, Any]:
    return {"date": {"_T": 7, "V": f"{monday:%d/%m/%Y} 0:0:0"}}


def _of_kind(
    events: list[DisciplineEvent], kind: DisciplineKind
) -> list[DisciplineEvent]:
    return [event for event in events if event.kind is kind]
