"""pywebtop 0.0.2, unchanged, against the Webtop emulator."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from webtop import WebtopLoginError, WebtopRequestError

from sandbox.app import Sandbox
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD

from .conftest import TODAY, WebtopFactory

PUPIL = "dana.cohen"
PARENT = "levi.parent"


def _encrypted(sandbox: Sandbox, username: str, pupil_id: str) -> str:
    return sandbox.webtop.encrypted_id(username, pupil_id)


async def test_pupil_login_and_dashboard(
    sandbox: Sandbox, pywebtop: WebtopFactory
) -> None:
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    session = await client.login()
    assert session.first_name == "דנה"
    assert session.last_name == "כהן"
    assert session.school_name == sandbox.dataset.school.name("he")
    assert session.raw_login_data is not None
    assert session.raw_login_data["id"] == _encrypted(sandbox, PUPIL, "p1001")

    body = await client.get_students()
    assert body["status"] is True
    # A pupil's own login gets a bare list.
    assert body["data"] == [
        {
            "id": _encrypted(sandbox, PUPIL, "p1001"),
            "firstName": "דנה",
            "lastName": "כהן",
            "classCode": 8,
            "classNum": 1,
            "studyYear": 2027,
            "schoolName": sandbox.dataset.school.name("he"),
        }
    ]
    assert await client.get_linked_students() == []


async def test_parent_children_and_switch(
    sandbox: Sandbox, pywebtop: WebtopFactory
) -> None:
    client = await pywebtop(PARENT, PARENT_PASSWORD)
    first = await client.login()
    assert first.student_id is None
    assert first.first_name == "מרים"

    body = await client.get_students()
    children = body["data"]["childrens"]
    assert [(c["firstName"], c["lastName"]) for c in children] == [
        ("נועה", "לוי"),
        ("ארי", "לוי"),
    ]
    assert [(c["classCode"], c["classNum"]) for c in children] == [(9, 2), (7, 1)]

    linked = await client.get_linked_students()
    assert [row["studentLogin"] for row in linked] == ["noa.levi", "ari.levi"]
    assert linked[1]["studentId"] == children[1]["id"]

    switched = await client.switch_student(linked[1]["studentId"])
    assert switched.first_name == "ארי"
    assert switched.student_id == children[1]["id"]
    assert switched.token != first.token
    # The new token works.
    assert (await client.get_students())["status"] is True


async def test_switch_to_foreign_pupil_refused(
    sandbox: Sandbox, pywebtop: WebtopFactory
) -> None:
    client = await pywebtop(PARENT, PARENT_PASSWORD)
    await client.login()
    with pytest.raises(WebtopLoginError):
        await client.switch_student(_encrypted(sandbox, PUPIL, "p1001"))


async def test_homework_today(sandbox: Sandbox, pywebtop: WebtopFactory) -> None:
    dataset = sandbox.dataset
    lessons = dataset.lessons_on("p1001", TODAY)
    target = lessons[0]
    added = dataset.add_homework(
        "p1001", subject=target.subject, description="עמוד 42", given=TODAY
    )
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()

    body = await client.get_homework(
        encrypted_student_id=_encrypted(sandbox, PUPIL, "p1001"),
        class_code=8,
        class_number=1,
    )
    rows = body["data"]["dataTable"]
    expected = {
        lesson.hour for lesson in lessons if dataset.homework_given_in("p1001", lesson)
    }
    assert {row["hourNum"] for row in rows} == expected
    row = next(r for r in rows if r["hourNum"] == target.hour)
    assert "עמוד 42" in row["homeworkData"].splitlines()
    assert row["lesson"] == dataset.subjects[target.subject].name("he")
    assert added.due > TODAY

    # Another class's code is refused.
    wrong = await client.get_homework(
        encrypted_student_id=_encrypted(sandbox, PUPIL, "p1001"),
        class_code=9,
        class_number=1,
    )
    assert wrong["status"] is False
    assert wrong["errorDescription"] == "view is blocked"


async def test_schedule_week(sandbox: Sandbox, pywebtop: WebtopFactory) -> None:
    dataset = sandbox.dataset
    cancelled = dataset.cancel_lesson("p1001", TODAY, 2)
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()
    student = _encrypted(sandbox, PUPIL, "p1001")

    body = await client.get_pupil_schedule(
        study_year=2027, encrypted_student_id=student, class_code=8
    )
    days = body["data"]
    sunday = date(2026, 11, 15)
    assert [d["date"] for d in days] == [
        f"{sunday + timedelta(days=i)}T00:00:00" for i in range(6)
    ]
    assert [d["dayIndex"] for d in days] == [1, 2, 3, 4, 5, 6]
    assert days[0]["hoursData"] == []  # the timetable runs Monday to Friday
    today = days[3]
    expected = dataset.lessons_on("p1001", TODAY)
    assert [h["hour"] for h in today["hoursData"]] == [x.hour for x in expected]
    assert [h["scheduale"][0]["subject_name"] for h in today["hoursData"]] == [
        dataset.subjects[x.subject].name("he") for x in expected
    ]
    second = today["hoursData"][1]
    assert (second["startTime"], second["endTime"]) == ("08:50", "09:35")
    assert second["scheduale"][0]["isCanceled"] is True
    assert second["scheduale"][0]["subject_name"] == dataset.subjects[
        cancelled.subject
    ].name("he")
    assert "homeWork" not in second["scheduale"][0]

    next_week = await client.get_pupil_schedule(
        week_index=1, study_year=2027, encrypted_student_id=student, class_code=8
    )
    assert next_week["data"][0]["date"] == "2026-11-22T00:00:00"

    stale = await client.get_pupil_schedule(
        study_year=2026, encrypted_student_id=student, class_code=8
    )
    assert stale["status"] is False


async def test_schedule_shows_substitutions(
    sandbox: Sandbox, pywebtop: WebtopFactory
) -> None:
    dataset = sandbox.dataset
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()
    student = _encrypted(sandbox, PUPIL, "p1001")
    # Find a week with a substitution, reading at most ten weeks back.
    for week in range(0, -10, -1):
        body = await client.get_pupil_schedule(
            week_index=week, study_year=2027, encrypted_student_id=student, class_code=8
        )
        entries = [
            (day["date"][:10], hour["hour"], hour["scheduale"][0])
            for day in body["data"]
            for hour in day["hoursData"]
        ]
        changed = [e for e in entries if e[2]["substituteTeacher"]]
        if changed:
            break
    assert changed
    day, hour, entry = changed[0]
    lesson = next(
        x
        for x in dataset.lessons_on("p1001", date.fromisoformat(day))
        if x.hour == hour
    )
    assert lesson.substitute_id is not None
    assert entry["substituteTeacher"] == dataset.person(lesson.substitute_id).name_he
    assert entry["teacher"] == dataset.person(lesson.teacher_id).name_he


async def test_messages_paging_and_filters(
    sandbox: Sandbox, pywebtop: WebtopFactory
) -> None:
    inbox = sandbox.dataset.messages(PARENT)
    client = await pywebtop(PARENT, PARENT_PASSWORD)
    await client.login()

    first = (await client.get_messages_inbox())["data"]
    assert len(first) == 20
    assert [m["messageID"] for m in first] == [m.id for m in inbox[:20]]
    assert first[0]["subject"] == inbox[0].subject["he"]
    assert first[0]["student_F_name"] == inbox[0].sender.first_name_he
    dates = [m["sendingDate"] for m in first]
    assert dates == sorted(dates, reverse=True)

    pages = len(inbox) // 20
    last = (await client.get_messages_inbox(page_id=pages))["data"]
    assert [m["messageID"] for m in last] == [
        m.id for m in inbox[(pages - 1) * 20 :][:20]
    ]
    beyond = (await client.get_messages_inbox(page_id=pages + 2))["data"]
    assert beyond == []

    unread = (await client.get_messages_inbox(has_read=False))["data"]
    assert [m["messageID"] for m in unread] == [m.id for m in inbox if not m.read][:20]
    assert unread
    assert {m["hasRead"] for m in unread} == {0}
    read = (await client.get_messages_inbox(has_read=True))["data"]
    assert {m["hasRead"] for m in read} == {1}

    found = (await client.get_messages_inbox(search_query="מזכירות"))["data"]
    expected = [m.id for m in inbox if m.sender.first_name_he == "מזכירות"][:20]
    assert [m["messageID"] for m in found] == expected
    assert found


async def test_new_message_is_first(sandbox: Sandbox, pywebtop: WebtopFactory) -> None:
    added = sandbox.dataset.add_message(
        PUPIL, subject="טיול שנתי", sender="חנה שמיר", body="פרטים בהמשך"
    )
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()
    rows = (await client.get_messages_inbox(search_query="טיול שנתי"))["data"]
    assert rows[0]["messageID"] == added.id
    assert (rows[0]["student_F_name"], rows[0]["student_L_name"]) == ("חנה", "שמיר")
    assert rows[0]["hasRead"] == 0
    newest = (await client.get_messages_inbox())["data"][0]
    assert newest["messageID"] == added.id


async def test_notifications(sandbox: Sandbox, pywebtop: WebtopFactory) -> None:
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()
    preview = await client.get_preview_unread_notifications()
    expected = [
        n.text["he"] for n in sandbox.dataset.notifications(PUPIL) if not n.read
    ]
    assert [n["message"] for n in preview["data"]["personalNotifications"]] == expected
    assert len(expected) == 5

    settings = await client.get_notification_settings(
        encrypted_student_id=_encrypted(sandbox, PUPIL, "p1001")
    )
    assert settings["status"] is True
    assert [s["name"] for s in settings["data"]["settings"]][:2] == ["הודעות", "ציונים"]


async def test_discipline_events(sandbox: Sandbox, pywebtop: WebtopFactory) -> None:
    dataset = sandbox.dataset
    dataset.add_discipline_event(
        "p1002", kind="late", day=TODAY, hour=3, subject="math", description="5 דקות"
    )
    client = await pywebtop(PARENT, PARENT_PASSWORD)
    await client.login()
    body = await client.get_discipline_events(
        encrypted_student_id=_encrypted(sandbox, PARENT, "p1002"), class_code=9
    )
    events = body["data"]["diciplineEvents"]
    assert len(events) == len(dataset.discipline("p1002"))
    assert events[0] == {
        "eventType": "איחור",
        "eventDate": "2026-11-18T00:00:00",
        "hourNum": 3,
        "subjectName": "מתמטיקה",
        "teacherName": dataset.teacher_of("c92", "math").name_he,
        "remark": "5 דקות",
    }
    labels = {e["eventType"] for e in events}
    assert labels <= {
        "היעדרות",
        "איחור",
        "הפרעה בשיעור",
        "ללא ציוד",
        "ללא שיעורי בית",
        "חיזוק חיובי",
        "עונש",
    }

    # The other child's events are hers only.
    ari = await client.get_discipline_events(
        encrypted_student_id=_encrypted(sandbox, PARENT, "p1003"), class_code=7
    )
    assert len(ari["data"]["diciplineEvents"]) == len(dataset.discipline("p1003"))
    assert "5 דקות" not in {e["remark"] for e in ari["data"]["diciplineEvents"]}


async def test_discipline_events_in_the_data_table_shape(
    sandbox: Sandbox, pywebtop: WebtopFactory
) -> None:
    sandbox.webtop.discipline_shape = "data_table"
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()
    body = await client.get_discipline_events(
        encrypted_student_id=_encrypted(sandbox, PUPIL, "p1001"), class_code=8
    )
    assert body["status"] is True
    assert body["data"]["allowToViewThis"] is True
    events = body["data"]["dataTable"]["diciplineEvents"]
    records = sandbox.dataset.discipline("p1001")[::-1]
    assert [e["eventType"] for e in events] == [r.label["he"] for r in records]
    assert [e["isJustified"] for e in events] == [r.justified for r in records]


async def test_messages_thirty_to_a_page(
    sandbox: Sandbox, pywebtop: WebtopFactory
) -> None:
    sandbox.webtop.page_size = 30
    inbox = sandbox.dataset.messages(PUPIL)
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()
    second = (await client.get_messages_inbox(page_id=2))["data"]
    assert [m["messageID"] for m in second] == [m.id for m in inbox[30:60]]
    assert {m["count"] for m in second} == {len(inbox)}


@pytest.mark.parametrize(
    ("username", "password"),
    [(PUPIL, "wrong"), ("nobody", PUPIL_PASSWORD), (PARENT, PUPIL_PASSWORD)],
)
async def test_bad_credentials(
    pywebtop: WebtopFactory, username: str, password: str
) -> None:
    client = await pywebtop(username, password)
    with pytest.raises(WebtopLoginError, match="status=false"):
        await client.login()


async def test_expired_session(sandbox: Sandbox, pywebtop: WebtopFactory) -> None:
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()
    assert (await client.get_students())["status"] is True
    sandbox.faults.set("webtop", "expire_sessions")
    with pytest.raises(WebtopRequestError, match="401"):
        await client.get_students()
    # A new login gets a working token.
    await client.login()
    assert (await client.get_students())["status"] is True


async def test_token_lifetime(sandbox: Sandbox, pywebtop: WebtopFactory) -> None:
    now = [1000.0]
    sandbox.webtop.clock = lambda: now[0]
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    await client.login()
    now[0] += 8.9 * 3600
    assert (await client.get_students())["status"] is True
    now[0] += 0.2 * 3600
    with pytest.raises(WebtopRequestError, match="401"):
        await client.get_students()


async def test_maintenance_blocks_login(
    sandbox: Sandbox, pywebtop: WebtopFactory
) -> None:
    sandbox.faults.set("webtop", "maintenance", count=1)
    client = await pywebtop(PUPIL, PUPIL_PASSWORD)
    with pytest.raises(WebtopLoginError, match="503"):
        await client.login()
    assert (await client.login()).first_name == "דנה"
    assert sandbox.log.count("webtop", "user/LoginByUserNameAndPassword") == 2
