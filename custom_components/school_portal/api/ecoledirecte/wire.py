"""EcoleDirecte's transport: form-encoded JSON, the answer codes, the tokens.

Every call is a POST of ``data=<JSON>`` to ``<base><path>.awp?verbe=…&v=…``;
the answer is an envelope ``{code, token, message, data}`` with HTTP 200
even for errors. The token of a session comes back in the ``X-Token``
header (and the envelope) of most answers and is sent in ``X-Token``; a
login the security question protected also gets a ``2FA-Token``, sent on
every later call. The server binds a token to the user agent, so one
client keeps one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from ..client import SessionExpired
from ..errors import (
    AuthenticationError,
    ConfigurationError,
    PortalUnavailable,
    ProtocolError,
)
from ..util import HttpResponse, http_request, json_loads, web_address

DEFAULT_SERVER = "https://api.ecoledirecte.com/v3"
# The web application's version the server is known to accept (517 otherwise).
API_VERSION = "4.101.4"
# One user agent for the life of every token.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/134.0.0.0 Safari/537.36"
)

# Answer codes.
CODE_OK = 200
CODE_OK_EMPTY = 210
CODE_SECURITY_QUESTION = 250
CODE_REFUSED = 505
CODE_VERSION = 517
CODE_TOKEN_INVALID = 520
CODE_TOKEN_EXPIRED = 525
CODE_SCHOOL_UNAVAILABLE = 535


class SecurityQuestionAsked(AuthenticationError):
    """The login needs the answer to the security question (code 250).

    The login answers it; anywhere else it means the login is no longer let in.
    """


def normalize_server(text: str | None) -> str:
    """The API's base URL (ending in ``/v3``) for a typed address."""
    parts = web_address(text or DEFAULT_SERVER, "EcoleDirecte server address")
    try:
        port = parts.port
    except ValueError as err:
        raise ConfigurationError("Not a usable EcoleDirecte server address") from err
    host = (parts.hostname or "").lower() + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    if not path.endswith("/v3"):
        path += "/v3"
    return f"{parts.scheme}://{host}{path}"


def form_body(payload: Mapping[str, Any]) -> str:
    """The ``data=`` body: the JSON as it is, not form-encoded (as every client)."""
    return "data=" + json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _header(headers: Mapping[str, str], name: str) -> str:
    """A header's value whatever its case ('' when absent)."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), "")


@dataclass(slots=True)
class Answer:
    """One decoded envelope."""

    code: int
    data: Any
    message: str


def raise_for_code(answer: Answer) -> None:
    """The error hierarchy for the codes that are not a success."""
    code = answer.code
    if code in (CODE_OK, CODE_OK_EMPTY):
        return
    if code == CODE_SECURITY_QUESTION:
        raise SecurityQuestionAsked
    if code == CODE_REFUSED:
        raise AuthenticationError("EcoleDirecte refused the login")
    if code in (CODE_TOKEN_INVALID, CODE_TOKEN_EXPIRED):
        raise SessionExpired("EcoleDirecte no longer accepts the token")
    if code == CODE_SCHOOL_UNAVAILABLE:
        raise PortalUnavailable("The school is not available on EcoleDirecte")
    if code == CODE_VERSION:
        raise ProtocolError("EcoleDirecte no longer accepts this client's version")
    raise ProtocolError(f"EcoleDirecte answered code {code}")


class EcoleDirecteWire:
    """The tokens of one login, and the calls that carry them."""

    def __init__(
        self, session: aiohttp.ClientSession, base: str, *, timeout: float
    ) -> None:
        """Address the API at `base`; nothing is sent yet."""
        self._session = session
        self.base = base
        self._timeout = timeout
        self.token: str | None = None
        self.two_factor_token: str | None = None
        self.requests = 0

    def forget(self) -> None:
        """Drop the tokens (a new login starts from none)."""
        self.token = None
        self.two_factor_token = None

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.token:
            headers["X-Token"] = self.token
        if self.two_factor_token:
            headers["2FA-Token"] = self.two_factor_token
        headers.update(extra or {})
        return headers

    def _url(self, path: str, query: Mapping[str, str]) -> str:
        return f"{self.base}{path}?{urlencode({**query, 'v': API_VERSION})}"

    async def _send(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        payload: Mapping[str, Any] | None,
        extra: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        headers = self._headers(extra)
        body = None
        if payload is not None:
            body = form_body(payload)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.requests += 1
        response = await http_request(
            self._session,
            method,
            self._url(path, query),
            timeout=self._timeout,
            data=body,
            headers=headers,
        )
        if response.status >= 400:
            raise ProtocolError(f"EcoleDirecte answered HTTP {response.status}")
        # Every answer that carries a token renews ours.
        self._take_tokens(response.headers, None)
        return response

    def _take_tokens(self, headers: Mapping[str, str], envelope: Any) -> None:
        token = _header(headers, "X-Token")
        if not token and isinstance(envelope, Mapping):
            token = str(envelope.get("token") or "")
        if token:
            self.token = token
        two_factor = _header(headers, "2FA-Token")
        if two_factor:
            self.two_factor_token = two_factor

    async def gtk(self) -> dict[str, str]:
        """The login's pre-flight: the headers that carry its GTK cookie."""
        response = await self._send("GET", "/login.awp", {"gtk": "1"}, None)
        gtk = response.cookies.get("GTK")
        if not gtk:
            raise ProtocolError("EcoleDirecte sent no GTK cookie")
        cookie = "; ".join(f"{k}={v}" for k, v in response.cookies.items())
        return {"X-Gtk": gtk, "Cookie": cookie}

    async def call(
        self,
        path: str,
        verb: str | None,
        payload: Mapping[str, Any],
        *,
        query: Mapping[str, str] | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> Answer:
        """One call; its envelope once its code says success."""
        params = {**({"verbe": verb} if verb else {}), **(query or {})}
        response = await self._send("POST", path, params, payload, extra)
        try:
            envelope = json_loads(response.text)
        except ValueError as err:
            raise ProtocolError("EcoleDirecte sent no JSON") from err
        if not isinstance(envelope, dict):
            raise ProtocolError("EcoleDirecte sent no envelope")
        self._take_tokens({}, envelope)
        code = envelope.get("code")
        if not isinstance(code, int) or isinstance(code, bool):
            raise ProtocolError("EcoleDirecte sent no answer code")
        answer = Answer(code, envelope.get("data"), str(envelope.get("message") or ""))
        raise_for_code(answer)
        return answer

    async def download(self, query: Mapping[str, str]) -> bytes:
        """A file's bytes (`telechargement.awp`)."""
        response = await self._send(
            "POST",
            "/telechargement.awp",
            {"verbe": "get", **query},
            {"forceDownload": 0},
        )
        if response.text.lstrip().startswith("{"):
            # An envelope instead of the file: its code says why.
            try:
                envelope = json_loads(response.text)
            except ValueError:
                return response.content
            if isinstance(envelope, dict) and isinstance(envelope.get("code"), int):
                raise_for_code(Answer(envelope["code"], None, ""))
        return response.content
