"""Calendar: the polled window and any other range the frontend asks for."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.api import PortalInfo
from custom_components.school_portal.api.models import Capability
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox
from sandbox.dataset import LANGUAGES

from .conftest import offering, portals, student_id_of


def calendar_id(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: Sandbox, pupil: str
) -> str:
    """The pupil's timetable entity."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "calendar",
        DOMAIN,
        f"{entry.unique_id}_{student_id_of(entry, sandbox, pupil)}_timetable",
    )
    assert entity_id
    return entity_id


def local(day: date, clock: Any) -> datetime:
    """A naive sandbox wall-clock time, read in HA's (= the school's) time zone."""
    return datetime.combine(day, clock, tzinfo=dt_util.get_default_time_zone())


def expected(
    sandbox: Sandbox, pupil: str, start: date, end: date
) -> list[tuple[datetime, bool]]:
    """The pupil's lessons in the dataset: start and whether cancelled."""
    return sorted(
        (local(lesson.day, lesson.start.time()), lesson.cancelled)
        for lesson in sandbox.dataset.lessons(pupil, start, end)
    )


async def get_events(
    hass_client: Any, entity_id: str, start: date, end: date
) -> tuple[int, Any]:
    """GET the calendar API for whole local days."""
    client = await hass_client()
    tz = dt_util.get_default_time_zone()
    start_at = datetime.combine(start, datetime.min.time(), tzinfo=tz).isoformat()
    end_at = datetime.combine(end, datetime.min.time(), tzinfo=tz).isoformat()
    response = await client.get(
        f"/api/calendars/{entity_id}?start={quote(start_at)}&end={quote(end_at)}"
    )
    return response.status, await response.json()


def starts(events: list[dict[str, Any]]) -> list[tuple[datetime, bool]]:
    """Start and cancelled flag of API events."""
    return sorted(
        (
            dt_util.parse_datetime(event["start"]["dateTime"]),
            event["summary"].startswith("Cancelled: "),
        )
        for event in events
    )


async def test_state_is_next_lesson(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """The state shows the lesson going on or the next one."""
    state = hass.states.get(calendar_id(hass, portal_integration, sandbox, pupil))
    now = dt_util.now()
    upcoming = min(
        local(lesson.day, lesson.end.time())
        for lesson in sandbox.dataset.lessons(
            pupil, now.date(), now.date() + timedelta(days=10)
        )
        if not lesson.cancelled and local(lesson.day, lesson.end.time()) > now
    )
    assert dt_util.parse_datetime(state.attributes["end_time"]) == upcoming.replace(
        tzinfo=None
    )
    assert state.attributes["location"]


async def test_window_events(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    portal_info: PortalInfo,
    pupil: str,
    hass_client: Any,
) -> None:
    """This week's lessons come from the coordinator, with rooms and teachers."""
    today = dt_util.now().date()
    sandbox.log.clear()
    status, events = await get_events(
        hass_client,
        calendar_id(hass, portal_integration, sandbox, pupil),
        today,
        today + timedelta(days=7),
    )
    assert status == HTTPStatus.OK
    assert starts(events) == expected(sandbox, pupil, today, today + timedelta(days=7))
    assert events
    assert all(event["location"] for event in events)
    assert sandbox.log.count(portal_info.key) == 0


async def test_month_view_outside_window(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    portal_info: PortalInfo,
    pupil: str,
    hass_client: Any,
) -> None:
    """A month far ahead is read from the portal, then served from the cache."""
    entity_id = calendar_id(hass, portal_integration, sandbox, pupil)
    today = dt_util.now().date()
    dataset = sandbox.dataset
    # Far ahead if the school year lasts that long, else far back.
    start = today + timedelta(days=35)
    if start + timedelta(days=35) > dataset.year_end:
        start = today - timedelta(days=70)
    end = start + timedelta(days=35)
    cancelled = next(
        lesson for lesson in dataset.lessons(pupil, start, end) if not lesson.cancelled
    )
    dataset.cancel_lesson(pupil, cancelled.day, cancelled.hour)
    sandbox.log.clear()

    status, events = await get_events(hass_client, entity_id, start, end)
    assert status == HTTPStatus.OK
    assert starts(events) == expected(sandbox, pupil, start, end)
    assert any(flag for _, flag in starts(events))
    assert sandbox.log.count(portal_info.key) > 0

    sandbox.log.clear()
    status, again = await get_events(hass_client, entity_id, start, end)
    assert again == events
    assert sandbox.log.count(portal_info.key) == 0

    # A range across the window's edge joins both sources without gaps or doubles.
    edge_start = today + timedelta(days=10)
    status, events = await get_events(
        hass_client, entity_id, edge_start, edge_start + timedelta(days=10)
    )
    assert starts(events) == expected(
        sandbox, pupil, edge_start, edge_start + timedelta(days=10)
    )


async def test_read_error(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    portal_info: PortalInfo,
    pupil: str,
    hass_client: Any,
) -> None:
    """A portal failure on a far range is an error, not a crash or an empty month."""
    today = dt_util.now().date()
    sandbox.faults.set(portal_info.key, "maintenance")
    status, body = await get_events(
        hass_client,
        calendar_id(hass, portal_integration, sandbox, pupil),
        today + timedelta(days=60),
        today + timedelta(days=67),
    )
    assert status == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "PortalUnavailable" in body["message"]


async def test_status_in_the_users_language(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    portal_info: PortalInfo,
    pupil: str,
    hass_client: Any,
) -> None:
    """Cancelled lessons say so first, in the language the user picks, at once."""
    entity_id = calendar_id(hass, portal_integration, sandbox, pupil)
    today = dt_util.now().date()
    start, end = today - timedelta(days=7), today + timedelta(days=7)
    _, events = await get_events(hass_client, entity_id, start, end)
    subjects = {event["uid"]: event["summary"] for event in events}
    cancelled = {
        event["uid"] for event in events if event["summary"].startswith("Cancelled: ")
    }
    assert cancelled

    # A Hebrew-speaking household switches the language: no reload needed.
    await hass.config.async_update(language="he")
    await hass.async_block_till_done()
    status, events = await get_events(hass_client, entity_id, start, end)
    assert status == HTTPStatus.OK
    hebrew = {event["uid"]: event for event in events if event["uid"] in cancelled}
    assert len(hebrew) == len(cancelled)
    for uid, event in hebrew.items():
        assert event["summary"] == "בוטל: " + subjects[uid].removeprefix("Cancelled: ")
        assert event["description"].startswith("בוטל\n\n")
    assert hass.states.get(entity_id).state in ("on", "off")


@pytest.mark.parametrize("login_kind", ["student"])
@pytest.mark.parametrize("portal_info", portals(offering(Capability.EXAMS)))
async def test_exams_and_holidays(
    hass: HomeAssistant,
    portal_integration: MockConfigEntry,
    sandbox: Sandbox,
    pupil: str,
) -> None:
    """Exams and holidays fill their calendar."""
    entry = portal_integration
    calendar = er.async_get(hass).async_get_entity_id(
        "calendar",
        DOMAIN,
        f"{entry.unique_id}_{student_id_of(entry, sandbox, pupil)}_exams_holidays",
    )
    assert calendar
    now = dt_util.now()
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"start_date_time": now.replace(month=9, day=1), "duration": {"days": 300}},
        target={"entity_id": calendar},
        blocking=True,
        return_response=True,
    )
    events = response[calendar]["events"]
    summaries = {event["summary"] for event in events}
    # Every holiday, named in the one language the portal speaks.
    assert any(
        {holiday.name(language) for holiday in sandbox.dataset.holidays} <= summaries
        for language in LANGUAGES
    )
    assert any("T" in event["start"] for event in events), "no timed exam"
