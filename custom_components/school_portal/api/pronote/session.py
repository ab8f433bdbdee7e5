"""One PRONOTE session: the start page, the envelopes, the login handshake.

Every request goes through `PronoteSession.call`, under one lock: the order
number is a counter the server checks, so requests must never interleave.
The wire facts (and which are assumed) are in docs/pronote-wire.md.
"""

from __future__ import annotations

import asyncio
import base64
import html
import re
import time as monotonic_time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp

from ..client import SessionExpired
from ..errors import (
    AccountLocked,
    AuthenticationError,
    ConfigurationError,
    PortalUnavailable,
    ProtocolError,
    RateLimited,
)
from ..util import http_request, json_loads
from .crypto import (
    DecryptError,
    Keys,
    aes_decrypt,
    decimal_bytes,
    direct_challenge,
    from_hex,
    md5,
    password_key,
    rsa_encrypt,
    solve_challenge,
)

USER_AGENT: Final = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 "
    "PRONOTE Mobile APP"
)
# Query flags: skip the ENT redirect, the browser check and the delegation page.
DESKTOP_QUERY: Final = "login=true"
MOBILE_QUERY: Final = "fd=1&bydlg=A6ABB224-12DD-4E31-AD3E-8A39A1C2C335&login=true"
# The web app pings after two minutes of silence; we do it a little earlier.
KEEP_ALIVE_AFTER: Final = 110.0
# Servers from this version on take the login challenge as it is (no alea).
DIRECT_CHALLENGE_SINCE: Final = (2026, 2, 5)
NAVIGATION_ONGLET: Final = 7

# PRONOTE's own HTML pages, recognised by their text.
EXPIRED_PAGE: Final = "La page a expiré"
IP_SUSPENDED: Final = "Votre adresse IP est provisoirement suspendue"
TOO_MANY: Final = "Vous avez dépassé"
UNAVAILABLE_TEXTS: Final = (
    "Le site est momentanément indisponible",
    "La page demandée",
    "Impossible d'a",
    "Accès refusé",
)

# Erreur.G codes (notes §1.4).
ERROR_EXPIRED: Final = 10
ERROR_PREVIOUS_SESSION: Final = 22
ERROR_TOO_MANY: Final = 25

# Acces codes of a refused Authentification (notes §1.1, from Pawnote).
ACCESS_LOCKED: Final = frozenset({6, 10})

_START = re.compile(r"Start\s*\(\s*\{(?P<params>[^}]*)\}\s*\)")
_VERSION = re.compile(r">\s*PRONOTE\s+(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class Envelope:
    """The key names of one server generation (notes §1.1, table)."""

    order: str
    name: str
    secure: str
    data: str
    signature: str
    # 2025.1.3+ flags *enable* encryption/compression; older ones *skip* them.
    enabling_flags: bool

    def flags(self, attributes: Mapping[str, str]) -> tuple[bool, bool]:
        """(compress, encrypt) as the page's parameters say."""
        if self.enabling_flags:
            return _flag(attributes, "CoA"), _flag(attributes, "CrA")
        return not _flag(attributes, "sCoA"), not _flag(attributes, "sCrA")


ENVELOPE_2025: Final = Envelope("no", "id", "dataSec", "data", "Signature", True)
ENVELOPE_2024: Final = Envelope(
    "numeroOrdre", "nom", "donneesSec", "data", "Signature", False
)
ENVELOPE_LEGACY: Final = Envelope(
    "numeroOrdre", "nom", "donneesSec", "donnees", "_Signature_", False
)


def _flag(attributes: Mapping[str, str], key: str) -> bool:
    value = attributes.get(key)
    return value is not None and value.strip().lower() not in ("", "false", "0")


def choose_envelope(
    version: tuple[int, int, int] | None, attributes: Mapping[str, str]
) -> Envelope:
    """The envelope of a server, from its version (or, without one, its flags)."""
    if version is not None:
        if version >= (2025, 1, 3):
            return ENVELOPE_2025
        if version >= (2024, 3, 9):
            return ENVELOPE_2024
        return ENVELOPE_LEGACY
    if "sCrA" in attributes or "sCoA" in attributes:
        return ENVELOPE_2024
    return ENVELOPE_2025


@dataclass(frozen=True, slots=True)
class StartPage:
    """What the start page tells: the session parameters and the version."""

    attributes: Mapping[str, str]
    version: tuple[int, int, int] | None

    @property
    def session_id(self) -> str:
        """`h`, the session number."""
        return self.attributes["h"]

    @property
    def space(self) -> int:
        """`a`, the espace (3 pupil, 2 parent, 6/7 their mobile pages)."""
        return int(self.attributes["a"])


def check_error_page(text: str) -> None:
    """Raise the error a PRONOTE HTML error page stands for, if it is one."""
    plain = html.unescape(text)
    if EXPIRED_PAGE in plain:
        raise SessionExpired("PRONOTE says the page expired")
    if IP_SUSPENDED in plain:
        raise RateLimited(None)
    if TOO_MANY in plain:
        raise RateLimited(None)
    if any(marker in plain for marker in UNAVAILABLE_TEXTS):
        raise PortalUnavailable("PRONOTE says the site is unavailable")


def parse_start_page(text: str) -> StartPage:
    """Find `Start ({h:'…',a:3,…})` and the version in a start page."""
    match = _START.search(text)
    if match is None:
        try:
            check_error_page(text)
        except SessionExpired as err:
            raise PortalUnavailable("PRONOTE served its expired-page notice") from err
        raise ConfigurationError("This address is not a PRONOTE page")
    attributes: dict[str, str] = {}
    for pair in match.group("params").split(","):
        key, sep, value = pair.partition(":")
        if sep:
            attributes[key.strip().strip("'\"")] = value.strip().strip("'\"")
    if not attributes.get("h", "").isdigit() or not attributes.get("a", "").isdigit():
        raise ConfigurationError("The PRONOTE page carries no session parameters")
    version_match = _VERSION.search(text)
    version = (
        (
            int(version_match.group(1)),
            int(version_match.group(2)),
            int(version_match.group(3)),
        )
        if version_match
        else None
    )
    return StartPage(attributes, version)


class PronoteSession:
    """The crypto state and the serialized request channel of one login."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        page_url: str,
        *,
        timeout: float,
        cookies: Mapping[str, str] | None = None,
    ) -> None:
        """Nothing is sent before `open`."""
        self._http = http
        self.page_url = page_url
        self.root = page_url.split("?", 1)[0].rsplit("/", 1)[0]
        self._timeout = timeout
        # The cookies given at creation (a login's), never added to.
        self._cookies = dict(cookies or {})
        self._lock = asyncio.Lock()
        self.keys = Keys()
        self.page: StartPage | None = None
        self.envelope = ENVELOPE_2025
        self.compress = True
        self.encrypt = True
        # FonctionParametres' answer, replaced by each `open`.
        self.parameters: dict[str, Any] = {}
        self.last_call = float("-inf")
        self.calls = 0

    def _headers(self, json_body: bool) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if json_body:
            headers["Content-Type"] = "application/json"
        if self._cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self._cookies.items())
        return headers

    async def open(self, identifier: str | None = None) -> dict[str, Any]:
        """GET the start page and send FonctionParametres; return its data."""
        response = await http_request(
            self._http,
            "GET",
            self.page_url,
            timeout=self._timeout,
            headers=self._headers(False),
        )
        if response.status >= 400:
            raise ConfigurationError(
                f"The PRONOTE page answered HTTP {response.status}"
            )
        page = parse_start_page(response.text)
        self.page = page
        self.envelope = choose_envelope(page.version, page.attributes)
        self.compress, self.encrypt = self.envelope.flags(page.attributes)
        seed = self.keys.seed
        if _flag(page.attributes, "http"):
            modulus = page.attributes.get("MR")
            exponent = page.attributes.get("ER")
            try:
                uuid = rsa_encrypt(
                    seed,
                    *(
                        (int(modulus, 16), int(exponent or "10001", 16))
                        if modulus
                        else ()
                    ),
                )
            except ValueError as err:
                raise ProtocolError("The PRONOTE page's RSA key is unusable") from err
        else:
            uuid = seed
        data = await self.call(
            "FonctionParametres",
            {
                "Uuid": base64.b64encode(uuid).decode(),
                "identifiantNav": identifier,
            },
            iv_after=md5(seed),
        )
        self.parameters = data
        return data

    @property
    def challenge_is_direct(self) -> bool:
        """Whether the server expects the challenge encrypted as it is."""
        version = self.page.version if self.page else None
        return version is not None and version >= DIRECT_CHALLENGE_SINCE

    async def call(
        self,
        function: str,
        data: Mapping[str, Any] | None = None,
        *,
        onglet: int | None = None,
        member: str | None = None,
        iv_after: bytes | None = None,
    ) -> dict[str, Any]:
        """One function call; returns the reply's data object."""
        if self.page is None:
            raise SessionExpired("No PRONOTE session")
        async with self._lock:
            try:
                inner = await self._exchange(function, data, onglet, member, iv_after)
            except BaseException:
                # Every call carries the next order number and the server
                # refuses any other. After a call that did not come back as a
                # decoded reply (an error page, a timeout, a cancelled task, an
                # error code) nobody knows whether the server counted it, so
                # the session ends here and the next call logs in afresh.
                self.page = None
                raise
        return self._result(function, inner)

    async def _exchange(
        self,
        function: str,
        data: Mapping[str, Any] | None,
        onglet: int | None,
        member: str | None,
        iv_after: bytes | None,
    ) -> dict[str, Any]:
        assert self.page is not None
        envelope = self.envelope
        payload: dict[str, Any] = {}
        if onglet is not None:
            signature: dict[str, Any] = {"onglet": onglet}
            if member is not None:
                signature["membre"] = {"N": member, "G": 4}
            payload[envelope.signature] = signature
        if data is not None:
            payload[envelope.data] = dict(data)
        secure = self.keys.encode_request(
            payload, compress=self.compress, encrypt=self.encrypt
        )
        order = self.keys.next_order()
        body = {
            "session": int(self.page.session_id),
            envelope.order: order,
            envelope.name: function,
            envelope.secure: secure,
        }
        url = f"{self.root}/appelfonction/{self.page.space}/{self.page.session_id}/{order}"
        response = await http_request(
            self._http,
            "POST",
            url,
            timeout=self._timeout,
            json=body,
            headers=self._headers(True),
        )
        self.calls += 1
        self.last_call = monotonic_time.monotonic()
        if iv_after is not None:
            self.keys.iv = iv_after
        try:
            reply = json_loads(response.text)
        except ValueError as err:
            check_error_page(response.text)
            raise ProtocolError(
                f"PRONOTE answered {function} with something else"
            ) from err
        if response.status >= 400:
            raise ProtocolError(f"PRONOTE answered HTTP {response.status}")
        if not isinstance(reply, dict):
            raise ProtocolError("PRONOTE's reply is not an object")
        _raise_for_error(reply)
        try:
            inner = self.keys.decode_response(
                reply.get(envelope.secure),
                compress=self.compress,
                encrypt=self.encrypt,
            )
        except DecryptError as err:
            raise ProtocolError(
                f"PRONOTE's reply to {function} does not decode"
            ) from err
        if not isinstance(inner, dict):
            raise ProtocolError("PRONOTE's secure data is not an object")
        return inner

    def _result(self, function: str, inner: dict[str, Any]) -> dict[str, Any]:
        """The data of a decoded reply (a refusal in it leaves the session be)."""
        signature_reply = inner.get(self.envelope.signature)
        if isinstance(signature_reply, dict) and signature_reply.get("Erreur"):
            raise ProtocolError(f"PRONOTE refused {function}")
        result = inner.get(self.envelope.data, inner.get("data", inner.get("donnees")))
        if result is None:
            return {}
        if not isinstance(result, dict):
            raise ProtocolError(f"PRONOTE's {function} data is not an object")
        return result

    async def keep_alive(self) -> bool:
        """Send `Navigation` when the session has been quiet; True if sent."""
        if monotonic_time.monotonic() - self.last_call < KEEP_ALIVE_AFTER:
            return False
        await self.call(
            "Navigation",
            {"onglet": NAVIGATION_ONGLET, "ongletPrec": NAVIGATION_ONGLET},
            onglet=NAVIGATION_ONGLET,
        )
        return True

    async def authenticate(
        self,
        username: str,
        secret: str,
        *,
        mobile_request: bool = False,
        token_login: bool = False,
        device_id: str = "",
    ) -> dict[str, Any]:
        """Identification + Authentification + key switch; the auth data."""
        assert self.page is not None
        identification = await self.call(
            "Identification",
            {
                "genreConnexion": 0,
                "genreEspace": self.page.space,
                "identifiant": username,
                "pourENT": False,
                "enConnexionAuto": False,
                "demandeConnexionAuto": False,
                "demandeConnexionAppliMobile": mobile_request,
                "demandeConnexionAppliMobileJeton": mobile_request,
                "enConnexionAppliMobile": token_login,
                "uuidAppliMobile": device_id,
                "loginTokenSAV": "",
            },
        )
        challenge = identification.get("challenge")
        if not isinstance(challenge, str) or not challenge:
            raise ProtocolError("PRONOTE's Identification has no challenge")
        login = username.lower() if identification.get("modeCompLog") else username
        password = secret.lower() if identification.get("modeCompMdp") else secret
        alea = identification.get("alea")
        key = password_key(login, password, alea if isinstance(alea, str) else "")
        iv = self.keys.iv
        answer: str
        if self.challenge_is_direct:
            answer = direct_challenge(key, iv, challenge)
        else:
            try:
                answer = solve_challenge(key, iv, challenge)
            except DecryptError:
                # Either a wrong secret, or a server that no longer wraps the
                # challenge: let the server decide (it answers Acces for the former).
                answer = direct_challenge(key, iv, challenge)
        auth = await self.call(
            "Authentification",
            {"connexion": 0, "challenge": answer, "espace": self.page.space},
        )
        cle = auth.get("cle")
        if not isinstance(cle, str) or not cle:
            raise _access_error(auth)
        try:
            session_key = decimal_bytes(aes_decrypt(key, iv, from_hex(cle)).decode())
        except (DecryptError, UnicodeDecodeError) as err:
            raise ProtocolError("PRONOTE's session key does not decode") from err
        self.keys.key = md5(session_key)
        return auth


def _access_error(auth: Mapping[str, Any]) -> AuthenticationError:
    code = auth.get("Acces")
    if code in ACCESS_LOCKED:
        return AccountLocked("PRONOTE has blocked this account")
    return AuthenticationError("PRONOTE refused the credentials")


def _raise_for_error(reply: Mapping[str, Any]) -> None:
    error = reply.get("Erreur")
    if error is None:
        return
    code = error.get("G") if isinstance(error, dict) else None
    if code in (ERROR_EXPIRED, ERROR_PREVIOUS_SESSION):
        raise SessionExpired("PRONOTE ended the session")
    if code == ERROR_TOO_MANY:
        raise RateLimited(None)
    raise ProtocolError(f"PRONOTE answered error {code}")
