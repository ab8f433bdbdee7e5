"""PRONOTE's timetable and homework book over the shared dataset."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..dataset import Lesson, Pupil, localized
from .school import LANG, PronoteSchool, Shapes
from .session import EmulatorError
from .values import day_value, domain, html, shape, stamp


class PronoteTimetable:
    """Lessons, homework and lesson contents, in PRONOTE's shapes."""

    def __init__(
        self, school: PronoteSchool, shapes: Shapes, done: dict[tuple[str, str], bool]
    ) -> None:
        self.dataset = school.dataset
        self.school = school
        self.shapes = shapes
        # (pupil, homework N) -> ticked off, as the pupil left it.
        self.done = done

    def _lesson_row(
        self, pupil: Pupil, lesson: Lesson, length: int = 1
    ) -> dict[str, Any]:
        teacher = lesson.substitute_id or lesson.teacher_id
        exam = any(exam.uid == f"ex-{lesson.uid}" for exam in self.dataset.exams)
        start, end, place, slots = self.school.lesson_span(
            lesson.day, lesson.hour, length
        )
        row: dict[str, Any] = {
            "N": self.school.ident("lesson", lesson.uid),
            "G": 0,
            "P": 1,
            "place": lesson.day.weekday() * self.school.slots_per_day() + place,
            "duree": slots,
            "DateDuCours": {"_T": 7, "V": stamp(start)},
            "CouleurFond": "#8FB6E5",
            "ListeContenus": {
                "_T": 24,
                "V": [
                    {
                        "N": self.school.ident("subject", lesson.subject),
                        "G": 16,
                        "L": self.dataset.subjects[lesson.subject].name(LANG),
                    },
                    {
                        "N": self.school.ident("person", teacher),
                        "G": 3,
                        "L": self.school.teacher_name(teacher),
                    }
                    if self.shapes.teacher_ids
                    else {"G": 3, "L": self.school.teacher_name(teacher)},
                    {
                        "N": self.school.ident("room", lesson.room),
                        "G": 17,
                        "L": lesson.room,
                    },
                ],
            },
            "AvecTafPublie": False,
        }
        if self.shapes.lesson_end:
            row["DateDuCoursFin"] = {"_T": 7, "V": stamp(end)}
        if lesson.cancelled:
            row["estAnnule"] = True
            row["Statut"] = "Prof. absent"
        elif lesson.substitute_id:
            row["Statut"] = "Remplacement"
        if exam:
            row["cahierDeTextes"] = {
                "V": {"N": self.school.ident("cdt", lesson.uid), "estDevoir": True}
            }
        return row

    def week(self, pupil: Pupil, data: dict[str, Any]) -> Any:
        """``PageEmploiDuTemps``: one week's lessons."""
        week = int(data.get("numeroSemaine") or data.get("NumeroSemaine") or 0)
        if week <= 0:
            raise EmulatorError(1, "Semaine invalide")
        monday = self.school.week_monday(week)
        lessons = self.dataset.lessons(pupil.id, monday, monday + timedelta(days=7))
        return {
            "ListeCours": [
                self._lesson_row(pupil, lesson, length)
                for lesson, length in self.courses(lessons)
            ],
            "avecCoursAnnule": True,
            "ParametreExportiCal": self.school.ident("ical", pupil.id),
        }

    def courses(self, lessons: list[Lesson]) -> list[tuple[Lesson, int]]:
        """Lessons as the timetable lists them, with their length in bell hours.

        On the half-hour grid a double lesson (the same lesson in two
        consecutive hours) is one course, as such schools show it.
        """
        courses: list[tuple[Lesson, int]] = []
        for lesson in lessons:
            if courses and self.shapes.slot_grid == "half_hours":
                first, length = courses[-1]
                if (
                    first.day == lesson.day
                    and first.hour + length == lesson.hour
                    and shape(first) == shape(lesson)
                ):
                    courses[-1] = (first, length + 1)
                    continue
            courses.append((lesson, 1))
        return courses

    def homework_book(
        self, pupil: Pupil, data: dict[str, Any], *, contents: bool
    ) -> Any:
        """``PageCahierDeTexte``: homework due in the weeks asked, or lesson contents."""
        weeks = domain(data.get("domaine", {}).get("V", ""))
        if not weeks:
            raise EmulatorError(1, "Domaine invalide")
        start = self.school.week_monday(min(weeks))
        end = self.school.week_monday(max(weeks)) + timedelta(days=7)
        if contents:
            return self._lesson_contents(pupil, start, end)
        items = [
            item
            for item in self.dataset.homework(pupil.id, start, end)
            if self.school.week_of(item.due) in weeks
        ]
        rows = []
        for item in items:
            number = self.school.homework_id(item.uid)
            rows.append(
                {
                    "N": number,
                    "G": 0,
                    "descriptif": {
                        "_T": 21,
                        "V": f"<div>{html(localized(item.description, LANG))}</div>",
                    },
                    "TAFFait": self.done.get((pupil.id, number), False),
                    "Matiere": {
                        "V": {
                            "N": self.school.ident("subject", item.subject),
                            "L": self.dataset.subjects[item.subject].name(LANG),
                        }
                    },
                    "PourLe": {"_T": 7, "V": day_value(item.due)["V"]},
                    "DonneLe": {"_T": 7, "V": day_value(item.given)["V"]},
                    "CouleurFond": "#F2C744",
                    "ListePieceJointe": {"_T": 24, "V": []},
                    "ListeThemes": {"_T": 24, "V": []},
                    "niveauDifficulte": 0,
                    "duree": 0,
                    "cahierDeTextes": {
                        "V": {
                            "N": self.school.ident("cdt", item.lesson_uid or item.uid)
                        }
                    },
                }
            )
        return {"ListeTravauxAFaire": {"_T": 24, "V": rows}}

    def _lesson_contents(self, pupil: Pupil, start: date, end: date) -> Any:
        rows = []
        for lesson in self.dataset.lessons(pupil.id, start, end):
            if not lesson.topic:
                continue
            rows.append(
                {
                    "N": self.school.ident("cdt", lesson.uid),
                    "cours": {"V": {"N": self.school.ident("lesson", lesson.uid)}},
                    "listeContenus": {
                        "_T": 24,
                        "V": [
                            {
                                "N": self.school.ident("content", lesson.uid),
                                "L": localized(lesson.topic, LANG),
                                "descriptif": {
                                    "_T": 21,
                                    "V": f"<p>{html(localized(lesson.topic, LANG))}</p>",
                                },
                                "categorie": {"V": {"N": "0", "L": "Cours"}},
                                "ListePieceJointe": {"_T": 24, "V": []},
                            }
                        ],
                    },
                }
            )
        return {"ListeCahierDeTextes": {"_T": 24, "V": rows}}

    def set_done(self, pupil: Pupil, data: dict[str, Any]) -> Any:
        """``SaisieTAFFaitEleve``: tick homework off (or on again)."""
        known = {
            self.school.homework_id(item.uid)
            for item in self.dataset.homework(pupil.id)
        }
        for row in data.get("listeTAF") or ():
            number = str(row.get("N"))
            if number not in known:
                raise EmulatorError(22, "Objet inconnu")
            self.done[(pupil.id, number)] = bool(row.get("TAFFait"))
        return {}
