"""Portals that call Home Assistant back when their data changes.

A client that can push implements `PushSource` (structurally: no base class).
The Home Assistant side registers a webhook, asks the client to subscribe its
URL, renews the subscription before it expires, hands every callback body to
`changed`, and passes what changed to `mark_changed` before it refreshes.

While push is live (`set_push(True)`), a refresh reads only the kinds marked
changed since the last one; the timer's safety-net refresh marks every kind
first, so a lost callback costs at most one poll interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription the portal holds for us."""

    id: str
    expires: datetime | None  # None: the server set no end


@runtime_checkable
class PushSource(Protocol):
    """What a client that can push offers."""

    @property
    def push_kinds(self) -> frozenset[str]:
        """The kinds of data a subscription covers (the portal's own names)."""

    async def subscribe(self, url: str, name: str) -> Subscription:
        """Ask the portal to call `url` back when the data changes."""

    async def renew(self, subscription: Subscription) -> Subscription:
        """Push the subscription's end further out."""

    async def unsubscribe(self, subscription: Subscription) -> None:
        """Stop the callbacks (a subscription already gone is not an error)."""

    def changed(self, body: object) -> frozenset[str]:
        """The kinds a callback body names; ValueError when it is malformed."""

    def mark_changed(self, kinds: frozenset[str]) -> None:
        """Have the next refresh read these kinds."""

    def set_push(self, live: bool) -> None:
        """Whether callbacks arrive, so that a refresh reads only what changed."""
