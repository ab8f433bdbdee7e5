"""The seen-store and the done marks stay bounded over a year of polling.

Home Assistant keeps both per config entry and on disk: they would grow
with every day polled unless their retention drops what is old. A year of
days, each bringing new uids, must leave them within their retention's
worth of days (`scripts/bench --soak` measures the clients' memory)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from homeassistant.core import HomeAssistant

from custom_components.school_portal.stores import (
    DONE_RETENTION,
    SEEN_RETENTION,
    HomeworkDoneStore,
    SeenStore,
)

FIRST_DAY = date(2026, 9, 1)
YEAR = 365
NEW_PER_DAY = 7  # lessons, homework, messages and events that are new each day


def _a_year() -> Iterator[date]:
    return (FIRST_DAY + timedelta(days=offset) for offset in range(YEAR))


async def test_seen_store_holds_its_retention_only(hass: HomeAssistant) -> None:
    store = SeenStore(hass, "bounds")
    await store.async_load()
    largest = 0
    for today in _a_year():
        for index in range(NEW_PER_DAY):
            assert store.mark(f"pupil|lesson|{today}|{index}", today)
        # One key stays on show all year: it is kept, however old it is.
        store.mark("pupil|message|pinned", today)
        store.prune(today)
        largest = max(largest, len(store._last_seen))
    assert largest <= NEW_PER_DAY * (SEEN_RETENTION.days + 1) + 1
    assert store.last_seen("pupil|message|pinned") == today
    assert store.last_seen(f"pupil|lesson|{FIRST_DAY}|0") is None


async def test_done_marks_hold_their_retention_only(hass: HomeAssistant) -> None:
    store = HomeworkDoneStore(hass, "bounds")
    await store.async_load()
    largest = 0
    for today in _a_year():
        for pupil in ("p1", "p2"):
            await store.async_set(pupil, f"homework-{today}", True, today)
        largest = max(largest, sum(len(marks) for marks in store._marks.values()))
    assert largest <= 2 * (DONE_RETENTION.days + 1)
    assert store.get("p1", f"homework-{FIRST_DAY}") is None
    assert store.get("p2", f"homework-{today}") is True
