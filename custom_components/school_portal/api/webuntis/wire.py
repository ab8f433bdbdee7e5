"""WebUntis' transport: JSON-RPC, REST with the cookie or a bearer token.

What the answers and their errors mean is in docs/webuntis-wire.md.

We send the ``JSESSIONID`` cookie as a header ourselves so that Home
Assistant's shared session never stores it.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from ..client import SessionExpired
from ..errors import (
    AccountLocked,
    AuthenticationError,
    ConfigurationError,
    NotSupported,
    ProtocolError,
    SchoolPortalError,
    UnknownSchool,
)
from ..util import HttpResponse, as_int, http_request, json_loads, web_address

DEFAULT_USER_AGENT = "school-portal-home-assistant"
JSONRPC_PATH = "/WebUntis/jsonrpc.do"

# JSON-RPC error codes (docs/webuntis-wire.md, section "Errors").
ERROR_NOT_LOGGED_IN = -8520
ERROR_BAD_CREDENTIALS = -8504
ERROR_UNKNOWN_SCHOOL = -8500
ERROR_NO_RIGHT = -8509
ERROR_BLOCKED = -8998
ERROR_DATE_NOT_ALLOWED = (-7004, -8507)
ERROR_METHOD_NOT_FOUND = -32601

TOKEN_MARGIN = 60.0
DEFAULT_TOKEN_LIFETIME = 900.0


class NoRight(ProtocolError):
    """WebUntis refused one resource to this login (-8509, HTTP 403)."""


# What leaves an optional part of a refresh empty instead of failing it: a
# resource refused to this login, or a method this server does not offer.
ABSENT = (NoRight, NotSupported)


class DateNotAllowed(ProtocolError):
    """The dates lie outside what the school lets this login read (-7004)."""


def normalize_server(text: str | None) -> str:
    """The JSON-RPC URL for a host, a URL without path or a full URL.

    A path that does not end in ``jsonrpc.do`` is a prefix under which WebUntis
    lives (``http://127.0.0.1:8765/webuntis`` for the sandbox); a path ending
    in ``/WebUntis`` (what browsers show) gets ``/jsonrpc.do`` added.
    """
    parts = web_address(text, "WebUntis server address")
    host = parts.hostname or ""
    if not re.fullmatch(r"[A-Za-z0-9.\-_]+", host):
        raise ConfigurationError("Not a usable WebUntis server address")
    try:
        port = parts.port
    except ValueError as err:
        raise ConfigurationError("Not a usable WebUntis server address") from err
    netloc = host.lower() + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    if path.lower().endswith(".do"):
        path = path.rsplit("/", 1)[0] + "/jsonrpc.do"
    elif path.endswith("/WebUntis"):
        path = f"{path}/jsonrpc.do"
    else:
        path = f"{path}{JSONRPC_PATH}"
    return f"{parts.scheme}://{netloc}{path}"


def format_date(day: date) -> int:
    """A date as WebUntis wants it: ``yyyymmdd`` as an int."""
    return day.year * 10000 + day.month * 100 + day.day


def date_range(start: date, end: date) -> dict[str, int]:
    """[start, end) as WebUntis' inclusive ``startDate`` and ``endDate``."""
    return {
        "startDate": format_date(start),
        "endDate": format_date(end - timedelta(days=1)),
    }


class Wire:
    """One school on one WebUntis server: its session cookie and bearer token."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        school: str,
        *,
        user_agent: str,
        timeout: float,
        clock: Callable[[], float],
        scope: Callable[[], tuple[str, str]],
    ) -> None:
        """Keep where to call; `scope` gives the tenant and school-year ids."""
        self.session = session
        self.url = url
        self.base = url.rsplit("/", 1)[0]
        self.school_query = quote(school, safe="")
        self.user_agent = user_agent
        self.timeout = timeout
        self._clock = clock
        self._scope = scope
        self.session_id: str | None = None
        self.token: str | None = None
        self._token_expires = 0.0
        self._ids = itertools.count(1)

    def forget(self) -> None:
        """Drop the session and its token."""
        self.session_id = None
        self.token = None

    def headers(self, *, cookie: bool = True) -> dict[str, str]:
        """What every request carries (the session cookie once there is one)."""
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if cookie and self.session_id:
            headers["Cookie"] = f"JSESSIONID={self.session_id}"
        return headers

    def next_id(self) -> str:
        """A fresh JSON-RPC request id."""
        return f"school-portal-{next(self._ids)}"

    async def rpc(self, method: str, params: Any = None) -> Any:
        """One JSON-RPC call on the current session (no re-login)."""
        login = method == "authenticate"
        if not login and not self.session_id:
            raise SessionExpired("Not logged in to WebUntis")
        call_id = self.next_id()
        response = await http_request(
            self.session,
            "POST",
            f"{self.url}?school={self.school_query}",
            timeout=self.timeout,
            json={
                "id": call_id,
                "method": method,
                "params": params or {},
                "jsonrpc": "2.0",
            },
            headers=self.headers(cookie=not login),
        )
        return decode_rpc(response, call_id, login=login)

    async def post_for_session(
        self, url: str, body: Any
    ) -> tuple[HttpResponse, str | None]:
        """POST without cookie; the JSESSIONID the answer sets (an OTP login's)."""
        response = await http_request(
            self.session,
            "POST",
            url,
            json=body,
            headers=self.headers(cookie=False),
            timeout=self.timeout,
        )
        return response, response.cookies.get("JSESSIONID")

    async def rest(self, path: str, query: Mapping[str, Any] | None = None) -> Any:
        """A REST GET with the session cookie (no re-login)."""
        if not self.session_id:
            raise SessionExpired("Not logged in to WebUntis")
        url = f"{self.base}/{path}"
        if query:
            url = f"{url}?{urlencode(query)}"
        response = await http_request(
            self.session, "GET", url, timeout=self.timeout, headers=self.headers()
        )
        return decode_rest(response)

    async def _ensure_token(self) -> str:
        now = self._clock()
        if self.token and now < self._token_expires - TOKEN_MARGIN:
            return self.token
        if not self.session_id:
            raise SessionExpired("Not logged in to WebUntis")
        response = await http_request(
            self.session,
            "GET",
            f"{self.base}/api/token/new",
            timeout=self.timeout,
            headers=self.headers(),
        )
        token = response.text.strip()
        if response.status in (401, 403) or token.count(".") != 2 or " " in token:
            # An expired session gets an HTML page or JSON instead of a JWT.
            raise SessionExpired("WebUntis gave no bearer token")
        self.token = token
        self._token_expires = now + jwt_lifetime(token)
        return token

    async def bearer(self, path: str) -> Any:
        """A REST GET with the bearer token (no re-login)."""
        for attempt in (1, 2):
            token = await self._ensure_token()
            headers = self.headers()
            headers["Authorization"] = f"Bearer {token}"
            tenant, year = self._scope()
            if tenant:
                headers["Tenant-Id"] = tenant
            if year:
                headers["X-Webuntis-Api-School-Year-Id"] = year
            response = await http_request(
                self.session,
                "GET",
                f"{self.base}/{path}",
                timeout=self.timeout,
                headers=headers,
            )
            if response.status == 401 and attempt == 1:
                # The token died before we thought: one new token, then give up.
                self.token = None
                continue
            return decode_rest(response)
        raise SessionExpired("WebUntis refused the bearer token")  # pragma: no cover


def decode_rpc(response: HttpResponse, call_id: str, *, login: bool) -> Any:
    """The result of a JSON-RPC answer, or the matching error."""
    text = response.text.lstrip()
    if response.status == 404 or text.startswith("<"):
        if login:
            raise ConfigurationError("The address does not lead to WebUntis")
        raise ProtocolError(f"WebUntis answered HTTP {response.status} without JSON")
    body = _json(text)
    if not isinstance(body, dict):
        raise ProtocolError("WebUntis' answer is not a JSON-RPC envelope")
    if body.get("id") != call_id:
        raise ProtocolError("WebUntis answered another request id")
    error = body.get("error")
    if error is not None:
        code = as_int(error.get("code")) if isinstance(error, dict) else None
        raise rpc_error(code)
    if "result" not in body:
        raise ProtocolError("WebUntis' answer has no result")
    return body["result"]


def _json(text: str) -> Any:
    try:
        return json_loads(text)
    except ValueError as err:
        raise ProtocolError(
            "WebUntis answered with something that is not JSON"
        ) from err


def rpc_error(code: int | None) -> SchoolPortalError:
    """Our error for a JSON-RPC error code (the message is never passed on)."""
    if code == ERROR_NOT_LOGGED_IN:
        return SessionExpired("WebUntis ended the session")
    if code == ERROR_BAD_CREDENTIALS:
        return AuthenticationError("WebUntis refused the username or password")
    if code == ERROR_UNKNOWN_SCHOOL:
        return UnknownSchool("WebUntis does not know this school")
    if code == ERROR_BLOCKED:
        return AccountLocked("WebUntis has blocked this user for now")
    if code == ERROR_NO_RIGHT:
        return NoRight("WebUntis refuses this to the login")
    if code in ERROR_DATE_NOT_ALLOWED:
        return DateNotAllowed("WebUntis refuses these dates")
    if code == ERROR_METHOD_NOT_FOUND:
        return NotSupported("This WebUntis server does not offer that method")
    return ProtocolError(f"WebUntis answered error {code}")


def decode_rest(response: HttpResponse) -> Any:
    """A REST answer: 401 is an expired session, 403 or an errors body no right."""
    if response.status == 401:
        raise SessionExpired("WebUntis ended the session")
    if response.status == 403:
        raise NoRight("WebUntis refuses this to the login")
    if response.status >= 400:
        raise ProtocolError(f"WebUntis answered HTTP {response.status}")
    text = response.text.lstrip()
    if text.startswith("<"):
        # A login page instead of data: the session is gone.
        raise SessionExpired("WebUntis answered with a page instead of data")
    body = _json(text)
    if _is_refusal(body):
        raise NoRight("WebUntis refuses this to the login")
    return body


def _is_refusal(body: Any) -> bool:
    """Whether a REST body is WebUntis' ``{"errors": [...]}`` instead of data.

    Seen for ``/api/exams`` refused to a pupil, ``{"errors": [{"code":
    "INTERNAL_ERROR", "title": "Unerlaubter Zugriff"}]}``: once with HTTP 403
    (HA#160) and once where the status was not logged (HA#153), so it may come
    with 200. The only ``errors`` body anyone has seen is this refusal, and its
    code is generic: any ``errors`` list without ``data`` is read as "this part
    is refused", which leaves that part absent and lets the refresh go on.
    """
    return (
        isinstance(body, dict)
        and "data" not in body
        and isinstance(body.get("errors"), list)
        and bool(body["errors"])
    )


def jwt_lifetime(token: str) -> float:
    """Seconds a bearer token lives, from its own claims (clocks may differ)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
        lifetime = float(claims["exp"]) - float(claims["iat"])
    except (IndexError, KeyError, TypeError, ValueError):
        return DEFAULT_TOKEN_LIFETIME
    return lifetime if lifetime > 0 else DEFAULT_TOKEN_LIFETIME
