"""WebUntis on the bench: German schools, and python-webuntis to compare with."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import aiohttp

from . import PortalBench, Reads

BENCH = PortalBench(
    "webuntis", time_zone="Europe/Berlin", library="python-webuntis 0.1.25"
)


@BENCH.library_reads_in_thread
def _python_webuntis(reads: Reads) -> float:
    """python-webuntis (requests, sync) doing what it can of our refresh's reads.

    Run in a worker thread, measured by that thread's clock. The library has
    no REST calls: no messages, news or homework (ours reads them as well), so
    it reads the import time, the window's timetable with every period's names
    resolved (its master data, cached in its session after the first call),
    the year's exams, absences and class-register events.
    """
    import webuntis  # a test-only dependency: only the bench needs it

    account = reads.account
    session: Any = webuntis.Session(  # type: ignore[attr-defined]
        server=account["jsonrpc_url"],
        school=account["school"],
        username=account["username"],
        password=account["password"],
        useragent="school-portal-bench",
    )
    session.login()
    try:
        cpu = time.thread_time()
        session.last_import_time()
        start, end = reads.window.start, reads.window.end - timedelta(days=1)
        for period in session.timetable(
            start=start, end=end, student=session.login_result["personId"]
        ):
            _ = period.start, period.end, period.code
            _ = [subject.long_name for subject in period.subjects]
            _ = [teacher.full_name for teacher in period.teachers]
            _ = [room.name for room in period.rooms]
            _ = [klasse.name for klasse in period.klassen]
        year_start, year_end = reads.year
        session.exams(start=max(reads.window.start, year_start), end=year_end)
        session.timetable_with_absences(start=year_start, end=reads.today)
        session.class_reg_events(start=year_start, end=reads.today)
        return time.thread_time() - cpu
    finally:
        session.logout(suppress_errors=True)


@BENCH.ours_on_library_reads
async def _webuntis_same_reads(session: aiohttp.ClientSession, reads: Reads) -> float:
    """Ours making only the reads python-webuntis can make (no REST-only ones).

    The import time, the window's timetable, the year's exams, absences and
    class register: a fresh, logged-in client, its login not counted.
    """
    async with reads.logged_in(session) as (client, students):
        student = students[0]
        year_start, year_end = reads.year
        past_end = reads.today + timedelta(days=1)
        cpu = time.thread_time()
        await client.last_import_time()
        await client.lessons(student, reads.window.start, reads.window.end)
        await client.rest_exams(
            student, max(reads.window.start, year_start), year_end + timedelta(days=1)
        )
        await client.absences(student, year_start, past_end)
        await client.class_register(student, year_start, past_end)
        return time.thread_time() - cpu
