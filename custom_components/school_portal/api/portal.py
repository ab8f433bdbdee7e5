"""What a portal declares about itself, and the registry of portals.

Plain data next to each client (no Home Assistant import): the config flow,
diagnostics' redaction, the sandbox, the bench and the develop script are
built from these declarations, so that adding a portal means adding its
client module, its emulator module and its strings, and naming it nowhere
else.

Settings keep two names by convention, for every portal: ``server`` for the
address a user may type (the unique id names its host for `Place.HOST`, the
sandbox fills it with its own address) and ``username`` for the login's name
(the unique id hashes it; a login without one is named by its account id
once it logged in).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .errors import NotSupported

if TYPE_CHECKING:
    import aiohttp

    from .client import PortalClient


class FieldKind(StrEnum):
    """How a login field is typed (the config flow picks its input from it)."""

    URL = "url"  # a server's address
    TEXT = "text"  # a name (a school's)
    USERNAME = "username"
    PASSWORD = "password"  # typed hidden
    MULTILINE = "multiline"  # pasted text of several lines (a QR code's)
    PIN = "pin"  # digits, typed hidden


@dataclass(frozen=True, slots=True)
class LoginField:
    """One value a login method asks for."""

    key: str
    kind: FieldKind = FieldKind.TEXT
    # Hidden while typed, never offered back in a form, always redacted.
    secret: bool = False
    # Opens the first session and is then dropped from the settings (a QR
    # code, the PIN chosen for it): what renews the login is what it gave.
    one_time: bool = False
    default: str | None = None


@dataclass(frozen=True, slots=True)
class LoginMethod:
    """One way of logging in to a portal, and what its errors mean."""

    key: str
    fields: tuple[LoginField, ...]
    # The setting whose presence in stored settings says an entry logs in
    # this way. Methods are matched in their declared order, so a method
    # stored like an earlier one (a QR link gives an app secret) is served
    # by the earlier one's forms afterwards.
    stored_as: str
    # The fields a reauthentication asks for.
    renew: tuple[str, ...]
    # The error shown when the portal refuses these credentials (so that the
    # form says what was refused) ...
    refused: str = "invalid_auth"
    # ... and the field each error belongs to; an error not listed here, or
    # whose field is not on the form shown, goes to the top of the form.
    errors: Mapping[str, str] = field(default_factory=dict)
    # What typed values (a pasted QR code or link) stand for as settings;
    # raises ConfigurationError when they cannot be read.
    expand: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    # Stored settings a new login of this method makes stale.
    replaces: tuple[str, ...] = ()
    # The login names its account only by the pupils it shows (a pasted
    # token): a changed login must show a pupil the entry already has.
    identified_by_pupils: bool = False

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The fields that are secret."""
        return tuple(f.key for f in self.fields if f.secret)


def secret_login(
    key: str,
    fields: tuple[LoginField, ...],
    *,
    refused: str = "invalid_auth",
    errors: Mapping[str, str] | None = None,
    identified_by_pupils: bool = False,
) -> LoginMethod:
    """A login by `fields` and one secret named `key`, which also renews it."""
    return LoginMethod(
        key,
        (*fields, LoginField(key, FieldKind.PASSWORD, secret=True)),
        stored_as=key,
        renew=(key,),
        refused=refused,
        errors=errors or {},
        identified_by_pupils=identified_by_pupils,
    )


class ChallengeKind(StrEnum):
    """The kinds of second factor a portal may ask for."""

    PIN = "pin"  # digits the user chose, typed hidden
    CODE = "code"  # a code from an app, a mail or a text message
    CHOICE = "choice"  # a question answered by picking one of its choices


@dataclass(frozen=True, slots=True)
class Challenge:
    """A second factor the portal demands, as `TwoFactorRequired` carries it."""

    kind: ChallengeKind
    # The setting the answer goes into for the login's retry.
    answer_key: str
    # The portal's question and its choices (value, label), for CHOICE.
    question: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    # Whether the answer stays in the settings for later logins (an account
    # PIN does); otherwise what the answered login gave is kept instead.
    keep: bool = True


@dataclass(frozen=True, slots=True)
class SecondFactor:
    """A kind of second factor a portal may ask for, and where its answer goes."""

    kind: ChallengeKind
    answer_key: str


class Place(StrEnum):
    """What names the place of an account, next to its username."""

    NONE = "none"  # one server for the whole country
    SCHOOL = "school"  # the school's name (schools move between servers)
    HOST = "host"  # the server's host (a server belongs to one school)


@dataclass(frozen=True, slots=True)
class PortalInfo:
    """Everything the Home Assistant side needs to serve a portal."""

    key: str
    name: str
    maker: str
    client: type[PortalClient]
    methods: tuple[LoginMethod, ...]
    place: Place = Place.NONE
    # The setting that holds the school for Place.SCHOOL.
    school_key: str = "school"
    # Settings the client writes back (`PortalClient.session_state`).
    persisted: tuple[str, ...] = ()
    # Persisted session values that belong to one login: dropped when the
    # login's settings change.
    session_keys: tuple[str, ...] = ()
    second_factors: tuple[SecondFactor, ...] = ()

    def method(self, key: str) -> LoginMethod:
        """A login method by its key."""
        for method in self.methods:
            if method.key == key:
                return method
        raise NotSupported(f"{self.key} has no login method {key!r}")

    def stored_method(self, data: Mapping[str, Any]) -> LoginMethod:
        """The login method an entry's stored settings use."""
        for method in self.methods:
            if data.get(method.stored_as):
                return method
        return self.methods[-1]

    @property
    def answer_keys(self) -> tuple[str, ...]:
        """The settings that keep second factors' answers."""
        return tuple(factor.answer_key for factor in self.second_factors)

    @property
    def private_keys(self) -> frozenset[str]:
        """Settings that are secret or say who and where the family is.

        Every login field (a username, a school, a server: together they
        name the school and with it where the family lives), every answer
        and everything the client persists.
        """
        return frozenset(
            {
                *(f.key for m in self.methods for f in m.fields),
                *self.persisted,
                *self.answer_keys,
            }
        )


_PORTALS: dict[str, PortalInfo] = {}
# Read-only view of the registry, in the order portals registered.
PORTALS: Mapping[str, PortalInfo] = MappingProxyType(_PORTALS)

# Modules of this package that are not portals.
_NOT_PORTALS = frozenset({"client", "errors", "models", "portal", "push", "util"})


def register(info: PortalInfo) -> PortalInfo:
    """Make a portal known under its key."""
    _PORTALS[info.key] = info
    return info


def load_portals() -> Mapping[str, PortalInfo]:
    """Import every portal module of this package; they register themselves."""
    package = __name__.rpartition(".")[0]
    here = importlib.import_module(package)
    for module in sorted(pkgutil.iter_modules(here.__path__), key=lambda m: m.name):
        if module.name not in _NOT_PORTALS and not module.name.startswith("_"):
            importlib.import_module(f"{package}.{module.name}")
    return PORTALS


def portal(key: str) -> PortalInfo:
    """A portal's declaration by its key."""
    try:
        return PORTALS[key]
    except KeyError as err:
        raise NotSupported(f"Unknown portal {key!r}") from err


def create_client(
    key: str,
    session: aiohttp.ClientSession,
    config: Mapping[str, Any],
    tz: tzinfo,
) -> PortalClient:
    """Build the client of a portal from stored settings."""
    return portal(key).client.from_config(session, config, tz)
