"""EcoleDirecte on the bench: French schools, and pydirecte to compare with."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

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
