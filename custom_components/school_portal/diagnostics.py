"""Diagnostics of School Portal: shapes and counts, never secrets or names."""

from __future__ import annotations

from collections import Counter
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ACCOUNT_PIN,
    CONF_DEVICE_ID,
    CONF_QR_CODE,
    CONF_QR_LINK,
    CONF_QR_PIN,
    CONF_SCHOOL,
    CONF_SECRET,
    CONF_SERVER,
    CONF_SESSION_TOKEN,
)
from .coordinator import SchoolPortalConfigEntry

TO_REDACT = {
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_SESSION_TOKEN,
    CONF_USERNAME,
    CONF_SECRET,
    CONF_QR_LINK,
    CONF_QR_CODE,
    CONF_QR_PIN,
    CONF_ACCOUNT_PIN,
    CONF_DEVICE_ID,
    # Together they name the school, and with it where the family lives.
    CONF_SERVER,
    CONF_SCHOOL,
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
            "messages": len(data.messages),
            "unread_messages": data.unread_messages,
            "discipline": dict(Counter(event.kind.value for event in data.discipline)),
            "grades": len(data.grades),
            "averages": len(data.averages),
            "menus": len(data.menus),
            "exams": len(data.exams),
            "holidays": len(data.holidays),
            "notifications": len(data.notifications),
        }
        for index, data in enumerate(coordinator.data.values(), start=1)
    ]
    return {
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
