"""What School Portal keeps on disk per entry: uids already seen, local done marks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN

STORAGE_VERSION = 1
# Uids not seen for this long are forgotten; long enough that an item which
# vanishes during a portal hiccup and comes back is still known. This bounds
# the seen-store: it holds what the last 45 days of refreshes showed.
SEEN_RETENTION = timedelta(days=45)
# Local done marks older than this go (bounded like the seen-store).
DONE_RETENTION = timedelta(days=180)


class SeenStore:
    """The uids that already fired, kept on disk so restarts stay quiet."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the store of one config entry."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.seen"
        )
        self._last_seen: dict[str, str] = {}
        self._seeded: set[str] = set()
        self._dirty = False

    async def async_load(self) -> None:
        """Read what earlier runs saw."""
        stored = await self._store.async_load() or {}
        self._last_seen = dict(stored.get("items", {}))
        self._seeded = set(stored.get("seeded", []))

    def last_seen(self, key: str) -> date | None:
        """The day a key was last marked, None when it never was."""
        day = self._last_seen.get(key)
        return date.fromisoformat(day) if day else None

    def is_seeded(self, student_id: str) -> bool:
        """Whether the pupil's first sync is done."""
        return student_id in self._seeded

    def seed(self, student_id: str) -> None:
        """Note that the pupil's first sync is done."""
        if student_id not in self._seeded:
            self._seeded.add(student_id)
            self._dirty = True

    def mark(self, key: str, today: date) -> bool:
        """Note a key as seen today; True when it was never seen before."""
        is_new = key not in self._last_seen
        if self._last_seen.get(key) != (day := today.isoformat()):
            self._last_seen[key] = day
            self._dirty = True
        return is_new

    def prune(self, today: date) -> None:
        """Forget keys that have not been seen for a long time."""
        oldest = (today - SEEN_RETENTION).isoformat()
        if stale := [key for key, day in self._last_seen.items() if day < oldest]:
            for key in stale:
                del self._last_seen[key]
            self._dirty = True

    async def async_save(self) -> None:
        """Write to disk if anything changed."""
        if self._dirty:
            await self._store.async_save(
                {"items": self._last_seen, "seeded": sorted(self._seeded)}
            )
            self._dirty = False

    async def async_remove(self) -> None:
        """Delete the file."""
        await self._store.async_remove()


class HomeworkDoneStore:
    """Done marks set in Home Assistant, for portals that cannot store them."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the store of one config entry."""
        self._store: Store[dict[str, dict[str, dict[str, Any]]]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.homework_done"
        )
        self._marks: dict[str, dict[str, dict[str, Any]]] = {}

    async def async_load(self) -> None:
        """Read the marks."""
        self._marks = await self._store.async_load() or {}

    def get(self, student_id: str, uid: str) -> bool | None:
        """The local mark of one homework, None when there is none."""
        if mark := self._marks.get(student_id, {}).get(uid):
            return bool(mark["done"])
        return None

    async def async_set(
        self, student_id: str, uid: str, done: bool, today: date
    ) -> None:
        """Set a mark and forget very old ones."""
        marks = self._marks.setdefault(student_id, {})
        marks[uid] = {"done": done, "at": today.isoformat()}
        oldest = (today - DONE_RETENTION).isoformat()
        for pupil_marks in self._marks.values():
            for old in [
                key for key, mark in pupil_marks.items() if mark["at"] < oldest
            ]:
                del pupil_marks[old]
        await self._store.async_save(self._marks)

    async def async_remove(self) -> None:
        """Delete the file."""
        await self._store.async_remove()
