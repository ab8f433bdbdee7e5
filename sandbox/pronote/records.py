"""PRONOTE's marks and attendance over the shared dataset."""

from __future__ import annotations

from typing import Any

from ..dataset import DisciplineRecord, GradeRecord, Pupil, localized
from .school import LANG, PronoteSchool
from .values import day_value, mark, stamp


class PronoteRecords:
    """Grades and the attendance record, in PRONOTE's shapes."""

    def __init__(self, school: PronoteSchool) -> None:
        self.dataset = school.dataset
        self.school = school

    def grades(self, pupil: Pupil, data: dict[str, Any]) -> Any:
        """``DernieresNotes``: a period's marks, with class and subject averages."""
        period_id, period_name, start, end = self.school.period(
            data.get("Periode") or data.get("periode")
        )
        grades = [g for g in self.dataset.grades(pupil.id) if start <= g.day <= end]
        classmates = self.dataset.pupils_in(pupil.class_id)

        def class_grades(grade: GradeRecord) -> list[float]:
            values = []
            for mate in classmates:
                for other in self.dataset.grades(mate.id):
                    if other.uid.rsplit("-", 1)[0] == grade.uid.rsplit("-", 1)[0]:
                        values.append(other.score / 5)
            return values

        def subject_average(pupil_id: str, subject: str) -> float | None:
            values = [
                g.score / 5
                for g in self.dataset.grades(pupil_id)
                if g.subject == subject and start <= g.day <= end
            ]
            return sum(values) / len(values) if values else None

        rows = []
        for grade in grades:
            mates = class_grades(grade) or [grade.score / 5]
            subject = self.dataset.subjects[grade.subject]
            rows.append(
                {
                    "N": self.school.ident("grade", grade.uid),
                    "G": 60,
                    "note": {"_T": 10, "V": mark(grade.score / 5)},
                    "bareme": {"_T": 10, "V": "20"},
                    "baremeParDefaut": {"_T": 10, "V": "20"},
                    "date": {"_T": 7, "V": day_value(grade.day)["V"]},
                    "service": {
                        "_T": 24,
                        "V": {
                            "N": self.school.ident("subject", grade.subject),
                            "L": subject.name(LANG),
                        },
                    },
                    "periode": {"_T": 24, "V": {"N": period_id, "L": period_name}},
                    "moyenne": {"_T": 10, "V": mark(sum(mates) / len(mates))},
                    "noteMax": {"_T": 10, "V": mark(max(mates))},
                    "noteMin": {"_T": 10, "V": mark(min(mates))},
                    "coefficient": 1,
                    "commentaire": localized(grade.description, LANG),
                    "estBonus": False,
                    "estFacultatif": False,
                    "estRamenerSur20": False,
                }
            )
        services = []
        own_averages = []
        class_averages = []
        for subject_key in sorted({g.subject for g in grades}):
            own = subject_average(pupil.id, subject_key)
            mates = [
                value
                for mate in classmates
                if (value := subject_average(mate.id, subject_key)) is not None
            ]
            if own is None:
                continue
            own_averages.append(own)
            class_avg = sum(mates) / len(mates) if mates else own
            class_averages.append(class_avg)
            services.append(
                {
                    "N": self.school.ident("subject", subject_key),
                    "L": self.dataset.subjects[subject_key].name(LANG),
                    "G": 12,
                    "moyEleve": {"_T": 10, "V": mark(own)},
                    "baremeMoyEleve": {"_T": 10, "V": "20"},
                    "baremeMoyEleveParDefault": {"_T": 10, "V": "20"},
                    "moyClasse": {"_T": 10, "V": mark(class_avg)},
                    "moyMin": {"_T": 10, "V": mark(min(mates or [own]))},
                    "moyMax": {"_T": 10, "V": mark(max(mates or [own]))},
                    "couleur": "#C0C0C0",
                }
            )
        result: dict[str, Any] = {
            "listeDevoirs": {"_T": 24, "V": rows},
            "listeServices": {"_T": 24, "V": services},
        }
        if own_averages:
            result["moyGenerale"] = {
                "_T": 10,
                "V": mark(sum(own_averages) / len(own_averages)),
            }
            result["moyGeneraleClasse"] = {
                "_T": 10,
                "V": mark(sum(class_averages) / len(class_averages)),
            }
        return result

    def presence(self, pupil: Pupil, data: dict[str, Any]) -> Any:
        """``PagePresence``: a period's absences, lates, punishments and remarks."""
        _pid, _name, start, end = self.school.period(data.get("periode"))
        rows = [
            self._presence_row(record)
            for record in self.dataset.discipline(pupil.id)
            if start <= record.day <= end
        ]
        return {"listeAbsences": {"_T": 24, "V": rows}}

    def _presence_row(self, record: DisciplineRecord) -> dict[str, Any]:
        start, end, place, _slots = self.school.lesson_span(record.day, record.hour)
        number = self.school.ident("discipline", record.uid)
        description = localized(record.description, LANG)
        label = localized(record.label, LANG)
        reasons = {"_T": 24, "V": [{"L": description or label}]}
        teacher = (
            self.school.teacher_name(record.teacher_id)
            if record.teacher_id
            else "Vie scolaire"
        )
        if record.kind == "absence":
            return {
                "N": number,
                "G": 13,
                "dateDebut": {"_T": 7, "V": stamp(start)},
                "dateFin": {"_T": 7, "V": stamp(end)},
                "justifie": bool(record.justified),
                "NbrHeures": "0h45",
                "NbrJours": 0,
                "listeMotifs": {"_T": 24, "V": [] if not description else reasons["V"]},
            }
        if record.kind == "late":
            return {
                "N": number,
                "G": 14,
                "date": {"_T": 7, "V": stamp(start)},
                "duree": 10,
                "justifie": False,
                "justification": "",
                "listeMotifs": reasons,
            }
        if record.kind == "punishment":
            return {
                "N": number,
                "G": 41,
                "dateDemande": {"_T": 7, "V": day_value(record.day)["V"]},
                "horsCours": False,
                "placeDemande": place,
                "estUneExclusion": False,
                "travailAFaire": "",
                "documentsTAF": {"_T": 24, "V": []},
                "circonstances": description,
                "documentsCirconstances": {"_T": 24, "V": []},
                "nature": {"V": {"N": "1", "L": label}},
                "listeMotifs": reasons,
                "demandeur": {"V": {"N": "0", "L": teacher}},
                "estProgrammable": False,
                "duree": 60,
            }
        return {
            "N": number,
            "G": 46,
            "date": {"_T": 7, "V": stamp(start)},
            "L": label,
            "commentaire": description,
            "demandeur": {"V": {"N": "0", "L": teacher}},
            "estUneObservationPositive": record.kind == "praise",
        }
