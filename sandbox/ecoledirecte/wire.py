"""EcoleDirecte on the wire: request bodies, the reply envelope, codes, base64."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import date, datetime
from functools import partial
from typing import Any, Final
from urllib.parse import unquote, unquote_plus

from aiohttp import web

from ..emulator import WireError

# Answer codes (the protocol notes, §9).
OK = 200
QCM_REQUIRED = 250
BAD_CREDENTIALS = 505
BAD_ORDER = 512
BAD_VERSION = 517
BAD_TOKEN = 520
BAD_JSON = 522
EXPIRED_TOKEN = 525
SCHOOL_UNAVAILABLE = 535
# Not a code the notes saw: what we answer a call about somebody else's pupil.
FORBIDDEN = 403

# The reply's ``host`` (one of the real server farm's names).
HOST = "HTTP5"

dumps = partial(json.dumps, ensure_ascii=False)

# A reply without a ``data`` key (a wrong security answer: see the notes §4).
NO_DATA: Final = object()


class EdError(WireError):
    """A refusal in EcoleDirecte's envelope: its code and message."""


def b64(text: str) -> str:
    """UTF-8 text in base64, as contents and the security question travel."""
    return base64.b64encode(text.encode()).decode("ascii")


def unb64(value: str) -> str | None:
    """The text a base64 field carries, or None when it is not base64."""
    try:
        return base64.b64decode(value, validate=True).decode()
    except ValueError:
        return None


def html(text: str) -> str:
    """A plain text as the HTML paragraphs EcoleDirecte's contents hold."""
    paragraphs = (line for line in text.split("\n") if line)
    return "".join(f"<p>{line}</p>" for line in paragraphs)


def number(value: float) -> str:
    """A number as EcoleDirecte writes marks: a comma, two decimals at most."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def day_text(day: date) -> str:
    """``YYYY-MM-DD``."""
    return day.isoformat()


def minute_text(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` (lessons, last connection)."""
    return moment.strftime("%Y-%m-%d %H:%M")


def second_text(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (messages)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def french_day(day: date) -> str:
    """``DD/MM/YYYY`` (post-its)."""
    return day.strftime("%d/%m/%Y")


def number_of(key: str) -> int:
    """A stable positive integer for a dataset key (ids are numbers here)."""
    return zlib.crc32(key.encode()) % 9_000_000 + 1_000_000


# -- request bodies -----------------------------------------------------------


def parse_body(raw: bytes) -> dict[str, Any]:
    """The ``data=`` JSON of a request, however a client wrote it (notes §3).

    Raw JSON after ``data=`` (most clients), the whole of it URL-encoded
    (``data=%7B…``), or single-quoted pseudo-JSON (ecoledirecte 0.3.1). No
    body at all is an empty object.
    """
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return {}
    if text.startswith("data="):
        text = text[5:]
    if text[:3].upper() == "%7B":
        text = unquote_plus(text)
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except ValueError:
        try:
            parsed = json.loads(_double_quoted(text))
        except ValueError as err:
            raise EdError(BAD_JSON, "JSON invalide") from err
    if not isinstance(parsed, dict):
        raise EdError(BAD_JSON, "JSON invalide")
    return parsed


def _double_quoted(text: str) -> str:
    """Pseudo-JSON with single-quoted strings rewritten as JSON strings."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            end = _string_end(text, index, '"')
            out.append(text[index:end])
            index = end
        elif char == "'":
            end = _string_end(text, index, "'")
            out.append(json.dumps(text[index + 1 : end - 1].replace("\\'", "'")))
            index = end
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _string_end(text: str, start: int, quote: str) -> int:
    """The index just past the string that opens at ``start``."""
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index + 1
        index += 1
    raise ValueError("unterminated string")


def credential(value: Any) -> str:
    """A username or password as typed: clients percent-encode them (once)."""
    return unquote(str(value or ""))


# -- replies ------------------------------------------------------------------


def reply(
    code: int,
    token: str,
    data: Any = None,
    message: str = "",
    headers: dict[str, str] | None = None,
) -> web.Response:
    """The envelope every answer comes in; the token in its header and body."""
    body: dict[str, Any] = {"code": code, "token": token, "message": message}
    if data is not NO_DATA:
        body["data"] = data
    body["host"] = HOST
    return web.Response(
        text=dumps(body),
        content_type="application/json",
        headers={"X-Token": token, "X-Code": str(code), **(headers or {})},
    )
