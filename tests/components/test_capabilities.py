"""Capabilities: each one is offered by a portal, none is left unused."""

from __future__ import annotations

from custom_components.school_portal.api import PORTALS
from custom_components.school_portal.api.models import Capability


def test_every_capability_is_offered() -> None:
    """A capability no client declares is dead weight (PUSH was one)."""
    offered = set().union(*(info.client.capabilities for info in PORTALS.values()))
    assert offered == set(Capability)
