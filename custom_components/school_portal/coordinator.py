"""The data update coordinator of School Portal: one per config entry."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, tzinfo

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
from homeassistant.helpers.update_coordinator import (
    TimestampDataUpdateCoordinator,
    UpdateFailed,
)
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
    PortalData,
    Student,
)
from .const import (
    BREAK_INTERVAL,
    CONF_PORTAL,
    CONF_STUDENTS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    NIGHT_END,
    NIGHT_INTERVAL,
    NIGHT_START,
    WINDOW_DAYS_AFTER,
    WINDOW_DAYS_BEFORE,
)
from .news import NewItem, NewsDesk
from .push import SAFETY_NET_INTERVAL, PushLink
from .stores import HomeworkDoneStore

type SchoolPortalConfigEntry = ConfigEntry[SchoolPortalCoordinator]

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


def _failure[E: HomeAssistantError](
    kind: type[E], key: str, err: SchoolPortalError
) -> E:
    """A translated error that names the kind of portal error behind it."""
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": type(err).__name__},
    )


class SchoolPortalCoordinator(TimestampDataUpdateCoordinator[PortalData]):
    """Polls one portal login for all of its pupils.

    Timestamped: the last-update sensor and the refresh action read when
    the portal last answered.
    """

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
        self.news = NewsDesk(hass, entry.entry_id)
        # Also where each pupil's device was last seen.
        self.seen = self.news.seen
        self.done = HomeworkDoneStore(hass, entry.entry_id)
        # What the portal's last "slow down" asked for, in seconds.
        self._retry_after: float | None = None
        # Set up after the first refresh, for a client that can push.
        self.push: PushLink | None = None

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
        await self.news.async_load()
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
            raise _failure(UpdateFailed, "communication_error", err) from err

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

    async def _async_update_data(self) -> PortalData:
        """Read every selected pupil, then look for new items."""
        self.news.forget()
        window = self._window()
        if self.push:
            self.push.before_refresh()
        data: PortalData | None = None
        try:
            with self._portal_errors():
                if self.client.account is None:
                    await self.client.login()
                data = await self.client.refresh(self._selected_students(), window)
        finally:
            self.update_interval = self._next_interval(
                self._retry_after, failed=data is None
            )
            # Re-logins inside a refresh rotate tokens too, failed or not.
            self._persist_session_state()

        self.window = window
        self._tend_devices(set(data))
        await self.news.async_publish(data, self.data, dt_util.now(self.tz))
        return data

    def _next_interval(
        self, retry_after: float | None, *, failed: bool = False
    ) -> timedelta:
        """Poll less at night and in breaks, never sooner than the portal asked.

        While push is live the timer is a safety net; a failed read is still
        retried at the normal interval.
        """
        interval = self.scan_interval
        if self.push and self.push.live and not failed:
            interval = max(interval, SAFETY_NET_INTERVAL)
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

    @callback
    def take_new_items(self, student_id: str, event_types: list[str]) -> list[NewItem]:
        """Hand the new items of one pupil and kind to the entity that fires them."""
        return self.news.take(student_id, event_types)

    def device_identifier(self, student_id: str) -> tuple[str, str]:
        """The device registry identifier of a pupil."""
        return (DOMAIN, f"{self.config_entry.unique_id}_{student_id}")

    @property
    def account_identifier(self) -> tuple[str, str]:
        """The device registry identifier of the login itself (no pupil's)."""
        return (DOMAIN, f"{self.config_entry.unique_id}")

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
            # The login's own device stays as long as the entry.
            if device.identifiers & (current | {self.account_identifier}):
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
            raise _failure(HomeAssistantError, "lessons_failed", err) from err
        return inside + [
            lesson
            for lesson in read
            if not window.start <= self._day(lesson) < window.end
            and start <= self._day(lesson) < end
        ]

    def _day(self, lesson: Lesson) -> date:
        return lesson.start.astimezone(self.tz).date()

    def now(self) -> datetime:
        """The time at the school."""
        return dt_util.now(self.tz)
