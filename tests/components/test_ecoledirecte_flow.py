"""EcoleDirecte's security question through the real flow and the emulator."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.school_portal.api.ecoledirecte import DEFAULT_SERVER
from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox
from sandbox.ecoledirecte import QCM_LOGIN, QCM_PASSWORD


async def _protected_login(hass: HomeAssistant, server: TestServer) -> dict[str, Any]:
    """The protected login typed into the form: the flow's next step."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    # One way in: straight to the form, the server filled in.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ecoledirecte"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ecoledirecte_password"
    field = next(key for key in result["data_schema"].schema if key == "server")
    assert field.default() == DEFAULT_SERVER
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "server": str(server.make_url("/ecoledirecte/v3")),
            "username": QCM_LOGIN,
            "password": QCM_PASSWORD,
        },
    )


async def test_security_question_is_asked_once(
    hass: HomeAssistant, sandbox_server: TestServer, sandbox: Sandbox
) -> None:
    """The question as a choice; a wrong answer on its field; then never again."""
    emulator = sandbox.ecoledirecte
    text, choices, right = emulator.question(QCM_LOGIN)
    result = await _protected_login(hass, sandbox_server)
    assert result["step_id"] == "challenge"
    assert result["description_placeholders"]["question"] == text
    options = result["data_schema"].schema["security_answer"].config["options"]
    assert [option["label"] for option in options] == list(choices)

    wrong = next(choice for choice in choices if choice != right)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_answer": wrong}
    )
    assert result["step_id"] == "challenge"
    assert result["errors"] == {"security_answer": "invalid_answer"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_answer": right}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    # The pair EcoleDirecte gave is kept, not the answer.
    assert data["cn"]
    assert data["cv"]
    assert "security_answer" not in data
    await hass.async_block_till_done()
    asked = emulator.handshake.questions_asked

    (entry,) = hass.config_entries.async_entries(DOMAIN)
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert emulator.handshake.questions_asked == asked


async def test_question_again_at_reauth(
    hass: HomeAssistant, sandbox_server: TestServer, sandbox: Sandbox
) -> None:
    """A pair EcoleDirecte stopped taking: reauth asks the question again."""
    emulator = sandbox.ecoledirecte
    _, _, right = emulator.question(QCM_LOGIN)
    result = await _protected_login(hass, sandbox_server)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_answer": right}
    )
    await hass.async_block_till_done()
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    first = entry.data["cn"]

    emulator.handshake.forced_at[QCM_LOGIN] = emulator.handshake.serial
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=dict(entry.data),
    )
    # The stored password still works: straight to the question.
    assert result["step_id"] == "challenge"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"security_answer": right}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["cn"] != first
    assert "security_answer" not in entry.data
    assert entry.state is ConfigEntryState.LOADED
