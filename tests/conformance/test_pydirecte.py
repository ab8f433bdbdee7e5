"""pydirecte 1.0.3, unchanged, against the EcoleDirecte emulator (run in a thread).

pydirecte's host is fixed (``https://api.ecoledirecte.com``) and its GTK
request ignores the fetcher hook, so the test redirects at the transport:
every request `requests` sends to that host goes to the sandbox instead.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from typing import Any

import pydirecte
import pytest
import requests
from aiohttp.test_utils import TestServer

from sandbox.app import Sandbox
from sandbox.dataset import PUPIL_PASSWORD
from sandbox.ecoledirecte import QCM_LOGIN, QCM_PASSWORD, SPECIAL_MARKS

from .conftest import TODAY

REAL = "https://api.ecoledirecte.com"
WEEK = (datetime.datetime(2026, 11, 16), datetime.datetime(2026, 11, 20))
DEVICE = "5b1e0a52-6f0c-4d2b-9d3f-0c8f7a1e2d11"


@pytest.fixture(autouse=True)
def redirected(sandbox_server: TestServer) -> Iterator[None]:
    """Send what pydirecte sends to the real host to the sandbox's EcoleDirecte."""
    base = str(sandbox_server.make_url("/ecoledirecte")).rstrip("/")
    send = requests.Session.send

    def to_sandbox(
        self: requests.Session, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        if request.url and request.url.startswith(REAL):
            request.url = base + request.url[len(REAL) :]
        return send(self, request, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(requests.Session, "send", to_sandbox)
        yield


def _login(username: str, password: str) -> tuple[pydirecte.Session, Any]:
    session = pydirecte.Session(username=username, device_uuid=DEVICE)
    accounts = pydirecte.login(session, password)
    assert len(accounts) == 1
    return session, accounts[0]


async def test_pupil_login_and_reads(sandbox: Sandbox) -> None:
    dataset = sandbox.dataset

    def run() -> None:
        session, account = _login("dana.cohen", PUPIL_PASSWORD)
        assert account.kind is pydirecte.AccountKind.STUDENT
        assert account.id == dataset.pupils["p1001"].number
        assert account.first_name == "Dana"
        assert account.class_short == "8A"
        assert session.token

        grades = pydirecte.student_grades(session, account)
        marks = grades["grades"]
        assert len(marks) == len(dataset.grades("p1001"))
        kinds = {grade.value.kind for grade in marks}
        assert kinds == set(pydirecte.GradeKind) - {pydirecte.GradeKind.ERROR}
        assert len(SPECIAL_MARKS) == 4
        assert all(grade.out_of == 20 for grade in marks)
        assert [p.id for p in grades["periods"]] == ["A001", "A002", "A003", "A999Z"]
        first = grades["overview"]["A001"]
        assert first.overall_average.kind is pydirecte.GradeKind.GRADE
        assert first.overall_average.points > 0
        assert first.subjects

        coming = pydirecte.student_coming_homeworks(session, account)
        expected = dataset.homework("p1001", start=TODAY)
        assert sum(len(day["homeworks"]) for day in coming) == len(expected)
        due = expected[0].due.isoformat()
        day = pydirecte.student_homeworks(session, account, due)
        homework = day["homeworks"][0]
        assert homework.content.startswith("<p>")
        assert not homework.done
        pydirecte.set_homework_state(session, account, homework.id, True)
        again = pydirecte.student_homeworks(session, account, due)["homeworks"]
        assert [h.done for h in again if h.id == homework.id] == [True]
        coming = pydirecte.student_coming_homeworks(session, account)
        assert any(h.done for d in coming for h in d["homeworks"])
        # A worksheet comes with some homework: listed and downloaded.
        sheets = [
            attached
            for d in coming
            for h in pydirecte.student_homeworks(
                session, account, d["date"].date().isoformat()
            )["homeworks"]
            for attached in h.attachments
        ]
        assert sheets
        assert sheets[0].kind is pydirecte.DocumentKind.TEXTBOOK
        sheet = pydirecte.get_file(session, pydirecte.FileKind.HOMEWORK, sheets[0].id)
        assert sheet.content.startswith(b"%PDF")

        lessons = pydirecte.student_timetable(session, account, *WEEK)
        held = dataset.lessons("p1001", WEEK[0].date(), WEEK[1].date())
        friday = dataset.lessons_on("p1001", WEEK[1].date())
        assert len(lessons) == len(held) + len(friday)
        assert lessons[0].start_date == held[0].start
        assert all(lesson.room and lesson.teacher for lesson in lessons)
        one_day = pydirecte.student_timetable(session, account, WEEK[0])
        assert len(one_day) == len(dataset.lessons_on("p1001", WEEK[0].date()))

        inbox = pydirecte.student_received_messages(session, account)
        chats = inbox["chats"]
        assert len(chats) == len(dataset.messages("dana.cohen"))
        unread = [chat for chat in chats if not chat.read]
        assert unread
        opened = pydirecte.read_message(session, account, unread[0].id)
        assert opened.content.startswith("<p>")
        assert opened.sender
        chats = pydirecte.student_received_messages(session, account)["chats"]
        assert len([c for c in chats if not c.read]) == len(unread) - 1
        attached = next(chat for chat in chats if chat.files)
        assert attached.files[0]["type"] is pydirecte.FileKind.ATTACHMENT
        file = pydirecte.get_file(
            session, pydirecte.FileKind.ATTACHMENT, attached.files[0]["id"]
        )
        assert file.status_code == 200
        assert file.content.startswith(b"%PDF")

        documents = pydirecte.student_documents(session)
        assert documents
        assert {d.kind for d in documents} >= {pydirecte.DocumentKind.DOCUMENT}
        paper = pydirecte.get_file(
            session, pydirecte.FileKind.ADMINISTRATIVE, documents[0].id
        )
        assert paper.content.startswith(b"%PDF")

        attendance = pydirecte.student_attendance(session, account)
        records = [r for r in dataset.discipline("p1001") if r.kind != "praise"]
        found = attendance["absences"] + attendance["punishments"]
        assert len(found) == len(records)
        assert {item.kind.value for item in found} <= {"Absence", "Retard", "Punition"}

        timeline = pydirecte.student_timeline(session, account)
        assert len(timeline) == len(dataset.notifications("dana.cohen"))
        assert timeline[0].title
        postits = pydirecte.student_homepage_timeline(session, account)
        assert postits
        assert postits[0].content.startswith("<p>")
        workspaces = pydirecte.student_workspace(session, account)
        assert [w.kind for w in workspaces] == [pydirecte.WorkspaceItemKind.LIBRE] * 2
        assert workspaces[0].summary.startswith("<p>")

        cantine = pydirecte.student_cantine(account)
        assert cantine["reservation"].meals["monday"].lunch
        assert not cantine["reservation"].meals["wednesday"].lunch
        assert cantine["barcode"].badge_number
        assert pydirecte.student_visios(session, account) == []
        assert pydirecte.account_edforms(session, account) == []

        pydirecte.set_access_token(session, account)
        assert pydirecte.refresh(session, pydirecte.AccountKind.STUDENT)
        assert pydirecte.student_timetable(session, account, WEEK[0])

    # pydirecte 1.0.3 has no "Encouragement" kind: a school that hides them.
    sandbox.ecoledirecte.records.encouragements_visible = False
    await asyncio.to_thread(run)
    assert any(sandbox.ecoledirecte.done("p1001").values())


async def test_security_question(sandbox: Sandbox) -> None:
    question, choices, answer = sandbox.ecoledirecte.question(QCM_LOGIN)

    def run() -> None:
        session = pydirecte.Session(username=QCM_LOGIN, device_uuid=DEVICE)
        with pytest.raises(pydirecte.DoubleAuthRequired):
            pydirecte.login(session, QCM_PASSWORD)
        challenge = pydirecte.init_double_auth(session)
        assert challenge.question == question
        assert challenge.answers == list(choices)
        wrong = next(choice for choice in choices if choice != answer)
        with pytest.raises(pydirecte.BadDoubleAuth):
            pydirecte.check_double_auth(session, wrong)

        with pytest.raises(pydirecte.DoubleAuthRequired):
            pydirecte.login(session, QCM_PASSWORD)
        pydirecte.init_double_auth(session)
        assert pydirecte.check_double_auth(session, answer)
        assert session.double_auth is not None
        accounts = pydirecte.login(session, QCM_PASSWORD)
        assert accounts[0].first_name == "Dana"
        assert pydirecte.student_timetable(session, accounts[0], WEEK[0])
        # The same pupil's inbox and notices as her own login's.
        chats = pydirecte.student_received_messages(session, accounts[0])["chats"]
        assert len(chats) == len(sandbox.dataset.messages("dana.cohen"))
        assert pydirecte.student_timeline(session, accounts[0])

        # The pair is kept: a later login skips the question (another device too).
        later = pydirecte.Session(
            username=QCM_LOGIN, device_uuid="other", double_auth=session.double_auth
        )
        assert pydirecte.login(later, QCM_PASSWORD)
        # And this device passed it.
        again = pydirecte.Session(username=QCM_LOGIN, device_uuid=DEVICE)
        assert pydirecte.login(again, QCM_PASSWORD)

    await asyncio.to_thread(run)


async def test_refusals(sandbox: Sandbox) -> None:
    def run(username: str, password: str) -> None:
        pydirecte.login(pydirecte.Session(username, DEVICE), password)

    with pytest.raises(pydirecte.BadCredentials):
        await asyncio.to_thread(run, "dana.cohen", "wrong")
    with pytest.raises(pydirecte.BadCredentials):
        await asyncio.to_thread(run, "nobody", PUPIL_PASSWORD)
    sandbox.faults.set("ecoledirecte", "version_refused", count=2)
    with pytest.raises(pydirecte.InvalidVersion):
        await asyncio.to_thread(run, "dana.cohen", PUPIL_PASSWORD)
    sandbox.ecoledirecte.versions = frozenset({"7.0.1"})
    await asyncio.to_thread(run, "dana.cohen", PUPIL_PASSWORD)
    sandbox.ecoledirecte.versions = frozenset({"7.8.2"})
    with pytest.raises(pydirecte.InvalidVersion):
        await asyncio.to_thread(run, "dana.cohen", PUPIL_PASSWORD)
