"""PRONOTE (France): the encrypted function protocol, QR-code login, parents.

`crypto` holds the ciphers, `session` the page, envelopes and handshake,
`parse` the payloads, `client` the `PronoteClient` (docs/pronote-wire.md).
"""

from __future__ import annotations

from .client import PronoteClient, normalize_url, parse_qr_code
from .parse import Discussion, Information, Period

__all__ = [
    "Discussion",
    "Information",
    "Period",
    "PronoteClient",
    "normalize_url",
    "parse_qr_code",
]
