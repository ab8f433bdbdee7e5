"""Push: a webhook the portal calls when its data changes.

For a client that implements `api.push.PushSource`: the entry registers a
webhook, has the portal subscribe its URL, renews the subscription before it
ends, and turns each callback into a debounced refresh of what changed. While
push is live the coordinator's timer is only a safety net.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from contextlib import suppress
from datetime import datetime, timedelta
from http import HTTPStatus
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp.hdrs import METH_POST
from aiohttp.web import Request, Response
from homeassistant.components import webhook
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads
from homeassistant.util.network import is_local

from .api.errors import SchoolPortalError
from .api.push import PushSource, Subscription
from .const import CONF_SERVER, DOMAIN, LOGGER

if TYPE_CHECKING:
    from .coordinator import SchoolPortalCoordinator

# The option, on by default: push costs nothing where it cannot work.
CONF_PUSH = "push"
# Kept in the entry's data: the webhook id is the callback's only secret (a
# new one at every start would leave the old subscription calling a dead id),
# and the subscription is renewed after a restart rather than made anew:
# Home Assistant does not unload entries when it stops.
DATA_WEBHOOK_ID = "push_webhook_id"
DATA_SUBSCRIPTION = "push_subscription"

# The timer while push is live. Servers retry a callback only a few times, and
# a restart or an outage loses callbacks: six hours bounds how stale a lost
# one leaves the data, at four full reads a day instead of about forty (half-
# hourly by day, hourly at night).
SAFETY_NET_INTERVAL = timedelta(hours=6)
# Callbacks come in bursts (one per changed kind, a deletion notice apart):
# the refresh waits this long to read them all at once, and a flood costs at
# most one refresh in each such span.
SETTLE = timedelta(seconds=10)
# A subscription is renewed daily (also proving it still exists), at half its
# remaining time when that is shorter, and never in a tight loop.
RENEW_EVERY = timedelta(days=1)
RENEW_SOONEST = timedelta(minutes=1)
# After push failed, when to try again (polling meanwhile).
RETRY_AFTER = timedelta(hours=1)
# A callback names kinds of data, never the data: anything longer is not one.
MAX_BODY = 16 * 1024
SUBSCRIPTION_NAME = "Home Assistant"
# Named by the integration, not the entry: a title may name a person.
WEBHOOK_NAME = "School Portal"


def server_is_local(server: str | None) -> bool:
    """Whether the portal's server is on a local network (a host or a URL)."""
    if not server:
        return False
    host = urlsplit(server if "://" in server else f"//{server}").hostname or ""
    try:
        return is_local(ip_address(host))
    except ValueError:
        return host == "localhost" or host.endswith(".local") or "." not in host


def callback_url(
    hass: HomeAssistant, webhook_id: str, server: str | None
) -> str | None:
    """The webhook's URL as the portal's server can reach it; None if none.

    The external URL, when there is one. Home Assistant's internal URL only
    counts for a server on a local network (a self-hosted or test server):
    a school organiser's server cannot reach it, and a subscription whose
    callbacks never arrive would slow polling to the safety net for nothing.
    """
    try:
        return webhook.async_generate_url(
            hass,
            webhook_id,
            allow_internal=server_is_local(server),
            prefer_external=True,
        )
    except NoURLAvailableError:
        return None


def renewal_delay(subscription: Subscription, now: datetime) -> timedelta:
    """How long until the subscription is renewed."""
    if subscription.expires is None:
        return RENEW_EVERY
    return max(RENEW_SOONEST, min(RENEW_EVERY, (subscription.expires - now) / 2))


class PushLink:
    """One entry's webhook, the portal's subscription to it, and its callbacks."""

    def __init__(
        self, coordinator: SchoolPortalCoordinator, source: PushSource
    ) -> None:
        """Prepare; nothing is registered or sent before `async_start`."""
        self.hass = coordinator.hass
        self._coordinator = coordinator
        self._entry = coordinator.config_entry
        self._source = source
        self.wanted: bool = self._entry.options.get(CONF_PUSH, True)
        self.live = False
        self._webhook_id: str | None = None
        self._url: str | None = None
        self._subscription: Subscription | None = None
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Refreshes run one at a time; one waiting reads all marked before it.
        self._refresh_lock = asyncio.Lock()
        self._refresh_waiting = False
        # The refresh under way was asked for by a callback (not the timer).
        self._requested = False
        self._debouncer = Debouncer(
            self.hass,
            LOGGER,
            cooldown=SETTLE.total_seconds(),
            immediate=False,
            function=self._start_refresh,
        )
        self.callbacks = 0
        self.refused = 0
        self.last_callback: datetime | None = None
        self.last_error: str | None = None

    @property
    def reachable(self) -> bool:
        """Whether Home Assistant has a URL the server could call."""
        return self._url is not None

    async def async_start(self) -> None:
        """Register the webhook and subscribe it; without a URL, just poll."""
        entry = self._entry
        kept = self._kept_subscription()
        webhook_id = entry.data.get(DATA_WEBHOOK_ID) or webhook.async_generate_id()
        url = None
        # Set up here rather than as a dependency: only an entry that pushes
        # needs it (Home Assistant's default configuration has it anyway).
        if self.wanted and await async_setup_component(self.hass, webhook.DOMAIN, {}):
            url = callback_url(self.hass, webhook_id, entry.data.get(CONF_SERVER))
        if url is None:
            LOGGER.debug("Push is off or has no URL the server could reach: polling")
            if kept is not None:
                # Left by a run that pushed: nobody would renew it now.
                await self._attempt(self._source.unsubscribe(kept[0]))
                self._keep(None)
            return
        if entry.data.get(DATA_WEBHOOK_ID) != webhook_id:
            self._update_data({DATA_WEBHOOK_ID: webhook_id})
        webhook.async_register(
            self.hass,
            DOMAIN,
            WEBHOOK_NAME,
            webhook_id,
            self._async_handle_callback,
            local_only=False,
            allowed_methods=[METH_POST],
        )
        self._webhook_id, self._url = webhook_id, url
        if kept is not None and kept[1] != url:
            # Home Assistant's URL changed since: that one calls a dead end.
            await self._attempt(self._source.unsubscribe(kept[0]))
            kept = None
        await self._async_connect(kept[0] if kept else None)

    async def async_stop(self) -> None:
        """Delete the subscription and the webhook (on unload and removal)."""
        self._cancel_timer()
        self._debouncer.async_shutdown()
        for task in list(self._tasks):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        if self._webhook_id is not None:
            webhook.async_unregister(self.hass, self._webhook_id)
        if self._subscription is not None:
            await self._attempt(self._source.unsubscribe(self._subscription))
            self._keep(None)
        self.live = False
        self._source.set_push(False)

    @callback
    def before_refresh(self) -> None:
        """Have a refresh the timer (or anyone but a callback) started read all."""
        requested, self._requested = self._requested, False
        if self.live and not requested:
            self._source.mark_changed(self._source.push_kinds)

    def diagnostics(self) -> dict[str, Any]:
        """Push's state, without the webhook's id or URL (they are secret)."""
        expires = self._subscription.expires if self._subscription else None
        return {
            "wanted": self.wanted,
            "reachable": self.reachable,
            "live": self.live,
            "kinds": sorted(self._source.push_kinds),
            "expires": expires.isoformat() if expires else None,
            "callbacks": self.callbacks,
            "refused": self.refused,
            "last_callback": (
                self.last_callback.isoformat() if self.last_callback else None
            ),
            "last_error": self.last_error,
        }

    # The subscription ------------------------------------------------------

    async def _async_connect(self, current: Subscription | None) -> None:
        """Renew the subscription, else make a new one, else fall back to polling."""
        assert self._url is not None
        renewed = await self._attempt(self._source.renew(current)) if current else None
        if renewed is None:
            renewed = await self._attempt(
                self._source.subscribe(self._url, SUBSCRIPTION_NAME)
            )
            if renewed is not None and current is not None:
                # The old one may still exist (a renewal can fail for other
                # reasons): two would call back twice.
                await self._attempt(self._source.unsubscribe(current))
        if renewed is None:
            self._fall_back()
            return
        self._keep(renewed)
        self._schedule(renewal_delay(renewed, dt_util.utcnow()))
        if not self.live:
            self.live = True
            self.last_error = None
            self._source.set_push(True)
            self._coordinator.async_update_listeners()

    @callback
    def _fall_back(self) -> None:
        """Poll at the normal interval, and try push again later."""
        self._keep(None)
        self._schedule(RETRY_AFTER)
        if self.live:
            self.live = False
            self._source.set_push(False)
            self._coordinator.async_update_listeners()
            # Now, and so at the normal interval from now on (the timer was
            # hours away): a full read, which also covers lost callbacks.
            self._track(self._coordinator.async_request_refresh())

    async def _attempt(self, call: Awaitable[Any]) -> Any:
        """A call to the portal; None when it failed (noted for diagnostics)."""
        try:
            return await call
        except SchoolPortalError as err:
            self.last_error = type(err).__name__
            LOGGER.debug("Push: the portal refused a subscription call (%s)", err)
            return None

    def _kept_subscription(self) -> tuple[Subscription, str] | None:
        """The subscription of the last run, and the URL it calls."""
        if not (kept := self._entry.data.get(DATA_SUBSCRIPTION)):
            return None
        expires = kept.get("expires")
        subscription = Subscription(
            id=kept["id"],
            expires=dt_util.parse_datetime(expires) if expires else None,
        )
        return subscription, kept.get("target")

    @callback
    def _keep(self, subscription: Subscription | None) -> None:
        """Remember the subscription, here and in the entry."""
        self._subscription = subscription
        kept = None
        if subscription is not None:
            expires = subscription.expires
            kept = {
                "id": subscription.id,
                "expires": expires.isoformat() if expires else None,
                "target": self._url,
            }
        if self._entry.data.get(DATA_SUBSCRIPTION) != kept:
            self._update_data({DATA_SUBSCRIPTION: kept})

    @callback
    def _update_data(self, changes: dict[str, Any]) -> None:
        entry = self._entry
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, **changes}
        )

    @callback
    def _schedule(self, delay: timedelta) -> None:
        """Renew (or subscribe again) after `delay`."""
        self._cancel_timer()
        self._unsub_timer = async_call_later(self.hass, delay, self._on_timer)

    @callback
    def _on_timer(self, _now: datetime) -> None:
        self._unsub_timer = None
        self._track(self._async_connect(self._subscription))

    @callback
    def _cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None

    @callback
    def _track(self, work: Coroutine[Any, Any, None]) -> None:
        """Run work in the background; stopping cancels it."""
        task = self._entry.async_create_background_task(
            self.hass, work, "school_portal push"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # Callbacks -------------------------------------------------------------

    async def _async_handle_callback(
        self, hass: HomeAssistant, webhook_id: str, request: Request
    ) -> Response:
        """Mark what a callback names changed; 400 for anything else.

        A valid callback is always answered 200: servers retry otherwise.
        """
        body = await request.content.read(MAX_BODY + 1)
        try:
            if len(body) > MAX_BODY:
                raise ValueError("not a callback")
            kinds = self._source.changed(json_loads(body))
        except ValueError:
            self.refused += 1
            return Response(status=HTTPStatus.BAD_REQUEST)
        self.callbacks += 1
        self.last_callback = dt_util.utcnow()
        if kinds:
            self._source.mark_changed(kinds)
            self._debouncer.async_schedule_call()
        return Response(status=HTTPStatus.OK)

    @callback
    def _start_refresh(self) -> None:
        """Start a refresh, unless one is already waiting to start.

        Outside the debouncer, so that a callback during a refresh is not
        lost (Home Assistant 2025.4's debouncer drops calls while it runs).
        """
        if self._refresh_waiting:
            return
        self._refresh_waiting = True
        self._track(self._async_refresh())

    async def _async_refresh(self) -> None:
        async with self._refresh_lock:
            self._refresh_waiting = False
            self._requested = True
            try:
                await self._coordinator.async_refresh()
            finally:
                self._requested = False
