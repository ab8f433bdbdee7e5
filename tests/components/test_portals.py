"""WebUntis and PRONOTE logins: config flow, reauth and reconfigure.

Their entities are tested with every portal's in the platforms' test files.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.config_flow import entry_unique_id
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .test_config_flow import stale_login

SCHOOL = "sandbox-gymnasium"


def account(sandbox: Sandbox, server: TestServer, portal: str, username: str):
    """The sandbox's listing of one login, with the test server's address."""
    base = f"http://127.0.0.1:{server.port}"
    return next(
        row
        for row in sandbox.accounts(base)
        if row["portal"] == portal and row["username"] == username
    )


async def open_form(hass: HomeAssistant, portal: str, step: str) -> dict[str, Any]:
    """Walk the menus to one login form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": portal}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    return result


def unique_id(data: dict[str, Any]) -> str:
    """The unique id the config flow gives these settings."""
    unique_id = entry_unique_id(data)
    assert unique_id
    return unique_id


async def set_up(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    """An entry with these settings, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title=data["portal"], unique_id=unique_id(data), data=data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Start the entry's reauth flow, as a refused login does."""
    return await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=entry.data,
    )


async def expect_abort(
    hass: HomeAssistant, flow_id: str, user_input: dict[str, Any], reason: str
) -> None:
    """Submit a form; the flow must end with this reason."""
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


def entity_ids(hass: HomeAssistant, entry_id: str) -> set[str]:
    """The entity ids of one entry."""
    return {
        item.entity_id
        for item in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    }


def pronote_data(login: dict[str, Any]) -> dict[str, Any]:
    """A PRONOTE password entry's settings for a sandbox login."""
    return {
        "portal": "pronote",
        "server": login["base_url"],
        "username": login["username"],
        "password": login["password"],
    }


def pronote_qr(sandbox: Sandbox, server: TestServer, username: str, pin: str) -> str:
    """A fresh PRONOTE QR code's content, as a QR reader gives it."""
    base = f"http://127.0.0.1:{server.port}"
    return json.dumps(sandbox.pronote.qr_code(username, pin, base))


# --------------------------------------------------------------------------
# WebUntis


async def test_webuntis_password_errors_sit_on_their_field(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """Unknown school on the school, bad password on the password; then it works."""
    login = account(sandbox, sandbox_server, "webuntis", "levi.parent")
    result = await open_form(hass, "webuntis", "webuntis_password")
    typed = {
        "server": login["server"],
        "school": "no-such-school",
        "username": login["username"],
        "password": login["password"],
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["errors"] == {"school": "unknown_school"}

    typed |= {"school": SCHOOL, "password": "wrong"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["errors"] == {"password": "invalid_auth"}

    typed |= {"password": login["password"]}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"].startswith("WebUntis")
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    # A parent sees both children, each with a timetable and an exams calendar.
    assert len(entry.runtime_data.data) == 2
    calendars = {e for e in entity_ids(hass, entry.entry_id) if e[:9] == "calendar."}
    assert len(calendars) == 4


async def test_webuntis_qr_link_keeps_the_secret_not_the_link(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """The QR link stands for server, school, user and secret; only those are kept."""
    login = account(sandbox, sandbox_server, "webuntis", "dana.cohen")
    result = await open_form(hass, "webuntis", "webuntis_qr")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"qr_link": "https://example.invalid/not-a-qr"}
    )
    assert result["errors"] == {"qr_link": "invalid_qr"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"qr_link": login["qr_link"]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["result"].data
    assert "qr_link" not in data
    assert data["secret"] == login["secret"]
    assert data["school"] == SCHOOL
    assert data["username"] == "dana.cohen"
    assert "password" not in data

    # The same account again, by its secret: refused before any login.
    result = await open_form(hass, "webuntis", "webuntis_secret")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "server": login["server"],
            "school": SCHOOL,
            "username": "dana.cohen",
            "secret": login["secret"],
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_webuntis_reauth_asks_for_the_secret(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """A secret login is renewed with a secret; a wrong one shows on its field."""
    login = account(sandbox, sandbox_server, "webuntis", "dana.cohen")
    result = await open_form(hass, "webuntis", "webuntis_secret")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "server": login["server"],
            "school": SCHOOL,
            "username": "dana.cohen",
            "secret": login["secret"].lower(),
        },
    )
    await hass.async_block_till_done()
    entry = result["result"]
    stale_login(hass, entry, secret="BBBBBBBBBBBBBBBB")
    result = await start_reauth(hass, entry)
    assert result["step_id"] == "reauth_confirm"
    assert set(result["data_schema"].schema) == {"secret"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"secret": "AAAAAAAAAAAAAAAA"}
    )
    assert result["errors"] == {"secret": "invalid_secret"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"secret": login["secret"]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"


# --------------------------------------------------------------------------
# PRONOTE


async def test_pronote_parent_gets_grades_averages_and_menus(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """A parent's password login: both children, with grade and lunch sensors."""
    login = account(sandbox, sandbox_server, "pronote", "levi.parent")
    result = await open_form(hass, "pronote", "pronote_password")
    typed = {
        "server": login["base_url"] + "?login=true",
        "username": login["username"],
        "password": "wrong",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["errors"] == {"password": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], typed | {"password": login["password"]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert result["title"].startswith("PRONOTE")
    assert len(entry.runtime_data.data) == 2
    ids = entity_ids(hass, entry.entry_id)
    for student_data in entry.runtime_data.data.values():
        assert student_data.grades
        assert student_data.averages
    averages = [hass.states.get(e) for e in ids if e.endswith("_period_average")]
    assert len(averages) == 2
    assert all(float(state.state) > 0 for state in averages)
    assert all(state.attributes["subjects"] for state in averages)
    latest = [hass.states.get(e) for e in ids if e.endswith("_latest_grade")]
    assert all(state.attributes["subject"] for state in latest)
    assert any(e.endswith("_lunch_today") for e in ids)


async def test_pronote_pin_step(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """An account with a PIN asks for it; a wrong PIN is said so; it is kept."""
    login = account(sandbox, sandbox_server, "pronote", "dana.pin")
    result = await open_form(hass, "pronote", "pronote_password")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "server": login["base_url"],
            "username": login["username"],
            "password": login["password"],
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "challenge"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"account_pin": "9999"}
    )
    assert result["errors"] == {"account_pin": "invalid_pin"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"account_pin": login["account_pin"]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data["account_pin"] == login["account_pin"]
    assert entry.state is ConfigEntryState.LOADED


async def test_pronote_qr_login_keeps_a_rotating_token(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """QR + PIN once; then the device token, renewed at each login, is kept."""
    result = await open_form(hass, "pronote", "pronote_qr")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"qr_code": "not json", "qr_pin": "0000"}
    )
    assert result["errors"] == {"qr_code": "invalid_qr"}
    code = pronote_qr(sandbox, sandbox_server, "dana.cohen", "4321")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"qr_code": code, "qr_pin": "1111"}
    )
    assert result["errors"] == {"qr_code": "invalid_qr_login"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"qr_code": code, "qr_pin": "4321"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert "qr_code" not in entry.data
    assert "qr_pin" not in entry.data
    assert entry.data["username"] == "dana.cohen"
    device_id = entry.data["device_id"]
    first_token = entry.data["token"]

    # A restart logs in with the token and stores the one it got back.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["token"] != first_token
    assert entry.data["device_id"] == device_id

    # A token that died is replaced by a new QR code.
    stale_login(hass, entry, token="dead")
    result = await start_reauth(hass, entry)
    assert set(result["data_schema"].schema) == {"qr_code", "qr_pin"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "qr_code": pronote_qr(sandbox, sandbox_server, "dana.cohen", "2222"),
            "qr_pin": "2222",
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert "qr_code" not in entry.data


# --------------------------------------------------------------------------
# Errors and changed logins


async def test_locked_account_and_wrong_address(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """A locked WebUntis user says so; a page that is not PRONOTE is a bad address."""
    login = account(sandbox, sandbox_server, "webuntis", "dana.cohen")
    sandbox.faults.set("webuntis", "two_factor")
    result = await open_form(hass, "webuntis", "webuntis_password")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {key: login[key] for key in ("server", "school", "username", "password")},
    )
    assert result["errors"] == {"base": "account_locked"}
    sandbox.faults.clear()

    result = await open_form(hass, "pronote", "pronote_password")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "server": f"http://127.0.0.1:{sandbox_server.port}/webtop/eleve.html",
            "username": "dana.cohen",
            "password": "sandbox-pupil",
        },
    )
    assert result["errors"] == {"server": "invalid_server"}


async def test_reauth_of_a_pin_account_asks_for_the_pin(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """A PIN the portal starts to demand is asked for in the reauth, then kept."""
    login = account(sandbox, sandbox_server, "pronote", "dana.pin")
    data = pronote_data(login) | {"password": "old password"}
    entry = MockConfigEntry(
        domain=DOMAIN, title="PRONOTE", unique_id=unique_id(data), data=data
    )
    entry.add_to_hass(hass)
    result = await start_reauth(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": login["password"]}
    )
    assert result["step_id"] == "challenge"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"account_pin": login["account_pin"]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["account_pin"] == login["account_pin"]
    assert entry.data["password"] == login["password"]


async def test_reauth_with_a_bad_qr_code(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """Text that is not a QR code is refused on its field, before any login."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="PRONOTE",
        unique_id="pronote-qr",
        data={
            "portal": "pronote",
            "server": f"http://127.0.0.1:{sandbox_server.port}/pronote/eleve.html",
            "username": "dana.cohen",
            "token": "dead",
            "device_id": "a-device",
        },
    )
    entry.add_to_hass(hass)
    result = await start_reauth(hass, entry)
    sandbox.log.clear()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"qr_code": "{}", "qr_pin": "1234"}
    )
    assert result["errors"] == {"qr_code": "invalid_qr"}
    assert sandbox.log.count("pronote") == 0


async def test_webuntis_reconfigure_shows_the_school(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """Reconfigure offers server, school and username, filled in."""
    login = account(sandbox, sandbox_server, "webuntis", "levi.parent")
    result = await open_form(hass, "webuntis", "webuntis_password")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {key: login[key] for key in ("server", "school", "username", "password")},
    )
    await hass.async_block_till_done()
    entry = result["result"]
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == ["server", "school", "username", "password"]
    suggested = {
        str(key): key.description["suggested_value"] for key in list(schema)[:3]
    }
    assert suggested == {
        "server": login["server"],
        "school": SCHOOL,
        "username": "levi.parent",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "server": login["server"],
            "school": "other-school",
            "username": "levi.parent",
            "password": login["password"],
        },
    )
    assert result["errors"] == {"school": "unknown_school"}


async def add_by_qr_code(
    hass: HomeAssistant, sandbox: Sandbox, server: TestServer
) -> MockConfigEntry:
    """Dana's entry, added through the flow with a PRONOTE QR code."""
    result = await open_form(hass, "pronote", "pronote_qr")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "qr_code": pronote_qr(sandbox, server, "dana.cohen", "1111"),
            "qr_pin": "1111",
        },
    )
    await hass.async_block_till_done()
    return result["result"]


async def test_qr_reauth_that_needs_the_account_pin(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """A new QR code on an account that now demands its PIN: both end up used."""
    entry = await add_by_qr_code(hass, sandbox, sandbox_server)

    sandbox.faults.set("pronote", "two_factor")
    stale_login(hass, entry, token="dead")
    result = await start_reauth(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "qr_code": pronote_qr(sandbox, sandbox_server, "dana.cohen", "2222"),
            "qr_pin": "2222",
        },
    )
    assert result["step_id"] == "challenge"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"account_pin": "1234"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["account_pin"] == "1234"
    assert "qr_code" not in entry.data
    assert entry.data["token"]


# --------------------------------------------------------------------------
# A second factor demanded outside the login form (issue 9, item 1)


async def test_reauth_after_a_passing_refusal_needs_nothing(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """A reauth whose stored login works again ends by itself, keeping its token."""
    login = account(sandbox, sandbox_server, "pronote", "dana.cohen")
    entry = await set_up(hass, pronote_data(login))
    result = await start_reauth(hass, entry)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.state is ConfigEntryState.LOADED


# --------------------------------------------------------------------------
# Titles, unique ids and abandoned flows (issue 9, items 3, 8 and 11)


async def test_two_logins_at_one_school_have_their_own_title(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """The title names the login, so that a parent's and a pupil's entry differ."""
    titles = []
    for username in ("levi.parent", "dana.cohen"):
        login = account(sandbox, sandbox_server, "pronote", username)
        result = await open_form(hass, "pronote", "pronote_password")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {key: login[key] for key in ("username", "password")}
            | {"server": login["base_url"]},
        )
        await hass.async_block_till_done()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        titles.append(result["title"])
    school = sandbox.dataset.school.name("fr")
    assert titles == [
        f"PRONOTE · \u2068{school}\u2069 · \u2068levi.parent\u2069",
        f"PRONOTE · \u2068{school}\u2069 · \u2068dana.cohen\u2069",
    ]


async def test_abandoned_pin_step_blocks_no_new_flow(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """A flow left at the PIN (the page reloaded) does not block the account."""
    login = account(sandbox, sandbox_server, "pronote", "dana.pin")
    typed = {key: login[key] for key in ("username", "password")}
    typed["server"] = login["base_url"]
    result = await open_form(hass, "pronote", "pronote_password")
    abandoned = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert abandoned["step_id"] == "challenge"

    result = await open_form(hass, "pronote", "pronote_password")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "challenge"
    assert result["description_placeholders"] == {"login": "dana.pin", "question": ""}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"account_pin": login["account_pin"]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Once the account is added, the abandoned flow cannot add it twice.
    await expect_abort(
        hass,
        abandoned["flow_id"],
        {"account_pin": login["account_pin"]},
        "already_configured",
    )


async def test_webuntis_school_moves_to_another_server(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """Reconfigure accepts the same school and login on another server."""
    login = account(sandbox, sandbox_server, "webuntis", "levi.parent")
    data = {
        "portal": "webuntis",
        "server": "old-server.webuntis.invalid",
        "school": SCHOOL,
        "username": "levi.parent",
        "password": login["password"],
    }
    entry = MockConfigEntry(
        domain=DOMAIN, title="WebUntis", unique_id=unique_id(data), data=data, version=2
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    typed = ("server", "school", "username", "password")
    await expect_abort(
        hass,
        result["flow_id"],
        {key: login[key] for key in typed},
        "reconfigure_successful",
    )
    assert entry.data["server"] == login["server"]
    assert entry.state is ConfigEntryState.LOADED

    # Another login at that school is still another account.
    other = account(sandbox, sandbox_server, "webuntis", "dana.cohen")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    await expect_abort(
        hass, result["flow_id"], {key: other[key] for key in typed}, "wrong_account"
    )


def test_unique_ids_name_the_school_not_the_server() -> None:
    """WebUntis: the school; PRONOTE: the host (it is the school's); Webtop: none."""
    webuntis = {"portal": "webuntis", "school": "Gym-A", "username": "Levi"}
    assert entry_unique_id(webuntis | {"server": "a.webuntis.com"}) == (
        entry_unique_id(webuntis | {"server": "b.webuntis.com", "username": "levi"})
    )
    assert entry_unique_id(webuntis | {"server": "a"}) != entry_unique_id(
        webuntis | {"server": "a", "school": "gym-b"}
    )
    pronote = {"portal": "pronote", "username": "levi"}
    first = entry_unique_id(pronote | {"server": "https://0123a.index-education.net"})
    other = entry_unique_id(pronote | {"server": "https://0456b.index-education.net"})
    assert first != other
    assert first is not None
    assert first.startswith("pronote_0123a.index-education.net_")
    webtop = entry_unique_id(
        {"portal": "webtop", "server": "https://x", "username": "123456789"}
    )
    assert webtop is not None
    assert "123456789" not in webtop
    # Unknown before a PRONOTE QR code is opened: no claim then.
    assert entry_unique_id({"portal": "pronote", "server": "https://x"}) is None
