"""Subscriptions, and the callbacks that really reach their targets.

By default one POST per subscription and change, in the standard's shape:
``{"modifiedEntites": [...], "deletedEntities": bool}`` (its spelling).
``style = "skolverket"`` sends what Skolverket's server sends instead: one
``{"modifiedEntities": ["<Type>"]}`` per changed type and a separate
``{"deletedEntities": true}`` to every subscription on any deletion. Only
HTTP 200 counts as delivered; anything else is tried again, a few times.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from .wire import RESOURCE_TYPES, SUBSCRIPTION_DAYS, bad_request, parse_moment, stamp


@dataclass(slots=True)
class Subscription:
    """One subscription the server keeps."""

    id: str
    name: str
    target: str
    resources: list[str]
    expires: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "target": self.target,
            "resourceTypes": [{"resource": kind} for kind in self.resources],
            "expires": stamp(self.expires),
        }


@dataclass(slots=True)
class Delivery:
    """One callback attempt: where, what, and the answer's status (None: no answer)."""

    target: str
    body: dict[str, Any]
    attempt: int
    status: int | None = None
    error: str | None = None  # why no answer came


def _resources(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise bad_request("resourceTypes: a non-empty list is required")
    kinds = []
    for item in raw:
        # The spec's example lists bare strings; its schema wants objects.
        kind = item.get("resource") if isinstance(item, dict) else item
        if kind not in RESOURCE_TYPES:
            raise bad_request(f"resourceTypes: unknown resource {kind!r}")
        kinds.append(str(kind))
    return kinds


@dataclass(slots=True)
class Push:
    """The subscriptions and their callbacks, on the sandbox's own loop."""

    now: Callable[[], datetime]
    look: Callable[[], None]  # find changes and call back (the emulator's)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    style: str = "spec"  # or "skolverket"
    bearer: str | None = None  # sent as the callbacks' Authorization
    attempts: int = 4
    retry_delay: float = 0.5  # seconds, doubled after each failure
    poll_seconds: float = 1.0  # how often changes made by hand are looked for
    deliveries: list[Delivery] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _session: aiohttp.ClientSession | None = None
    _poller: asyncio.Task[None] | None = None

    # -- CRUD ---------------------------------------------------------------------

    def create(self, body: Any) -> Subscription:
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        name, target = body.get("name"), body.get("target")
        if not isinstance(name, str) or not name:
            raise bad_request("name is required")
        if not isinstance(target, str) or not target.startswith(
            ("http://", "https://")
        ):
            raise bad_request("target: an http(s) URL is required")
        subscription = Subscription(
            str(uuid.uuid4()),
            name,
            target,
            _resources(body.get("resourceTypes")),
            self.now() + timedelta(days=SUBSCRIPTION_DAYS),
        )
        self.subscriptions[subscription.id] = subscription
        self._start_polling()
        return subscription

    def renew(self, subscription: Subscription, body: Any) -> Subscription:
        """PATCH: the spec has no body; a seed client sends ``{"expires": …}``."""
        wanted = body.get("expires") if isinstance(body, dict) else None
        if wanted is not None:
            subscription.expires = parse_moment(str(wanted), "expires")
        else:
            subscription.expires = self.now() + timedelta(days=SUBSCRIPTION_DAYS)
        return subscription

    # -- callbacks --------------------------------------------------------------

    def bodies(
        self, changed: frozenset[str], gone: frozenset[str]
    ) -> list[tuple[Subscription, dict[str, Any]]]:
        """What to send to whom for one batch of changes."""
        now = self.now()
        live = [s for s in self.subscriptions.values() if s.expires > now]
        calls: list[tuple[Subscription, dict[str, Any]]] = []
        for subscription in live:
            kinds = sorted(changed & set(subscription.resources))
            if self.style == "skolverket":
                calls += [(subscription, {"modifiedEntities": [k]}) for k in kinds]
                if gone:
                    calls.append((subscription, {"deletedEntities": True}))
                continue
            deleted = bool(gone & set(subscription.resources))
            if kinds or deleted:
                body = {"modifiedEntites": kinds, "deletedEntities": deleted}
                calls.append((subscription, body))
        return calls

    def notify(self, changed: frozenset[str], gone: frozenset[str]) -> None:
        """Call back every subscription the changes concern (on the loop)."""
        calls = self.bodies(changed, gone)
        if not calls or self.loop is None:
            return
        for subscription, body in calls:
            self._spawn(self._deliver(subscription.target, body))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        assert self.loop is not None
        task = self.loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, target: str, body: dict[str, Any]) -> None:
        headers = {"Authorization": f"Bearer {self.bearer}"} if self.bearer else {}
        delay = self.retry_delay
        for attempt in range(1, self.attempts + 1):
            delivery = Delivery(target, body, attempt)
            self.deliveries.append(delivery)
            try:
                async with self._client().post(
                    target, json=body, headers=headers
                ) as response:
                    delivery.status = response.status
            except Exception as err:
                # Whatever keeps the POST from arriving (no route, a refused
                # connection, a test's socket guard) is a failed attempt, as
                # a real server would count it.
                delivery.error = repr(err)
            if delivery.status == 200:
                return
            await asyncio.sleep(delay)
            delay *= 2

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=10)
            )
        return self._session

    def _start_polling(self) -> None:
        if self.loop is not None and (self._poller is None or self._poller.done()):
            self._poller = self.loop.create_task(self._poll())

    async def _poll(self) -> None:
        # Changes made by hand (not through a mutator) are seen here.
        while self.subscriptions:
            await asyncio.sleep(self.poll_seconds)
            self.look()

    async def drain(self) -> None:
        """Wait until every pending callback is done (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Stop polling and callbacks; close the client session."""
        self.loop = None
        for task in [*self._tasks, *([self._poller] if self._poller else [])]:
            task.cancel()
        for task in [*self._tasks, *([self._poller] if self._poller else [])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._poller = None
        if self._session is not None:
            await self._session.close()
            self._session = None
