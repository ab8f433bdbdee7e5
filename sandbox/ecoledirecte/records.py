"""Grades, periods and averages; school life; the timelines and workspaces."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from statistics import mean
from typing import Any

from ..dataset import GradeRecord, Login, Pupil, localized
from .school import LANG, EdSchool
from .wire import b64, day_text, french_day, html, number

# Marks that are not numbers (notes §8), by the grade's position in the
# pupil's year (oldest first): absent, exempted, not graded, waiting.
SPECIAL_MARKS = {1: "Abs", 3: "Disp", 5: "NE", 7: "EA"}
OUT_OF = 20
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
    "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def long_day(day: date) -> str:
    """``mercredi 18 novembre 2026``."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


class EdRecords:
    """What the pupil's record holds, read live from the dataset."""

    def __init__(self, school: EdSchool) -> None:
        self.school = school
        self.dataset = school.dataset
        # Whether the school shows encouragements in school life (the real
        # ``parametrage.encouragementsVisible``); pydirecte 1.0.3 cannot read one.
        self.encouragements_visible = True

    # -- periods ------------------------------------------------------------------

    def periods(self) -> list[tuple[str, str, date, date]]:
        """The three trimesters and the year: (id, name, first day, last day)."""
        start, end = self.dataset.year_start, self.dataset.year_end
        second = date(start.year, 12, 1)
        third = date(start.year + 1, 3, 16)
        return [
            ("A001", "1er Trimestre", start, second - timedelta(days=1)),
            ("A002", "2ème Trimestre", second, third - timedelta(days=1)),
            ("A003", "3ème Trimestre", third, end),
            ("A999Z", "Année", start, end),
        ]

    def period_of(self, day: date) -> str:
        """The trimester a day falls in."""
        return next(
            (pid for pid, _, first, last in self.periods()[:3] if first <= day <= last),
            "A003",
        )

    # -- grades -------------------------------------------------------------------

    def marks(self, pupil: Pupil) -> dict[str, str]:
        """Every ``valeur`` of the pupil's class by grade uid: out of 20, or no number."""
        return {
            grade.uid: SPECIAL_MARKS.get(position)
            or number(grade.score * OUT_OF / grade.out_of)
            for other in self.dataset.pupils_in(pupil.class_id)
            for position, grade in enumerate(self.dataset.grades(other.id))
        }

    @staticmethod
    def points(mark: str) -> float | None:
        """A mark's number, if it is one."""
        try:
            return float(mark.replace(",", "."))
        except ValueError:
            return None

    def grades(self, pupil: Pupil) -> dict[str, Any]:
        """``notes``: the marks, the periods with their averages, the settings."""
        marks = self.marks(pupil)
        own = self.dataset.grades(pupil.id)
        notes = [self._note(grade, marks) for grade in own]
        return {
            "foStat": "",
            "periodes": [
                self._period(pupil, period, own, marks) for period in self.periods()
            ],
            "notes": notes,
            "parametrage": {
                "couleurEval1": "#FF0000",
                "libelleEval1": b64("Non atteints"),
                "libelleEval2": b64("Partiellement atteints"),
                "libelleEval3": b64("Atteints"),
                "libelleEval4": b64("Dépassés"),
                "affichageMoyenne": True,
                "affichageMoyenneDevoir": True,
                "moyenneSur": OUT_OF,
                "moyenneGenerale": True,
                "notePeriodeAnnuelle": True,
                "coefficientNote": True,
            },
        }

    def _class_grades(self, pupil: Pupil) -> list[GradeRecord]:
        return [
            grade
            for other in self.dataset.pupils_in(pupil.class_id)
            for grade in self.dataset.grades(other.id)
        ]

    def _note(self, grade: GradeRecord, marks: dict[str, str]) -> dict[str, Any]:
        school = self.school
        prefix = grade.uid.rsplit("-", 1)[0] + "-"
        exam = [
            points
            for uid, mark in marks.items()
            if uid.startswith(prefix) and (points := self.points(mark)) is not None
        ]
        entered = min(grade.day + timedelta(days=2), self.dataset.today)
        return {
            "id": school.number(grade.uid),
            "devoir": localized(grade.description, LANG),
            "codePeriode": self.period_of(grade.day),
            "codeMatiere": school.subject_code(grade.subject),
            "libelleMatiere": school.subject_name(grade.subject),
            "codeSousMatiere": "",
            "typeDevoir": "CONTRÔLE",
            "enLettre": False,
            "commentaire": "",
            "uncSujet": "",
            "uncCorrige": "",
            "coef": "1",
            "noteSur": str(OUT_OF),
            "valeur": marks[grade.uid],
            "nonSignificatif": False,
            "date": day_text(grade.day),
            "dateSaisie": day_text(entered),
            "valeurisee": False,
            "moyenneClasse": number(mean(exam)) if exam else "",
            "minClasse": number(min(exam)) if exam else "",
            "maxClasse": number(max(exam)) if exam else "",
            "elementsProgramme": [],
        }

    def _period(
        self,
        pupil: Pupil,
        period: tuple[str, str, date, date],
        own: list[GradeRecord],
        marks: dict[str, str],
    ) -> dict[str, Any]:
        pid, name, first, last = period
        inside = [g for g in own if first <= g.day <= last]
        everyone = self._class_grades(pupil)
        disciplines: list[dict[str, Any]] = []
        for key in self.dataset.subjects:
            subject = [g for g in inside if g.subject == key]
            if not subject:
                continue
            class_points = self._points(
                (g for g in everyone if g.subject == key and first <= g.day <= last),
                marks,
            )
            teacher = self.dataset.teacher_of(pupil.class_id, key)
            average = self._points(subject, marks)
            disciplines.append(
                {
                    "id": self.school.number(f"discipline-{key}"),
                    "codeMatiere": self.school.subject_code(key),
                    "codeSousMatiere": "",
                    "discipline": self.school.subject_name(key),
                    "moyenne": number(mean(average)) if average else "",
                    "moyenneClasse": number(mean(class_points)) if class_points else "",
                    "moyenneMin": number(min(class_points)) if class_points else "",
                    "moyenneMax": number(max(class_points)) if class_points else "",
                    "coef": 1,
                    "effectif": len(self.dataset.pupils_in(pupil.class_id)),
                    "rang": 0,
                    "groupeMatiere": False,
                    "sousMatiere": False,
                    "professeurs": [
                        {"id": self.school.number(f"person-{teacher.id}"),
                         "nom": self.school.teacher_name(teacher)}
                    ],
                }
            )  # fmt: skip
        averages = [self.points(d["moyenne"]) for d in disciplines]
        classes = [self.points(d["moyenneClasse"]) for d in disciplines]
        general = [a for a in averages if a is not None]
        class_general = [a for a in classes if a is not None]
        today = self.dataset.today
        return {
            "idPeriode": pid,
            "codePeriode": pid,
            "periode": name,
            "annuel": pid == "A999Z",
            "dateDebut": day_text(first),
            "dateFin": day_text(last),
            "examenBlanc": False,
            "cloture": last < today,
            "dateConseil": day_text(last),
            "heureConseil": "17:00",
            "heureFinConseil": "18:00",
            "salleConseil": "",
            "ensembleMatieres": {
                "dateCalcul": f"{day_text(today)} 06:00",
                "moyenneGenerale": number(mean(general)) if general else "",
                "moyenneClasse": number(mean(class_general)) if class_general else "",
                "moyenneMin": number(min(class_general)) if class_general else "",
                "moyenneMax": number(max(class_general)) if class_general else "",
                "nomPP": "",
                "nomCE": "",
                "decisionDuConseil": "",
                "disciplines": disciplines,
            },
        }

    def _points(
        self, grades: Iterable[GradeRecord], marks: dict[str, str]
    ) -> list[float]:
        values = (self.points(marks[g.uid]) for g in grades)
        return [v for v in values if v is not None]

    # -- school life --------------------------------------------------------------

    def school_life(self, pupil: Pupil) -> dict[str, Any]:
        """``viescolaire``: absences and delays, sanctions and encouragements."""
        absences: list[dict[str, Any]] = []
        sanctions: list[dict[str, Any]] = []
        for record in self.dataset.discipline(pupil.id):
            label = localized(record.label, LANG)
            text = localized(record.description, LANG)
            teacher = (
                self.school.teacher_name(self.dataset.person(record.teacher_id))
                if record.teacher_id
                else ""
            )
            item: dict[str, Any] = {
                "id": self.school.number(record.uid),
                "idEleve": self.school.pupil_id(pupil),
                "nomEleve": f"{pupil.first_name} {pupil.last_name.upper()}",
                "date": day_text(record.day),
                "displayDate": "",
                "libelle": label.upper(),
                "motif": text,
                "justifie": bool(record.justified),
                "par": teacher,
                "commentaire": "",
                "typeJustification": "",
                "justifieEd": False,
                "aFaire": "",
                "dateDeroulement": "",
                "matiere": self.school.subject_name(record.subject)
                if record.subject
                else "",
            }
            start = record.when
            end = start + timedelta(minutes=45)
            when = f"le {long_day(record.day)} de {start:%H:%M} à {end:%H:%M}"
            if record.kind in ("absence", "late"):
                kind = "Absence" if record.kind == "absence" else "Retard"
                item |= {"typeElement": kind, "displayDate": when}
                if record.kind == "absence":
                    item["libelle"] = "1 heure"
                absences.append(item)
            elif record.kind == "praise":
                if self.encouragements_visible:
                    sanctions.append(item | {"typeElement": "Encouragement"})
            else:
                if record.kind == "punishment":
                    item["aFaire"] = "1 heure"
                    item["dateDeroulement"] = (
                        f"Déroulement prévu le {long_day(record.day + timedelta(days=1))}"
                        "<BR>de 13:00 à 14:00"
                    )
                sanctions.append(item | {"typeElement": "Punition"})
        return {
            "absencesRetards": absences,
            "sanctionsEncouragements": sanctions,
            "dispenses": [],
            "parametrage": {
                "justificationEnLigne": True,
                "absenceCommentaire": True,
                "retardCommentaire": True,
                "sanctionsVisible": True,
                "sanctionParQui": True,
                "sanctionCommentaire": True,
                "encouragementsVisible": self.encouragements_visible,
                "encouragementParQui": True,
                "encouragementCommentaire": True,
            },
        }

    # -- timelines ----------------------------------------------------------------

    def timeline(self, login: Login) -> list[dict[str, Any]]:
        """``timeline``: the login's notices, newest first (each pupil shows them all)."""
        return [
            {
                "date": day_text(notice.when.date()),
                "typeElement": "Note"
                if localized(notice.text, LANG).startswith("Nouvelle note")
                else "Actualite",
                "idElement": self.school.number(notice.uid),
                "titre": localized(notice.text, LANG),
                "soustitre": "",
                "contenu": "",
            }
            for notice in self.school.notifications(login)
        ]

    def homepage(self) -> dict[str, Any]:
        """``timelineAccueilCommun``: a post-it for each break to come, shown during it."""
        principal = self.dataset.staff["s-principal"]
        postits = []
        for holiday in self.dataset.holidays:
            if holiday.end < self.dataset.today:
                continue
            name = holiday.name(LANG)
            text = (
                f"{name} du {french_day(holiday.start)} au {french_day(holiday.end)}."
            )
            postits.append(
                {
                    "id": self.school.number(holiday.uid),
                    "type": "info",
                    "contenu": b64(html(text)),
                    "dateCreation": french_day(holiday.start - timedelta(days=14)),
                    "dateDebut": french_day(holiday.start),
                    "dateFin": french_day(holiday.end),
                    "cible": "E",
                    "auteur": {
                        "civilite": "Mme",
                        "prenom": principal.first_name,
                        "particule": "",
                        "nom": principal.last_name.upper(),
                        "type": "A",
                        "id": self.school.number(f"person-{principal.id}"),
                    },
                }
            )
        return {"evenements": [], "postits": postits}

    # -- workspaces ---------------------------------------------------------------

    def workspaces(self, pupil: Pupil | None) -> list[dict[str, Any]]:
        """``espacestravail``: a club and the class's space."""
        names = [("Club informatique", "Programmation et robotique, le jeudi midi.")]
        if pupil is not None:
            school_class = self.dataset.class_of(pupil.id)
            names.append(
                (
                    f"Classe de {school_class.name}",
                    "Documents et annonces de la classe.",
                )
            )
        return [self.workspace(name, summary) for name, summary in names]

    def workspace(self, name: str, summary: str) -> dict[str, Any]:
        """One workspace."""
        created = datetime.combine(self.dataset.year_start, time(9, 30))
        return {
            "id": self.school.number(f"workspace-{name}"),
            "titre": name,
            "description": summary,
            "resume": b64(html(summary)),
            "cloud": True,
            "discussion": True,
            "agenda": False,
            "public": False,
            "ouvert": True,
            "type": "LIBRE",
            "estMembre": True,
            "estAdmin": False,
            "salleDesProfs": False,
            "creePar": "Mme SHAMIR H.",
            "droitUtilisateur": 1,
            "nbMembres": 24,
            "couleurEvenementAgenda": "#1796b0",
            "creeLe": f"{created:%d/%m/%Y} à {created:%H:%M}",
        }

    def workspace_by_id(self, value: int, pupil: Pupil | None) -> dict[str, Any] | None:
        """One of the workspaces by its id."""
        return next((w for w in self.workspaces(pupil) if w["id"] == value), None)
