"""What the bench knows of a portal beyond its declaration: one module each.

A module here sets ``BENCH``, a `PortalBench`: the school's time zone (the
sandbox writes naive local times), how a login shows in the request log, and
the library a user would pick instead, with the reads it makes. Modules are
found by `benches`; a portal without one is benched in UTC, its logins
counted by its client, and is left out of the comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import pkgutil
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from datetime import time as clock_time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from custom_components.school_portal.api import create_client
from custom_components.school_portal.api.models import DateWindow, Student
from scripts.sandbox_logins import settings

DAY_START = clock_time(8, 0)


class Clock:
    """A client's clock, moved on by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def client_for(
    session: aiohttp.ClientSession,
    portal: str,
    config: Mapping[str, Any],
    tz: tzinfo,
    clock: Callable[[], datetime],
) -> Any:
    """A portal's client on the bench's clock (Any: the bench reaches inside)."""
    client: Any = create_client(portal, session, config, tz)
    client._clock = clock
    return client


@dataclass(slots=True)
class Reads:
    """One pupil's refresh as both sides do it: who, when, which days."""

    account: dict[str, Any]
    tz: ZoneInfo
    today: date
    window: DateWindow
    year: tuple[date, date]  # the school year, both days inclusive

    @property
    def clock(self) -> datetime:
        return datetime.combine(self.today, DAY_START, tzinfo=self.tz)

    def client(self, session: aiohttp.ClientSession) -> Any:
        """Our client for this login, its clock at the start of the day."""
        return client_for(
            session,
            self.account["portal"],
            settings(self.account),
            self.tz,
            Clock(self.clock),
        )

    @contextlib.asynccontextmanager
    async def logged_in(
        self, session: aiohttp.ClientSession
    ) -> AsyncIterator[tuple[Any, list[Student]]]:
        """A fresh client, logged in, and its pupils; closed afterwards."""
        client = self.client(session)
        try:
            yield client, list((await client.login()).students)
        finally:
            await client.close()


# A seed library's reads (or ours on its reads only): CPU seconds spent.
Theirs = Callable[[Reads], Awaitable[float]]
OursOnly = Callable[[aiohttp.ClientSession, Reads], Awaitable[float]]


@dataclass(slots=True)
class PortalBench:
    """The bench's facts about one portal; its module's readers decorated in."""

    key: str
    # The school's zone: the client's clock starts at 08:00 there.
    time_zone: str = "UTC"
    # Path fragment of the password login, where it has a path of its own;
    # elsewhere logins are counted by the client's generation, bumped by
    # every login.
    login_path: str | None = None
    # The library a user would pick instead ("name version") and its reads.
    library: str | None = None
    theirs: Theirs | None = None
    # Where the library reads less than our refresh: ours on its reads only.
    same_reads: OursOnly | None = None
    # Why there is no library to compare with, said where the comparison is.
    no_library: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def library_reads(self, reads: Theirs) -> Theirs:
        """Decorator: the library's reads, async on this thread."""
        self.theirs = reads
        return reads

    def library_reads_in_thread(
        self, reads: Callable[[Reads], float]
    ) -> Callable[[Reads], float]:
        """Decorator: a synchronous library's reads, timed in a worker thread."""

        async def run(account: Reads) -> float:
            return await asyncio.to_thread(reads, account)

        self.theirs = run
        return reads

    def ours_on_library_reads(self, reads: OursOnly) -> OursOnly:
        """Decorator: ours making only the reads the library can make."""
        self.same_reads = reads
        return reads


@cache
def benches() -> Mapping[str, PortalBench]:
    """Every portal module of this package's ``BENCH``, by portal key."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        bench: PortalBench = importlib.import_module(f"{__name__}.{module.name}").BENCH
        found[bench.key] = bench
    return found


def bench_of(portal: str) -> PortalBench:
    """A portal's bench facts; the defaults for one without a module."""
    return benches().get(portal) or PortalBench(portal)
