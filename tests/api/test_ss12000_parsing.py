"""SS12000 payloads: our own fixtures in the shapes of Skolverket's reference data.

Skolverket's sample data has ids that are no UUIDs, no `meta`, references
with and without `displayName`: the parser takes all of them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.school_portal.api.models import DisciplineKind, LessonStatus
from custom_components.school_portal.api.ss12000.parse import (
    civic_number,
    is_uuid,
    modified,
    parse_absence,
    parse_attendance,
    parse_grade,
    parse_lesson,
    parse_student,
    person_label,
    responsible_for,
    rows,
    subject_of,
)

TZ = ZoneInfo("Europe/Stockholm")

# A person like the reference data's: an id that is no UUID, no meta.
PERSON: dict[str, Any] = {
    "id": "987654321",
    "givenName": "Testa",
    "middleName": "Mellan",
    "familyName": "Provsson",
    "eduPersonPrincipalNames": ["elev9@exempelskolan.se"],
    "civicNo": {"value": "201002030405", "nationality": "SE"},
    "emails": [{"value": "elev9@exempelskolan.se", "type": "Skola elev"}],
    "enrolments": [
        {
            "enroledAt": {
                "id": "aa592db1-912b-57fe-8cf6-df5f81522f01",
                "displayName": "Exempelskolan",
            },
            "schoolYear": 7,
            "schoolType": "GR",
            "cancelled": False,
        }
    ],
}

# An activity like the reference data's: references without names.
ACTIVITY: dict[str, Any] = {
    "id": "11a85f64-5717-4562-b3fc-2c963f66afa7",
    "displayName": "Svenska 7B",
    "activityType": "Undervisning",
    "groups": [{"id": "11a85f64-5717-4562-b3fc-2c963f66afa5"}],
    "teachers": [{"duty": {"id": "11a85f64-5717-4562-b3fc-2c963f66afa4"}}],
    "organisation": {"id": "11a85f64-5717-4562-b3fc-2c963f66afa3"},
}


def test_reference_shaped_person() -> None:
    student = parse_student(PERSON)
    assert (student.id, student.first_name, student.last_name) == (
        "987654321",
        "Testa Mellan",
        "Provsson",
    )
    assert student.school == "Exempelskolan"
    assert student.class_name is None
    assert modified(PERSON, TZ) is None
    assert person_label({"id": "x"}) == "x"
    assert responsible_for(PERSON) == []


def test_group_membership_names_the_class() -> None:
    person = {
        **PERSON,
        "_embedded": {
            "groupMemberships": [
                {"group": {"displayName": "Musik", "groupType": "Undervisning"}},
                {"group": {"displayName": "7B", "groupType": "Klass"}},
            ]
        },
    }
    assert parse_student(person).class_name == "7B"


def test_lesson_from_reference_names() -> None:
    event = {
        "id": "e9",
        "activity": {"id": ACTIVITY["id"], "displayName": "Svenska 7B"},
        "startTime": "2026-11-18T08:15:00+01:00",
        "endTime": "2026-11-18T09:00:00+01:00",
        "cancelled": True,
        "rooms": [{"id": "r1", "displayName": "B12"}, {"id": "r2"}],
    }
    lesson = parse_lesson(event, "p", TZ)
    assert lesson is not None
    assert lesson.subject == "Svenska 7B"
    assert lesson.rooms == ("B12",)
    assert lesson.status is LessonStatus.CANCELLED
    assert lesson.teachers == ()


def test_lesson_from_a_known_activity_and_its_syllabus() -> None:
    activity = {
        **ACTIVITY,
        "teachers": [{"duty": {"id": "d", "displayName": "Eva Lärare"}}],
        "_embedded": {"syllabus": {"subjectName": "Svenska"}},
    }
    event = {
        "id": "e9",
        "activity": {"id": ACTIVITY["id"]},
        "startTime": "2026-11-18T08:15:00+01:00",
        "endTime": "2026-11-18T09:00:00+01:00",
        "studentExceptions": [
            {"student": {"id": "other"}, "participates": False},
            {
                "student": {"id": "p"},
                "participates": True,
                "startTime": "2026-11-18T08:30:00+01:00",
            },
        ],
    }
    lesson = parse_lesson(event, "p", TZ, {ACTIVITY["id"]: activity})
    assert lesson is not None
    assert lesson.subject == "Svenska"
    assert lesson.teachers == ("Eva Lärare",)
    assert lesson.start == datetime(2026, 11, 18, 8, 30, tzinfo=TZ)
    assert parse_lesson({"id": "x", "startTime": "soon"}, "p", TZ) is None
    assert subject_of(None, "fallback") == "fallback"


def test_attendance_and_absence() -> None:
    present = {"id": "a", "calendarEvent": {"id": "e"}, "attendanceMinutes": 45}
    assert parse_attendance(present, TZ) is None
    away = {
        "id": "a",
        "calendarEvent": {"id": "e", "displayName": "Svenska"},
        "validAbsenceMinutes": 45,
        "absenceReason": "Sjuk",
        "reportedTimestamp": "2026-11-18T09:00:00+01:00",
    }
    event = parse_attendance(away, TZ)
    assert event is not None
    assert (event.subject, event.description, event.justified) == (
        "Svenska",
        "Sjuk (45 min)",
        True,
    )
    assert parse_attendance({"id": "a", "validAbsenceMinutes": 5}, TZ) is None
    leave = parse_absence(
        {
            "id": "b",
            "startTime": "2026-11-18T08:00:00+01:00",
            "type": "Beviljad ledighet",
            "registeredBy": {"id": "t", "displayName": "Rektor"},
        },
        TZ,
    )
    assert leave is not None
    assert leave.kind is DisciplineKind.ABSENCE
    assert (leave.justified, leave.teacher, leave.description) == (
        True,
        "Rektor",
        "Beviljad ledighet",
    )
    assert parse_absence({"id": "b"}, TZ) is None


def test_grade() -> None:
    grade = parse_grade(
        {
            "id": "g",
            "registeredDate": "2026-06-10",
            "gradeValue": "A",
            "finalGrade": False,
            "trial": True,
            "remark": "Bra",
            "group": {"id": "g1", "displayName": "Ma 9"},
        }
    )
    assert grade is not None
    assert (grade.subject, grade.when, grade.description, grade.period) == (
        "Ma 9",
        date(2026, 6, 10),
        "Prövning · Bra",
        None,
    )
    assert parse_grade({"id": "g", "registeredDate": "2026-06-10"}) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("201002030405", "201002030405"),
        ("20100203-0405", "201002030405"),
        ("100203-0405", "201002030405"),
        ("100263-0405", "201002630405"),  # samordningsnummer
        ("100203 0405", "201002030405"),
        ("20100203-04T5", "20100203-04T5"[:8] + "04T5"),
    ],
)
def test_civic_numbers(typed: str, stored: str) -> None:
    assert civic_number(typed, 2026) == stored


def test_ids() -> None:
    assert is_uuid("3fa85f64-5717-4562-b3fc-2c963f66afa7")
    assert not is_uuid("123456789")
    assert rows({"not": "a list"}) == []


def test_substitute_changes_the_lesson() -> None:
    activity = {
        **ACTIVITY,
        "teachers": [{"duty": {"id": "d1", "displayName": "Eva Lärare"}}],
    }
    event = {
        "id": "e9",
        "activity": {"id": ACTIVITY["id"]},
        "startTime": "2026-11-18T08:15:00+01:00",
        "endTime": "2026-11-18T09:00:00+01:00",
        "teacherExceptions": [
            {"duty": {"id": "d1"}, "participates": False},
            {"duty": {"id": "d2", "displayName": "Per Vikarie"}, "participates": True},
            {"duty": {}, "participates": True},
        ],
    }
    lesson = parse_lesson(event, "p", TZ, {ACTIVITY["id"]: activity})
    assert lesson is not None
    assert lesson.status is LessonStatus.CHANGED
    assert lesson.teachers == ("Per Vikarie",)
    assert lesson.original_teachers == ("Eva Lärare",)
