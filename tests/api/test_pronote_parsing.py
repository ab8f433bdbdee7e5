"""PRONOTE payload parsing, addresses, QR codes and start pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.school_portal.api.client import SessionExpired
from custom_components.school_portal.api.errors import (
    ConfigurationError,
    PortalUnavailable,
    ProtocolError,
    RateLimited,
)
from custom_components.school_portal.api.models import (
    DisciplineKind,
    LessonStatus,
    Meal,
    Student,
)
from custom_components.school_portal.api.pronote import (
    PronoteClient,
    normalize_url,
    parse,
    parse_qr_code,
)
from custom_components.school_portal.api.pronote.session import (
    ENVELOPE_2024,
    ENVELOPE_2025,
    ENVELOPE_LEGACY,
    check_error_page,
    choose_envelope,
    parse_start_page,
)

TZ = ZoneInfo("Europe/Paris")
PUPIL = Student("s1", "Dana", "Cohen", context={"resource": "R1"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "demo.index-education.net/pronote/",
            "https://demo.index-education.net/pronote/eleve.html",
        ),
        (
            "https://x.fr/pronote/eleve.html?login=true",
            "https://x.fr/pronote/eleve.html",
        ),
        (
            "https://x.fr/pronote/mobile.parent.html?fd=1",
            "https://x.fr/pronote/parent.html",
        ),
        ("http://127.0.0.1:8765/pronote", "http://127.0.0.1:8765/pronote/eleve.html"),
        ("https://x.fr/PRONOTE/Parent.html", "https://x.fr/PRONOTE/parent.html"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


@pytest.mark.parametrize(
    "bad",
    ["", "ftp://x.fr/pronote", "https://x.fr/pronote/professeur.html", "https://"],
)
def test_normalize_url_refuses(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        normalize_url(bad)


def test_parse_qr_code() -> None:
    code = parse_qr_code(
        '{"jeton": "AB", "login": "CD", "url": "https://x/pronote/mobile.eleve.html", "x": 1}'
    )
    assert code == {
        "jeton": "AB",
        "login": "CD",
        "url": "https://x/pronote/mobile.eleve.html",
    }
    for bad in ("not json", "[]", '{"jeton": "", "login": "a", "url": "b"}'):
        with pytest.raises(ConfigurationError):
            parse_qr_code(bad)


def test_start_page_parameters_and_versions() -> None:
    page = parse_start_page(
        '<body id="id_body" onload="try { Start ({h:\'123\',a:3,d:false,CrA:true,CoA:true}) } catch (e) {}">'
        "<span>PRONOTE 2025.1.3</span>"
    )
    assert page.session_id == "123"
    assert page.space == 3
    assert page.version == (2025, 1, 3)
    assert choose_envelope(page.version, page.attributes) is ENVELOPE_2025
    assert ENVELOPE_2025.flags(page.attributes) == (True, True)
    assert ENVELOPE_2025.flags({"CrA": "false"}) == (False, False)
    assert choose_envelope((2024, 3, 9), {}) is ENVELOPE_2024
    assert choose_envelope((2023, 1, 1), {}) is ENVELOPE_LEGACY
    assert choose_envelope(None, {"sCrA": "true"}) is ENVELOPE_2024
    assert choose_envelope(None, {}) is ENVELOPE_2025
    assert ENVELOPE_2024.flags({"sCrA": "true"}) == (True, False)
    bare = parse_start_page("Start({h:'9',a:2})")
    assert bare.version is None
    assert bare.space == 2
    with pytest.raises(ConfigurationError):
        parse_start_page("Start({a:3})")
    with pytest.raises(ConfigurationError):
        parse_start_page("<html>hello</html>")
    with pytest.raises(PortalUnavailable):
        parse_start_page("<h1>La page a expir&eacute;</h1>")
    with pytest.raises(RateLimited):
        parse_start_page("Votre adresse IP est provisoirement suspendue")


def test_error_pages() -> None:
    with pytest.raises(SessionExpired):
        check_error_page("La page a expiré")
    with pytest.raises(RateLimited):
        check_error_page("Vous avez dépassé le nombre de requêtes")
    with pytest.raises(PortalUnavailable):
        check_error_page("Le site est momentanément indisponible")
    check_error_page("<html>something else</html>")


def test_values_and_dates() -> None:
    row = {"a": {"_T": 24, "V": {"b": {"V": "x"}}}, "l": {"V": [{"N": 1}, 2]}, "n": 3}
    assert parse.value(row, "a", "b") == "x"
    assert parse.value(row, "missing", "b") is None
    assert parse.items(row, "l") == [{"N": 1}]
    assert parse.items(row, "missing") == []
    assert parse.text(row, "n") == "3"
    with pytest.raises(ProtocolError):
        parse.items({"l": {"V": "x"}}, "l")
    assert parse.parse_day("05/01/2027") == date(2027, 1, 5)
    assert parse.parse_day("5/1/27 10h30") == date(2027, 1, 5)
    assert parse.parse_day("05/01", date(2026, 11, 18)) == date(2026, 1, 5)
    assert parse.parse_day("31/02/2027") is None
    assert parse.parse_day(None) is None
    assert parse.parse_moment("18/11/2026 08:55:00", TZ) == datetime(
        2026, 11, 18, 8, 55, tzinfo=TZ
    )
    assert parse.parse_moment("18/11/26 14h05", TZ) == datetime(
        2026, 11, 18, 14, 5, tzinfo=TZ
    )
    assert parse.parse_moment("18/11/2026 25:99:00", TZ) == datetime(
        2026, 11, 18, tzinfo=TZ
    )
    assert parse.parse_moment("nope", TZ) is None
    assert parse.parse_domain("[1,3..4]") == {1, 3, 4}
    assert parse.grade_text("|1") == "Absent"
    assert parse.grade_text("14,5") == "14,5"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("18/11/2026 08:55:07", datetime(2026, 11, 18, 8, 55, 7, tzinfo=TZ)),
        # The next midnight for `fromisoformat` on 3.14; this day's for PRONOTE.
        ("18/11/2026 24:00:00", datetime(2026, 11, 18, tzinfo=TZ)),
        ("18/11/2026 08:55:61", datetime(2026, 11, 18, tzinfo=TZ)),
        # Digits of another script: the regexes take them, `fromisoformat` not.
        ("\u0661\u0668/11/2026 08:55:00", datetime(2026, 11, 18, 8, 55, tzinfo=TZ)),
        ("31/02/2027 08:00:00", None),
        ("18-11-2026 08:55:00", None),
        ("18/11/2026T08:55:00", datetime(2026, 11, 18, tzinfo=TZ)),
        (" 8/11/2026 08:55:00", datetime(2026, 11, 8, 8, 55, tzinfo=TZ)),
    ],
)
def test_full_moments_read_like_any_other(raw: str, expected: datetime | None) -> None:
    """The fast path of `dd/mm/yyyy HH:MM:SS` answers what the regexes would."""
    found = parse.parse_moment(raw, TZ)
    assert found == expected
    assert found is None or found.tzinfo is TZ


def test_label_moment() -> None:
    today = date(2026, 11, 18)  # a Wednesday
    assert parse.label_moment("09h15", today, TZ) == datetime(
        2026, 11, 18, 9, 15, tzinfo=TZ
    )
    assert parse.label_moment("lundi 12h30", today, TZ) == datetime(
        2026, 11, 16, 12, 30, tzinfo=TZ
    )
    assert parse.label_moment("03/11/26", today, TZ).date() == date(2026, 11, 3)
    assert parse.label_moment("20/12", today, TZ).date() == date(2025, 12, 20)
    # Impossible values: midnight of today, as the regexes read them.
    assert parse.label_moment("25h00", today, TZ) == datetime(2026, 11, 18, tzinfo=TZ)
    assert parse.label_moment("31/02/26", today, TZ) == datetime(
        2026, 11, 18, tzinfo=TZ
    )
    # Digits of another script: the regexes take them.
    assert parse.label_moment("\u0660\u0667h30", today, TZ) == datetime(
        2026, 11, 18, 7, 30, tzinfo=TZ
    )


def test_lesson_status_and_end() -> None:
    base = {
        "DateDuCours": {"_T": 7, "V": "18/11/2026 08:00:00"},
        "ListeContenus": {
            "V": [
                {"G": 16, "L": "Maths"},
                {"G": 3, "L": "BAR R."},
                {"G": 17, "L": "101"},
                {"G": 2, "L": "grp"},
                {"G": 17, "L": {"V": " 102 "}},
                {"G": 3, "L": " "},
            ]
        },
        "place": 9,
        "duree": 2,
    }
    ends = {0: time(8, 45), 1: time(9, 35), 2: time(10, 30), 3: time(11, 20)}
    grid = parse.SlotGrid(per_day=4, slot=None, ends=ends)
    lesson = parse.parse_lesson(PUPIL, base, TZ, grid)
    assert lesson.end == datetime(2026, 11, 18, 10, 30, tzinfo=TZ)
    assert (lesson.subject, lesson.teachers, lesson.rooms) == (
        "Maths",
        ("BAR R.",),
        ("101", "102"),
    )
    assert lesson.status is LessonStatus.NORMAL
    cancelled = parse.parse_lesson(
        PUPIL, {**base, "estAnnule": True, "Statut": "Prof. absent"}, TZ, grid
    )
    assert cancelled.status is LessonStatus.CANCELLED
    assert cancelled.uid == lesson.uid
    changed = parse.parse_lesson(
        PUPIL, {**base, "Statut": "Changement de salle", "memo": "B2"}, TZ, grid
    )
    assert changed.status is LessonStatus.CHANGED
    assert changed.note == "Changement de salle B2"
    exam = parse.parse_lesson(
        PUPIL, {**base, "cahierDeTextes": {"V": {"estDevoir": True}}}, TZ, grid
    )
    assert exam.status is LessonStatus.EXAM
    assert parse.parse_lesson(PUPIL, {**base, "place": None}, TZ).end.hour == 9
    with pytest.raises(ProtocolError):
        parse.parse_lesson(PUPIL, {"ListeContenus": {"V": []}}, TZ)


def test_homework_and_student() -> None:
    row = {
        "N": "H1",
        "descriptif": {"_T": 21, "V": "<p>Lire &amp; r&eacute;sumer</p>"},
        "Matiere": {"V": {"L": "Français"}},
        "PourLe": {"V": "20/11/2026"},
        "DonneLe": {"V": "18/11/2026"},
        "ListePieceJointe": {"V": [{"L": "fiche.pdf"}]},
    }
    item = parse.parse_homework(PUPIL, row)
    assert (item.description, item.done, item.attachments) == (
        "Lire & résumer",
        None,
        ("fiche.pdf",),
    )
    assert parse.parse_homework(PUPIL, {**row, "TAFFait": True}).done is True
    with pytest.raises(ProtocolError):
        parse.parse_homework(PUPIL, {"N": "H2"})
    student = parse.parse_student(
        {"N": "R", "L": "DE LA TOUR Anne Marie"}, "acc", "School"
    )
    assert (student.first_name, student.last_name, student.school) == (
        "Anne Marie",
        "De La Tour",
        "School",
    )
    lower = parse.parse_student({"N": "R", "L": "anne dupont"}, "acc", None)
    assert (lower.first_name, lower.last_name) == ("dupont", "Anne")
    with pytest.raises(ProtocolError):
        parse.parse_student({"L": "X"}, "acc", None)


def test_discussions_and_messages() -> None:
    data = {
        "listeMessagerie": {
            "V": [
                {
                    "estUneDiscussion": True,
                    "profondeur": 0,
                    "objet": "Sortie",
                    "initiateur": "M. X",
                    "libelleDate": "10h00",
                    "nbNonLus": 2,
                    "messagePourParticipants": {"V": {"N": "M1"}},
                    "listePossessionsMessages": {"V": [{"N": "P1"}]},
                },
                {"estUneDiscussion": True, "profondeur": 1, "objet": "child"},
                {"estUneDiscussion": False, "objet": "folder"},
            ]
        }
    }
    (discussion,) = parse.parse_discussions(data, "acc")
    message = parse.discussion_message(discussion, date(2026, 11, 18), TZ)
    assert not message.read
    assert message.received.hour == 10
    replies = parse.parse_messages(
        {
            "listeMessages": {
                "V": [
                    {
                        "N": "2",
                        "contenu": {"V": "<b>Oui</b>"},
                        "date": {"V": "18/11/2026 11:00:00"},
                        "emetteur": True,
                        "lu": True,
                    },
                    {
                        "N": "1",
                        "contenu": "Bonjour",
                        "date": {"V": "18/11/2026 10:00:00"},
                        "public_gauche": "M. X",
                    },
                ]
            }
        },
        discussion,
        TZ,
    )
    assert [m.preview for m in replies] == ["Bonjour", "Oui"]
    assert replies[1].sender == ""
    assert replies[0].sender == "M. X"
    with pytest.raises(ProtocolError):
        parse.parse_messages({"listeMessages": {"V": [{"N": "3"}]}}, discussion, TZ)


def test_grades_averages_presence_menus() -> None:
    period = parse.Period("P1", "Trimestre 1", date(2026, 9, 1), date(2026, 11, 30))
    data = {
        "listeDevoirs": {
            "V": [
                {
                    "N": "G1",
                    "note": {"V": "|1"},
                    "bareme": {"V": "20"},
                    "date": {"V": "01/10/2026"},
                    "service": {"V": {"L": "Maths"}},
                }
            ]
        },
        "listeServices": {
            "V": [
                {
                    "L": "Maths",
                    "moyEleve": {"V": "12,5"},
                    "baremeMoyEleve": {"V": "20"},
                },
                {"L": "Art", "moyEleve": {"V": ""}},
            ]
        },
        "moyGenerale": {"V": "12,5"},
    }
    (grade,) = parse.parse_grades(data, PUPIL, period)
    assert (grade.value, grade.period, grade.class_average) == (
        "Absent",
        "Trimestre 1",
        None,
    )
    averages = parse.parse_averages(data, period)
    assert [(a.subject, a.value) for a in averages] == [
        ("Maths", "12,5"),
        (None, "12,5"),
    ]
    with pytest.raises(ProtocolError):
        parse.parse_grades({"listeDevoirs": {"V": [{"N": "G2"}]}}, PUPIL, None)
    presence = {
        "listeAbsences": {
            "V": [
                {
                    "N": "1",
                    "G": 13,
                    "dateDebut": {"V": "02/10/2026 08:00:00"},
                    "justifie": True,
                    "NbrHeures": "1h00",
                },
                {
                    "N": "2",
                    "G": 14,
                    "date": {"V": "03/10/2026 08:50:00"},
                    "listeMotifs": {"V": [{"L": "Bus"}]},
                },
                {
                    "N": "3",
                    "G": 41,
                    "dateDemande": {"V": "04/10/2026"},
                    "placeDemande": 1,
                    "nature": {"V": {"L": "Retenue"}},
                    "demandeur": {"V": {"L": "M. Y"}},
                },
                {
                    "N": "4",
                    "G": 46,
                    "date": {"V": "05/10/2026 09:00:00"},
                    "L": "Bravo",
                    "estUneObservationPositive": True,
                },
                {"N": "5", "G": 72},
            ]
        }
    }
    events = parse.parse_presence(presence, PUPIL, TZ, {1: time(8, 50)})
    assert [e.kind for e in events] == [
        DisciplineKind.ABSENCE,
        DisciplineKind.LATE,
        DisciplineKind.PUNISHMENT,
        DisciplineKind.PRAISE,
    ]
    assert events[0].justified is True
    assert events[0].description == "1h00"
    assert events[2].when == datetime(2026, 10, 4, 8, 50, tzinfo=TZ)
    assert events[2].teacher == "M. Y"
    with pytest.raises(ProtocolError):
        parse.parse_presence(
            {"listeAbsences": {"V": [{"G": 13, "N": "x"}]}}, PUPIL, TZ, {}
        )
    menus = parse.parse_menus(
        {
            "ListeJours": {
                "V": [
                    {
                        "Date": {"V": "16/11/2026"},
                        "ListeRepas": {
                            "V": [
                                {
                                    "G": 1,
                                    "ListePlats": {
                                        "V": [
                                            {
                                                "G": 4,
                                                "ListeAliments": {
                                                    "V": [{"L": "Tarte"}]
                                                },
                                            },
                                            {
                                                "G": 1,
                                                "ListeAliments": {
                                                    "V": [{"L": "Poulet"}]
                                                },
                                            },
                                        ]
                                    },
                                },
                                {"G": 0, "ListePlats": {"V": []}},
                            ]
                        },
                    }
                ]
            }
        }
    )
    assert menus[0].meal is Meal.DINNER
    assert menus[0].dishes == ("Poulet", "Tarte")
    assert len(menus) == 1
    with pytest.raises(ProtocolError):
        parse.parse_menus({"ListeJours": {"V": [{"Date": {"V": "x"}}]}})


def test_periods_and_information() -> None:
    general = {
        "ListePeriodes": [
            {
                "N": "1",
                "L": "T1",
                "dateDebut": {"V": "01/09/2026"},
                "dateFin": {"V": "30/11/2026"},
            },
            {"N": "2"},
        ]
    }
    assert [p.id for p in parse.parse_periods(general)] == ["1"]
    resource = {
        "listeOngletsPourPeriodes": {
            "V": [
                {"G": 19, "periodeParDefaut": {"V": {"N": "2"}}},
                {"G": 198, "periodeParDefaut": {"V": {"N": "1"}}},
            ]
        }
    }
    assert parse.default_period_id(resource, 198) == "1"
    assert parse.default_period_id(resource, 5) == "2"
    assert parse.default_period_id({}, 198) is None
    news = parse.parse_information(
        {
            "listeModesAff": [
                {
                    "listeActualites": {
                        "V": [
                            {
                                "N": "A",
                                "L": "Titre",
                                "nature": {"V": {"L": "Info"}},
                                "listeQuestions": {
                                    "V": [{"texte": {"V": "<p>Texte</p>"}}]
                                },
                                "dateCreation": {"V": "01/10/2026 10:00:00"},
                            }
                        ]
                    }
                }
            ]
        },
        TZ,
    )
    assert news[0].category == "Info"
    assert news[0].content == "Texte"
    assert news[0].created


def test_malformed_values_are_protocol_errors_or_tolerated() -> None:
    # Counts that are not numbers: tolerated as 0, never a ValueError.
    data = {
        "listeMessagerie": {
            "V": [
                {
                    "estUneDiscussion": True,
                    "profondeur": 0,
                    "objet": "x",
                    "nbNonLus": "beaucoup",
                    "nombreMessages": None,
                    "messagePourParticipants": {"V": {"N": "1"}},
                },
                {
                    "estUneDiscussion": True,
                    "profondeur": 0,
                    "nbNonLus": "2",
                    "messagePourParticipants": {"V": {"N": "2"}},
                },
            ]
        }
    }
    first, second = parse.parse_discussions(data, "acc")
    assert (first.unread, first.message_count, second.unread) == (0, 0, 2)
    # An impossible clock in a date label: midnight, not a ValueError.
    today = date(2026, 11, 18)
    assert parse.label_moment("lundi 27h75", today, TZ) == datetime(
        2026, 11, 16, 0, 0, tzinfo=TZ
    )
    with pytest.raises(ProtocolError):
        parse.parse_domain("[1..x]")
    # A session number that is not a number is not a page we can speak to.
    with pytest.raises(ConfigurationError):
        parse_start_page(
            '<body id="id_body" onload="try { Start ({h:\'abc\',a:3}) } catch (e) {}">'
        )


async def test_malformed_second_factor_actions_are_ignored() -> None:
    client = PronoteClient(
        None,  # type: ignore[arg-type]  # nothing is sent
        server="https://x.fr/pronote/eleve.html",
        username="u",
        password="p",
        tz=TZ,
    )
    for raw in ("5", "{}", "[[3]]", 7, {"x": 1}, "[oops"):
        # Nothing to do, and no TypeError/ValueError: `wire` is never touched.
        await client._second_factor(None, {"actionsDoubleAuth": {"V": raw}})  # type: ignore[arg-type]


def test_lesson_end_from_a_half_hour_grid() -> None:
    # papillon-v6#113: place 70 is Thursday 16:00 on an 18-slot day (16 half
    # hours after 08:00), `duree` 2 is one hour; no DateDuCoursFin, and the
    # teacher has no N.
    row = {
        "place": 70,
        "duree": 2,
        "DateDuCours": {"_T": 7, "V": "28/03/2024 16:00:00"},
        "ListeContenus": {"_T": 24, "V": [{"G": 3, "L": "DURAND F."}]},
    }
    labels = [
        {"G": place, "L": f"{8 + (place + 1) // 2:02d}h{30 * ((place + 1) % 2):02d}"}
        for place in range(19)  # one more than the day has slots
    ]
    general = {
        "PlacesParJour": 18,
        "PlacesParHeure": 2,
        "ListeHeuresFin": {"_T": 24, "V": labels},
    }
    grid = parse.parse_grid(general)
    assert (grid.per_day, grid.slot) == (18, timedelta(minutes=30))
    assert grid.ends[16] == time(16, 30)
    lesson = parse.parse_lesson(PUPIL, row, TZ, grid)
    assert lesson.teachers == ("DURAND F.",)
    assert lesson.end == datetime(2024, 3, 28, 17, 0, tzinfo=TZ)
    # A double lesson on Thursday from 14:00 (slot 12 of the day): four slots.
    double = {
        **row,
        "place": 3 * 18 + 12,
        "duree": 4,
        "DateDuCours": {"_T": 7, "V": "28/03/2024 14:00:00"},
    }
    assert parse.parse_lesson(PUPIL, double, TZ, grid).end.hour == 16
    # Without end labels: `duree` slots of the declared length.
    bare = parse.parse_grid({"PlacesParJour": 18, "PlacesParHeure": 2})
    assert parse.parse_lesson(PUPIL, double, TZ, bare).end.hour == 16
    assert parse.parse_lesson(PUPIL, row, TZ, bare).end.hour == 17
    # A lesson never runs past the day's last slot (17:00 here).
    late = {**row, "duree": 6}
    assert parse.parse_lesson(PUPIL, late, TZ, grid).end.hour == 17
    # Nothing declared: one hour, as before.
    assert parse.parse_lesson(PUPIL, double, TZ, parse.parse_grid({})).end.hour == 15
    assert parse.parse_grid({"PlacesParJour": True, "PlacesParHeure": 0}).slot is None
