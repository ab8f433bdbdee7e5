"""SS12000 transport: bearer tokens, requests, errors and paging.

Tokens come from an OAuth 2 client-credentials endpoint (renewed shortly
before they expire, so one token request per token lifetime) or are pasted
by the user. Error codes map onto the shared hierarchy: 401 is the token,
403 a collection these credentials may not read (`NoRight`, a refusal),
404 a missing entity or a path this server does not implement, 410 a page
token that expired (the listing starts again), 429 and 5xx as everywhere.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from ..errors import (
    AuthenticationError,
    ConfigurationError,
    NotSupported,
    ProtocolError,
)
from ..util import HttpResponse, http_request, json_loads, web_address


class NoRight(NotSupported):
    """The server refuses this collection to these credentials (HTTP 403)."""


class NotFound(NotSupported):
    """No such entity, or a path this server does not implement (HTTP 404)."""


class PageExpired(ProtocolError):
    """The page token expired (HTTP 410): the listing must start again."""


class TokenRefused(AuthenticationError):
    """The server refused the bearer token (HTTP 401)."""


# Renew a token this many seconds before the server's end: a request sent
# just before expiry must not arrive just after it.
RENEW_MARGIN = 60.0
# A token whose reply names no lifetime is renewed after this long.
DEFAULT_LIFETIME = 3600.0

type Query = Sequence[tuple[str, str]]


def normalize_server(text: str | None) -> str:
    """The base URL with its version path (``https://host/…/v2.0``), no trailing slash."""
    parts = web_address(text, "server address")
    return parts._replace(query="", fragment="").geturl().rstrip("/")


def query_value(value: Any) -> str:
    """A filter's value as SS12000 spells it in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def query(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs: lists repeat their key (OpenAPI's default style), None is left out."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        pairs += [(key, query_value(item)) for item in values]
    return pairs


class ClientCredentials:
    """OAuth 2 client credentials: a token per lifetime, renewed before its end."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str = "",
    ) -> None:
        """Keep the endpoint and the client pair; nothing is sent yet."""
        if not client_id or not client_secret:
            raise ConfigurationError("No client id or secret given")
        self.token_url = normalize_server(token_url)
        self._client_id, self._secret = client_id, client_secret
        self._scope = scope.strip()
        self._token: str | None = None
        self._until = 0.0
        self._lock = asyncio.Lock()
        self.requests = 0  # token requests sent (the bench counts them)

    @property
    def renewable(self) -> bool:
        """A refused token can be replaced without the user."""
        return True

    async def bearer(
        self, session: aiohttp.ClientSession, now: Callable[[], float], timeout: float
    ) -> str:
        """A token valid for a while yet: the kept one, or a fresh one."""
        async with self._lock:
            if self._token is None or now() >= self._until:
                self._token, lifetime = await self._request(session, timeout)
                self._until = now() + max(lifetime - RENEW_MARGIN, lifetime / 2)
            return self._token

    def forget(self) -> None:
        """Drop the token (the server refused it before its end)."""
        self._token = None

    async def _request(
        self, session: aiohttp.ClientSession, timeout: float
    ) -> tuple[str, float]:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        # HTTP Basic for the pair (RFC 6749's preferred way), and the pair in
        # the form as well: servers that read only one of them find it.
        pair = f"{quote(self._client_id, safe='')}:{quote(self._secret, safe='')}"
        form |= {"client_id": self._client_id, "client_secret": self._secret}
        self.requests += 1
        response = await http_request(
            session,
            "POST",
            self.token_url,
            timeout=timeout,
            data=urlencode(form),
            headers={
                "Authorization": f"Basic {base64.b64encode(pair.encode()).decode()}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        if response.status in (400, 401, 403):
            raise AuthenticationError("The token endpoint refused the client")
        if response.status != 200:
            raise ProtocolError(f"The token endpoint answered HTTP {response.status}")
        reply = _json(response)
        token = reply.get("access_token") if isinstance(reply, dict) else None
        if not isinstance(token, str) or not token:
            raise ProtocolError("The token endpoint gave no access token")
        try:
            lifetime = float(reply.get("expires_in") or DEFAULT_LIFETIME)
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME
        return token, max(lifetime, 1.0)


class PastedToken:
    """A bearer token the user pasted: it cannot be renewed by us."""

    def __init__(self, token: str) -> None:
        """Keep the token."""
        token = token.strip().removeprefix("Bearer ").strip()
        if not token:
            raise ConfigurationError("No token given")
        self._token = token
        self.requests = 0

    @property
    def renewable(self) -> bool:
        """A refused token needs the user."""
        return False

    async def bearer(
        self, session: aiohttp.ClientSession, now: Callable[[], float], timeout: float
    ) -> str:
        """The pasted token."""
        return self._token

    def forget(self) -> None:
        """Nothing to forget: the user must paste a new one."""


type Credentials = ClientCredentials | PastedToken


@dataclass(slots=True)
class Wire:
    """Requests to one SS12000 server with one kind of credentials."""

    session: aiohttp.ClientSession
    base: str
    credentials: Credentials
    timeout: float
    now: Callable[[], float]
    requests: int = 0  # API requests sent (token requests not counted)

    async def call(
        self,
        method: str,
        path: str,
        params: Query = (),
        body: Any = None,
    ) -> Any:
        """One request; JSON back (None for 204). A refused token is renewed once."""
        for attempt in (1, 2):
            token = await self.credentials.bearer(self.session, self.now, self.timeout)
            url = f"{self.base}{path}"
            if params:
                url = f"{url}?{urlencode(list(params))}"
            self.requests += 1
            response = await http_request(
                self.session,
                method,
                url,
                timeout=self.timeout,
                json=body,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                },
            )
            if response.status == 401 and attempt == 1 and self.credentials.renewable:
                self.credentials.forget()
                continue
            return _answer(response)
        raise AssertionError("unreachable")  # pragma: no cover


def _answer(response: HttpResponse) -> Any:
    status = response.status
    if status == 204 or (status in (200, 201) and not response.text.strip()):
        return None
    if status in (200, 201):
        return _json(response)
    if status == 401:
        raise TokenRefused("The server refused the token")
    if status == 403:
        raise NoRight("The server refuses this to these credentials")
    if status == 404:
        raise NotFound("Not found on this server")
    if status == 410:
        raise PageExpired("The page token expired")
    code = _json_or_none(response)
    what = code.get("code") if isinstance(code, dict) else None
    raise ProtocolError(f"The server answered HTTP {status} ({what or 'no code'})")


def _json(response: HttpResponse) -> Any:
    try:
        return json_loads(response.text)
    except ValueError as err:
        raise ProtocolError("The server answered something other than JSON") from err


def _json_or_none(response: HttpResponse) -> Any:
    try:
        return json_loads(response.text)
    except ValueError:
        return None
