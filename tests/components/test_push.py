"""Push: the webhook, the subscription's life, callbacks and the safety net.

No portal here pushes yet, so a test-only client adds `PushSource` to the
sandbox login of the folder's fixtures: the portal's side of subscriptions is
a small hub, and each refresh notes which kinds it was asked to read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from yarl import URL

from custom_components.school_portal.api import PortalClient, portal
from custom_components.school_portal.api.errors import PortalUnavailable
from custom_components.school_portal.api.models import DateWindow, Student
from custom_components.school_portal.api.push import PushSource, Subscription
from custom_components.school_portal.push import (
    DATA_SUBSCRIPTION,
    DATA_WEBHOOK_ID,
    MAX_BODY,
    RETRY_AFTER,
    SAFETY_NET_INTERVAL,
    SETTLE,
    callback_url,
    renewal_delay,
    server_is_local,
)

from .conftest import refresh, set_up_entry

KINDS = frozenset({"lessons", "homework", "messages"})
EXTERNAL = "https://home.example.org"
LIFETIME = timedelta(hours=2)
NORMAL_INTERVAL = timedelta(minutes=30)


@dataclass
class Hub:
    """The portal's side: its subscriptions, and what the client did."""

    subscriptions: dict[str, str] = field(default_factory=dict)  # id -> target
    lifetime: timedelta | None = LIFETIME
    failing: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    # The kinds each refresh read.
    reads: list[frozenset[str]] = field(default_factory=list)
    # Closed: refreshes wait until it opens.
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    made: int = 0

    def call(self, name: str) -> None:
        self.calls.append(name)
        if name in self.failing:
            raise PortalUnavailable(f"{name} refused")

    def expires(self) -> datetime | None:
        return dt_util.utcnow() + self.lifetime if self.lifetime else None

    def target(self) -> str:
        """The one subscription's target."""
        (target,) = self.subscriptions.values()
        return target


def pushing(base: type[PortalClient], hub: Hub) -> type[PortalClient]:
    """The portal's client, able to push."""

    class Pushing(base):  # type: ignore[misc,valid-type]
        push_kinds = KINDS

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.marked: set[str] = set()
            self.live = False

        async def subscribe(self, url: str, name: str) -> Subscription:
            hub.call("subscribe")
            hub.made += 1
            subscription_id = f"s{hub.made}"
            hub.subscriptions[subscription_id] = url
            return Subscription(subscription_id, hub.expires())

        async def renew(self, subscription: Subscription) -> Subscription:
            hub.call("renew")
            if subscription.id not in hub.subscriptions:
                raise PortalUnavailable("no such subscription")
            return Subscription(subscription.id, hub.expires())

        async def unsubscribe(self, subscription: Subscription) -> None:
            hub.call("unsubscribe")
            hub.subscriptions.pop(subscription.id, None)

        def changed(self, body: object) -> frozenset[str]:
            if not isinstance(body, dict) or not isinstance(body.get("changed"), list):
                raise ValueError("not a callback")
            if not set(body["changed"]) <= KINDS:
                raise ValueError("unknown kind")
            return frozenset(body["changed"])

        def mark_changed(self, kinds: frozenset[str]) -> None:
            self.marked |= kinds

        def set_push(self, live: bool) -> None:
            self.live = live

        async def refresh(self, students: Iterable[Student], window: DateWindow) -> Any:
            # What a pushing client reads: what was marked, or all if polled.
            hub.reads.append(frozenset(self.marked) if self.live else KINDS)
            self.marked = set()
            await hub.gate.wait()
            return await super().refresh(students, window)

    return Pushing


@pytest.fixture
def hub() -> Hub:
    """The portal's subscriptions (refreshes pass at once)."""
    hub = Hub()
    hub.gate.set()
    return hub


@pytest.fixture
def can_push(hub: Hub) -> Iterator[None]:
    """Entries set up now get a client that can push."""

    def create(key: str, session: Any, config: Any, tz: Any) -> PortalClient:
        return pushing(portal(key).client, hub).from_config(session, config, tz)

    with patch("custom_components.school_portal.coordinator.create_client", create):
        yield


@pytest.fixture
def external_url(hass: HomeAssistant) -> None:
    """Home Assistant has an address the portal's server can reach."""
    hass.config.external_url = EXTERNAL


@pytest.fixture
async def push_entry(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    can_push: None,
    external_url: None,
) -> MockConfigEntry:
    """An entry whose portal pushes, set up."""
    return await set_up_entry(hass, mock_config_entry)


# Timers are run a little early, so that the loop's own lateness cannot
# leave one out.
SLACK = timedelta(seconds=3)


@dataclass
class Live:
    """A pushing entry, set up, and what tests do to it."""

    hass: HomeAssistant
    entry: MockConfigEntry
    hub: Hub
    http: Any
    freezer: FrozenDateTimeFactory

    async def post(
        self, body: bytes | dict[str, Any], method: str = "POST", url: str = ""
    ) -> int:
        """Send a body to the webhook (or another URL); the answer's status."""
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        path = URL(url or self.hub.target()).path
        response = await self.http.request(method, path, data=data)
        return int(response.status)

    def tick(self, delta: timedelta) -> None:
        """Let time pass and run the timers then due.

        From the ticking clock's present: its `tick` drops the real time run
        since the last tick, which a slow set-up makes seconds.
        """
        self.freezer.move_to(dt_util.utcnow() + delta)
        async_fire_time_changed(self.hass, dt_util.utcnow() + SLACK)

    async def later(self, delta: timedelta) -> None:
        """Let time pass, and what the timers started finish."""
        self.tick(delta)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def settle(self) -> None:
        """Let the callbacks' debounce time pass."""
        await self.later(SETTLE)

    def new_reads(self, before: int) -> list[frozenset[str]]:
        """The kinds read by each refresh after the first `before` ones."""
        return self.hub.reads[before:]


@pytest.fixture
async def live(
    hass: HomeAssistant,
    push_entry: MockConfigEntry,
    hub: Hub,
    hass_client_no_auth: Any,
    freezer: FrozenDateTimeFactory,
) -> Live:
    """The pushing entry with an HTTP client to call it back."""
    return Live(hass, push_entry, hub, await hass_client_no_auth(), freezer)


def like(
    entry: MockConfigEntry, options: dict[str, Any] | None = None, **data: Any
) -> MockConfigEntry:
    """The fixtures' entry, with more settings or options."""
    return MockConfigEntry(
        domain=entry.domain,
        title=entry.title,
        unique_id=entry.unique_id,
        data={**entry.data, **data},
        options=options or {},
    )


def push_state(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """The push diagnostic of every pupil."""
    registry = er.async_get(hass)
    return [
        hass.states.get(item.entity_id).state
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.domain == "binary_sensor"
    ]


async def test_live_subscription_and_unload(live: Live) -> None:
    """Set-up subscribes the webhook; unload deletes both; the timer is a safety net."""
    hass, entry, hub = live.hass, live.entry, live.hub
    coordinator = entry.runtime_data
    assert isinstance(coordinator.client, PushSource)
    target = hub.target()
    assert target.startswith(f"{EXTERNAL}/api/webhook/")
    assert target.endswith(entry.data[DATA_WEBHOOK_ID])
    assert coordinator.push.live
    assert coordinator.client.live
    assert push_state(hass, entry) == ["on", "on"]
    assert entry.data[DATA_SUBSCRIPTION]["id"] == "s1"

    # The next timer refresh reads everything, then the timer slows down.
    await refresh(hass, entry)
    assert hub.reads[-1] == KINDS
    assert coordinator.update_interval == SAFETY_NET_INTERVAL

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert hub.subscriptions == {}
    assert entry.data[DATA_SUBSCRIPTION] is None
    # The webhook is gone: Home Assistant answers for it, nothing is read.
    reads = len(hub.reads)
    assert await live.post({"changed": ["homework"]}, url=target) == 200
    await hass.async_block_till_done()
    assert live.new_reads(reads) == []


async def test_removal_deletes_the_subscription(live: Live) -> None:
    """Removing the entry deletes its subscription."""
    assert live.hub.subscriptions
    await live.hass.config_entries.async_remove(live.entry.entry_id)
    await live.hass.async_block_till_done()
    assert live.hub.subscriptions == {}
    assert "unsubscribe" in live.hub.calls


async def test_callback_reads_only_marked_kinds(live: Live) -> None:
    """A callback leads to one refresh, after the debounce, of what it named."""
    reads = len(live.hub.reads)
    assert await live.post({"changed": ["homework"]}) == 200
    await live.hass.async_block_till_done()
    assert live.new_reads(reads) == []  # still settling
    await live.settle()
    assert live.new_reads(reads) == [frozenset({"homework"})]
    assert live.entry.runtime_data.last_update_success

    # A callback naming nothing, and one to another webhook: no refresh.
    assert await live.post({"changed": []}) == 200
    other = f"{EXTERNAL}/api/webhook/{'0' * 64}"
    assert await live.post({"changed": ["homework"]}, url=other) == 200
    await live.settle()
    assert len(live.new_reads(reads)) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"changed": "homework"}',
        b'{"changed": ["gossip"]}',
        b'{"changed": ["homework"], "pad": "' + b"x" * MAX_BODY + b'"}',
    ],
    ids=["empty", "not_json", "list", "not_a_list", "unknown_kind", "too_long"],
)
async def test_malformed_callback(live: Live, body: bytes) -> None:
    """Anything but a callback is answered 400 and changes nothing."""
    reads = len(live.hub.reads)
    assert await live.post(body) == 400
    await live.settle()
    assert live.new_reads(reads) == []
    assert live.entry.runtime_data.client.marked == set()
    assert live.entry.runtime_data.push.diagnostics()["refused"] == 1


async def test_only_post(live: Live) -> None:
    """The webhook takes POST only."""
    assert await live.post({"changed": ["homework"]}, "PUT") == 405


async def test_flood_is_bounded(live: Live) -> None:
    """A hundred callbacks at once cost one refresh, reading what they named."""
    reads = len(live.hub.reads)
    kinds = sorted(KINDS)
    answers = await asyncio.gather(
        *(live.post({"changed": [kinds[n % 3]]}) for n in range(100))
    )
    assert set(answers) == {200}
    await live.settle()
    await live.settle()
    assert live.new_reads(reads) == [KINDS]


async def test_callbacks_during_a_refresh(live: Live) -> None:
    """Callbacks while a refresh runs get one more refresh, not one each."""
    reads = len(live.hub.reads)
    live.hub.gate.clear()
    assert await live.post({"changed": ["homework"]}) == 200
    live.tick(SETTLE)
    await asyncio.sleep(0)
    assert live.new_reads(reads) == [frozenset({"homework"})]  # and waiting

    for kind in ("lessons", "messages"):
        assert await live.post({"changed": [kind]}) == 200
        live.tick(SETTLE)
        await asyncio.sleep(0)
    live.hub.gate.set()
    await live.hass.async_block_till_done(wait_background_tasks=True)
    await live.settle()
    assert live.new_reads(reads) == [
        frozenset({"homework"}),
        frozenset({"lessons", "messages"}),
    ]


async def test_unload_during_a_refresh(live: Live) -> None:
    """Unloading stops a refresh a callback started, then unsubscribes."""
    live.hub.gate.clear()
    assert await live.post({"changed": ["homework"]}) == 200
    live.tick(SETTLE)
    await asyncio.sleep(0)
    assert live.entry.runtime_data.push.diagnostics()["callbacks"] == 1
    assert await live.hass.config_entries.async_unload(live.entry.entry_id)
    await live.hass.async_block_till_done()
    assert live.entry.state is ConfigEntryState.NOT_LOADED
    assert live.hub.subscriptions == {}


def kept_expiry(entry: MockConfigEntry) -> datetime:
    """When the subscription the entry keeps ends."""
    expires = dt_util.parse_datetime(entry.data[DATA_SUBSCRIPTION]["expires"])
    assert expires is not None
    return expires


async def test_renewal_before_expiry(live: Live) -> None:
    """The subscription is renewed at half its time left, long before it ends."""
    expires = kept_expiry(live.entry)
    await live.later(LIFETIME / 2 - timedelta(minutes=1))
    assert "renew" not in live.hub.calls
    await live.later(timedelta(minutes=2))
    assert live.hub.calls.count("renew") == 1
    assert dt_util.utcnow() < expires
    assert kept_expiry(live.entry) > expires
    assert list(live.hub.subscriptions) == ["s1"]
    assert live.entry.runtime_data.push.live


async def test_renewal_failure_subscribes_again(live: Live) -> None:
    """A refused renewal makes a new subscription and drops the old one."""
    live.hub.failing = {"renew"}
    await live.later(LIFETIME / 2 + timedelta(minutes=1))
    assert live.hub.calls == ["subscribe", "renew", "subscribe", "unsubscribe"]
    assert list(live.hub.subscriptions) == ["s2"]
    assert live.entry.data[DATA_SUBSCRIPTION]["id"] == "s2"
    assert live.entry.runtime_data.push.live


async def test_renewal_failure_falls_back_to_polling(live: Live) -> None:
    """When neither renewing nor subscribing works, the entry polls; later it retries."""
    hass, entry, hub = live.hass, live.entry, live.hub
    coordinator = entry.runtime_data
    await refresh(hass, entry)
    assert coordinator.update_interval == SAFETY_NET_INTERVAL
    reads = len(hub.reads)
    hub.failing = {"renew", "subscribe"}
    await live.later(LIFETIME / 2 + timedelta(minutes=1))
    assert not coordinator.push.live
    assert not coordinator.client.live
    assert push_state(hass, entry) == ["off", "off"]
    # At once a full read, and from then on the normal interval.
    assert live.new_reads(reads) == [KINDS]
    assert coordinator.update_interval == NORMAL_INTERVAL
    assert entry.data[DATA_SUBSCRIPTION] is None
    assert coordinator.push.diagnostics()["last_error"] == "PortalUnavailable"

    hub.failing = set()
    await live.later(RETRY_AFTER)
    assert coordinator.push.live
    assert push_state(hass, entry) == ["on", "on"]


async def test_callback_url(hass: HomeAssistant) -> None:
    """The external URL always counts; the internal one for a local server only."""
    hass.config.internal_url = "http://192.168.1.5:8123"
    remote = "https://skola.example.se/v2.0"
    assert callback_url(hass, "abc", remote) is None
    for local in ("http://192.168.1.20/v2.0", "127.0.0.1:8080", "nas.local", "nas"):
        assert server_is_local(local)
        assert callback_url(hass, "abc", local) == (
            "http://192.168.1.5:8123/api/webhook/abc"
        )
    assert not server_is_local(None)
    hass.config.external_url = EXTERNAL
    assert callback_url(hass, "abc", remote) == f"{EXTERNAL}/api/webhook/abc"
    assert callback_url(hass, "abc", "nas") == f"{EXTERNAL}/api/webhook/abc"


def test_renewal_delay() -> None:
    """Daily at most, at half the time left, never in a tight loop."""
    now = dt_util.utcnow()
    assert renewal_delay(Subscription("a", None), now) == timedelta(days=1)
    assert renewal_delay(Subscription("a", now + timedelta(days=90)), now) == (
        timedelta(days=1)
    )
    assert renewal_delay(Subscription("a", now + LIFETIME), now) == LIFETIME / 2
    assert renewal_delay(Subscription("a", now - LIFETIME), now) == (
        timedelta(minutes=1)
    )


@pytest.fixture
def kept_subscription(hub: Hub) -> dict[str, Any]:
    """What a run before a restart left: a webhook id and a live subscription."""
    webhook_id = "a" * 64
    target = f"{EXTERNAL}/api/webhook/{webhook_id}"
    hub.subscriptions["s0"] = target
    kept = {"id": "s0", "expires": None, "target": target}
    return {DATA_WEBHOOK_ID: webhook_id, DATA_SUBSCRIPTION: kept}


type SetUp = Callable[..., Awaitable[MockConfigEntry]]


@pytest.fixture
def set_up(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, can_push: None
) -> SetUp:
    """Set up the fixtures' entry, pushing, with more settings or options."""

    async def set_up(
        options: dict[str, Any] | None = None, **data: Any
    ) -> MockConfigEntry:
        return await set_up_entry(hass, like(mock_config_entry, options, **data))

    return set_up


async def test_option_off(
    hass: HomeAssistant, set_up: SetUp, external_url: None, hub: Hub
) -> None:
    """Push switched off: no webhook, no subscription, normal polling."""
    entry = await set_up({"push": False})
    assert hub.calls == []
    assert DATA_WEBHOOK_ID not in entry.data
    assert push_state(hass, entry) == ["off", "off"]
    await refresh(hass, entry)
    assert hub.reads[-1] == KINDS
    assert entry.runtime_data.update_interval == NORMAL_INTERVAL
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert hub.calls == []


async def test_option_off_drops_a_kept_subscription(
    set_up: SetUp, kept_subscription: dict[str, Any], external_url: None, hub: Hub
) -> None:
    """A subscription left by a run that pushed goes once push is off."""
    entry = await set_up({"push": False}, **kept_subscription)
    assert hub.calls == ["unsubscribe"]
    assert hub.subscriptions == {}
    assert entry.data[DATA_SUBSCRIPTION] is None


async def test_no_url_polls(hass: HomeAssistant, set_up: SetUp, hub: Hub) -> None:
    """Without an address the server could reach, the entry simply polls."""
    with patch(
        "homeassistant.components.webhook.get_url", side_effect=NoURLAvailableError
    ):
        entry = await set_up()
    assert hub.calls == []
    assert not entry.runtime_data.push.reachable
    await refresh(hass, entry)
    assert entry.runtime_data.update_interval == NORMAL_INTERVAL
    assert entry.runtime_data.push.diagnostics()["live"] is False


async def test_restart_renews_the_kept_subscription(
    set_up: SetUp, kept_subscription: dict[str, Any], external_url: None, hub: Hub
) -> None:
    """After a restart the subscription of the last run is renewed, not doubled."""
    entry = await set_up(**kept_subscription)
    assert hub.calls == ["renew"]
    assert list(hub.subscriptions) == ["s0"]
    assert entry.runtime_data.push.live


async def test_restart_with_a_new_address(
    hass: HomeAssistant, set_up: SetUp, kept_subscription: dict[str, Any], hub: Hub
) -> None:
    """A kept subscription calling an old address is replaced."""
    hass.config.external_url = "https://elsewhere.example.org"
    entry = await set_up(**kept_subscription)
    assert hub.calls == ["unsubscribe", "subscribe"]
    assert hub.target().startswith("https://elsewhere.example.org/api/webhook/a")
    assert entry.data[DATA_SUBSCRIPTION]["id"] == "s1"


async def test_options_offer_push_where_it_can(
    hass: HomeAssistant, push_entry: MockConfigEntry, hub: Hub
) -> None:
    """The option is shown for a pushing client; off, the reload unsubscribes."""
    entry = push_entry
    result = await hass.config_entries.options.async_init(entry.entry_id)
    defaults = {str(key): key.default() for key in result["data_schema"].schema}
    assert defaults["push"] is True
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**defaults, "push": False}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["push"] is False
    assert entry.state is ConfigEntryState.LOADED
    assert hub.subscriptions == {}
    assert not entry.runtime_data.push.live


async def test_options_without_push(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A client that cannot push is not offered the option."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert "push" not in {str(key) for key in result["data_schema"].schema}
    assert init_integration.runtime_data.push is None


async def test_diagnostics(
    hass: HomeAssistant, push_entry: MockConfigEntry, hub: Hub, hass_client: Any
) -> None:
    """Diagnostics say whether push is live, never the webhook's id or URL."""
    assert await async_setup_component(hass, "diagnostics", {})
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, push_entry)
    assert diagnostics["push"]["live"] is True
    assert diagnostics["push"]["kinds"] == sorted(KINDS)
    text = json.dumps(diagnostics)
    assert push_entry.data[DATA_WEBHOOK_ID] not in text
    assert "/api/webhook" not in text
