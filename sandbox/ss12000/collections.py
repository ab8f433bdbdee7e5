"""Each collection of the standard: its filters, expansions, sort keys and lookups."""

from __future__ import annotations

from dataclasses import dataclass, field

# What a filter compares: "in" (the fact, a value or a set, meets one of the
# query's values), "min"/"max" (onOrAfter / onOrBefore on a date or date-time
# fact), "contains" (every value is in the fact's text).
type Op = str


@dataclass(frozen=True, slots=True)
class Filter:
    """One query filter over one fact of the rows."""

    fact: str
    op: Op = "in"
    value: str = "uuid"  # uuid | text | date | datetime | enum
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Collection:
    """One collection path."""

    path: str
    kind: str
    filters: dict[str, Filter] = field(default_factory=dict)
    expand: tuple[str, ...] = ()
    # sortkey -> (fact, descending); "modified" sorts by meta.modified.
    sortkeys: dict[str, tuple[str, bool]] = field(default_factory=dict)
    lookup: dict[str, str] = field(default_factory=dict)  # body key -> fact
    required: tuple[str, ...] = ()
    meta_filters: bool = True
    writable: bool = False  # POST of one entity (200), DELETE of one (204)
    deletable: bool = False
    get_has_names: bool = True  # GET /{id} takes expandReferenceNames


def _dates(prefix: str, value: str = "date") -> dict[str, Filter]:
    return {
        f"{prefix}.onOrBefore": Filter(prefix, "max", value),
        f"{prefix}.onOrAfter": Filter(prefix, "min", value),
    }


SPAN = {**_dates("startDate"), **_dates("endDate")}
MODIFIED = {"ModifiedDesc": ("modified", True)}
BY_NAME = {"DisplayNameAsc": ("name", False)}
BY_START = {
    "StartDateAsc": ("startDate", False),
    "StartDateDesc": ("startDate", True),
    "EndDateAsc": ("endDate", False),
    "EndDateDesc": ("endDate", True),
}
IDS = {"ids": "id"}
ORGANISATION = {"organisation": Filter("organisation")}
ORGANISATION_TYPES = (
    "Huvudman", "Verksamhetsområde", "Förvaltning", "Rektorsområde", "Skola",
    "Skolenhet", "Varumärke", "Bolag", "Övrigt",
)  # fmt: skip
GROUP_TYPES = (
    "Undervisning", "Klass", "Mentor", "Provgrupp", "Schema", "Avdelning",
    "Personalgrupp", "Övrigt",
)  # fmt: skip
RELATIONSHIPS = (
    "enrolment", "duty", "placement.child", "placement.owner",
    "responsibleFor.enrolment", "responsibleFor.placement", "groupMembership",
)  # fmt: skip
PERSON_EXPANDS = (
    "duties", "responsibleFor", "placements", "ownedPlacements", "groupMemberships",
)  # fmt: skip


def _syllabus_keys() -> dict[str, tuple[str, bool]]:
    keys: dict[str, tuple[str, bool]] = {}
    for name in ("SubjectName", "SubjectCode", "CourseName", "CourseCode"):
        fact = name[0].lower() + name[1:]
        keys[f"{name}Asc"] = (fact, False)
        keys[f"{name}Desc"] = (fact, True)
    keys["SubjectDesignationAsc"] = ("subjectDesignation", False)
    keys["SubjectDesignationDesc"] = ("subjectDesignation", True)
    return keys


COLLECTIONS: tuple[Collection, ...] = (
    Collection(
        "organisations",
        "Organisation",
        {
            "parent": Filter("parent"),
            "schoolUnitCode": Filter("schoolUnitCode", value="text"),
            "organisationCode": Filter("organisationCode", value="text"),
            "municipalityCode": Filter("municipalityCode", value="text"),
            "type": Filter("type", value="enum", choices=ORGANISATION_TYPES),
            "schoolTypes": Filter("schoolTypes", value="text"),
            **SPAN,
        },
        sortkeys={**MODIFIED, **BY_NAME},
        lookup={
            **IDS,
            "schoolUnitCodes": "schoolUnitCode",
            "organisationCodes": "organisationCode",
        },
    ),
    Collection(
        "persons",
        "Person",
        {
            "nameContains": Filter("name", "contains", "text"),
            "civicNo": Filter("civicNo", value="text"),
            "eduPersonPrincipalName": Filter("eppn", value="text"),
            "identifier.value": Filter("identifiers", value="text"),
            "identifier.context": Filter("contexts", value="text"),
            "relationship.entity.type": Filter(
                "relationship", value="enum", choices=RELATIONSHIPS
            ),
            "relationship.organisation": Filter("organisation"),
            **{f"relationship.{k}": v for k, v in SPAN.items()},
        },
        PERSON_EXPANDS,
        {
            **MODIFIED,
            **BY_NAME,
            "GivenNameAsc": ("givenName", False),
            "GivenNameDesc": ("givenName", True),
            "FamilyNameAsc": ("familyName", False),
            "FamilyNameDesc": ("familyName", True),
            "CivicNoAsc": ("civicNo", False),
            "CivicNoDesc": ("civicNo", True),
        },
        {**IDS, "civicNos": "civicNo"},
    ),
    Collection(
        "placements",
        "Placement",
        {
            **ORGANISATION,
            "group": Filter("group"),
            "child": Filter("child"),
            "owner": Filter("owners"),
            **SPAN,
        },
        ("child", "owners"),
        {**BY_START, **MODIFIED},
        {**IDS, "personIds": "persons"},
    ),
    Collection(
        "duties",
        "Duty",
        {
            **ORGANISATION,
            "dutyRole": Filter("dutyRole", value="text"),
            "person": Filter("person"),
            **SPAN,
        },
        ("person",),
        {"StartDateDesc": ("startDate", True), "StartDateAsc": ("startDate", False)}
        | MODIFIED,
        IDS,
    ),
    Collection(
        "groups",
        "Group",
        {
            "groupType": Filter("groupType", value="enum", choices=GROUP_TYPES),
            "schoolTypes": Filter("schoolTypes", value="text"),
            **ORGANISATION,
            **SPAN,
        },
        ("assignmentRoles",),
        {**MODIFIED, **BY_NAME, **BY_START},
        IDS,
    ),
    Collection(
        "programmes",
        "Programme",
        {
            "schoolType": Filter("schoolTypes", value="text"),
            "code": Filter("code", value="text"),
            "parentProgramme": Filter("parent", value="text"),
        },
        sortkeys={
            "NameAsc": ("name", False),
            "CodeAsc": ("code", False),
            **MODIFIED,
        },
        lookup=IDS,
    ),
    Collection(
        "studyplans",
        "StudyPlan",
        {"student": Filter("student"), **SPAN},
        sortkeys={**MODIFIED, **BY_START},
    ),
    Collection(
        "syllabuses",
        "Syllabus",
        sortkeys={**MODIFIED, **_syllabus_keys()},
        lookup=IDS,
    ),
    Collection(
        "schoolUnitOfferings",
        "SchoolUnitOffering",
        dict(ORGANISATION),
        sortkeys={**MODIFIED, **BY_START},
        lookup=IDS,
    ),
    Collection(
        "activities",
        "Activity",
        {
            "member": Filter("members"),
            "teacher": Filter("teachers"),
            **ORGANISATION,
            "group": Filter("groups"),
            **SPAN,
        },
        ("groups", "teachers", "syllabus"),
        {**MODIFIED, **BY_NAME},
        {**IDS, "teachers": "teachers", "members": "members"},
    ),
    Collection(
        "calendarEvents",
        "CalendarEvent",
        {
            **_dates("startTime", "datetime"),
            **_dates("endTime", "datetime"),
            "activity": Filter("activity"),
            "student": Filter("members"),
            "teacher": Filter("teachers"),
            **ORGANISATION,
            "group": Filter("groups"),
        },
        ("activity", "attendance"),
        {
            **MODIFIED,
            "StartTimeAsc": ("startTime", False),
            "StartTimeDesc": ("startTime", True),
        },
        {
            **IDS,
            "activities": "activity",
            "student": "members",
            "teacher": "teachers",
        },
        required=("startTime.onOrAfter", "startTime.onOrBefore"),
    ),
    Collection(
        "attendances",
        "Attendance",
        {
            "student": Filter("student"),
            **ORGANISATION,
            "calendarEvent": Filter("calendarEvent"),
        },
        lookup={
            **IDS,
            "activities": "activity",
            "students": "student",
            "calendareEvents": "calendarEvent",  # sic, the spec's key
        },
        writable=True,
        deletable=True,
        get_has_names=False,
    ),
    Collection(
        "attendanceEvents",
        "AttendanceEvent",
        {"group": Filter("group"), "person": Filter("person")},
        ("person", "group", "registeredBy"),
        lookup={**IDS, "person": "person", "group": "group"},
        writable=True,
        deletable=True,
    ),
    Collection(
        "attendanceSchedule",
        "AttendanceSchedule",
        {"placement": Filter("placement"), "group": Filter("group"), **SPAN},
        lookup={**IDS, "placement": "placement"},
        writable=True,
        deletable=True,
    ),
    Collection(
        "grades",
        "Grade",
        {
            **ORGANISATION,
            "student": Filter("student"),
            "registeredBy": Filter("registeredBy"),
            "gradingTeacher": Filter("gradingTeacher"),
            **_dates("registeredDate"),
        },
        sortkeys={
            "registeredDateAsc": ("registeredDate", False),
            "registeredDateDesc": ("registeredDate", True),
            **MODIFIED,
        },
        lookup=IDS,
    ),
    Collection(
        "absences",
        "Absence",
        {
            **ORGANISATION,
            "student": Filter("student"),
            "registeredBy": Filter("registeredBy"),
            "type": Filter(
                "type", value="enum", choices=("Beviljad ledighet", "Anmäld frånvaro")
            ),
            **_dates("startTime", "datetime"),
            **_dates("endTime", "datetime"),
        },
        sortkeys={
            **MODIFIED,
            "StartTimeAsc": ("startTime", False),
            "StartTimeDesc": ("startTime", True),
        },
        lookup=IDS,
        writable=True,
        get_has_names=False,
    ),
    Collection(
        "resources",
        "Resource",
        dict(ORGANISATION),
        sortkeys={**MODIFIED, **BY_NAME},
        lookup=IDS,
    ),
    Collection(
        "rooms",
        "Room",
        dict(ORGANISATION),
        sortkeys={**MODIFIED, **BY_NAME},
        lookup=IDS,
    ),
)
BY_PATH = {collection.path: collection for collection in COLLECTIONS}
