"""A PRONOTE session and the two ways a function is refused."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..dataset import Login
from ..emulator import Session, WireError
from .wire import md5


class EmulatorError(WireError):
    """A function refused with PRONOTE's ``Erreur`` object (``G``, ``Titre``)."""


class Forbidden(Exception):
    """A function refused with a ``Signature.Erreur`` (no permission)."""


@dataclass(slots=True)
class PronoteSession(Session):
    """One start page's session, from GET to logout."""

    h: str
    space: int
    kind: str
    compress: bool
    crypt: bool
    key: bytes = field(default_factory=lambda: md5(b""))
    iv: bytes = bytes(16)
    counter: int = 1
    login: Login | None = None
    login_mode: str = "password"
    device: str = ""
    user_key: bytes | None = None
    answers: tuple[str, ...] = ()
    authenticated: bool = False
    pin_pending: bool = False
