"""What the server remembers of its entities: meta times, deletions, written rows.

The rows are rebuilt from the dataset at every `sync`; an entity whose row
changed gets a new ``meta.modified``, one that is gone goes to the deleted
list (``/deletedEntities``). So tests may change the dataset by its mutators
or by hand: the next request (or the next look for push) sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .school import Row, SsSchool
from .wire import RESOURCE_TYPES, rendered, stamp


@dataclass(slots=True)
class Entry:
    """The server's record of one entity."""

    state: Any
    created: datetime
    modified: datetime


@dataclass(frozen=True, slots=True)
class Deleted:
    """An entity that went, and when."""

    when: datetime
    kind: str
    id: str


class Store:
    """The entities by resource type, with their meta times."""

    def __init__(self, school: SsSchool, now: Callable[[], datetime]) -> None:
        self.school = school
        self.now = now
        self.rows: dict[str, dict[str, Row]] = {kind: {} for kind in RESOURCE_TYPES}
        self.entries: dict[str, dict[str, Entry]] = {k: {} for k in RESOURCE_TYPES}
        self.deleted: list[Deleted] = []
        # Rows clients wrote (POST /attendances, /absences, …) by type.
        self.written: dict[str, dict[str, Row]] = {k: {} for k in RESOURCE_TYPES}
        self._synced = False

    def sync(self) -> tuple[frozenset[str], frozenset[str]]:
        """Rebuild every row: the types that changed, and the types some went of."""
        now = self.now()
        first = not self._synced
        self._synced = True
        sources = self.school.sources()
        changed: set[str] = set()
        gone: set[str] = set()
        for kind in RESOURCE_TYPES:
            source = sources.get(kind)
            rows = {
                row.id: row
                for row in (source() if source else ())
                if row.id not in self.school.removed
            }
            rows.update(self.written[kind])
            entries = self.entries[kind]
            for row_id, row in rows.items():
                entry = entries.get(row_id)
                if entry is None:
                    born = min(row.born or self.school.start, now) if first else now
                    entries[row_id] = Entry(row.state, born, born)
                    if not first:
                        changed.add(kind)
                elif entry.state is not row.state and entry.state != row.state:
                    entry.state = row.state
                    entry.modified = now
                    changed.add(kind)
            for row_id in [i for i in entries if i not in rows]:
                del entries[row_id]
                self.deleted.append(Deleted(now, kind, row_id))
                gone.add(kind)
            self.rows[kind] = rows
        return frozenset(changed), frozenset(gone)

    def get(self, kind: str, row_id: str) -> Row | None:
        return self.rows[kind].get(row_id)

    def entity(self, kind: str, row: Row, names: bool) -> dict[str, Any]:
        """The entity as sent: id, meta, body (references named when asked)."""
        entry = self.entries[kind][row.id]
        body = {
            "id": row.id,
            "meta": {
                "created": stamp(entry.created),
                "modified": stamp(entry.modified),
            },
            **row.body,
        }
        result: dict[str, Any] = rendered(body, names)
        return result

    def modified(self, kind: str, row_id: str) -> datetime:
        return self.entries[kind][row_id].modified

    def created(self, kind: str, row_id: str) -> datetime:
        return self.entries[kind][row_id].created
