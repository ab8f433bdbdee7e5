"""EcoleDirecte on the bench: French schools, and pydirecte to compare with."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from . import PortalBench, Reads

# Logins are counted by the client (the GTK pre-flight shares the login's
# path): a restart logs in again, with the kept pair instead of the question.
BENCH = PortalBench("ecoledirecte", time_zone="Europe/Paris", library="pydirecte 1.0.3")

REAL_HOST = "https://api.ecoledirecte.com"
DEVICE = "0d6c3e8a-2b1f-4c55-9e7a-5f1b2c3d4e5f"


@contextlib.contextmanager
def _to_sandbox(base_url: str) -> Iterator[None]:
    """Send what pydirecte sends to its fixed host to the sandbox instead.

    Its GTK request ignores the fetcher hook: the redirection is at the
    transport, for the duration of the reads only.
    """
    import requests  # pydirecte's own dependency

    parts = urlsplit(base_url)
    # The sandbox serves ``<prefix>/v3``; pydirecte adds ``/v3`` itself.
    prefix = f"{parts.scheme}://{parts.netloc}{parts.path.removesuffix('/v3')}"
    send = requests.Session.send

    def to_sandbox(
        self: requests.Session, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        if request.url and request.url.startswith(REAL_HOST):
            request.url = prefix + request.url[len(REAL_HOST) :]
        return send(self, request, **kwargs)

    requests.Session.send = to_sandbox  # type: ignore[method-assign]
    try:
        yield
    finally:
        requests.Session.send = send  # type: ignore[method-assign]


@BENCH.library_reads_in_thread
def _pydirecte(reads: Reads) -> float:
    """pydirecte (requests, sync) doing our EcoleDirecte refresh's reads, in a thread.

    The window's timetable, the coming homework and each of its days' pages,
    the grades with their periods and averages, school life, the pupil's
    timeline, the homepage timeline and the inbox. It logs in with the
    password only: the bench's pupil has no security question.
    """
    import pydirecte  # a test-only dependency: only the bench needs it

    with _to_sandbox(reads.account["base_url"]):
        session = pydirecte.Session(
            username=reads.account["username"], device_uuid=DEVICE
        )
        (account,) = pydirecte.login(session, reads.account["password"])
        cpu = time.thread_time()
        start = datetime.combine(reads.window.start, datetime.min.time())
        last = datetime.combine(
            reads.window.end - timedelta(days=1), datetime.min.time()
        )
        pydirecte.student_timetable(session, account, start, last)
        for day in pydirecte.student_coming_homeworks(session, account):
            pydirecte.student_homeworks(session, account, str(day["date"])[:10])
        pydirecte.student_grades(session, account)
        pydirecte.student_attendance(session, account)
        pydirecte.student_timeline(session, account)
        pydirecte.student_homepage_timeline(session, account)
        pydirecte.student_received_messages(session, account)
        return time.thread_time() - cpu


@BENCH.ours_on_library_reads
async def _ecoledirecte_same_reads(
    session: aiohttp.ClientSession, reads: Reads
) -> float:
    """Ours making only pydirecte's reads (no past day's homework page).

    The window's timetable, the coming homework and its days' pages, grades,
    school life, both timelines and the inbox: a fresh, logged-in client, its
    login not counted.
    """
    async with reads.logged_in(session) as (client, students):
        student = students[0]
        cpu = time.thread_time()
        await client.lessons(student, reads.window.start, reads.window.end)
        for day in sorted({due.due for due in await client.coming_homework(student)}):
            await client.homework_of_day(student, day)
        await client.marks(student)
        await client.school_life(student)
        await client.timeline(student)
        await client.homepage(student)
        await client.inbox()
        return time.thread_time() - cpu
