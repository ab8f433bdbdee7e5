"""The contract every portal client fulfils (the registry is in `portal`)."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import Any, ClassVar, Self

import aiohttp

from .errors import AuthenticationError, NotSupported
from .models import Account, Capability, DateWindow, Lesson, Student, StudentData
from .util import DEFAULT_TIMEOUT


class SessionExpired(AuthenticationError):
    """The portal forgot our session; a fresh login may fix it."""


class PortalClient(ABC):
    """One portal login, spoken over an injected aiohttp session."""

    portal: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]

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

    @abstractmethod
    async def fetch(self, student: Student, window: DateWindow) -> StudentData:
        """One refresh of one pupil."""

    async def refresh(
        self, students: Iterable[Student], window: DateWindow
    ) -> dict[str, StudentData]:
        """One refresh of several pupils, keyed by pupil id.

        Portals with account-wide data (one inbox for a parent) override this
        to read that data once.
        """
        return {student.id: await self.fetch(student, window) for student in students}

    @abstractmethod
    async def lessons(self, student: Student, start: date, end: date) -> list[Lesson]:
        """Lessons of any range of days (start inclusive, end exclusive)."""

    async def set_homework_done(self, student: Student, uid: str, done: bool) -> None:
        """Write a homework's done state back to the portal."""
        raise NotSupported(f"{self.portal} cannot store homework status")

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
