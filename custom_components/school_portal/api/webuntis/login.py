"""WebUntis logins (by password, or by one-time codes from the app secret).

The app secret comes from the QR code WebUntis shows (an ``untis://`` link);
the codes are RFC 6238 TOTP. `WebUntisLogin` is the session the reads build
on: its settings, login, pupils, and the daily app data and master data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

import aiohttp

from ..client import Cache, PortalClient
from ..errors import ConfigurationError, ProtocolError, SchoolPortalError
from ..models import Account, AccountKind, Lesson, Student
from ..util import DEFAULT_TIMEOUT, as_int, first_text, stable_id, timeout_setting
from .parse import as_list, known_id, rows, split_name, untis_date, unwrap
from .wire import (
    ABSENT,
    DEFAULT_USER_AGENT,
    NoRight,
    Wire,
    decode_rpc,
    normalize_server,
)

_LOGGER = logging.getLogger(__name__)

PERSON_STUDENT = 5
PERSON_PARENT = 12

# Cadences (seconds of the client's clock); see docs/webuntis-wire.md, "Cost".
MASTER_DATA_TTL = 24 * 3600.0
TIMETABLE_TTL = 6 * 3600.0
_APP_DATA = "app/data"

OTP_STEP = 30
OTP_DIGITS = 6

_BASE32 = re.compile(r"^[A-Z2-7]+=*$")


@dataclass(frozen=True, slots=True)
class Person:
    """Who logged in, as the login said: kept as sent (-1 and 0 mean none)."""

    id: int | None = None
    type: int | None = None
    klasse_id: int | None = None


def normalize_secret(text: str | None) -> str:
    """The app secret as upper-case base32 without spaces."""
    value = re.sub(r"[\s-]", "", text or "").upper()
    if not value or not _BASE32.match(value):
        raise ConfigurationError("The app secret is not a base32 key")
    try:
        base64.b32decode(value + "=" * (-len(value) % 8))
    except (binascii.Error, ValueError) as err:
        raise ConfigurationError("The app secret is not a base32 key") from err
    return value.rstrip("=")


def parse_qr_link(text: str | None) -> dict[str, str]:
    """Read the ``untis://setschool?...`` link behind WebUntis' QR code."""
    value = (text or "").strip()
    parts = urlsplit(value)
    if parts.scheme.lower() != "untis" or parts.netloc.lower() != "setschool":
        raise ConfigurationError("Not a WebUntis QR link")
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    try:
        result = {
            "server": query["url"].strip(),
            "school": query["school"].strip(),
            "username": query["user"].strip(),
            "secret": normalize_secret(query["key"]),
        }
    except KeyError as err:
        raise ConfigurationError("The WebUntis QR link is incomplete") from err
    if not all(result.values()):
        raise ConfigurationError("The WebUntis QR link is incomplete")
    normalize_server(result["server"])
    return result


def expand_qr_link(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a pasted QR link stands for, with everything else typed."""
    settings = {key: value for key, value in values.items() if key != "qr_link"}
    settings.update(parse_qr_link(str(values.get("qr_link") or "")))
    return settings


def totp(secret: str, when: datetime) -> str:
    """The one-time code of an app secret at a moment (RFC 6238, SHA-1, 30 s)."""
    key_text = normalize_secret(secret)
    key = base64.b32decode(key_text + "=" * (-len(key_text) % 8))
    counter = int(when.timestamp()) // OTP_STEP
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**OTP_DIGITS).zfill(OTP_DIGITS)


async def password_login(wire: Wire, username: str, password: str) -> Person:
    """Open a session with the password (``authenticate``)."""
    result = await wire.rpc(
        "authenticate",
        {"user": username, "password": password, "client": wire.user_agent},
    )
    if not isinstance(result, dict) or not first_text(result, "sessionId"):
        raise ProtocolError("WebUntis' login answer has no session")
    wire.session_id = first_text(result, "sessionId")
    return Person(
        as_int(result.get("personId")),
        as_int(result.get("personType")),
        as_int(result.get("klasseId")),
    )


async def otp_login(wire: Wire, username: str, secret: str, now: datetime) -> Person:
    """Open a session with a one-time code; the app's config says who we are."""
    call_id = wire.next_id()
    body = {
        "id": call_id,
        "method": "getUserData2017",
        "params": [
            {
                "auth": {
                    "clientTime": int(now.timestamp() * 1000),
                    "user": username,
                    "otp": totp(secret, now),
                }
            }
        ],
        "jsonrpc": "2.0",
    }
    url = (
        f"{wire.base}/jsonrpc_intern.do?m=getUserData2017"
        f"&school={wire.school_query}&v=i2.2"
    )
    response, session_id = await wire.post_for_session(url, body)
    decode_rpc(response, call_id, login=True)
    if not session_id:
        raise ProtocolError("WebUntis' one-time-code login set no session")
    wire.session_id = session_id
    config = unwrap(await wire.rest("api/app/config"))
    user = {}
    if isinstance(config, dict):
        service = config.get("loginServiceConfig")
        if isinstance(service, dict) and isinstance(service.get("user"), dict):
            user = service["user"]
    person_id = as_int(user.get("personId"))
    person_type = next(
        (
            as_int(person.get("type"))
            for person in rows(user.get("persons"))
            if as_int(person.get("id")) == person_id
        ),
        None,
    )
    klasse_id = None
    if person_type in (None, PERSON_STUDENT):
        day = unwrap(await wire.rest("api/daytimetable/config"))
        if isinstance(day, dict):
            klasse_id = as_int(day.get("klasseId"))
    return Person(person_id, person_type, klasse_id)


class WebUntisLogin(PortalClient):
    """A WebUntis session: its settings, its login, its pupils and its calls."""

    refusals: ClassVar[tuple[type[SchoolPortalError], ...]] = ABSENT

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        server: str,
        school: str,
        username: str,
        password: str | None = None,
        secret: str | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        tz: tzinfo,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
        wall_clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Keep the settings; nothing is sent before `login`."""
        super().__init__(session, tz=tz, timeout=timeout, clock=clock)
        url = normalize_server(server)
        self._host = urlsplit(url).netloc
        self._school = (school or "").strip()
        self._username = (username or "").strip()
        if not self._school:
            raise ConfigurationError("No WebUntis school given")
        if not self._username:
            raise ConfigurationError("No WebUntis username given")
        self._password = password or None
        self._secret = normalize_secret(secret) if secret else None
        if not self._password and not self._secret:
            raise ConfigurationError("WebUntis needs a password or an app secret")
        self._wire = Wire(
            session,
            url,
            self._school,
            user_agent=user_agent or DEFAULT_USER_AGENT,
            timeout=timeout,
            clock=lambda: self._seconds(),
            scope=self._tenant_and_year,
        )
        # One-time codes need the real time even when tests pin `clock`.
        self._wall_clock = wall_clock or (lambda: datetime.now(UTC))
        self._person_id: int | None = None
        self._person_type: int | None = None
        self._klasse_id: int | None = None
        # app/data (tenant, school year, holidays, children), read daily.
        self._app_data: Cache[str, Mapping[str, Any]] = self._cache()
        self._master: Cache[tuple[str, str], Any] = self._cache()
        self._import_time: int | None = None
        # Cleared whenever WebUntis says the timetable changed.
        self._timetables: Cache[tuple[str, date, date, bool], list[Lesson]] = (
            self._cache(TIMETABLE_TTL)
        )

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any], tz: tzinfo
    ) -> Self:
        """Build a client from a config entry's data."""
        timeout = timeout_setting(config.get("timeout", DEFAULT_TIMEOUT))
        return cls(
            session,
            server=str(config.get("server") or ""),
            school=str(config.get("school") or ""),
            username=str(config.get("username") or ""),
            password=config.get("password") or None,
            secret=config.get("secret") or None,
            user_agent=str(config.get("user_agent") or DEFAULT_USER_AGENT),
            tz=tz,
            timeout=timeout,
        )

    @property
    def account_id(self) -> str:
        """Server, school and username: known before login."""
        return stable_id(
            "webuntis", self._host, self._school.casefold(), self._username.casefold()
        )

    @property
    def server_url(self) -> str:
        """The JSON-RPC URL in use."""
        return self._wire.url

    async def _call(self, method: str, params: Any = None) -> Any:
        """A JSON-RPC call that survives one expired session."""
        return await self._with_relogin(lambda: self._wire.rpc(method, params))

    async def _rest(self, path: str, **query: Any) -> Any:
        """A REST read with the session cookie that survives one expired session."""
        return unwrap(await self._with_relogin(lambda: self._wire.rest(path, query)))

    # --- session --------------------------------------------------------------------

    async def _login(self) -> Account:
        self._wire.forget()
        if self._secret:
            await self._otp_login()
        else:
            await self._password_login()
        return await self._account(await self._read_app_data())

    async def _password_login(self) -> None:
        assert self._password is not None
        self._take(await password_login(self._wire, self._username, self._password))

    async def _otp_login(self) -> None:
        assert self._secret is not None
        self._take(
            await otp_login(
                self._wire, self._username, self._secret, self._wall_clock()
            )
        )

    def _take(self, person: Person) -> None:
        # Kept as sent; -1 and 0 mean "none" and are read through known_id.
        self._person_id = person.id
        self._person_type = person.type
        self._klasse_id = person.klasse_id

    @property
    def _session_id(self) -> str | None:
        """The session's id (the wire holds it)."""
        return self._wire.session_id

    @_session_id.setter
    def _session_id(self, value: str | None) -> None:
        self._wire.session_id = value

    async def _account(self, app_data: Mapping[str, Any]) -> Account:
        tenant = app_data.get("tenant")
        school = (
            first_text(tenant, "displayName", "name")
            if isinstance(tenant, dict)
            else ""
        ) or self._school
        user = app_data.get("user")
        user = user if isinstance(user, dict) else {}
        roles = {str(role).upper() for role in as_list(user.get("roles"))}
        children = rows(user.get("students"))
        own_id = known_id(self._person_id)
        # A login may name no person of its own: personType 16 answers
        # personId -1, klasseId 0 (python-webuntis#63). What that type is, is
        # not known (that account read classes, but no pupils). For a family
        # it can only be a guardian or a pupil, and app/data says which: the
        # pupils it lists, as for a parent, else its own person. With neither
        # there is nothing to show, rather than a pupil -1 in class 0.
        parent = (
            self._person_type == PERSON_PARENT
            or "LEGAL_GUARDIAN" in roles
            or (own_id is None and bool(children))
        )
        if parent:
            pupils = [
                self._student(
                    known_id(row.get("id")),
                    first_text(row, "displayName"),
                    None,
                    school,
                )
                for row in children
            ]
        else:
            person = user.get("person")
            person = person if isinstance(person, dict) else {}
            own_id = own_id or known_id(person.get("id"))
            pupils = (
                [
                    self._student(
                        own_id,
                        first_text(person, "displayName") or self._username,
                        await self._class_name(known_id(self._klasse_id)),
                        school,
                    )
                ]
                if own_id is not None
                else []
            )
        if not pupils:
            raise ProtocolError("WebUntis shows no pupil for this login")
        return Account(
            id=self.account_id,
            kind=AccountKind.PARENT if parent else AccountKind.STUDENT,
            students=tuple(pupils),
            school=school,
        )

    def _student(
        self,
        person_id: int | None,
        display_name: str,
        class_name: str | None,
        school: str,
    ) -> Student:
        if person_id is None:
            raise ProtocolError("A pupil without id")
        first, last = split_name(display_name)
        return Student(
            # The person id is WebUntis' own and stays across logins.
            id=stable_id("webuntis", self._host, self._school.casefold(), person_id),
            first_name=first,
            last_name=last,
            class_name=class_name,
            school=school,
            context={"person_id": str(person_id)},
        )

    async def _class_name(self, klasse_id: int | None) -> str | None:
        if klasse_id is None:
            return None
        try:
            classes = await self._master_rows("getKlassen", {})
        except NoRight:
            return None
        return next(
            (
                first_text(row, "name")
                for row in classes
                if as_int(row.get("id")) == klasse_id
            ),
            None,
        )

    async def logout(self) -> None:
        """End the WebUntis session."""
        if self._wire.session_id:
            try:
                await self._wire.rpc("logout", {})
            finally:
                self._wire.forget()

    async def authenticate(self) -> Account:
        """Log in (the name python-webuntis uses)."""
        return await self.login()

    async def close(self) -> None:
        """Log out politely; a failure to do so does not matter."""
        try:
            await self.logout()
        except SchoolPortalError:
            _LOGGER.debug("WebUntis logout failed; the session will expire")
        await super().close()

    # --- app data and master data (cached daily) ------------------------------------

    async def _read_app_data(self) -> Mapping[str, Any]:
        data = await self._wire.bearer("api/rest/view/v1/app/data")
        if not isinstance(data, dict):
            raise ProtocolError("WebUntis' app data is not an object")
        self._app_data.put(_APP_DATA, data)
        return data

    async def _app(self) -> Mapping[str, Any]:
        """app/data (tenant, school year, holidays, children), read daily."""
        kept = self._app_data.fresh(_APP_DATA, MASTER_DATA_TTL)
        if kept is not None:
            return kept
        return await self._with_relogin(self._read_app_data)

    def _tenant_and_year(self) -> tuple[str, str]:
        data = self._app_data.peek(_APP_DATA) or {}
        tenant = data.get("tenant")
        year = data.get("currentSchoolYear")
        return (
            first_text(tenant, "id") if isinstance(tenant, dict) else "",
            first_text(year, "id") if isinstance(year, dict) else "",
        )

    def school_year_range(self) -> tuple[date, date] | None:
        """The current school year (both days inclusive), as app/data gave it."""
        data = self._app_data.peek(_APP_DATA) or {}
        year = data.get("currentSchoolYear")
        span = year.get("dateRange") if isinstance(year, dict) else None
        if not isinstance(span, dict):
            return None
        start = untis_date(span.get("start"))
        end = untis_date(span.get("end"))
        return (start, end) if start and end else None

    async def _master_rows(
        self, method: str, params: Mapping[str, Any], *, force: bool = False
    ) -> Any:
        return await self._master.read(
            (method, json.dumps(params, sort_keys=True)),
            0.0 if force else MASTER_DATA_TTL,
            lambda: self._call(method, dict(params)),
        )

    def refresh_master_data(self) -> None:
        """Forget the cached master data and app data: the next reads fetch them."""
        self._master.clear()
        self._app_data.clear()
