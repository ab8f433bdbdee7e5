"""The organisation and its people as SS12000 rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from .refs import (
    SCHOOL_TYPE,
    Row,
    SchoolRefs,
)
from .wire import ref


class People(SchoolRefs):
    """Who is who: the organisations, persons, duties and placements."""

    def organisations(self) -> Iterator[Row]:
        owner = "Sandlådans kommun"
        yield Row(
            self.owner_id,
            {
                "displayName": owner,
                "organisationCode": "SK",
                "organisationType": "Huvudman",
                "organisationNumber": "2120009999",
                "municipalityCode": "9999",
            },
            {
                "name": owner,
                "organisationCode": "SK",
                "type": "Huvudman",
                "municipalityCode": "9999",
                "organisation": {self.owner_id},
            },
        )
        unit = self.dataset.school.name("sv")
        code = f"{self.dataset.school.id:08d}"
        yield Row(
            self.unit_id,
            {
                "displayName": unit,
                "organisationCode": "SLS",
                "organisationType": "Skolenhet",
                "parentOrganisation": ref(self.owner_id, owner),
                "schoolUnitCode": code,
                "schoolTypes": [SCHOOL_TYPE],
                "municipalityCode": "9999",
                "startDate": "2001-08-01",
            },
            {
                "name": unit,
                "organisationCode": "SLS",
                "schoolUnitCode": code,
                "type": "Skolenhet",
                "parent": self.owner_id,
                "municipalityCode": "9999",
                "schoolTypes": {SCHOOL_TYPE},
                "organisation": {self.unit_id, self.owner_id},
                "startDate": date(2001, 8, 1),
                "endDate": None,
            },
        )

    def persons(self) -> Iterator[Row]:
        dataset = self.dataset
        responsibles = self._responsibles()
        placed = self.placed()
        owners = {g.username for gs in placed.values() for g in gs}
        for pupil in dataset.pupils.values():
            mail = f"{pupil.username}@elev.sandbox.example"
            guardians = responsibles.get(pupil.id, [])
            body: dict[str, Any] = {
                "givenName": pupil.first_name,
                "familyName": pupil.last_name,
                "eduPersonPrincipalNames": [mail],
                "civicNo": {"value": self.civic_no(pupil), "nationality": "SE"},
                "birthDate": pupil.birth_date.isoformat(),
                "securityMarking": "Ingen",
                "personStatus": "Aktiv",
                "emails": [{"value": mail, "type": "Skola elev"}],
                "enrolments": [
                    {
                        "enroledAt": self.unit_ref(),
                        "schoolYear": dataset.classes[pupil.class_id].grade,
                        "schoolType": SCHOOL_TYPE,
                        **self.days(),
                    }
                ],
            }
            if guardians:
                body["responsibles"] = [
                    {
                        "person": ref(
                            self.guardian_id(g.username),
                            f"{g.first_name} {g.last_name}",
                        ),
                        "relationType": "Vårdnadshavare",
                    }
                    for g in guardians
                ]
            yield Row(
                self.person_id(pupil.id),
                body,
                self._person_facts(pupil.first_name, pupil.last_name, mail)
                | {
                    "civicNo": body["civicNo"]["value"],
                    "relationship": {"enrolment", "groupMembership"}
                    | ({"placement.child"} if pupil.id in placed else set()),
                    **self.span(),
                },
            )
        for person in self.staff():
            mail = f"{person.first_name}.{person.last_name}@sandbox.example".lower()
            yield Row(
                self.person_id(person.id),
                {
                    "givenName": person.first_name,
                    "familyName": person.last_name,
                    "eduPersonPrincipalNames": [mail],
                    "emails": [{"value": mail, "type": "Skola personal"}],
                },
                self._person_facts(person.first_name, person.last_name, mail)
                | {"relationship": {"duty"}, **self.span()},
            )
        for login in self.guardians():
            yield Row(
                self.guardian_id(login.username),
                {"givenName": login.first_name, "familyName": login.last_name},
                self._person_facts(login.first_name, login.last_name, None)
                | {
                    "relationship": {"responsibleFor.enrolment"}
                    | (
                        {"placement.owner", "responsibleFor.placement"}
                        if login.username in owners
                        else set()
                    ),
                    **self.span(),
                },
            )

    def _person_facts(
        self, given: str, family: str, mail: str | None
    ) -> dict[str, Any]:
        return {
            "name": f"{given} {family}",
            "givenName": given,
            "familyName": family,
            "eppn": {mail} if mail else set(),
            "organisation": {self.unit_id, self.owner_id},
        }

    def _mentored(self, staff_id: str) -> list[str]:
        return [
            c.id
            for c in self.dataset.classes.values()
            if c.homeroom_teacher == staff_id
        ]

    def duties(self) -> Iterator[Row]:
        roles = {"s-principal": "Rektor", "s-office": "Skoladministratör"}
        for person in self.staff():
            body: dict[str, Any] = {
                "person": self.staff_ref(person.id),
                "dutyAt": self.unit_ref(),
                "dutyRole": roles.get(person.id, "Lärare"),
                "signature": (person.first_name[:2] + person.last_name[:1]).upper(),
                "dutyPercent": 100,
                "startDate": self.dataset.year_start.isoformat(),
            }
            mentor = [
                {
                    "group": self.group_ref(class_id),
                    "assignmentRoleType": "Mentor",
                    "startDate": self.dataset.year_start.isoformat(),
                }
                for class_id in self._mentored(person.id)
            ]
            if mentor:
                body["assignmentRole"] = mentor
            yield Row(
                self.duty_id(person.id),
                body,
                {
                    "organisation": {self.unit_id, self.owner_id},
                    "dutyRole": body["dutyRole"],
                    "person": self.person_id(person.id),
                    "startDate": self.dataset.year_start,
                    "endDate": None,
                },
            )

    def placements(self) -> Iterator[Row]:
        for pupil_id, guardians in self.placed().items():
            pupil = self.dataset.pupils[pupil_id]
            owners = [
                ref(self.guardian_id(g.username), f"{g.first_name} {g.last_name}")
                for g in guardians
            ]
            child = self.pupil_ref(pupil)
            yield Row(
                self.ids("placement", pupil_id),
                {
                    "placedAt": self.unit_ref(),
                    "child": child,
                    "owners": owners,
                    "schoolType": "OPPFTH",
                    "startDate": self.dataset.year_start.isoformat(),
                    "reason": "Eget behov",
                },
                {
                    "organisation": {self.unit_id, self.owner_id},
                    "child": child["id"],
                    "owners": {o["id"] for o in owners},
                    "persons": {child["id"], *(o["id"] for o in owners)},
                    "startDate": self.dataset.year_start,
                    "endDate": None,
                },
            )
