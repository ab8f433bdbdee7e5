"""What differs between the Home Assistant releases we support (2025.4 to 2026.11).

Every version check lives here, so that the other modules read as if there
were one Home Assistant. Each name says in a comment when it can go.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import calendar as _calendar

# HA 2026.9 replaced voluptuous with probatio and types its flows with it;
# `import voluptuous` still works there at run time (an alias), but the types
# are probatio's. Before 2026.9 there is no probatio. Goes with 2026.9 as the
# oldest supported release.
try:
    import probatio as vol
except ImportError:  # pragma: no cover - HA before 2026.9
    import voluptuous as vol  # type: ignore[no-redef,unused-ignore]

# HA 2026.x defines the to-do entity in todo/entity.py and imports it into the
# package without marking it as re-exported, so type checkers refuse the
# package import that both releases serve at run time (2025.4 has no
# todo/entity.py). Goes when mypy is told HA's packages re-export.
from homeassistant.components.todo import (  # type: ignore[attr-defined,unused-ignore]
    TodoItem,
    TodoListEntity,
)

# CalendarEvent gained `status` in HA 2026.10 (CalendarEventStatus); None
# before. Goes with 2026.10 as the oldest supported release.
CalendarEventStatus: Any = getattr(_calendar, "CalendarEventStatus", None)

__all__ = ["CalendarEventStatus", "TodoItem", "TodoListEntity", "vol"]
