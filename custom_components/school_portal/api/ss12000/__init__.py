"""SS12000 (SS 12000:2020, the Swedish standard API between school systems).

`wire` holds the bearer tokens (OAuth 2 client credentials or a pasted
token), requests and error mapping, `collections` every resource path of
the standard as one table and one generic reader, `parse` the payloads and
`client` the `SS12000Client` with the family view and push.
"""

from __future__ import annotations

from .client import PORTAL, PUSH_KINDS, SS12000Client
from .collections import Collections, Resource, Spec, read_deleted
from .parse import RENAMED_IN_2_1, civic_number, v21
from .wire import (
    ClientCredentials,
    NoRight,
    NotFound,
    PageExpired,
    PastedToken,
    TokenRefused,
    normalize_server,
)

__all__ = [
    "PORTAL",
    "PUSH_KINDS",
    "RENAMED_IN_2_1",
    "ClientCredentials",
    "Collections",
    "NoRight",
    "NotFound",
    "PageExpired",
    "PastedToken",
    "Resource",
    "SS12000Client",
    "Spec",
    "TokenRefused",
    "civic_number",
    "normalize_server",
    "read_deleted",
    "v21",
]
