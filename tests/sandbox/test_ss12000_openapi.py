"""Every reply of the SS12000 emulator, on every path, against the official 2.1.0 file.

Each operation of the standard's OpenAPI file is called: once with every one
of its query parameters in turn (every sort key, every expansion), with its
lookup keys, with a valid body where it takes one, and with the errors it can
answer (400, 401, 403, 404, 410). The request is checked against the file
too, except where the test means it to be wrong. openapi-core does both.

The standard documents the wrong reply schema for two lookups (notes §5):
``POST /calendarEvents/lookup`` says AttendancesArray and
``POST /attendanceSchedule/lookup`` ActivitiesArray; their replies are
checked against the arrays of the entities they return instead. Two more
mistakes make every AttendanceSchedule invalid, so the file is checked
with them put right (and nothing else): ``AttendanceSchedule`` requires
``scheduleDays``, a property it does not have (its entries are
``scheduleEntries``), and ``AttendanceScheduleEntry.endTime`` is typed
integer with an ``HH:MM`` regular expression as its format (``startTime``
is a string with that pattern).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec

from sandbox.app import Sandbox
from sandbox.dataset import PUPIL_PASSWORD
from sandbox.ss12000 import Ss12000Emulator
from sandbox.ss12000.wire import COLLECTIONS as RESOURCE_COLLECTIONS

SPEC_FILE = Path(__file__).parent / "data" / "ss12000-openapi-2.1.0.yaml"
SPEC_SHA256 = "aee9a95a4c5bd25cebaf357d266592f94e9388ae785ee9ac3b58e1992acccd28"
HOST = "http://some.server.se"  # the file's server is http://some.server.se/v2.0
BASE = "/v2.0"
# The two lookups whose documented reply schema is a known mistake, and
# the schema their replies have.
MISDOCUMENTED = {
    ("post", "/calendarEvents/lookup"): "CalendarEvent",
    ("post", "/attendanceSchedule/lookup"): "AttendanceSchedule",
}
UNKNOWN = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
# A compulsory school has no programmes or study plans (upper secondary and
# adult education have them): these two never answer an entity.
NO_DATA = {("get", "/programmes/{id}"), ("get", "/studyplans/{id}")}
WEEK = ("2026-11-16T00:00:00+01:00", "2026-11-20T23:59:00+01:00")


def _load() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = yaml.load(SPEC_FILE.read_bytes(), Loader=loader)
    return spec


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return _load()


def corrected(spec: dict[str, Any]) -> dict[str, Any]:
    """The file with the two AttendanceSchedule mistakes put right."""
    fixed = copy.deepcopy(spec)
    schemas = fixed["components"]["schemas"]
    schedule = schemas["AttendanceSchedule"]
    assert "scheduleDays" in schedule["required"]
    assert "scheduleDays" not in schedule["properties"]
    schedule["required"].remove("scheduleDays")
    end = schemas["AttendanceScheduleEntry"]["properties"]["endTime"]
    assert (end["type"], end["format"]) == ("integer", "^[0-9]{2}:[0-9]{2}$")
    end["type"] = "string"
    end["pattern"] = end.pop("format")
    return fixed


@pytest.fixture(scope="module")
def fixed(spec: dict[str, Any]) -> dict[str, Any]:
    return corrected(spec)


@pytest.fixture(scope="module")
def openapi(fixed: dict[str, Any]) -> OpenAPI:
    return OpenAPI.from_dict(fixed)


def test_the_copy_is_the_official_file(spec: dict[str, Any]) -> None:
    assert hashlib.sha256(SPEC_FILE.read_bytes()).hexdigest() == SPEC_SHA256
    assert spec["info"]["version"] == "2.1.0"
    validate_spec(spec)
    operations = [
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert (len(spec["paths"]), len(operations)) == (59, 69)


@dataclass
class Call:
    """One request to send, and what is known of it."""

    method: str
    template: str  # the spec's path
    path: str  # the real path, under BASE
    query: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None
    auth: bool = True
    valid_request: bool = True  # False: the test means it to be wrong
    expect: int | None = 200


class Known:
    """Ids of the sandbox's entities, to fill parameters with values that match."""

    def __init__(self, sandbox: Sandbox) -> None:
        emulator: Ss12000Emulator = sandbox.ss12000
        school = emulator.school
        dataset = sandbox.dataset
        pupil = dataset.pupils["p1001"]
        lesson = dataset.lessons_on("p1001", dataset.today)[0]
        teacher = dataset.teacher_of(pupil.class_id, lesson.subject)
        self.by_collection = {
            "organisations": school.unit_id,
            "persons": school.person_id(pupil.id),
            "duties": school.duty_id(teacher.id),
            "groups": school.class_group(pupil.class_id),
            "syllabuses": school.ids("syllabus", lesson.subject),
            "activities": school.activity_id(pupil.class_id, lesson.subject),
            "calendarEvents": school.event_id(lesson),
            "rooms": school.ids("room", lesson.room),
            "resources": school.ids("resource", "laptops"),
            "schoolUnitOfferings": school.ids("offering", "unit"),
            "placements": school.ids("placement", "p1003"),
            "grades": school.ids("grade", dataset.grades("p1001")[0].uid),
            "absences": next(
                school.ids("absence", record.uid)
                for record in dataset.discipline("p1001")
                if record.kind == "absence" and record.justified
            ),
            "attendances": next(
                school.ids("attendance", record.uid)
                for record in dataset.discipline("p1001")
                if record.kind in ("absence", "late")
            ),
        }
        self.values = {
            "student": school.person_id(pupil.id),
            "member": school.person_id(pupil.id),
            "child": school.person_id(pupil.id),
            "person": school.person_id(teacher.id),
            "owner": school.guardian_id("levi.parent"),
            "registeredBy": school.person_id(teacher.id),
            "gradingTeacher": school.person_id(teacher.id),
            "teacher": school.duty_id(teacher.id),
            "organisation": school.owner_id,
            "relationship.organisation": school.unit_id,
            "parent": school.owner_id,
            "group": school.class_group(pupil.class_id),
            "activity": school.activity_id(pupil.class_id, lesson.subject),
            "calendarEvent": school.event_id(lesson),
            "civicNo": school.civic_no(pupil),
            "nameContains": pupil.first_name,
            "schoolUnitCode": f"{dataset.school.id:08d}",
            "eduPersonPrincipalName": f"{pupil.username}@elev.sandbox.example",
            "dutyRole": "Lärare",
            "startTime.onOrAfter": WEEK[0],
            "startTime.onOrBefore": WEEK[1],
            "startDate": "2026-09-01",
            "endDate": "2026-11-18",
            "limit": "3",
        }
        self.pupil = school.person_id(pupil.id)
        self.teacher_person = school.person_id(teacher.id)


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _parameters(
    spec: dict[str, Any], operation: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            name = parameter["$ref"].rsplit("/", 1)[-1]
            parameter = spec["components"]["parameters"][name]
        yield parameter


def _value(spec: dict[str, Any], known: Known, parameter: dict[str, Any]) -> list[str]:
    """Values for one query parameter: every sort key and expansion, a few of other enums."""
    name = parameter["name"]
    schema = _schema(spec, parameter.get("schema", {}))
    if schema.get("type") == "array":
        schema = _schema(spec, schema.get("items", {}))
    if "enum" in schema:
        choices = [str(v) for v in schema["enum"]]
        return choices if name in ("sortkey", "expand") else choices[:3]
    if name in known.values:
        return [known.values[name]]
    kind = (schema.get("type"), schema.get("format"))
    if kind == ("string", "date-time"):
        return [WEEK[0] if "after" in name.lower() else WEEK[1]]
    if kind == ("string", "date"):
        return ["2026-09-01" if "After" in name else "2026-12-31"]
    if kind == ("string", "uuid"):
        return [UNKNOWN]
    if schema.get("type") == "boolean":
        return ["true"]
    if schema.get("type") == "integer":
        return ["3"]
    return ["x"]


def _required(
    spec: dict[str, Any], known: Known, operation: dict[str, Any]
) -> list[tuple[str, str]]:
    return [
        (p["name"], _value(spec, known, p)[0])
        for p in _parameters(spec, operation)
        if p["in"] == "query" and p.get("required")
    ]


def _lookup_body(
    spec: dict[str, Any], known: Known, operation: dict[str, Any], collection: str
) -> dict[str, Any]:
    content = operation["requestBody"]["content"]["application/json"]["schema"]
    keys = _schema(spec, content).get("properties", {})
    by_key = {
        "ids": known.by_collection.get(collection, UNKNOWN),
        "civicNos": known.values["civicNo"],
        "schoolUnitCodes": known.values["schoolUnitCode"],
        "organisationCodes": "SLS",
        "teachers": known.values["teacher"],
        "members": known.pupil,
        "student": known.pupil,
        "students": known.pupil,
        "teacher": known.values["teacher"],
        "activities": known.values["activity"],
        "calendareEvents": known.values["calendarEvent"],
        "person": known.pupil,
        "group": known.values["group"],
    }
    return {key: [by_key.get(key, UNKNOWN)] for key in keys}


WRITES: dict[str, dict[str, Any]] = {
    "/attendances": {
        "calendarEvent": {"id": "{calendarEvent}"},
        "student": {"id": "{student}"},
        "isReported": True,
        "attendanceMinutes": 45,
    },
    "/attendanceEvents": {
        "time": "2026-11-18T07:55:00+01:00",
        "eventType": "In",
        "person": {"id": "{student}"},
        "group": {"id": "{group}"},
    },
    "/attendanceSchedule": {
        "placement": {"id": UNKNOWN},
        "numberOfWeeks": 1,
        "startDate": "2026-11-23",
        "state": [{"state": "Begärt", "registeredAt": "2026-11-18T08:00:00+01:00"}],
        "scheduleEntries": [
            {
                "weekOffset": 0,
                "dayOfWeek": "Måndag",
                "startTime": "07:30",
                "endTime": "16:00",
            }
        ],
    },
    "/absences": {
        "startTime": "2026-11-19T08:00:00+01:00",
        "endTime": "2026-11-19T12:00:00+01:00",
        "type": "Beviljad ledighet",
        "student": {"id": "{student}"},
    },
    "/log/": {"message": "read the timetable", "severityLevel": "Info"},
    "/statistics/": {
        "resourceType": "CalendarEvent",
        "newCount": 1,
        "updatedCount": 0,
        "deletedCount": 0,
    },
    "/subscriptions": {
        "name": "home",
        "target": "http://127.0.0.1:9/hook",
        "resourceTypes": [{"resource": "CalendarEvent"}],
    },
}


def _filled(value: Any, known: Known) -> Any:
    text = json.dumps(value)
    for name, filler in known.values.items():
        text = text.replace("{" + name + "}", filler)
    return json.loads(text)


def calls_of(spec: dict[str, Any], known: Known) -> Iterator[Call]:
    """Every call the test makes, operation by operation (writes before reads)."""
    for template, item in spec["paths"].items():
        collection = template.strip("/").split("/")[0]
        for method, operation in item.items():
            if method not in ("get", "post", "patch", "delete"):
                continue
            yield from _calls(spec, known, method, template, collection, operation)


def _calls(
    spec: dict[str, Any],
    known: Known,
    method: str,
    template: str,
    collection: str,
    operation: dict[str, Any],
) -> Iterator[Call]:
    required = _required(spec, known, operation)
    if template.endswith("{id}"):
        if collection == "subscriptions":
            return  # with a subscription of their own, below
        real = known.by_collection.get(collection, UNKNOWN)
        query = [
            ("expand", v)
            for p in _parameters(spec, operation)
            if p["name"] == "expand"
            for v in _value(spec, known, p)
        ]
        if method == "get":  # deletes delete what the test wrote (follow_ups)
            found = 200 if real != UNKNOWN else 404
            yield Call(
                method, template, template.replace("{id}", real), query, expect=found
            )
        yield Call(method, template, template.replace("{id}", UNKNOWN), expect=404)
        yield Call(
            method,
            template,
            template.replace("{id}", "not-a-uuid"),
            valid_request=False,
            expect=400,
        )
        return
    if template.endswith("/lookup"):
        body = _lookup_body(spec, known, operation, collection)
        query = [("expandReferenceNames", "true")]
        query += [
            ("expand", v)
            for p in _parameters(spec, operation)
            if p["name"] == "expand"
            for v in _value(spec, known, p)
        ]
        yield Call(method, template, template, query, body)
        yield Call(
            method,
            template,
            template,
            body={"ids": ["nope"]},
            valid_request=False,
            expect=400,
        )
        return
    if method == "post":
        write = WRITES[template]
        status = 201 if template in ("/log/", "/statistics/", "/subscriptions") else 200
        # Writes reply 200; the standard's request schemas mark the ids and
        # meta the server sets as required, so the requests are not checked.
        yield Call(
            method,
            template,
            template,
            body=_filled(write, known),
            valid_request=template in ("/log/", "/statistics/", "/subscriptions"),
            expect=status,
        )
        yield Call(
            method, template, template, body={}, valid_request=False, expect=None
        )
        return
    short = required
    if any(p["name"] == "limit" for p in _parameters(spec, operation)):
        # Short pages keep the validation quick; paging is called below.
        short = [*required, ("limit", "3")]
    yield Call(method, template, template, short)
    for parameter in _parameters(spec, operation):
        if parameter["in"] != "query" or parameter["name"] == "pageToken":
            continue
        for value in _value(spec, known, parameter):
            query = [q for q in short if q[0] != parameter["name"]]
            yield Call(method, template, template, [*query, (parameter["name"], value)])
    yield Call(
        method, template, template, [*required, ("pageToken", "expired")], expect=410
    )
    yield Call(
        method,
        template,
        template,
        [*required, ("limit", "0")],
        valid_request=False,
        expect=400,
    )


async def _send(
    client: TestClient, call: Call, token: str
) -> tuple[int, bytes, str | None]:
    headers = {"Authorization": f"Bearer {token}"} if call.auth else {}
    response = await client.request(
        call.method.upper(),
        f"/ss12000{BASE}{call.path}",
        params=call.query,
        json=call.body if call.body is not None else None,
        headers=headers,
    )
    return response.status, await response.read(), response.content_type


def _request(call: Call, token: str) -> MockRequest:
    args: dict[str, list[str]] = {}
    for key, value in call.query:
        args.setdefault(key, []).append(value)
    return MockRequest(
        HOST,
        call.method,
        f"{BASE}{call.path}",
        path_pattern=f"{BASE}{call.template}",
        args=args,
        view_args={"id": call.path.rsplit("/", 1)[-1]}
        if "{id}" in call.template
        else None,
        headers={"Authorization": f"Bearer {token}"} if call.auth else {},
        data=json.dumps(call.body).encode() if call.body is not None else None,
    )


def _check(
    spec: dict[str, Any],
    openapi: OpenAPI,
    call: Call,
    token: str,
    reply: tuple[int, bytes, str | None],
) -> None:
    status, data, content_type = reply
    request = _request(call, token)
    if call.valid_request:
        openapi.validate_request(request)
    wrong = MISDOCUMENTED.get((call.method, call.template))
    if wrong and status == 200:
        schema = {
            "type": "array",
            "items": {"$ref": f"#/components/schemas/{wrong}"},
            "components": spec["components"],
        }
        OAS30Validator(schema, format_checker=oas30_format_checker).validate(
            json.loads(data)
        )
        return
    response = MockResponse(
        data, status, content_type=content_type or "application/json"
    )
    openapi.validate_response(request, response)


def follow_ups(written: dict[str, str]) -> Iterator[Call]:
    """Calls on what the first round wrote: get, look up, renew, delete."""
    for template, entity in written.items():
        path = f"{template}/{entity}"
        if template == "/subscriptions":
            yield Call("get", f"{template}/{{id}}", path)
            yield Call("patch", f"{template}/{{id}}", path)
            yield Call(
                "patch",
                f"{template}/{{id}}",
                path,
                body={"expires": WEEK[1]},
                valid_request=False,
            )
            yield Call("get", template, template, [("limit", "1")])
            yield Call("delete", f"{template}/{{id}}", path, expect=204)
            for method in ("get", "patch", "delete"):
                yield Call(method, f"{template}/{{id}}", path, expect=404)
                yield Call(
                    method,
                    f"{template}/{{id}}",
                    f"{template}/x",
                    valid_request=False,
                    expect=400,
                )
            continue
        if template not in (
            "/attendances",
            "/attendanceEvents",
            "/attendanceSchedule",
            "/absences",
        ):
            continue
        yield Call("get", f"{template}/{{id}}", path)
        yield Call(
            "post", f"{template}/lookup", f"{template}/lookup", body={"ids": [entity]}
        )
        if template != "/absences":
            yield Call("delete", f"{template}/{{id}}", path, expect=204)


def refusals(spec: dict[str, Any]) -> Iterator[Call]:
    """Every operation without a token (401), and refused where it documents 403."""
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "patch", "delete"):
                continue
            path = template.replace("{id}", UNKNOWN)
            body = WRITES.get(template, {}) if method == "post" else None
            yield Call(
                method,
                template,
                path,
                body=body,
                auth=False,
                valid_request=False,
                expect=401,
            )
            if "403" in operation["responses"]:
                yield Call(
                    method, template, path, body=body, valid_request=False, expect=403
                )


# The first path segment of every path of the file, one test each.
COLLECTIONS = (
    *RESOURCE_COLLECTIONS,
    "aggregatedAttendance",
    "subscriptions",
    "log",
    "statistics",
    "deletedEntities",
)


def _collection(template: str) -> str:
    return template.strip("/").split("/")[0]


def test_every_path_is_tested(spec: dict[str, Any]) -> None:
    assert sorted({_collection(t) for t in spec["paths"]}) == sorted(COLLECTIONS)


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_every_reply_validates(
    spec: dict[str, Any],
    fixed: dict[str, Any],
    openapi: OpenAPI,
    client: TestClient,
    sandbox: Sandbox,
    collection: str,
) -> None:
    """Each operation of one collection's paths, every answer checked."""
    known = Known(sandbox)
    token = (
        await (
            await client.post(
                "/ss12000/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "dana.cohen",
                    "client_secret": PUPIL_PASSWORD,
                },
            )
        ).json()
    )["access_token"]
    seen: dict[tuple[str, str], set[str]] = {}
    written: dict[str, str] = {}
    # A page token per list, with the parameters the file requires anyway
    # (it also says a token goes with no filter: the server ignores them).
    tokens: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    needed = {"startTime.onOrAfter", "startTime.onOrBefore", "startDate", "endDate"}

    async def run(call: Call) -> None:
        reply = await _send(client, call, token)
        if call.expect is not None:
            assert reply[0] == call.expect, (call, reply[1][:300])
        _check(fixed, openapi, call, token, reply)
        seen.setdefault((call.method, call.template), set()).add(str(reply[0]))
        if call.method == "post" and call.template in WRITES and reply[0] < 300:
            written[call.template] = json.loads(reply[1] or b"{}").get("id", "")
        if call.method == "get" and reply[0] == 200 and reply[1].startswith(b"{"):
            page = json.loads(reply[1]).get("pageToken")
            if isinstance(page, str):
                kept = [q for q in call.query if q[0] in needed]
                tokens.setdefault(call.template, (page, kept))

    def mine(calls: Iterator[Call]) -> list[Call]:
        return [call for call in calls if _collection(call.template) == collection]

    for call in mine(calls_of(spec, known)):
        await run(call)
    for template, (page, kept) in tokens.items():
        await run(Call("get", template, template, [*kept, ("pageToken", page)]))
    for call in mine(follow_ups({k: v for k, v in written.items() if v})):
        await run(call)
    emulator: Ss12000Emulator = sandbox.ss12000
    emulator.forbidden.add(collection)
    for call in mine(refusals(spec)):
        await run(call)
    # Every operation was called, and answered every status it documents.
    for template, item in spec["paths"].items():
        if _collection(template) != collection:
            continue
        for method, operation in item.items():
            if method in ("get", "post", "patch", "delete"):
                documented = set(operation["responses"]) - {"default", "503"}
                if (method, template) in NO_DATA:
                    documented.discard("200")
                assert documented <= seen[method, template], (method, template)
