"""Webtop on the bench: Israeli schools, and pywebtop to compare with."""

from __future__ import annotations

import time
from datetime import date, timedelta

from . import PortalBench, Reads

# A restart reuses the kept session: no request to the login's path.
BENCH = PortalBench(
    "webtop",
    time_zone="Asia/Jerusalem",
    login_path="LoginByUserNameAndPassword",
    library="pywebtop 0.0.2",
)


def _week_start(day: date) -> date:
    """The Sunday that starts a Webtop week."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


@BENCH.library_reads
async def _pywebtop(reads: Reads) -> float:
    """pywebtop (httpx, async) doing our Webtop refresh's reads, on this thread.

    The window's Sunday-first weeks of lessons with homework (through the
    library's own request helper: it has no call for that page), the pupil's
    discipline events and the unread inbox a page at a time, as ours reads it.
    """
    import webtop  # a test-only dependency: only the bench needs it

    client = webtop.WebtopClient(
        reads.account["username"],
        reads.account["password"],
        base_url=reads.account["base_url"],
        auto_login=False,
    )
    try:
        await client.login()
        pupil = (await client.get_students())["data"][0]
        cpu = time.thread_time()
        this_week = _week_start(reads.today)
        first = _week_start(reads.window.start)
        while first < reads.window.end:
            response = await client.request(
                "POST",
                "/server/api/PupilCard/GetPupilLessonsAndHomework",
                json={
                    "weekIndex": (first - this_week).days // 7,
                    "viewType": 0,
                    "studyYear": pupil["studyYear"],
                    "studyYearName": "",
                    "studentID": pupil["id"],
                    "studentName": "",
                    "classCode": pupil["classCode"],
                    "moduleID": 11,
                    "periodID": 0,
                    "periodName": "",
                },
            )
            response.json()
            first += timedelta(days=7)
        await client.get_discipline_events(
            encrypted_student_id=pupil["id"], class_code=pupil["classCode"]
        )
        for page in range(1, 11):
            body = await client.get_messages_inbox(page_id=page, has_read=False)
            if len(body["data"]) < 20:
                break
        return time.thread_time() - cpu
    finally:
        await client.close()
