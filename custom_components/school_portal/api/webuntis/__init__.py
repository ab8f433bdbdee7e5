"""WebUntis (Untis GmbH; Germany, Austria and beyond).

`wire` holds the JSON-RPC and REST transport, `parse` the payloads, `login`
the password and one-time-code logins and the QR link, `reads` the calls
WebUntis offers and `client` the `WebUntisClient` (docs/webuntis-wire.md).
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
from .parse import (
    Element,
    SchoolYear,
    TimeUnit,
    absence_reasons,
    classreg_kind,
    parse_absence,
    parse_classreg_event,
    parse_element,
    parse_holiday,
    parse_homework,
    parse_message,
    parse_news,
    parse_period,
    parse_rest_exam,
    parse_school_year,
    untis_date,
    untis_time,
)
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
    "absence_reasons",
    "classreg_kind",
    "expand_qr_link",
    "format_date",
    "normalize_secret",
    "normalize_server",
    "parse_absence",
    "parse_classreg_event",
    "parse_element",
    "parse_holiday",
    "parse_homework",
    "parse_message",
    "parse_news",
    "parse_period",
    "parse_qr_link",
    "parse_rest_exam",
    "parse_school_year",
    "totp",
    "untis_date",
    "untis_time",
]
