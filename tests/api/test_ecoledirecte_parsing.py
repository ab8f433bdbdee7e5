"""EcoleDirecte payloads (our own, of the recorded shapes) into the models."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.school_portal.api.client import SessionExpired
from custom_components.school_portal.api.ecoledirecte import parse
from custom_components.school_portal.api.ecoledirecte.wire import (
    Answer,
    SecurityQuestionAsked,
    form_body,
    normalize_server,
    raise_for_code,
)
from custom_components.school_portal.api.errors import (
    AuthenticationError,
    ConfigurationError,
    PortalUnavailable,
    ProtocolError,
)
from custom_components.school_portal.api.models import (
    DisciplineKind,
    LessonStatus,
)

TZ = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 18)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def modules(
    *codes: str, off: tuple[str, ...] = (), **params: dict[str, Any]
) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "enable": code not in off,
            "ordre": n,
            "badge": 0,
            "params": params.get(code, {}),
        }
        for n, code in enumerate(codes)
    ]


ALL_MODULES = (
    "NOTES",
    "CAHIER_DE_TEXTES",
    "EDT",
    "VIE_SCOLAIRE",
    "MESSAGERIE",
    "DOCUMENTS_ELEVE",
)


def pupil_account(pupil_id: int = 4201, *, off: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "idLogin": 9001,
        "id": pupil_id,
        "uid": "u-4201",
        "identifiant": "camille.martin",
        "typeCompte": "E",
        "codeOgec": "0000001X",
        "main": True,
        "lastConnexion": "2026-11-17 18:02",
        "civilite": "",
        "prenom": "Camille",
        "particule": "",
        "nom": "Martin",
        "email": "",
        "anneeScolaireCourante": "2026-2027",
        "nomEtablissement": "Collège des Tilleuls",
        "accessToken": "access",
        "modules": modules(
            *ALL_MODULES,
            "RESERVATIONS",
            "CANTINE_BARCODE",
            off=off,
            RESERVATIONS={
                "regime": "Demi-pensionnaire",
                "repasmidi_1": "1",
                "repasmidi_2": "1",
                "repasmidi_3": "0",
                "repassoir_1": "0",
            },
            CANTINE_BARCODE={"numeroBadge": "000123"},
        ),
        "parametresIndividuels": {},
        "profile": {
            "sexe": "F",
            "nomEtablissement": "Collège des Tilleuls",
            "idEtablissement": "1",
            "classe": {"id": 31, "code": "4B", "libelle": "Quatrième B", "estNote": 1},
        },
    }


def family_account() -> dict[str, Any]:
    return {
        "idLogin": 9100,
        "id": 700,
        "identifiant": "famille.martin",
        "typeCompte": "1",
        "main": True,
        "prenom": "Claire",
        "nom": "Martin",
        "anneeScolaireCourante": "2026-2027",
        "nomEtablissement": "Collège des Tilleuls",
        "modules": modules("MESSAGERIE", "DOCUMENTS_ELEVE"),
        "profile": {
            "eleves": [
                {
                    "id": 4201,
                    "prenom": "Camille",
                    "nom": "Martin",
                    "classe": {"id": 31, "libelle": "Quatrième B"},
                    "modules": modules(*ALL_MODULES),
                },
                {
                    "id": 4202,
                    "prenom": "Jules",
                    "nom": "Martin",
                    "nomEtablissement": "École Jean Moulin",
                    "classe": {"id": 12, "libelle": "CM2"},
                    "modules": modules(*ALL_MODULES, off=("NOTES", "VIE_SCOLAIRE")),
                },
            ]
        },
    }


def lessons_payload() -> list[dict[str, Any]]:
    common = {
        "dispensable": False,
        "dispense": 0,
        "classe": "",
        "groupe": "",
        "isFlexible": False,
        "icone": "",
        "contenuDeSeance": False,
    }
    return [
        {
            **common,
            "id": 501,
            "text": "MATHEMATIQUES",
            "matiere": "MATHEMATIQUES",
            "codeMatiere": "MATHS",
            "typeCours": "COURS",
            "start_date": "2026-11-18 08:00",
            "end_date": "2026-11-18 08:55",
            "color": "#aabbcc",
            "prof": "M. Bernard",
            "salle": "B12",
            "isModifie": False,
            "devoirAFaire": True,
            "isAnnule": False,
        },
        {
            **common,
            "id": 502,
            "text": "ANGLAIS LV1",
            "matiere": "ANGLAIS LV1",
            "codeMatiere": "AGL1",
            "typeCours": "COURS",
            "start_date": "2026-11-18 09:00",
            "end_date": "2026-11-18 09:55",
            "color": "#ccbbaa",
            "prof": "Mme Smith",
            "salle": "",
            "isModifie": False,
            "devoirAFaire": False,
            "isAnnule": True,
        },
        {
            **common,
            "id": 503,
            "text": "HISTOIRE-GEO",
            "matiere": "HISTOIRE-GEO",
            "codeMatiere": "HG",
            "typeCours": "COURS",
            "start_date": "2026-11-18 10:00",
            "end_date": "2026-11-18 10:55",
            "color": "#112233",
            "prof": "M. Petit",
            "salle": "C3",
            "isModifie": True,
            "devoirAFaire": False,
            "isAnnule": False,
        },
        {
            **common,
            "id": 0,
            "text": "Sortie au musée",
            "matiere": "",
            "codeMatiere": "",
            "typeCours": "EVENEMENT",
            "start_date": "2026-11-19 13:00",
            "end_date": "2026-11-19 16:00",
            "color": "",
            "prof": "",
            "salle": "",
            "isModifie": False,
            "devoirAFaire": False,
            "isAnnule": False,
        },
        {
            **common,
            "id": 504,
            "text": "broken",
            "typeCours": "COURS",
            "start_date": "",
            "end_date": "",
        },
    ]


def coming_payload() -> dict[str, Any]:
    return {
        "2026-11-19": [
            {
                "idDevoir": 801,
                "matiere": "MATHEMATIQUES",
                "codeMatiere": "MATHS",
                "aFaire": True,
                "donneLe": "2026-11-16",
                "effectue": False,
                "interrogation": False,
                "rendreEnLigne": False,
                "documentsAFaire": False,
            },
            {
                "idDevoir": 802,
                "matiere": "FRANCAIS",
                "codeMatiere": "FR",
                "aFaire": True,
                "donneLe": "2026-11-17",
                "effectue": True,
                "interrogation": True,
                "rendreEnLigne": False,
                "documentsAFaire": True,
            },
        ],
        "2026-11-23": [
            {
                "idDevoir": 803,
                "matiere": "ANGLAIS LV1",
                "codeMatiere": "AGL1",
                "aFaire": True,
                "donneLe": "2026-11-18",
                "effectue": False,
            },
        ],
        "not a date": [{"idDevoir": 1}],
    }


def day_payload(day: str, *items: tuple[int, str, str, bool]) -> dict[str, Any]:
    matieres: list[dict[str, Any]] = [
        {
            "id": number,
            "matiere": subject,
            "codeMatiere": subject[:4],
            "nomProf": "M. Bernard",
            "interrogation": False,
            "aFaire": {
                "idDevoir": number,
                "contenu": b64(f"<p>{text}</p>"),
                "donneLe": "2026-11-16",
                "effectue": done,
                "rendreEnLigne": False,
                "documents": [
                    {
                        "id": 91,
                        "libelle": "exercices.pdf",
                        "type": "FICHIER_CDT",
                        "taille": 1200,
                    }
                ]
                if number == 801
                else [],
                "commentaires": [],
                "contenuDeSeance": {"contenu": "", "documents": []},
            },
            "contenuDeSeance": {"idDevoir": number, "contenu": "", "documents": []},
        }
        for number, subject, text, done in items
    ]
    # A lesson's notes only: no homework.
    matieres.append(
        {
            "id": 0,
            "matiere": "SVT",
            "contenuDeSeance": {"contenu": b64("<p>Cellule</p>"), "documents": []},
        }
    )
    return {"date": day, "matieres": matieres}


def grades_payload() -> dict[str, Any]:
    def note(number: int, value: str, when: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": number,
            "devoir": f"Contrôle {number}",
            "codePeriode": "A001",
            "codeMatiere": "MATHS",
            "libelleMatiere": "MATHEMATIQUES",
            "typeDevoir": "CONTROLE",
            "enLettre": False,
            "commentaire": "",
            "coef": "1",
            "noteSur": "20",
            "valeur": value,
            "nonSignificatif": False,
            "date": when,
            "dateSaisie": when,
            "valeurisee": False,
            "moyenneClasse": "11,2",
            "minClasse": "4",
            "maxClasse": "18",
            "elementsProgramme": [],
            **extra,
        }

    return {
        "periodes": [
            {
                "idPeriode": "A001",
                "codePeriode": "A001",
                "periode": "1er Trimestre",
                "annuel": False,
                "dateDebut": "2026-09-01",
                "dateFin": "2026-11-30",
                "examenBlanc": False,
                "cloture": False,
                "ensembleMatieres": {
                    "dateCalcul": "2026-11-17 20:00",
                    "moyenneGenerale": "13,4",
                    "moyenneClasse": "12,1",
                    "moyenneMin": "6",
                    "moyenneMax": "17",
                    "disciplines": [
                        {
                            "codeMatiere": "MATHS",
                            "discipline": "MATHEMATIQUES",
                            "moyenne": "14,5",
                            "moyenneClasse": "11,9",
                            "coef": 1,
                            "groupeMatiere": False,
                            "professeurs": [],
                        },
                        {
                            "codeMatiere": "SCI",
                            "discipline": "SCIENCES",
                            "moyenne": "13",
                            "groupeMatiere": True,
                        },
                        {
                            "codeMatiere": "EPS",
                            "discipline": "EPS",
                            "moyenne": "",
                            "groupeMatiere": False,
                        },
                    ],
                },
            },
            {
                "idPeriode": "A002",
                "codePeriode": "A002",
                "periode": "2ème Trimestre",
                "annuel": False,
                "dateDebut": "2026-12-01",
                "dateFin": "2027-03-10",
                "ensembleMatieres": {"disciplines": []},
            },
            {
                "idPeriode": "A999Z",
                "codePeriode": "A999Z",
                "periode": "Année",
                "annuel": True,
                "dateDebut": "2026-09-01",
                "dateFin": "2027-07-04",
                "ensembleMatieres": {"moyenneGenerale": "13,4", "disciplines": []},
            },
            {"idPeriode": "bad", "dateDebut": "", "dateFin": ""},
        ],
        "notes": [
            note(1, "12,5", "2026-11-10"),
            note(2, "Abs", "2026-11-12"),
            note(3, "Disp", "2026-11-13"),
            note(4, "NE", "2026-11-14"),
            note(5, "EA", "2026-11-15"),
            note(6, "x", ""),
        ],
        "parametrage": {"moyenneSur": 20, "libelleEval1": b64("Non atteint")},
    }


def school_life_payload() -> dict[str, Any]:
    return {
        "absencesRetards": [
            {
                "id": 71,
                "idEleve": 0,
                "typeElement": "Absence",
                "date": "2026-11-05",
                "displayDate": "le jeudi 5 novembre",
                "libelle": "1 demi-journée",
                "motif": "Maladie",
                "justifie": True,
                "par": "",
                "commentaire": "",
                "typeJustification": "",
                "aFaire": "",
                "dateDeroulement": "",
            },
            {
                "id": 72,
                "typeElement": "Retard",
                "date": "2026-11-09",
                "libelle": "10 minutes",
                "motif": "",
                "justifie": False,
                "matiere": "MATHEMATIQUES",
            },
        ],
        "sanctionsEncouragements": [
            {
                "id": 73,
                "typeElement": "Punition",
                "date": "2026-11-12",
                "libelle": "RETENUE",
                "motif": "Travail non fait",
                "justifie": False,
                "par": "M. Petit",
                "aFaire": "Exercices<BR>page 12",
                "dateDeroulement": "S'est déroulé le mer. 18 novembre<BR>de 13:00 à 14:00",
            },
            {
                "id": 74,
                "typeElement": "Encouragement",
                "date": "2026-11-13",
                "libelle": "FÉLICITATIONS",
                "motif": "Très bon trimestre",
            },
            {
                "id": 75,
                "typeElement": "Observation",
                "date": "2026-11-14",
                "libelle": "Bavardages",
            },
            {"typeElement": "Absence", "date": ""},
        ],
        "dispenses": [],
        "parametrage": {"sanctionsVisible": True},
    }


def messages_payload() -> dict[str, Any]:
    sender = {
        "nom": "Durand",
        "prenom": "Anne",
        "civilite": "Mme",
        "role": "P",
        "id": 3,
    }
    return {
        "classeurs": [],
        "messages": {
            "received": [
                {
                    "id": 61,
                    "mtype": "received",
                    "read": False,
                    "subject": "Sortie scolaire",
                    "content": "",
                    "date": "2026-11-17 17:45:10",
                    "canAnswer": True,
                    "files": [
                        {
                            "id": 611,
                            "libelle": "autorisation.pdf",
                            "type": "PIECE_JOINTE",
                        }
                    ],
                    "from": sender,
                },
                {
                    "id": 62,
                    "mtype": "received",
                    "read": True,
                    "subject": "Réunion",
                    "content": "",
                    "date": "2026-11-10 08:00:00",
                    "canAnswer": False,
                    "files": [],
                    "from": {"nom": "Vie scolaire"},
                },
                {"id": 63, "subject": "no date", "date": ""},
            ],
            "sent": [],
            "draft": [],
            "archived": [],
        },
        "parametrage": {},
        "pagination": {
            "messagesRecusCount": 2,
            "messagesRecusNotReadCount": 1,
            "messagesEnvoyesCount": 0,
            "messagesArchivesCount": 0,
            "messagesDraftCount": 0,
        },
    }


def message_payload() -> dict[str, Any]:
    row = dict(messages_payload()["messages"]["received"][0])
    row["content"] = b64("<p>Bonjour,</p><p>La sortie a lieu <b>jeudi</b>.</p>")
    return row


def timeline_payload() -> list[dict[str, Any]]:
    return [
        {
            "date": "2026-11-16",
            "typeElement": "Note",
            "idElement": 0,
            "titre": "Nouvelle évaluation",
            "soustitre": "MATHEMATIQUES",
            "contenu": "Contrôle 1",
        },
        {
            "date": "2026-11-05",
            "typeElement": "VieScolaire",
            "idElement": 71,
            "titre": "Absence",
            "soustitre": "1 demi-journée",
            "contenu": "Justifiée",
        },
        {"date": "", "typeElement": "Document"},
    ]


def homepage_payload() -> dict[str, Any]:
    return {
        "evenements": [
            {"id": 5, "libelle": "Portes ouvertes", "dateDebut": "2026-11-16"},
            {"id": 7, "libelle": "Plus tard", "dateDebut": "2026-12-16"},
            {
                "id": 8,
                "libelle": "Passée",
                "dateDebut": "16/12/2026",
                "dateFin": "01/01/2027",
            },
            {"id": 6},
        ],
        "postits": [
            {
                "id": 41,
                "type": "info",
                "contenu": b64("<p>Photos de classe lundi</p>"),
                "dateCreation": "14/11/2026",
                "dateDebut": "16/11/2026",
                "dateFin": "20/11/2026",
                "cible": [],
                "auteur": {"civilite": "M.", "prenom": "", "nom": "Principal"},
            },
            {"id": 42, "contenu": "", "dateCreation": "14/11/2026"},
            {
                "id": 43,
                "contenu": b64("Fini"),
                "dateDebut": "01/10/2026",
                "dateFin": "02/10/2026",
            },
        ],
    }


def documents_payload() -> dict[str, Any]:
    return {
        "factures": [
            {
                "id": 21,
                "libelle": "Facture novembre",
                "idEleve": 0,
                "date": "2026-11-02",
                "type": "Fac",
            }
        ],
        "notes": [
            {
                "id": 22,
                "libelle": "Bulletin T1",
                "idEleve": 4201,
                "date": "2026-12-10",
                "type": "Note",
            }
        ],
        "viescolaire": [],
        "administratifs": [
            {
                "id": 23,
                "libelle": "Certificat de scolarité",
                "date": "2026-09-05",
                "type": "Doc",
            },
            {"libelle": "no id"},
        ],
        "inscriptions": [],
        "listesPiecesAVerser": {},
    }


def workspaces_payload() -> list[dict[str, Any]]:
    return [
        {
            "id": 11,
            "titre": "Club théâtre",
            "resume": b64("<p>Le mercredi</p>"),
            "type": "LIBRE",
            "estMembre": True,
        },
        {"titre": "no id"},
    ]


# --- tests --------------------------------------------------------------------


def test_pupil_account() -> None:
    data = {"accounts": [{"typeCompte": "P", "id": 1}, pupil_account()]}
    row = parse.main_account(data)
    ((student, mods),) = parse.account_students(row)
    assert (student.id, student.first_name, student.class_name, student.school) == (
        "4201",
        "Camille",
        "Quatrième B",
        "Collège des Tilleuls",
    )
    assert mods.enabled("NOTES")
    assert not mods.enabled("SITUATION_FINANCIERE")
    assert parse.main_account({"accounts": []}) == {}
    assert parse.main_account(None) == {}


def test_family_children_and_their_modules() -> None:
    pupils = parse.account_students(family_account())
    assert [(s.id, s.first_name, s.class_name, s.school) for s, _ in pupils] == [
        ("4201", "Camille", "Quatrième B", "Collège des Tilleuls"),
        ("4202", "Jules", "CM2", "École Jean Moulin"),
    ]
    assert pupils[0][1].enabled("NOTES")
    assert not pupils[1][1].enabled("NOTES")
    # A login that lists no modules is not refused anything.
    assert parse.Modules.of(None).enabled("NOTES")


def test_lessons() -> None:
    lessons = parse.parse_lessons(lessons_payload(), TZ)
    assert [lesson.status for lesson in lessons] == [
        LessonStatus.NORMAL,
        LessonStatus.CANCELLED,
        LessonStatus.CHANGED,
        LessonStatus.EVENT,
    ]
    first = lessons[0]
    assert first.start == datetime(2026, 11, 18, 8, 0, tzinfo=TZ)
    assert (first.uid, first.subject, first.teachers, first.rooms) == (
        "501",
        "MATHEMATIQUES",
        ("M. Bernard",),
        ("B12",),
    )
    assert lessons[1].rooms == ()
    event = lessons[3]
    assert event.subject == "Sortie au musée"
    assert event.note == "Sortie au musée"
    assert event.uid != "0"


def test_coming_and_day_homework() -> None:
    coming = parse.parse_coming(coming_payload())
    assert [(d.uid, d.due, d.done, d.test) for d in coming] == [
        ("801", date(2026, 11, 19), False, False),
        ("802", date(2026, 11, 19), True, True),
        ("803", date(2026, 11, 23), False, False),
    ]
    assert parse.parse_coming([]) == []
    items = parse.parse_day(
        day_payload("2026-11-19", (801, "MATHEMATIQUES", "Exercice 3 p. 45", False)),
        date(2026, 11, 19),
    )
    (item,) = items
    assert item.description == "Exercice 3 p. 45"
    assert item.attachments == ("exercices.pdf",)
    assert (item.teacher, item.given, item.done) == (
        "M. Bernard",
        date(2026, 11, 16),
        False,
    )


def test_grades_of_every_kind_and_averages() -> None:
    data = grades_payload()
    periods = parse.parse_periods(data)
    assert [(p.id, p.name, p.yearly) for p in periods] == [
        ("A001", "1er Trimestre", False),
        ("A002", "2ème Trimestre", False),
        ("A999Z", "Année", True),
    ]
    grades = parse.parse_grades(data, periods)
    assert [g.value for g in grades] == [
        "En attente",
        "Non évalué",
        "Dispensé",
        "Absent",
        "12,5",
    ]
    assert grades[-1].period == "1er Trimestre"
    assert grades[-1].out_of == "20"
    assert grades[-1].class_average == "11,2"
    term = parse.current_period(periods, TODAY)
    assert term is not None
    assert [(a.subject, a.value) for a in term.averages] == [
        ("MATHEMATIQUES", "14,5"),
        (None, "13,4"),
    ]
    # In the second term, before its first averages: the first term's.
    assert parse.current_period(periods, date(2026, 12, 5)) == term
    assert parse.current_period(periods, date(2026, 8, 1)) is None


def test_school_life() -> None:
    events = parse.parse_school_life(school_life_payload(), TZ)
    assert [e.kind for e in events] == [
        DisciplineKind.ABSENCE,
        DisciplineKind.LATE,
        DisciplineKind.PUNISHMENT,
        DisciplineKind.PRAISE,
        DisciplineKind.OTHER,
    ]
    absence, late, punishment, praise, _ = events
    assert absence.justified is True
    assert late.justified is False
    assert punishment.justified is None
    assert absence.when == datetime(2026, 11, 5, tzinfo=TZ)
    assert punishment.description == "RETENUE\nTravail non fait\nExercices\npage 12"
    assert (punishment.teacher, late.subject) == ("M. Petit", "MATHEMATIQUES")
    assert praise.uid == "Encouragement:74"


def test_messages() -> None:
    data = messages_payload()
    messages = parse.parse_messages(data, TZ)
    assert [(m.uid, m.read, m.has_attachments, m.sender) for m in messages] == [
        ("61", False, True, "Mme Anne Durand"),
        ("62", True, False, "Vie scolaire"),
    ]
    assert messages[0].received == datetime(2026, 11, 17, 17, 45, 10, tzinfo=TZ)
    assert parse.unread_count(data, messages) == 1
    assert parse.unread_count({}, messages) == 1
    body = parse.parse_message_body(message_payload(), TZ)
    assert body is not None
    assert body.text == "Bonjour,\nLa sortie a lieu jeudi."
    assert body.message.read
    assert body.attachments == (
        parse.Attachment("611", "autorisation.pdf", "PIECE_JOINTE"),
    )
    assert parse.parse_message_body({}, TZ) is None


def test_timelines() -> None:
    timeline = parse.parse_timeline(timeline_payload(), TZ)
    assert [n.text for n in timeline] == [
        "Nouvelle évaluation · MATHEMATIQUES · Contrôle 1",
        "Absence · 1 demi-journée · Justifiée",
    ]
    assert timeline[1].uid == "VieScolaire:71:2026-11-05"
    recent = parse.parse_timeline(timeline_payload(), TZ, date(2026, 11, 11))
    assert [n.uid for n in recent] == [timeline[0].uid]
    homepage = parse.parse_homepage(homepage_payload(), TZ, TODAY)
    assert [(n.uid, n.text) for n in homepage] == [
        ("event:5", "Portes ouvertes"),
        ("postit:41", "Photos de classe lundi"),
    ]
    assert homepage[1].when == datetime(2026, 11, 14, tzinfo=TZ)


def test_documents_workspaces_canteen() -> None:
    documents = parse.parse_documents(documents_payload())
    assert [(d.id, d.kind) for d in documents] == [
        ("22", "Note"),
        ("21", "Fac"),
        ("23", "Doc"),
    ]
    assert documents[0].student_id == "4201"
    assert documents[1].student_id is None
    (space,) = parse.parse_workspaces(workspaces_payload())
    assert (space.title, space.summary, space.member) == (
        "Club théâtre",
        "Le mercredi",
        True,
    )
    canteen = parse.parse_canteen(parse.Modules.of(pupil_account()["modules"]))
    assert canteen == parse.Canteen((1, 2), (), "Demi-pensionnaire", "000123")
    assert parse.parse_canteen(parse.Modules.of(modules("NOTES"))) is None
    off = parse.parse_canteen(
        parse.Modules.of(
            modules(
                "RESERVATIONS",
                "CANTINE_BARCODE",
                off=("RESERVATIONS",),
                CANTINE_BARCODE={"numeroBadge": "9"},
            )
        )
    )
    assert off == parse.Canteen((), (), None, "9")


def test_values() -> None:
    assert parse.decode_base64(b64("Quel est ton animal ?")) == "Quel est ton animal ?"
    assert parse.decode_base64("not base64!") == "not base64!"
    assert parse.decode_base64("NDI==") == "42"
    assert parse.french_date("31/02/2026") is None
    assert parse.french_date("2026-11-02") == date(2026, 11, 2)
    assert parse.flag("1")
    assert not parse.flag("0")
    assert parse.flag(1)


def test_server_and_body() -> None:
    assert normalize_server(None) == "https://api.ecoledirecte.com/v3"
    assert (
        normalize_server("http://127.0.0.1:8080/ecoledirecte/")
        == "http://127.0.0.1:8080/ecoledirecte/v3"
    )
    assert (
        normalize_server("http://127.0.0.1:8080/ecoledirecte/v3")
        == "http://127.0.0.1:8080/ecoledirecte/v3"
    )
    with pytest.raises(ConfigurationError):
        normalize_server("ftp://x")
    with pytest.raises(ConfigurationError):
        normalize_server("http://host:99999")
    assert form_body({"a": "é", "b": [1]}) == 'data={"a":"é","b":[1]}'


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (250, SecurityQuestionAsked),
        (505, AuthenticationError),
        (517, ProtocolError),
        (520, SessionExpired),
        (525, SessionExpired),
        (535, PortalUnavailable),
        (999, ProtocolError),
    ],
)
def test_codes(code: int, error: type[Exception]) -> None:
    raise_for_code(Answer(200, None, ""))
    raise_for_code(Answer(210, None, ""))
    with pytest.raises(error):
        raise_for_code(Answer(code, None, ""))
