"""Replies built from rows: entities with ``_embedded``, aggregated attendance, deletions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from .school import LESSON_MINUTES, Row, SsSchool
from .store import Store
from .wire import DELETED_KEYS, ref, rendered

type Expansion = Callable[[Row, bool], Any]


class Views:
    """What one entity looks like with its expansions."""

    def __init__(self, store: Store, school: SsSchool) -> None:
        self.store = store
        self.school = school
        self._expansions: dict[tuple[str, str], Expansion] = {
            ("Person", "duties"): self._duties_of,
            ("Person", "responsibleFor"): self._responsible_for,
            ("Person", "placements"): self._placements("child"),
            ("Person", "ownedPlacements"): self._placements("owners"),
            ("Person", "groupMemberships"): self._memberships,
            ("Duty", "person"): lambda row, names: self._one(
                "Person", row.facts["person"], names
            ),
            ("Group", "assignmentRoles"): self._assignment_roles,
            ("Activity", "groups"): lambda row, names: self._many(
                "Group", (g["id"] for g in row.body["groups"]), names
            ),
            ("Activity", "teachers"): lambda row, names: self._many(
                "Duty", (t["duty"]["id"] for t in row.body.get("teachers", [])), names
            ),
            ("Activity", "syllabus"): lambda row, names: self._one(
                "Syllabus", row.body["syllabus"]["id"], names
            ),
            ("CalendarEvent", "activity"): lambda row, names: self._one(
                "Activity", row.facts["activity"], names
            ),
            ("CalendarEvent", "attendance"): lambda row, names: [
                self.store.entity("Attendance", other, names)
                for other in self.store.rows["Attendance"].values()
                if other.facts.get("calendarEvent") == row.id
            ],
        }
        for name in ("person", "group", "registeredBy"):
            self._expansions["AttendanceEvent", name] = self._written_ref(name)
        for name in ("child", "owners"):
            self._expansions["Placement", name] = self._written_ref(name)

    def entity(
        self, kind: str, row: Row, names: bool, expand: Iterable[str] = ()
    ) -> dict[str, Any]:
        body = self.store.entity(kind, row, names)
        embedded = {
            name: self._expansions[kind, name](row, names)
            for name in expand
            if (kind, name) in self._expansions
        }
        embedded = {k: v for k, v in embedded.items() if v is not None}
        if embedded:
            body["_embedded"] = embedded
        return body

    def _one(self, kind: str, row_id: str, names: bool) -> dict[str, Any] | None:
        row = self.store.get(kind, row_id)
        return None if row is None else self.store.entity(kind, row, names)

    def _many(self, kind: str, ids: Iterable[str], names: bool) -> list[Any]:
        found = (self._one(kind, row_id, names) for row_id in ids)
        return [entity for entity in found if entity is not None]

    def _written_ref(self, name: str) -> Expansion:
        """A written entity's reference(s) expanded to the persons or groups."""

        def expand(row: Row, names: bool) -> Any:
            value = row.body.get(name)
            kind = "Group" if name == "group" else "Person"
            if isinstance(value, list):
                return self._many(kind, (v.get("id", "") for v in value), names)
            if isinstance(value, dict):
                return self._one(kind, str(value.get("id", "")), names)
            return None

        return expand

    def _placements(self, fact: str) -> Expansion:
        def expand(row: Row, names: bool) -> list[Any]:
            return [
                self.store.entity("Placement", placement, names)
                for placement in self.store.rows["Placement"].values()
                if row.id == placement.facts.get(fact)
                or row.id in (placement.facts.get(fact) or ())
            ]

        return expand

    def _duties_of(self, row: Row, names: bool) -> list[Any]:
        return [
            self.store.entity("Duty", duty, names)
            for duty in self.store.rows["Duty"].values()
            if duty.facts.get("person") == row.id
        ]

    def _responsible_for(self, row: Row, names: bool) -> list[Any]:
        children = [
            {"person": ref(child.id, child.facts["name"]), "relationType": relation}
            for child in self.store.rows["Person"].values()
            for responsible in child.body.get("responsibles", ())
            if responsible["person"]["id"] == row.id
            for relation in (responsible["relationType"],)
        ]
        result: list[Any] = rendered(children, names)
        return result

    def _memberships(self, row: Row, names: bool) -> list[Any]:
        result = []
        for group in self.store.rows["Group"].values():
            if row.id not in group.facts.get("members", ()):
                continue
            fragment = self.store.entity("Group", group, names)
            fragment.pop("groupMemberships", None)
            result.append(
                {
                    "group": fragment,
                    "startDate": group.body["startDate"],
                    "endDate": group.body["endDate"],
                }
            )
        return result

    def _assignment_roles(self, row: Row, names: bool) -> list[Any]:
        mentor = row.facts.get("mentor")
        if mentor is None:
            return []
        roles = [
            {
                "duty": self.school.duty_ref(mentor),
                "assignmentRoleType": "Mentor",
                "startDate": row.body["startDate"],
            }
        ]
        result: list[Any] = rendered(roles, names)
        return result

    # -- aggregated attendance -------------------------------------------------

    def aggregated(
        self,
        students: list[str],
        start: date,
        end: date,
        names: bool,
        expand: list[str],
    ) -> list[dict[str, Any]]:
        """Minutes per pupil and activity from ``start`` to ``end`` (both inclusive)."""
        dataset = self.school.dataset
        wanted = set(students)
        absent: dict[str, tuple[int, int]] = {}
        for attendance in self.store.rows["Attendance"].values():
            facts = attendance.facts
            moment = facts.get("startTime")
            if isinstance(moment, datetime) and start <= moment.date() <= end:
                key = f"{facts['student']}/{facts['activity']}"
                valid, invalid = absent.get(key, (0, 0))
                absent[key] = (
                    valid + int(facts.get("valid", 0)),
                    invalid + int(facts.get("invalid", 0)),
                )
        replies = []
        for pupil in dataset.pupils.values():
            person = self.school.person_id(pupil.id)
            if wanted and person not in wanted:
                continue
            offered: dict[str, list[int]] = {}
            day = start
            while day <= end:
                for lesson in dataset.lessons_on(pupil.id, day):
                    if not lesson.cancelled:
                        sums = offered.setdefault(lesson.subject, [0, 0])
                        sums[0] += LESSON_MINUTES
                        sums[1] += LESSON_MINUTES if day <= dataset.today else 0
                day += timedelta(days=1)
            for subject, (offer, reported) in offered.items():
                activity = self.school.activity_ref(pupil.class_id, subject)
                valid, invalid = absent.get(f"{person}/{activity['id']}", (0, 0))
                reply: dict[str, Any] = {
                    "activity": activity,
                    "student": self.school.pupil_ref(pupil),
                    "startDate": start.isoformat(),
                    "endDate": end.isoformat(),
                    "attendanceSum": max(0, reported - valid - invalid),
                    "validAbsenceSum": valid,
                    "invalidAbsenceSum": invalid,
                    "otherAttendanceSum": 0,
                    "reportedSum": reported,
                    "offeredSum": offer,
                }
                embedded = {}
                if "activity" in expand:
                    embedded["activity"] = self._one("Activity", activity["id"], names)
                if "student" in expand:
                    embedded["student"] = self._one("Person", person, names)
                reply = rendered(reply, names)
                if embedded:
                    reply["_embedded"] = embedded
                replies.append(reply)
        return replies

    # -- deleted entities ----------------------------------------------------------

    def deleted(self, after: datetime | None, kinds: list[str]) -> dict[str, Any]:
        data: dict[str, list[str]] = {key: [] for key in DELETED_KEYS.values()}
        for gone in self.store.deleted:
            if (after is None or gone.when > after) and (
                not kinds or gone.kind in kinds
            ):
                data[DELETED_KEYS[gone.kind]].append(gone.id)
        return data
