"""The contract every portal client fulfils (the registry is in `portal`)."""

from __future__ import annotations

import asyncio
import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import Any, ClassVar, Self

import aiohttp

from .errors import AuthenticationError, NotSupported, SchoolPortalError
from .models import (
    Account,
    Capability,
    DateWindow,
    DisciplineKind,
    Lesson,
    PortalData,
    Student,
    StudentData,
)
from .util import DEFAULT_TIMEOUT

_LOGGER = logging.getLogger(__name__)


class SessionExpired(AuthenticationError):
    """The portal forgot our session; a fresh login may fix it."""


class Cache[K, V]:
    """Answers kept with the time they were read, on the client's clock.

    Entries older than `keep` seconds are dropped whenever one is stored: the
    cache stays small however far a calendar is browsed.
    """

    def __init__(self, clock: Callable[[], float], keep: float = math.inf) -> None:
        """Read ages on `clock` (seconds); drop entries older than `keep`."""
        self._clock = clock
        self._keep = keep
        self._entries: dict[K, tuple[float, V]] = {}

    def __len__(self) -> int:
        """How many answers are kept."""
        return len(self._entries)

    async def read(self, key: K, max_age: float, load: Callable[[], Awaitable[V]]) -> V:
        """The kept answer while younger than `max_age`, else a fresh one."""
        now = self._clock()
        kept = self._entries.get(key)
        if kept is not None and now - kept[0] < max_age:
            return kept[1]
        value = await load()
        self._store(key, value, now)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep an answer read now."""
        self._store(key, value, self._clock())

    def fresh(self, key: K, max_age: float) -> V | None:
        """The kept answer while younger than `max_age`; None otherwise."""
        kept = self._entries.get(key)
        if kept is not None and self._clock() - kept[0] < max_age:
            return kept[1]
        return None

    def peek(self, key: K) -> V | None:
        """The kept answer whatever its age; None when there is none."""
        kept = self._entries.get(key)
        return kept[1] if kept is not None else None

    def clear(self) -> None:
        """Forget every answer."""
        self._entries.clear()

    def _store(self, key: K, value: V, now: float) -> None:
        for old in [
            k
            for k, (read_at, _) in self._entries.items()
            if now - read_at >= self._keep
        ]:
            del self._entries[old]
        self._entries[key] = (now, value)


class PortalClient(ABC):
    """One portal login, spoken over an injected aiohttp session."""

    portal: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    # What a portal may refuse to one login (a resource, a method) without
    # failing a refresh: that part of the refresh stays empty.
    refusals: ClassVar[tuple[type[SchoolPortalError], ...]] = (NotSupported,)
    # The kinds of discipline event the portal can report (SS12000 knows
    # absences and late arrivals only: no remarks, punishments or praise).
    discipline_kinds: ClassVar[frozenset[DisciplineKind]] = frozenset(DisciplineKind)

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        tz: tzinfo,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Keep the shared session, the school's time zone and the timeout."""
        self._session = session
        self._tz = tz
        self._timeout = timeout
        # Injectable so that tests (and the sandbox's fixed school year) agree
        # with the client on what "this week" is.
        self._clock = clock or _utcnow
        self._login_lock = asyncio.Lock()
        # Bumped by every successful login, so that calls which failed on the
        # same dead session share one re-login instead of each doing their own.
        self._generation = 0
        self.account: Account | None = None

    @classmethod
    @abstractmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any], tz: tzinfo
    ) -> Self:
        """Build a client from stored settings (a config entry's data)."""

    def _today(self) -> date:
        """Today in the school's time zone."""
        return self._clock().astimezone(self._tz).date()

    def _seconds(self) -> float:
        """The clock in seconds, for the age of cached data.

        The injected clock, not a monotonic one: so that tests and the bench
        can let hours pass between refreshes.
        """
        return self._clock().timestamp()

    def _cache[K, V](self, keep: float = math.inf) -> Cache[K, V]:
        """A cache whose ages run on `_seconds` (looked up at each read)."""
        return Cache(lambda: self._seconds(), keep)

    @property
    def account_id(self) -> str | None:
        """The account's id: before login where settings alone give it."""
        return self.account.id if self.account else None

    @property
    def can_relogin(self) -> bool:
        """Whether the client holds what a fresh login needs."""
        return True

    @property
    def session_state(self) -> Mapping[str, str]:
        """Session values worth persisting (e.g. a renewed token)."""
        return {}

    async def login(self) -> Account:
        """Log in and return the account with its pupils."""
        account = await self._login()
        self._generation += 1
        self.account = account
        return account

    @abstractmethod
    async def _login(self) -> Account:
        """The portal's own login."""

    async def fetch(self, student: Student, window: DateWindow) -> StudentData:
        """One refresh of one pupil (the account's data is in `refresh`'s answer)."""
        return (await self.refresh([student], window))[student.id]

    @abstractmethod
    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> PortalData:
        """One refresh of several pupils, keyed by pupil id.

        Account-wide data (one inbox for a parent) is read once for them all
        and kept once, in `PortalData.account`.
        """

    async def _optional[T](
        self, what: str, read: Callable[[], Awaitable[T]], empty: T
    ) -> T:
        """A part of the refresh the portal may refuse this login: `empty` then."""
        try:
            return await read()
        except self.refusals:
            _LOGGER.debug("%s refused %s to this login", self.portal, what)
            return empty

    @abstractmethod
    async def lessons(self, student: Student, start: date, end: date) -> list[Lesson]:
        """Lessons of any range of days (start inclusive, end exclusive)."""

    async def set_homework_done(self, student: Student, uid: str, done: bool) -> None:
        """Write a homework's done state back to the portal."""
        raise NotSupported(f"{self.portal} cannot store homework status")

    async def mark_messages_read(self, uids: Collection[str] | None = None) -> int:
        """Mark inbox messages read (those of `uids`, else all); how many were."""
        raise NotSupported(f"{self.portal} cannot mark messages read")

    async def close(self) -> None:
        """Forget the session (the aiohttp session belongs to the caller)."""
        self.account = None

    async def _with_relogin[T](self, call: Callable[[], Awaitable[T]]) -> T:
        """Run a call; when the session expired, log in again once and retry."""
        generation = self._generation
        try:
            return await call()
        except SessionExpired:
            if not self.can_relogin:
                raise
        async with self._login_lock:
            if generation == self._generation:
                await self.login()
        return await call()


def _utcnow() -> datetime:
    return datetime.now(UTC)
