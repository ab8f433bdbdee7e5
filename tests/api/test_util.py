"""Tests of the helpers every client shares."""

from __future__ import annotations

import base64
import html
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from custom_components.school_portal.api import util
from custom_components.school_portal.api.errors import ConfigurationError
from custom_components.school_portal.api.util import (
    as_int,
    base64_html_to_text,
    first_text,
    html_to_text,
    parse_clock,
    portal_date,
    portal_datetime,
    preview,
    stable_id,
    timeout_setting,
)

JERUSALEM = ZoneInfo("Asia/Jerusalem")


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("", ""),
        (None, ""),
        ("plain text", "plain text"),
        ("<p>Read <b>page 12</b></p><p>and 13</p>", "Read page 12\nand 13"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ("x &amp; y&nbsp;z", "x & y z"),
        ("<script>alert(1)</script>visible", "visible"),
        ("<div>  spaced   out  </div>", "spaced out"),
        ("שיעורי <i>בית</i>", "שיעורי בית"),
    ],
)
def test_html_to_text(markup: str | None, text: str) -> None:
    assert html_to_text(markup) == text


@pytest.mark.parametrize(
    "markup",
    [
        "<div>Lire le chapitre 1</div><div>et r&eacute;pondre</div>",
        "<P>Lire &amp;lt; r&#233;sumer<BR />fin</P>",
        "<b>gras</b> et <span>fin</span>",
        "a < b<br>c",
        "<p style='x'>attribut</p>",
        "<script>x()</script>texte",
        "<!-- note -->texte<textarea>&amp;</textarea>",
        "&nbsp;<li>un\u00a0 deux</li>",
    ],
)
def test_bare_tags_read_as_the_parser_reads_them(markup: str) -> None:
    """The shortcut for bare tags gives the HTML parser's text, or steps aside."""
    parser = util._TextExtractor()
    parser.feed(markup)
    parser.close()
    raw = html.unescape("".join(parser.parts))
    lines = (util._SPACES.sub(" ", line).strip() for line in raw.splitlines())
    assert html_to_text(markup) == "\n".join(line for line in lines if line)


def test_base64_html_to_text() -> None:
    encoded = base64.b64encode("<p>Écrire un texte</p>".encode()).decode()
    assert base64_html_to_text(encoded) == "Écrire un texte"
    # Not base64 at all: treated as markup rather than failing.
    assert base64_html_to_text("<b>not base64!</b>") == "not base64!"
    assert base64_html_to_text(None) == ""


def test_preview_is_one_short_line() -> None:
    assert preview("a\n b   c") == "a b c"
    long = preview("word " * 100, limit=20)
    assert len(long) == 20
    assert long.endswith("…")


def test_portal_datetime_reads_naive_times_in_the_school_zone() -> None:
    value = portal_datetime("2026-11-22T08:00:00", JERUSALEM)
    assert value == datetime(2026, 11, 22, 8, 0, tzinfo=JERUSALEM)
    assert value is not None
    assert value.utcoffset() is not None
    assert value.astimezone(UTC).hour == 6
    # An explicit offset wins over the school zone.
    utc = portal_datetime("2026-11-22T08:00:00Z", JERUSALEM)
    assert utc == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert portal_datetime("garbage", JERUSALEM) is None
    assert portal_datetime("", JERUSALEM) is None


def test_portal_date_and_clock() -> None:
    assert portal_date("2026-02-26T00:00:00") == date(2026, 2, 26)
    assert portal_date("2026-02-26") == date(2026, 2, 26)
    assert portal_date("26/02/2026") is None
    assert portal_date(None) is None
    assert parse_clock("08:45") == time(8, 45)
    assert parse_clock("8h45") is None
    assert parse_clock(None) is None


def test_stable_id_depends_on_every_part() -> None:
    assert stable_id("a", 1) == stable_id("a", 1)
    assert stable_id("a", 1) != stable_id("a", 2)
    # Parts are separated, so moving a boundary changes the id.
    assert stable_id("ab", "c") != stable_id("a", "bc")
    assert len(stable_id("x")) == 16


def test_loose_json_values() -> None:
    """Ids come as ints or strings; texts under one of several keys."""
    assert as_int("42") == 42
    assert as_int(7) == 7
    assert as_int(True) is None
    assert as_int("7a") is None
    assert as_int(None) is None
    row = {"name": "  ", "longName": " Maths ", "short": "M"}
    assert first_text(row, "name", "longName", "short") == "Maths"
    assert first_text(row, "missing") == ""


@pytest.mark.parametrize("raw", ["x", None, "", 0, -1, "0", float("inf"), float("nan")])
def test_a_timeout_that_is_no_positive_number_is_a_configuration_error(
    raw: object,
) -> None:
    with pytest.raises(ConfigurationError):
        timeout_setting(raw)


@pytest.mark.parametrize(("raw", "seconds"), [(5, 5.0), ("2.5", 2.5), (0.2, 0.2)])
def test_a_timeout_in_seconds(raw: object, seconds: float) -> None:
    assert timeout_setting(raw) == seconds
