"""Lessons and homework: the timetable, the homework book and its done marks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..dataset import HomeworkItem, Lesson, Person, Pupil, localized
from .school import LANG, EdSchool
from .wire import b64, day_text, html, minute_text


class EdTimetable:
    """The pupil's lessons and homework, read live from the dataset."""

    def __init__(self, school: EdSchool) -> None:
        self.school = school
        self.dataset = school.dataset
        # Homework ticked off on the portal: dataset uid -> done.
        self.done: dict[str, bool] = {}

    # -- timetable ----------------------------------------------------------------

    def lessons(self, pupil: Pupil, body: dict[str, Any]) -> list[dict[str, Any]]:
        """``emploidutemps``: every lesson from ``dateDebut`` to ``dateFin`` (both in)."""
        try:
            start = date.fromisoformat(str(body.get("dateDebut", "")))
            end = date.fromisoformat(str(body.get("dateFin") or start.isoformat()))
        except ValueError:
            return []  # a bad range is an empty list, not an error
        if end < start:
            return []
        after = end + timedelta(days=1)
        due = {
            (item.due, item.subject)
            for item in self.dataset.homework(pupil.id, start, after)
        }
        lessons = self.dataset.lessons(pupil.id, start, after)
        return [
            self.lesson(lesson, (lesson.day, lesson.subject) in due)
            for lesson in lessons
        ]

    def lesson(self, lesson: Lesson, homework_due: bool = False) -> dict[str, Any]:
        """One lesson, as the timetable lists it (``devoirAFaire``: homework due)."""
        school = self.school
        school_class = self.dataset.classes[lesson.class_id]
        teacher = self.dataset.person(lesson.substitute_id or lesson.teacher_id)
        return {
            "id": school.number(lesson.uid),
            "text": school.subject_name(lesson.subject),
            "matiere": school.subject_name(lesson.subject),
            "codeMatiere": school.subject_code(lesson.subject),
            "typeCours": "COURS",
            "start_date": minute_text(lesson.start),
            "end_date": minute_text(lesson.end),
            "color": school.color(lesson.subject),
            "dispensable": False,
            "dispense": 0,
            "prof": school.teacher_name(teacher),
            "salle": f"SALLE {lesson.room}",
            "classe": school_class.name,
            "classeId": school.number(f"class-{school_class.id}"),
            "classeCode": school_class.name,
            "groupe": "",
            "groupeCode": "",
            "isFlexible": False,
            "groupeId": 0,
            "icone": "",
            "isModifie": lesson.changed,
            "contenuDeSeance": bool(lesson.topic),
            "devoirAFaire": homework_due,
            "isAnnule": lesson.cancelled,
        }

    # -- homework -----------------------------------------------------------------

    def is_done(self, item: HomeworkItem) -> bool:
        """Whether the pupil ticked it off."""
        return self.done.get(item.uid, False)

    def homework_id(self, item: HomeworkItem) -> int:
        """A homework item's id (``idDevoir`` and the day's ``id``)."""
        return self.school.number(item.uid)

    def attachments(self, item: HomeworkItem) -> list[dict[str, Any]]:
        """A worksheet for one homework in five (by its id), as ``FICHIER_CDT``."""
        number = self.homework_id(item)
        if number % 5:
            return []
        return [
            {
                "id": self.school.number(f"worksheet-{item.uid}"),
                "libelle": f"fiche-{number}.pdf",
                "date": day_text(item.given),
                "taille": 2048,
                "type": "FICHIER_CDT",
                "signatureDemandee": False,
                "signature": {},
            }
        ]

    def upcoming(self, pupil: Pupil) -> dict[str, list[dict[str, Any]]]:
        """``cahierdetexte``: homework due from today on, by due day (``{}`` if none)."""
        coming: dict[str, list[dict[str, Any]]] = {}
        for item in self.dataset.homework(pupil.id, start=self.dataset.today):
            coming.setdefault(day_text(item.due), []).append(
                {
                    "matiere": self.school.subject_name(item.subject),
                    "codeMatiere": self.school.subject_code(item.subject),
                    "aFaire": True,
                    "idDevoir": self.homework_id(item),
                    "documentsAFaire": bool(self.attachments(item)),
                    "donneLe": day_text(item.given),
                    "effectue": self.is_done(item),
                    "interrogation": False,
                    "rendreEnLigne": False,
                    "tags": [],
                }
            )
        return coming

    def day(self, pupil: Pupil, day: date) -> dict[str, Any]:
        """``cahierdetexte/<day>``: homework due that day, then what lessons covered."""
        entries = [
            self._due(item)
            for item in self.dataset.homework(pupil.id, day, day + timedelta(days=1))
        ]
        for lesson in self.dataset.lessons_on(pupil.id, day):
            if lesson.topic and not lesson.cancelled:
                entries.append(self._session(lesson))
        return {"date": day_text(day), "matieres": entries}

    def _due(self, item: HomeworkItem) -> dict[str, Any]:
        number = self.homework_id(item)
        teacher = self.dataset.person(item.teacher_id)
        text = localized(item.description, LANG)
        return self._entry(item.class_id, item.subject, teacher, number) | {
            "aFaire": {
                "idDevoir": number,
                "contenu": b64(html(text)),
                "rendreEnLigne": False,
                "donneLe": day_text(item.given),
                "effectue": self.is_done(item),
                "ressource": "",
                "ressourceDocuments": [],
                "documents": self.attachments(item),
                "commentaires": [],
                "elementsProg": [],
                "liensManuel": [],
                "documentsRendus": [],
                "contenuDeSeance": {"contenu": "", "documents": [], "commentaires": []},
            },
            "contenuDeSeance": {"idDevoir": number, "contenu": "", "documents": []},
        }

    def _session(self, lesson: Lesson) -> dict[str, Any]:
        school = self.school
        number = school.number(lesson.uid)
        teacher = self.dataset.person(lesson.substitute_id or lesson.teacher_id)
        return self._entry(lesson.class_id, lesson.subject, teacher, number) | {
            "contenuDeSeance": {
                "idDevoir": number,
                "contenu": b64(html(localized(lesson.topic, LANG))),
                "documents": [],
                "commentaires": [],
            },
        }

    def _entry(
        self, class_id: str, subject: str, teacher: Person, number: int
    ) -> dict[str, Any]:
        """What every entry of a day's book starts with: class, subject, teacher."""
        school = self.school
        name = self.dataset.classes[class_id].name
        return {
            "entityCode": name,
            "entityLibelle": name,
            "entityType": "C",
            "matiere": school.subject_name(subject),
            "codeMatiere": school.subject_code(subject),
            "nomProf": f" par {school.civility(teacher)} {school.teacher_name(teacher)}",
            "id": number,
            "interrogation": False,
            "blogActif": False,
            "nbJourMaxRenduDevoir": 0,
        }

    def set_done(self, pupil: Pupil, body: dict[str, Any]) -> None:
        """``cahierdetexte`` put: ids done and not done (``null`` ids are ignored)."""
        items = {
            self.homework_id(item): item for item in self.dataset.homework(pupil.id)
        }
        for key, done in (
            ("idDevoirsEffectues", True),
            ("idDevoirsNonEffectues", False),
        ):
            ids = body.get(key) or []
            for value in ids if isinstance(ids, list) else [ids]:
                try:
                    item = items.get(int(value))
                except (TypeError, ValueError):
                    continue
                if item is not None:
                    self.done[item.uid] = done
