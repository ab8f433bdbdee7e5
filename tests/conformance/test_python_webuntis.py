"""python-webuntis 0.1.25, unchanged, against the WebUntis emulator.

The library is synchronous (requests): every call runs in a worker thread while
the sandbox serves on the test's own event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import webuntis
from aiohttp.test_utils import TestServer
from webuntis import errors

from sandbox.app import Sandbox
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD
from sandbox.webuntis import SCHOOL

from .conftest import TODAY

MONDAY = TODAY - timedelta(days=TODAY.weekday())
FRIDAY = MONDAY + timedelta(days=4)

type SessionFactory = Callable[..., webuntis.Session]


@pytest.fixture
def untis(sandbox_server: TestServer) -> SessionFactory:
    """Build unchanged python-webuntis sessions pointed at the sandbox."""
    server = str(sandbox_server.make_url("/webuntis/WebUntis/jsonrpc.do"))

    def make(
        username: str = "dana.cohen",
        password: str = PUPIL_PASSWORD,
        school: str = SCHOOL,
        **extra: Any,
    ) -> webuntis.Session:
        return webuntis.Session(
            server=server,
            school=school,
            username=username,
            password=password,
            useragent="school-portal-conformance",
            **extra,
        )

    return make


async def run[T](call: Callable[[], T]) -> T:
    """Run a blocking library call off the loop that serves the sandbox."""
    return await asyncio.to_thread(call)


async def test_login_and_master_data(sandbox: Sandbox, untis: SessionFactory) -> None:
    dataset = sandbox.dataset
    session = untis()
    await run(session.login)
    assert session.login_result["personType"] == 5
    assert session.login_result["personId"] == 1001
    klassen = await run(session.klassen)
    assert [k.name for k in klassen] == [c.name for c in dataset.classes.values()]
    eight_a = klassen.filter(name="8A")[0]
    assert session.login_result["klasseId"] == eight_a.id
    assert eight_a.long_name == "Klasse 8A"

    subjects = await run(session.subjects)
    assert {s.long_name for s in subjects} == {
        s.name("de") for s in dataset.subjects.values()
    }
    teachers = await run(session.teachers)
    assert {t.full_name for t in teachers} == {
        t.name for t in dataset.teachers.values()
    }
    rooms = await run(session.rooms)
    assert "LAB1" in {r.name for r in rooms}

    holidays = await run(session.holidays)
    assert [(h.name, h.start.date(), h.end.date()) for h in holidays] == [
        (h.name("de"), h.start, h.end) for h in dataset.holidays
    ]
    years = await run(session.schoolyears)
    current = await run(lambda: years.current)
    assert current.start.date() == dataset.year_start
    assert current.end.date() == dataset.year_end
    assert current.is_current
    assert len(years) == 2

    status = await run(session.statusdata)
    assert [c.name for c in status.period_codes] == ["cancelled", "irregular"]
    assert "ex" in {t.name for t in status.lesson_types}
    assert status.period_codes[0].backcolor == "FF0000"

    grid = await run(session.timegrid_units)
    assert [day.dayname for day in grid] == [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
    ]
    first = grid[0].time_units[0]
    assert (first.start.hour, first.start.minute) == (8, 0)
    assert (first.end.hour, first.end.minute) == (8, 45)

    stamp = await run(session.last_import_time)
    assert isinstance(stamp.date, datetime)
    await run(session.logout)


async def test_pupil_timetable(sandbox: Sandbox, untis: SessionFactory) -> None:
    dataset = sandbox.dataset
    cancelled = dataset.cancel_lesson("p1001", TODAY, 2)
    expected = dataset.lessons("p1001", MONDAY, FRIDAY + timedelta(days=1))
    session = untis()

    def check() -> None:
        # Lazy properties fetch master data: everything runs in the thread.
        session.login()
        periods = session.timetable(start=MONDAY, end=FRIDAY, student=1001)
        assert sorted(p.start for p in periods) == [x.start for x in expected]
        by_start = {p.start: p for p in periods}
        cut = by_start[cancelled.start]
        assert cut.code == "cancelled"
        assert cut.code_color.backcolor == "FF0000"
        lesson = next(x for x in expected if not x.substitute_id and not x.cancelled)
        period = by_start[lesson.start]
        subject = dataset.subjects[lesson.subject].name("de")
        assert [s.long_name for s in period.subjects] == [subject]
        assert [k.name for k in period.klassen] == ["8A"]
        assert [r.name for r in period.rooms] == [lesson.room]
        teacher = dataset.person(lesson.teacher_id)
        assert [t.full_name for t in period.teachers] == [teacher.name]
        assert period.code is None
        assert period.original_teachers == []
        # The extended form (names inline) is understood as well.
        mine = session.my_timetable(start=MONDAY, end=FRIDAY)
        assert sorted(p.start for p in mine) == sorted(p.start for p in periods)

    await run(check)


async def test_substitutions_show_in_the_timetable(
    sandbox: Sandbox, untis: SessionFactory
) -> None:
    dataset = sandbox.dataset
    session = untis()

    def check() -> None:
        session.login()
        periods = session.timetable(start=dataset.year_start, end=TODAY, student=1001)
        changed = [p for p in periods if p.code == "irregular"]
        assert changed
        period = changed[0]
        lesson = next(
            x
            for x in dataset.lessons_on("p1001", period.start.date())
            if x.start == period.start
        )
        assert lesson.substitute_id is not None
        assert [t.full_name for t in period.teachers] == [
            dataset.person(lesson.substitute_id).name
        ]
        assert [t.full_name for t in period.original_teachers] == [
            dataset.person(lesson.teacher_id).name
        ]
        assert period.substText == "Vertretung"

    await run(check)


async def test_class_timetable(sandbox: Sandbox, untis: SessionFactory) -> None:
    noa = sandbox.dataset.lessons("p1002", MONDAY, FRIDAY + timedelta(days=1))
    session = untis()

    def check() -> None:
        session.login()
        klasse = session.klassen().filter(name="9B")[0]
        periods = session.timetable(start=MONDAY, end=FRIDAY, klasse=klasse)
        assert sorted(p.start for p in periods) == [x.start for x in noa]
        assert {k.name for p in periods for k in p.klassen} == {"9B"}

    await run(check)


async def test_substitutions(sandbox: Sandbox, untis: SessionFactory) -> None:
    dataset = sandbox.dataset
    start = TODAY - timedelta(days=14)
    changed = [
        lesson
        for class_id in dataset.classes
        for lesson in dataset.lessons(
            dataset.pupils_in(class_id)[0].id, start, TODAY + timedelta(days=1)
        )
        if lesson.cancelled or lesson.substitute_id
    ]
    session = untis()

    def check() -> None:
        session.login()
        subs = session.substitutions(start=start, end=TODAY)
        assert len(subs) == len(changed)
        assert {s.type for s in subs} == {"cancel", "subst"}
        cancel = next(s for s in subs if s.type == "cancel")
        assert cancel.code == "cancelled"
        assert cancel.reschedule_start is None
        subst = next(s for s in subs if s.type == "subst")
        assert subst.original_teachers

    await run(check)


async def test_exams(sandbox: Sandbox, untis: SessionFactory) -> None:
    dataset = sandbox.dataset
    expected = dataset.exams_of("p1001")
    session = untis()

    def check() -> None:
        session.login()
        types = session.exam_types()
        assert [t.long_name for t in types] == ["Klassenarbeit"]
        exams = session.exams(start=dataset.year_start, end=dataset.year_end)
        assert [e.start for e in exams] == [x.start for x in expected]
        assert exams[0].subject.long_name == dataset.subjects[expected[0].subject].name(
            "de"
        )
        assert [k.name for k in exams[0].klassen] == ["8A"]

    await run(check)


async def test_parent_reads_a_childs_timetable(
    sandbox: Sandbox, untis: SessionFactory
) -> None:
    session = untis("levi.parent", PARENT_PASSWORD)
    await run(session.login)
    assert session.login_result["personType"] == 12
    ari = await run(lambda: session.timetable(start=MONDAY, end=FRIDAY, student=1003))
    assert len(ari) == len(
        sandbox.dataset.lessons("p1003", MONDAY, FRIDAY + timedelta(days=1))
    )
    # Another family's child is refused (-8509: a plain RemoteError here).
    with pytest.raises(errors.RemoteError):
        await run(lambda: session.timetable(start=MONDAY, end=FRIDAY, student=1001))


async def test_relogin_after_the_session_expired(
    sandbox: Sandbox, untis: SessionFactory
) -> None:
    session = untis(login_repeat=1)
    await run(session.login)
    first = session.config["jsessionid"]
    sandbox.faults.set("webuntis", "expire_sessions")
    rooms = await run(session.rooms)
    assert len(rooms) > 0
    assert session.config["jsessionid"] != first

    # Without login_repeat the library reports the dead session.
    plain = untis()
    await run(plain.login)
    sandbox.faults.set("webuntis", "expire_sessions")
    with pytest.raises(errors.NotLoggedInError):
        await run(plain.rooms)


async def test_logout_ends_the_session(untis: SessionFactory) -> None:
    session = untis()
    await run(session.login)
    sid = session.config["jsessionid"]
    await run(session.logout)
    # The same session id is dead now.
    again = untis(jsessionid=sid)
    with pytest.raises(errors.NotLoggedInError):
        await run(again.rooms)


@pytest.mark.parametrize(
    ("username", "password", "school", "error"),
    [
        ("dana.cohen", "wrong", SCHOOL, errors.BadCredentialsError),
        ("nobody", PUPIL_PASSWORD, SCHOOL, errors.BadCredentialsError),
        ("dana.cohen", PUPIL_PASSWORD, "no-such-school", errors.RemoteError),
    ],
)
async def test_refused_logins(
    untis: SessionFactory,
    username: str,
    password: str,
    school: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await run(untis(username, password, school).login)


async def test_dates_outside_the_year(untis: SessionFactory) -> None:
    session = untis()
    await run(session.login)
    with pytest.raises(errors.DateNotAllowed):
        await run(
            lambda: session.timetable(
                start=date(2027, 7, 5), end=date(2027, 7, 9), student=1001
            )
        )


async def test_no_right_for_students(untis: SessionFactory) -> None:
    session = untis()
    await run(session.login)
    with pytest.raises(errors.RemoteError) as caught:
        await run(session.students)
    assert caught.value.code == -8509  # type: ignore[attr-defined]


async def test_absences_and_class_register(
    sandbox: Sandbox, untis: SessionFactory
) -> None:
    dataset = sandbox.dataset
    session = untis()
    await run(session.login)
    absences = await run(
        lambda: session.timetable_with_absences(start=dataset.year_start, end=TODAY)
    )
    records = dataset.discipline("p1001")
    assert len(absences) == len([r for r in records if r.kind == "absence"])
    events = await run(
        lambda: session.class_reg_events(start=dataset.year_start, end=TODAY)
    )
    assert len(events) == len([r for r in records if r.kind != "absence"])
    assert {e.date.date() for e in events} <= {r.day for r in records}
    assert all(e.fore_name == "Dana" for e in events)
    categories = await run(session.class_reg_categories)
    assert {c.name for c in categories} >= {"VS", "LOB"}


async def test_a_login_without_a_person_of_its_own(
    sandbox: Sandbox, untis: SessionFactory
) -> None:
    """The library takes the personType 16 answer (its own issue #63) as sent."""
    sandbox.webuntis.login_person = "none"
    session = untis()
    await run(session.login)
    assert (
        session.login_result["personType"],
        session.login_result["personId"],
        session.login_result["klasseId"],
    ) == (16, -1, 0)
    # The pupil's timetable is still there by the pupil's own id.
    periods = await run(
        lambda: session.timetable(start=MONDAY, end=FRIDAY, student=1001)
    )
    assert len(periods) == len(
        sandbox.dataset.lessons("p1001", MONDAY, FRIDAY + timedelta(days=1))
    )
