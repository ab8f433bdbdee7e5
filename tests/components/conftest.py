"""Fixtures for the Home Assistant side: the sandbox on the test's own loop."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

# Imported before any clock is frozen: diagnostics imports it lazily, and its
# dataclass models cannot be built while freezegun replaces datetime.
import aiohasupervisor  # noqa: F401
import pytest
from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.api.util import stable_id
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox
from sandbox.dataset import Dataset

# Every HA test runs on a fixed term-time Wednesday (ticking from there), so
# that no test depends on the day CI runs: weekends, holidays and the summer
# would otherwise change what the sandbox's school year shows "today".
FROZEN_NOW = "2026-11-18T18:00:00+00:00"  # 10:00 in the test's US/Pacific


@pytest.hookimpl(tryfirst=True)  # before pytest-freezer looks for the marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Pin the clock of every test in this folder."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.freeze_time(FROZEN_NOW, tick=True))


HERE = Path(__file__).parent
PARENT = "levi.parent"
PARENT_PASSWORD = "sandbox-parent"
PUPIL = "dana.cohen"
PUPIL_PASSWORD = "sandbox-pupil"


def unique_id_of(username: str) -> str:
    """The unique id the config flow gives a sandbox login."""
    return f"webtop_{stable_id('webtop', username.casefold())}"


@pytest.fixture
def sandbox(hass: HomeAssistant) -> Sandbox:
    """A sandbox whose school year is built around today in HA's time zone."""
    return Sandbox(Dataset(today=dt_util.now().date()))


@pytest.fixture
def server_url(sandbox_server: TestServer) -> str:
    """The Webtop base URL of the running sandbox."""
    return f"http://127.0.0.1:{sandbox_server.port}/webtop"


@pytest.fixture
def entry_data(server_url: str) -> dict[str, Any]:
    """A parent's password login (short timeout: the slow fault must bite)."""
    return {
        "portal": "webtop",
        "server": server_url,
        "username": PARENT,
        "password": PARENT_PASSWORD,
        "timeout": 1,
    }


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """The parent's config entry."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Webtop",
        data=entry_data,
        unique_id=unique_id_of(entry_data["username"]),
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the parent's entry up against the sandbox."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


def pupil_id(entry: MockConfigEntry, sandbox: Sandbox, dataset_id: str) -> str:
    """The client's id of a sandbox pupil (matched by the Hebrew name)."""
    name = sandbox.dataset.pupils[dataset_id].name_he
    return next(
        student_id
        for student_id, data in entry.runtime_data.data.items()
        if data.student.name == name
    )


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """One coordinator refresh, as the timer would run it."""
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def add_homework(sandbox: Sandbox, dataset_pupil: str, description: str = "Page 42"):
    """Set homework in the pupil's next lesson (Webtop shows homework by lesson)."""
    dataset = sandbox.dataset
    lesson = next(
        lesson
        for lesson in dataset.lessons(
            dataset_pupil, dataset.today, dataset.today + timedelta(days=7)
        )
        if not lesson.cancelled
    )
    return dataset.add_homework(
        dataset_pupil,
        subject=lesson.subject,
        description=description,
        given=lesson.day,
    )
