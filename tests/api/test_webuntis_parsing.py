"""WebUntis wire helpers and parsers, on recorded-style payloads."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from custom_components.school_portal.api.client import SessionExpired
from custom_components.school_portal.api.errors import (
    AccountLocked,
    AuthenticationError,
    ConfigurationError,
    NotSupported,
    ProtocolError,
    UnknownSchool,
)
from custom_components.school_portal.api.models import (
    DisciplineKind,
    LessonStatus,
    Student,
)
from custom_components.school_portal.api.util import HttpResponse
from custom_components.school_portal.api.webuntis import (
    DateNotAllowed,
    NoRight,
    normalize_secret,
    normalize_server,
    parse_qr_link,
    totp,
)
from custom_components.school_portal.api.webuntis.parse import (
    absence_reasons,
    classreg_kind,
    parse_absence,
    parse_classreg_event,
    parse_element,
    parse_holiday,
    parse_homework,
    parse_message,
    parse_news,
    parse_period,
    parse_rest_exam,
    parse_school_year,
    split_name,
    untis_date,
    untis_time,
)
from custom_components.school_portal.api.webuntis.wire import (
    decode_rest,
    decode_rpc,
    jwt_lifetime,
)

TZ = ZoneInfo("Europe/Vienna")
PUPIL = Student(id="pupil", first_name="A", last_name="B", context={"person_id": "7"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("nessa.webuntis.com", "https://nessa.webuntis.com/WebUntis/jsonrpc.do"),
        (
            " https://Nessa.WebUntis.com/ ",
            "https://nessa.webuntis.com/WebUntis/jsonrpc.do",
        ),
        (
            "https://nessa.webuntis.com/WebUntis/jsonrpc.do?school=x",
            "https://nessa.webuntis.com/WebUntis/jsonrpc.do",
        ),
        (
            "https://nessa.webuntis.com/WebUntis/?school=abc#/basic/login",
            "https://nessa.webuntis.com/WebUntis/jsonrpc.do",
        ),
        (
            "https://nessa.webuntis.com/WebUntis/jsonrpc_intern.do",
            "https://nessa.webuntis.com/WebUntis/jsonrpc.do",
        ),
        (
            "http://127.0.0.1:8765/webuntis",
            "http://127.0.0.1:8765/webuntis/WebUntis/jsonrpc.do",
        ),
    ],
)
def test_normalize_server(given: str, expected: str) -> None:
    assert normalize_server(given) == expected


@pytest.mark.parametrize(
    "given",
    ["", "   ", "ftp://host", "https://", "https://bad host!", "http://h:99999"],
)
def test_unusable_servers(given: str) -> None:
    with pytest.raises(ConfigurationError):
        normalize_server(given)


def test_secrets_and_qr_links() -> None:
    assert normalize_secret(" jbsw y3dp-ehpk3pxp ") == "JBSWY3DPEHPK3PXP"
    for bad in ("", "not base32!", "ABC1"):
        with pytest.raises(ConfigurationError):
            normalize_secret(bad)
    link = "untis://setschool?url=nessa.webuntis.com&school=demo%20school&user=anna&key=jbswy3dpehpk3pxp"
    assert parse_qr_link(link) == {
        "server": "nessa.webuntis.com",
        "school": "demo school",
        "username": "anna",
        "secret": "JBSWY3DPEHPK3PXP",
    }
    for bad in (
        "https://nessa.webuntis.com",
        "untis://setschool?url=x&school=y&user=z",
        "untis://setschool?url=x&school=&user=z&key=AAAA",
        "untis://other?url=x&school=y&user=z&key=AAAA",
    ):
        with pytest.raises(ConfigurationError):
            parse_qr_link(bad)


@pytest.mark.parametrize(
    ("moment", "code"),
    [
        (59, "287082"),
        (1111111109, "081804"),
        (1234567890, "005924"),
        (2000000000, "279037"),
    ],
)
def test_totp_matches_rfc_6238(moment: int, code: str) -> None:
    # RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (last six digits).
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp(secret, datetime.fromtimestamp(moment, UTC)) == code


def test_dates_and_times_as_ints_and_strings() -> None:
    assert untis_date(20261118) == untis_date("20261118") == date(2026, 11, 18)
    assert untis_date("2026-11-18T00:00:00") == date(2026, 11, 18)
    assert untis_date(20261340) is None
    assert untis_date(None) is None
    assert untis_date(True) is None
    assert untis_time(745) == untis_time("745") == untis_time("0745") == time(7, 45)
    assert untis_time(0) == time(0, 0)
    assert untis_time("13:05") == time(13, 5)
    for bad in (None, True, "2460", "12345", "ab", "25:00"):
        assert untis_time(bad) is None


def test_period_statuses_and_names() -> None:
    base = {
        "id": 42,
        "date": 20261118,
        "startTime": 745,
        "endTime": "830",
        "kl": [{"id": 1, "name": "1A"}],
        "su": [{"id": 3, "name": "M", "longname": "Mathematik"}],
        "ro": [{"id": 9, "name": "B204", "longname": "Raum B204"}],
        "te": [{"id": 2, "name": "MUE", "longname": "Müller"}],
    }
    normal = parse_period("owner", base, TZ)
    assert normal.status is LessonStatus.NORMAL
    assert (normal.subject, normal.teachers, normal.rooms) == (
        "Mathematik",
        ("Müller",),
        ("B204",),
    )
    assert normal.start == datetime(2026, 11, 18, 7, 45, tzinfo=TZ)
    assert normal.note is None
    cancelled = parse_period(
        "owner", {**base, "code": "cancelled", "substText": "<b>Entfall</b>"}, TZ
    )
    assert cancelled.status is LessonStatus.CANCELLED
    assert cancelled.note == "Entfall"
    assert cancelled.uid == normal.uid
    moved = parse_period(
        "owner",
        {**base, "ro": [{"id": 8, "name": "A1", "orgid": 9, "orgname": "B204"}]},
        TZ,
    )
    assert moved.status is LessonStatus.CHANGED
    assert (moved.rooms, moved.original_rooms) == (("A1",), ("B204",))
    irregular = parse_period(
        "owner", {**base, "code": "irregular", "lstext": "Ausflug"}, TZ
    )
    assert irregular.status is LessonStatus.CHANGED
    assert irregular.note == "Ausflug"
    exam = parse_period("owner", {**base, "lstype": "ex"}, TZ)
    assert exam.status is LessonStatus.EXAM
    assert parse_period("other", base, TZ).uid != normal.uid
    # Ids only (the flat form): names come from the master data when given.
    bare = {
        **base,
        "su": [{"id": 3}],
        "te": [{"id": 4, "orgid": 2}],
        "ro": [{"id": 9}],
    }
    lookups = {
        "subject": {3: "Mathematik"},
        "teacher": {2: "Müller", 4: "Huber"},
        "room": {9: "B204"},
    }
    named = parse_period("owner", bare, TZ, lookups)
    assert (named.subject, named.teachers, named.original_teachers, named.rooms) == (
        "Mathematik",
        ("Huber",),
        ("Müller",),
        ("B204",),
    )
    assert named.status is LessonStatus.CHANGED
    unnamed = parse_period("owner", {**bare, "id": None}, TZ)
    assert unnamed.subject == "?"
    with pytest.raises(ProtocolError):
        parse_period("owner", {**base, "startTime": None}, TZ)


def test_homework_for_one_pupil() -> None:
    data = {
        "homeworks": [
            {
                "id": 1,
                "lessonId": 10,
                "date": 20261110,
                "dueDate": 20261118,
                "text": "<p>S. 12</p>",
                "remark": "Heft",
                "completed": True,
                "attachments": [{"name": "a.pdf"}],
            },
            {
                "id": 2,
                "lessonId": 11,
                "date": 20261111,
                "dueDate": "20261119",
                "text": "Lesen",
                "completed": None,
            },
            {
                "id": 3,
                "lessonId": 10,
                "date": 20261111,
                "dueDate": 20261119,
                "text": "Nicht für mich",
            },
        ],
        "lessons": [
            {"id": 10, "subject": "Deutsch"},
            {"id": 11, "subject": "Englisch"},
        ],
        "records": [
            {"homeworkId": 1, "teacherId": 5, "elementIds": [7]},
            {"homeworkId": 3, "teacherId": 5, "elementIds": [8]},
        ],
        "teachers": [{"id": 5, "name": "Huber"}],
    }
    items = parse_homework(PUPIL, data, 7)
    assert [(h.subject, h.due, h.done) for h in items] == [
        ("Deutsch", date(2026, 11, 18), True),
        ("Englisch", date(2026, 11, 19), None),
    ]
    assert items[0].description == "S. 12\nHeft"
    assert items[0].teacher == "Huber"
    assert items[0].attachments == ("a.pdf",)
    assert items[1].teacher is None
    assert len(parse_homework(PUPIL, data, None)) == 3
    with pytest.raises(ProtocolError):
        parse_homework(PUPIL, {"homeworks": [{"id": 9}]}, None)
    with pytest.raises(ProtocolError):
        parse_homework(PUPIL, {"homeworks": {"id": 9}}, None)


def test_exams_absences_and_class_register() -> None:
    exam = parse_rest_exam(
        PUPIL,
        {
            "id": 1,
            "examDate": 20261120,
            "startTime": 800,
            "endTime": 845,
            "subject": "Mathematik",
            "name": "Schularbeit",
            "text": "Kapitel 3",
        },
        TZ,
    )
    assert exam.start == datetime(2026, 11, 20, 8, tzinfo=TZ)
    assert (exam.subject, exam.description) == ("Mathematik", "Schularbeit\nKapitel 3")
    with pytest.raises(ProtocolError):
        parse_rest_exam(PUPIL, {"id": 1}, TZ)

    absence = parse_absence(
        PUPIL,
        {
            "id": 3,
            "startDate": 20261102,
            "startTime": 850,
            "reason": "Krankheit",
            "isExcused": True,
        },
        TZ,
    )
    assert absence.kind is DisciplineKind.ABSENCE
    assert absence.justified is True
    assert absence.description == "Krankheit"
    assert absence.when == datetime(2026, 11, 2, 8, 50, tzinfo=TZ)
    unknown = parse_absence(
        PUPIL, {"id": 4, "startDate": 20261102, "isExcused": "?"}, TZ
    )
    assert unknown.justified is None
    with pytest.raises(ProtocolError):
        parse_absence(PUPIL, {"id": 4}, TZ)

    event = parse_classreg_event(
        PUPIL,
        {
            "id": 5,
            "date": 20261103,
            "reason": "Verspätung",
            "text": "",
            "subject": "Sport",
        },
        TZ,
    )
    assert event.kind is DisciplineKind.LATE
    assert event.description == "Verspätung"
    assert event.subject == "Sport"
    with pytest.raises(ProtocolError):
        parse_classreg_event(PUPIL, {"reason": "x"}, TZ)
    assert classreg_kind("Lob") is DisciplineKind.PRAISE
    assert classreg_kind("Nachsitzen") is DisciplineKind.PUNISHMENT
    assert classreg_kind("Unterrichtsstörung") is DisciplineKind.REMARK


def test_messages_news_master_data() -> None:
    message = parse_message(
        {
            "id": 11,
            "subject": "Elternabend",
            "contentPreview": "<p>Am Montag</p>",
            "sentDateTime": "2026-11-18T07:30",
            "isMessageRead": False,
            "hasAttachments": True,
            "sender": {"displayName": "Frau Huber"},
        },
        TZ,
    )
    assert (message.uid, message.sender, message.preview, message.read) == (
        "11",
        "Frau Huber",
        "Am Montag",
        False,
    )
    assert message.received == datetime(2026, 11, 18, 7, 30, tzinfo=TZ)
    assert message.has_attachments
    with pytest.raises(ProtocolError):
        parse_message({"id": 1}, TZ)
    notes = parse_news(
        {
            "messagesOfDay": [
                {"id": 1, "subject": "Info", "text": "<p>Schulfrei</p>"},
                {"id": 2},
            ]
        },
        date(2026, 11, 18),
        TZ,
    )
    assert [n.text for n in notes] == ["Info\nSchulfrei"]
    holiday = parse_holiday(
        {
            "id": 1,
            "name": "Herbst",
            "longName": "Herbstferien",
            "startDate": 20261026,
            "endDate": 20261030,
        }
    )
    assert (holiday.name, holiday.start, holiday.end) == (
        "Herbstferien",
        date(2026, 10, 26),
        date(2026, 10, 30),
    )
    iso = parse_holiday(
        {
            "id": 1,
            "name": "Herbst",
            "start": "2026-10-26T00:00:00",
            "end": "2026-10-30T23:59:59",
        }
    )
    assert (iso.start, iso.end) == (date(2026, 10, 26), date(2026, 10, 30))
    with pytest.raises(ProtocolError):
        parse_holiday({"name": "x"})
    year = parse_school_year(
        {"id": 2, "name": "2026/2027", "startDate": 20260901, "endDate": "20270620"}
    )
    assert year.end == date(2027, 6, 20)
    with pytest.raises(ProtocolError):
        parse_school_year({"id": 2})
    element = parse_element(
        {"id": 3, "name": "BAR", "longName": "Bar", "foreName": "Ruth"}
    )
    assert (element.name, element.long_name, element.fore_name) == (
        "BAR",
        "Bar",
        "Ruth",
    )
    with pytest.raises(ProtocolError):
        parse_element({"name": "x"})
    assert split_name("Anna Maria Huber") == ("Anna Maria", "Huber")
    assert split_name("Huber") == ("Huber", "")


def test_rpc_envelopes_and_errors() -> None:
    def decode(status: int, text: str, login: bool = False) -> object:
        return decode_rpc(HttpResponse(status, text, {}), "1", login=login)

    assert decode(200, '{"jsonrpc":"2.0","id":"1","result":[1]}') == [1]
    assert decode(200, '{"id":"1","result":null}') is None
    with pytest.raises(ProtocolError):
        decode(200, '{"id":"2","result":[]}')
    with pytest.raises(ProtocolError):
        decode(200, '{"id":"1"}')
    with pytest.raises(ProtocolError):
        decode(200, "[]")
    with pytest.raises(ProtocolError):
        decode(200, '{"id": "1", "res')
    with pytest.raises(ConfigurationError):
        decode(404, "Not Found", login=True)
    with pytest.raises(ConfigurationError):
        decode(200, "<html></html>", login=True)
    with pytest.raises(ProtocolError):
        decode(200, "<html></html>")
    for code, error in (
        (-8520, SessionExpired),
        (-8504, AuthenticationError),
        (-8500, UnknownSchool),
        (-8998, AccountLocked),
        (-8509, NoRight),
        (-7004, DateNotAllowed),
        (-8507, DateNotAllowed),
        (-32601, NotSupported),
        (-6003, ProtocolError),
    ):
        with pytest.raises(error):
            decode(
                200, f'{{"id":"1","error":{{"code":{code},"message":"Anna Huber"}}}}'
            )
    with pytest.raises(ProtocolError) as caught:
        decode(200, '{"id":"1","error":{"code":-8509,"message":"Anna Huber"}}')
    assert "Anna" not in str(caught.value)


def test_rest_answers() -> None:
    assert decode_rest(HttpResponse(200, '{"data": {"a": 1}}', {})) == {
        "data": {"a": 1}
    }
    for status, text, error in (
        (401, "", SessionExpired),
        (403, "", NoRight),
        (400, "{}", ProtocolError),
        (200, "<html>login</html>", SessionExpired),
        (200, "{broken", ProtocolError),
    ):
        with pytest.raises(error):
            decode_rest(HttpResponse(status, text, {}))


def test_jwt_lifetime() -> None:
    assert jwt_lifetime("a.eyJpYXQiOjEwMCwiZXhwIjo0MDB9.c") == 300
    assert jwt_lifetime("no-token") == 900
    assert jwt_lifetime("a.eyJpYXQiOjEwMCwiZXhwIjoxMDB9.c") == 900


def test_message_times_are_in_the_schools_zone() -> None:
    message = parse_message(
        {"id": 9, "subject": "x", "sentDateTime": "2026-11-18T07:30:00Z"}, TZ
    )
    assert message.received == datetime(2026, 11, 18, 8, 30, tzinfo=TZ)
    assert message.received.tzinfo is TZ


def test_an_edited_class_register_event_keeps_its_uid() -> None:
    row = {"id": 5, "date": 20261103, "reason": "Bemerkung", "text": "Heft vergessen"}
    edited = row | {"text": "Heft und Buch vergessen"}
    first = parse_classreg_event(PUPIL, row, TZ)
    assert parse_classreg_event(PUPIL, edited, TZ).uid == first.uid
    # Without an id (python-webuntis' rows) the content tells events apart.
    no_id = {key: value for key, value in row.items() if key != "id"}
    assert (
        parse_classreg_event(PUPIL, no_id, TZ).uid
        != parse_classreg_event(PUPIL, no_id | {"text": "anders"}, TZ).uid
    )


def test_lists_that_are_not_lists_are_protocol_errors() -> None:
    period = {"id": 1, "date": 20261118, "startTime": 800, "endTime": 845}
    for key in ("te", "ro", "su", "kl"):
        with pytest.raises(ProtocolError):
            parse_period("p", period | {key: 7}, TZ)
    with pytest.raises(ProtocolError):
        parse_homework(
            PUPIL,
            {
                "homeworks": [{"id": 1, "dueDate": 20261120}],
                "records": [{"homeworkId": 1, "elementIds": 1001}],
            },
            1001,
        )


REFUSAL = '{"errors":[{"code":"INTERNAL_ERROR","title":"Unerlaubter Zugriff"}]}'


@pytest.mark.parametrize("status", [200, 403])
def test_the_errors_body_is_a_refusal(status: int) -> None:
    """HA#153 (status not logged) and HA#160 (403) for /api/exams."""
    with pytest.raises(NoRight):
        decode_rest(HttpResponse(status, REFUSAL, {}))


def test_data_beside_errors_is_still_data() -> None:
    for text in (
        '{"data": {"exams": []}, "errors": [{"code": "X"}]}',
        '{"errors": []}',
    ):
        assert decode_rest(HttpResponse(200, text, {})) is not None


def test_homework_subject_only_as_su() -> None:
    """Lesson rows may name the subject only in ``su`` (MMM-old shows both)."""
    row = {"date": 20251211, "dueDate": 20251218, "text": "S. 4"}
    data = {
        "homeworks": [
            {**row, "id": 1, "lessonId": 10},
            {**row, "id": 2, "lessonId": 11},
        ],
        "lessons": [
            {"id": 10, "su": [{"id": 123, "name": "E", "longname": "Englisch"}]},
            {
                "id": 11,
                "subject": "Geographie",
                "su": [{"id": 124, "name": "GEO", "longname": "Erdkunde"}],
            },
        ],
    }
    assert [item.subject for item in parse_homework(PUPIL, data, None)] == [
        "Englisch",
        "Geographie",
    ]


@pytest.mark.parametrize("text", ["-", " - ", "--", "\u2013"])
def test_a_dash_is_no_homework_text(text: str) -> None:
    """Teachers type "-" when they write nothing: no text, yet still a homework.

    The row keeps its lesson, due date and done flag (recorded: MMM-Webuntis'
    sample), so the to-do item stays; only the placeholder is not shown.
    """
    data = {
        "homeworks": [
            {"id": 1, "lessonId": 10, "date": 20251211, "dueDate": 20251218,
             "text": text, "remark": ""},
            {"id": 2, "lessonId": 10, "date": 20251211, "dueDate": 20251218,
             "text": text, "remark": "Heft mitbringen"},
            {"id": 3, "lessonId": 10, "date": 20251211, "dueDate": 20251218,
             "text": "a-b"},
        ],
        "lessons": [{"id": 10, "subject": "Englisch"}],
    }  # fmt: skip
    items = parse_homework(PUPIL, data, None)
    assert [item.description for item in items] == ["", "Heft mitbringen", "a-b"]
    assert [item.subject for item in items] == ["Englisch"] * 3


def test_an_absence_reason_by_id() -> None:
    """``reasonId`` into ``absenceReasons`` (MMM-old: ``reason`` left empty)."""
    data = {
        "absences": [],
        "absenceReasons": [{"id": 1, "name": "krank"}, {"id": 2, "name": "Arzttermin"}],
    }
    reasons = absence_reasons(data)
    assert reasons == {1: "krank", 2: "Arzttermin"}
    row = {"id": 1001, "startDate": 20251119, "startTime": 750, "reason": ""}

    def description(**fields: object) -> str:
        return parse_absence(PUPIL, row | fields, TZ, reasons).description

    assert description(reasonId=2) == "Arzttermin"
    assert description(reasonId=1, text="Grippe") == "krank\nGrippe"
    assert description(reasonId=0) == ""  # as recorded: no reason given
    assert description(reasonId=2, reason="Krankheit") == "Krankheit"
    assert description(reason="Krankheit", text="Krankheit") == "Krankheit"
