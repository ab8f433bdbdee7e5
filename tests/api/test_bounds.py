"""Every client's caches and seen-stores stay bounded over months of polling.

Each test logs a parent (two children, a full inbox) in against the sandbox
and polls through a term: every third day two refreshes and a calendar month
view per child, the client's clock and the sandbox's today moving together, a
message and homework arriving on those school days. Memory stays flat only if
every dict the client keeps stays within a bound that does not grow with the
days; `scripts/bench --soak` measures the memory itself."""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from custom_components.school_portal.api import create_client
from custom_components.school_portal.api.client import Cache, PortalClient
from custom_components.school_portal.api.models import DateWindow
from custom_components.school_portal.api.pronote.client import HOMEWORK_AHEAD
from custom_components.school_portal.const import (
    WINDOW_DAYS_AFTER,
    WINDOW_DAYS_BEFORE,
)
from sandbox.app import Sandbox
from sandbox.dataset import PARENT_PASSWORD
from sandbox.webuntis import SCHOOL

BUILT = date(2026, 11, 18)  # the dataset's year; the clock then runs from its start
FIRST_DAY = date(2026, 9, 1)
DAYS = 105  # into mid-December: weeks, a break and a change of term
STEP = timedelta(days=3)  # every third day: every weekday comes up in turn
# Eight hours apart: longer than every TTL but the daily ones, so each cache
# both reuses and drops entries.
POLLS = (time(8, 0), time(16, 0))
PUPILS = 2
# Sunday-first weeks a window of 14 days and a six-week month view can touch.
WINDOW_WEEKS = 3
MONTH_WEEKS = 7
WEEKS_IN_REACH = WINDOW_WEEKS + MONTH_WEEKS
ZONES = {
    "webtop": ZoneInfo("Asia/Jerusalem"),
    "webuntis": ZoneInfo("Europe/Berlin"),
    "pronote": ZoneInfo("Europe/Paris"),
}


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=BUILT)


class Clock:
    """The client's clock, moved on by the poll loop."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Polled:
    """The largest size each container reached, and what the refreshes listed."""

    largest: dict[str, int] = field(default_factory=dict)
    homework_listed: int = 0  # the most homework one refresh handed out


def _sizes(client: PortalClient) -> dict[str, int]:
    """Every dict, list, set or cache the client and its wire hold, by name."""
    owners = [("", client), ("_wire.", getattr(client, "_wire", None))]
    return {
        prefix + name: len(value)
        for prefix, owner in owners
        if owner is not None
        for name, value in vars(owner).items()
        if isinstance(value, dict | list | set | Cache)
    }


def _month_view(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    start = first - timedelta(days=(first.weekday() + 1) % 7)
    return start, start + timedelta(days=42)


def _school_day_news(sandbox: Sandbox, day: date) -> None:
    """A message for the parent and homework for each child, on school days."""
    dataset = sandbox.dataset
    if not dataset.is_school_day(day):
        return
    dataset.add_message("levi.parent", subject=f"News of {day}")
    for pupil in dataset.logins["levi.parent"].pupil_ids:
        lessons = dataset.lessons_on(pupil, day)
        if lessons:
            dataset.add_homework(pupil, subject=lessons[0].subject, given=day)


async def poll_a_term(
    client: PortalClient, sandbox: Sandbox, tz: tzinfo, days: int = DAYS
) -> Polled:
    """Poll from the first school day on; the largest size of every container."""
    clock = Clock(datetime.combine(FIRST_DAY, POLLS[0], tzinfo=tz))
    client._clock = clock
    sandbox.dataset.today = FIRST_DAY
    students = list((await client.login()).students)
    assert len(students) == PUPILS
    polled = Polled()
    for step in range(days // STEP.days):
        day = FIRST_DAY + step * STEP
        sandbox.dataset.today = day
        _school_day_news(sandbox, day)
        window = DateWindow(
            day - timedelta(days=WINDOW_DAYS_BEFORE),
            day + timedelta(days=WINDOW_DAYS_AFTER + 1),
        )
        for poll in POLLS:
            clock.now = datetime.combine(day, poll, tzinfo=tz)
            data = await client.refresh(students, window)
            polled.homework_listed = max(
                polled.homework_listed, sum(len(one.homework) for one in data.values())
            )
            for name, size in _sizes(client).items():
                polled.largest[name] = max(polled.largest.get(name, 0), size)
        for student in students:
            await client.lessons(student, *_month_view(day))
        for name, size in _sizes(client).items():
            polled.largest[name] = max(polled.largest.get(name, 0), size)
    return polled


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


type Factory = Callable[[str], PortalClient]


@pytest.fixture
def parent(sandbox_server: TestServer, session: aiohttp.ClientSession) -> Factory:
    """The parent's client of a portal, pointed at the sandbox."""

    def make(portal: str) -> PortalClient:
        config: dict[str, Any] = {
            "username": "levi.parent",
            "password": PARENT_PASSWORD,
        }
        if portal == "webtop":
            config["server"] = str(sandbox_server.make_url("/webtop"))
        elif portal == "webuntis":
            config["server"] = str(sandbox_server.make_url("/webuntis"))
            config["school"] = SCHOOL
        else:
            config["server"] = str(sandbox_server.make_url("/pronote/parent.html"))
        return create_client(portal, session, config, ZONES[portal])

    return make


def _within(polled: Polled, bounds: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The containers that went past their bound: name -> (largest, bound)."""
    return {
        name: (polled.largest.get(name, 0), bound)
        for name, bound in bounds.items()
        if polled.largest.get(name, 0) > bound
    }


# Every container of each client and the most it may hold, whatever the days.
BOUNDS: dict[str, dict[str, int]] = {
    "webtop": {
        # Weeks older than PAST_WEEK_TTL go at the next read: what one day reads.
        "_weeks": PUPILS * WEEKS_IN_REACH,
        "_pupils": PUPILS,
    },
    "webuntis": {
        # One range per pupil for the window and one per month view, dropped
        # after TIMETABLE_TTL.
        "_timetables": PUPILS * 2,
        # One entry per master-data call and its parameters (no dates in them).
        "_master": 12,
        # The app data: one answer, replaced daily.
        "_app_data": 1,
        # Messages and news of the account; exams, absences, register per pupil.
        "_slow": 2 + 3 * PUPILS,
    },
    "pronote": {
        "_weeks": PUPILS * WEEKS_IN_REACH,
        "_pupils": PUPILS,
        # The menus, and each pupil's grades and attendance of each term of
        # the year read so far (the sandbox's year has three terms).
        "_slow": 1 + 2 * PUPILS * 3,
        # Replaced at each login: the shape of one answer, not of the days.
        "_periods": 8,
        "_general": 8,
        "_user": 8,
        "_wire._cookies": 8,
        "_wire.parameters": 8,
    },
}
# Seen-stores whose bound depends on the data: test_pronote_seen_stores_stay_bounded.
DATA_BOUND = {"pronote": {"_homework_numbers"}}


@pytest.mark.parametrize("portal", sorted(BOUNDS))
async def test_caches_stay_bounded(
    parent: Factory, sandbox: Sandbox, portal: str
) -> None:
    polled = await poll_a_term(parent(portal), sandbox, ZONES[portal])
    bounds = BOUNDS[portal]
    assert _within(polled, bounds) == {}
    known = set(bounds) | DATA_BOUND.get(portal, set())
    assert set(polled.largest) <= known, "a container without a bound here"


def _homework_numbers_bound(polled: Polled, sandbox: Sandbox) -> int:
    # Each pupil keeps the numbers of its last read only. A read spans the
    # window and HOMEWORK_AHEAD beyond it, while a refresh hands out about a
    # window's worth: so that many windows' worth of what it hands out.
    window = timedelta(days=WINDOW_DAYS_BEFORE + WINDOW_DAYS_AFTER + 1)
    return math.ceil((window + HOMEWORK_AHEAD) / window) * polled.homework_listed


@pytest.mark.parametrize(
    ("store", "bound_of"),
    [
        pytest.param(
            "_homework_numbers", _homework_numbers_bound, id="homework numbers"
        ),
    ],
)
async def test_pronote_seen_stores_stay_bounded(
    parent: Factory,
    sandbox: Sandbox,
    store: str,
    bound_of: Callable[[Polled, Sandbox], int],
) -> None:
    polled = await poll_a_term(parent("pronote"), sandbox, ZONES["pronote"])
    assert _within(polled, {store: bound_of(polled, sandbox)}) == {}


async def test_cache_keeps_only_what_is_younger_than_its_bound() -> None:
    """`Cache(keep=…)`: every store drops what is older (the bound of `_weeks`)."""
    now = [0.0]
    cache: Cache[int, int] = Cache(lambda: now[0], keep=10.0)
    largest = 0
    for second in range(100):
        now[0] = float(second)

        async def load(second: int = second) -> int:
            return second

        assert await cache.read(second, 0.0, load) == second
        largest = max(largest, len(cache))
    assert largest == 10  # the answers of the last ten seconds, whatever the run
    assert cache.peek(89) is None
    assert cache.peek(90) == 90
