"""Measure what each portal client costs against the local sandbox.

For every implemented portal and every sandbox login: requests and logins of
setup (login + first refresh), of a steady-state refresh, of one calendar
month view, plus CPU time and memory. Requests are counted by the sandbox's
request log, so they are what the portal would see.

Steady state is a school day as Home Assistant polls it: the client's clock
starts at 08:00 in the school's zone and moves on by the default update
interval before each refresh, so caches age and tokens expire as they would.

The sandbox runs in a background thread of this process: the client's CPU is
measured with the main thread's clock (``time.thread_time``), and the rest of
the process's CPU (the sandbox thread, mostly) is reported apart. Peak RSS is
the whole process: Python, aiohttp, Home Assistant's package (imported with
the integration), the sandbox and its dataset.

Three costs more: CPU against the library a user would pick instead
(the same reads, ``--runs`` times; each portal's module in
``scripts/bench_portals`` names its library), the longest stretch a parent's refresh holds the event loop without
yielding, and the memory a parent's client keeps over a school year of
refreshes (``--soak N``; 10,000 for the long run). Slices, profiles
(``--profile``) and the soak run against a sandbox in a process of its own.

Run: ``scripts/bench`` or ``scripts/bench --json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import inspect
import json
import multiprocessing
import os
import pstats
import resource
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from aiohttp.abc import ResolveResult
from aiohttp.tracing import Trace
from homeassistant.helpers.json import json_dumps

from custom_components.school_portal.api import PORTALS
from custom_components.school_portal.api.errors import SchoolPortalError
from custom_components.school_portal.api.models import DateWindow, Student
from custom_components.school_portal.const import (
    DEFAULT_SCAN_INTERVAL,
    WINDOW_DAYS_AFTER,
    WINDOW_DAYS_BEFORE,
)
from sandbox.app import HOST, Sandbox, create_app, run_in_thread
from scripts.bench_portals import (
    DAY_START,
    Clock,
    PortalBench,
    Reads,
    bench_of,
    benches,
    client_for,
)
from scripts.sandbox_logins import login_method, settings

MONTH_VIEW_DAYS = 42  # HA's month view shows six weeks
POLL = timedelta(minutes=DEFAULT_SCAN_INTERVAL)


@dataclass(slots=True)
class Result:
    """The measurements of one login."""

    portal: str
    account: str
    kind: str
    pupils: int
    setup_requests: int
    setup_logins: int
    requests_per_refresh: float
    requests_per_refresh_per_pupil: float
    logins_per_refresh: float
    month_view_requests: int
    month_view_cold_requests: int
    restart_requests: int
    restart_logins: int
    client_cpu_ms_per_refresh_per_pupil: float
    sandbox_cpu_ms_per_refresh_per_pupil: float
    setup_seconds: float
    refresh_ms: float


class LocalOnlyConnector(aiohttp.TCPConnector):
    """A connector that opens connections to the sandbox's host only.

    The check runs once per new connection, not per request: a trace config
    (the guard before) cost our client about 0.8 ms of a refresh's
    12, a cost the seed libraries, with their own HTTP stacks, did not pay.
    """

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Trace] | None = None
    ) -> list[ResolveResult]:
        if host != HOST:
            raise RuntimeError(f"bench refused a request to {host}")
        return await super()._resolve_host(host, port, traces=traces)


def local_session() -> aiohttp.ClientSession:
    """A session that refuses any request that would leave this machine.

    Otherwise the session Home Assistant gives the clients (the coordinator's
    ``portal_session``): its JSON encoder, orjson, and no cookie jar. With
    aiohttp's defaults every JSON body of ours went through the standard
    library's encoder and every answer through a cookie jar, a cost no
    user's Home Assistant pays.
    """
    return aiohttp.ClientSession(
        connector=LocalOnlyConnector(),
        json_serialize=json_dumps,
        cookie_jar=aiohttp.DummyCookieJar(),
    )


def _window(today: date) -> DateWindow:
    """The coordinator's polling window."""
    return DateWindow(
        today - timedelta(days=WINDOW_DAYS_BEFORE),
        today + timedelta(days=WINDOW_DAYS_AFTER + 1),
    )


def _month_view(today: date) -> tuple[date, date]:
    """The six weeks a calendar month view of this month asks for."""
    first = today.replace(day=1)
    start = first - timedelta(days=(first.weekday() + 1) % 7)  # back to Sunday
    return start, start + timedelta(days=MONTH_VIEW_DAYS)


async def bench_account(
    sandbox: Sandbox,
    session: aiohttp.ClientSession,
    account: dict[str, Any],
    refreshes: int,
) -> Result:
    """Log in, refresh, read a month view; count what it cost."""
    portal = account["portal"]
    if urlsplit(account["base_url"]).hostname != HOST:
        raise RuntimeError("the sandbox must be served on 127.0.0.1")
    bench = bench_of(portal)
    config = settings(account)
    today = sandbox.dataset.today
    now = Clock(datetime.combine(today, DAY_START, tzinfo=bench.tz))

    def make_client(config: dict[str, Any]) -> Any:
        return client_for(session, portal, config, bench.tz, now)

    client = make_client(config)
    log = sandbox.log

    def logins(logged: Any, generation_before: int) -> int:
        if bench.login_path:
            return sum(1 for entry in log.entries if bench.login_path in entry.path)
        return int(logged._generation) - generation_before

    window = _window(today)
    try:
        log.clear()
        started = time.perf_counter()
        found = await client.login()
        students: list[Student] = list(found.students)
        await client.refresh(students, window)
        setup_seconds = time.perf_counter() - started
        setup_requests, setup_logins = len(log.entries), logins(client, 0)
        generation = client._generation

        log.clear()
        wall, cpu, process = (
            time.perf_counter(),
            time.thread_time(),
            time.process_time(),
        )
        for _ in range(refreshes):
            now.now += POLL
            await client.refresh(students, window)
        thread_cpu = time.thread_time() - cpu
        other_cpu = time.process_time() - process - thread_cpu
        wall = time.perf_counter() - wall
        steady_requests = len(log.entries)
        steady_logins = logins(client, generation)

        # Warm: right after the refreshes, as Home Assistant asks for it.
        log.clear()
        start, end = _month_view(today)
        await client.lessons(students[0], start, end)
        month_requests = len(log.entries)
        kept_session = dict(client.session_state)
    finally:
        await client.close()

    # Restart: Home Assistant starts again with the session the entry kept.
    restarted = make_client({**config, **kept_session})
    try:
        log.clear()
        await restarted.refresh(list((await restarted.login()).students), window)
        restart_requests = len(log.entries)
        restart_logins = logins(restarted, 0)
    finally:
        await restarted.close()

    # Cold: a fresh client's first calendar read, its login not counted.
    cold = make_client(config)
    try:
        cold_students = list((await cold.login()).students)
        log.clear()
        await cold.lessons(cold_students[0], start, end)
        month_cold_requests = len(log.entries)
    finally:
        await cold.close()

    per = refreshes * max(len(students), 1)
    return Result(
        portal=portal,
        account=account["username"],
        kind=account.get("kind", ""),
        pupils=len(students),
        setup_requests=setup_requests,
        setup_logins=setup_logins,
        requests_per_refresh=steady_requests / refreshes,
        requests_per_refresh_per_pupil=steady_requests / per,
        logins_per_refresh=steady_logins / refreshes,
        month_view_requests=month_requests,
        month_view_cold_requests=month_cold_requests,
        restart_requests=restart_requests,
        restart_logins=restart_logins,
        client_cpu_ms_per_refresh_per_pupil=1000 * thread_cpu / per,
        sandbox_cpu_ms_per_refresh_per_pupil=1000 * max(other_cpu, 0.0) / per,
        setup_seconds=setup_seconds,
        refresh_ms=1000 * wall / refreshes,
    )


@dataclass(slots=True)
class World:
    """What the bench knows of a running sandbox: its logins and its school year."""

    accounts: list[dict[str, Any]]
    today: date
    year_start: date
    year_end: date

    @classmethod
    def of(cls, sandbox: Sandbox, base_url: str) -> World:
        dataset = sandbox.dataset
        return cls(
            sandbox.accounts(base_url),
            dataset.today,
            dataset.year_start,
            dataset.year_end,
        )

    def logins(self, username: str | None = None) -> list[dict[str, Any]]:
        """The logins of declared portals the bench can log in with (or one user's)."""
        return [
            account
            for account in self.accounts
            if login_method(account) is not None
            and username in (None, account["username"])
        ]


# --- CPU against the seed libraries -------------------------------------------

VERSUS_PUPIL = "dana.cohen"
DEFAULT_RUNS = 5


def _compared(world: World) -> list[tuple[PortalBench, Reads]]:
    """Each portal with a seed library, and its pupil's reads."""
    return [
        (bench, _reads(world, account))
        for account in world.logins(VERSUS_PUPIL)
        if (bench := bench_of(account["portal"])).theirs is not None
    ]


def _reads(world: World, account: dict[str, Any]) -> Reads:
    return Reads(
        account,
        bench_of(account["portal"]).tz,
        world.today,
        _window(world.today),
        (world.year_start, world.year_end),
    )


async def _ours_cold(
    session: aiohttp.ClientSession,
    reads: Reads,
    profile: cProfile.Profile | None = None,
) -> float:
    """CPU seconds of a fresh, logged-in client's first refresh (login not counted)."""
    async with reads.logged_in(session) as (client, students):
        cpu = time.thread_time()
        with profile or contextlib.nullcontext():
            await client.refresh(students, reads.window)
        return time.thread_time() - cpu


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


async def compare_seed_libraries(
    world: World, session: aiohttp.ClientSession, runs: int
) -> dict[str, dict[str, Any]]:
    """Client CPU of one pupil's refresh, ours against each seed library's.

    Every run builds a fresh, logged-in client on both sides (logins are not
    counted) and makes one refresh's reads: ours with empty caches, theirs
    with the library's. Runs alternate ours and theirs, so that both see the
    same machine; the ratio is taken run by run.
    """
    versus: dict[str, dict[str, Any]] = {}
    for bench, reads in _compared(world):
        assert bench.theirs is not None
        ours: list[float] = []
        theirs: list[float] = []
        same: list[float] = []
        for _ in range(runs):
            ours.append(await _ours_cold(session, reads))
            theirs.append(await bench.theirs(reads))
            if bench.same_reads is not None:
                same.append(await bench.same_reads(session, reads))
        versus[bench.key] = row = {
            "library": bench.library,
            "account": VERSUS_PUPIL,
            "runs": runs,
            "ours_cold_ms": _spread([1000 * value for value in ours]),
            "theirs_ms": _spread([1000 * value for value in theirs]),
            "ratio_cold": _spread([a / b for a, b in zip(ours, theirs, strict=True)]),
        }
        if same:
            row["ours_same_reads_ms"] = _spread([1000 * x for x in same])
            row["ratio_same_reads"] = _spread(
                [a / b for a, b in zip(same, theirs, strict=True)]
            )
    return versus


# --- Where our refresh's time goes --------------------------------------------------


def _parsing_files() -> tuple[str, ...]:
    """Where our parsing lives: shared modules, and each one-file portal module."""
    single = {Path(inspect.getfile(info.client)).name for info in PORTALS.values()}
    return ("parse.py", *sorted(single - {"client.py"}), "util.py", "models.py")


# Buckets of a profile, by where a function lives: first match wins.
PROFILE_BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("crypto", ("cryptography", "hashlib", "zlib", "_hashlib", "crypto.py", "hmac")),
    ("json", ("json",)),
    ("datetime", ("zoneinfo", "datetime", "_strptime", "time.strptime")),
    ("regex", ("/re/", "_sre", "re.Pattern", "method 'sub'", "'match'", "'search'")),
    ("aiohttp", ("aiohttp", "yarl", "multidict", "propcache", "aiosignal")),
    ("asyncio", ("asyncio", "selectors", "socket", "select.")),
    ("logging", ("logging",)),
    ("parsing (ours)", _parsing_files()),
    ("client (ours)", ("school_portal",)),
)


def _bucket(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    for name, needles in PROFILE_BUCKETS:
        if any(needle in where for needle in needles):
            return name
    return "other"


def _profile_summary(profile: cProfile.Profile, calls: int) -> dict[str, Any]:
    stats = pstats.Stats(profile)
    rows = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in rows.values()) or 1e-9
    buckets: dict[str, float] = {}
    for (filename, _line, function), row in rows.items():
        name = _bucket(filename, function)
        buckets[name] = buckets.get(name, 0.0) + row[2]
    top = sorted(rows.items(), key=lambda item: item[1][2], reverse=True)[:12]
    return {
        "ms_per_refresh": round(1000 * total / calls, 2),
        "share": {
            name: round(value / total, 3)
            for name, value in sorted(buckets.items(), key=lambda item: -item[1])
        },
        "top_self_time": [
            {
                "function": f"{filename.rsplit('site-packages/', 1)[-1].rsplit('school_portal/', 1)[-1]}"
                f":{line}:{function}",
                "ms_per_refresh": round(1000 * row[2] / calls, 3),
                "cumulative_ms_per_refresh": round(1000 * row[3] / calls, 3),
                "calls_per_refresh": round(row[1] / calls, 1),
            }
            for (filename, line, function), row in top
        ],
    }


async def profile_refreshes(
    world: World, session: aiohttp.ClientSession, runs: int
) -> dict[str, dict[str, Any]]:
    """cProfile of our cold refresh (the comparison's) and of steady refreshes.

    Timed by this thread's CPU clock: waiting for the sandbox is not counted.

    Self time per bucket (ours, json, crypto, datetime, aiohttp, asyncio …);
    the sandbox's thread is not profiled (cProfile follows this thread only).
    """
    found: dict[str, dict[str, Any]] = {}
    for bench, reads in _compared(world):
        cold = cProfile.Profile(time.thread_time)
        for _ in range(runs):
            await _ours_cold(session, reads, cold)
        steady = cProfile.Profile(time.thread_time)
        steady_refreshes = 16
        async with reads.logged_in(session) as (client, students):
            await client.refresh(students, reads.window)
            for _ in range(steady_refreshes):
                client._clock.now += POLL
                with steady:
                    await client.refresh(students, reads.window)
        found[bench.key] = {
            "cold": _profile_summary(cold, runs),
            "steady": _profile_summary(steady, steady_refreshes),
        }
    return found


# --- Event-loop slices ------------------------------------------------------------

SLICE_PARENT = "levi.parent"  # two children and a full inbox
SLICE_TOP = 5


# Frames that only carry a request: a slice is named by the code around them.
TRANSPORT = frozenset(
    {
        "http_request",
        "_with_relogin",
        "_exchange",
        "_post",
        "_call",
        "attempt",
        "call",
        "_rpc",
        "_rest",
        "_bearer",
        "_ensure_token",
        "_optional",
        "_slowly",
        "read",
    }
)


def _our_frames(task: asyncio.Task[Any] | None) -> str:
    """Where a task stands in our code: its innermost await that is not transport."""
    where = "-"
    coro: Any = task.get_coro() if task is not None else None
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if (
            frame is not None
            and "custom_components" in frame.f_code.co_filename
            and frame.f_code.co_name not in TRANSPORT
        ):
            module = frame.f_code.co_filename.rsplit("school_portal/api/", 1)[-1]
            where = f"{module}:{frame.f_code.co_qualname}:{frame.f_lineno}"
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return where


class SliceProbe:
    """Time every callback the event loop runs: each one is a slice without a yield.

    The loop runs a task from one await to the next as one callback, so the
    longest callback is the longest time Home Assistant's loop could not
    serve anything else. Measured with this thread's CPU clock, which the
    sandbox's thread (competing for the GIL) does not inflate; wall time is
    kept too. For the longest slices it notes where the task resumed and
    where it stopped in our code.
    """

    def __init__(self) -> None:
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.own: list[float] = []  # CPU less the garbage collections inside
        self.top: list[tuple[float, float, float, str]] = []
        self.collections: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._original = asyncio.events.Handle._run
        self._thread = threading.get_ident()
        self._gc_started = 0.0
        self._gc_in_slice = 0.0

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        """Time each collection this thread runs (Python calls back around it)."""
        if threading.get_ident() != self._thread:
            return
        if phase == "start":
            self._gc_started = time.thread_time()
            return
        spent = time.thread_time() - self._gc_started
        self.collections[info["generation"]].append(spent)
        self._gc_in_slice += spent

    def __enter__(self) -> SliceProbe:
        probe, original = self, self._original

        def timed(handle: asyncio.events.Handle) -> None:
            if threading.get_ident() != probe._thread:
                original(handle)  # the sandbox's loop, in its own thread
                return
            owner = getattr(handle._callback, "__self__", None)  # type: ignore[attr-defined]
            task = owner if isinstance(owner, asyncio.Task) else None
            resumed = _our_frames(task)
            probe._gc_in_slice = 0.0
            wall, cpu = time.perf_counter(), time.thread_time()
            original(handle)
            cpu = time.thread_time() - cpu
            wall = time.perf_counter() - wall
            collected = probe._gc_in_slice
            probe.cpu.append(cpu)
            probe.wall.append(wall)
            probe.own.append(max(cpu - collected, 0.0))
            if len(probe.top) < SLICE_TOP or cpu > probe.top[-1][0]:
                stopped = _our_frames(task)
                probe.top.append((cpu, wall, collected, f"from {resumed} to {stopped}"))
                probe.top.sort(key=lambda item: item[0], reverse=True)
                del probe.top[SLICE_TOP:]

        asyncio.events.Handle._run = timed  # type: ignore[method-assign,assignment]
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]
        gc.callbacks.remove(self._on_gc)

    def summary(self) -> dict[str, Any]:
        """The slices' spread, and the collections that ran inside them.

        A slice holding a full collection (generation 2) is as long for the
        loop as any other, but its length is the whole process's heap (Home
        Assistant's, in a real instance), not the code that happened to
        allocate the object that set it off: ``max_own_cpu_ms`` is the
        longest slice less the collections inside it.
        """
        cpu = sorted(self.cpu)
        return {
            "callbacks": len(cpu),
            "max_cpu_ms": round(1000 * cpu[-1], 2) if cpu else 0.0,
            "max_own_cpu_ms": round(1000 * max(self.own), 2) if self.own else 0.0,
            "p99_cpu_ms": round(1000 * cpu[int(0.99 * (len(cpu) - 1))], 2)
            if cpu
            else 0.0,
            "max_wall_ms": round(1000 * max(self.wall), 2) if self.wall else 0.0,
            "over_5ms": sum(1 for value in cpu if value > 0.005),
            "collections": {
                f"generation_{generation}": {
                    "count": len(spent),
                    "max_cpu_ms": round(1000 * max(spent), 2) if spent else 0.0,
                }
                for generation, spent in self.collections.items()
            },
            "longest": [
                {
                    "cpu_ms": round(1000 * c, 2),
                    "wall_ms": round(1000 * w, 2),
                    "gc_cpu_ms": round(1000 * g, 2),
                    "code": s,
                }
                for c, w, g, s in self.top
            ],
        }


async def measure_slices(
    world: World, session: aiohttp.ClientSession, refreshes: int
) -> dict[str, dict[str, Any]]:
    """The longest slice of a parent's login, first refresh and steady refreshes."""
    found: dict[str, dict[str, Any]] = {}
    for account in world.logins(SLICE_PARENT):
        reads = _reads(world, account)
        window = reads.window
        client = reads.client(session)
        now = client._clock
        phases: dict[str, Any] = {}
        try:
            with SliceProbe() as probe:
                students = list((await client.login()).students)
            phases["login"] = probe.summary()
            with SliceProbe() as probe:
                await client.refresh(students, window)
            phases["first_refresh"] = probe.summary()
            with SliceProbe() as probe:
                for _ in range(refreshes):
                    now.now += POLL
                    await client.refresh(students, window)
            phases["steady_refreshes"] = probe.summary()
            with SliceProbe() as probe:
                await client.lessons(students[0], *_month_view(reads.today))
            phases["month_view"] = probe.summary()
        finally:
            await client.close()
        found[account["portal"]] = {
            "account": SLICE_PARENT,
            "pupils": len(students),
            **phases,
        }
    return found


# --- Memory over months of polling ------------------------------------------------

SOAK_DEFAULT = 300
SOAK_SAMPLES = 10
MONTH_VIEW_EVERY = 10  # a calendar month view every this many refreshes
INBOX_SIZE = 120  # the sandbox's inboxes hold this many; older ones are dropped
UNREAD_NEWEST = 8  # the newest few stay unread, the rest become read
FAMILY_PUPILS = ("p1001", "p1002", "p1003")


def _next_school_day(sandbox: Sandbox, day_text: str) -> int:
    """Move the sandbox's today on; the day's news: a message each, homework, a change.

    Runs in the sandbox's process, on its loop (no request is being served).
    Answers the requests the portals saw since the last call.
    """
    dataset = sandbox.dataset
    day = date.fromisoformat(day_text)
    dataset.today = day
    if dataset.is_school_day(day):
        for username in dataset.logins:
            dataset.add_message(
                username, subject=f"News of {day}", sender="Hana Shamir"
            )
            inbox = dataset._messages[username]
            del inbox[INBOX_SIZE:]  # old messages leave the inbox
            for message in inbox[UNREAD_NEWEST:]:
                message.read = True
        for index, pupil in enumerate(FAMILY_PUPILS):
            lessons = dataset.lessons_on(pupil, day)
            if lessons:
                subject = lessons[(day.toordinal() + index) % len(lessons)].subject
                dataset.add_homework(pupil, subject=subject, description=f"Work {day}")
                # A lesson of the day is cancelled now and then.
                if (day.toordinal() + index) % 5 == 0:
                    lessons[-1].cancelled = True
    seen = len(sandbox.log.entries)
    sandbox.log.clear()
    return seen


def _sandbox_process(connection: Connection, today: str | None) -> None:
    """A sandbox in a process of its own: the bench's memory is the client's only."""
    asyncio.run(_serve_sandbox(connection, today))


async def _serve_sandbox(connection: Connection, today: str | None) -> None:
    sandbox = Sandbox(today=date.fromisoformat(today) if today else None)
    runner = web.AppRunner(create_app(sandbox), shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    base_url = f"http://{HOST}:{runner.addresses[0][1]}"
    connection.send(World.of(sandbox, base_url))
    done = asyncio.Event()

    def on_command() -> None:
        try:
            day = connection.recv()
        except EOFError:  # the bench is gone: so is its sandbox
            day = None
        if day is None:
            done.set()
            return
        connection.send(_next_school_day(sandbox, day))

    loop = asyncio.get_running_loop()
    loop.add_reader(connection.fileno(), on_command)
    await done.wait()
    loop.remove_reader(connection.fileno())
    await runner.cleanup()


class SandboxProcess:
    """The sandbox served by a child process, its clock moved by the bench."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_sandbox_process, args=(child, None), daemon=True
        )
        self._process.start()
        self.world: World = self._connection.recv()

    def move_to(self, day: date) -> int:
        """Set the sandbox's today; the requests it saw since the last move."""
        self._connection.send(day.isoformat())
        requests: int = self._connection.recv()
        return requests

    def stop(self) -> None:
        self._connection.send(None)
        self._process.join(10)


def _rss_mib() -> float:
    """The process's resident memory now (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _container_sizes(client: Any) -> dict[str, int]:
    """The length of every dict, list or set a client (and its wire) holds."""
    sizes = {}
    for owner, prefix in ((client, ""), (getattr(client, "_wire", None), "_wire.")):
        for name, value in (vars(owner) if owner is not None else {}).items():
            if isinstance(value, dict | list | set):
                sizes[prefix + name] = len(value)
    return sizes


def _sample(done: int, started: float) -> dict[str, Any]:
    gc.collect()
    traced, _ = tracemalloc.get_traced_memory()
    return {
        "refreshes": done,
        "traced_mib": round(traced / 2**20, 3),
        "rss_mib": round(_rss_mib(), 2),
        "tracemalloc_own_mib": round(tracemalloc.get_tracemalloc_memory() / 2**20, 2),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _top_growth(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot
) -> list[dict[str, Any]]:
    ignored = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, __file__),
    ]
    stats = after.filter_traces(ignored).compare_to(
        before.filter_traces(ignored), "lineno"
    )
    return [
        {
            "where": f"{stat.traceback[0].filename.rsplit('site-packages/', 1)[-1]}"
            f":{stat.traceback[0].lineno}",
            "kib": round(stat.size_diff / 1024, 1),
            "blocks": stat.count_diff,
        }
        for stat in sorted(stats, key=lambda stat: stat.size_diff, reverse=True)[:5]
    ]


async def soak_portal(
    sandbox: SandboxProcess,
    session: aiohttp.ClientSession,
    account: dict[str, Any],
    refreshes: int,
) -> dict[str, Any]:
    """Refresh a parent's login through the school year; what memory it keeps.

    The client's clock runs from the first school day to the last in equal
    steps (at least the update interval), the sandbox's today with it: each
    school day brings a message per inbox (the oldest leave, older ones become
    read), homework per pupil and now and then a cancelled lesson; the
    polling window moves with the clock, lessons come and go. Every tenth
    refresh also reads a month view for the calendar. Growth is counted from
    the end of the warm-up (the first tenth) to the end.
    """
    portal = account["portal"]
    tz = bench_of(portal).tz
    first_day, last_day = sandbox.world.year_start, sandbox.world.year_end
    year = datetime.combine(last_day, DAY_START) - datetime.combine(
        first_day, DAY_START
    )
    step = max(POLL, year / refreshes)
    now = Clock(datetime.combine(first_day, DAY_START, tzinfo=tz))
    sandbox.move_to(now.now.date())
    every = max(refreshes // SOAK_SAMPLES, 1)
    requests = errors = 0
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    client = client_for(session, portal, settings(account), tz, now)
    try:
        students = list((await client.login()).students)
        samples = [_sample(0, started)]
        warm = samples[0]
        warm_snapshot = tracemalloc.take_snapshot()
        warm_sizes = _container_sizes(client)
        for done in range(1, refreshes + 1):
            day = now.now.date()
            now.now += step
            if now.now.date() != day:
                requests += sandbox.move_to(now.now.date())
            today = now.now.date()
            try:
                await client.refresh(students, _window(today))
                if done % MONTH_VIEW_EVERY == 0:
                    await client.lessons(students[-1], *_month_view(today))
            except SchoolPortalError:
                errors += 1
            if done % every == 0 or done == refreshes:
                samples.append(_sample(done, started))
                print(json.dumps({portal: samples[-1]}), file=sys.stderr, flush=True)
                if done == every:
                    warm, warm_snapshot = samples[-1], tracemalloc.take_snapshot()
                    warm_sizes = _container_sizes(client)
        end_snapshot = tracemalloc.take_snapshot()
        sizes = _container_sizes(client)
    finally:
        await client.close()
        tracemalloc.stop()
    requests += sandbox.move_to(now.now.date())
    last = samples[-1]
    return {
        "account": account["username"],
        "refreshes": refreshes,
        "clock_step_minutes": round(step.total_seconds() / 60, 1),
        "days": (now.now.date() - first_day).days,
        "errors": errors,
        "requests_per_refresh": round(requests / refreshes, 2),
        "refreshes_per_second": round(refreshes / (last["seconds"] or 1), 1),
        "warm_up_refreshes": warm["refreshes"],
        "traced_growth_mib": round(last["traced_mib"] - warm["traced_mib"], 3),
        "rss_growth_mib": round(
            (last["rss_mib"] - last["tracemalloc_own_mib"])
            - (warm["rss_mib"] - warm["tracemalloc_own_mib"]),
            2,
        ),
        "top_growth": _top_growth(warm_snapshot, end_snapshot),
        "containers_after_warm_up": warm_sizes,
        "containers_at_end": sizes,
        "samples": samples,
    }


async def soak(
    sandbox: SandboxProcess,
    session: aiohttp.ClientSession,
    refreshes: int,
    portals: tuple[str, ...] = (),
) -> dict[str, dict[str, Any]]:
    """Soak each portal's parent login (this moves the sandbox's today on)."""
    return {
        account["portal"]: await soak_portal(sandbox, session, account, refreshes)
        for account in sandbox.world.logins(SLICE_PARENT)
        if not portals or account["portal"] in portals
    }


@dataclass(slots=True)
class Options:
    """What to run, from the command line."""

    refreshes: int = 16
    runs: int = DEFAULT_RUNS
    soak: int = SOAK_DEFAULT
    soak_portals: tuple[str, ...] = ()  # empty: every portal
    profile: bool = False


async def run(options: Options) -> dict[str, Any]:
    """Bench every implemented portal: requests, CPU, slices and memory.

    Requests and the seed libraries' comparison run against a sandbox in a
    thread of this process (its CPU is reported apart); slices, profiles and
    the soak against one in a process of its own, so that its work neither
    holds this process's GIL nor counts in its memory.
    """
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # CPU times on a shared machine depend on how busy it is: say so.
    load_before = os.getloadavg()
    sandbox = Sandbox()
    base_url, stop = run_in_thread(sandbox)
    results: list[Result] = []
    try:
        async with local_session() as session:
            world = World.of(sandbox, base_url)
            for account in world.logins():
                results.append(
                    await bench_account(sandbox, session, account, options.refreshes)
                )
            versus = await compare_seed_libraries(world, session, options.runs)
    finally:
        stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    steady = {
        (result.portal, result.account): result.client_cpu_ms_per_refresh_per_pupil
        for result in results
    }
    for portal, row in versus.items():
        row["ours_steady_ms"] = round(steady[portal, VERSUS_PUPIL], 2)
        row["ratio_steady"] = round(
            steady[portal, VERSUS_PUPIL] / row["theirs_ms"]["median"], 3
        )

    apart = SandboxProcess()
    profiles: dict[str, Any] = {}
    try:
        async with local_session() as session:
            slices = await measure_slices(apart.world, session, options.refreshes)
            if options.profile:
                profiles = await profile_refreshes(apart.world, session, options.runs)
            memory = (
                await soak(apart, session, options.soak, options.soak_portals)
                if options.soak
                else {}
            )
    finally:
        apart.stop()
    return {
        "refreshes": options.refreshes,
        "portals": sorted(PORTALS),
        "results": [
            {
                key: round(value, 3) if isinstance(value, float) else value
                for key, value in asdict(result).items()
            }
            for result in results
        ],
        "versus_seed_libraries": versus,
        "event_loop_slices": slices,
        "soak": memory,
        "profiles": profiles,
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_rss_before_bench_mib": round(rss_before / 1024, 1),
        "python": sys.version.split()[0],
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(load, 2) for load in load_before],
            "load_average_at_end": [round(load, 2) for load in os.getloadavg()],
        },
    }


COLUMNS = (
    ("portal", "portal", "{}"),
    ("account", "account", "{}"),
    ("pupils", "pupils", "{}"),
    ("setup_requests", "setup req", "{}"),
    ("setup_logins", "setup logins", "{}"),
    ("requests_per_refresh_per_pupil", "req/refresh/pupil", "{:.1f}"),
    ("logins_per_refresh", "logins/refresh", "{:.2f}"),
    ("month_view_requests", "month view req", "{}"),
    ("month_view_cold_requests", "cold", "{}"),
    ("restart_requests", "restart req", "{}"),
    ("restart_logins", "restart logins", "{}"),
    ("client_cpu_ms_per_refresh_per_pupil", "client CPU ms/refresh/pupil", "{:.1f}"),
    ("sandbox_cpu_ms_per_refresh_per_pupil", "sandbox CPU ms/refresh/pupil", "{:.1f}"),
    ("refresh_ms", "refresh wall ms", "{:.0f}"),
)


def print_table(report: dict[str, Any]) -> None:
    """Print the results as an aligned text table."""
    rows = [[title for _, title, _ in COLUMNS]]
    rows += [
        [fmt.format(result[key]) for key, _, fmt in COLUMNS]
        for result in report["results"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    for index, row in enumerate(rows):
        print(
            "  ".join(
                cell.rjust(width) for cell, width in zip(row, widths, strict=True)
            )
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print()
    print(
        f"Steady state averaged over {report['refreshes']} refreshes, "
        f"{DEFAULT_SCAN_INTERVAL} minutes apart on the client's clock. "
        f"Peak RSS {report['peak_rss_mib']} MiB for the whole process "
        f"({report['peak_rss_before_bench_mib']} MiB after imports, before the bench)."
    )
    print(
        "Month view: six weeks of one pupil's lessons, right after the refreshes "
        "(cold: a fresh client, login not counted)."
    )
    print(
        "Restart: a new client with the session the entry kept, login and first "
        "refresh."
    )
    print(
        "Client CPU is the main thread's; sandbox CPU is the rest of the process "
        "(the sandbox's thread)."
    )
    machine = report["machine"]
    print(
        f"Machine: {machine['cpus']} CPUs, load average (1, 5, 15 min) "
        f"{machine['load_average_at_start']} at the start, "
        f"{machine['load_average_at_end']} at the end."
    )
    print_versus(report["versus_seed_libraries"])
    print_slices(report["event_loop_slices"])
    if report["soak"]:
        print_soak(report["soak"])
    if report["profiles"]:
        print_profiles(report["profiles"])


def _ms(spread: dict[str, float]) -> str:
    return f"{spread['median']:.1f} ({spread['min']:.1f}-{spread['max']:.1f})"


def print_versus(versus: dict[str, dict[str, Any]]) -> None:
    print()
    print(
        f"Client CPU of one pupil's refresh ({VERSUS_PUPIL}), ours against the seed "
        "library making the same reads; median (min-max) over runs, each run a "
        "fresh logged-in client on both sides:"
    )
    for portal, row in versus.items():
        ratio = row["ratio_cold"]
        print(
            f"  {portal:>8}: ours {_ms(row['ours_cold_ms'])} ms, "
            f"{row['library']} {_ms(row['theirs_ms'])} ms, ratio "
            f"{ratio['median']:.2f} ({ratio['min']:.2f}-{ratio['max']:.2f}) "
            f"over {row['runs']} runs; ours in steady state {row['ours_steady_ms']:.1f}"
            f" ms (ratio {row['ratio_steady']:.2f})"
        )
        if "ratio_same_reads" in row:
            same = row["ratio_same_reads"]
            print(
                f"            ours on {row['library'].split()[0]}'s reads only: "
                f"{_ms(row['ours_same_reads_ms'])} ms, ratio {same['median']:.2f} "
                f"({same['min']:.2f}-{same['max']:.2f})"
            )
    for portal, bench in benches().items():
        if bench.theirs is None and bench.no_library:
            print(f"  {portal:>8}: {bench.no_library}")


def print_slices(slices: dict[str, dict[str, Any]]) -> None:
    print()
    print(
        f"Event loop: the longest callback (a stretch without yielding), CPU ms, "
        f"for {SLICE_PARENT} (two children, full inbox); wall ms in brackets:"
    )
    for portal, row in slices.items():
        phases = ", ".join(
            f"{phase.replace('_', ' ')} {row[phase]['max_cpu_ms']:.1f}"
            f" [{row[phase]['max_wall_ms']:.1f}]"
            for phase in ("login", "first_refresh", "steady_refreshes", "month_view")
        )
        print(f"  {portal:>8}: {phases}")
        for phase in ("first_refresh", "steady_refreshes"):
            longest = row[phase]["longest"][0]
            collected = (
                f" ({longest['gc_cpu_ms']:.1f} ms of it garbage collection;"
                f" without: {row[phase]['max_own_cpu_ms']:.1f} ms)"
                if longest["gc_cpu_ms"] >= 0.1
                else ""
            )
            print(
                f"            longest in {phase.replace('_', ' ')}: "
                f"{longest['cpu_ms']:.1f} ms{collected}, {longest['code']}"
            )


def print_soak(memory: dict[str, dict[str, Any]]) -> None:
    print()
    print(
        "Memory over a school year of refreshes (parent login, sandbox in its own process):"
    )
    for portal, row in memory.items():
        print(
            f"  {portal:>8}: {row['refreshes']} refreshes, clock step "
            f"{row['clock_step_minutes']:.0f} min over {row['days']} days, "
            f"{row['refreshes_per_second']:.0f}/s, {row['errors']} errors; growth "
            f"after {row['warm_up_refreshes']} warm-up refreshes: traced "
            f"{row['traced_growth_mib']:+.3f} MiB, RSS {row['rss_growth_mib']:+.2f} MiB"
        )
        grown = {
            name: f"{row['containers_after_warm_up'].get(name, 0)}->{size}"
            for name, size in row["containers_at_end"].items()
            if size > row["containers_after_warm_up"].get(name, 0)
        }
        if grown:
            print(f"            grew: {grown}")


def print_profiles(profiles: dict[str, dict[str, Any]]) -> None:
    for portal, row in profiles.items():
        for phase in ("cold", "steady"):
            summary = row[phase]
            print()
            print(
                f"{portal} {phase} refresh, profiled: "
                f"{summary['ms_per_refresh']:.1f} ms per refresh; self time: "
                + ", ".join(
                    f"{name} {share:.0%}" for name, share in summary["share"].items()
                )
            )
            for line in summary["top_self_time"]:
                print(
                    f"  {line['ms_per_refresh']:7.3f} ms self "
                    f"{line['cumulative_ms_per_refresh']:8.3f} ms cum "
                    f"{line['calls_per_refresh']:8.1f} calls  {line['function']}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--refreshes",
        type=int,
        default=16,
        help="steady-state refreshes to average (16: 08:00 to 16:00)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_RUNS,
        help=f"runs of the comparison with each seed library ({DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--soak",
        type=int,
        default=SOAK_DEFAULT,
        metavar="N",
        help=f"refreshes per portal through the school year ({SOAK_DEFAULT}; "
        "10000 for the long run; 0 skips it)",
    )
    parser.add_argument(
        "--soak-portal",
        action="append",
        choices=sorted(PORTALS),
        default=[],
        help="soak only this portal (again for more; default: all)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile our refreshes (cProfile)"
    )
    args = parser.parse_args(argv)
    if args.refreshes < 1 or args.runs < 1 or args.soak < 0:
        parser.error("--refreshes and --runs must be at least 1, --soak at least 0")
    options = Options(
        args.refreshes, args.runs, args.soak, tuple(args.soak_portal), args.profile
    )
    report = asyncio.run(run(options))
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
