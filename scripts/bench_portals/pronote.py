"""PRONOTE on the bench: French schools, and pronotepy to compare with."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import aiohttp

from custom_components.school_portal.api.models import Student

from . import PortalBench, Reads

BENCH = PortalBench("pronote", time_zone="Europe/Paris", library="pronotepy 2.15.7")


@BENCH.library_reads_in_thread
def _pronotepy(reads: Reads) -> float:
    """pronotepy (requests, sync) doing our PRONOTE refresh's reads, in a thread.

    The window's timetable and homework, the inbox, the current period's
    grades and averages, absences, delays and punishments, this week's menus.
    """
    import pronotepy  # a test-only dependency: only the bench needs it

    account = reads.account
    client = pronotepy.Client(
        account["base_url"], account["username"], account["password"]
    )
    monday = reads.today - timedelta(days=reads.today.weekday())
    last = reads.window.end - timedelta(days=1)
    cpu = time.thread_time()
    client.lessons(reads.window.start, last)
    client.homework(reads.window.start, last)
    client.discussions()
    period = client.current_period
    _ = period.grades, period.averages, period.overall_average
    _ = period.absences, period.delays, period.punishments
    client.menus(monday, monday + timedelta(days=6))
    return time.thread_time() - cpu


@BENCH.ours_on_library_reads
async def _pronote_same_reads(session: aiohttp.ClientSession, reads: Reads) -> float:
    """Ours on pronotepy's reads: our refresh with the current term only.

    Our refresh also reads the earlier terms' grades and attendance (the
    year's counts, last term's averages on a term's first days): two
    requests pronotepy's reads do not make. Everything else is the refresh
    as Home Assistant runs it; a fresh, logged-in client, its login not counted.
    """
    async with reads.logged_in(session) as (client, students):

        def current_term(onglet: int, student: Student | None = None) -> list[Any]:
            current = client.current_period(onglet, student)
            return [] if current is None else [current]

        client.terms = current_term
        cpu = time.thread_time()
        await client.refresh(students, reads.window)
        return time.thread_time() - cpu
