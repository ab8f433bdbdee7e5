"""New items: what fires the event entities and the ``school_portal_event`` bus event.

The first refresh of a pupil seeds the seen-store silently; afterwards each
item that was never seen fires once, and one that is already over or too old
to be news is remembered without firing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from homeassistant.core import HomeAssistant, callback

from .api.models import AccountData, Lesson, LessonStatus, PortalData, StudentData
from .api.util import stable_id
from .const import (
    EVENT_LESSON_CANCELLED,
    EVENT_LESSON_CHANGED,
    EVENT_NEW_DISCIPLINE,
    EVENT_NEW_GRADE,
    EVENT_NEW_HOMEWORK,
    EVENT_NEW_MESSAGE,
    EVENT_SCHOOL_PORTAL,
    LOGGER,
)
from .stores import SeenStore

# The seen-store's owner of the login's own items (a parent's inbox). Before
# they were kept once, a message that had fired was marked under it too, so
# an upgrade does not fire those again; the rest is seeded silently.
ACCOUNT = "*"
# Messages, discipline events and grades older than this are not news (they
# can surface late: a pupil shown again, a portal catching up).
NEWS_HORIZON = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item seen for the first time: it fires an event."""

    event_type: str
    student_id: str | None  # None: the login's own, with several pupils
    uid: str
    attributes: dict[str, Any]


def _plain(value: Any) -> Any:
    """An item's value as event data: dates as ISO text, kinds as their value."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


@dataclass(frozen=True, slots=True)
class _ItemKind:
    """A kind of item that is news when new: where it is, what is shown of it."""

    event_type: str
    items: str  # the StudentData or AccountData field
    shown: tuple[str, ...]  # name-free fields that go into the event data
    past: Callable[[Any, datetime], bool]


# Something already over (homework past due) or older than NEWS_HORIZON (a
# message, a discipline event, a grade) is remembered but never announced.
_ITEM_KINDS = (
    _ItemKind(
        EVENT_NEW_HOMEWORK,
        "homework",
        ("subject", "due"),
        lambda homework, now: homework.due_date < now.date(),
    ),
    _ItemKind(
        EVENT_NEW_MESSAGE,
        "messages",
        ("subject", "received", "has_attachments"),
        lambda message, now: message.received < now - NEWS_HORIZON,
    ),
    _ItemKind(
        EVENT_NEW_DISCIPLINE,
        "discipline",
        ("kind", "when", "subject", "justified"),
        lambda event, now: event.when < now - NEWS_HORIZON,
    ),
    _ItemKind(
        EVENT_NEW_GRADE,
        "grades",
        ("subject", "value", "out_of", "when"),
        lambda grade, now: grade.when < (now - NEWS_HORIZON).date(),
    ),
)


def _notable_items(
    data: StudentData | AccountData,
    now: datetime,
    previous: StudentData | None = None,
) -> Iterator[tuple[str, str, dict[str, Any], bool]]:
    """Items that can be new, a small name-free description, and whether it is past.

    Something already over (homework past due, a lesson that has ended) or
    older than NEWS_HORIZON (a message, a discipline event, a grade) is
    remembered but never announced: a wider window, a pupil shown again after
    weeks, or a late portal must not turn the past into a burst of news.
    A lesson is news when the portal marks it cancelled or changed, or when
    it differs from the same lesson in the ``previous`` refresh.
    """
    for kind in _ITEM_KINDS:
        for item in getattr(data, kind.items, ()):
            shown = {"uid": item.uid}
            shown.update((name, _plain(getattr(item, name))) for name in kind.shown)
            yield kind.event_type, item.uid, shown, kind.past(item, now)
    if not isinstance(data, StudentData):
        return
    before = {lesson.uid: lesson for lesson in previous.lessons} if previous else {}
    for lesson in data.lessons:
        earlier = before.get(lesson.uid)
        moved = earlier is not None and _lesson_shape(earlier) != _lesson_shape(lesson)
        attributes: dict[str, Any] = {
            "uid": lesson.uid,
            **_lesson_values(lesson, lesson.teachers, lesson.rooms),
            "note": lesson.note,
        }
        if lesson.status is LessonStatus.CANCELLED:
            yield EVENT_LESSON_CANCELLED, lesson.uid, attributes, lesson.end <= now
            continue
        if lesson.status is not LessonStatus.CHANGED and not moved:
            continue
        # Each version of a changed lesson is news once: a room changed again
        # after a substitution was announced is announced too.
        attributes["previous"] = _previous_values(lesson, earlier if moved else None)
        yield (
            EVENT_LESSON_CHANGED,
            f"{lesson.uid}|{stable_id(*_lesson_shape(lesson))}",
            attributes,
            lesson.end <= now,
        )


def _lesson_shape(lesson: Lesson) -> tuple[object, ...]:
    """What a pupil notices of a lesson: when, what, who and where."""
    return (
        lesson.start,
        lesson.end,
        lesson.subject,
        tuple(sorted(lesson.teachers)),
        tuple(sorted(lesson.rooms)),
    )


def _previous_values(lesson: Lesson, earlier: Lesson | None) -> dict[str, Any]:
    """The lesson as it was: as last polled, else as the portal says it was."""
    if earlier is not None:
        return _lesson_values(earlier, earlier.teachers, earlier.rooms)
    return _lesson_values(
        lesson,
        lesson.original_teachers or lesson.teachers,
        lesson.original_rooms or lesson.rooms,
    )


def _lesson_values(
    lesson: Lesson, teachers: tuple[str, ...], rooms: tuple[str, ...]
) -> dict[str, Any]:
    """A lesson as event data: when, what, who and where."""
    return {
        "subject": lesson.subject,
        "start": lesson.start.isoformat(),
        "end": lesson.end.isoformat(),
        "teachers": list(teachers),
        "rooms": list(rooms),
    }


class NewsDesk:
    """Finds the new items of each refresh and hands them out."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the seen-store of one config entry."""
        self._hass = hass
        self._entry_id = entry_id
        self.seen = SeenStore(hass, entry_id)
        # The new items of the last refresh that no entity took yet.
        self._items: list[NewItem] = []

    async def async_load(self) -> None:
        """Read what earlier runs saw."""
        await self.seen.async_load()

    async def async_publish(
        self, data: PortalData, previous: PortalData | None, now: datetime
    ) -> None:
        """Compare with the seen-store; save it before anything fires.

        A pupil's items fire on that pupil's entities; the login's own items
        (a parent's one inbox) are looked at once, fire one bus event, and
        fire on every pupil's entities.
        """
        today = now.date()
        fresh: list[NewItem] = []
        announce: list[NewItem] = []
        for student_id, student_data in data.items():
            before = previous.get(student_id) if previous else None
            for item in self._new(
                student_id, _notable_items(student_data, now, before), today
            ):
                fresh.append(item)
                announce.append(item)
        # One pupil: the login's items are that pupil's; several: nobody's.
        owner = next(iter(data)) if len(data) == 1 else None
        for item in self._new(ACCOUNT, _notable_items(data.account, now), today):
            announce.append(replace(item, student_id=owner))
            fresh.extend(replace(item, student_id=student_id) for student_id in data)
        self.seen.prune(today)
        await self.seen.async_save()

        self._items = fresh
        for item in announce:
            self._hass.bus.async_fire(
                EVENT_SCHOOL_PORTAL,
                {
                    "type": item.event_type,
                    "entry_id": self._entry_id,
                    "student_id": item.student_id,
                    "item": item.attributes,
                },
            )
        if fresh:
            LOGGER.debug("%s new item(s) found", len(fresh))

    def _new(
        self,
        owner: str,
        items: Iterable[tuple[str, str, dict[str, Any], bool]],
        today: date,
    ) -> Iterator[NewItem]:
        """The items never seen before; a first sync seeds silently."""
        seeding = not self.seen.is_seeded(owner)
        for event_type, uid, attributes, past in items:
            if self.seen.mark(f"{owner}|{event_type}|{uid}", today) and not (
                seeding or past
            ):
                yield NewItem(event_type, owner, uid, attributes)
        self.seen.seed(owner)

    @callback
    def forget(self) -> None:
        """Drop what the last refresh found: a failed refresh hands out nothing."""
        self._items = []

    @callback
    def take(self, student_id: str, event_types: list[str]) -> list[NewItem]:
        """Hand the new items of one pupil and kind to the entity that fires them."""
        taken = [
            item
            for item in self._items
            if item.student_id == student_id and item.event_type in event_types
        ]
        self._items = [item for item in self._items if item not in taken]
        return taken
