"""PRONOTE logins (password, QR code, token, account PIN) and the session's calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any, Final, Self
from urllib.parse import urlunsplit

import aiohttp

from ..client import PortalClient, SessionExpired
from ..errors import (
    AuthenticationError,
    ConfigurationError,
    ProtocolError,
    TwoFactorRequired,
)
from ..models import Account, AccountKind, Student
from ..portal import Challenge, ChallengeKind
from ..util import DEFAULT_TIMEOUT, stable_id, timeout_setting, web_address
from . import parse
from .crypto import DecryptError, aes_encrypt, decrypt_qr_value
from .session import DESKTOP_QUERY, MOBILE_QUERY, PronoteSession

DEVICE_NAME: Final = "Home Assistant"
PAGES: Final = ("eleve.html", "parent.html")
# The PIN an account may require after its password (PRONOTE's "code PIN").
ACCOUNT_PIN = Challenge(ChallengeKind.PIN, "account_pin")


def normalize_url(text: str) -> str:
    """Any usual PRONOTE address to its desktop page (`…/eleve.html` or `parent.html`)."""
    parts = web_address(text, "PRONOTE address")
    path = parts.path
    last = path.rsplit("/", 1)[-1].lower()
    if last.endswith(".html"):
        page = last.removeprefix("mobile.")
        if page not in PAGES:
            raise ConfigurationError(
                "Only pupil and parent PRONOTE spaces are supported"
            )
        directory = path.rsplit("/", 1)[0]
    else:
        page = "eleve.html"
        directory = path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"{directory}/{page}", "", ""))


def parse_qr_code(text: str) -> dict[str, str]:
    """The JSON of a PRONOTE login QR code: `{"jeton", "login", "url"}`."""
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError as err:
        raise ConfigurationError("The QR code is not PRONOTE's JSON") from err
    if not isinstance(data, dict) or not all(
        isinstance(data.get(key), str) and data[key]
        for key in ("jeton", "login", "url")
    ):
        raise ConfigurationError("The QR code lacks jeton, login or url")
    return {key: str(data[key]) for key in ("jeton", "login", "url")}


def root(page_url: str) -> str:
    """The directory of a PRONOTE page: where its other addresses start."""
    return page_url.rsplit("/", 1)[0]


def mobile_url(page_url: str) -> str:
    """The mobile page of a desktop page, with the query the apps send."""
    root, page = page_url.rsplit("/", 1)
    return f"{root}/mobile.{page}?{MOBILE_QUERY}"


def expand_qr_code(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a pasted QR code stands for: its server, and its PIN trimmed."""
    settings = dict(values)
    settings["server"] = parse_qr_code(str(values.get("qr_code") or ""))["url"]
    settings["qr_pin"] = str(values.get("qr_pin") or "").strip()
    return settings


class PronoteLogin(PortalClient):
    """A PRONOTE session: its login, its pupils and its calls."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        server: str | None = None,
        username: str | None = None,
        password: str | None = None,
        qr_code: str | Mapping[str, str] | None = None,
        qr_pin: str | None = None,
        token: str | None = None,
        device_id: str | None = None,  # the device a mobile token is bound to
        account_pin: str | None = None,  # the account's second factor
        device_name: str = DEVICE_NAME,  # how PRONOTE lists this device
        tz: tzinfo,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Check the settings; nothing is sent before `login`."""
        super().__init__(session, tz=tz, timeout=timeout, clock=clock)
        self._qr: dict[str, str] | None = None
        if qr_code and not token:
            self._qr = parse_qr_code(
                qr_code if isinstance(qr_code, str) else json.dumps(dict(qr_code))
            )
            if not qr_pin or not qr_pin.strip().isdigit():
                raise ConfigurationError("A QR code needs its 4-digit PIN")
        page = server or (self._qr["url"] if self._qr else None)
        if not page:
            raise ConfigurationError("No PRONOTE address given")
        self.page_url = normalize_url(page)
        self._qr_pin = (qr_pin or "").strip()
        self._username = (username or "").strip()
        self._password = password or None
        self._token = token or None
        self._device_id = device_id or None
        self._account_pin = account_pin or None
        self._device_name = device_name
        self._qr_secret: str | None = None
        if self._qr is not None:
            try:
                self._username = decrypt_qr_value(self._qr_pin, self._qr["login"])
                self._qr_secret = decrypt_qr_value(self._qr_pin, self._qr["jeton"])
            except DecryptError:
                # Wrong PIN: login() says so; the account id stays unknown.
                self._username = ""
        elif not self._username:
            raise ConfigurationError("PRONOTE needs a username")
        elif not self._password and not self._token:
            raise ConfigurationError("PRONOTE needs a password, a QR code or a token")
        if self._token and not self._device_id:
            raise ConfigurationError("A PRONOTE token needs its device id")
        self._wire: PronoteSession | None = None
        # Each replaced whole at every login (bound: one answer's shape, not
        # the days polled; tests/api/test_bounds.py).
        self._general: dict[str, Any] = {}
        self._user: dict[str, Any] = {}
        self._periods: list[parse.Period] = []
        self._grid = parse.SlotGrid(per_day=None, slot=None, ends={})
        self._pupils: dict[str, Student] = {}

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any], tz: tzinfo
    ) -> Self:
        """Build the client from a config entry's data."""
        return cls(
            session,
            server=config.get("server"),
            username=config.get("username"),
            password=config.get("password"),
            qr_code=config.get("qr_code"),
            qr_pin=config.get("qr_pin"),
            token=config.get("token"),
            device_id=config.get("device_id"),
            account_pin=config.get("account_pin"),
            timeout=timeout_setting(config.get("timeout", DEFAULT_TIMEOUT)),
            tz=tz,
        )

    @property
    def is_parent(self) -> bool:
        """Whether this is the parent space."""
        return self.page_url.endswith("/parent.html")

    @property
    def logins(self) -> int:
        """How many times this client logged in (each bumps the generation)."""
        return self._generation

    @property
    def account_id(self) -> str | None:
        """The same for every login kind of one user on one server."""
        if not self._username:
            return None
        return stable_id("pronote", root(self.page_url), self._username.casefold())

    @property
    def can_relogin(self) -> bool:
        """A password or a live token can log in again."""
        return bool(self._password or self._token)

    @property
    def session_state(self) -> Mapping[str, str]:
        """After a QR or token login: the rotating token and the device id."""
        if not self._token or not self._device_id:
            return {}
        return {
            "username": self._username,
            "token": self._token,
            "device_id": self._device_id,
        }

    # --- login

    async def _login(self) -> Account:
        if self._password:
            mode = "password"
        elif self._token:
            mode = "token"
        elif self._qr is not None and self._qr_secret is not None:
            mode = "qr"
        else:
            raise AuthenticationError("The QR code does not open with this PIN")
        page = (
            f"{self.page_url}?{DESKTOP_QUERY}"
            if mode == "password"
            else mobile_url(self.page_url)
        )
        wire = PronoteSession(
            self._session,
            page,
            timeout=self._timeout,
            cookies={"appliMobile": "1"} if mode != "password" else None,
        )
        self._general = await wire.open()
        if mode == "qr" and not self._device_id:
            self._device_id = str(uuid.uuid4())
        secret = {
            "password": self._password,
            "token": self._token,
            "qr": self._qr_secret,
        }[mode]
        assert secret is not None
        try:
            auth = await wire.authenticate(
                self._username,
                secret,
                mobile_request=mode == "qr",
                token_login=mode == "token",
                device_id=(self._device_id or "") if mode != "password" else "",
            )
        except AuthenticationError as err:
            if isinstance(err, SessionExpired):
                raise
            if mode == "qr":
                raise AuthenticationError("The QR code expired or was used") from err
            if mode == "token":
                raise AuthenticationError(
                    "PRONOTE no longer accepts the token"
                ) from err
            raise
        new_token = auth.get("jetonConnexionAppliMobile")
        if mode != "password" and isinstance(new_token, str) and new_token:
            self._token = new_token
            self._qr = None
            self._qr_secret = None
        await self._second_factor(wire, auth)
        self._user = await wire.call("ParametresUtilisateur")
        self._wire = wire
        self._periods = parse.parse_periods(self._general.get("General") or {})
        self._grid = parse.parse_grid(self._general.get("General") or {})
        return self._account()

    async def _second_factor(
        self, wire: PronoteSession, auth: Mapping[str, Any]
    ) -> None:
        raw = parse.value(auth, "actionsDoubleAuth")
        try:
            listed = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            listed = None
        actions = (
            {a for a in listed if isinstance(a, int)}
            if isinstance(listed, list)
            else set()
        )
        if 3 in actions:
            if not self._account_pin:
                raise TwoFactorRequired(ACCOUNT_PIN, "PRONOTE asks for the account PIN")
            code = aes_encrypt(
                wire.keys.key, wire.keys.iv, self._account_pin.encode()
            ).hex()
            result = await wire.call(
                "SecurisationCompteDoubleAuth", {"action": 0, "codePin": code}
            )
            if not result.get("result"):
                raise AuthenticationError("PRONOTE refused the account PIN")
        if actions & {3, 5}:
            await wire.call(
                "SecurisationCompteDoubleAuth",
                {
                    "action": 3,
                    "avecIdentification": True,
                    "strIdentification": self._device_name[:30],
                },
            )

    def _account(self) -> Account:
        resource = self._user.get("ressource")
        if not isinstance(resource, dict):
            raise ProtocolError("PRONOTE's user settings have no resource")
        account_id = self.account_id or ""
        school = parse.text(resource, "Etablissement", "L") or None
        rows = (
            parse.items(resource, "listeRessources") if self.is_parent else [resource]
        )
        pupils = [parse.parse_student(row, account_id, school) for row in rows]
        if not pupils:
            raise ProtocolError("PRONOTE shows no pupil for this login")
        self._pupils = {pupil.id: pupil for pupil in pupils}
        return Account(
            id=account_id,
            kind=AccountKind.PARENT if self.is_parent else AccountKind.STUDENT,
            students=tuple(pupils),
            school=school or pupils[0].school,
        )

    async def close(self) -> None:
        """Forget the session."""
        self._wire = None
        await super().close()

    # --- calls

    def _member(self, student: Student | None) -> str | None:
        if student is None or not self.is_parent:
            return None
        current = self._pupils.get(student.id, student)
        number = current.context.get("resource")
        if not number:
            raise ProtocolError("PRONOTE does not know this pupil")
        return number

    async def _call(
        self,
        function: str,
        onglet: int | None,
        build: Callable[[], Mapping[str, Any] | None],
        student: Student | None = None,
    ) -> dict[str, Any]:
        """A call that survives one expired session (the body is rebuilt)."""

        async def attempt() -> dict[str, Any]:
            if self._wire is None:
                raise SessionExpired("Not logged in to PRONOTE")
            return await self._wire.call(
                function, build(), onglet=onglet, member=self._member(student)
            )

        return await self._with_relogin(attempt)

    async def keep_alive(self) -> bool:
        """Ping (`Navigation`) when the session has been quiet for ~2 minutes."""
        if self._wire is None:
            return False
        return await self._with_relogin(self._keep_alive)

    async def _keep_alive(self) -> bool:
        if self._wire is None:
            raise SessionExpired("Not logged in to PRONOTE")
        return await self._wire.keep_alive()

    @property
    def requests(self) -> int:
        """Function calls sent by the current session (for cost checks)."""
        return self._wire.calls if self._wire else 0

    async def _require_session(self) -> None:
        if self._wire is None:
            raise SessionExpired("Not logged in to PRONOTE")

    def _own_resource(self) -> str:
        return parse.text(self._user, "ressource", "N")

    def _any_pupil(self) -> Student | None:
        return next(iter(self._pupils.values()), None) if self.is_parent else None
