"""The school-day card: served by the integration and loaded on every dashboard."""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components.frontend import add_extra_js_url

# HA 2026.x defines it in http/server.py and imports it into the package
# without re-exporting it for type checkers; 2025.4 defines it in the package.
from homeassistant.components.http import (  # type: ignore[attr-defined,unused-ignore]
    StaticPathConfig,
)
from homeassistant.core import HomeAssistant

from .const import DOMAIN

CARD_FILE = Path(__file__).parent / "frontend" / "school-day-card.js"
CARD_URL = f"/{DOMAIN}/school-day-card.js"


def _card_version() -> str:
    """A short hash of the card: a new card gets a new URL, so no stale copy."""
    return hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card and have the frontend load it (call once per start).

    The frontend then offers it in the card picker: no resource to add by hand.
    """
    if hass.http is None or "frontend" not in hass.config.components:
        # No web frontend in this run (it is not configured): nothing shows cards.
        return
    version = await hass.async_add_executor_job(_card_version)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=True)]
    )
    add_extra_js_url(hass, f"{CARD_URL}?v={version}")
