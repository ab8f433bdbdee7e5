"""Fault injection and the request log, applied once for every portal prefix."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

# Faults the middleware answers itself, in priority order.
RESPONSE_FAULTS = ("maintenance", "rate_limit", "http_500", "slow", "malformed")
# Faults a portal emulator applies (they change what login and tokens mean).
AUTH_FAULTS = ("password_changed", "two_factor")
# PRONOTE's own error pages, served by its emulator in place of any answer.
PAGE_FAULTS = ("expired_page", "ip_suspended")
# Refusals a portal answers in its own words where it has them (EcoleDirecte's
# codes 517 and 535); other emulators serve as usual.
CODE_FAULTS = ("version_refused", "school_unavailable")
# One-shot: acts when set, never stays active.
EXPIRE_SESSIONS = "expire_sessions"
FAULTS = (*RESPONSE_FAULTS, *AUTH_FAULTS, *PAGE_FAULTS, *CODE_FAULTS, EXPIRE_SESSIONS)

MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html><head><title>Maintenance</title></head>"
    "<body><h1>The site is down for maintenance</h1>"
    "<p>Please try again later.</p></body></html>"
)
MALFORMED_BODY = '{"status": true, "data": [{"subje'

# The request key under which an emulator finds the auth fault that hit it.
# aiohttp 3.14 (HA 2026.x) warns on string keys in a request; aiohttp 3.11
# (HA 2025.4) has no RequestKey yet, so the key is typed by whichever exists.
_REQUEST_KEY: Any = getattr(web, "RequestKey", None)
FAULT_KEY: Any = (
    _REQUEST_KEY("sandbox_fault", str) if _REQUEST_KEY is not None else "sandbox_fault"
)


class Faults:
    """Per-portal faults; ``count`` = how many requests hit it before it clears."""

    def __init__(self, portals: Iterable[str]) -> None:
        self.portals = tuple(portals)
        self._active: dict[str, dict[str, int | None]] = {}
        self._watchers: dict[str, list[Callable[[], None]]] = {}
        self.slow_seconds = 30.0
        self.retry_after = 60

    def watch(self, portal: str, expire: Callable[[], None]) -> None:
        """Call ``expire`` whenever every session of ``portal`` must die."""
        self._watchers.setdefault(portal, []).append(expire)

    def set(self, portal: str, fault: str, count: int | None = None) -> None:
        """Inject ``fault`` into ``portal``."""
        if portal not in self.portals:
            raise ValueError(f"unknown portal {portal!r}")
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        if fault in (EXPIRE_SESSIONS, "password_changed"):
            # Every token issued so far dies now.
            for expire in self._watchers.get(portal, ()):
                expire()
        if fault != EXPIRE_SESSIONS:
            self._active.setdefault(portal, {})[fault] = count

    def clear(self, portal: str | None = None) -> None:
        """Remove every fault, or every fault of one portal."""
        if portal is None:
            self._active.clear()
        else:
            self._active.pop(portal, None)

    def active(self, portal: str | None = None) -> dict[str, dict[str, int | None]]:
        """The faults in force (fault -> remaining count) per portal."""
        return {
            name: dict(faults)
            for name, faults in self._active.items()
            if faults and portal in (None, name)
        }

    def is_active(self, portal: str, fault: str) -> bool:
        """Whether ``fault`` is in force for ``portal``."""
        return fault in self._active.get(portal, {})

    def take(self, portal: str) -> str | None:
        """The fault that hits this request (counting it down), if any."""
        faults = self._active.get(portal)
        if not faults:
            return None
        for fault in (*RESPONSE_FAULTS, *AUTH_FAULTS, *PAGE_FAULTS, *CODE_FAULTS):
            if fault in faults:
                remaining = faults[fault]
                if remaining is not None:
                    if remaining <= 1:
                        del faults[fault]
                    else:
                        faults[fault] = remaining - 1
                return fault
        return None


@dataclass(slots=True)
class LogEntry:
    """One request a portal received."""

    portal: str
    method: str
    path: str
    status: int | None = None  # None while the answer is pending (or never came)
    fault: str | None = None


class RequestLog:
    """Every request to a portal prefix, in arrival order."""

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []

    def add(self, portal: str, method: str, path: str) -> LogEntry:
        """Record a request as it arrives."""
        entry = LogEntry(portal, method, path)
        self.entries.append(entry)
        return entry

    def count(self, portal: str | None = None, path: str | None = None) -> int:
        """How many requests match; ``path`` matches the full path or its tail."""
        return sum(
            1
            for entry in self.entries
            if (portal is None or entry.portal == portal)
            and (path is None or _path_matches(entry.path, path))
        )

    def clear(self) -> None:
        """Forget every entry."""
        self.entries.clear()

    def as_json(self) -> list[dict[str, Any]]:
        """The entries as plain dicts."""
        return [asdict(entry) for entry in self.entries]


def _path_matches(full: str, wanted: str) -> bool:
    wanted = wanted.strip("/").lower()
    full = full.strip("/").lower()
    return full == wanted or full.endswith("/" + wanted)


def portal_of(path: str, portals: Collection[str]) -> str | None:
    """The portal a request path belongs to (its first segment names it)."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in portals else None


def fault_middleware(
    faults: Faults, log: RequestLog, closing: asyncio.Event
) -> Middleware:
    """Build the middleware that logs every portal request and injects faults."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        portal = portal_of(request.path, faults.portals)
        if portal is None:
            return await handler(request)
        entry = log.add(portal, request.method, request.path)
        fault = entry.fault = faults.take(portal)
        response = await _respond(request, handler, fault, faults, closing)
        entry.status = response.status
        return response

    return middleware


async def _respond(
    request: web.Request,
    handler: Handler,
    fault: str | None,
    faults: Faults,
    closing: asyncio.Event,
) -> web.StreamResponse:
    if fault == "maintenance":
        return web.Response(status=503, text=MAINTENANCE_PAGE, content_type="text/html")
    if fault == "rate_limit":
        return web.Response(
            status=429,
            text="Too Many Requests",
            headers={"Retry-After": str(faults.retry_after)},
        )
    if fault == "http_500":
        return web.Response(
            status=500,
            text="<html><body><h1>500 Internal Server Error</h1></body></html>",
            content_type="text/html",
        )
    if fault == "slow":
        # Wakes early when the app shuts down, so servers stop promptly in tests.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing.wait(), faults.slow_seconds)
        return await handler(request)
    if fault == "malformed":
        return web.Response(
            status=200, text=MALFORMED_BODY, content_type="application/json"
        )
    if fault is not None:
        request[FAULT_KEY] = fault
    return await handler(request)
