"""pronotepy 2.15.7, unchanged, against the PRONOTE emulator (run in a thread)."""

from __future__ import annotations

import asyncio
import datetime

import pronotepy
import pytest
from aiohttp.test_utils import TestServer

from sandbox.app import Sandbox
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD
from sandbox.pronote import ACCOUNT_PIN, PIN_LOGIN, PIN_PASSWORD

from .conftest import TODAY

WEEK = (datetime.date(2026, 11, 16), datetime.date(2026, 11, 20))


@pytest.fixture
def page(sandbox_server: TestServer) -> str:
    return str(sandbox_server.make_url("/pronote/eleve.html"))


@pytest.fixture
def parent_page(sandbox_server: TestServer) -> str:
    return str(sandbox_server.make_url("/pronote/parent.html"))


async def test_pupil_password_login_and_reads(page: str, sandbox: Sandbox) -> None:
    def run() -> None:
        client = pronotepy.Client(page, "dana.cohen", PUPIL_PASSWORD)
        assert client.logged_in
        assert client.info.name == "COHEN Dana"
        assert client.info.class_name == "8A"
        assert client.start_day == datetime.date(2026, 8, 31)

        lessons = client.lessons(*WEEK)
        expected = sandbox.dataset.lessons("p1001", WEEK[0], WEEK[1])
        assert len(lessons) == len(expected)
        assert lessons[0].start == expected[0].start
        assert lessons[0].end == expected[0].end
        assert lessons[0].subject is not None
        assert lessons[0].teacher_name

        homework = client.homework(WEEK[0], WEEK[1] + datetime.timedelta(days=10))
        assert homework
        assert not any(item.done for item in homework)
        homework[0].set_done(True)
        again = client.homework(WEEK[0], WEEK[1] + datetime.timedelta(days=10))
        assert [item.done for item in again if item.id == homework[0].id] == [True]

        discussions = client.discussions()
        assert len(discussions) == 120
        unread = client.discussions(only_unread=True)
        messages = unread[0].messages
        assert messages[0].content
        assert messages[0].author
        unread[0].mark_as(True)
        assert len(client.discussions(only_unread=True)) == len(unread) - 1

        news = client.information_and_surveys()
        assert len(news) == 15
        assert any(item.survey for item in news)
        assert news[0].content()
        assert len(client.information_and_surveys(only_unread=True)) == 5

        menus = client.menus(*WEEK)
        assert menus
        assert menus[0].is_lunch
        assert menus[0].main_meal

        period = client.current_period
        assert period.name == "Trimestre 1"
        grades = period.grades
        assert grades
        assert grades[0].out_of == "20"
        assert all(grade.period.id == period.id for grade in grades)
        assert period.averages
        assert period.overall_average
        assert period.class_overall_average
        kinds = {r.kind for r in sandbox.dataset.discipline("p1001")}
        assert bool(period.absences) == ("absence" in kinds)
        assert bool(period.delays) == ("late" in kinds)
        assert bool(period.punishments) == ("punishment" in kinds)
        assert "/pronote/ical/mesinformations.ics" in client.export_ical()

    await asyncio.to_thread(run)
    assert any(sandbox.pronote.done.values())


async def test_parent_login_and_children(parent_page: str, sandbox: Sandbox) -> None:
    def run() -> None:
        client = pronotepy.ParentClient(parent_page, "levi.parent", PARENT_PASSWORD)
        assert [child.name for child in client.children] == ["LEVI Noa", "LEVI Ari"]
        client.set_child(client.children[1])
        lessons = client.lessons(*WEEK)
        assert len(lessons) == len(sandbox.dataset.lessons("p1003", WEEK[0], WEEK[1]))
        assert client.current_period.grades
        assert client.discussions()

    await asyncio.to_thread(run)


async def test_qr_code_and_token_login(page: str, sandbox: Sandbox) -> None:
    def run() -> None:
        client = pronotepy.Client(page, "dana.cohen", PUPIL_PASSWORD)
        qr = client.request_qr_code_data("4321")
        assert qr["url"].endswith("/pronote/mobile.eleve.html")
        by_qr = pronotepy.Client.qrcode_login(qr, "4321", "device-1")
        assert by_qr.logged_in
        assert by_qr.username == "dana.cohen"
        credentials = by_qr.export_credentials()
        by_token = pronotepy.Client.token_login(**credentials)
        assert by_token.logged_in
        assert by_token.password != credentials["password"]
        with pytest.raises(pronotepy.CryptoError):
            pronotepy.Client.qrcode_login(qr, "0000", "device-1")

    await asyncio.to_thread(run)


async def test_parent_qr_code_from_the_emulator(
    sandbox_server: TestServer, sandbox: Sandbox
) -> None:
    base = str(sandbox_server.make_url("")).rstrip("/")
    qr = sandbox.pronote.qr_code("levi.parent", "9876", base)

    def run() -> None:
        client = pronotepy.ParentClient.qrcode_login(qr, "9876", "device-2")
        assert len(client.children) == 2

    await asyncio.to_thread(run)


async def test_wrong_password_and_pin_account(page: str) -> None:
    def run() -> None:
        assert not pronotepy.Client(page, "dana.cohen", "wrong").logged_in
        with pytest.raises(pronotepy.MFAError):
            pronotepy.Client(page, PIN_LOGIN, PIN_PASSWORD)
        client = pronotepy.Client(
            page, PIN_LOGIN, PIN_PASSWORD, account_pin=ACCOUNT_PIN, device_name="HA"
        )
        assert client.logged_in
        assert client.lessons(*WEEK)

    await asyncio.to_thread(run)


async def test_session_expiry_is_survived(page: str, sandbox: Sandbox) -> None:
    def login() -> pronotepy.Client:
        return pronotepy.Client(page, "dana.cohen", PUPIL_PASSWORD)

    client = await asyncio.to_thread(login)
    sandbox.faults.set("pronote", "expire_sessions")
    lessons = await asyncio.to_thread(client.lessons, *WEEK)
    assert lessons
    assert sandbox.dataset.today == TODAY


async def test_half_hour_grid_without_lesson_ends(page: str, sandbox: Sandbox) -> None:
    # pronotepy derives the end from ListeHeuresFin when DateDuCoursFin is
    # missing: the emulator's grid must read the same way to it as to us.
    sandbox.pronote.slot_grid = "half_hours"
    sandbox.pronote.lesson_end = False
    sandbox.pronote.teacher_ids = False
    courses = sandbox.pronote._courses(
        sandbox.dataset.lessons("p1001", WEEK[0], WEEK[1])  # to is excluded
    )
    expected = sorted(
        sandbox.pronote.lesson_span(lesson.day, lesson.hour, length)[:2]
        for lesson, length in courses
    )

    def run() -> None:
        client = pronotepy.Client(page, "dana.cohen", PUPIL_PASSWORD)
        lessons = client.lessons(*WEEK)
        assert sorted((lesson.start, lesson.end) for lesson in lessons) == expected
        assert all(lesson.teacher_name for lesson in lessons)
        assert any(
            lesson.end - lesson.start == datetime.timedelta(hours=2)
            for lesson in lessons
        )

    await asyncio.to_thread(run)
