"""Config flow: every step, error, recovery and abort."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.api import PORTALS
from custom_components.school_portal.api.errors import (
    AuthenticationError,
    TwoFactorRequired,
)
from custom_components.school_portal.api.models import Account, AccountKind, Student
from custom_components.school_portal.api.portal import Challenge, ChallengeKind
from custom_components.school_portal.api.webtop import (
    DEFAULT_SERVER as WEBTOP_DEFAULT_SERVER,
)
from custom_components.school_portal.config_flow import (
    async_entry_title,
    entry_title,
)
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox

from .conftest import PARENT, PARENT_PASSWORD, PUPIL, PUPIL_PASSWORD, unique_id_of


def token_of(sandbox: Sandbox, username: str) -> str:
    """The long-lived browser token the sandbox accepts for a login."""
    return next(a["token"] for a in sandbox.accounts() if a["username"] == username)


def stale_login(hass: HomeAssistant, entry: MockConfigEntry, **changes: str) -> None:
    """Make the entry's stored login one the portal refuses (no live session)."""
    data = {key: value for key, value in entry.data.items() if key != "session_token"}
    hass.config_entries.async_update_entry(entry, data=data | changes)


async def start_login(hass: HomeAssistant, step: str) -> dict[str, Any]:
    """Walk the menus to a Webtop login form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == list(PORTALS)
    assert set(PORTALS) >= {"webtop", "webuntis", "pronote"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "webtop"}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["webtop_password", "webtop_token"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    assert result["errors"] == {}
    return result


async def test_password_login_creates_entry(
    hass: HomeAssistant, server_url: str, sandbox: Sandbox
) -> None:
    """A parent's password login creates one entry per account."""
    result = await start_login(hass, "webtop_password")
    schema = result["data_schema"].schema
    server_key = next(key for key in schema if key == "server")
    assert server_key.default() == WEBTOP_DEFAULT_SERVER

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": server_url + "/", "username": PARENT, "password": PARENT_PASSWORD},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == unique_id_of(PARENT)
    session = entry.data["session_token"]
    assert entry.data == {
        "portal": "webtop",
        "server": server_url,
        "username": PARENT,
        "password": PARENT_PASSWORD,
        "session_token": session,
    }
    # The flow's login serves the entry: setting it up logged in only once.
    assert sandbox.log.count("webtop", "user/LoginByUserNameAndPassword") == 1
    # Titles end up in logs: the login, never a pupil's name.
    assert entry.title.startswith("Webtop")
    school = sandbox.dataset.school.name("he")
    assert entry.title == f"Webtop · \u2068{school}\u2069 · \u2068{PARENT}\u2069"
    for pupil in sandbox.dataset.pupils.values():
        assert pupil.first_name_he not in entry.title
    assert entry.state is ConfigEntryState.LOADED
    assert len(entry.runtime_data.data) == 2


async def test_token_login_creates_entry(
    hass: HomeAssistant, server_url: str, sandbox: Sandbox
) -> None:
    """A pasted browser token works too, and matches the password login's account."""
    result = await start_login(hass, "webtop_token")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": server_url, "username": PUPIL, "token": token_of(sandbox, PUPIL)},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == unique_id_of(PUPIL)
    assert "password" not in result["result"].data


@pytest.mark.parametrize(
    ("prepare", "error"),
    [
        ("bad_password", "invalid_auth"),
        ("maintenance", "cannot_connect"),
        ("rate_limit", "cannot_connect"),
        ("closed_port", "cannot_connect"),
        ("malformed", "unknown"),
    ],
)
async def test_login_errors_recover(
    hass: HomeAssistant,
    server_url: str,
    sandbox: Sandbox,
    prepare: str,
    error: str,
) -> None:
    """Each failure shows on the form, and a corrected attempt succeeds."""
    result = await start_login(hass, "webtop_password")
    user_input = {"server": server_url, "username": PARENT, "password": PARENT_PASSWORD}
    if prepare == "bad_password":
        user_input["password"] = "wrong"
    elif prepare == "closed_port":
        user_input["server"] = "http://127.0.0.1:9/webtop"
    else:
        sandbox.faults.set("webtop", prepare)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    # What was typed stays, except the secret.
    suggested = {
        str(key): key.description.get("suggested_value")
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested["username"] == PARENT
    assert suggested.get("password") is None

    sandbox.faults.clear()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": server_url, "username": PARENT, "password": PARENT_PASSWORD},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unexpected_error(hass: HomeAssistant, server_url: str) -> None:
    """A bug in the client shows as unknown, not as a crash."""
    result = await start_login(hass, "webtop_password")
    with patch(
        "custom_components.school_portal.api.webtop.WebtopClient.login",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"server": server_url, "username": PARENT, "password": PARENT_PASSWORD},
        )
    assert result["errors"] == {"base": "unknown"}


async def test_duplicate_aborts(
    hass: HomeAssistant, server_url: str, sandbox: Sandbox
) -> None:
    """The same account twice (password, then token) is refused."""
    MockConfigEntry(domain=DOMAIN, unique_id=unique_id_of(PARENT)).add_to_hass(hass)
    result = await start_login(hass, "webtop_token")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": server_url, "username": PARENT, "token": token_of(sandbox, PARENT)},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # Refused before any request: a login could end the existing entry's session.
    assert sandbox.log.count("webtop") == 0


async def test_reauth_password(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A password entry asks for the password, recovers from a wrong one."""
    entry = init_integration
    # The password was changed on the site: the stored one and its session die.
    stale_login(hass, entry, password="old password")
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert [str(key) for key in result["data_schema"].schema] == ["password"]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": PARENT_PASSWORD}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["password"] == PARENT_PASSWORD
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_token(
    hass: HomeAssistant, server_url: str, sandbox: Sandbox
) -> None:
    """A token entry asks for a fresh token."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=unique_id_of(PUPIL),
        data={
            "portal": "webtop",
            "server": server_url,
            "username": PUPIL,
            "token": "dead",
        },
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    result = flows[0]
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": token_of(sandbox, PUPIL)}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"] == token_of(sandbox, PUPIL)
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_refuses_another_accounts_token(
    hass: HomeAssistant, init_integration: MockConfigEntry, sandbox: Sandbox
) -> None:
    """A token that shows none of the entry's children is another account's."""
    entry = init_integration
    token_entry_data = {**entry.data, "token": "x"}
    token_entry_data.pop("password")
    hass.config_entries.async_update_entry(entry, data=token_entry_data)
    result = await entry.start_reauth_flow(hass)
    # Dana's token, typed into the Levi parents' entry.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": token_of(sandbox, PUPIL)}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["token"] == "x"


async def test_reconfigure(
    hass: HomeAssistant, init_integration: MockConfigEntry, server_url: str
) -> None:
    """Reconfigure changes the login of the same account, refuses another one."""
    entry = init_integration
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    suggested = {
        str(key): key.description.get("suggested_value")
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested == {"server": server_url, "username": PARENT}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": "http://127.0.0.1:9/webtop", "username": PARENT, "password": "x"},
    )
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": server_url, "username": PUPIL, "password": PUPIL_PASSWORD},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["username"] == PARENT

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": server_url + "/", "username": PARENT, "password": PARENT_PASSWORD},
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["server"] == server_url
    assert entry.state is ConfigEntryState.LOADED


async def test_options(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Options: interval, pupils and time zone; saved, then the entry reloads."""
    entry = init_integration
    coordinator = entry.runtime_data
    pupils = sorted(coordinator.data)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    defaults = {str(key): key.default() for key in result["data_schema"].schema}
    assert defaults["scan_interval"] == 30
    assert sorted(defaults["students"]) == pupils
    assert defaults["time_zone"] == hass.config.time_zone

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"scan_interval": 45, "students": [], "time_zone": "Asia/Jerusalem"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"students": "no_students"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"scan_interval": 45, "students": pupils[:1], "time_zone": "Asia/Jerusalem"},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "scan_interval": 45,
        "students": pupils[:1],
        "time_zone": "Asia/Jerusalem",
    }
    # The reload happened: a new coordinator with the new settings.
    new = entry.runtime_data
    assert new is not coordinator
    assert entry.state is ConfigEntryState.LOADED
    assert list(new.data) == pupils[:1]
    assert str(new.tz) == "Asia/Jerusalem"
    assert new.scan_interval.total_seconds() == 45 * 60

    # Everyone selected means "all pupils, also future ones".
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"scan_interval": 30, "students": pupils, "time_zone": "Asia/Jerusalem"},
    )
    await hass.async_block_till_done()
    assert entry.options["students"] == []
    assert sorted(entry.runtime_data.data) == pupils


async def test_options_not_loaded(hass: HomeAssistant) -> None:
    """Options need the loaded entry (the pupils come from the portal)."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id="x", data={"portal": "webtop"})
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_invalid_server(hass: HomeAssistant, server_url: str) -> None:
    """A server address the client cannot use is pointed out on its field."""
    result = await start_login(hass, "webtop_password")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": "ftp://example.org", "username": PARENT, "password": "x"},
    )
    assert result["errors"] == {"server": "invalid_server"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": server_url, "username": PARENT, "password": PARENT_PASSWORD},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


def test_title_without_a_school() -> None:
    """A portal that names no school gives its own name as the title."""
    account = Account(id="a", kind=AccountKind.STUDENT, students=())
    assert entry_title({"portal": "webtop"}, account, {}) == "Webtop"


@pytest.mark.parametrize(
    ("step", "typed", "fault", "error"),
    [
        # A right password that meets Webtop's reCAPTCHA: use a token instead.
        (
            "webtop_password",
            {"password": PARENT_PASSWORD},
            "two_factor",
            "captcha_required",
        ),
        # A refused token is called a token, not "username, password or token".
        ("webtop_token", {"token": "dead"}, None, "invalid_token"),
    ],
)
async def test_refusals_say_what_was_refused(
    hass: HomeAssistant,
    server_url: str,
    sandbox: Sandbox,
    step: str,
    typed: dict[str, str],
    fault: str | None,
    error: str,
) -> None:
    """Each way a login is refused has its own text."""
    result = await start_login(hass, step)
    if fault:
        sandbox.faults.set("webtop", fault)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"server": server_url, "username": PARENT, **typed}
    )
    assert result["errors"] == {"base": error}


async def test_abandoned_flow_blocks_no_new_one(
    hass: HomeAssistant, server_url: str, sandbox: Sandbox
) -> None:
    """A flow left with an error on its form does not hold the account."""
    result = await start_login(hass, "webtop_password")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"server": server_url, "username": PARENT, "password": "x"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    # The page was reloaded: a new flow, the old one still in progress.
    result = await start_login(hass, "webtop_password")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"server": server_url, "username": PARENT, "password": PARENT_PASSWORD},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reauth_names_the_login(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The reauth text says which login to renew."""
    entry = init_integration
    stale_login(hass, entry, password="old password")
    result = await entry.start_reauth_flow(hass)
    placeholders = result["description_placeholders"]
    assert placeholders["login"] == PARENT
    assert placeholders["title"] == entry.title


async def test_reauth_hides_an_id_number(hass: HomeAssistant, server_url: str) -> None:
    """A username that is an id number is not shown: the entry's title is."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Webtop · parent of Noa",
        unique_id="webtop_x",
        version=2,
        data={
            "portal": "webtop",
            "server": server_url,
            "username": "012345678",
            "password": "x",
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["login"] == "Webtop · parent of Noa"


async def test_options_without_change_do_not_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Saving the options unchanged keeps the running entry; the dialog names it."""
    entry = init_integration
    coordinator = entry.runtime_data
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["description_placeholders"] == {
        "name": entry.title,
        "min_interval": "15",
        "max_interval": "1440",
    }
    defaults = {str(key): key.default() for key in result["data_schema"].schema}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], defaults
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.runtime_data is coordinator


def parent_of_two() -> Account:
    """A parent's account at a school, with two children."""
    return Account(
        id="a",
        kind=AccountKind.PARENT,
        school="School",
        students=(
            Student(id="1", first_name="Noa", last_name="Levi"),
            Student(id="2", first_name="Yoni", last_name="Levi"),
        ),
    )


@pytest.mark.parametrize("username", ["012345678", "01234567-8", "123 456 789"])
def test_title_never_shows_an_id_number(username: str) -> None:
    """An id number as username: the kind of login and the children's first names."""
    data = {"portal": "webtop", "username": username}
    title = entry_title(data, parent_of_two(), {"parent": "parent of {pupils}"})
    assert title == "Webtop · \u2068School\u2069 · \u2068parent of Noa, Yoni\u2069"
    pupil = Account(
        id="b", kind=AccountKind.STUDENT, students=parent_of_two().students[:1]
    )
    assert entry_title(data, pupil, {"student": "{pupils} (pupil)"}) == (
        "Webtop · \u2068Noa (pupil)\u2069"
    )


@pytest.mark.parametrize(
    ("language", "login"), [("en", "parent of Noa, Yoni"), ("he", "הורה של Noa, Yoni")]
)
async def test_title_words_follow_the_language(
    hass: HomeAssistant, language: str, login: str
) -> None:
    """The kind of login is written in Home Assistant's language."""
    hass.config.language = language
    title = await async_entry_title(
        hass, {"portal": "webtop", "username": "012345678"}, parent_of_two()
    )
    assert title == f"Webtop · \u2068School\u2069 · \u2068{login}\u2069"


class _QuestioningClient:
    """A portal login that asks a second factor of the given kind first."""

    def __init__(self, challenge: Challenge, right: str, data: dict[str, Any]) -> None:
        self._challenge, self._right, self._data = challenge, right, data
        self.session_state: dict[str, str] = {}

    async def login(self) -> Account:
        answer = self._data.get(self._challenge.answer_key)
        if answer is None:
            raise TwoFactorRequired(self._challenge)
        if answer != self._right:
            raise AuthenticationError("wrong answer")
        # What an answered question gives, kept instead of the answer.
        self.session_state = {"session_token": "kept-after-answer"}
        return Account("a1", AccountKind.STUDENT, (Student("s1", "Noa", "L"),))

    async def close(self) -> None:
        """Nothing to close."""


@pytest.mark.parametrize(
    ("challenge", "right", "wrong", "error"),
    [
        (
            Challenge(
                ChallengeKind.CHOICE,
                "answer",
                question="In which month were you born?",
                choices=(("MQ==", "March"), ("Mg==", "April")),
                keep=False,
            ),
            "Mg==",
            "MQ==",
            "invalid_answer",
        ),
        (Challenge(ChallengeKind.CODE, "code"), "123456", "000000", "invalid_code"),
    ],
)
async def test_every_kind_of_second_factor(
    hass: HomeAssistant,
    server_url: str,
    challenge: Challenge,
    right: str,
    wrong: str,
    error: str,
) -> None:
    """A question is a choice, a code is typed; a refused answer errs on its field.

    An answer that served one login only (``keep=False``) is not stored: what
    the answered login gave (its session) is.
    """
    result = await start_login(hass, "webtop_password")
    with (
        patch(
            "custom_components.school_portal.config_flow.create_client",
            side_effect=lambda _k, _s, data, _tz: _QuestioningClient(
                challenge, right, data
            ),
        ),
        patch("custom_components.school_portal.async_setup_entry", return_value=True),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"server": server_url, "username": PUPIL, "password": PUPIL_PASSWORD},
        )
        assert result["step_id"] == "challenge"
        assert result["description_placeholders"]["question"] == challenge.question
        selector = result["data_schema"].schema[challenge.answer_key]
        if challenge.kind is ChallengeKind.CHOICE:
            options = selector.config["options"]
            assert [(o["value"], o["label"]) for o in options] == list(
                challenge.choices
            )
        else:
            assert selector.config["type"] == "text"

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {challenge.answer_key: wrong}
        )
        assert result["step_id"] == "challenge"
        assert result["errors"] == {challenge.answer_key: error}

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {challenge.answer_key: right}
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["result"].data
    assert data["session_token"] == "kept-after-answer"
    assert (challenge.answer_key in data) is challenge.keep
