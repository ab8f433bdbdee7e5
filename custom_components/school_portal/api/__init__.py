"""Async clients for school portals; no Home Assistant import below here."""

from __future__ import annotations

from . import pronote, webtop, webuntis
from .client import PORTALS, PortalClient, create_client
from .errors import (
    AccountLocked,
    AuthenticationError,
    CaptchaRequired,
    ConfigurationError,
    ConnectionFailed,
    NotSupported,
    PortalUnavailable,
    ProtocolError,
    RateLimited,
    SchoolPortalError,
    TwoFactorRequired,
    UnknownSchool,
)

__all__ = [
    "PORTALS",
    "AccountLocked",
    "AuthenticationError",
    "CaptchaRequired",
    "ConfigurationError",
    "ConnectionFailed",
    "NotSupported",
    "PortalClient",
    "PortalUnavailable",
    "ProtocolError",
    "RateLimited",
    "SchoolPortalError",
    "TwoFactorRequired",
    "UnknownSchool",
    "create_client",
    "pronote",
    "webtop",
    "webuntis",
]
