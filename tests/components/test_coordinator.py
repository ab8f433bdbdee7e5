"""Coordinator parts that the sandbox cannot reach: stores, statuses, capabilities."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components import calendar as ha_calendar
from homeassistant.components.calendar import CalendarEvent
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.api.errors import (
    AuthenticationError,
    TwoFactorRequired,
)
from custom_components.school_portal.api.models import (
    AccountData,
    Capability,
    DisciplineEvent,
    DisciplineKind,
    Grade,
    Lesson,
    LessonStatus,
    Message,
    Student,
    StudentData,
)
from custom_components.school_portal.api.portal import Challenge, ChallengeKind
from custom_components.school_portal.api.webtop import WebtopClient
from custom_components.school_portal.calendar import lesson_event
from custom_components.school_portal.const import DOMAIN
from custom_components.school_portal.news import _notable_items
from custom_components.school_portal.stores import HomeworkDoneStore, SeenStore
from sandbox.app import Sandbox

from .conftest import pupil_id, refresh

TODAY = date(2026, 11, 22)


def lesson(status: LessonStatus, note: str | None = None) -> Lesson:
    """A lesson tomorrow at eight."""
    start = dt_util.now().replace(hour=8, minute=0, second=0, microsecond=0)
    return Lesson(
        uid=f"l-{status}",
        start=start,
        end=start + timedelta(minutes=45),
        subject="Maths",
        rooms=("12",),
        status=status,
        note=note,
    )


def test_notable_items() -> None:
    """Grades are news, exams and ordinary lessons are not."""
    data = StudentData(
        student=Student("s1", "A", "B"),
        lessons=(lesson(LessonStatus.EXAM), lesson(LessonStatus.NORMAL)),
        grades=(Grade("g1", "Maths", "95", TODAY, out_of="100"),),
    )
    now = datetime.combine(TODAY, time(12), tzinfo=UTC)
    items = list(_notable_items(data, now))
    assert [(kind, uid, past) for kind, uid, _, past in items] == [
        ("new_grade", "g1", False)
    ]
    assert items[0][2]["value"] == "95"


def test_old_news_is_past() -> None:
    """Messages, discipline events and grades older than two weeks are not news."""
    now = datetime.combine(TODAY, time(12), tzinfo=UTC)
    old, recent = now - timedelta(days=15), now - timedelta(days=13)
    inbox = AccountData(
        messages=(
            Message("m-old", "Trip", "Office", old, read=False),
            Message("m-new", "Trip", "Office", recent, read=False),
        )
    )
    data = StudentData(
        student=Student("s1", "A", "B"),
        discipline=(
            DisciplineEvent("d-old", DisciplineKind.LATE, old),
            DisciplineEvent("d-new", DisciplineKind.LATE, recent),
        ),
        grades=(
            Grade("g-old", "Maths", "90", old.date()),
            Grade("g-new", "Maths", "90", recent.date()),
        ),
    )
    past = {
        uid: is_past
        for source in (inbox, data)
        for _, uid, _, is_past in _notable_items(source, now)
    }
    assert past == {
        "m-old": True,
        "m-new": False,
        "d-old": True,
        "d-new": False,
        "g-old": True,
        "g-new": False,
    }


def test_lesson_changes_carry_old_and_new_values() -> None:
    """A substitution names what it replaced; a moved room is compared with the last poll."""
    now = dt_util.now().replace(hour=6, minute=0, second=0, microsecond=0)
    start = now + timedelta(days=1, hours=2)
    normal = Lesson(
        "l1", start, start + timedelta(minutes=45), "Maths", ("Ms A",), ("12",)
    )
    substituted = Lesson(
        "l2", start, start + timedelta(minutes=45), "Physics", ("Mr C",), ("7",),
        status=LessonStatus.CHANGED, note="Substitution", original_teachers=("Mr B",),
    )  # fmt: skip
    student = Student("s1", "A", "B")
    previous = StudentData(student=student, lessons=(normal, substituted))
    moved = Lesson(
        "l1", start, start + timedelta(minutes=45), "Maths", ("Ms A",), ("14",)
    )
    current = StudentData(student=student, lessons=(moved, substituted))

    first = {uid: attrs for _, uid, attrs, _ in _notable_items(previous, now)}
    (key,) = first
    assert key.startswith("l2|")
    assert first[key]["previous"]["teachers"] == ["Mr B"]
    assert first[key]["teachers"] == ["Mr C"]
    assert first[key]["note"] == "Substitution"

    items = list(_notable_items(current, now, previous))
    changes = {uid.split("|")[0]: (kind, attrs) for kind, uid, attrs, _ in items}
    kind, attrs = changes["l1"]
    assert kind == "lesson_changed"
    assert attrs["previous"]["rooms"] == ["12"]
    assert attrs["rooms"] == ["14"]
    # The same substitution keeps its key: it is not announced again.
    assert {uid for _, uid, _, _ in items} >= set(first)

    # The room changes back and forth: each version is a new key, once.
    again = StudentData(student=student, lessons=(normal, substituted))
    keys = {uid for _, uid, _, _ in _notable_items(again, now, current)}
    assert len(keys - set(first) - {uid for _, uid, _, _ in items}) == 1


def test_lesson_event_marks_status() -> None:
    """Cancelled lessons say so at the start of the title; changes and exams below."""
    words = {
        "cancelled": "Cancelled",
        "changed": "Changed",
        "exam": "Exam",
        "cancelled_summary": "Cancelled: {subject}",
    }
    assert lesson_event(lesson(LessonStatus.CANCELLED), words).summary == (
        "Cancelled: Maths"
    )
    changed = lesson_event(lesson(LessonStatus.CHANGED, note="Room 14 instead"), words)
    assert changed.summary == "Maths"
    # A blank line between lines: the calendar dialog joins single breaks.
    assert changed.description == "Changed\n\nRoom 14 instead"
    assert changed.location == "12"
    assert lesson_event(lesson(LessonStatus.EXAM), words).description == "Exam"
    assert lesson_event(lesson(LessonStatus.NORMAL), words).description is None
    note = lesson_event(lesson(LessonStatus.NORMAL, note="Bring\r\n\nthe atlas"), {})
    assert note.description == "Bring\n\nthe atlas"
    # Without translations the status is still shown, by its key.
    assert (
        lesson_event(lesson(LessonStatus.CANCELLED), {}).summary == "cancelled: Maths"
    )


def test_lesson_event_status_where_home_assistant_has_one() -> None:
    """2026.10+ events carry a status; 2025.4's have no such field."""
    normal = lesson_event(lesson(LessonStatus.NORMAL), {})
    cancelled = lesson_event(lesson(LessonStatus.CANCELLED), {})
    statuses = getattr(ha_calendar, "CalendarEventStatus", None)
    if statuses is None:
        assert "status" not in {field.name for field in fields(CalendarEvent)}
        return
    assert normal.status is statuses.CONFIRMED
    # No release offers "cancelled" yet: none rather than a wrong one.
    assert cancelled.status is getattr(statuses, "CANCELLED", None)


async def test_seen_store_forgets_old_keys(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Keys unseen for weeks are dropped; recent ones stay."""
    key = f"{DOMAIN}.e1.seen"
    hass_storage[key] = {
        "version": 1,
        "key": key,
        "data": {
            "items": {"old": "2026-01-01", "recent": TODAY.isoformat()},
            "seeded": ["s1"],
        },
    }
    store = SeenStore(hass, "e1")
    await store.async_load()
    assert store.is_seeded("s1")
    assert not store.mark("recent", TODAY)
    store.prune(TODAY)
    await store.async_save()
    assert hass_storage[key]["data"]["items"] == {"recent": TODAY.isoformat()}
    assert store.mark("old", TODAY)


async def test_done_store_forgets_old_marks(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Done marks older than half a year go."""
    store = HomeworkDoneStore(hass, "e1")
    await store.async_load()
    await store.async_set("s1", "old", True, TODAY - timedelta(days=400))
    await store.async_set("s1", "new", True, TODAY)
    assert store.get("s1", "old") is None
    assert store.get("s1", "new") is True
    assert store.get("s2", "new") is None


async def test_unknown_pupil_has_no_lessons(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Asking for a pupil that is not shown answers with nothing."""
    coordinator = init_integration.runtime_data
    today = dt_util.now().date()
    assert await coordinator.async_get_lessons("nobody", today, today) == []


async def test_calendar_reads_at_most_half_a_year_each_side(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """An automation asking for years costs one read, half a year each side."""
    coordinator = init_integration.runtime_data
    noa = pupil_id(init_integration, sandbox, "p1002")
    today = dt_util.now().date()
    with patch.object(
        WebtopClient, "lessons", wraps=coordinator.client.lessons
    ) as read:
        await coordinator.async_get_lessons(
            noa, today - timedelta(days=1000), today + timedelta(days=1000)
        )
    window = coordinator.window
    assert [call.args[1:] for call in read.await_args_list] == [
        (window.start - timedelta(weeks=26), window.end + timedelta(weeks=26)),
    ]


async def test_calendar_inside_the_window_reads_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A week view inside the polled window is served from the refresh."""
    coordinator = init_integration.runtime_data
    noa = pupil_id(init_integration, sandbox, "p1002")
    window = coordinator.window
    with patch.object(
        WebtopClient, "lessons", wraps=coordinator.client.lessons
    ) as read:
        lessons = await coordinator.async_get_lessons(noa, window.start, window.end)
    assert read.await_count == 0
    assert lessons
    assert all(window.start <= lesson.start.date() < window.end for lesson in lessons)


async def test_entities_follow_capabilities(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A portal with messages only gets no calendar, no to-do list."""
    mock_config_entry.add_to_hass(hass)
    with patch.object(WebtopClient, "capabilities", frozenset({Capability.MESSAGES})):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    domains = {
        item.domain
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), mock_config_entry.entry_id
        )
    }
    assert domains == {"sensor", "event"}


def reauth_flows(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The reauth flows in progress."""
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


async def test_second_factor_at_refresh_starts_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A code the portal starts to demand later asks the user too."""
    entry = init_integration
    demanded = TwoFactorRequired(
        Challenge(ChallengeKind.CHOICE, "answer", question="secret challenge")
    )
    # The portal asks on every login from now on, the reauth's own try too.
    with (
        patch.object(WebtopClient, "refresh", side_effect=demanded),
        patch.object(WebtopClient, "login", side_effect=demanded),
    ):
        await refresh(hass, entry)
    assert not entry.runtime_data.last_update_success
    assert len(reauth_flows(hass)) == 1
    states = {
        hass.states.get(item.entity_id).state
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        # The login's last-update sensor stays available by design.
        if item.entity_category is None
    }
    assert states == {STATE_UNAVAILABLE}
    assert "secret challenge" not in caplog.text


async def test_reauth_tries_the_stored_login_once_an_hour(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A login that works while every refresh is refused ends in the form, not a loop.

    The reauth's own try succeeds, reloads the entry, and the refresh is
    refused again: the second reauth must ask the user instead of logging in
    and reloading without end.
    """
    entry = init_integration
    real_login = WebtopClient.login
    logins = 0

    async def counted_login(client: WebtopClient) -> Any:
        nonlocal logins
        logins += 1
        return await real_login(client)

    with (
        patch.object(
            WebtopClient, "refresh", side_effect=AuthenticationError("refused")
        ),
        patch.object(WebtopClient, "login", counted_login),
    ):
        await refresh(hass, entry)
    flows = reauth_flows(hass)
    assert len(flows) == 1
    assert flows[0]["step_id"] == "reauth_confirm"
    # The reauth's one try, and the reloaded entry's login: no more.
    assert logins <= 2


async def test_school_time_zone_is_loaded_off_the_loop(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The zone's file is read in the executor, never on the event loop."""
    entry = mock_config_entry
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={"time_zone": "Asia/Jerusalem"}
    )
    with patch.object(
        dt_util, "get_time_zone", side_effect=AssertionError("file read on the loop")
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert str(entry.runtime_data.tz) == "Asia/Jerusalem"
    assert str(entry.runtime_data.client._tz) == "Asia/Jerusalem"


@pytest.mark.parametrize("fault", ["maintenance", "http_500", "malformed"])
@pytest.mark.parametrize("login_kind", ["student"])
async def test_every_portal_comes_back_after_a_fault(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    fault: str,
) -> None:
    """A failed poll leaves the login usable: the next one after the fault works.

    A client that kept a session the failed call may have spoiled (an order
    counter, a token) would fail every poll until Home Assistant restarts.
    """
    entry = portal_integration
    coordinator = entry.runtime_data
    sandbox.faults.set(entry.data["portal"], fault)
    await refresh(hass, entry)
    assert not coordinator.last_update_success
    sandbox.faults.clear()
    await refresh(hass, entry)
    assert coordinator.last_update_success
    assert coordinator.data
    await refresh(hass, entry)
    assert coordinator.last_update_success
