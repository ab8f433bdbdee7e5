"""Async clients for school portals; no Home Assistant import below here."""

from __future__ import annotations

from . import webtop
from .client import PORTALS, PortalClient, create_client
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    NotSupported,
    PortalUnavailable,
    ProtocolError,
    RateLimited,
    SchoolPortalError,
    TwoFactorRequired,
)

__all__ = [
    "PORTALS",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectionFailed",
    "NotSupported",
    "PortalClient",
    "PortalUnavailable",
    "ProtocolError",
    "RateLimited",
    "SchoolPortalError",
    "TwoFactorRequired",
    "create_client",
    "webtop",
]
