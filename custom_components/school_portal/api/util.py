"""Helpers every portal client shares: HTTP, text, time and ids."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from html.parser import HTMLParser
from typing import Any
from urllib.parse import SplitResult, urlsplit

import aiohttp
import orjson

from .errors import ConfigurationError, ConnectionFailed, PortalUnavailable, RateLimited

DEFAULT_TIMEOUT = 20.0


# --- HTTP ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What we keep of an HTTP answer."""

    status: int
    text: str
    headers: Mapping[str, str]
    # The cookies the answer sets (a session id, for portals that give no other).
    cookies: Mapping[str, str] = field(default_factory=dict)
    # The raw body (a downloaded file); `text` is its decoded form.
    content: bytes = b""


async def http_request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeout: float,
    json: Any = None,
    data: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Send one request; translate transport failures into our errors.

    Status codes that mean the same on every portal (429, 5xx) are handled
    here; everything else is left to the portal's own wire layer.
    """
    try:
        async with asyncio.timeout(timeout):
            async with session.request(
                method, url, json=json, data=data, headers=headers
            ) as resp:
                # Read once and decode as text() would (the charset, else
                # UTF-8: aiohttp runs no detector), without its second await.
                content = await resp.read()
                response = HttpResponse(
                    resp.status,
                    content.decode(resp.get_encoding(), "replace"),
                    dict(resp.headers),
                    {name: morsel.value for name, morsel in resp.cookies.items()},
                    content,
                )
    except TimeoutError as err:
        raise ConnectionFailed("The portal did not answer in time") from err
    except aiohttp.ClientError as err:
        raise ConnectionFailed(
            f"Cannot reach the portal: {type(err).__name__}"
        ) from err
    if response.status == 429:
        raise RateLimited(_retry_after(response.headers))
    if response.status >= 500:
        raise PortalUnavailable(f"The portal answered HTTP {response.status}")
    return response


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


# --- Text ---------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"}
)


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, one line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


# Bare tags (no attributes) of elements whose content is plain text.
_BARE_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\s*/?>")
_PLAIN_ELEMENTS = _BLOCK_TAGS | {
    "a", "b", "i", "u", "s", "em", "strong", "span", "small", "sup", "sub",
    "font", "table", "tbody", "thead", "td", "th",
}  # fmt: skip


def _simple_html(value: str) -> str | None:
    """What `_TextExtractor` collects from a fragment of bare tags, without it.

    Homework and messages are mostly `<div>…</div>`: the parser's per-tag
    work was most of their parsing. None when a tag has attributes, is of
    another element, or a `<` is no tag: the parser reads those.
    """
    parts: list[str] = []
    position = tags = 0
    for match in _BARE_TAG.finditer(value):
        name = match.group(2).lower()
        if name not in _PLAIN_ELEMENTS:
            return None
        parts.append(html.unescape(value[position : match.start()]))
        if name in _BLOCK_TAGS:
            parts.append("\n")
        position = match.end()
        tags += 1
    if value.count("<") != tags:
        return None
    parts.append(html.unescape(value[position:]))
    return "".join(parts)


def html_to_text(value: str | None) -> str:
    """Turn an HTML fragment (or plain text) into tidy plain text."""
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        raw = value
    elif (simple := _simple_html(value)) is not None:
        raw = html.unescape(simple)
    else:
        parser = _TextExtractor()
        parser.feed(value)
        parser.close()
        raw = html.unescape("".join(parser.parts))
    lines = (_SPACES.sub(" ", line).strip() for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


def base64_html_to_text(value: str | None) -> str:
    """Decode base64-encoded HTML (as some portals send it) into plain text."""
    if not value:
        return ""
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return html_to_text(value)
    return html_to_text(decoded)


def preview(text: str, limit: int = 120) -> str:
    """A short single-line preview of a text."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# --- Time ---------------------------------------------------------------------


def portal_datetime(value: str | None, tz: tzinfo) -> datetime | None:
    """Read a portal's date-time; naive values are in the school's time zone."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed


def portal_date(value: str | None) -> date | None:
    """Read the date part of a portal's date or date-time string."""
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def at(day: date, clock: time, tz: tzinfo) -> datetime:
    """A wall-clock time on a school day, in the school's time zone."""
    return datetime.combine(day, clock, tzinfo=tz)


def parse_clock(value: str | None) -> time | None:
    """Read "HH:MM" (or "HH:MM:SS")."""
    if not value:
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        return None


# --- Ids ----------------------------------------------------------------------


def stable_id(*parts: object) -> str:
    """A short id derived from content, for items the portal gives no id."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode())
    return digest.hexdigest()[:16]


# --- Loose JSON ------------------------------------------------------------------


def json_loads(raw: str | bytes) -> Any:
    """JSON as the standard library reads it, by orjson (Home Assistant's own).

    orjson reads a portal's answer in half the time (an 11 KB Webtop week:
    28 against 57 µs). What it refuses and the standard library takes (NaN,
    huge integers, lone surrogates) is read again by the standard library, so
    the result is json's in every case; bytes are UTF-8. ValueError when it
    is no JSON.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    return json.loads(raw.decode() if isinstance(raw, bytes) else raw)


def web_address(text: str | None, what: str) -> SplitResult:
    """A typed server address as URL parts: https when no scheme is typed.

    Raises ConfigurationError, naming `what`, when there is none or it is no
    web address.
    """
    value = (text or "").strip()
    if not value:
        raise ConfigurationError(f"No {what} given")
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"Not a usable {what}")
    return parts


def by_keywords[T](
    text: str, table: Sequence[tuple[T, tuple[str, ...]]], default: T
) -> T:
    """The first kind of `table` with a word that `text` contains, else `default`.

    For the free text portals file events under (a category, an event type).
    """
    return next(
        (kind for kind, words in table if any(word in text for word in words)),
        default,
    )


def first_text(row: Mapping[str, Any], *keys: str) -> str:
    """The first non-empty text among several spellings of a key."""
    for key in keys:
        value = row.get(key)
        if value is not None:
            # Read once; a plain string needs no str() copy (thousands of
            # calls per refresh).
            found = (value if type(value) is str else str(value)).strip()
            if found:
                return found
    return ""


def as_int(value: Any) -> int | None:
    """An id or number sent as an int or a string; None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Settings -------------------------------------------------------------------


def timeout_setting(raw: Any) -> float:
    """A client's ``timeout`` setting in seconds.

    A setting that is no positive number is the user's to fix, like a bad
    server address: ConfigurationError, which every caller treats as "this
    setting cannot be used" (a bare ValueError from ``float`` would reach Home
    Assistant as an unexpected error).
    """
    try:
        seconds = float(raw)
    except (TypeError, ValueError) as err:
        raise ConfigurationError("The timeout is not a number of seconds") from err
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigurationError("The timeout must be a positive number of seconds")
    return seconds
