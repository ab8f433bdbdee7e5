"""The school-day card: served by the integration and loaded once by the frontend."""

from __future__ import annotations

import hashlib
from typing import Any

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.school_portal.const import DOMAIN
from custom_components.school_portal.frontend import CARD_FILE, CARD_URL

from .conftest import PUPIL, PUPIL_PASSWORD, set_up_entry, unique_id_of


def card_urls(hass: HomeAssistant) -> list[str]:
    """The extra modules the frontend loads that are our card."""
    return [
        url for url in hass.data[DATA_EXTRA_MODULE_URL].urls if url.startswith(CARD_URL)
    ]


async def test_card_served_and_loaded_once(
    hass: HomeAssistant,
    hass_client: Any,
    mock_config_entry: MockConfigEntry,
    entry_data: dict[str, Any],
) -> None:
    """Several entries and a reload add the card once; its URL changes with it."""
    assert await async_setup_component(hass, "frontend", {})
    pupil_entry = MockConfigEntry(
        domain=DOMAIN,
        title="Webtop",
        data={**entry_data, "username": PUPIL, "password": PUPIL_PASSWORD},
        unique_id=unique_id_of(PUPIL),
    )
    await set_up_entry(hass, mock_config_entry)
    await set_up_entry(hass, pupil_entry)
    assert await hass.config_entries.async_reload(pupil_entry.entry_id)
    await hass.async_block_till_done()

    version = hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]
    assert card_urls(hass) == [f"{CARD_URL}?v={version}"]

    client = await hass_client()
    response = await client.get(card_urls(hass)[0])
    assert response.status == 200
    assert "javascript" in response.headers["Content-Type"]
    body = await response.text()
    assert body == CARD_FILE.read_text(encoding="utf-8")
    assert 'CARD_TYPE = "school-day-card"' in body
    assert "customCards" in body


async def test_no_frontend_no_card(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Without a frontend (none configured) the entry still loads, with no card."""
    assert "frontend" not in hass.config.components
    assert DATA_EXTRA_MODULE_URL not in hass.data
