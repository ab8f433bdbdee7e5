"""EcoleDirecte (Aplim; French primary and secondary schools, many private).

`wire` holds the transport (form-encoded JSON, answer codes, tokens),
`parse` the payloads, `login` the password login and its security question,
`reads` the calls EcoleDirecte offers and `client` the `EcoleDirecteClient`.
"""

from __future__ import annotations

from .client import PORTAL, EcoleDirecteClient
from .login import ANSWER_KEY
from .parse import Attachment, Canteen, Document, MessageBody, Period, Workspace
from .wire import API_VERSION, DEFAULT_SERVER, USER_AGENT, normalize_server

__all__ = [
    "ANSWER_KEY",
    "API_VERSION",
    "DEFAULT_SERVER",
    "PORTAL",
    "USER_AGENT",
    "Attachment",
    "Canteen",
    "Document",
    "EcoleDirecteClient",
    "MessageBody",
    "Period",
    "Workspace",
    "normalize_server",
]
