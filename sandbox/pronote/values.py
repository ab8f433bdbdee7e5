"""How PRONOTE writes values: dates, stamps, marks, HTML and integer sets."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ..dataset import Lesson


def shape(lesson: Lesson) -> tuple[object, ...]:
    """What a lesson looks like (lessons alike in this merge into one course)."""
    return (
        lesson.subject,
        lesson.teacher_id,
        lesson.substitute_id,
        lesson.room,
        lesson.cancelled,
    )


def day_value(day: date) -> dict[str, Any]:
    """A date as PRONOTE types it."""
    return {"_T": 7, "V": day.strftime("%d/%m/%Y")}


def stamp(moment: datetime) -> str:
    """A date and time as PRONOTE writes it."""
    return moment.strftime("%d/%m/%Y %H:%M:%S")


def mark(value: float) -> str:
    """A mark with a decimal comma."""
    return f"{value:.2f}".replace(".", ",")


def html(text: str) -> str:
    """Text escaped for HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def label_date(sent: datetime, today: date) -> str:
    """A message's short date: the time today, else the day."""
    if sent.date() == today:
        return sent.strftime("%Hh%M")
    return sent.strftime("%d/%m/%y")


def parse_day(value: str) -> date | None:
    """A ``dd/mm/yyyy`` date, if that is what the text starts with."""
    match = re.match(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})", value)
    if match is None:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def domain(value: str) -> set[int]:
    """PRONOTE's integer-set text, e.g. ``[1,3..5]``."""
    numbers: set[int] = set()
    for part in value.strip().strip("[]").split(","):
        if not part.strip():
            continue
        low, _sep, high = part.partition("..")
        try:
            first = int(low)
            last = int(high) if high else first
        except ValueError:
            return set()
        numbers.update(range(first, last + 1))
    return numbers
