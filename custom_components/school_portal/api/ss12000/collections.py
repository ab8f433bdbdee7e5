"""Every resource path of SS12000 2.1, as one table read by one generic reader.

Each collection declares its filters, `expand` values, `sortkey` values,
lookup keys and which operations it has; `Collection` is a descriptor that
binds the entry to a client, so that ``client.persons.list(...)``,
``client.calendar_events.get(id)`` and so on are the client's methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self, overload

from ..errors import NotSupported, ProtocolError
from .wire import NotFound, PageExpired, Wire, query

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

# Filters every dated list shares (exclusive `after`, inclusive `before`).
META = frozenset(
    f"meta.{what}.{edge}"
    for what in ("created", "modified")
    for edge in ("before", "after")
)


def ranges(*fields: str) -> frozenset[str]:
    """The `onOrBefore`/`onOrAfter` filters of some date fields."""
    return frozenset(
        f"{field}.{edge}" for field in fields for edge in ("onOrBefore", "onOrAfter")
    )


DATES = ranges("startDate", "endDate")
# A list reply's entities.
type Rows = list[dict[str, Any]]
# How many times a listing starts again after its page token expired.
RESTARTS = 2


@dataclass(frozen=True, slots=True)
class Spec:
    """One collection of the standard."""

    path: str
    filters: frozenset[str] = frozenset()
    expand: frozenset[str] = frozenset()
    sortkeys: frozenset[str] = frozenset()
    lookup_keys: frozenset[str] = frozenset()
    meta: bool = True  # takes the `meta.*` filters and `expandReferenceNames`
    get: bool = True  # GET /{id}
    listed: bool = True  # GET of the collection
    create: bool = False  # POST of the collection
    delete: bool = False  # DELETE /{id}
    patch: bool = False  # PATCH /{id}


class HasWire(Protocol):
    """What a collection is bound to."""

    @property
    def wire(self) -> Wire:
        """The client's transport."""


class Resource:
    """One collection, bound to a client's transport."""

    def __init__(self, spec: Spec, wire: Wire) -> None:
        """Bind the collection's table entry to the transport."""
        self.spec, self.wire = spec, wire

    # --- reading -----------------------------------------------------------------

    def _params(
        self,
        filters: Mapping[str, Any] | None,
        *,
        expand: Sequence[str],
        sortkey: str | None,
        modified_after: datetime | None,
        names: bool,
        limit: int | None,
    ) -> dict[str, Any]:
        spec = self.spec
        params = dict(filters or {})
        allowed = spec.filters | (META if spec.meta else frozenset())
        if unknown := set(params) - allowed:
            raise ValueError(f"{spec.path} has no filter {sorted(unknown)}")
        self._check_expand(expand)
        if sortkey is not None and sortkey not in spec.sortkeys:
            raise ValueError(f"{spec.path} has no sortkey {sortkey!r}")
        if modified_after is not None:
            if not spec.meta:
                raise ValueError(f"{spec.path} has no meta filters")
            params["meta.modified.after"] = modified_after
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        return params | {
            "expand": list(expand) or None,
            "sortkey": sortkey,
            "expandReferenceNames": True if names else None,
            "limit": limit,
        }

    def _check_expand(self, expand: Sequence[str]) -> None:
        if unknown := set(expand) - self.spec.expand:
            raise ValueError(f"{self.spec.path} cannot expand {sorted(unknown)}")

    def _require(self, operation: str, offered: bool) -> None:
        if not offered:
            raise NotSupported(f"SS12000 has no {operation} of {self.spec.path}")

    async def page(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        page_token: str | None = None,
        expand: Sequence[str] = (),
        sortkey: str | None = None,
        modified_after: datetime | None = None,
        names: bool = False,
        limit: int | None = None,
    ) -> tuple[Rows, str | None]:
        """One page of the list, and the token of the next (None: the last).

        A page token carries its query: with one, only `limit` is sent
        along (the standard forbids other filters next to it).
        """
        self._require("list", self.spec.listed)
        params = self._params(
            filters,
            expand=expand,
            sortkey=sortkey,
            modified_after=modified_after,
            names=names,
            limit=limit,
        )
        if page_token is not None:
            params = {"pageToken": page_token, "limit": limit}
        reply = await self.wire.call("GET", self.spec.path, query(params))
        if not isinstance(reply, dict) or not isinstance(reply.get("data"), list):
            raise ProtocolError(f"{self.spec.path} gave no list")
        token = reply.get("pageToken")
        return (
            [row for row in reply["data"] if isinstance(row, dict)],
            token if isinstance(token, str) and token else None,
        )

    async def pages(
        self, filters: Mapping[str, Any] | None = None, **options: Any
    ) -> AsyncIterator[Rows]:
        """Every page in turn (no restart: see `list`)."""
        token: str | None = None
        while True:
            rows, token = await self.page(filters, page_token=token, **options)
            yield rows
            if token is None:
                return

    async def list(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        expand: Sequence[str] = (),
        sortkey: str | None = None,
        modified_after: datetime | None = None,
        names: bool = False,
        limit: int | None = None,
    ) -> Rows:
        """The whole list, page after page; an expired page token starts it again."""
        options: dict[str, Any] = {
            "expand": expand,
            "sortkey": sortkey,
            "modified_after": modified_after,
            "names": names,
            "limit": limit,
        }
        for restart in range(RESTARTS + 1):
            rows: Rows = []
            try:
                async for page in self.pages(filters, **options):
                    rows += page
            except PageExpired:
                if restart == RESTARTS:
                    raise
                continue
            return rows
        raise AssertionError("unreachable")  # pragma: no cover

    async def lookup(
        self,
        body: Mapping[str, Sequence[str]],
        *,
        expand: Sequence[str] = (),
        names: bool = False,
    ) -> Rows:
        """Entities by ids (or civic numbers, …): a bare list, no paging."""
        self._require("lookup", bool(self.spec.lookup_keys))
        if unknown := set(body) - self.spec.lookup_keys:
            raise ValueError(f"{self.spec.path}/lookup has no key {sorted(unknown)}")
        self._check_expand(expand)
        params = {
            "expand": list(expand) or None,
            "expandReferenceNames": True if names else None,
        }
        reply = await self.wire.call(
            "POST",
            f"{self.spec.path}/lookup",
            query(params),
            {key: list(values) for key, values in body.items() if values},
        )
        if not isinstance(reply, list):
            raise ProtocolError(f"{self.spec.path}/lookup gave no list")
        return [row for row in reply if isinstance(row, dict)]

    async def get(
        self, entity_id: str, *, expand: Sequence[str] = (), names: bool = False
    ) -> dict[str, Any] | None:
        """One entity by id; None when the server has none."""
        self._require("get", self.spec.get)
        self._check_expand(expand)
        params = {
            "expand": list(expand) or None,
            "expandReferenceNames": True if names and self.spec.meta else None,
        }
        try:
            reply = await self.wire.call(
                "GET", f"{self.spec.path}/{entity_id}", query(params)
            )
        except NotFound:
            return None
        if not isinstance(reply, dict):
            raise ProtocolError(f"{self.spec.path}/{{id}} gave no object")
        return reply

    # --- writing -------------------------------------------------------------------

    async def create(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """POST a new entity (a registration, a log entry, a subscription)."""
        self._require("create", self.spec.create)
        reply = await self.wire.call("POST", self.spec.path, body=dict(body))
        return reply if isinstance(reply, dict) else None

    async def delete(self, entity_id: str) -> bool:
        """DELETE one entity; False when it was already gone."""
        self._require("delete", self.spec.delete)
        try:
            await self.wire.call("DELETE", f"{self.spec.path}/{entity_id}")
        except NotFound:
            return False
        return True

    async def patch(
        self, entity_id: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """PATCH one entity (a subscription's expiry); the body is optional."""
        self._require("patch", self.spec.patch)
        reply = await self.wire.call(
            "PATCH",
            f"{self.spec.path}/{entity_id}",
            body=dict(body) if body is not None else None,
        )
        return reply if isinstance(reply, dict) else None


class Collection:
    """A table entry that reads as a bound `Resource` on a client."""

    def __init__(self, path: str, **spec: Any) -> None:
        """Declare the collection at `path`."""
        self.spec = Spec(path, **spec)

    @overload
    def __get__(self, owner: None, cls: type[Any]) -> Self: ...

    @overload
    def __get__(self, owner: HasWire, cls: type[Any]) -> Resource: ...

    def __get__(self, owner: HasWire | None, cls: type[Any]) -> Self | Resource:
        """The collection bound to the client's transport."""
        if owner is None:
            return self
        return Resource(self.spec, owner.wire)


def _fs(*values: str) -> frozenset[str]:
    return frozenset(values)


class Collections:
    """Every collection of SS12000 2.1 (the seed library's surface)."""

    organisations = Collection(
        "/organisations",
        filters=_fs(
            "parent", "schoolUnitCode", "organisationCode", "municipalityCode",
            "type", "schoolTypes",
        ) | DATES,
        sortkeys=_fs("ModifiedDesc", "DisplayNameAsc"),
        lookup_keys=_fs("ids", "schoolUnitCodes", "organisationCodes"),
    )  # fmt: skip
    persons = Collection(
        "/persons",
        filters=_fs(
            "nameContains", "civicNo", "eduPersonPrincipalName", "identifier.value",
            "identifier.context", "relationship.entity.type",
            "relationship.organisation",
        ) | ranges("relationship.startDate", "relationship.endDate"),
        expand=_fs(
            "duties", "responsibleFor", "placements", "ownedPlacements",
            "groupMemberships",
        ),
        sortkeys=_fs(
            "DisplayNameAsc", "GivenNameDesc", "GivenNameAsc", "FamilyNameDesc",
            "FamilyNameAsc", "CivicNoAsc", "CivicNoDesc", "ModifiedDesc",
        ),
        lookup_keys=_fs("ids", "civicNos"),
    )  # fmt: skip
    placements = Collection(
        "/placements",
        filters=_fs("organisation", "group", "child", "owner") | DATES,
        expand=_fs("child", "owners"),
        sortkeys=_fs(
            "StartDateAsc", "StartDateDesc", "EndDateAsc", "EndDateDesc", "ModifiedDesc"
        ),
        lookup_keys=_fs("ids", "personIds"),
    )
    duties = Collection(
        "/duties",
        filters=_fs("organisation", "dutyRole", "person") | DATES,
        expand=_fs("person"),
        sortkeys=_fs("StartDateDesc", "StartDateAsc", "ModifiedDesc"),
        lookup_keys=_fs("ids"),
    )
    groups = Collection(
        "/groups",
        filters=_fs("groupType", "schoolTypes", "organisation") | DATES,
        expand=_fs("assignmentRoles"),
        sortkeys=_fs(
            "ModifiedDesc", "DisplayNameAsc", "StartDateAsc", "StartDateDesc",
            "EndDateAsc", "EndDateDesc",
        ),
        lookup_keys=_fs("ids"),
    )  # fmt: skip
    programmes = Collection(
        "/programmes",
        filters=_fs("schoolType", "code", "parentProgramme"),
        sortkeys=_fs("NameAsc", "CodeAsc", "ModifiedDesc"),
        lookup_keys=_fs("ids"),
    )
    study_plans = Collection(
        "/studyplans",
        filters=_fs("student") | DATES,
        sortkeys=_fs(
            "ModifiedDesc", "StartDateAsc", "StartDateDesc", "EndDateAsc", "EndDateDesc"
        ),
    )
    syllabuses = Collection(
        "/syllabuses",
        sortkeys=_fs(
            "ModifiedDesc", *(
                f"{what}{order}"
                for what in (
                    "SubjectName", "SubjectCode", "CourseName", "CourseCode",
                    "SubjectDesignation",
                )
                for order in ("Asc", "Desc")
            ),
        ),
        lookup_keys=_fs("ids"),
    )  # fmt: skip
    school_unit_offerings = Collection(
        "/schoolUnitOfferings",
        filters=_fs("organisation"),
        sortkeys=_fs(
            "ModifiedDesc", "StartDateAsc", "StartDateDesc", "EndDateAsc", "EndDateDesc"
        ),
        lookup_keys=_fs("ids"),
    )
    activities = Collection(
        "/activities",
        filters=_fs("member", "teacher", "organisation", "group") | DATES,
        expand=_fs("groups", "teachers", "syllabus"),
        sortkeys=_fs("ModifiedDesc", "DisplayNameAsc"),
        lookup_keys=_fs("ids", "teachers", "members"),
    )
    calendar_events = Collection(
        "/calendarEvents",
        filters=_fs("activity", "student", "teacher", "organisation", "group")
        | ranges("startTime", "endTime"),
        expand=_fs("activity", "attendance"),
        sortkeys=_fs("ModifiedDesc", "StartTimeAsc", "StartTimeDesc"),
        lookup_keys=_fs("ids", "activities", "student", "teacher"),
    )
    attendances = Collection(
        "/attendances",
        filters=_fs("student", "organisation", "calendarEvent"),
        # The standard's own spelling of the lookup key.
        lookup_keys=_fs("ids", "activities", "students", "calendareEvents"),
        create=True,
        delete=True,
    )
    attendance_events = Collection(
        "/attendanceEvents",
        filters=_fs("group", "person"),
        expand=_fs("person", "group", "registeredBy"),
        lookup_keys=_fs("ids", "person", "group"),
        create=True,
        delete=True,
    )
    attendance_schedules = Collection(
        "/attendanceSchedule",
        filters=_fs("placement", "group") | DATES,
        lookup_keys=_fs("ids", "placement"),
        create=True,
        delete=True,
    )
    grades = Collection(
        "/grades",
        filters=_fs("organisation", "student", "registeredBy", "gradingTeacher")
        | ranges("registeredDate"),
        sortkeys=_fs("registeredDateAsc", "registeredDateDesc", "ModifiedDesc"),
        lookup_keys=_fs("ids"),
    )
    absences = Collection(
        "/absences",
        filters=_fs("organisation", "student", "registeredBy", "type")
        | ranges("startTime", "endTime"),
        sortkeys=_fs("ModifiedDesc", "StartTimeAsc", "StartTimeDesc"),
        lookup_keys=_fs("ids"),
        create=True,
    )
    aggregated_attendance = Collection(
        "/aggregatedAttendance",
        filters=_fs("startDate", "endDate", "organisation", "schoolType", "student"),
        expand=_fs("activity", "student"),
        meta=False,
        get=False,
    )
    resources = Collection(
        "/resources",
        filters=_fs("organisation"),
        sortkeys=_fs("ModifiedDesc", "DisplayNameAsc"),
        lookup_keys=_fs("ids"),
    )
    rooms = Collection(
        "/rooms",
        filters=_fs("organisation"),
        sortkeys=_fs("ModifiedDesc", "DisplayNameAsc"),
        lookup_keys=_fs("ids"),
    )
    subscriptions = Collection(
        "/subscriptions", meta=False, create=True, delete=True, patch=True
    )
    deleted_entities = Collection(
        "/deletedEntities", filters=_fs("after", "entities"), meta=False, get=False
    )
    # POST-only: what a client reports back to the server.
    log = Collection("/log/", meta=False, get=False, listed=False, create=True)
    statistics = Collection(
        "/statistics/", meta=False, get=False, listed=False, create=True
    )


# The names `deletedEntities` lists deleted ids under, by EndPointsEnum kind
# (the standard spells one of them "activitites"; both are read).
DELETED_KEYS: Mapping[str, tuple[str, ...]] = {
    "Absence": ("absences",),
    "AttendanceEvent": ("attendanceEvents",),
    "Attendance": ("attendances",),
    "Grade": ("grades",),
    "CalendarEvent": ("calendarEvents",),
    "AttendanceSchedule": ("attendanceSchedules",),
    "Resource": ("resources",),
    "Room": ("rooms",),
    "Activity": ("activitites", "activities"),
    "Duty": ("duties",),
    "Placement": ("placements",),
    "StudyPlan": ("studyPlans",),
    "Programme": ("programmes",),
    "Syllabus": ("syllabuses",),
    "SchoolUnitOffering": ("schoolUnitOfferings",),
    "Group": ("groups",),
    "Person": ("persons",),
    "Organisation": ("organisations",),
}


async def read_deleted(
    resource: Resource, after: datetime | None, kinds: Sequence[str] = ()
) -> dict[str, set[str]]:
    """Ids deleted after a time, by kind; every page, restarted when a token expires."""
    params: dict[str, Any] = {"after": after, "entities": list(kinds) or None}
    for restart in range(RESTARTS + 1):
        found: dict[str, set[str]] = {kind: set() for kind in DELETED_KEYS}
        token: str | None = None
        try:
            while True:
                reply = await resource.wire.call(
                    "GET",
                    resource.spec.path,
                    query({"pageToken": token} if token else params),
                )
                data = reply.get("data") if isinstance(reply, dict) else None
                if not isinstance(data, dict):
                    raise ProtocolError("/deletedEntities gave no data")
                for kind, keys in DELETED_KEYS.items():
                    for key in keys:
                        ids = data.get(key)
                        found[kind].update(
                            str(i) for i in ids or () if isinstance(i, str | int)
                        )
                token = reply.get("pageToken") or None
                if not isinstance(token, str):
                    return found
        except PageExpired:
            if restart == RESTARTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
