"""Teaching as SS12000 rows: groups, syllabuses, activities, calendar events, rooms."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from ..dataset import Lesson
from .refs import (
    COMPUTING,
    LESSON_MINUTES,
    SCHOOL_TYPE,
    SUBJECT_CODES,
    Row,
    SchoolRefs,
)
from .wire import ref


class Teaching(SchoolRefs):
    """What is taught where and when: groups, syllabuses, activities, lessons, rooms."""

    def groups(self) -> Iterator[Row]:
        dataset = self.dataset
        for class_id, school_class in dataset.classes.items():
            members = [self.pupil_ref(p) for p in dataset.pupils_in(class_id)]
            member_ids = {m["id"] for m in members}
            for subject in (None, *dataset.subjects):
                group = self.group_ref(class_id, subject)
                body = {
                    "displayName": group["displayName"],
                    **self.days(),
                    "groupType": "Klass" if subject is None else "Undervisning",
                    "schoolType": SCHOOL_TYPE,
                    "organisation": self.unit_ref(),
                    "groupMemberships": [
                        {"person": member, **self.days()} for member in members
                    ],
                }
                yield Row(
                    group["id"],
                    body,
                    {
                        "name": body["displayName"],
                        "groupType": body["groupType"],
                        "schoolTypes": {SCHOOL_TYPE},
                        "organisation": {self.unit_id, self.owner_id},
                        "members": member_ids,
                        "mentor": school_class.homeroom_teacher
                        if subject is None
                        else None,
                        **self.span(),
                    },
                )

    def syllabuses(self) -> Iterator[Row]:
        for key, subject in self.dataset.subjects.items():
            body = {
                "schoolType": SCHOOL_TYPE,
                "subjectCode": SUBJECT_CODES.get(key, key.upper()),
                "subjectName": subject.name("sv"),
                "startSchoolYear": 7,
                "endSchoolYear": 9,
                "curriculum": "GR2011",
                "official": False,
            }
            yield Row(
                self.ids("syllabus", key),
                body,
                {
                    "subjectName": body["subjectName"],
                    "subjectCode": body["subjectCode"],
                },
            )

    def activities(self) -> Iterator[Row]:
        dataset = self.dataset
        for class_id in dataset.classes:
            members = {self.person_id(p.id) for p in dataset.pupils_in(class_id)}
            for subject in dataset.subjects:
                teacher = dataset.teacher_of(class_id, subject)
                activity = self.activity_ref(class_id, subject)
                body = {
                    "displayName": activity["displayName"],
                    "calendarEventsRequired": True,
                    **self.days(),
                    "activityType": "Undervisning",
                    "minutesPlanned": dataset.subjects[subject].weekly_hours
                    * LESSON_MINUTES
                    * 36,
                    "groups": [self.group_ref(class_id, subject)],
                    "teachers": [{"duty": self.duty_ref(teacher.id)}],
                    "syllabus": ref(
                        self.ids("syllabus", subject), self.subject_name(subject)
                    ),
                    "organisation": self.unit_ref(),
                }
                yield Row(
                    activity["id"],
                    body,
                    {
                        "name": body["displayName"],
                        "members": members,
                        "teachers": {self.duty_id(teacher.id)},
                        "organisation": {self.unit_id, self.owner_id},
                        "groups": {
                            self.teaching_group(class_id, subject),
                            self.class_group(class_id),
                        },
                        **self.span(),
                    },
                )

    def calendar_events(self) -> Iterator[Row]:
        members: dict[str, frozenset[str]] = {}
        for lesson in self.lessons():
            state = (lesson.cancelled, lesson.substitute_id, lesson.room)
            known = self._kept.get(lesson.uid)
            if known is not None and known[0] == state:
                yield known[1]
                continue
            if lesson.class_id not in members:
                members[lesson.class_id] = self._members(lesson.class_id)
            yield self._row(
                lesson.uid,
                state,
                partial(self._event, lesson, members[lesson.class_id]),
            )

    def _event(self, lesson: Lesson, members: frozenset[str]) -> Row:
        dataset = self.dataset
        regular = dataset.teacher_of(lesson.class_id, lesson.subject).id
        body: dict[str, Any] = {
            "activity": self.activity_ref(lesson.class_id, lesson.subject),
            "startTime": self.at(lesson.start),
            "endTime": self.at(lesson.end),
            "cancelled": lesson.cancelled,
            "teachingLengthTeacher": LESSON_MINUTES,
            "teachingLengthStudent": LESSON_MINUTES,
            "rooms": [self.room_ref(lesson.room)],
        }
        if topic := lesson.topic.get("sv"):
            body["comment"] = topic
        if lesson.subject == COMPUTING:
            body["resources"] = [self.resource_ref()]
        teachers = {self.duty_id(regular)}
        if lesson.substitute_id:
            teachers.add(self.duty_id(lesson.substitute_id))
            body["teacherExceptions"] = [
                {"duty": self.duty_ref(regular), "participates": False},
                {"duty": self.duty_ref(lesson.substitute_id), "participates": True},
            ]
        return Row(
            self.event_id(lesson),
            body,
            {
                "activity": self.activity_id(lesson.class_id, lesson.subject),
                "members": members,
                "teachers": teachers,
                "organisation": {self.unit_id, self.owner_id},
                "groups": {
                    self.teaching_group(lesson.class_id, lesson.subject),
                    self.class_group(lesson.class_id),
                },
                "startTime": self.aware(lesson.start),
                "endTime": self.aware(lesson.end),
            },
        )

    def rooms(self) -> Iterator[Row]:
        names = sorted(
            {slot.room for slots in self.dataset.timetables.values() for slot in slots}
        )
        for name in names:
            room = self.room_ref(name)
            yield Row(
                room["id"],
                {"displayName": name, "seats": 30, "owner": self.unit_ref()},
                {"name": name, "organisation": {self.unit_id, self.owner_id}},
            )

    def resources(self) -> Iterator[Row]:
        resource = self.resource_ref()
        yield Row(
            resource["id"],
            {
                "displayName": resource["displayName"],
                "description": "30 bärbara datorer för programmeringslektionerna",
                "owner": self.unit_ref(),
            },
            {
                "name": resource["displayName"],
                "organisation": {self.unit_id, self.owner_id},
            },
        )

    def offerings(self) -> Iterator[Row]:
        yield Row(
            self.ids("offering", "unit"),
            {
                "offeredAt": self.unit_ref(),
                "offeredSyllabuses": [
                    ref(self.ids("syllabus", key), self.subject_name(key))
                    for key in self.dataset.subjects
                ],
                **self.days(),
            },
            {"organisation": {self.unit_id, self.owner_id}, **self.span()},
        )
