"""WebUntis on the wire: error codes, dates and times, one-time codes, tokens, answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
from collections.abc import Mapping
from datetime import date, datetime
from functools import partial
from typing import Any

from aiohttp import web

from ..emulator import WireError

SCHOOL = "sandbox-gymnasium"
LANG = "de"
TENANT_ID = "4401230"
TOKEN_LIFETIME = 900
OTP_STEP = 30

PERSON_STUDENT = 5
PERSON_PARENT = 12
# A login without a person of its own (python-webuntis#63; what it is, is not known).
PERSON_NONE = 16
# The body of a refused REST resource (HA#153, HA#160).
REFUSAL = {"errors": [{"code": "INTERNAL_ERROR", "title": "Unerlaubter Zugriff"}]}
ELEMENT_TYPES = {1: "klasse", 2: "teacher", 3: "subject", 4: "room", 5: "student"}

# Error codes (docs/webuntis-wire.md).
BAD_CREDENTIALS = -8504
UNKNOWN_SCHOOL = -8500
NO_RIGHT = -8509
NOT_LOGGED_IN = -8520
BLOCKED = -8998
DATE_NOT_ALLOWED = -7004
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
PARSE_ERROR = -32700

# Discipline kinds shown in the class register (the rest are absences).
CATEGORIES = {"late": 1, "remark": 2, "praise": 3, "punishment": 4}
CATEGORY_NAMES = {
    1: ("VS", "Verspätung"),
    2: ("BM", "Bemerkung"),
    3: ("LOB", "Lob"),
    4: ("NS", "Nachsitzen"),
}
STATUS_COLORS = {
    "lstypes": [
        {"ls": {"foreColor": "000000", "backColor": "ee7f00"}},
        {"oh": {"foreColor": "250eed", "backColor": "80ffff"}},
        {"sb": {"foreColor": "000000", "backColor": "f5cca3"}},
        {"bs": {"foreColor": "000000", "backColor": "ff8040"}},
        {"ex": {"foreColor": "000000", "backColor": "ffff00"}},
    ],
    "codes": [
        {"cancelled": {"foreColor": "FFFFFF", "backColor": "FF0000"}},
        {"irregular": {"foreColor": "FFFFFF", "backColor": "8000FF"}},
    ],
}

_dumps = partial(json.dumps, ensure_ascii=False)

dumps = partial(json.dumps, ensure_ascii=False)


class RpcError(WireError):
    """A JSON-RPC error answer."""


class RestError(WireError):
    """A REST error answer (``code``: the HTTP status)."""


def int_date(day: date) -> int:
    """``yyyymmdd`` as WebUntis sends it."""
    return day.year * 10000 + day.month * 100 + day.day


def int_time(clock: datetime | Any) -> int:
    """``HHMM`` without leading zero."""
    return int(clock.hour * 100 + clock.minute)


def parse_date(value: Any) -> date:
    """An int or string ``yyyymmdd`` (what PWU and JSU send)."""
    text = str(value).strip()
    if not text.isdigit() or len(text) != 8:
        raise RpcError(INVALID_PARAMS, "invalid date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as err:
        raise RpcError(INVALID_PARAMS, "invalid date") from err


def totp_code(secret: str, moment: float, step_offset: int = 0) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), written from the RFC."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(moment // OTP_STEP) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(key: bytes, payload: Mapping[str, Any]) -> str:
    """A JWT (HS256) carrying ``payload``."""
    header = b64url(dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(dumps(payload).encode())
    return f"{header}.{body}.{_signature(key, header, body)}"


def verified(key: bytes, token: str) -> dict[str, Any] | None:
    """The payload of a JWT this key signed, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    if not hmac.compare_digest(_signature(key, parts[0], parts[1]), parts[2]):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * 4))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _signature(key: bytes, header: str, body: str) -> str:
    return b64url(hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest())


def rpc_answer(
    call_id: Any, *, result: Any = None, error: RpcError | None = None
) -> web.Response:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": call_id}
    if error is not None:
        body["error"] = {"code": error.code, "message": error.message}
    else:
        body["result"] = result
    return web.json_response(body, dumps=dumps)
