"""Constants for the School Portal integration."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import Final

from .api import webtop

DOMAIN: Final = "school_portal"
LOGGER = logging.getLogger(__package__)

CONF_PORTAL: Final = "portal"
CONF_SERVER: Final = "server"
CONF_STUDENTS: Final = "students"
# The live session of a password login, kept so that a restart need not log in.
CONF_SESSION_TOKEN: Final = "session_token"
CONF_SCHOOL: Final = "school"
# WebUntis: the app secret behind the QR code, or the QR code's link itself.
CONF_SECRET: Final = "secret"
CONF_QR_LINK: Final = "qr_link"
# PRONOTE: the QR code's JSON and the PIN chosen when it was made (used once),
# the device id the mobile token is bound to, and the account's own PIN.
CONF_QR_CODE: Final = "qr_code"
CONF_QR_PIN: Final = "qr_pin"
CONF_DEVICE_ID: Final = "device_id"
CONF_ACCOUNT_PIN: Final = "account_pin"

PORTAL_WEBTOP: Final = "webtop"
PORTAL_WEBUNTIS: Final = "webuntis"
PORTAL_PRONOTE: Final = "pronote"
WEBTOP_DEFAULT_SERVER: Final = webtop.DEFAULT_SERVER

# How portals are named: in entry titles, and as the pupils' devices' maker.
PORTAL_NAMES: Final = {
    PORTAL_WEBTOP: "Webtop",
    PORTAL_WEBUNTIS: "WebUntis",
    PORTAL_PRONOTE: "PRONOTE",
}
PORTAL_MAKERS: Final = {
    PORTAL_WEBTOP: "Webtop (SmartSchool)",
    PORTAL_WEBUNTIS: "WebUntis (Untis)",
    PORTAL_PRONOTE: "PRONOTE (Index Éducation)",
}

DEFAULT_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 15
MAX_SCAN_INTERVAL: Final = 24 * 60

# Schools are closed at night: polling then only wastes the portal's patience.
NIGHT_START: Final = time(22, 0)
NIGHT_END: Final = time(6, 0)
NIGHT_INTERVAL: Final = timedelta(hours=1)
# School breaks: no lesson ahead in the whole window. Messages may still come.
BREAK_INTERVAL: Final = timedelta(hours=3)

# The coordinator's window. A week back, because portals like Webtop list
# homework at the lesson that set it: homework set last Thursday and due
# tomorrow must not drop out of the to-do list. Six days ahead ends inside
# next week (Webtop weeks start on Sunday), so a refresh reads two weeks.
WINDOW_DAYS_BEFORE: Final = 7
WINDOW_DAYS_AFTER: Final = 6

EVENT_SCHOOL_PORTAL: Final = "school_portal_event"

EVENT_NEW_HOMEWORK: Final = "new_homework"
EVENT_NEW_MESSAGE: Final = "new_message"
EVENT_NEW_GRADE: Final = "new_grade"
EVENT_NEW_DISCIPLINE: Final = "new_discipline_event"
EVENT_LESSON_CANCELLED: Final = "lesson_cancelled"
EVENT_LESSON_CHANGED: Final = "lesson_changed"
