"""PRONOTE on the bench: French schools, and pronotepy to compare with."""

from __future__ import annotations

import time
from datetime import timedelta

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
