"""The school year as PRONOTE shows it: ids, names, periods, weeks, the slot grid."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from ..dataset import BELL_SCHEDULE, Dataset, Login, Pupil, monday_of
from .session import EmulatorError
from .values import day_value

LANG = "fr"
# The "half_hours" grid: 30-minute slots from 08:00 to 18:00, each bell hour
# shown as one hour from 08:00 on (a French school's usual grid).
GRID_START = time(8, 0)
GRID_SLOT = timedelta(minutes=30)
GRID_SLOTS_PER_DAY = 20
ONGLETS = (7, 8, 10, 13, 16, 19, 37, 49, 88, 89, 131, 198, 201)


class Shapes(Protocol):
    """The emulator's switches for shapes real servers differ in."""

    slot_grid: str  # "bells" or "half_hours"
    lesson_end: bool  # rows carry DateDuCoursFin
    teacher_ids: bool  # teacher entries carry N


class PronoteSchool:
    """PRONOTE's ids, names and calendar over one dataset."""

    def __init__(self, dataset: Dataset, shapes: Shapes) -> None:
        self.dataset = dataset
        self.shapes = shapes
        self._secret = f"pronote-sandbox-{dataset.seed}".encode()

    def ident(self, *parts: str) -> str:
        """A stable ``N`` for whatever ``parts`` name."""
        digest = hmac.new(self._secret, ":".join(parts).encode(), hashlib.sha256)
        return digest.hexdigest()[:15].upper()

    def resource_id(self, pupil_id: str) -> str:
        """A pupil's resource ``N`` (stable)."""
        return self.ident("pupil", pupil_id)

    def homework_id(self, uid: str) -> str:
        """A homework item's ``N`` (stable)."""
        return self.ident("hw", uid)

    def pupil_name(self, pupil: Pupil) -> str:
        """``NAME First``, as PRONOTE lists pupils."""
        return f"{pupil.last_name.upper()} {pupil.first_name}"

    def teacher_name(self, person_id: str) -> str:
        """``NAME F.``, as PRONOTE shows teachers."""
        person = self.dataset.person(person_id)
        return f"{person.last_name.upper()} {person.first_name[:1]}."

    def general(self, version: str) -> dict[str, Any]:
        """``FonctionParametres``' ``General``: the year, its periods and grid."""
        dataset = self.dataset
        hours, ends = self._grid_labels()
        return {
            "versionPN": version,
            "millesime": str(dataset.year_start.year),
            "PremierLundi": day_value(self.first_monday()),
            "PremiereDate": day_value(dataset.year_start),
            "DerniereDate": day_value(dataset.year_end),
            "JourOuvre": day_value(dataset.today),
            "ListePeriodes": [
                {
                    "N": period_id,
                    "L": name,
                    "G": 2,
                    "dateDebut": day_value(start),
                    "dateFin": day_value(end),
                }
                for period_id, name, start, end in self.periods()
            ],
            "ListeHeures": {"_T": 24, "V": hours},
            "ListeHeuresFin": {"_T": 24, "V": ends},
            "PlacesParJour": self.slots_per_day(),
            "PlacesParHeure": 2 if self.shapes.slot_grid == "half_hours" else 1,
            "DomainesFrequences": [
                None,
                {"_T": 8, "V": "[]"},
                {"_T": 8, "V": "[]"},
            ],
            "LibellesFrequences": ["", "Q1", "Q2"],
            "listeJoursFeries": {
                "_T": 24,
                "V": [
                    {
                        "N": holiday.uid,
                        "L": holiday.name(LANG),
                        "dateDebut": day_value(holiday.start),
                        "dateFin": day_value(holiday.end),
                    }
                    for holiday in dataset.holidays
                ],
            },
        }

    def slots_per_day(self) -> int:
        """How many grid slots a day has."""
        if self.shapes.slot_grid == "half_hours":
            return GRID_SLOTS_PER_DAY
        return len(BELL_SCHEDULE)

    def _grid_labels(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``ListeHeures`` and ``ListeHeuresFin``: each slot's start and end.

        On the half-hour grid both lists hold one entry more than the day
        has slots (the closing boundary): a guess that pronotepy's divisor
        ``len(ListeHeuresFin) - 1`` supports; no recorded answer shows it.
        """
        if self.shapes.slot_grid == "half_hours":
            day = datetime.combine(date.min, GRID_START)
            spans = [
                (day + GRID_SLOT * place, day + GRID_SLOT * (place + 1))
                for place in range(GRID_SLOTS_PER_DAY + 1)
            ]
            times = [(start.time(), end.time()) for start, end in spans]
        else:
            times = [span for _hour, span in sorted(BELL_SCHEDULE.items())]
        starts = [
            {"G": place, "L": start.strftime("%Hh%M"), "A": True}
            for place, (start, _end) in enumerate(times)
        ]
        ends = [
            {"G": place, "L": end.strftime("%Hh%M"), "A": True}
            for place, (_start, end) in enumerate(times)
        ]
        return starts, ends

    def lesson_span(
        self, day: date, hour: int, length: int = 1
    ) -> tuple[datetime, datetime, int, int]:
        """Where the grid puts ``length`` lessons from bell ``hour``.

        Start, end, the first slot of the day and the number of slots.
        """
        if self.shapes.slot_grid == "half_hours":
            first = 2 * (hour - 1)
            start = datetime.combine(day, GRID_START) + GRID_SLOT * first
            return start, start + GRID_SLOT * 2 * length, first, 2 * length
        start = datetime.combine(day, BELL_SCHEDULE[hour][0])
        end = datetime.combine(day, BELL_SCHEDULE[hour + length - 1][1])
        return start, end, hour - 1, length

    def first_monday(self) -> date:
        """The Monday of week 1."""
        return monday_of(self.dataset.year_start)

    def periods(self) -> list[tuple[str, str, date, date]]:
        """The three trimesters: (id, name, first day, last day)."""
        start = self.dataset.year_start
        end = self.dataset.year_end
        cut1 = date(start.year, 11, 30)
        cut2 = date(start.year + 1, 2, 28)
        return [
            (self.ident("period", "1"), "Trimestre 1", start, cut1),
            (self.ident("period", "2"), "Trimestre 2", cut1 + timedelta(days=1), cut2),
            (self.ident("period", "3"), "Trimestre 3", cut2 + timedelta(days=1), end),
        ]

    def current_period(self) -> tuple[str, str, date, date]:
        """The trimester today is in."""
        today = self.dataset.today
        periods = self.periods()
        return next((p for p in periods if p[2] <= today <= p[3]), periods[0])

    def resource(self, pupil: Pupil) -> dict[str, Any]:
        """A pupil as a resource: class, school, periods per tab."""
        school_class = self.dataset.class_of(pupil.id)
        period = self.current_period()
        return {
            "N": self.resource_id(pupil.id),
            "G": 4,
            "L": self.pupil_name(pupil),
            "P": pupil.number,
            "Etablissement": {
                "V": {
                    "N": str(self.dataset.school.id),
                    "L": self.dataset.school.name(LANG),
                }
            },
            "classeDEleve": {
                "N": self.ident("class", school_class.id),
                "L": school_class.name,
            },
            "avecPhoto": False,
            "listeOngletsPourPeriodes": {
                "_T": 24,
                "V": [
                    {
                        "G": onglet,
                        "listePeriodes": {
                            "_T": 24,
                            "V": [
                                {"N": pid, "L": name, "G": 2}
                                for pid, name, _s, _e in self.periods()
                            ],
                        },
                        "periodeParDefaut": {"V": {"N": period[0], "L": period[1]}},
                    }
                    for onglet in (198, 19)
                ],
            },
        }

    def user_settings(self, login: Login) -> Any:
        """``ParametresUtilisateur``: the login's resource (a parent's: the children's)."""
        pupils = [self.dataset.pupils[p] for p in login.pupil_ids]
        if login.kind == "parent":
            resource: dict[str, Any] = {
                "N": self.ident("parent", login.username),
                "G": 3,
                "L": f"{login.last_name.upper()} {login.first_name}",
                "listeRessources": [self.resource(p) for p in pupils],
            }
        else:
            resource = self.resource(pupils[0])
        return {
            "ressource": resource,
            "listeOnglets": [
                {"G": 7, "Onglet": [{"G": onglet} for onglet in ONGLETS if onglet != 7]}
            ],
            "autorisations": {
                "AvecDiscussion": True,
                "AvecDiscussionProfesseurs": True,
                "tailleMaxRenduTafEleve": 4096,
            },
        }

    def week_monday(self, week: int) -> date:
        """The Monday of a PRONOTE week number."""
        return self.first_monday() + timedelta(days=7 * (week - 1))

    def week_of(self, day: date) -> int:
        """The PRONOTE week number of a day."""
        return 1 + (day - self.first_monday()).days // 7

    def period(self, value: Any) -> tuple[str, str, date, date]:
        """The period a request names (``{"N": …}``)."""
        wanted = value.get("N") if isinstance(value, dict) else None
        for period in self.periods():
            if period[0] == wanted:
                return period
        raise EmulatorError(1, "Période inconnue")
