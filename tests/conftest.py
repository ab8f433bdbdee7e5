"""Shared fixtures: load our integration before the test plugin can shadow it."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import pytest

# Imported first so that the plugin's own testing_config/custom_components
# package cannot take the name (HA then reports "Integration not found").
import custom_components.school_portal  # noqa: F401


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom integrations in every test that has a hass."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Enable entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield
