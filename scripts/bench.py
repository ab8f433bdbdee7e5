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

Run: ``scripts/bench`` or ``scripts/bench --json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp

from custom_components.school_portal.api.client import PORTALS
from custom_components.school_portal.api.models import DateWindow, Student
from custom_components.school_portal.const import (
    DEFAULT_SCAN_INTERVAL,
    WINDOW_DAYS_AFTER,
    WINDOW_DAYS_BEFORE,
)
from sandbox.app import HOST, Sandbox, run_in_thread

# The school's time zone per portal (the sandbox writes naive local times).
PORTAL_TIME_ZONES = {
    "webtop": "Asia/Jerusalem",
    "webuntis": "Europe/Berlin",
    "pronote": "Europe/Paris",
}
# Path fragment of a portal's password login, where it has a path of its own
# (a Webtop restart reuses the kept session: no login request). Elsewhere
# logins are counted by the client's generation, bumped by every login.
LOGIN_PATHS = {"webtop": "LoginByUserNameAndPassword"}
MONTH_VIEW_DAYS = 42  # HA's month view shows six weeks
POLL = timedelta(minutes=DEFAULT_SCAN_INTERVAL)
DAY_START = clock_time(8, 0)
# The settings a client is built from: what the sandbox lists for a login.
CONFIG_KEYS = ("server", "school", "username", "password", "account_pin")


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


async def _local_only(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceRequestStartParams,
) -> None:
    """Refuse any request that would leave this machine."""
    if params.url.host != HOST:
        raise RuntimeError(f"bench refused a request to {params.url.host}")


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
    tz = ZoneInfo(PORTAL_TIME_ZONES.get(portal, "UTC"))
    config = {"server": account["base_url"]}
    config.update({key: account[key] for key in CONFIG_KEYS if key in account})
    today = sandbox.dataset.today
    now = [datetime.combine(today, DAY_START, tzinfo=tz)]

    def make_client(settings: dict[str, Any]) -> Any:
        client = PORTALS[portal].from_config(session, settings, tz)
        client._clock = lambda: now[0]
        return client

    client = make_client(config)
    log = sandbox.log

    def logins(logged: Any, generation_before: int) -> int:
        if portal in LOGIN_PATHS:
            return sum(1 for entry in log.entries if LOGIN_PATHS[portal] in entry.path)
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
            now[0] += POLL
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


PRONOTEPY_ROUNDS = 5


async def compare_pronotepy(
    sandbox: Sandbox, session: aiohttp.ClientSession, base_url: str
) -> dict[str, float]:
    """CPU of one PRONOTE refresh: ours against pronotepy's same reads.

    Same sandbox, same pupil, same window: the timetable and homework of the
    window, the inbox, the current period's grades and averages, absences,
    delays and punishments, and this week's menus. Logins are not counted.
    Ours is measured twice: a refresh with empty caches (the same reads), and
    the steady-state refresh a school day averages (what Home Assistant pays).
    pronotepy (requests-based, a test-only dependency) runs in a worker thread
    whose own CPU clock measures it; ours runs on the main thread.
    """
    import pronotepy  # a test-only dependency: only the bench needs it

    account = next(
        row
        for row in sandbox.accounts(base_url)
        if row["portal"] == "pronote" and row["username"] == "dana.cohen"
    )
    tz = ZoneInfo(PORTAL_TIME_ZONES["pronote"])
    today = sandbox.dataset.today
    window = _window(today)
    start_clock = datetime.combine(today, DAY_START, tzinfo=tz)
    config = {key: account[key] for key in CONFIG_KEYS if key in account}
    config["server"] = account["base_url"]

    cold = 0.0
    for _ in range(PRONOTEPY_ROUNDS):
        client = PORTALS["pronote"].from_config(session, config, tz)
        client._clock = lambda: start_clock
        students = list((await client.login()).students)
        cpu = time.thread_time()
        await client.refresh(students, window)
        cold += time.thread_time() - cpu
        await client.close()

    def theirs() -> float:
        client = pronotepy.Client(
            account["base_url"], account["username"], account["password"]
        )
        monday = today - timedelta(days=today.weekday())
        spent = 0.0
        for _ in range(PRONOTEPY_ROUNDS):
            cpu = time.thread_time()
            client.lessons(window.start, window.end - timedelta(days=1))
            client.homework(window.start, window.end - timedelta(days=1))
            client.discussions()
            period = client.current_period
            _ = period.grades, period.averages, period.overall_average
            _ = period.absences, period.delays, period.punishments
            client.menus(monday, monday + timedelta(days=6))
            spent += time.thread_time() - cpu
        return spent

    pronotepy_cpu = await asyncio.to_thread(theirs)
    return {
        "ours_cold_ms": round(1000 * cold / PRONOTEPY_ROUNDS, 2),
        "pronotepy_ms": round(1000 * pronotepy_cpu / PRONOTEPY_ROUNDS, 2),
        "ratio_cold": round(cold / pronotepy_cpu, 3),
    }


async def run(refreshes: int) -> dict[str, Any]:
    """Bench every implemented portal against a sandbox in a thread."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sandbox = Sandbox()
    base_url, stop = run_in_thread(sandbox)
    trace = aiohttp.TraceConfig()
    # aiosignal 1.4 types the callbacks differently from what aiohttp 3.11 declares.
    trace.on_request_start.append(_local_only)  # type: ignore[arg-type]
    results: list[Result] = []
    try:
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            for account in sandbox.accounts(base_url):
                if account["portal"] in PORTALS:
                    results.append(
                        await bench_account(sandbox, session, account, refreshes)
                    )
            versus = await compare_pronotepy(sandbox, session, base_url)
    finally:
        stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "refreshes": refreshes,
        "portals": sorted(PORTALS),
        "results": [
            {
                key: round(value, 3) if isinstance(value, float) else value
                for key, value in asdict(result).items()
            }
            for result in results
        ],
        "pronote_vs_pronotepy": versus
        | {
            "ours_steady_ms": next(
                result.client_cpu_ms_per_refresh_per_pupil
                for result in results
                if (result.portal, result.account) == ("pronote", "dana.cohen")
            ),
        },
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_rss_before_bench_mib": round(rss_before / 1024, 1),
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
    versus = report["pronote_vs_pronotepy"]
    print()
    print(
        "PRONOTE, one pupil's refresh (window, inbox, grades, attendance, menus), "
        "client CPU per refresh:"
    )
    print(
        f"  ours, caches empty: {versus['ours_cold_ms']:.1f} ms; "
        f"pronotepy 2.15.7, same reads: {versus['pronotepy_ms']:.1f} ms; "
        f"ratio {versus['ratio_cold']:.2f}"
    )
    print(
        f"  ours, steady state of a school day: {versus['ours_steady_ms']:.1f} ms "
        f"(ratio {versus['ours_steady_ms'] / versus['pronotepy_ms']:.2f})"
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
    args = parser.parse_args(argv)
    if args.refreshes < 1:
        parser.error("--refreshes must be at least 1")
    report = asyncio.run(run(args.refreshes))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
