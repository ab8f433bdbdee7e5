"""Diagnostics of School Portal: shapes and counts, never secrets or names."""

from __future__ import annotations

from collections import Counter
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .api import PORTALS
from .coordinator import SchoolPortalConfigEntry
from .push import DATA_SUBSCRIPTION, DATA_WEBHOOK_ID

# Every portal's login settings (each is a secret, or says who the family is
# and where their school is), what its client persists and its second
# factors' answers: from the declarations, so a new portal's are covered.
# The webhook id is the only secret of a callback; its subscription names it.
TO_REDACT = {
    *(key for info in PORTALS.values() for key in info.private_keys),
    DATA_SUBSCRIPTION,
    DATA_WEBHOOK_ID,
    "unique_id",
    "title",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry
) -> dict[str, Any]:
    """Describe the entry and its last refresh without personal data."""
    coordinator = entry.runtime_data
    account = coordinator.client.account
    # Pupils are numbered, not named: their ids may identify them too.
    pupils = [
        {
            "pupil": index,
            "has_class": data.student.class_name is not None,
            "lessons": len(data.lessons),
            "lesson_status": dict(
                Counter(lesson.status.value for lesson in data.lessons)
            ),
            "homework": len(data.homework),
            "homework_with_attachments": sum(
                1 for homework in data.homework if homework.attachments
            ),
            "discipline": dict(Counter(event.kind.value for event in data.discipline)),
            "grades": len(data.grades),
            "averages": len(data.averages),
            "menus": len(data.menus),
            "exams": len(data.exams),
            "holidays": len(data.holidays),
        }
        for index, data in enumerate(coordinator.data.values(), start=1)
    ]
    diagnostics = {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            TO_REDACT | {"students"},
        ),
        "portal": coordinator.client.portal,
        "capabilities": sorted(coordinator.capabilities),
        "account": {
            "kind": account.kind.value if account else None,
            "pupils": len(account.students) if account else 0,
            # The login's own data, kept once (a parent's inbox).
            "messages": len(coordinator.data.account.messages),
            "unread_messages": coordinator.data.account.unread_messages,
            "notifications": len(coordinator.data.account.notifications),
        },
        "time_zone": str(coordinator.tz),
        "window": {
            "start": coordinator.window.start.isoformat(),
            "end": coordinator.window.end.isoformat(),
        },
        "last_update_success": coordinator.last_update_success,
        "update_interval": str(coordinator.update_interval),
        "pupils": pupils,
    }
    if coordinator.push:
        diagnostics["push"] = coordinator.push.diagnostics()
    return diagnostics
