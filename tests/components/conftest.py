"""Fixtures for the Home Assistant side: the sandbox on the test's own loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

# Imported before any clock is frozen: diagnostics imports it lazily, and its
# dataclass models cannot be built while freezegun replaces datetime.
import aiohasupervisor  # noqa: F401
import pytest
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.api import PORTALS, PortalInfo
from custom_components.school_portal.api.models import Capability
from custom_components.school_portal.api.portal import (
    FieldKind,
    LoginField,
    LoginMethod,
)
from custom_components.school_portal.api.util import stable_id
from custom_components.school_portal.config_flow import entry_unique_id
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
    """A sandbox whose school year is built around today in HA's time zone.

    Its naive times are wall-clock times there (portals whose wire carries
    offsets give that zone's).
    """
    zone = dt_util.get_default_time_zone()
    return Sandbox(Dataset(today=dt_util.now().date(), zone=zone))


@pytest.fixture
def server_url(sandbox_server: TestServer) -> str:
    """The Webtop base URL of the running sandbox."""
    return f"http://127.0.0.1:{sandbox_server.port}/webtop"


@pytest.fixture
def entry_data(server_url: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """A parent's password login.

    Its timeout is 1 s only for tests marked ``short_timeout`` (the sandbox's
    slow fault must bite); the rest keep 10 s, so that a loaded machine
    (a set-up's first requests queued behind other workers) fails no set-up.
    """
    short = request.node.get_closest_marker("short_timeout") is not None
    return {
        "portal": "webtop",
        "server": server_url,
        "username": PARENT,
        "password": PARENT_PASSWORD,
        "timeout": 1 if short else 10,
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
    return await set_up_entry(hass, mock_config_entry)


async def set_up_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add an entry and set it up; it must load."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


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


# Longer than any client keeps a slowly changing read (messages, discipline):
# what the dataset gained since is then read at the next refresh.
SLOW_READS = timedelta(hours=7)


async def refresh_after_slow_reads(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """One refresh once every cached read has aged out (same school day)."""
    freezer.tick(SLOW_READS)
    await refresh(hass, entry)


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


# --------------------------------------------------------------------------
# Every portal: an entry set up against the sandbox for each portal's pupil
# and parent login. What a test expects of a portal comes from data (the
# dataset, the login's row in `Sandbox.accounts`, the client's capabilities),
# never from the portal's name.

LOGIN_KINDS = ("student", "parent")


def portals(
    where: Callable[[PortalInfo], bool] = lambda info: True,
) -> list[Any]:
    """Portals as test parameters (to parametrize `portal_info` to some of them)."""
    return [pytest.param(info, id=info.key) for info in PORTALS.values() if where(info)]


def offering(capability: Capability) -> Callable[[PortalInfo], bool]:
    """Whether a portal's client offers a capability."""
    return lambda info: capability in info.client.capabilities


def lacking(capability: Capability) -> Callable[[PortalInfo], bool]:
    """Whether a portal's client lacks a capability."""
    return lambda info: capability not in info.client.capabilities


@pytest.fixture(params=list(PORTALS))
def portal_info(request: pytest.FixtureRequest) -> PortalInfo:
    """Each registered portal in turn."""
    return PORTALS[request.param]


@pytest.fixture(params=LOGIN_KINDS)
def login_kind(request: pytest.FixtureRequest) -> str:
    """A pupil's own login, then a parent's (parametrize it to pick one)."""
    return str(request.param)


@pytest.fixture
def login(
    sandbox: Sandbox,
    sandbox_server: TestServer,
    portal_info: PortalInfo,
    login_kind: str,
) -> dict[str, Any]:
    """The portal's first sandbox login of that kind, with the server's address."""
    base = f"http://127.0.0.1:{sandbox_server.port}"
    return next(
        row
        for row in sandbox.accounts(base)
        if row["portal"] == portal_info.key and row["kind"] == login_kind
    )


def method_for(info: PortalInfo, row: dict[str, Any]) -> LoginMethod:
    """The first login method whose every field a sandbox login gives.

    A field the row lacks but that has a default (an optional scope) is no
    obstacle: the form would offer its default.
    """
    return next(
        method
        for method in info.methods
        if all(
            field_value(row, f) is not None or f.default is not None
            for f in method.fields
        )
    )


def field_value(row: dict[str, Any], field: LoginField) -> Any:
    """A login field's value in a sandbox login (an address is its base URL)."""
    return row.get(field.key, row["base_url"] if field.kind is FieldKind.URL else None)


def login_data(info: PortalInfo, row: dict[str, Any]) -> dict[str, Any]:
    """An entry's settings for a sandbox login: its method's fields, known answers.

    An answer the row gives (the pupil an SS12000 login reads) is stored as
    the config flow's challenge step would have stored it.
    """
    values = {f.key: field_value(row, f) for f in method_for(info, row).fields}
    answers = {key: row[key] for key in info.answer_keys if key in row}
    return (
        {"portal": info.key}
        | {key: value for key, value in values.items() if value is not None}
        | answers
    )


@pytest.fixture
def portal_entry(portal_info: PortalInfo, login: dict[str, Any]) -> MockConfigEntry:
    """The login's config entry, not yet added."""
    data = login_data(portal_info, login)
    # A login without a username is named by its account once it logged in
    # (the config flow's `<portal>_<account id>`): a stand-in of that shape.
    return MockConfigEntry(
        domain=DOMAIN,
        title=portal_info.name,
        data=data,
        unique_id=entry_unique_id(data)
        or f"{portal_info.key}_{stable_id(login['username'])}",
    )


@pytest.fixture
async def portal_integration(
    hass: HomeAssistant, portal_entry: MockConfigEntry
) -> MockConfigEntry:
    """The login's entry, set up against the sandbox."""
    return await set_up_entry(hass, portal_entry)


@pytest.fixture
def pupil(login: dict[str, Any]) -> str:
    """The dataset id of the login's first pupil."""
    return str(login["pupils"][0]["dataset_id"])


def student_id_of(entry: MockConfigEntry, sandbox: Sandbox, dataset_id: str) -> str:
    """The client's id of a sandbox pupil (matched by the first name, in any script)."""
    pupil = sandbox.dataset.pupils[dataset_id]
    return next(
        student_id
        for student_id, data in entry.runtime_data.data.items()
        if data.student.first_name in (pupil.first_name, pupil.first_name_he)
    )
