"""The data update coordinator of School Portal: one per config entry."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from aiohttp import ClientSession, DummyCookieJar
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL, CONF_TIME_ZONE
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    HomeAssistantError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import PortalClient, create_client
from .api.errors import (
    AuthenticationError,
    RateLimited,
    SchoolPortalError,
    TwoFactorRequired,
)
from .api.models import (
    Capability,
    DateWindow,
    Homework,
    Lesson,
    LessonStatus,
    Student,
    StudentData,
)
from .api.util import stable_id
from .const import (
    BREAK_INTERVAL,
    CONF_PORTAL,
    CONF_STUDENTS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    EVENT_LESSON_CANCELLED,
    EVENT_LESSON_CHANGED,
    EVENT_NEW_DISCIPLINE,
    EVENT_NEW_GRADE,
    EVENT_NEW_HOMEWORK,
    EVENT_NEW_MESSAGE,
    EVENT_SCHOOL_PORTAL,
    LOGGER,
    NIGHT_END,
    NIGHT_INTERVAL,
    NIGHT_START,
    WINDOW_DAYS_AFTER,
    WINDOW_DAYS_BEFORE,
)

type SchoolPortalConfigEntry = ConfigEntry[SchoolPortalCoordinator]

STORAGE_VERSION = 1
# Uids not seen for this long are forgotten; long enough that an item which
# vanishes during a portal hiccup and comes back is still known.
SEEN_RETENTION = timedelta(days=45)
# Messages, discipline events and grades older than this are not news (they
# can surface late: a pupil shown again, a portal catching up).
NEWS_HORIZON = timedelta(days=14)
DONE_RETENTION = timedelta(days=180)
# How far outside the polled window the calendar reads, each side.
MAX_READ_AHEAD = timedelta(weeks=26)
# A pupil absent from the portal keeps its device (names, areas, customisations)
# this long: a portal hiccup, or a portal re-reading its pupil list, must not
# cost the family their set-up.
DEVICE_RETENTION = timedelta(days=7)


def portal_session(hass: HomeAssistant, *, auto_cleanup: bool = True) -> ClientSession:
    """An HTTP session of HA's that keeps no cookies.

    Portals authenticate by cookie values the clients send themselves. In the
    shared session's jar a portal's cookie would be shared by every entry
    (two parents' logins) and every other integration. Created during entry
    set-up, the session is closed when the entry unloads.
    """
    return async_create_clientsession(
        hass, auto_cleanup=auto_cleanup, cookie_jar=DummyCookieJar()
    )


async def school_time_zone(entry: ConfigEntry) -> tzinfo:
    """The school's time zone: the entry's option, else Home Assistant's.

    Loading a zone reads files: the async variant does it off the event loop.
    """
    if (name := entry.options.get(CONF_TIME_ZONE)) and (
        zone := await dt_util.async_get_time_zone(name)
    ):
        return zone
    return dt_util.get_default_time_zone()


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item seen for the first time: it fires an event."""

    event_type: str
    student_id: str
    uid: str
    attributes: dict[str, Any]


def _notable_items(
    data: StudentData, now: datetime, previous: StudentData | None = None
) -> Iterator[tuple[str, str, dict[str, Any], bool]]:
    """Items that can be new, a small name-free description, and whether it is past.

    Something already over (homework past due, a lesson that has ended) or
    older than NEWS_HORIZON (a message, a discipline event, a grade) is
    remembered but never announced: a wider window, a pupil shown again after
    weeks, or a late portal must not turn the past into a burst of news.
    A lesson is news when the portal marks it cancelled or changed, or when
    it differs from the same lesson in the ``previous`` refresh.
    """
    horizon = now - NEWS_HORIZON
    for homework in data.homework:
        yield (
            EVENT_NEW_HOMEWORK,
            homework.uid,
            {
                "uid": homework.uid,
                "subject": homework.subject,
                "due": homework.due.isoformat(),
            },
            homework.due_date < now.date(),
        )
    for message in data.messages:
        yield (
            EVENT_NEW_MESSAGE,
            message.uid,
            {
                "uid": message.uid,
                "subject": message.subject,
                "received": message.received.isoformat(),
                "has_attachments": message.has_attachments,
            },
            message.received < horizon,
        )
    for discipline in data.discipline:
        yield (
            EVENT_NEW_DISCIPLINE,
            discipline.uid,
            {
                "uid": discipline.uid,
                "kind": discipline.kind.value,
                "when": discipline.when.isoformat(),
                "subject": discipline.subject,
                "justified": discipline.justified,
            },
            discipline.when < horizon,
        )
    for grade in data.grades:
        yield (
            EVENT_NEW_GRADE,
            grade.uid,
            {
                "uid": grade.uid,
                "subject": grade.subject,
                "value": grade.value,
                "out_of": grade.out_of,
                "when": grade.when.isoformat(),
            },
            grade.when < horizon.date(),
        )
    before = {lesson.uid: lesson for lesson in previous.lessons} if previous else {}
    for lesson in data.lessons:
        earlier = before.get(lesson.uid)
        moved = earlier is not None and _lesson_shape(earlier) != _lesson_shape(lesson)
        attributes: dict[str, Any] = {
            "uid": lesson.uid,
            **_lesson_values(lesson, lesson.teachers, lesson.rooms),
            "note": lesson.note,
        }
        if lesson.status is LessonStatus.CANCELLED:
            yield EVENT_LESSON_CANCELLED, lesson.uid, attributes, lesson.end <= now
            continue
        if lesson.status is not LessonStatus.CHANGED and not moved:
            continue
        # Each version of a changed lesson is news once: a room changed again
        # after a substitution was announced is announced too.
        attributes["previous"] = _previous_values(lesson, earlier if moved else None)
        yield (
            EVENT_LESSON_CHANGED,
            f"{lesson.uid}|{stable_id(*_lesson_shape(lesson))}",
            attributes,
            lesson.end <= now,
        )


def _lesson_shape(lesson: Lesson) -> tuple[object, ...]:
    """What a pupil notices of a lesson: when, what, who and where."""
    return (
        lesson.start,
        lesson.end,
        lesson.subject,
        tuple(sorted(lesson.teachers)),
        tuple(sorted(lesson.rooms)),
    )


def _previous_values(lesson: Lesson, earlier: Lesson | None) -> dict[str, Any]:
    """The lesson as it was: as last polled, else as the portal says it was."""
    if earlier is not None:
        return _lesson_values(earlier, earlier.teachers, earlier.rooms)
    return _lesson_values(
        lesson,
        lesson.original_teachers or lesson.teachers,
        lesson.original_rooms or lesson.rooms,
    )


def _lesson_values(
    lesson: Lesson, teachers: tuple[str, ...], rooms: tuple[str, ...]
) -> dict[str, Any]:
    """A lesson as event data: when, what, who and where."""
    return {
        "subject": lesson.subject,
        "start": lesson.start.isoformat(),
        "end": lesson.end.isoformat(),
        "teachers": list(teachers),
        "rooms": list(rooms),
    }


class SeenStore:
    """The uids that already fired, kept on disk so restarts stay quiet."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the store of one config entry."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.seen"
        )
        self._last_seen: dict[str, str] = {}
        self._seeded: set[str] = set()
        self._dirty = False

    async def async_load(self) -> None:
        """Read what earlier runs saw."""
        stored = await self._store.async_load() or {}
        self._last_seen = dict(stored.get("items", {}))
        self._seeded = set(stored.get("seeded", []))

    def last_seen(self, key: str) -> date | None:
        """The day a key was last marked, None when it never was."""
        day = self._last_seen.get(key)
        return date.fromisoformat(day) if day else None

    def is_seeded(self, student_id: str) -> bool:
        """Whether the pupil's first sync is done."""
        return student_id in self._seeded

    def seed(self, student_id: str) -> None:
        """Note that the pupil's first sync is done."""
        if student_id not in self._seeded:
            self._seeded.add(student_id)
            self._dirty = True

    def mark(self, key: str, today: date) -> bool:
        """Note a key as seen today; True when it was never seen before."""
        is_new = key not in self._last_seen
        if self._last_seen.get(key) != (day := today.isoformat()):
            self._last_seen[key] = day
            self._dirty = True
        return is_new

    def prune(self, today: date) -> None:
        """Forget keys that have not been seen for a long time."""
        oldest = (today - SEEN_RETENTION).isoformat()
        if stale := [key for key, day in self._last_seen.items() if day < oldest]:
            for key in stale:
                del self._last_seen[key]
            self._dirty = True

    async def async_save(self) -> None:
        """Write to disk if anything changed."""
        if self._dirty:
            await self._store.async_save(
                {"items": self._last_seen, "seeded": sorted(self._seeded)}
            )
            self._dirty = False

    async def async_remove(self) -> None:
        """Delete the file."""
        await self._store.async_remove()


class HomeworkDoneStore:
    """Done marks set in Home Assistant, for portals that cannot store them."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the store of one config entry."""
        self._store: Store[dict[str, dict[str, dict[str, Any]]]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.homework_done"
        )
        self._marks: dict[str, dict[str, dict[str, Any]]] = {}

    async def async_load(self) -> None:
        """Read the marks."""
        self._marks = await self._store.async_load() or {}

    def get(self, student_id: str, uid: str) -> bool | None:
        """The local mark of one homework, None when there is none."""
        if mark := self._marks.get(student_id, {}).get(uid):
            return bool(mark["done"])
        return None

    async def async_set(
        self, student_id: str, uid: str, done: bool, today: date
    ) -> None:
        """Set a mark and forget very old ones."""
        marks = self._marks.setdefault(student_id, {})
        marks[uid] = {"done": done, "at": today.isoformat()}
        oldest = (today - DONE_RETENTION).isoformat()
        for pupil_marks in self._marks.values():
            for old in [
                key for key, mark in pupil_marks.items() if mark["at"] < oldest
            ]:
                del pupil_marks[old]
        await self._store.async_save(self._marks)

    async def async_remove(self) -> None:
        """Delete the file."""
        await self._store.async_remove()


class SchoolPortalCoordinator(DataUpdateCoordinator[dict[str, StudentData]]):
    """Polls one portal login for all of its pupils."""

    config_entry: SchoolPortalConfigEntry
    # Set in _async_setup: the school's time zone is loaded off the event
    # loop, and the client and the window need it.
    tz: tzinfo
    client: PortalClient
    window: DateWindow

    def __init__(self, hass: HomeAssistant, entry: SchoolPortalConfigEntry) -> None:
        """Prepare polling and the stores; the client comes in _async_setup."""
        self.scan_interval = timedelta(
            minutes=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=self.scan_interval,
        )
        self.seen = SeenStore(hass, entry.entry_id)
        self.done = HomeworkDoneStore(hass, entry.entry_id)
        self._new_items: list[NewItem] = []
        # What the portal's last "slow down" asked for, in seconds.
        self._retry_after: float | None = None

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What the portal offers."""
        return self.client.capabilities

    async def _async_setup(self) -> None:
        """Build the client, load the stores and log in once."""
        entry = self.config_entry
        self.tz = await school_time_zone(entry)
        try:
            self.client = create_client(
                entry.data[CONF_PORTAL], portal_session(self.hass), entry.data, self.tz
            )
        except SchoolPortalError as err:
            raise ConfigEntryError(
                translation_domain=DOMAIN, translation_key="invalid_config"
            ) from err
        self.window = self._window()
        await self.seen.async_load()
        await self.done.async_load()
        with self._portal_errors():
            await self.client.login()
        # A portal may rotate its token at each login: keep the new
        # one at once, even if the first refresh then fails.
        self._persist_session_state()

    @contextmanager
    def _portal_errors(self) -> Iterator[None]:
        """Translate the client's errors, the one place where that happens."""
        self._retry_after = None
        try:
            yield
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except TwoFactorRequired as err:
            # Retrying cannot help: only the user can answer the challenge,
            # and the reauth flow asks for it.
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="second_factor_required"
            ) from err
        except RateLimited as err:
            self._retry_after = err.retry_after
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="rate_limited"
            ) from err
        except SchoolPortalError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": type(err).__name__},
            ) from err

    def _window(self) -> DateWindow:
        today = dt_util.now(self.tz).date()
        return DateWindow(
            today - timedelta(days=WINDOW_DAYS_BEFORE),
            today + timedelta(days=WINDOW_DAYS_AFTER + 1),
        )

    def _selected_students(self) -> list[Student]:
        account = self.client.account
        students = list(account.students) if account else []
        if wanted := self.config_entry.options.get(CONF_STUDENTS):
            students = [student for student in students if student.id in wanted]
        return students

    def _deselected_students(self) -> set[str]:
        """Pupils the account shows but the options leave out."""
        account = self.client.account
        wanted = self.config_entry.options.get(CONF_STUDENTS)
        if not account or not wanted:
            return set()
        return {student.id for student in account.students} - set(wanted)

    async def _async_update_data(self) -> dict[str, StudentData]:
        """Read every selected pupil, then look for new items."""
        self._new_items = []
        window = self._window()
        try:
            with self._portal_errors():
                if self.client.account is None:
                    await self.client.login()
                data = await self.client.refresh(self._selected_students(), window)
        finally:
            self.update_interval = self._next_interval(self._retry_after)
            # Re-logins inside a refresh rotate tokens too, failed or not.
            self._persist_session_state()

        self.window = window
        self._tend_devices(set(data))
        await self._detect_new_items(data)
        return data

    def _next_interval(self, retry_after: float | None) -> timedelta:
        """Poll less at night and in breaks, never sooner than the portal asked."""
        interval = self.scan_interval
        now = dt_util.now(self.tz)
        if now.time() >= NIGHT_START or now.time() < NIGHT_END:
            interval = max(interval, NIGHT_INTERVAL)
        if self._on_break(now):
            interval = max(interval, BREAK_INTERVAL)
        if retry_after:
            interval = max(interval, timedelta(seconds=retry_after))
        return interval

    def _on_break(self, now: datetime) -> bool:
        """Whether the last refresh shows a holiday today or no lesson ahead."""
        if not self.data:
            return False
        today = now.date()
        if any(
            holiday.start <= today <= holiday.end
            for student_data in self.data.values()
            for holiday in student_data.holidays
        ):
            return True
        # Only a portal that gives a timetable can tell a break by its absence.
        return Capability.TIMETABLE in self.capabilities and not any(
            lesson.end > now
            for student_data in self.data.values()
            for lesson in student_data.lessons
        )

    @callback
    def _persist_session_state(self) -> None:
        """Keep the live session in the entry, so a restart need not log in.

        It sits next to the password (or is the pasted token itself) in Home
        Assistant's config entry storage.
        """
        entry = self.config_entry
        changed = {
            key: value
            for key, value in self.client.session_state.items()
            if entry.data.get(key) != value
        }
        if changed:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, **changed}
            )

    async def _detect_new_items(self, data: dict[str, StudentData]) -> None:
        """Compare with the seen-store; save it before anything fires."""
        now = dt_util.now(self.tz)
        today = now.date()
        fresh: list[NewItem] = []
        announce: list[NewItem] = []
        for student_id, student_data in data.items():
            seeding = not self.seen.is_seeded(student_id)
            previous = self.data.get(student_id) if self.data else None
            for event_type, uid, attributes, past in _notable_items(
                student_data, now, previous
            ):
                first_for_pupil = self.seen.mark(
                    f"{student_id}|{event_type}|{uid}", today
                )
                if seeding or past or not first_for_pupil:
                    continue
                # A parent's inbox shows up under every child: one bus event.
                # (Marked only here: a child being seeded must not swallow it.)
                first_in_account = event_type != EVENT_NEW_MESSAGE or self.seen.mark(
                    f"*|{event_type}|{uid}", today
                )
                item = NewItem(event_type, student_id, uid, attributes)
                fresh.append(item)
                if first_in_account:
                    announce.append(item)
            self.seen.seed(student_id)
        self.seen.prune(today)
        await self.seen.async_save()

        self._new_items = fresh
        for item in announce:
            self.hass.bus.async_fire(
                EVENT_SCHOOL_PORTAL,
                {
                    "type": item.event_type,
                    "entry_id": self.config_entry.entry_id,
                    "student_id": item.student_id,
                    "item": item.attributes,
                },
            )
        if fresh:
            LOGGER.debug("%s new item(s) found", len(fresh))

    @callback
    def take_new_items(self, student_id: str, event_types: list[str]) -> list[NewItem]:
        """Hand the new items of one pupil and kind to the entity that fires them."""
        taken = [
            item
            for item in self._new_items
            if item.student_id == student_id and item.event_type in event_types
        ]
        self._new_items = [item for item in self._new_items if item not in taken]
        return taken

    def device_identifier(self, student_id: str) -> tuple[str, str]:
        """The device registry identifier of a pupil."""
        return (DOMAIN, f"{self.config_entry.unique_id}_{student_id}")

    @callback
    def _tend_devices(self, student_ids: set[str]) -> None:
        """Note when each pupil's device was last seen; drop those long gone.

        A pupil absent from a refresh keeps its device, its entities then
        unavailable, until it has been gone for DEVICE_RETENTION (the day it
        was last seen is kept in the seen-store, so restarts do not reset
        the count). A pupil the user left out of the options goes at once.
        The device is removed, not detached from the entry: since 2026.8 a
        device belongs to one entry, and detaching stops working in 2027.8.
        """
        registry = dr.async_get(self.hass)
        today = dt_util.now(self.tz).date()
        current = {self.device_identifier(student_id) for student_id in student_ids}
        left_out = {
            self.device_identifier(student_id)
            for student_id in self._deselected_students()
        }
        # Keyed by the device's identifier, which a pupil has before its
        # device exists (entities, and so devices, come after a refresh).
        for identifier in current:
            self.seen.mark(f"device|{identifier[1]}", today)
        for device in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            if device.identifiers & current:
                continue
            key = next(
                f"device|{name}"
                for domain, name in device.identifiers
                if domain == DOMAIN
            )
            if (last_seen := self.seen.last_seen(key)) is None:
                # A device made before this was kept: count from today.
                self.seen.mark(key, today)
                last_seen = today
            if device.identifiers & left_out or today - last_seen > DEVICE_RETENTION:
                registry.async_remove_device(device.id)

    def homework_done(self, student_id: str, homework: Homework) -> bool:
        """Whether a homework is done, by the local mark or the portal."""
        if Capability.HOMEWORK_DONE not in self.capabilities:
            local = self.done.get(student_id, homework.uid)
            if local is not None:
                return local
        return bool(homework.done)

    async def async_set_homework_done(
        self, student_id: str, uid: str, done: bool
    ) -> None:
        """Mark a homework done or not: on the portal if it can, else locally."""
        if Capability.HOMEWORK_DONE in self.capabilities:
            try:
                await self.client.set_homework_done(
                    self.data[student_id].student, uid, done
                )
            except SchoolPortalError as err:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="homework_update_failed",
                ) from err
            await self.async_request_refresh()
            return
        await self.done.async_set(student_id, uid, done, dt_util.now(self.tz).date())
        self.async_update_listeners()

    async def async_get_lessons(
        self, student_id: str, start: date, end: date
    ) -> list[Lesson]:
        """Lessons of any range of days: the polled window, else the portal.

        Outside the window the client reads (and caches) the portal the way
        its weeks are laid out; a range is cut to half a year each side, so
        an automation asking for years costs no more than that.
        """
        student_data = self.data.get(student_id)
        if student_data is None:
            return []
        window = self.window
        inside = [
            lesson
            for lesson in student_data.lessons
            if start <= self._day(lesson) < end
            and window.start <= self._day(lesson) < window.end
        ]
        outer_start = max(start, window.start - MAX_READ_AHEAD)
        outer_end = min(end, window.end + MAX_READ_AHEAD)
        if (start >= window.start and end <= window.end) or outer_start >= outer_end:
            return inside
        # One read for both sides of the window: a month view that starts
        # before it and ends after it is one query for portals that take
        # ranges, and the window's own weeks are cached by the refresh.
        try:
            read = await self.client.lessons(
                student_data.student, outer_start, outer_end
            )
        except SchoolPortalError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="lessons_failed",
                translation_placeholders={"error": type(err).__name__},
            ) from err
        return inside + [
            lesson
            for lesson in read
            if not window.start <= self._day(lesson) < window.end
            and start <= self._day(lesson) < end
        ]

    def _day(self, lesson: Lesson) -> date:
        return lesson.start.astimezone(self.tz).date()

    def lessons_on(self, student_id: str, day: date) -> list[Lesson]:
        """The polled lessons of one pupil on one school day, in order."""
        if (student_data := self.data.get(student_id)) is None:
            return []
        return sorted(
            (lesson for lesson in student_data.lessons if self._day(lesson) == day),
            key=lambda lesson: lesson.start,
        )

    def now(self) -> datetime:
        """The time at the school."""
        return dt_util.now(self.tz)
