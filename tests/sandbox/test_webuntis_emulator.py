"""The WebUntis emulator over raw HTTP: envelopes, sessions, errors, OTP, REST."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import Sandbox, create_app
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD
from sandbox.webuntis import SCHOOL, TENANT_ID, totp_code

RPC = f"/webuntis/WebUntis/jsonrpc.do?school={SCHOOL}"
INTERN = "/webuntis/WebUntis/jsonrpc_intern.do"
API = "/webuntis/WebUntis/api"
TODAY = date(2026, 11, 18)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=TODAY)


@pytest.fixture
async def client(socket_enabled: None, sandbox: Sandbox) -> AsyncGenerator[TestClient]:
    server = TestServer(create_app(sandbox), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client


async def rpc(
    client: TestClient,
    method: str,
    params: Any = None,
    *,
    sid: str | None = None,
    url: str = RPC,
    call_id: Any = "call-1",
) -> dict[str, Any]:
    headers = {"Cookie": f"JSESSIONID={sid}"} if sid else {}
    response = await client.post(
        url,
        data=json.dumps(
            {"id": call_id, "method": method, "params": params or {}, "jsonrpc": "2.0"}
        ),
        headers=headers,
    )
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    assert body["id"] == call_id
    return body


async def login(
    client: TestClient, user: str = "dana.cohen", password: str = PUPIL_PASSWORD
) -> str:
    body = await rpc(
        client, "authenticate", {"user": user, "password": password, "client": "t"}
    )
    return str(body["result"]["sessionId"])


async def rest_data(client: TestClient, path: str) -> Any:
    """``data`` of a REST GET on a new pupil session."""
    cookie = {"Cookie": f"JSESSIONID={await login(client)}"}
    response = await client.get(f"{API}/{path}", headers=cookie)
    assert response.status == 200
    return (await response.json())["data"]


async def test_authenticate_and_cookie(client: TestClient) -> None:
    response = await client.post(
        RPC,
        json={
            "id": 7,
            "method": "authenticate",
            "params": {"user": "dana.cohen", "password": PUPIL_PASSWORD},
            "jsonrpc": "2.0",
        },
    )
    body = await response.json()
    assert body["id"] == 7
    result = body["result"]
    assert (result["personType"], result["personId"]) == (5, 1001)
    assert response.cookies["JSESSIONID"].value == result["sessionId"]
    assert response.cookies["JSESSIONID"]["path"] == "/WebUntis"
    parent = await rpc(
        client,
        "authenticate",
        {"user": "LEVI.PARENT", "password": PARENT_PASSWORD},
    )
    assert parent["result"]["personType"] == 12
    assert "klasseId" not in parent["result"]


@pytest.mark.parametrize(
    ("url", "method", "params", "code"),
    [
        (RPC, "authenticate", {"user": "dana.cohen", "password": "x"}, -8504),
        (RPC, "authenticate", {"user": "nobody", "password": "x"}, -8504),
        (RPC, "authenticate", "bad", -32602),
        (RPC.replace(SCHOOL, "other"), "getKlassen", {}, -8500),
        (RPC, "getKlassen", {}, -8520),
        (RPC, "noSuchMethod", {}, -32601),
    ],
)
async def test_errors_without_a_session(
    client: TestClient, url: str, method: str, params: Any, code: int
) -> None:
    body = await rpc(client, method, params, url=url)
    assert body["error"]["code"] == code
    assert "result" not in body


async def test_bad_bodies(client: TestClient) -> None:
    response = await client.post(RPC, data="not json")
    assert (await response.json())["error"]["code"] == -32700
    response = await client.post(RPC, data="[1]")
    assert (await response.json())["error"]["code"] == -32700
    response = await client.post(INTERN, data="nope")
    assert (await response.json())["error"]["code"] == -32700


async def test_faults_at_login(client: TestClient, sandbox: Sandbox) -> None:
    sandbox.faults.set("webuntis", "two_factor", count=1)
    body = await rpc(
        client, "authenticate", {"user": "dana.cohen", "password": PUPIL_PASSWORD}
    )
    assert body["error"]["code"] == -8998
    sid = await login(client)
    sandbox.faults.set("webuntis", "password_changed")
    assert (await rpc(client, "getKlassen", sid=sid))["error"]["code"] == -8520
    body = await rpc(
        client, "authenticate", {"user": "dana.cohen", "password": PUPIL_PASSWORD}
    )
    assert body["error"]["code"] == -8504


async def test_sessions_expire(client: TestClient, sandbox: Sandbox) -> None:
    sid = await login(client)
    assert "result" in await rpc(client, "getRooms", sid=sid)
    sandbox.faults.set("webuntis", "expire_sessions")
    assert (await rpc(client, "getRooms", sid=sid))["error"]["code"] == -8520
    now = [0.0]
    sandbox.webuntis.clock = lambda: now[0]
    sid = await login(client)
    now[0] += 14 * 60
    assert "result" in await rpc(client, "getRooms", sid=sid)
    now[0] += 16 * 60
    assert (await rpc(client, "getRooms", sid=sid))["error"]["code"] == -8520
    sid = await login(client)
    assert (await rpc(client, "logout", sid=sid))["result"] is None
    assert (await rpc(client, "getRooms", sid=sid))["error"]["code"] == -8520


async def test_timetable_forms_and_rights(client: TestClient, sandbox: Sandbox) -> None:
    sid = await login(client)
    flat = await rpc(
        client,
        "getTimetable",
        {"id": 1001, "type": 5, "startDate": 20261118, "endDate": 20261118},
        sid=sid,
    )
    strings = await rpc(
        client,
        "getTimetable",
        {
            "options": {
                "element": {"id": "1001", "type": "5"},
                "startDate": "20261118",
                "endDate": "20261118",
                "teacherFields": ["id", "name", "longname"],
            }
        },
        sid=sid,
    )
    today = await rpc(
        client,
        "getTimetable",
        {"options": {"element": {"id": 1001, "type": 5}}},
        sid=sid,
    )
    lessons = sandbox.dataset.lessons_on("p1001", TODAY)
    assert [p["startTime"] for p in flat["result"]] == [
        x.start.hour * 100 + x.start.minute for x in lessons
    ]
    assert flat["result"][0]["date"] == 20261118
    assert "name" not in flat["result"][0]["te"][0]
    assert "name" in strings["result"][0]["te"][0]
    assert today["result"] == flat["result"]
    for params, code in (
        ({"id": 1002, "type": 5, "startDate": 20261118, "endDate": 20261118}, -8509),
        ({"id": 1, "type": 12, "startDate": 20261118, "endDate": 20261118}, -8509),
        ({"id": 1001, "type": 5, "startDate": 20270705, "endDate": 20270706}, -7004),
        ({"id": 1001, "type": 5, "startDate": 20261120, "endDate": 20261118}, -7004),
        ({"id": 1001, "type": 5, "startDate": "2026-11-18"}, -32602),
        ({"id": "x", "type": 5}, -32602),
        ({"options": {"element": 5}}, -32602),
    ):
        body = await rpc(client, "getTimetable", params, sid=sid)
        assert body["error"]["code"] == code, params
    assert (await rpc(client, "getStudents", sid=sid))["error"]["code"] == -8509
    sandbox.webuntis.forbidden.add("getRooms")
    assert (await rpc(client, "getRooms", sid=sid))["error"]["code"] == -8509
    unknown_class = await rpc(
        client,
        "getTimetable",
        {"id": 99, "type": 1, "startDate": 20261118, "endDate": 20261118},
        sid=sid,
    )
    assert unknown_class["result"] == []


async def test_import_time_moves_on_changes(
    client: TestClient, sandbox: Sandbox
) -> None:
    sid = await login(client)

    async def stamp() -> int:
        return int((await rpc(client, "getLatestImportTime", sid=sid))["result"])

    first = await stamp()
    assert first > 0
    assert await stamp() == first
    sandbox.dataset.cancel_lesson("p1001", TODAY, 1)
    second = await stamp()
    assert second > first
    # A change made by hand is noticed too.
    lesson = sandbox.dataset.lessons_on("p1001", TODAY)[3]
    lesson.substitute_id = "t01" if lesson.teacher_id != "t01" else "t02"
    third = await stamp()
    assert third > second
    sandbox.webuntis.touch()
    assert await stamp() > third


async def test_otp_login(client: TestClient, sandbox: Sandbox) -> None:
    emulator = sandbox.webuntis
    emulator.wall_clock = lambda: 1_800_000_000.0
    secret = emulator.secret("dana.cohen")
    shared = await rpc(
        client,
        "getAppSharedSecret",
        [{"userName": "dana.cohen", "password": PUPIL_PASSWORD}],
        url=f"{INTERN}?m=getAppSharedSecret&school={SCHOOL}&v=i3.5",
    )
    assert shared["result"] == secret
    wrong = await rpc(
        client,
        "getAppSharedSecret",
        [{"userName": "dana.cohen", "password": "x"}],
        url=f"{INTERN}?m=getAppSharedSecret&school={SCHOOL}",
    )
    assert wrong["error"]["code"] == -8504

    async def otp_login(code: str, user: str = "dana.cohen") -> Any:
        return await client.post(
            f"{INTERN}?m=getUserData2017&school={SCHOOL}&v=i2.2",
            json={
                "id": "otp",
                "method": "getUserData2017",
                "params": [{"auth": {"clientTime": 0, "user": user, "otp": code}}],
                "jsonrpc": "2.0",
            },
        )

    for step in (-1, 0, 1):
        response = await otp_login(totp_code(secret, 1_800_000_000.0, step))
        body = await response.json()
        assert body["result"]["userData"]["elemId"] == 1001
        assert response.cookies["JSESSIONID"].value
    stale = await (await otp_login(totp_code(secret, 1_800_000_000.0, -3))).json()
    assert stale["error"]["code"] == -8504
    stranger = await (await otp_login("123456", "nobody")).json()
    assert stranger["error"]["code"] == -8504
    response = await otp_login(totp_code(secret, 1_800_000_000.0))
    sid = response.cookies["JSESSIONID"].value
    config = await client.get(
        f"{API}/app/config", headers={"Cookie": f"JSESSIONID={sid}"}
    )
    user = (await config.json())["data"]["loginServiceConfig"]["user"]
    assert user["personId"] == 1001
    assert user["persons"] == [{"id": 1001, "type": 5, "displayName": "Dana Cohen"}]
    day = await client.get(
        f"{API}/daytimetable/config", headers={"Cookie": f"JSESSIONID={sid}"}
    )
    assert (await day.json())["data"]["klasseId"] == 3

    other = await rpc(client, "x", [], url=f"{INTERN}?m=nothing&school={SCHOOL}")
    assert other["error"]["code"] == -32601
    school = await rpc(client, "x", [], url=f"{INTERN}?m=getUserData2017&school=zz")
    assert school["error"]["code"] == -8500
    no_auth = await rpc(
        client, "x", [{}], url=f"{INTERN}?m=getUserData2017&school={SCHOOL}"
    )
    assert no_auth["error"]["code"] == -32602
    sandbox.faults.set("webuntis", "two_factor", count=1)
    blocked = await (await otp_login(totp_code(secret, 1_800_000_000.0))).json()
    assert blocked["error"]["code"] == -8998


async def test_rest_needs_a_session(client: TestClient) -> None:
    response = await client.get(
        f"{API}/homeworks/lessons?startDate=20261101&endDate=20261130"
    )
    assert response.status == 401
    token = await client.get(f"{API}/token/new")
    assert token.status == 401
    assert "html" in token.headers["Content-Type"]


async def test_rest_endpoints(client: TestClient, sandbox: Sandbox) -> None:
    sid = await login(client, "levi.parent", PARENT_PASSWORD)
    cookie = {"Cookie": f"JSESSIONID={sid}"}

    async def get(path: str, status: int = 200, **headers: str) -> Any:
        response = await client.get(f"{API}/{path}", headers={**cookie, **headers})
        assert response.status == status, path
        return await response.json()

    homework = (await get("homeworks/lessons?startDate=20261101&endDate=20261130"))[
        "data"
    ]
    assert homework["homeworks"]
    assert all(record["elementIds"] for record in homework["records"])
    assert {i for r in homework["records"] for i in r["elementIds"]} == {1002, 1003}
    assert homework["teachers"]
    noa = (
        await get(
            "homeworks/lessons?startDate=20261101&endDate=20261130&studentId=1002"
        )
    )["data"]
    assert {i for r in noa["records"] for i in r["elementIds"]} == {1002}
    await get(
        "homeworks/lessons?startDate=20261101&endDate=20261130&studentId=1001", 403
    )
    await get("homeworks/lessons", 400)
    exams = (await get("exams?startDate=20260901&endDate=20270620&studentId=1002"))[
        "data"
    ]["exams"]
    assert len(exams) == len(sandbox.dataset.exams_of("p1002"))
    assert exams[0]["assignedStudents"][0]["id"] == 1002
    absences = (
        await get("classreg/absences/students?startDate=20260901&endDate=20261118")
    )["data"]["absences"]
    assert len(absences) == len(
        [
            r
            for p in ("p1002", "p1003")
            for r in sandbox.dataset.discipline(p)
            if r.kind == "absence"
        ]
    )
    news = (await get("public/news/newsWidgetData?date=20261118"))["data"]
    assert news["messagesOfDay"]
    await get("public/news/newsWidgetData?date=bad", 400)
    assert (await get("public/news/newsWidgetData"))["data"]["messagesOfDay"]
    sandbox.webuntis.forbidden.update({"exams", "news"})
    await get("exams?startDate=20260901&endDate=20270620", 403)
    await get("public/news/newsWidgetData", 403)
    assert (await get("daytimetable/config"))["data"]["klasseId"] is None

    token = await (await client.get(f"{API}/token/new", headers=cookie)).text()
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    assert claims["exp"] - claims["iat"] == 900
    assert claims["roles"] == ["LEGAL_GUARDIAN"]
    bearer = {"Authorization": f"Bearer {token}"}
    app = await get("rest/view/v1/app/data", **bearer)
    assert app["tenant"]["id"] == TENANT_ID
    assert [s["id"] for s in app["user"]["students"]] == [1002, 1003]
    assert app["currentSchoolYear"]["dateRange"]["start"] == "2026-09-01"
    await get("rest/view/v1/messages", 400, **bearer)
    school_year = str(app["currentSchoolYear"]["id"])
    headers = {
        **bearer,
        "Tenant-Id": TENANT_ID,
        "X-Webuntis-Api-School-Year-Id": school_year,
    }
    messages = await get("rest/view/v1/messages", **headers)
    inbox = sandbox.dataset.messages("levi.parent")
    assert [m["id"] for m in messages["incomingMessages"]] == [m.id for m in inbox]
    await get("rest/view/v1/messages", 401, Authorization="Bearer x.y.z")
    await get("rest/view/v1/messages", 401, Authorization="Basic abc")
    await get("rest/view/v1/messages", 401, Authorization="Bearer broken")
    sandbox.webuntis.forbidden.add("messages")
    await get("rest/view/v1/messages", 403, **headers)
    sandbox.faults.set("webuntis", "expire_sessions")
    await get("rest/view/v1/app/data", 401, **bearer)


async def test_master_data_and_the_rest(client: TestClient, sandbox: Sandbox) -> None:
    sid = await login(client)
    result = {
        method: (await rpc(client, method, params, sid=sid))["result"]
        for method, params in (
            ("getDepartments", {}),
            ("getHolidays", {}),
            ("getKlassen", {}),
            ("getKlassen", {"schoolyearId": 1}),
            ("getSchoolyears", {}),
            ("getCurrentSchoolyear", {}),
            ("getTimegridUnits", {}),
            ("getExamTypes", {}),
            ("getClassregCategoryGroups", {}),
        )
    }
    assert result["getDepartments"][0]["name"] == "SEK1"
    assert len(result["getHolidays"]) == len(sandbox.dataset.holidays)
    assert result["getKlassen"] == []  # the last one asked: school year 1
    assert result["getCurrentSchoolyear"]["id"] == 2
    assert result["getTimegridUnits"][0]["timeUnits"][0]["startTime"] == 800
    assert result["getClassregCategoryGroups"] == [{"id": 1, "name": "Klassenbuch"}]
    teacher = (
        await rpc(
            client, "getPersonId", {"type": 2, "sn": "Bar", "fn": "Ruth"}, sid=sid
        )
    )["result"]
    assert teacher == 1
    me = await rpc(
        client, "getPersonId", {"type": 5, "sn": "cohen", "fn": "dana"}, sid=sid
    )
    assert me["result"] == 1001
    stranger = await rpc(
        client, "getPersonId", {"type": 5, "sn": "Levi", "fn": "Noa"}, sid=sid
    )
    assert stranger["result"] == 0
    for element_type, element_id in ((2, 1), (3, 1), (4, 1)):
        body = await rpc(
            client,
            "getTimetable",
            {
                "id": element_id,
                "type": element_type,
                "startDate": 20261116,
                "endDate": 20261120,
            },
            sid=sid,
        )
        assert body["result"], element_type
    events = await rpc(
        client,
        "getClassregEvents",
        {"startDate": 20260901, "endDate": 20261118, "id": 1001, "type": 5},
        sid=sid,
    )
    assert events["result"]
    foreign = await rpc(
        client,
        "getClassregEvents",
        {"startDate": 20260901, "endDate": 20261118, "id": 1002, "type": 5},
        sid=sid,
    )
    assert foreign["error"]["code"] == -8509


def test_accounts(sandbox: Sandbox) -> None:
    rows = sandbox.webuntis.accounts("http://127.0.0.1:8765/")
    assert [row["username"] for row in rows] == ["dana.cohen", "levi.parent"]
    pupil, parent = rows
    assert pupil["server"] == "http://127.0.0.1:8765/webuntis"
    assert pupil["school"] == SCHOOL
    assert pupil["password"] == PUPIL_PASSWORD
    assert str(pupil["qr_link"]).startswith(
        "untis://setschool?url=http%3A%2F%2F127.0.0.1"
    )
    assert pupil["secret"] != parent["secret"]
    assert parent["person_type"] == 12
    assert [p["name"] for p in parent["pupils"]] == ["Noa Levi", "Ari Levi"]
    # Deterministic across instances.
    again = Sandbox(today=TODAY).webuntis.accounts("http://127.0.0.1:8765")
    assert again[0]["secret"] == pupil["secret"]
    assert any(row["portal"] == "webuntis" for row in sandbox.accounts())


@pytest.mark.parametrize("status", [403, 200])
async def test_a_refusal_is_the_recorded_errors_body(
    client: TestClient, sandbox: Sandbox, status: int
) -> None:
    """HA#160 saw it with 403; HA#153 did not log the status: either is sent."""
    sandbox.webuntis.refusal_status = status
    sandbox.webuntis.forbidden.add("exams")
    cookie = {"Cookie": f"JSESSIONID={await login(client)}"}
    response = await client.get(
        f"{API}/exams?startDate=20260901&endDate=20270620", headers=cookie
    )
    assert response.status == status
    assert await response.json() == {
        "errors": [{"code": "INTERNAL_ERROR", "title": "Unerlaubter Zugriff"}]
    }


@pytest.mark.parametrize(
    ("shape", "keys"),
    [("subject", {"subject"}), ("su", {"su"}), ("both", {"subject", "su"})],
)
async def test_homework_lessons_name_their_subject_each_way_seen(
    client: TestClient, sandbox: Sandbox, shape: str, keys: set[str]
) -> None:
    sandbox.webuntis.homework_subject = shape
    data = await rest_data(
        client, "homeworks/lessons?startDate=20261101&endDate=20261130"
    )
    assert data["lessons"]
    for lesson in data["lessons"]:
        assert {"subject", "su"} & lesson.keys() == keys
        if "su" in keys:
            (entry,) = lesson["su"]
            assert set(entry) == {"id", "name", "longname"}


@pytest.mark.parametrize("shape", ["text", "id"])
async def test_absences_give_their_reason_each_way_seen(
    client: TestClient, sandbox: Sandbox, shape: str
) -> None:
    sandbox.webuntis.absence_reason = shape
    data = await rest_data(
        client, "classreg/absences/students?startDate=20260901&endDate=20261118"
    )
    assert data["absences"]
    reasons = {row["id"]: row["name"] for row in data["absenceReasons"]}
    for row in data["absences"]:
        assert reasons[row["reasonId"]] == "Krankheit"
        assert row["reason"] == ("Krankheit" if shape == "text" else "")


async def test_a_login_without_a_person_of_its_own(
    client: TestClient, sandbox: Sandbox
) -> None:
    """As python-webuntis#63 recorded it: personType 16, personId -1, klasseId 0."""
    sandbox.webuntis.login_person = "none"
    for user, password in (
        ("dana.cohen", PUPIL_PASSWORD),
        ("levi.parent", PARENT_PASSWORD),
    ):
        body = await rpc(client, "authenticate", {"user": user, "password": password})
        result = body["result"]
        assert (result["personType"], result["personId"], result["klasseId"]) == (
            16,
            -1,
            0,
        )
        assert result["sessionId"]
