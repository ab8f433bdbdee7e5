"""One deterministic, generated school year shared by every emulated portal.

Everything here is portal-neutral: times are naive local wall-clock times,
texts carry one variant per language (``en``, ``he``, ``de``, ``fr``, ``sv``) and
people carry Latin and Hebrew names. Each portal emulator renders this data in
its own wire format. The same ``(today, seed)`` always gives the same year.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

LANGUAGES = ("en", "he", "de", "fr", "sv")

type Text = Mapping[str, str]

# Hour number -> (start, end), the school's bell schedule.
BELL_SCHEDULE: dict[int, tuple[time, time]] = {
    1: (time(8, 0), time(8, 45)),
    2: (time(8, 50), time(9, 35)),
    3: (time(9, 45), time(10, 30)),
    4: (time(10, 35), time(11, 20)),
    5: (time(11, 40), time(12, 25)),
    6: (time(12, 30), time(13, 15)),
    7: (time(13, 20), time(14, 5)),
    8: (time(14, 10), time(14, 55)),
}

CANCEL_RATE = 0.05
SUBSTITUTION_RATE = 0.05
HOMEWORK_RATE = 0.3


def localized(text: Text, lang: str = "en") -> str:
    """Pick one language of a text, falling back to English."""
    for key in (lang, "en"):
        if value := text.get(key):
            return value
    return next(iter(text.values()), "")


def same_text(value: str) -> Text:
    """A text that reads the same in every language."""
    return dict.fromkeys(LANGUAGES, value)


def _text(en: str, he: str, de: str, fr: str, sv: str) -> Text:
    return {"en": en, "he": he, "de": de, "fr": fr, "sv": sv}


def _fmt(text: Text, **values: object) -> Text:
    return {lang: pattern.format(**values) for lang, pattern in text.items()}


def monday_of(day: date) -> date:
    """The Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subject:
    """A school subject."""

    key: str
    names: Text
    weekly_hours: int
    room: str | None = None  # a special room; None = the class's own room

    def name(self, lang: str = "en") -> str:
        """The subject's name in one language."""
        return localized(self.names, lang)


class _Named:
    """Full names in Latin and Hebrew letters, for people and pupils."""

    __slots__ = ()
    first_name: str
    last_name: str
    first_name_he: str
    last_name_he: str

    @property
    def name(self) -> str:
        """Latin full name."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def name_he(self) -> str:
        """Hebrew full name."""
        return f"{self.first_name_he} {self.last_name_he}".strip()


@dataclass(frozen=True, slots=True)
class Person(_Named):
    """A teacher or a member of staff."""

    id: str
    first_name: str
    last_name: str
    first_name_he: str
    last_name_he: str
    subjects: tuple[str, ...] = ()
    title: Text = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SchoolClass:
    """A class (form): grade 7 to 9, number 1 or 2."""

    id: str
    grade: int
    number: int
    room: str
    homeroom_teacher: str

    @property
    def name(self) -> str:
        """Latin class name, e.g. ``8A``."""
        return f"{self.grade}{'ABCDEFGH'[self.number - 1]}"

    @property
    def name_he(self) -> str:
        """Hebrew class name, e.g. ``ח'1``."""
        return f"{_HEBREW_GRADES[self.grade]}'{self.number}"


@dataclass(frozen=True, slots=True)
class Pupil(_Named):
    """A pupil."""

    id: str
    number: int  # a school-wide registration number
    first_name: str
    last_name: str
    first_name_he: str
    last_name_he: str
    class_id: str
    birth_date: date

    @property
    def username(self) -> str:
        """A login-like handle (lower-case Latin names)."""
        return f"{self.first_name}.{self.last_name}".lower()


@dataclass(frozen=True, slots=True)
class Login:
    """A portal account: a pupil's own login or a parent's."""

    username: str
    password: str
    kind: str  # "student" | "parent"
    pupil_ids: tuple[str, ...]
    first_name: str
    last_name: str
    first_name_he: str
    last_name_he: str


@dataclass(frozen=True, slots=True)
class TimetableSlot:
    """One weekly timetable entry of a class."""

    class_id: str
    weekday: int  # 0 = Monday … 4 = Friday
    hour: int
    subject: str
    teacher_id: str
    room: str


@dataclass(slots=True)
class Lesson:
    """One lesson on one day; mutable so tests can cancel it."""

    uid: str
    class_id: str
    day: date
    hour: int
    subject: str
    teacher_id: str
    room: str
    cancelled: bool = False
    substitute_id: str | None = None
    topic: Text = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        """Naive local start."""
        return datetime.combine(self.day, BELL_SCHEDULE[self.hour][0])

    @property
    def end(self) -> datetime:
        """Naive local end."""
        return datetime.combine(self.day, BELL_SCHEDULE[self.hour][1])

    @property
    def changed(self) -> bool:
        """Whether a substitute teaches it."""
        return self.substitute_id is not None


@dataclass(slots=True)
class HomeworkItem:
    """Homework set in a lesson and due at the next lesson of the subject."""

    uid: str
    class_id: str
    subject: str
    teacher_id: str
    given: date
    due: date
    description: Text
    lesson_uid: str | None = None
    pupil_id: str | None = None  # None = the whole class


@dataclass(slots=True)
class MessageRecord:
    """One message in a login's inbox."""

    id: int
    login: str
    subject: Text
    body: Text
    sender: Person
    sent: datetime
    read: bool
    has_attachments: bool = False
    kind: int = 1  # 1 = personal, 2 = class announcement, 3 = school announcement

    @property
    def uid(self) -> str:
        """Stable id as a string."""
        return str(self.id)


@dataclass(slots=True)
class DisciplineRecord:
    """An absence, late arrival, remark, praise or punishment."""

    uid: str
    pupil_id: str
    kind: str  # absence | late | remark | praise | punishment
    day: date
    hour: int
    subject: str | None
    teacher_id: str | None
    label: Text  # the category as a portal shows it, e.g. "Late"
    description: Text
    justified: bool | None = None

    @property
    def when(self) -> datetime:
        """Naive local start of the lesson it happened in."""
        return datetime.combine(self.day, BELL_SCHEDULE.get(self.hour, (time(8),))[0])


@dataclass(frozen=True, slots=True)
class Exam:
    """An announced test during one lesson."""

    uid: str
    class_id: str
    subject: str
    day: date
    hour: int
    description: Text

    @property
    def start(self) -> datetime:
        """Naive local start."""
        return datetime.combine(self.day, BELL_SCHEDULE[self.hour][0])

    @property
    def end(self) -> datetime:
        """Naive local end."""
        return datetime.combine(self.day, BELL_SCHEDULE[self.hour][1])


@dataclass(frozen=True, slots=True)
class GradeRecord:
    """A pupil's mark for one exam, out of 100."""

    uid: str
    pupil_id: str
    subject: str
    teacher_id: str
    day: date
    score: int
    description: Text
    out_of: int = 100


@dataclass(frozen=True, slots=True)
class HolidayRecord:
    """A named school break, both days inclusive."""

    uid: str
    names: Text
    start: date
    end: date

    def name(self, lang: str = "en") -> str:
        """The break's name in one language."""
        return localized(self.names, lang)


@dataclass(slots=True)
class NotificationRecord:
    """A short notice for a login."""

    uid: str
    login: str
    pupil_id: str | None
    when: datetime
    text: Text
    read: bool


@dataclass(frozen=True, slots=True)
class School:
    """The one school of the dataset."""

    id: int
    names: Text

    def name(self, lang: str = "en") -> str:
        """The school's name in one language."""
        return localized(self.names, lang)


# --------------------------------------------------------------------------
# Static content
# --------------------------------------------------------------------------

_HEBREW_GRADES = {7: "ז", 8: "ח", 9: "ט"}

SUBJECTS: tuple[Subject, ...] = (
    Subject(
        "math",
        _text("Mathematics", "מתמטיקה", "Mathematik", "Mathématiques", "Matematik"),
        5,
    ),
    Subject("language", _text("Language", "לשון", "Sprache", "Langue", "Språk"), 4),
    Subject(
        "english", _text("English", "אנגלית", "Englisch", "Anglais", "Engelska"), 4
    ),
    Subject(
        "science",
        _text("Science", "מדעים", "Naturwissenschaften", "Sciences", "Naturvetenskap"),
        4,
        "LAB1",
    ),
    Subject(
        "history", _text("History", "היסטוריה", "Geschichte", "Histoire", "Historia"), 3
    ),
    Subject(
        "geography",
        _text("Geography", "גאוגרפיה", "Erdkunde", "Géographie", "Geografi"),
        2,
    ),
    Subject(
        "literature",
        _text("Literature", "ספרות", "Literatur", "Littérature", "Litteratur"),
        2,
    ),
    Subject(
        "pe",
        _text("Physical education", "חינוך גופני", "Sport", "EPS", "Idrott och hälsa"),
        2,
        "GYM",
    ),
    Subject(
        "computing",
        _text(
            "Computer science",
            "מדעי המחשב",
            "Informatik",
            "Informatique",
            "Programmering",
        ),
        2,
        "COMP",
    ),
    Subject("art", _text("Art", "אמנות", "Kunst", "Arts plastiques", "Bild"), 2, "ART"),
    Subject("music", _text("Music", "מוזיקה", "Musik", "Musique", "Musik"), 1, "MUS"),
    Subject(
        "civics",
        _text(
            "Civics", "אזרחות", "Sozialkunde", "Éducation civique", "Samhällskunskap"
        ),
        1,
    ),
)

# Lessons per weekday (Mon..Fri); rotated per class. Sums to the weekly hours (32).
_DAY_LENGTHS = (7, 6, 8, 6, 5)

_TEACHERS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("Ruth", "Bar", "רות", "בר", ("math",)),
    ("Moshe", "Adler", "משה", "אדלר", ("math", "computing")),
    ("Yehudit", "Ronen", "יהודית", "רונן", ("language", "literature")),
    ("Avi", "Stern", "אבי", "שטרן", ("language",)),
    ("Sarah", "Gold", "שרה", "גולד", ("english",)),
    ("David", "Ashkenazi", "דוד", "אשכנזי", ("english",)),
    ("Orly", "Tal", "אורלי", "טל", ("science",)),
    ("Eli", "Barak", "אלי", "ברק", ("science", "geography")),
    ("Rina", "Kaplan", "רינה", "קפלן", ("history", "civics")),
    ("Yossi", "Harel", "יוסי", "הראל", ("history", "geography")),
    ("Tzipi", "Navon", "ציפי", "נבון", ("literature",)),
    ("Gadi", "Erez", "גדי", "ארז", ("pe",)),
    ("Nurit", "Oren", "נורית", "אורן", ("art", "music")),
    ("Boaz", "Paz", "בועז", "פז", ("computing", "civics")),
)

_FIRST_NAMES = (
    ("Yael", "יעל"), ("Omer", "עומר"), ("Itai", "איתי"), ("Maya", "מאיה"),
    ("Tamar", "תמר"), ("Eitan", "איתן"), ("Shira", "שירה"), ("Yonatan", "יונתן"),
    ("Lior", "ליאור"), ("Roni", "רוני"), ("Amit", "עמית"), ("Gal", "גל"),
    ("Michal", "מיכל"), ("Daniel", "דניאל"), ("Adi", "עדי"), ("Yoav", "יואב"),
    ("Talia", "טליה"), ("Nadav", "נדב"), ("Hila", "הילה"), ("Ido", "עידו"),
    ("Rotem", "רותם"), ("Noam", "נועם"), ("Inbar", "ענבר"), ("Guy", "גיא"),
)  # fmt: skip

# Cohen and Levi are kept for the sandbox logins so names stay unambiguous.
_LAST_NAMES = (
    ("Mizrahi", "מזרחי"), ("Peretz", "פרץ"), ("Biton", "ביטון"), ("Friedman", "פרידמן"),
    ("Azoulay", "אזולאי"), ("Katz", "כץ"), ("Shapiro", "שפירא"), ("Avraham", "אברהם"),
    ("Golan", "גולן"), ("Dahan", "דהן"), ("Weiss", "וייס"), ("Segal", "סגל"),
    ("Ohana", "אוחנה"), ("Carmeli", "כרמלי"), ("Shalev", "שלו"), ("Amar", "עמר"),
)  # fmt: skip

PUPIL_PASSWORD = "sandbox-pupil"  # a public sandbox credential
PARENT_PASSWORD = "sandbox-parent"  # a public sandbox credential

_SCHOOL = School(
    440123,
    _text(
        "Sandbox Secondary School",
        'חטיבת ביניים "ארגז החול"',
        "Sandkasten-Gesamtschule",
        "Collège du Bac à Sable",
        "Sandlådeskolan",
    ),
)

_PRINCIPAL = Person(
    "s-principal", "Hana", "Shamir", "חנה", "שמיר",
    title=_text("Principal", "מנהלת", "Schulleiterin", "Directrice", "Rektor"),
)  # fmt: skip
_SECRETARY = Person(
    "s-office", "School", "Office", "מזכירות", "בית הספר",
    title=_text("Office", "מזכירות", "Sekretariat", "Secrétariat", "Expedition"),
)  # fmt: skip

_HOMEWORK = (
    _text(
        "Exercises {a}-{b} on page {p}",
        "תרגילים {a}-{b} בעמוד {p}",
        "Aufgaben {a}-{b} auf Seite {p}",
        "Exercices {a} à {b} page {p}",
        "Uppgift {a}-{b} på sidan {p}",
    ),
    _text(
        "Read chapter {c} and answer the questions",
        "לקרוא את פרק {c} ולענות על השאלות",
        "Kapitel {c} lesen und die Fragen beantworten",
        "Lire le chapitre {c} et répondre aux questions",
        "Läs kapitel {c} och svara på frågorna",
    ),
    _text(
        "Write a one-page summary of chapter {c}",
        "לכתוב סיכום של עמוד על פרק {c}",
        "Eine Seite Zusammenfassung zu Kapitel {c} schreiben",
        "Rédiger un résumé d'une page du chapitre {c}",
        "Skriv en sidas sammanfattning av kapitel {c}",
    ),
    _text(
        "Finish the worksheet from class",
        "להשלים את דף העבודה מהשיעור",
        "Das Arbeitsblatt aus dem Unterricht fertigstellen",
        "Terminer la fiche commencée en classe",
        "Gör klart arbetsbladet från lektionen",
    ),
)

_TOPIC = _text("Unit {u}", "יחידה {u}", "Einheit {u}", "Séquence {u}", "Avsnitt {u}")
_EXAM = _text(
    "Test: unit {u}",
    "מבחן: יחידה {u}",
    "Klassenarbeit: Einheit {u}",
    "Contrôle : séquence {u}",
    "Prov: avsnitt {u}",
)

_MESSAGES: tuple[tuple[int, Text, Text], ...] = (
    (
        1,
        _text("{subject}: material for next week", "{subject}: חומר לשבוע הבא", "{subject}: Stoff für nächste Woche", "{subject} : le programme de la semaine prochaine", "{subject}: material till nästa vecka"),
        _text("Please bring the {subject} book and a notebook.", "נא להביא את ספר ה{subject} ומחברת.", "Bitte das {subject}-Buch und ein Heft mitbringen.", "Merci d'apporter le livre de {subject} et un cahier.", "Ta med boken i {subject} och ett skrivhäfte."),
    ),
    (
        1,
        _text("Upcoming {subject} test", "מבחן קרוב ב{subject}", "Bevorstehende Arbeit in {subject}", "Contrôle de {subject} à venir", "Kommande prov i {subject}"),
        _text("The {subject} test covers the last two units.", "המבחן ב{subject} יכלול את שתי היחידות האחרונות.", "Die Arbeit in {subject} umfasst die letzten zwei Einheiten.", "Le contrôle de {subject} porte sur les deux dernières séquences.", "Provet i {subject} omfattar de två senaste avsnitten."),
    ),
    (
        2,
        _text("Class trip on {day}", "טיול שכבתי ב-{day}", "Klassenausflug am {day}", "Sortie scolaire le {day}", "Klassresa den {day}"),
        _text("Departure at 08:00 from the school gate. Bring water and a hat.", "יציאה בשעה 08:00 משער בית הספר. יש להביא מים וכובע.", "Abfahrt um 08:00 am Schultor. Wasser und Hut mitbringen.", "Départ à 08h00 devant le portail. Prévoir de l'eau et un chapeau.", "Avresa 08:00 från skolgrinden. Ta med vatten och keps."),
    ),
    (
        3,
        _text("Parent-teacher evening", "אסיפת הורים", "Elternsprechabend", "Réunion parents-professeurs", "Föräldramöte"),
        _text("The parent-teacher evening takes place on {day} from 17:00.", "אסיפת ההורים תתקיים ב-{day} החל מהשעה 17:00.", "Der Elternsprechabend findet am {day} ab 17:00 statt.", "La réunion parents-professeurs aura lieu le {day} à partir de 17h.", "Föräldramötet hålls den {day} från 17:00."),
    ),
    (
        3,
        _text("Library books due", "החזרת ספרי ספרייה", "Rückgabe der Bibliotheksbücher", "Retour des livres de la bibliothèque", "Återlämning av biblioteksböcker"),
        _text("Please return all library books by {day}.", "נא להחזיר את כל ספרי הספרייה עד {day}.", "Bitte alle Bibliotheksbücher bis {day} zurückgeben.", "Merci de rendre tous les livres avant le {day}.", "Lämna tillbaka alla böcker senast {day}."),
    ),
    (
        1,
        _text("Feedback on your {subject} project", "משוב על העבודה ב{subject}", "Rückmeldung zu deinem {subject}-Projekt", "Retour sur ton projet de {subject}", "Återkoppling på ditt arbete i {subject}"),
        _text("Well done on the {subject} project; see my notes in the margin.", "כל הכבוד על העבודה ב{subject}; ראו הערות בשוליים.", "Gute Arbeit im {subject}-Projekt; siehe meine Randnotizen.", "Bravo pour le projet de {subject} ; voir mes notes en marge.", "Bra jobbat med arbetet i {subject}; se mina kommentarer."),
    ),
    (
        2,
        _text("Change in the timetable", "שינוי במערכת השעות", "Stundenplanänderung", "Changement d'emploi du temps", "Schemaändring"),
        _text("On {day} the {subject} lesson moves to the first hour.", "ב-{day} שיעור ה{subject} עובר לשעה הראשונה.", "Am {day} wird {subject} in die erste Stunde verlegt.", "Le {day}, le cours de {subject} passe en première heure.", "Den {day} flyttas {subject} till första lektionen."),
    ),
    (
        3,
        _text("Health check forms", "טופסי הצהרת בריאות", "Gesundheitsformulare", "Fiches sanitaires", "Hälsoformulär"),
        _text("Please sign and return the health form by {day}.", "נא לחתום ולהחזיר את טופס הבריאות עד {day}.", "Bitte das Gesundheitsformular bis {day} unterschreiben und zurückgeben.", "Merci de signer et rendre la fiche sanitaire avant le {day}.", "Skriv under och lämna hälsoformuläret senast {day}."),
    ),
)  # fmt: skip

# (kind, label as a portal shows the category, description)
_DISCIPLINE: tuple[tuple[str, Text, Text], ...] = (
    ("absence", _text("Absence", "היעדרות", "Fehlstunde", "Absence", "Frånvaro"), same_text("")),
    ("late", _text("Late", "איחור", "Verspätung", "Retard", "Sen ankomst"), _text("Arrived 10 minutes late", "איחור של 10 דקות", "10 Minuten zu spät", "Arrivé avec 10 minutes de retard", "Kom 10 minuter sent")),
    ("remark", _text("Disruption", "הפרעה בשיעור", "Unterrichtsstörung", "Perturbation", "Störde lektionen"), _text("Talked during the lesson", "דיבר במהלך השיעור", "Hat im Unterricht geredet", "Bavardages en cours", "Pratade under lektionen")),
    ("remark", _text("No equipment", "ללא ציוד", "Material vergessen", "Oubli de matériel", "Saknade material"), _text("Came without equipment", "הגיע ללא ציוד", "Ohne Material gekommen", "Venu sans matériel", "Kom utan material")),
    ("remark", _text("No homework", "ללא שיעורי בית", "Hausaufgaben fehlen", "Devoirs non faits", "Läxan inte gjord"), _text("Homework not done", "לא הכין שיעורי בית", "Hausaufgaben nicht gemacht", "Devoirs non faits", "Läxan inte gjord")),
    ("praise", _text("Praise", "חיזוק חיובי", "Lob", "Félicitations", "Beröm"), _text("Excellent participation", "השתתפות מצוינת", "Hervorragende Mitarbeit", "Excellente participation", "Utmärkt deltagande")),
    ("punishment", _text("Detention", "עונש", "Nachsitzen", "Retenue", "Kvarsittning"), _text("Stays after school on Thursday", "נשאר אחרי הלימודים ביום חמישי", "Nachsitzen am Donnerstag", "Retenue jeudi après les cours", "Kvarsittning på torsdag")),
)  # fmt: skip

_NOTIFICATIONS = (
    _text("New grade in {subject}", "ציון חדש ב{subject}", "Neue Note in {subject}", "Nouvelle note en {subject}", "Nytt betyg i {subject}"),
    _text("New homework in {subject}", "שיעורי בית חדשים ב{subject}", "Neue Hausaufgabe in {subject}", "Nouveau devoir en {subject}", "Ny läxa i {subject}"),
    _text("{subject} lesson cancelled on {day}", "שיעור {subject} בוטל ב-{day}", "{subject} fällt am {day} aus", "Cours de {subject} annulé le {day}", "Lektionen i {subject} är inställd den {day}"),
)  # fmt: skip

_HOLIDAYS = (
    ("autumn", _text("Autumn break", "חופשת סתיו", "Herbstferien", "Vacances d'automne", "Höstlov")),
    ("winter", _text("Winter break", "חופשת חורף", "Winterferien", "Vacances d'hiver", "Jullov")),
    ("february", _text("February break", "חופשת פברואר", "Faschingsferien", "Vacances de février", "Sportlov")),
    ("spring", _text("Spring break", "חופשת אביב", "Osterferien", "Vacances de printemps", "Påsklov")),
)  # fmt: skip


# --------------------------------------------------------------------------
# The dataset
# --------------------------------------------------------------------------


class Dataset:
    """A generated school year around ``today``; deterministic given (today, seed)."""

    def __init__(self, today: date | None = None, seed: int = 7) -> None:
        self.today = today or date.today()
        self.seed = seed
        self._rng = random.Random(f"{seed}")
        self._ids = itertools.count(1)
        start_year = self.today.year if self.today.month >= 7 else self.today.year - 1
        if self.today.month == 6 and self.today.day > 20:
            start_year = self.today.year  # summer: the coming year
        self.year_start = date(start_year, 9, 1)
        self.year_end = date(start_year + 1, 6, 20)
        self.study_year = start_year + 1  # the calendar year the school year ends in
        self.school = _SCHOOL
        self.subjects: dict[str, Subject] = {s.key: s for s in SUBJECTS}
        self.teachers: dict[str, Person] = {}
        self.staff: dict[str, Person] = {
            _PRINCIPAL.id: _PRINCIPAL,
            _SECRETARY.id: _SECRETARY,
        }
        self.classes: dict[str, SchoolClass] = {}
        self.pupils: dict[str, Pupil] = {}
        self.logins: dict[str, Login] = {}
        self.holidays: list[HolidayRecord] = []
        self.timetables: dict[str, list[TimetableSlot]] = {}
        self._teaching: dict[tuple[str, str], str] = {}  # (class, subject) -> teacher
        self._lessons: dict[
            str, dict[date, list[Lesson]]
        ] = {}  # class -> day -> lessons
        self._homework: list[HomeworkItem] = []
        self.exams: list[Exam] = []
        self._grades: dict[str, list[GradeRecord]] = {}
        self._discipline: dict[str, list[DisciplineRecord]] = {}
        self._messages: dict[str, list[MessageRecord]] = {}
        self._notifications: dict[str, list[NotificationRecord]] = {}
        self._build()

    # -- generation ---------------------------------------------------------

    def _build(self) -> None:
        self._build_people()
        self._build_holidays()
        self._build_timetables()
        self._build_lessons()
        self._build_homework()
        self._build_exams_and_grades()
        self._build_discipline()
        for login in self.logins.values():
            self._build_messages(login)
            self._build_notifications(login)

    def _build_people(self) -> None:
        rng = self._rng
        for index, (first, last, first_he, last_he, subjects) in enumerate(
            _TEACHERS, 1
        ):
            teacher = Person(f"t{index:02d}", first, last, first_he, last_he, subjects)
            self.teachers[teacher.id] = teacher
        teacher_ids = list(self.teachers)
        for grade, number in itertools.product((7, 8, 9), (1, 2)):
            class_id = f"c{grade}{number}"
            homeroom = teacher_ids[(grade * 2 + number) % len(teacher_ids)]
            self.classes[class_id] = SchoolClass(
                class_id, grade, number, f"{grade}{number:02d}", homeroom
            )
        for class_index, class_id in enumerate(self.classes):
            for subject in SUBJECTS:
                candidates = [
                    t.id for t in self.teachers.values() if subject.key in t.subjects
                ]
                self._teaching[class_id, subject.key] = candidates[
                    class_index % len(candidates)
                ]
        # The three pupils the sandbox logins see come first, in fixed classes.
        fixed = (
            ("Dana", "Cohen", "דנה", "כהן", "c81"),
            ("Noa", "Levi", "נועה", "לוי", "c92"),
            ("Ari", "Levi", "ארי", "לוי", "c71"),
        )
        number = 1000
        for first, last, first_he, last_he, class_id in fixed:
            number += 1
            self._add_pupil(number, first, last, first_he, last_he, class_id)
        for class_id, school_class in self.classes.items():
            while sum(p.class_id == class_id for p in self.pupils.values()) < 10:
                first, first_he = rng.choice(_FIRST_NAMES)
                last, last_he = rng.choice(_LAST_NAMES)
                number += 1
                self._add_pupil(
                    number, first, last, first_he, last_he, class_id, school_class.grade
                )
        self.logins["dana.cohen"] = Login(
            "dana.cohen", PUPIL_PASSWORD, "student", ("p1001",),
            "Dana", "Cohen", "דנה", "כהן",
        )  # fmt: skip
        self.logins["levi.parent"] = Login(
            "levi.parent", PARENT_PASSWORD, "parent", ("p1002", "p1003"),
            "Miriam", "Levi", "מרים", "לוי",
        )  # fmt: skip

    def _add_pupil(
        self,
        number: int,
        first: str,
        last: str,
        first_he: str,
        last_he: str,
        class_id: str,
        grade: int | None = None,
    ) -> None:
        grade = grade or self.classes[class_id].grade
        born = date(self.year_start.year - grade - 6, 1, 1) + timedelta(
            days=self._rng.randrange(365)
        )
        pupil = Pupil(
            f"p{number}", number, first, last, first_he, last_he, class_id, born
        )
        self.pupils[pupil.id] = pupil

    def _build_holidays(self) -> None:
        year = self.year_start.year
        spans = (
            (monday_of(date(year, 10, 27)), 4),
            (date(year, 12, 22), 11),
            (monday_of(date(year + 1, 2, 16)), 4),
            (monday_of(date(year + 1, 4, 8)), 11),
        )
        for (key, names), (start, length) in zip(_HOLIDAYS, spans, strict=True):
            self.holidays.append(
                HolidayRecord(
                    f"h-{key}-{year}", names, start, start + timedelta(days=length)
                )
            )

    def _build_timetables(self) -> None:
        rng = self._rng
        for class_index, class_id in enumerate(self.classes):
            shift = class_index % len(_DAY_LENGTHS)
            lengths = _DAY_LENGTHS[shift:] + _DAY_LENGTHS[:shift]
            pool = [s.key for s in SUBJECTS for _ in range(s.weekly_hours)]
            rng.shuffle(pool)
            slots: list[TimetableSlot] = []
            for weekday, length in enumerate(lengths):
                for hour in range(1, length + 1):
                    subject = pool.pop()
                    slots.append(
                        TimetableSlot(
                            class_id,
                            weekday,
                            hour,
                            subject,
                            self._teaching[class_id, subject],
                            self.subjects[subject].room or self.classes[class_id].room,
                        )
                    )
            self.timetables[class_id] = slots

    def _build_lessons(self) -> None:
        rng = self._rng
        teacher_ids = list(self.teachers)
        for class_id, slots in self.timetables.items():
            by_day: dict[date, list[Lesson]] = {}
            by_weekday: dict[int, list[TimetableSlot]] = {}
            for slot in slots:
                by_weekday.setdefault(slot.weekday, []).append(slot)
            for day in self.school_days():
                lessons = []
                for slot in by_weekday.get(day.weekday(), ()):
                    roll = rng.random()
                    substitute = None
                    if CANCEL_RATE <= roll < CANCEL_RATE + SUBSTITUTION_RATE:
                        substitute = rng.choice(
                            [t for t in teacher_ids if t != slot.teacher_id]
                        )
                    # A new unit every three weeks keeps topics plausible.
                    unit = 1 + (day - self.year_start).days // 21
                    lessons.append(
                        Lesson(
                            f"{class_id}-{day.isoformat()}-{slot.hour}",
                            class_id,
                            day,
                            slot.hour,
                            slot.subject,
                            slot.teacher_id,
                            slot.room,
                            cancelled=roll < CANCEL_RATE,
                            substitute_id=substitute,
                            topic=_fmt(_TOPIC, u=unit),
                        )
                    )
                by_day[day] = lessons
            self._lessons[class_id] = by_day

    def _build_homework(self) -> None:
        rng = self._rng
        for class_id, by_day in self._lessons.items():
            days_of: dict[str, list[date]] = {}
            for day, lessons in by_day.items():
                for lesson in lessons:
                    if days_of.setdefault(lesson.subject, [day])[-1] != day:
                        days_of[lesson.subject].append(day)
            for day, lessons in by_day.items():
                if day > self.today:
                    break  # teachers have not set future homework yet
                for lesson in lessons:
                    if lesson.cancelled or rng.random() >= HOMEWORK_RATE:
                        continue
                    days = days_of[lesson.subject]
                    position = bisect.bisect_right(days, day)
                    if position == len(days):
                        continue
                    pattern = rng.choice(_HOMEWORK)
                    first = rng.randrange(1, 20)
                    self._homework.append(
                        HomeworkItem(
                            f"hw-{lesson.uid}",
                            class_id,
                            lesson.subject,
                            lesson.teacher_id,
                            day,
                            days[position],
                            _fmt(
                                pattern,
                                a=first,
                                b=first + rng.randrange(2, 6),
                                p=rng.randrange(10, 200),
                                c=rng.randrange(1, 12),
                            ),
                            lesson_uid=lesson.uid,
                        )
                    )

    def _build_exams_and_grades(self) -> None:
        rng = self._rng
        major = ("math", "language", "english", "science", "history")
        for class_id, by_day in self._lessons.items():
            last_exam: dict[str, date] = {}
            for day, lessons in by_day.items():
                for lesson in lessons:
                    if lesson.subject not in major or lesson.cancelled:
                        continue
                    since = last_exam.get(lesson.subject, self.year_start)
                    if (day - since).days < 28 or rng.random() > 0.5:
                        continue
                    last_exam[lesson.subject] = day
                    unit = 1 + (day - self.year_start).days // 21
                    self.exams.append(
                        Exam(
                            f"ex-{lesson.uid}",
                            class_id,
                            lesson.subject,
                            day,
                            lesson.hour,
                            _fmt(_EXAM, u=unit),
                        )
                    )
        for exam in self.exams:
            if exam.day >= self.today:
                continue
            for pupil in self.pupils_in(exam.class_id):
                self._grades.setdefault(pupil.id, []).append(
                    GradeRecord(
                        f"gr-{exam.uid}-{pupil.id}",
                        pupil.id,
                        exam.subject,
                        self._teaching[exam.class_id, exam.subject],
                        exam.day,
                        min(100, 55 + rng.randrange(46) + rng.randrange(10)),
                        exam.description,
                    )
                )

    def _build_discipline(self) -> None:
        rng = self._rng
        past_days = [d for d in self.school_days() if d <= self.today]
        weights = (4, 3, 4, 2, 2, 3, 1)
        for pupil in self.pupils.values():
            records: list[DisciplineRecord] = []
            count = max(3, len(past_days) // 10)
            for day in sorted(rng.sample(past_days, min(count, len(past_days)))):
                lessons = self._lessons[pupil.class_id][day]
                if not lessons:
                    continue
                lesson = rng.choice(lessons)
                kind, label, description = rng.choices(_DISCIPLINE, weights)[0]
                records.append(
                    DisciplineRecord(
                        f"de-{pupil.id}-{day.isoformat()}-{lesson.hour}",
                        pupil.id,
                        kind,
                        day,
                        lesson.hour,
                        lesson.subject,
                        lesson.substitute_id or lesson.teacher_id,
                        label,
                        description,
                        justified=rng.random() < 0.6 if kind == "absence" else None,
                    )
                )
            self._discipline[pupil.id] = records

    def _build_messages(self, login: Login) -> None:
        rng = self._rng
        pupils = [self.pupils[p] for p in login.pupil_ids]
        records: list[MessageRecord] = []
        for index in range(120):
            age = index * 3 // 2  # days ago; index 0 is the newest
            sent = datetime.combine(
                self.today - timedelta(days=age),
                time(7 + rng.randrange(13), rng.randrange(60)),
            )
            if age == 0:
                sent = datetime.combine(self.today, time(7, 30))
            pupil = pupils[index % len(pupils)]
            kind, subject_text, body_text = rng.choice(_MESSAGES)
            subject = self.subjects[rng.choice(SUBJECTS).key]
            sender = (
                self.teachers[self._teaching[pupil.class_id, subject.key]]
                if kind == 1
                else self.teachers[self.classes[pupil.class_id].homeroom_teacher]
                if kind == 2
                else rng.choice((_PRINCIPAL, _SECRETARY))
            )
            mentioned = sent.date() + timedelta(days=rng.randrange(3, 14))
            values = {
                lang: {
                    "subject": subject.name(lang),
                    "day": mentioned.strftime("%d/%m"),
                }
                for lang in LANGUAGES
            }
            records.append(
                MessageRecord(
                    next(self._ids),
                    login.username,
                    {
                        lang: subject_text[lang].format(**values[lang])
                        for lang in LANGUAGES
                    },
                    {
                        lang: body_text[lang].format(**values[lang])
                        for lang in LANGUAGES
                    },
                    sender,
                    sent,
                    # Older messages are read; the newest few always unread.
                    read=age > 14 or (index >= 3 and rng.random() < 0.5),
                    has_attachments=rng.random() < 0.15,
                    kind=kind,
                )
            )
        records.sort(key=lambda m: (m.sent, m.id), reverse=True)
        self._messages[login.username] = records

    def _build_notifications(self, login: Login) -> None:
        rng = self._rng
        records: list[NotificationRecord] = []
        for index in range(15):
            pupil = self.pupils[login.pupil_ids[index % len(login.pupil_ids)]]
            when = datetime.combine(
                self.today - timedelta(days=index * 2 + 1),
                time(15 + rng.randrange(5), rng.randrange(60)),
            )
            subject = rng.choice(SUBJECTS)
            pattern = _NOTIFICATIONS[index % len(_NOTIFICATIONS)]
            records.append(
                NotificationRecord(
                    f"nt-{login.username}-{index}",
                    login.username,
                    pupil.id,
                    when,
                    {
                        lang: pattern[lang].format(
                            subject=subject.name(lang), day=when.strftime("%d/%m")
                        )
                        for lang in LANGUAGES
                    },
                    read=index >= 5,
                )
            )
        self._notifications[login.username] = records

    # -- calendar -----------------------------------------------------------

    def holiday_on(self, day: date) -> HolidayRecord | None:
        """The break ``day`` falls in, if any."""
        return next((h for h in self.holidays if h.start <= day <= h.end), None)

    def is_school_day(self, day: date) -> bool:
        """Whether lessons take place on ``day``."""
        return (
            self.year_start <= day <= self.year_end
            and day.weekday() < 5
            and self.holiday_on(day) is None
        )

    def school_days(self) -> Iterator[date]:
        """Every school day of the year, in order."""
        day = self.year_start
        while day <= self.year_end:
            if self.is_school_day(day):
                yield day
            day += timedelta(days=1)

    # -- queries ------------------------------------------------------------

    def person(self, person_id: str) -> Person:
        """A teacher or member of staff by id."""
        return self.teachers.get(person_id) or self.staff[person_id]

    def pupils_in(self, class_id: str) -> list[Pupil]:
        """The pupils of one class."""
        return [p for p in self.pupils.values() if p.class_id == class_id]

    def pupils_of(self, username: str) -> list[Pupil]:
        """The pupils a login can see."""
        return [self.pupils[p] for p in self.logins[username].pupil_ids]

    def class_of(self, pupil_id: str) -> SchoolClass:
        """The class of a pupil."""
        return self.classes[self.pupils[pupil_id].class_id]

    def teacher_of(self, class_id: str, subject: str) -> Person:
        """Who teaches ``subject`` to a class."""
        return self.teachers[self._teaching[class_id, subject]]

    def lessons_on(self, pupil_id: str, day: date) -> list[Lesson]:
        """A pupil's lessons on one day, by hour."""
        return list(self._lessons[self.pupils[pupil_id].class_id].get(day, ()))

    def lessons(self, pupil_id: str, start: date, end: date) -> list[Lesson]:
        """A pupil's lessons from ``start`` (inclusive) to ``end`` (exclusive)."""
        by_day = self._lessons[self.pupils[pupil_id].class_id]
        result: list[Lesson] = []
        day = start
        while day < end:
            result.extend(by_day.get(day, ()))
            day += timedelta(days=1)
        return result

    def next_lesson_of(self, pupil_id: str, subject: str, after: date) -> Lesson | None:
        """The first lesson of ``subject`` on a day after ``after``."""
        by_day = self._lessons[self.pupils[pupil_id].class_id]
        day = after + timedelta(days=1)
        while day <= self.year_end:
            for lesson in by_day.get(day, ()):
                if lesson.subject == subject:
                    return lesson
            day += timedelta(days=1)
        return None

    def homework(
        self, pupil_id: str, start: date | None = None, end: date | None = None
    ) -> list[HomeworkItem]:
        """A pupil's homework due from ``start`` (inclusive) to ``end`` (exclusive)."""
        class_id = self.pupils[pupil_id].class_id
        return sorted(
            (
                item
                for item in self._homework
                if item.class_id == class_id
                and item.pupil_id in (None, pupil_id)
                and (start is None or item.due >= start)
                and (end is None or item.due < end)
            ),
            key=lambda item: (item.due, item.given, item.uid),
        )

    def homework_given_in(self, pupil_id: str, lesson: Lesson) -> list[HomeworkItem]:
        """Homework a pupil was set in one lesson."""
        return [
            item
            for item in self._homework
            if item.pupil_id in (None, pupil_id)
            and (
                item.lesson_uid == lesson.uid
                or (
                    item.lesson_uid is None
                    and item.class_id == lesson.class_id
                    and item.given == lesson.day
                    and item.subject == lesson.subject
                )
            )
        ]

    def exams_of(self, pupil_id: str) -> list[Exam]:
        """A pupil's class tests, in date order."""
        class_id = self.pupils[pupil_id].class_id
        return [e for e in self.exams if e.class_id == class_id]

    def grades(self, pupil_id: str) -> list[GradeRecord]:
        """A pupil's marks, oldest first."""
        return list(self._grades.get(pupil_id, ()))

    def discipline(self, pupil_id: str) -> list[DisciplineRecord]:
        """A pupil's discipline events, oldest first."""
        return sorted(
            self._discipline.get(pupil_id, ()), key=lambda r: (r.day, r.hour, r.uid)
        )

    def messages(self, username: str) -> list[MessageRecord]:
        """A login's inbox, newest first."""
        return list(self._messages[username])

    def notifications(self, username: str) -> list[NotificationRecord]:
        """A login's notices, newest first."""
        return sorted(self._notifications[username], key=lambda n: n.when, reverse=True)

    # -- mutators for tests -------------------------------------------------

    def add_homework(
        self,
        pupil_id: str,
        subject: str = "math",
        description: str = "Extra exercises",
        given: date | None = None,
        due: date | None = None,
    ) -> HomeworkItem:
        """Set homework for one pupil (due by default at the next lesson)."""
        given = given or self.today
        if due is None:
            upcoming = self.next_lesson_of(pupil_id, subject, given)
            due = upcoming.day if upcoming else given + timedelta(days=7)
        pupil = self.pupils[pupil_id]
        item = HomeworkItem(
            f"hw-added-{next(self._ids)}",
            pupil.class_id,
            subject,
            self._teaching[pupil.class_id, subject],
            given,
            due,
            same_text(description),
            pupil_id=pupil_id,
        )
        self._homework.append(item)
        return item

    def add_message(
        self,
        login_username: str,
        subject: str = "New message",
        sender: str = "Hana Shamir",
        body: str = "",
        sent: datetime | None = None,
        read: bool = False,
    ) -> MessageRecord:
        """Deliver a message; by default it is the newest one in the inbox."""
        inbox = self._messages[login_username]
        if sent is None:
            newest = inbox[0].sent if inbox else datetime.combine(self.today, time(12))
            sent = max(
                newest + timedelta(minutes=1), datetime.combine(self.today, time(12))
            )
        first, _, last = sender.partition(" ")
        person = Person(f"x-{first}-{last}", first, last, first, last)
        record = MessageRecord(
            next(self._ids),
            login_username,
            same_text(subject),
            same_text(body),
            person,
            sent,
            read,
        )
        inbox.append(record)
        inbox.sort(key=lambda m: (m.sent, m.id), reverse=True)
        return record

    def add_discipline_event(
        self,
        pupil_id: str,
        kind: str = "remark",
        day: date | None = None,
        hour: int = 1,
        subject: str | None = None,
        description: str = "",
        justified: bool | None = None,
    ) -> DisciplineRecord:
        """Record a discipline event for one pupil."""
        day = day or self.today
        label = next((label for k, label, _ in _DISCIPLINE if k == kind), None)
        if label is None:
            raise ValueError(f"unknown discipline kind {kind!r}")
        class_id = self.pupils[pupil_id].class_id
        record = DisciplineRecord(
            f"de-added-{next(self._ids)}",
            pupil_id,
            kind,
            day,
            hour,
            subject,
            self._teaching[class_id, subject] if subject else None,
            label,
            same_text(description),
            justified,
        )
        self._discipline.setdefault(pupil_id, []).append(record)
        return record

    def cancel_lesson(self, pupil_id: str, day: date, hour: int) -> Lesson:
        """Cancel a pupil's lesson (for the whole class)."""
        for lesson in self.lessons_on(pupil_id, day):
            if lesson.hour == hour:
                lesson.cancelled = True
                return lesson
        raise KeyError(f"no lesson on {day} hour {hour}")
