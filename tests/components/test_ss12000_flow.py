"""The SS12000 login through the config flow: credentials, then the pupil.

The emulator's client sees the whole school (more people than a choice can
hold), so the flow asks for the pupil typed: a civic number here, stored as
typed and found again at every login.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.school_portal.const import DOMAIN
from sandbox.app import Sandbox


async def test_client_credentials_then_a_typed_civic_number(
    hass: HomeAssistant, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    base = f"http://127.0.0.1:{sandbox_server.port}"
    row: dict[str, Any] = next(
        r
        for r in sandbox.accounts(base)
        if r["portal"] == "ss12000" and r["kind"] == "student"
    )
    emulator: Any = sandbox.emulators["ss12000"]
    pupil = sandbox.dataset.pupils[row["pupils"][0]["dataset_id"]]
    civic = emulator.school.civic_no(pupil)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    for step in ("ss12000", "ss12000_client_credentials"):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": step}
        )
    assert result["step_id"] == "ss12000_client_credentials"
    with patch("custom_components.school_portal.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "server": row["base_url"],
                "token_url": row["token_url"],
                "client_id": row["client_id"],
                "client_secret": "wrong",
            },
        )
        assert result["errors"] == {"client_secret": "invalid_client"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "server": row["base_url"],
                "token_url": row["token_url"],
                "client_id": row["client_id"],
                "client_secret": row["client_secret"],
            },
        )
        assert result["step_id"] == "challenge"
        assert "pupil" in result["data_schema"].schema
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"pupil": "19000101-0000"}
        )
        assert result["errors"] == {"pupil": "invalid_code"}
        typed = f"{civic[:8]}-{civic[8:]}"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"pupil": typed}
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["result"].data
    assert data["pupil"] == typed
    assert data["scope"] == ""
    assert result["result"].unique_id.startswith("ss12000_")
