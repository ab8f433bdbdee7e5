"""PRONOTE (France): the encrypted function protocol, QR-code login, parents.

`crypto` holds the ciphers, `session` the page, envelopes and handshake,
`login` the logins and the session's calls, `reads` what PRONOTE offers,
`parse` the payloads, `client` the `PronoteClient` (docs/pronote-wire.md).
"""

from __future__ import annotations

from .client import PronoteClient
from .login import normalize_url, parse_qr_code
from .parse import Discussion, Information, Period

__all__ = [
    "Discussion",
    "Information",
    "Period",
    "PronoteClient",
    "normalize_url",
    "parse_qr_code",
]
