"""SS12000 on the wire: ids, times, references, query values and error answers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from functools import partial
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from ..emulator import WireError

VERSION_PATH = "/v2.0"
TOKEN_LIFETIME = 3600
# How long a page token stays good (real servers' lifetimes are not known).
PAGE_TOKEN_LIFETIME = 300.0
# The most one page holds; also the page when ``limit`` is left out, so that
# a month of one pupil's lessons comes in one reply.
MAX_PAGE = 1000
SUBSCRIPTION_DAYS = 90  # Skolverket's default expiry

# The resource types of the standard (EndPointsEnum) by collection path.
COLLECTIONS: dict[str, str] = {
    "organisations": "Organisation",
    "persons": "Person",
    "placements": "Placement",
    "duties": "Duty",
    "groups": "Group",
    "programmes": "Programme",
    "studyplans": "StudyPlan",
    "syllabuses": "Syllabus",
    "schoolUnitOfferings": "SchoolUnitOffering",
    "activities": "Activity",
    "calendarEvents": "CalendarEvent",
    "attendances": "Attendance",
    "attendanceEvents": "AttendanceEvent",
    "attendanceSchedule": "AttendanceSchedule",
    "grades": "Grade",
    "absences": "Absence",
    "resources": "Resource",
    "rooms": "Room",
}
RESOURCE_TYPES = frozenset(COLLECTIONS.values())
# DeletedEntities' keys by resource type ("activitites": the spec's spelling).
DELETED_KEYS: dict[str, str] = {
    "Absence": "absences",
    "AttendanceEvent": "attendanceEvents",
    "Attendance": "attendances",
    "Grade": "grades",
    "CalendarEvent": "calendarEvents",
    "AttendanceSchedule": "attendanceSchedules",
    "Resource": "resources",
    "Room": "rooms",
    "Activity": "activitites",
    "Duty": "duties",
    "Placement": "placements",
    "StudyPlan": "studyPlans",
    "Programme": "programmes",
    "Syllabus": "syllabuses",
    "SchoolUnitOffering": "schoolUnitOfferings",
    "Group": "groups",
    "Person": "persons",
    "Organisation": "organisations",
}

dumps = partial(json.dumps, ensure_ascii=False)


class SsError(WireError):
    """An error answer: the HTTP status, the ``code`` and ``message`` of its body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, message)
        self.error_code = code


def bad_request(message: str) -> SsError:
    return SsError(400, "BadRequest", message)


def not_found() -> SsError:
    return SsError(404, "NotFound", "no such entity")


def error_answer(err: SsError) -> web.Response:
    """An error reply; 404 has no body in the standard."""
    if err.code == 404:
        return web.Response(status=404)
    return web.json_response(
        {"code": err.error_code, "message": err.message}, status=err.code, dumps=dumps
    )


def answer(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=dumps)


class Ref(dict[str, Any]):
    """An ObjectReference: its ``displayName`` is shown only when asked for."""


def ref(entity_id: str, name: str | None = None) -> Ref:
    reference = Ref(id=entity_id)
    if name is not None:
        reference["displayName"] = name
    return reference


def rendered(value: Any, names: bool) -> Any:
    """A deep copy of a reply, references with or without their names."""
    if isinstance(value, Ref):
        return {
            k: rendered(v, names)
            for k, v in value.items()
            if names or k != "displayName"
        }
    if isinstance(value, dict):
        return {k: rendered(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [rendered(v, names) for v in value]
    return value


class Ids:
    """Stable uuids for the dataset's records, one namespace per seed."""

    def __init__(self, seed: int) -> None:
        self._space = uuid.uuid5(uuid.NAMESPACE_URL, f"ss12000-sandbox/{seed}")
        self._known: dict[str, str] = {}

    def __call__(self, kind: str, key: object) -> str:
        name = f"{kind}/{key}"
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = str(uuid.uuid5(self._space, name))
        return known


def stamp(moment: datetime) -> str:
    """RFC 3339 with the offset."""
    return moment.isoformat()


def local(moment: datetime, zone: tzinfo) -> str:
    """A naive wall-clock time of the dataset, with its zone's offset."""
    return moment.replace(tzinfo=zone).isoformat()


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def values(query: MultiMapping[str], name: str) -> list[str]:
    """Every value of a query array: repeated keys, comma lists or both."""
    return [
        part.strip()
        for raw in query.getall(name, [])
        for part in raw.split(",")
        if part.strip()
    ]


def flag(query: Mapping[str, str], name: str) -> bool:
    """A query boolean (``true``, ``True`` or ``1``)."""
    return query.get(name, "").strip().lower() in ("true", "1")


def parse_moment(raw: str, name: str) -> datetime:
    """An RFC 3339 date-time with an offset (400 otherwise)."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise bad_request(f"{name}: not an RFC 3339 date-time") from err
    if moment.tzinfo is None:
        raise bad_request(f"{name}: the date-time needs an offset")
    return moment


def parse_day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as err:
        raise bad_request(f"{name}: not a date (YYYY-MM-DD)") from err


def uuids(items: Iterable[str], name: str) -> list[str]:
    """Query or body ids, each a uuid (400 otherwise)."""
    result = list(items)
    for item in result:
        if not isinstance(item, str) or not is_uuid(item):
            raise bad_request(f"{name}: not a uuid")
    return result
