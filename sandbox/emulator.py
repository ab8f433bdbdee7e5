"""What every portal emulator offers the sandbox app, and what they share.

An emulator declares its portal (a `Declaration`: the key that is its URL
prefix and its name in faults and the request log, the index page's title
and entry, how its sessions live), serves its routes under ``/<key>``, lists
its logins (``accounts``) and keeps its live sessions in a `SessionBook`. Each emulator module calls `register` on its
class; `load_emulators` imports every module of this package that is not
infrastructure, so the app never names a portal.
"""

from __future__ import annotations

import importlib
import pkgutil
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from aiohttp import web

from .dataset import Dataset, Login, Pupil
from .faults import FAULT_KEY, Faults


class WireError(Exception):
    """A portal's own error answer: a code and a message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True, kw_only=True)
class Session:
    """What the book needs of a session: when it was last seen (or issued)."""

    seen: float = 0.0


def _token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class SessionRules:
    """How a portal's sessions live: seconds, renewed by use or not, the id's format."""

    lifetime: float
    idle: bool
    new_id: Callable[[], str] = _token


class SessionBook[S: Session]:
    """Live sessions by id: issuing ids, expiry, and forgetting them all.

    ``idle`` books renew a session on each use (it dies ``ttl`` seconds after
    its last request); the others let it die ``ttl`` seconds after issue.
    ``generation`` moves whenever every session is forgotten, so that tokens
    the book never held (signed or derived ones) can die with the rest.
    """

    def __init__(self, rules: SessionRules) -> None:
        self.ttl = rules.lifetime
        self.idle = rules.idle
        self.clock: Callable[[], float] = time.monotonic
        self.sessions: dict[str, S] = {}
        self.generation = 0
        self._new_id = rules.new_id

    def new_id(self) -> str:
        """A fresh session id, in the portal's format."""
        return self._new_id()

    def issue(self, session: S, session_id: str | None = None) -> str:
        """Keep ``session`` under a new id (or the one given); returns the id."""
        session_id = session_id or self._new_id()
        session.seen = self.clock()
        self.sessions[session_id] = session
        return session_id

    def get(self, session_id: str | None) -> S | None:
        """The live session of that id (renewing an idle one); drops a dead one."""
        session = self.sessions.get(session_id or "")
        if session is None or session_id is None:
            return None
        now = self.clock()
        age = now - session.seen
        if age > self.ttl if self.idle else age >= self.ttl:
            del self.sessions[session_id]
            return None
        if self.idle:
            session.seen = now
        return session

    def forget(self, session_id: str) -> None:
        """End one session (a logout)."""
        self.sessions.pop(session_id, None)

    def forget_all(self) -> None:
        """End every session, and every token of the generation that ends."""
        self.sessions.clear()
        self.generation += 1


@dataclass(frozen=True, slots=True)
class Declaration:
    """What an emulator says of its portal."""

    key: str  # the URL prefix's segment and the name in faults and logs
    title: str  # the portal's name on the index page
    order: int  # where listings put it (older portals first)
    sessions: SessionRules
    entry: str = ""  # the path a person opens, after the prefix


class Emulator[S: Session]:
    """One portal's server over the shared dataset.

    Subclasses set `declared` and write `add_routes`, `account` and, when
    the portal knows other logins than the dataset's, `logins`.
    """

    declared: ClassVar[Declaration]

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        self.dataset = dataset
        self.faults = faults
        self.book: SessionBook[S] = SessionBook(self.declared.sessions)
        faults.watch(self.key, self.reset)

    @property
    def key(self) -> str:
        """The portal's key."""
        return self.declared.key

    @property
    def prefix(self) -> str:
        """Every route of the portal is under this path."""
        return f"/{self.key}"

    @property
    def sessions(self) -> dict[str, S]:
        """The live sessions by id."""
        return self.book.sessions

    @property
    def clock(self) -> Callable[[], float]:
        """The clock sessions expire by (tests replace it)."""
        return self.book.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self.book.clock = clock

    @property
    def session_ttl(self) -> float:
        """Seconds a session lives (after issue, or after its last use)."""
        return self.book.ttl

    @session_ttl.setter
    def session_ttl(self, seconds: float) -> None:
        self.book.ttl = seconds

    def reset(self) -> None:
        """Forget every session (the ``expire_sessions`` fault, a password change)."""
        self.book.forget_all()

    @staticmethod
    def fault(request: web.Request) -> str | None:
        """The login or page fault that hit this request, if any."""
        fault: str | None = request.get(FAULT_KEY)
        return fault

    def add_routes(self, app: web.Application) -> None:
        """Serve the portal under `prefix`."""
        raise NotImplementedError

    def index_line(self, base_url: str) -> str:
        """The index page's line for this portal."""
        return f"{self.declared.title}: {base_url}{self.prefix}{self.declared.entry}"

    # -- accounts --------------------------------------------------------------

    def logins(self) -> Mapping[str, Login]:
        """The logins this portal knows."""
        return self.dataset.logins

    def accounts(self, base_url: str) -> list[dict[str, Any]]:
        """Every login, as scripts and tests use it (``base_url``: the sandbox's)."""
        base = f"{base_url.rstrip('/')}{self.prefix}"
        return [self.account(login, base) for login in self.logins().values()]

    def account(self, login: Login, base: str) -> dict[str, Any]:
        """One login's row (``base``: the portal's own URL)."""
        raise NotImplementedError

    def account_row(
        self,
        login: Login,
        base_url: str,
        pupils: Iterable[tuple[Pupil, Any, str]],
        **extra: Any,
    ) -> dict[str, Any]:
        """The keys every portal's row has; ``pupils`` gives (pupil, id, name)."""
        return {
            "portal": self.key,
            "base_url": base_url,
            "username": login.username,
            "password": login.password,
            "kind": login.kind,
            **extra,
            "pupils": [
                {
                    "id": shown_id,
                    "dataset_id": pupil.id,
                    "name": name,
                    "class": self._class_name(pupil),
                }
                for pupil, shown_id, name in pupils
            ],
        }

    def _class_name(self, pupil: Pupil) -> str:
        return self.dataset.class_of(pupil.id).name


_EMULATORS: dict[str, type[Emulator[Any]]] = {}
# Read-only view of the registry.
EMULATORS: Mapping[str, type[Emulator[Any]]] = MappingProxyType(_EMULATORS)
# Modules of this package that are not emulators.
_INFRASTRUCTURE = frozenset({"app", "dataset", "emulator", "faults"})


def register[E: type[Emulator[Any]]](cls: E) -> E:
    """Add an emulator class to the registry (a class decorator)."""
    _EMULATORS[cls.declared.key] = cls
    return cls


def load_emulators() -> Mapping[str, type[Emulator[Any]]]:
    """Import every emulator module of this package, in the order they list."""
    package = __name__.rpartition(".")[0]
    here = importlib.import_module(package)
    for module in pkgutil.iter_modules(here.__path__):
        if module.name not in _INFRASTRUCTURE and not module.name.startswith("_"):
            importlib.import_module(f"{package}.{module.name}")
    return dict(sorted(_EMULATORS.items(), key=lambda item: item[1].declared.order))
