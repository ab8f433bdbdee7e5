"""WebUntis (Untis GmbH; Germany, Austria and beyond).

`wire` holds the JSON-RPC and REST transport, `parse` the payloads, `login`
the password and one-time-code logins and the QR link, `reads` the calls
WebUntis offers and `client` the `WebUntisClient` (docs/webuntis-wire.md).
Exported here: the client, its settings helpers, errors and result types.
"""

from __future__ import annotations

from .client import PORTAL, WebUntisClient
from .login import (
    PERSON_PARENT,
    PERSON_STUDENT,
    expand_qr_link,
    normalize_secret,
    parse_qr_link,
    totp,
)
from .parse import Element, SchoolYear, TimeUnit, parse_period, untis_date
from .wire import (
    DEFAULT_USER_AGENT,
    DateNotAllowed,
    NoRight,
    format_date,
    normalize_server,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "PERSON_PARENT",
    "PERSON_STUDENT",
    "PORTAL",
    "DateNotAllowed",
    "Element",
    "NoRight",
    "SchoolYear",
    "TimeUnit",
    "WebUntisClient",
    "expand_qr_link",
    "format_date",
    "normalize_secret",
    "normalize_server",
    "parse_period",
    "parse_qr_link",
    "totp",
    "untis_date",
]
