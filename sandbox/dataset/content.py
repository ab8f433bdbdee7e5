"""The fixed content the generated year is made of: subjects, people, texts."""

from __future__ import annotations

from .records import Person, School, Subject, Text, names, same_text


def text(en: str, he: str, de: str, fr: str, sv: str) -> Text:
    """One text in the five languages."""
    return {"en": en, "he": he, "de": de, "fr": fr, "sv": sv}


def fmt(pattern: Text, **values: object) -> Text:
    """Fill a text's placeholders in every language."""
    return {lang: line.format(**values) for lang, line in pattern.items()}


SUBJECTS: tuple[Subject, ...] = (
    Subject(
        "math",
        text("Mathematics", "מתמטיקה", "Mathematik", "Mathématiques", "Matematik"),
        5,
    ),
    Subject("language", text("Language", "לשון", "Sprache", "Langue", "Språk"), 4),
    Subject("english", text("English", "אנגלית", "Englisch", "Anglais", "Engelska"), 4),
    Subject(
        "science",
        text("Science", "מדעים", "Naturwissenschaften", "Sciences", "Naturvetenskap"),
        4,
        "LAB1",
    ),
    Subject(
        "history", text("History", "היסטוריה", "Geschichte", "Histoire", "Historia"), 3
    ),
    Subject(
        "geography",
        text("Geography", "גאוגרפיה", "Erdkunde", "Géographie", "Geografi"),
        2,
    ),
    Subject(
        "literature",
        text("Literature", "ספרות", "Literatur", "Littérature", "Litteratur"),
        2,
    ),
    Subject(
        "pe",
        text("Physical education", "חינוך גופני", "Sport", "EPS", "Idrott och hälsa"),
        2,
        "GYM",
    ),
    Subject(
        "computing",
        text(
            "Computer science",
            "מדעי המחשב",
            "Informatik",
            "Informatique",
            "Programmering",
        ),
        2,
        "COMP",
    ),
    Subject("art", text("Art", "אמנות", "Kunst", "Arts plastiques", "Bild"), 2, "ART"),
    Subject("music", text("Music", "מוזיקה", "Musik", "Musique", "Musik"), 1, "MUS"),
    Subject(
        "civics",
        text("Civics", "אזרחות", "Sozialkunde", "Éducation civique", "Samhällskunskap"),
        1,
    ),
)

# Lessons per weekday (Mon..Fri); rotated per class. Sums to the weekly hours (32).
DAY_LENGTHS = (7, 6, 8, 6, 5)

TEACHERS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
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

FIRST_NAMES = (
    ("Yael", "יעל"), ("Omer", "עומר"), ("Itai", "איתי"), ("Maya", "מאיה"),
    ("Tamar", "תמר"), ("Eitan", "איתן"), ("Shira", "שירה"), ("Yonatan", "יונתן"),
    ("Lior", "ליאור"), ("Roni", "רוני"), ("Amit", "עמית"), ("Gal", "גל"),
    ("Michal", "מיכל"), ("Daniel", "דניאל"), ("Adi", "עדי"), ("Yoav", "יואב"),
    ("Talia", "טליה"), ("Nadav", "נדב"), ("Hila", "הילה"), ("Ido", "עידו"),
    ("Rotem", "רותם"), ("Noam", "נועם"), ("Inbar", "ענבר"), ("Guy", "גיא"),
)  # fmt: skip

# Cohen and Levi are kept for the sandbox logins so names stay unambiguous.
LAST_NAMES = (
    ("Mizrahi", "מזרחי"), ("Peretz", "פרץ"), ("Biton", "ביטון"), ("Friedman", "פרידמן"),
    ("Azoulay", "אזולאי"), ("Katz", "כץ"), ("Shapiro", "שפירא"), ("Avraham", "אברהם"),
    ("Golan", "גולן"), ("Dahan", "דהן"), ("Weiss", "וייס"), ("Segal", "סגל"),
    ("Ohana", "אוחנה"), ("Carmeli", "כרמלי"), ("Shalev", "שלו"), ("Amar", "עמר"),
)  # fmt: skip

PUPIL_PASSWORD = "sandbox-pupil"  # a public sandbox credential
PARENT_PASSWORD = "sandbox-parent"  # a public sandbox credential

SCHOOL = School(
    440123,
    text(
        "Sandbox Secondary School",
        'חטיבת ביניים "ארגז החול"',
        "Sandkasten-Gesamtschule",
        "Collège du Bac à Sable",
        "Sandlådeskolan",
    ),
)

PRINCIPAL = Person(
    "s-principal",
    title=text("Principal", "מנהלת", "Schulleiterin", "Directrice", "Rektor"),
    **names("Hana", "Shamir", "חנה", "שמיר"),
)
SECRETARY = Person(
    "s-office",
    title=text("Office", "מזכירות", "Sekretariat", "Secrétariat", "Expedition"),
    **names("School", "Office", "מזכירות", "בית הספר"),
)

HOMEWORK = (
    text(
        "Exercises {a}-{b} on page {p}",
        "תרגילים {a}-{b} בעמוד {p}",
        "Aufgaben {a}-{b} auf Seite {p}",
        "Exercices {a} à {b} page {p}",
        "Uppgift {a}-{b} på sidan {p}",
    ),
    text(
        "Read chapter {c} and answer the questions",
        "לקרוא את פרק {c} ולענות על השאלות",
        "Kapitel {c} lesen und die Fragen beantworten",
        "Lire le chapitre {c} et répondre aux questions",
        "Läs kapitel {c} och svara på frågorna",
    ),
    text(
        "Write a one-page summary of chapter {c}",
        "לכתוב סיכום של עמוד על פרק {c}",
        "Eine Seite Zusammenfassung zu Kapitel {c} schreiben",
        "Rédiger un résumé d'une page du chapitre {c}",
        "Skriv en sidas sammanfattning av kapitel {c}",
    ),
    text(
        "Finish the worksheet from class",
        "להשלים את דף העבודה מהשיעור",
        "Das Arbeitsblatt aus dem Unterricht fertigstellen",
        "Terminer la fiche commencée en classe",
        "Gör klart arbetsbladet från lektionen",
    ),
)

TOPIC = text("Unit {u}", "יחידה {u}", "Einheit {u}", "Séquence {u}", "Avsnitt {u}")
EXAM = text(
    "Test: unit {u}",
    "מבחן: יחידה {u}",
    "Klassenarbeit: Einheit {u}",
    "Contrôle : séquence {u}",
    "Prov: avsnitt {u}",
)

MESSAGES: tuple[tuple[int, Text, Text], ...] = (
    (
        1,
        text("{subject}: material for next week", "{subject}: חומר לשבוע הבא", "{subject}: Stoff für nächste Woche", "{subject} : le programme de la semaine prochaine", "{subject}: material till nästa vecka"),
        text("Please bring the {subject} book and a notebook.", "נא להביא את ספר ה{subject} ומחברת.", "Bitte das {subject}-Buch und ein Heft mitbringen.", "Merci d'apporter le livre de {subject} et un cahier.", "Ta med boken i {subject} och ett skrivhäfte."),
    ),
    (
        1,
        text("Upcoming {subject} test", "מבחן קרוב ב{subject}", "Bevorstehende Arbeit in {subject}", "Contrôle de {subject} à venir", "Kommande prov i {subject}"),
        text("The {subject} test covers the last two units.", "המבחן ב{subject} יכלול את שתי היחידות האחרונות.", "Die Arbeit in {subject} umfasst die letzten zwei Einheiten.", "Le contrôle de {subject} porte sur les deux dernières séquences.", "Provet i {subject} omfattar de två senaste avsnitten."),
    ),
    (
        2,
        text("Class trip on {day}", "טיול שכבתי ב-{day}", "Klassenausflug am {day}", "Sortie scolaire le {day}", "Klassresa den {day}"),
        text("Departure at 08:00 from the school gate. Bring water and a hat.", "יציאה בשעה 08:00 משער בית הספר. יש להביא מים וכובע.", "Abfahrt um 08:00 am Schultor. Wasser und Hut mitbringen.", "Départ à 08h00 devant le portail. Prévoir de l'eau et un chapeau.", "Avresa 08:00 från skolgrinden. Ta med vatten och keps."),
    ),
    (
        3,
        text("Parent-teacher evening", "אסיפת הורים", "Elternsprechabend", "Réunion parents-professeurs", "Föräldramöte"),
        text("The parent-teacher evening takes place on {day} from 17:00.", "אסיפת ההורים תתקיים ב-{day} החל מהשעה 17:00.", "Der Elternsprechabend findet am {day} ab 17:00 statt.", "La réunion parents-professeurs aura lieu le {day} à partir de 17h.", "Föräldramötet hålls den {day} från 17:00."),
    ),
    (
        3,
        text("Library books due", "החזרת ספרי ספרייה", "Rückgabe der Bibliotheksbücher", "Retour des livres de la bibliothèque", "Återlämning av biblioteksböcker"),
        text("Please return all library books by {day}.", "נא להחזיר את כל ספרי הספרייה עד {day}.", "Bitte alle Bibliotheksbücher bis {day} zurückgeben.", "Merci de rendre tous les livres avant le {day}.", "Lämna tillbaka alla böcker senast {day}."),
    ),
    (
        1,
        text("Feedback on your {subject} project", "משוב על העבודה ב{subject}", "Rückmeldung zu deinem {subject}-Projekt", "Retour sur ton projet de {subject}", "Återkoppling på ditt arbete i {subject}"),
        text("Well done on the {subject} project; see my notes in the margin.", "כל הכבוד על העבודה ב{subject}; ראו הערות בשוליים.", "Gute Arbeit im {subject}-Projekt; siehe meine Randnotizen.", "Bravo pour le projet de {subject} ; voir mes notes en marge.", "Bra jobbat med arbetet i {subject}; se mina kommentarer."),
    ),
    (
        2,
        text("Change in the timetable", "שינוי במערכת השעות", "Stundenplanänderung", "Changement d'emploi du temps", "Schemaändring"),
        text("On {day} the {subject} lesson moves to the first hour.", "ב-{day} שיעור ה{subject} עובר לשעה הראשונה.", "Am {day} wird {subject} in die erste Stunde verlegt.", "Le {day}, le cours de {subject} passe en première heure.", "Den {day} flyttas {subject} till första lektionen."),
    ),
    (
        3,
        text("Health check forms", "טופסי הצהרת בריאות", "Gesundheitsformulare", "Fiches sanitaires", "Hälsoformulär"),
        text("Please sign and return the health form by {day}.", "נא לחתום ולהחזיר את טופס הבריאות עד {day}.", "Bitte das Gesundheitsformular bis {day} unterschreiben und zurückgeben.", "Merci de signer et rendre la fiche sanitaire avant le {day}.", "Skriv under och lämna hälsoformuläret senast {day}."),
    ),
)  # fmt: skip

# (kind, label as a portal shows the category, description)
DISCIPLINE: tuple[tuple[str, Text, Text], ...] = (
    ("absence", text("Absence", "היעדרות", "Fehlstunde", "Absence", "Frånvaro"), same_text("")),
    ("late", text("Late", "איחור", "Verspätung", "Retard", "Sen ankomst"), text("Arrived 10 minutes late", "איחור של 10 דקות", "10 Minuten zu spät", "Arrivé avec 10 minutes de retard", "Kom 10 minuter sent")),
    ("remark", text("Disruption", "הפרעה בשיעור", "Unterrichtsstörung", "Perturbation", "Störde lektionen"), text("Talked during the lesson", "דיבר במהלך השיעור", "Hat im Unterricht geredet", "Bavardages en cours", "Pratade under lektionen")),
    ("remark", text("No equipment", "ללא ציוד", "Material vergessen", "Oubli de matériel", "Saknade material"), text("Came without equipment", "הגיע ללא ציוד", "Ohne Material gekommen", "Venu sans matériel", "Kom utan material")),
    ("remark", text("No homework", "ללא שיעורי בית", "Hausaufgaben fehlen", "Devoirs non faits", "Läxan inte gjord"), text("Homework not done", "לא הכין שיעורי בית", "Hausaufgaben nicht gemacht", "Devoirs non faits", "Läxan inte gjord")),
    ("praise", text("Praise", "חיזוק חיובי", "Lob", "Félicitations", "Beröm"), text("Excellent participation", "השתתפות מצוינת", "Hervorragende Mitarbeit", "Excellente participation", "Utmärkt deltagande")),
    ("punishment", text("Detention", "עונש", "Nachsitzen", "Retenue", "Kvarsittning"), text("Stays after school on Thursday", "נשאר אחרי הלימודים ביום חמישי", "Nachsitzen am Donnerstag", "Retenue jeudi après les cours", "Kvarsittning på torsdag")),
)  # fmt: skip

NOTIFICATIONS = (
    text("New grade in {subject}", "ציון חדש ב{subject}", "Neue Note in {subject}", "Nouvelle note en {subject}", "Nytt betyg i {subject}"),
    text("New homework in {subject}", "שיעורי בית חדשים ב{subject}", "Neue Hausaufgabe in {subject}", "Nouveau devoir en {subject}", "Ny läxa i {subject}"),
    text("{subject} lesson cancelled on {day}", "שיעור {subject} בוטל ב-{day}", "{subject} fällt am {day} aus", "Cours de {subject} annulé le {day}", "Lektionen i {subject} är inställd den {day}"),
)  # fmt: skip

HOLIDAYS = (
    ("autumn", text("Autumn break", "חופשת סתיו", "Herbstferien", "Vacances d'automne", "Höstlov")),
    ("winter", text("Winter break", "חופשת חורף", "Winterferien", "Vacances d'hiver", "Jullov")),
    ("february", text("February break", "חופשת פברואר", "Faschingsferien", "Vacances de février", "Sportlov")),
    ("spring", text("Spring break", "חופשת אביב", "Osterferien", "Vacances de printemps", "Påsklov")),
)  # fmt: skip
