"""Tests of Webtop's parsing, on hand-written payloads of the documented shapes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.school_portal.api.errors import ConfigurationError, ProtocolError
from custom_components.school_portal.api.models import DisciplineKind, LessonStatus
from custom_components.school_portal.api.webtop import (
    _as_list,
    _envelope_data,
    clean_token,
    discipline_kind,
    discipline_rows,
    homework_from_lessons,
    normalize_server,
    parse_discipline,
    parse_message,
    parse_pupil,
    parse_week,
    week_start,
)

TZ = ZoneInfo("Asia/Jerusalem")
PUPIL_ROW = {
    "id": "ENC==",
    "firstName": "נועה",
    "lastName": "לוי",
    "classCode": 7,
    "classNum": 2,
    "studyYear": 2027,
    "schoolName": "תיכון",
}


def _pupil():
    return parse_pupil(PUPIL_ROW, None)


def test_pupil_keeps_a_name_based_id_and_the_session_context() -> None:
    pupil = _pupil()
    again = parse_pupil({**PUPIL_ROW, "id": "OTHER-SESSION=="}, None)
    assert pupil.id == again.id
    assert pupil.context["encrypted_id"] == "ENC=="
    assert pupil.class_name == "7-2"
    assert pupil.school == "תיכון"
    assert pupil.name == "נועה לוי"
    with pytest.raises(ProtocolError):
        parse_pupil({"firstName": "x"}, None)


@pytest.mark.parametrize(
    ("server", "base"),
    [
        (None, "https://webtopserver.smartschool.co.il"),
        ("webtopserver.smartschool.co.il", "https://webtopserver.smartschool.co.il"),
        ("http://127.0.0.1:8765/webtop/", "http://127.0.0.1:8765/webtop"),
    ],
)
def test_normalize_server(server: str | None, base: str) -> None:
    assert normalize_server(server) == base


@pytest.mark.parametrize("server", ["ftp://x", "https://", "http:///path"])
def test_normalize_server_refuses_unusable_values(server: str) -> None:
    with pytest.raises(ConfigurationError):
        normalize_server(server)


def test_clean_token_accepts_browser_pastes() -> None:
    assert clean_token(" abc%2Bdef%3D ") == "abc+def="
    assert clean_token("webToken=abc") == "abc"


def test_envelope() -> None:
    assert _envelope_data('{"status": true, "data": [1]}') == (True, [1], None)
    assert _envelope_data('{"status": false, "errorDescription": "x"}') == (
        False,
        None,
        "x",
    )
    with pytest.raises(ProtocolError):
        _envelope_data("<html>maintenance</html>")
    with pytest.raises(ProtocolError):
        _envelope_data('{"data": 1}')


def test_lists_come_bare_or_wrapped() -> None:
    assert _as_list([{"a": 1}, "junk"], "rows") == [{"a": 1}]
    assert _as_list({"rows": [{"a": 1}]}, "rows") == [{"a": 1}]
    assert _as_list(None, "rows") == []
    with pytest.raises(ProtocolError):
        _as_list({"rows": "nope"}, "rows")


def test_week_starts_on_sunday() -> None:
    assert week_start(date(2026, 11, 22)) == date(2026, 11, 22)  # a Sunday
    assert week_start(date(2026, 11, 28)) == date(2026, 11, 22)  # Saturday
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 22)


def _week() -> list[dict]:
    return [
        {
            "date": "2026-11-23T00:00:00",
            "dayIndex": 2,
            "hoursData": [
                {
                    "hour": 1,
                    "scheduale": [
                        {
                            "subject_name": "מתמטיקה",
                            "teacher": "כהן",
                            "descClass": "ז2",
                            "homeWork": "<p>עמוד 12</p>",
                            "room": "101",
                        }
                    ],
                },
                {
                    "hour": 2,
                    "startTime": "09:00",
                    "endTime": "09:50",
                    "scheduale": [
                        {
                            "subject_name": "אנגלית",
                            "teacher": "לוי",
                            "homeWork": "אין",
                            "isCanceled": True,
                        }
                    ],
                },
                {
                    "hour": 3,
                    "scheduale": [
                        {
                            "subject_name": "היסטוריה",
                            "teacher": "גל",
                            "substituteTeacher": "רון",
                            "changeDescription": "מילוי מקום",
                        }
                    ],
                },
            ],
        },
        {
            "date": "2026-11-25T00:00:00",
            "hoursData": [
                {
                    "hour": 4,
                    "scheduale": [{"subject_name": "מתמטיקה", "teacher": "כהן"}],
                }
            ],
        },
    ]


def test_week_parsing_times_statuses_and_homework() -> None:
    pupil = _pupil()
    lessons, set_in = parse_week(pupil, _week(), TZ)
    assert [lesson.subject for lesson in lessons] == [
        "מתמטיקה",
        "אנגלית",
        "היסטוריה",
        "מתמטיקה",
    ]
    maths, english, history, maths_again = lessons
    # Hour 1 without times: the bell schedule, in the school's zone.
    assert maths.start == datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    assert maths.end == datetime(2026, 11, 23, 8, 45, tzinfo=TZ)
    assert maths.rooms == ("101",)
    assert maths.status is LessonStatus.NORMAL
    # Explicit times win over the bell schedule.
    assert english.start == datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    assert english.status is LessonStatus.CANCELLED
    assert history.status is LessonStatus.CHANGED
    assert history.teachers == ("רון",)
    assert history.note == "מילוי מקום"
    # "אין" (none) is no homework; markup is stripped.
    assert [(lesson.uid, text) for lesson, text in set_in] == [(maths.uid, "עמוד 12")]

    homework = homework_from_lessons(pupil, set_in, lessons)
    assert len(homework) == 1
    assert homework[0].given == date(2026, 11, 23)
    assert homework[0].due == maths_again.start.date()
    assert homework[0].description == "עמוד 12"
    assert homework[0].teacher == "כהן"
    assert homework[0].done is None


def test_lesson_uid_survives_a_cancellation() -> None:
    pupil = _pupil()
    week = _week()
    before, _ = parse_week(pupil, week, TZ)
    week[0]["hoursData"][0]["scheduale"][0]["isCanceled"] = True
    after, _ = parse_week(pupil, week, TZ)
    assert before[0].uid == after[0].uid
    assert after[0].status is LessonStatus.CANCELLED


def test_homework_without_a_later_lesson_is_due_in_a_week() -> None:
    pupil = _pupil()
    lessons, set_in = parse_week(pupil, _week()[:1], TZ)
    (item,) = homework_from_lessons(pupil, set_in, lessons)
    assert item.due == date(2026, 11, 23) + timedelta(days=7)


def test_broken_days_are_protocol_errors() -> None:
    with pytest.raises(ProtocolError):
        parse_week(_pupil(), [{"hoursData": []}], TZ)


def test_an_hour_that_cannot_be_placed_is_left_out() -> None:
    day = {
        "date": "2026-11-23",
        "hoursData": [
            {"hour": 42, "scheduale": [{"subject_name": "?"}]},
            {"hour": 1, "scheduale": [{"subject_name": "מתמטיקה"}]},
        ],
    }
    lessons, _ = parse_week(_pupil(), [day], TZ)
    assert [lesson.subject for lesson in lessons] == ["מתמטיקה"]


def test_message_sender_comes_from_the_student_name_fields() -> None:
    message = parse_message(
        {
            "messageID": 77,
            "subject": "<b>טיול</b>",
            "sendingDate": "2026-11-20T10:15:00",
            "student_F_name": "רונית",
            "student_L_name": "מזכירות",
            "hasRead": 0,
            "filesWereAttached": 1,
        },
        TZ,
    )
    assert message.uid == "77"
    assert message.subject == "טיול"
    assert message.sender == "רונית מזכירות"
    assert message.read is False
    assert message.has_attachments is True
    assert message.received == datetime(2026, 11, 20, 10, 15, tzinfo=TZ)
    with pytest.raises(ProtocolError):
        parse_message({"subject": "x"}, TZ)


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("איחור", DisciplineKind.LATE),
        ("היעדרות", DisciplineKind.ABSENCE),
        ("חיסור לא מוצדק", DisciplineKind.ABSENCE),
        ("עונש", DisciplineKind.PUNISHMENT),
        ("חיזוק חיובי", DisciplineKind.PRAISE),
        ("הפרעה בשיעור", DisciplineKind.REMARK),
        ("ללא ציוד", DisciplineKind.REMARK),
        ("משהו אחר", DisciplineKind.OTHER),
    ],
)
def test_discipline_kinds(event_type: str, kind: DisciplineKind) -> None:
    assert discipline_kind(event_type) is kind


def test_discipline_event_time_and_stable_uid() -> None:
    row = {
        "eventType": "איחור",
        "eventDate": "2026-11-19T00:00:00",
        "hourNum": 2,
        "subjectName": "מתמטיקה",
        "teacherName": "כהן",
        "remark": "",
    }
    event = parse_discipline(_pupil(), row, TZ)
    assert event.when == datetime(2026, 11, 19, 8, 50, tzinfo=TZ)
    assert event.description == "איחור"
    assert event.uid == parse_discipline(_pupil(), dict(row), TZ).uid
    with pytest.raises(ProtocolError):
        parse_discipline(_pupil(), {"eventType": "x"}, TZ)


ABSENCE_ROW = {
    "eventType": "היעדרות",
    "eventDate": "2026-11-16T00:00:00",
    "hourNum": 3,
    "subjectName": "אנגלית",
    "teacherName": "לוי",
    "remark": "null",
}


@pytest.mark.parametrize(
    "data",
    [
        [ABSENCE_ROW],
        {"diciplineEvents": [ABSENCE_ROW]},
        {"allowToViewThis": True, "dataTable": {"diciplineEvents": [ABSENCE_ROW]}},
        {"allowToViewThis": True, "dataTable": [ABSENCE_ROW]},
    ],
    ids=["list", "events", "data_table", "data_table_list"],
)
def test_discipline_events_come_in_every_shape_seen(data: object) -> None:
    assert discipline_rows(data) == [ABSENCE_ROW]


def test_a_hidden_or_unknown_discipline_view() -> None:
    # The school hides the view from parents: nothing to show, no error.
    assert discipline_rows({"allowToViewThis": False, "dataTable": None}) == []
    assert discipline_rows({"allowToViewThis": False}) == []
    # A shape nobody has seen is not read as "no events".
    with pytest.raises(ProtocolError):
        discipline_rows({"events": [ABSENCE_ROW]})


@pytest.mark.parametrize(
    ("extra", "justified", "description"),
    [
        # "null" is no remark: the event's type describes it.
        ({}, None, "היעדרות"),
        (
            {"isJustified": True, "justifiedReason": "אישור רפואי"},
            True,
            "היעדרות\nאישור רפואי",
        ),
        ({"isJustified": False, "justifiedReason": "null"}, False, "היעדרות"),
        (
            {"remark": "טיול משפחתי", "isJustified": 1, "justifiedReason": "הורים"},
            True,
            "טיול משפחתי\nהורים",
        ),
    ],
)
def test_discipline_null_remark_and_justification(
    extra: dict[str, object], justified: bool | None, description: str
) -> None:
    event = parse_discipline(_pupil(), {**ABSENCE_ROW, **extra}, TZ)
    assert event.justified is justified
    assert event.description == description
    # Excusing an absence does not make it another event.
    assert event.uid == parse_discipline(_pupil(), ABSENCE_ROW, TZ).uid


def test_a_null_teacher_is_no_teacher() -> None:
    row = {**ABSENCE_ROW, "teacherName": "null"}
    assert parse_discipline(_pupil(), row, TZ).teacher is None
