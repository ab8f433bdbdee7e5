"""Async clients for school portals; no Home Assistant import below here.

Each portal module declares itself (`portal.PortalInfo`) and registers when
imported; `load_portals` imports them all, so no list of portals is kept by hand.
"""

from __future__ import annotations

from .client import PortalClient
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
from .portal import PORTALS, Place, PortalInfo, create_client, load_portals, portal

load_portals()

__all__ = [
    "PORTALS",
    "AccountLocked",
    "AuthenticationError",
    "CaptchaRequired",
    "ConfigurationError",
    "ConnectionFailed",
    "NotSupported",
    "Place",
    "PortalClient",
    "PortalInfo",
    "PortalUnavailable",
    "ProtocolError",
    "RateLimited",
    "SchoolPortalError",
    "TwoFactorRequired",
    "UnknownSchool",
    "create_client",
    "load_portals",
    "portal",
]
