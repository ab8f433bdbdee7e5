"""The SS12000 client: the family view, push, and the portal's declaration.

SS12000 (SS 12000:2020, the Swedish standard API between school systems) is
read system to system: the school organiser (huvudman) issues credentials.
The pupil is named by person id or civic number; a guardian's person id
gives every child it is responsible for. Timetable, absences and grades are
read incrementally (`meta.modified.after`, and `/deletedEntities` for what
vanished); the README's SS12000 section says who can get credentials.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import aiohttp

from ..client import PortalClient
from ..errors import AuthenticationError, ProtocolError, TwoFactorRequired
from ..models import (
    Account,
    AccountKind,
    Capability,
    DateWindow,
    DisciplineEvent,
    DisciplineKind,
    Grade,
    Lesson,
    PortalData,
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
from ..push import Subscription
from ..util import DEFAULT_TIMEOUT, portal_datetime, stable_id, timeout_setting
from .collections import Collections, Resource, read_deleted
from .parse import (
    civic_number,
    is_pupil,
    is_uuid,
    modified,
    parse_absence,
    parse_attendance,
    parse_grade,
    parse_lesson,
    parse_student,
    person_label,
    responsible_for,
    when,
)
from .wire import (
    ClientCredentials,
    Credentials,
    NoRight,
    PastedToken,
    Wire,
    normalize_server,
)

_LOGGER = logging.getLogger(__name__)

# Cadences (seconds of the client's clock). The timetable is read at every
# refresh (incrementally); absences, grades and deletions about hourly; the
# whole window again now and then, for what an incremental read cannot see
# (a changed activity or group, an event gone without a deletion record).
SLOW_TTL = 55 * 60.0
FULL_TTL = 6 * 3600.0 - 60.0
CALENDAR_TTL = 30 * 60.0
# How far around the window an incremental timetable read looks for events
# that moved (a lesson moved to next term is still seen to leave).
CHANGES_REACH = timedelta(days=366)
# `meta.modified.after` is exclusive and compared on the server's clock: the
# newest change seen, not our clock, says where the last read ended.
# Our clock against the server's, for `/deletedEntities?after=`.
SKEW = timedelta(minutes=5)
# More candidates than this: the pupil is typed, not chosen.
CHOICES_MAX = 50

# The kinds (EndPointsEnum) a subscription covers, and what each makes read.
EVENTS, ATTENDANCE, ABSENCE, GRADE = "CalendarEvent", "Attendance", "Absence", "Grade"
# Changes an incremental timetable read cannot see: the whole window again.
RESHAPING = frozenset({"Activity", "Group", "Person"})
PUSH_KINDS = frozenset({EVENTS, ATTENDANCE, ABSENCE, GRADE, *RESHAPING})
# What a callback's `deletedEntities: true` marks: read `/deletedEntities`.
DELETED = "deletedEntities"
_PUPIL_EXPAND = ("groupMemberships", "responsibleFor")


@dataclass(slots=True)
class _Synced:
    """One collection as last read for one pupil, kept to read only changes."""

    rows: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    newest: datetime | None = None  # the newest `meta.modified` seen
    read_at: float | None = None  # when it was last read (client clock)
    full_at: float | None = None  # when it was last read whole
    span: tuple[date, date] | None = None  # the days read (calendar events)

    def merge(self, rows: list[dict[str, Any]]) -> None:
        """Keep the rows read (by id) and the newest change among them."""
        self.rows.update((str(row["id"]), row) for row in rows if "id" in row)
        self.newest = max(
            [self.newest, *(modified(row, UTC) for row in rows)],
            key=lambda stamp: stamp or _NEVER,
        )

    @property
    def since(self) -> datetime | None:
        """What `meta.modified.after` asks for next (None: everything)."""
        return self.newest

    def drop(self, ids: Iterable[str]) -> None:
        for gone in ids:
            self.rows.pop(gone, None)


_NEVER = datetime.min.replace(tzinfo=UTC)


class SS12000Client(Collections, PortalClient):
    """An SS12000 reader for one pupil (or one guardian's children)."""

    portal: ClassVar[str] = "ss12000"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.TIMETABLE,  # /calendarEvents
            Capability.DISCIPLINE,  # /attendances and /absences
            Capability.GRADES,  # /grades
        }
    )
    # Missed minutes are all the standard records: no remarks or praise.
    discipline_kinds: ClassVar[frozenset[DisciplineKind]] = frozenset(
        {DisciplineKind.ABSENCE, DisciplineKind.LATE}
    )

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        server: str,
        credentials: Credentials,
        pupil: str | None = None,
        tz: Any,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Any = None,
    ) -> None:
        """Check the settings; nothing is sent before `login`."""
        super().__init__(session, tz=tz, timeout=timeout, clock=clock)
        self.server = normalize_server(server)
        self.credentials = credentials
        self.pupil = (pupil or "").strip() or None
        self.wire = Wire(session, self.server, credentials, timeout, self._seconds)
        self._synced: dict[tuple[str, str], _Synced] = {}
        self._deleted_at: datetime | None = None
        self._deleted_read: float | None = None
        self._calendar: dict[tuple[str, date, date], tuple[float, list[Lesson]]] = {}
        self._push = False
        self._marked: set[str] = set()

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any], tz: Any
    ) -> Self:
        """Client credentials when a client id is stored, else the pasted token."""
        credentials: Credentials
        if config.get("client_id"):
            credentials = ClientCredentials(
                str(config.get("token_url") or ""),
                str(config["client_id"]),
                str(config.get("client_secret") or ""),
                str(config.get("scope") or ""),
            )
        else:
            credentials = PastedToken(str(config.get("token") or ""))
        return cls(
            session,
            server=str(config.get("server") or ""),
            credentials=credentials,
            pupil=config.get("pupil"),
            tz=tz,
            timeout=timeout_setting(config.get("timeout", DEFAULT_TIMEOUT)),
        )

    @property
    def can_relogin(self) -> bool:
        """A pasted token cannot be replaced without the user."""
        return self.credentials.renewable

    # --- login --------------------------------------------------------------------

    async def _login(self) -> Account:
        if self.pupil is None:
            raise TwoFactorRequired(await self._pupil_question())
        try:
            person = await self._person(self.pupil)
        except NoRight as err:
            raise AuthenticationError(
                "These credentials may not read the pupil"
            ) from err
        if person is None:
            raise AuthenticationError("No such pupil on this server")
        children = responsible_for(person)
        if children and not is_pupil(person):
            found = await self.persons.lookup(
                {"ids": children}, expand=_PUPIL_EXPAND[:1], names=True
            )
            kind, students = AccountKind.PARENT, [parse_student(p) for p in found]
        else:
            kind, students = AccountKind.STUDENT, [parse_student(person)]
        if not students:
            raise AuthenticationError(
                "The guardian has no pupils these credentials see"
            )
        host = urlsplit(self.server).hostname or self.server
        return Account(
            id=stable_id(host, person["id"]),
            kind=kind,
            students=tuple(students),
            school=next((s.school for s in students if s.school), None),
        )

    async def _person(self, pupil: str) -> Mapping[str, Any] | None:
        """The pupil setting's person: by id, or found by civic number."""
        if is_uuid(pupil):
            return await self.persons.get(pupil, expand=_PUPIL_EXPAND, names=True)
        civic = civic_number(pupil, self._today().year)
        if civic is None:
            # Not a civic number: an id that is no UUID (Skolverket's sample
            # data has such ids) is still asked for.
            return await self.persons.get(pupil, expand=_PUPIL_EXPAND, names=True)
        found = await self.persons.list(
            {"civicNo": civic}, expand=_PUPIL_EXPAND, names=True
        )
        return found[0] if found else None

    async def _pupil_question(self) -> Challenge:
        """The pupils (and guardians) these credentials see, to choose from.

        A server that lists none, refuses the list, or lists more than a
        choice can hold (a school-wide client) gets a typed answer instead:
        a person id or a civic number.
        """
        try:
            people, more = await self.persons.page(
                expand=("responsibleFor",), names=True, limit=CHOICES_MAX + 1
            )
        except NoRight:
            people, more = [], None
        choices = [
            (str(person["id"]), _choice_label(person))
            for person in people
            if "id" in person and (is_pupil(person) or responsible_for(person))
        ]
        if not choices or more is not None or len(choices) > CHOICES_MAX:
            return Challenge(
                ChallengeKind.CODE,
                "pupil",
                # The portal's own question, in its language (Swedish).
                question="Elevens person-id eller personnummer (ÅÅÅÅMMDDNNNN)?",
            )
        return Challenge(
            ChallengeKind.CHOICE,
            "pupil",
            question="Vilken elev (eller vårdnadshavare, för alla barnen)?",
            choices=tuple(sorted(choices, key=lambda choice: choice[1])),
        )

    # --- refresh -------------------------------------------------------------------

    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> PortalData:
        """The pupils' timetable, absences and grades: only what changed."""
        students = list(students)
        marked, self._marked = set(self._marked), set()
        if not self._push:
            # Polling: everything, each part on its own cadence.
            marked = {*PUSH_KINDS, DELETED} - RESHAPING
        if self._deleted_at is None:
            # Deletions matter only after what they delete was read: from now.
            self._deleted_at, self._deleted_read = self._clock(), self._seconds()
        elif (self._push and DELETED in marked) or (
            marked and self._due(self._deleted_read, SLOW_TTL)
        ):
            # A callback said so; else hourly (the safety-net refresh marks
            # every kind, so deletions are looked for while push is live too).
            await self._read_deleted()
        pupils = [await self._refresh_pupil(s, window, marked) for s in students]
        return PortalData(pupils)

    def _due(self, read_at: float | None, ttl: float) -> bool:
        return read_at is None or self._seconds() - read_at >= ttl

    async def _refresh_pupil(
        self, student: Student, window: DateWindow, marked: set[str]
    ) -> StudentData:
        events = await self._optional(
            "the timetable",
            lambda: self._events(student.id, window, marked),
            self._state(student.id, EVENTS),
        )
        lessons = self._lessons(student.id, events.rows.values())
        for kind, collection in (
            (ATTENDANCE, self.attendances),
            (ABSENCE, self.absences),
            (GRADE, self.grades),
        ):
            state = self._state(student.id, kind)
            # Never read (push went live before): read it once whatever is marked.
            if state.read_at is None or (
                kind in marked and (self._push or self._due(state.read_at, SLOW_TTL))
            ):
                await self._optional(
                    kind,
                    partial(self._sync, state, collection, student.id),
                    None,
                )
        by_uid = {lesson.uid: lesson for lesson in lessons}
        absences = [
            event
            for row in self._state(student.id, ABSENCE).rows.values()
            if (event := parse_absence(row, self._tz)) is not None
        ]
        spans = [
            (start, end)
            for row in self._state(student.id, ABSENCE).rows.values()
            if (start := when(row.get("startTime"), self._tz)) is not None
            and (end := when(row.get("endTime"), self._tz)) is not None
        ]
        discipline = absences + [
            event
            for row in self._state(student.id, ATTENDANCE).rows.values()
            if (event := parse_attendance(row, self._tz, by_uid)) is not None
            # A lesson missed inside a reported absence is that absence.
            and not any(start <= event.when <= end for start, end in spans)
        ]
        grades: list[Grade] = [
            grade
            for row in self._state(student.id, GRADE).rows.values()
            if (grade := parse_grade(row)) is not None
        ]
        return StudentData(
            student=student,
            lessons=tuple(_in_days(lessons, window.start, window.end)),
            discipline=tuple(sorted(discipline, key=_when)),
            grades=tuple(sorted(grades, key=lambda grade: grade.when)),
        )

    def _state(self, pupil: str, kind: str) -> _Synced:
        return self._synced.setdefault((pupil, kind), _Synced())

    async def _sync(self, state: _Synced, collection: Resource, pupil: str) -> None:
        """Read a pupil's collection: whole the first time, then what changed.

        With reference names: a grade's syllabus and an attendance's lesson
        name the subject only so.
        """
        now = self._seconds()
        rows = await collection.list(
            {"student": pupil}, modified_after=state.since, names=True
        )
        state.merge(rows)
        state.read_at = now

    async def _events(
        self, pupil: str, window: DateWindow, marked: set[str]
    ) -> _Synced:
        """The window's calendar events: changes only, while the window is covered."""
        state = self._state(pupil, EVENTS)
        now = self._seconds()
        covered = state.span is not None and (
            state.span[0] <= window.start and window.end <= state.span[1]
        )
        whole = (
            not covered
            or bool(marked & RESHAPING)
            or self._due(state.full_at, FULL_TTL)
        )
        if not whole and EVENTS not in marked:
            return state
        if whole:
            rows = await self._event_rows(pupil, window.start, window.end, None)
            state.rows.clear()
            state.span, state.full_at, state.newest = (
                (window.start, window.end),
                now,
                None,
            )
            state.merge(rows)
        else:
            # Changes only, over a wider range than the window's days: an
            # event moved out of the window comes back with its new start
            # (a narrow range would never show it again, and it would stay
            # until the next whole read). The range is required by the spec;
            # only changed events come back. Without a change seen yet (an
            # empty window) there is no `since`: the window alone, not a year.
            reach = CHANGES_REACH if state.since is not None else timedelta()
            rows = await self._event_rows(
                pupil, window.start - reach, window.end + reach, state.since
            )
            state.merge(rows)
            assert state.span is not None
            self._keep_span(state, rows, *state.span)
        state.read_at = now
        return state

    def _keep_span(
        self, state: _Synced, changed: list[dict[str, Any]], start: date, end: date
    ) -> None:
        """Drop the changed events that start outside [start, end) (moved, or read wide).

        Only the changed ones: the others were read inside the span and have
        not moved since.
        """
        first = datetime.combine(start, time(), tzinfo=self._tz)
        last = datetime.combine(end, time(), tzinfo=self._tz)
        for row in changed:
            begins = when(row.get("startTime"), self._tz)
            if begins is None or not first <= begins < last:
                state.rows.pop(str(row.get("id")), None)

    async def _event_rows(
        self, pupil: str, start: date, end: date, since: datetime | None
    ) -> list[dict[str, Any]]:
        """One listing of a pupil's events starting in [start, end)."""
        first = datetime.combine(start, time(), tzinfo=self._tz)
        last = datetime.combine(end, time(), tzinfo=self._tz) - timedelta(seconds=1)
        return await self.calendar_events.list(
            {
                "student": pupil,
                "startTime.onOrAfter": first,
                "startTime.onOrBefore": last,
            },
            expand=("activity",),
            modified_after=since,
            names=True,
        )

    def _lessons(self, pupil: str, rows: Iterable[Mapping[str, Any]]) -> list[Lesson]:
        return [
            lesson
            for row in rows
            if (lesson := parse_lesson(row, pupil, self._tz)) is not None
        ]

    async def _read_deleted(self) -> None:
        """Drop what the server deleted since the last look (on our clock, less skew)."""
        now = self._clock()
        assert self._deleted_at is not None
        after = self._deleted_at - SKEW
        self._deleted_read = self._seconds()
        gone = await self._optional(
            "deleted entities",
            lambda: read_deleted(
                self.deleted_entities, after, (EVENTS, ATTENDANCE, ABSENCE, GRADE)
            ),
            None,
        )
        if gone is None:
            return
        self._deleted_at = now
        for (_, kind), state in self._synced.items():
            state.drop(gone.get(kind, ()))

    async def lessons(self, student: Student, start: date, end: date) -> list[Lesson]:
        """Any range of days in one request, kept for a while."""
        key = (student.id, start, end)
        kept = self._calendar.get(key)
        if kept is not None and self._seconds() - kept[0] < CALENDAR_TTL:
            return kept[1]
        try:
            rows = await self._event_rows(student.id, start, end, None)
        except NoRight:
            _LOGGER.debug("SS12000 refused the timetable to this login")
            return []
        lessons = _in_days(self._lessons(student.id, rows), start, end)
        self._calendar = {
            k: v
            for k, v in self._calendar.items()
            if self._seconds() - v[0] < CALENDAR_TTL
        }
        self._calendar[key] = (self._seconds(), lessons)
        return lessons

    # --- push ---------------------------------------------------------------------------

    @property
    def push_kinds(self) -> frozenset[str]:
        """The EndPointsEnum kinds a subscription asks for."""
        return PUSH_KINDS

    async def subscribe(self, url: str, name: str) -> Subscription:
        """POST /subscriptions for our kinds, calling `url` back."""
        reply = await self.subscriptions.create(
            {
                "name": name,
                "target": url,
                "resourceTypes": [{"resource": kind} for kind in sorted(PUSH_KINDS)],
            }
        )
        return _subscription(reply, self._tz)

    async def renew(self, subscription: Subscription) -> Subscription:
        """PATCH /subscriptions/{id}: the server sets the new end."""
        reply = await self.subscriptions.patch(subscription.id)
        if reply is None:
            return subscription
        return _subscription(reply, self._tz)

    async def unsubscribe(self, subscription: Subscription) -> None:
        """DELETE /subscriptions/{id}; one already gone is fine."""
        await self.subscriptions.delete(subscription.id)

    def changed(self, body: object) -> frozenset[str]:
        """The kinds a callback names (either spelling); ValueError when malformed."""
        if not isinstance(body, Mapping):
            raise ValueError("A callback body is a JSON object")
        kinds: set[str] = set()
        for key in ("modifiedEntites", "modifiedEntities"):
            named = body.get(key)
            if named is None:
                continue
            if not isinstance(named, list) or not all(
                isinstance(k, str) for k in named
            ):
                raise ValueError(f"{key} is a list of kinds")
            kinds.update(named)
        deleted = body.get(DELETED)
        if deleted is not None and not isinstance(deleted, bool):
            raise ValueError("deletedEntities is true or false")
        if deleted:
            kinds.add(DELETED)
        return frozenset(kinds & (PUSH_KINDS | {DELETED}))

    def mark_changed(self, kinds: frozenset[str]) -> None:
        """Have the next refresh read these kinds (push mode)."""
        self._marked.update(kinds)

    def set_push(self, live: bool) -> None:
        """While callbacks arrive, a refresh reads only the kinds marked."""
        self._push = live
        self._marked.clear()


def _in_days(lessons: Iterable[Lesson], start: date, end: date) -> list[Lesson]:
    """The lessons starting in [start, end), in order."""
    return sorted(
        (lesson for lesson in lessons if start <= lesson.start.date() < end),
        key=lambda lesson: lesson.start,
    )


def _when(event: DisciplineEvent) -> datetime:
    return event.when


def _choice_label(person: Mapping[str, Any]) -> str:
    """A person to choose: a pupil's name, a guardian's with the children's."""
    children = [
        str(relation.get("person", {}).get("displayName") or "").strip()
        for relation in person.get("_embedded", {}).get("responsibleFor") or []
        if isinstance(relation, Mapping)
    ]
    named = ", ".join(child for child in children if child)
    label = person_label(person)
    return f"{label} ({named})" if named and not is_pupil(person) else label


def _subscription(reply: Mapping[str, Any] | None, tz: Any) -> Subscription:
    if not reply or "id" not in reply:
        raise ProtocolError("The server gave no subscription")
    return Subscription(
        id=str(reply["id"]), expires=portal_datetime(reply.get("expires"), tz)
    )


_SERVER = LoginField("server", FieldKind.URL)

PORTAL = register(
    PortalInfo(
        key="ss12000",
        name="SS12000",
        maker="SS 12000 (the school organiser's server)",
        client=SS12000Client,
        methods=(
            LoginMethod(
                "client_credentials",
                (
                    _SERVER,
                    LoginField("token_url", FieldKind.URL),
                    LoginField("client_id", FieldKind.USERNAME),
                    LoginField("client_secret", FieldKind.PASSWORD, secret=True),
                    LoginField("scope", default=""),
                ),
                stored_as="client_secret",
                renew=("client_id", "client_secret"),
                refused="invalid_client",
                errors={"invalid_server": "server", "invalid_client": "client_secret"},
                identified_by_pupils=True,
            ),
            LoginMethod(
                "token",
                (_SERVER, LoginField("token", FieldKind.PASSWORD, secret=True)),
                stored_as="token",
                renew=("token",),
                refused="invalid_token",
                errors={"invalid_server": "server", "invalid_token": "token"},
                identified_by_pupils=True,
            ),
        ),
        # One server per school organiser.
        place=Place.HOST,
        second_factors=(SecondFactor(ChallengeKind.CHOICE, "pupil"),),
    )
)
