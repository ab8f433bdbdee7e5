"""Constants for the School Portal integration."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import Final

DOMAIN: Final = "school_portal"
LOGGER = logging.getLogger(__package__)

CONF_PORTAL: Final = "portal"
CONF_SERVER: Final = "server"
CONF_STUDENTS: Final = "students"

DEFAULT_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 15
MAX_SCAN_INTERVAL: Final = 24 * 60

# Schools are closed at night: polling then only wastes the portal's patience.
NIGHT_START: Final = time(22, 0)
NIGHT_END: Final = time(6, 0)
NIGHT_INTERVAL: Final = timedelta(hours=1)
# School breaks: no lesson ahead in the whole window. Messages may still come.
BREAK_INTERVAL: Final = timedelta(hours=3)

# The coordinator's window. A week back, because some portals list homework
# at the lesson that set it: homework set last Thursday and due tomorrow must
# not drop out of the to-do list. Six days ahead ends inside next week (also
# where weeks start on Sunday), so a refresh reads two weeks.
WINDOW_DAYS_BEFORE: Final = 7
WINDOW_DAYS_AFTER: Final = 6

EVENT_SCHOOL_PORTAL: Final = "school_portal_event"

EVENT_NEW_HOMEWORK: Final = "new_homework"
EVENT_NEW_MESSAGE: Final = "new_message"
EVENT_NEW_GRADE: Final = "new_grade"
EVENT_NEW_DISCIPLINE: Final = "new_discipline_event"
EVENT_LESSON_CANCELLED: Final = "lesson_cancelled"
EVENT_LESSON_CHANGED: Final = "lesson_changed"
