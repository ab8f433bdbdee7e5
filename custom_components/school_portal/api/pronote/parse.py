"""PRONOTE payloads into our models: tolerant of optional keys, strict on meaning."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, TypeGuard

from ..errors import ProtocolError
from ..models import (
    Average,
    DisciplineEvent,
    DisciplineKind,
    Grade,
    Homework,
    Lesson,
    LessonStatus,
    Meal,
    Menu,
    Message,
    Span,
    Student,
)
from ..util import html_to_text, preview, stable_id

GENRE_SUBJECT = 16
GENRE_TEACHER = 3
GENRE_ROOM = 17
GENRE_ABSENCE = 13
GENRE_DELAY = 14
GENRE_PUNISHMENT = 41
GENRE_OBSERVATION = 46
# "|n" grade codes (notes §1.3).
GRADE_CODES = {
    "1": "Absent",
    "2": "Dispensé",
    "3": "Non noté",
    "4": "Inapte",
    "5": "Non rendu",
    "6": "Absent (0)",
    "7": "Non rendu (0)",
    "8": "Félicitations",
}
_DAY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?")
_CLOCK = re.compile(r"(\d{1,2})[:h](\d{2})(?::(\d{2}))?")


# --- Values -------------------------------------------------------------------


def value(node: Any, *path: str) -> Any:
    """Follow keys, unwrapping `{V: …}` typed values on the way."""
    # Decoded JSON holds plain dicts only: `dict` is a far cheaper check than
    # the `Mapping` ABC, and this runs thousands of times per refresh.
    current = node
    for key in path:
        if type(current) is not dict:
            return None
        if key not in current and "V" in current:
            current = current["V"]
            if type(current) is not dict:
                return None
        current = current.get(key)
    if (
        type(current) is dict
        and "V" in current
        and ("_T" in current or len(current) == 1)
    ):
        return current["V"]
    return current


def items(node: Any, *path: str) -> list[dict[str, Any]]:
    """A list at `path` (bare, or wrapped as `{V: [...]}`); [] when absent."""
    found = value(node, *path) if path else node
    # `value` has unwrapped `{V: [...]}` already, nearly always: no ABC checks.
    if type(found) is not list:
        if isinstance(found, Mapping) and "V" in found:
            found = found["V"]
        if found is None:
            return []
        if not isinstance(found, list):
            raise ProtocolError("PRONOTE sent an object where a list belongs")
    return [row for row in found if type(row) is dict or isinstance(row, dict)]


def text(node: Any, *path: str) -> str:
    """A string at `path`, stripped; '' when absent."""
    if len(path) == 1 and type(node) is dict:
        # A plain string under the key: what `value` would return, without it.
        found = node.get(path[0])
        if type(found) is str:
            return found.strip()
    found = value(node, *path)
    if type(found) is str:  # nearly always: no str() copy, no union check
        return found.strip()
    if found is None:
        return ""
    return str(found).strip() if isinstance(found, str | int | float) else ""


def parse_day(raw: Any, today: date | None = None) -> date | None:
    """`dd/mm/yyyy`, `dd/mm/yy`, `d/m/yyyy …` or `dd/mm` (this year)."""
    if not isinstance(raw, str):
        return None
    match = _DAY.match(raw)
    if match is None:
        return None
    day, month, year = match.groups()
    if year is None:
        year_number = (today or date.today()).year
    else:
        year_number = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(year_number, int(month), int(day))
    except ValueError:
        return None


def parse_moment(raw: Any, tz: tzinfo) -> datetime | None:
    """A PRONOTE date-time (`dd/mm/yyyy HH:MM:SS`, `dd/mm/yy HHhMM`) in `tz`."""
    if type(raw) is str and len(raw) == 19:
        full = _full_moment(raw, tz)
        if full is not None:
            return full
    day = parse_day(raw)
    if day is None:
        return None
    assert isinstance(raw, str)
    clock = _CLOCK.search(raw[raw.find(" ") :] if " " in raw else "")
    moment = time(0)
    if clock is not None:
        hour, minute, second = clock.groups()
        try:
            moment = time(int(hour), int(minute), int(second or 0))
        except ValueError:
            moment = time(0)
    return datetime.combine(day, moment, tzinfo=tz)


def _full_moment(raw: str, tz: tzinfo) -> datetime | None:
    """`dd/mm/yyyy HH:MM:SS`, the form of every lesson and message, read in C.

    Two regexes and a combine per value were most of a lesson's parsing. None
    for anything else: `parse_moment` reads it then. `fromisoformat` takes
    ASCII digits only (the regexes take any digit: those go the slow way) and
    reads 24:00:00 as the next midnight (the slow way: this day's midnight).
    """
    if raw[2] != "/" or raw[5] != "/" or raw[10] != " " or raw[13] != ":":
        return None
    if raw[16] != ":" or raw[11:13] == "24":
        return None
    try:
        moment = datetime.fromisoformat(f"{raw[6:10]}-{raw[3:5]}-{raw[:2]}T{raw[11:]}")
    except ValueError:
        return None
    return moment.replace(tzinfo=tz)


def parse_domain(raw: str) -> set[int]:
    """PRONOTE's integer set `[1,3..5]`."""
    numbers: set[int] = set()
    for part in raw.strip().strip("[]").split(","):
        if part.strip():
            low, _sep, high = part.partition("..")
            try:
                numbers.update(range(int(low), int(high or low) + 1))
            except ValueError as err:
                raise ProtocolError("PRONOTE sent a broken integer set") from err
    return numbers


def count(node: Mapping[str, Any], key: str) -> int:
    """A non-negative count (`nbNonLus`, `nombreMessages`); 0 when unreadable."""
    raw = node.get(key)
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return max(raw, 0)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return 0


def grade_text(raw: Any) -> str:
    """A mark as PRONOTE writes it, with the `|n` codes spelled out."""
    mark = str(raw or "").strip()
    if mark.startswith("|"):
        return GRADE_CODES.get(mark[1:2], mark)
    return mark


# --- Account ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period(Span[str]):
    """A school period (trimester, semester …)."""


def parse_periods(general: Mapping[str, Any]) -> list[Period]:
    """`General.ListePeriodes`."""
    periods = []
    for row in items(general, "ListePeriodes"):
        start = parse_day(value(row, "dateDebut"))
        end = parse_day(value(row, "dateFin"))
        if start is None or end is None or not text(row, "N"):
            continue
        periods.append(Period(text(row, "N"), text(row, "L"), start, end))
    return periods


def _period_tab(resource: Mapping[str, Any], onglet: int) -> dict[str, Any] | None:
    tabs = items(resource, "listeOngletsPourPeriodes")
    return next((t for t in tabs if t.get("G") == onglet), tabs[0] if tabs else None)


def default_period_id(resource: Mapping[str, Any], onglet: int) -> str | None:
    """The period a pupil's tab (198 grades, 19 attendance) opens on."""
    tab = _period_tab(resource, onglet)
    found = text(tab, "periodeParDefaut", "N") if tab else ""
    return found or None


def tab_period_ids(resource: Mapping[str, Any], onglet: int) -> set[str]:
    """The periods a pupil's tab offers; empty when it does not say."""
    tab = _period_tab(resource, onglet)
    rows = items(tab, "listePeriodes") if tab else []
    return {text(row, "N") for row in rows if text(row, "N")}


def parse_student(
    resource: Mapping[str, Any], account_id: str, fallback_school: str | None
) -> Student:
    """One pupil resource (the user, or one of a parent's `listeRessources`)."""
    number = text(resource, "N")
    label = text(resource, "L")
    if not number or not label:
        raise ProtocolError("A pupil without id or name")
    # PRONOTE writes "LASTNAME First names".
    words = label.split()
    upper = [w for w in words if w.isupper() and len(w) > 1]
    last = " ".join(upper) or words[0]
    first = (
        " ".join(w for w in words if w not in upper) if upper else " ".join(words[1:])
    )
    return Student(
        # `N` may be per session ("object from a previous session", error 22):
        # the id we keep is the account plus the pupil's displayed name.
        id=stable_id("pronote", account_id, label.casefold()),
        first_name=first,
        last_name=last.title(),
        class_name=text(resource, "classeDEleve", "L") or None,
        school=text(resource, "Etablissement", "L") or fallback_school,
        context={"resource": number, "label": label},
    )


# --- Timetable and homework -----------------------------------------------------


def _contents(row: Mapping[str, Any], *genres: int) -> list[tuple[str, ...]]:
    """The labels of `ListeContenus` of each genre, in order: one pass for all."""
    found: dict[int, list[str]] = {genre: [] for genre in genres}
    for item in items(row, "ListeContenus"):
        genre = item.get("G")
        if genre in genres:
            label = item.get("L")
            # A plain string nearly always: `text` only for wrapped ones.
            label = label.strip() if type(label) is str else text(item, "L")
            if label:
                found[genre].append(label)
    return [tuple(found[genre]) for genre in genres]


def lesson_uid(student: Student, start: datetime, subject: str) -> str:
    """Stable across cancellation and substitution: the pupil, start and subject."""
    return stable_id(student.id, "lesson", start.isoformat(), subject.casefold())


@dataclass(frozen=True, slots=True)
class SlotGrid:
    """The school's day grid (`FonctionParametres.General`).

    A lesson's `place` counts the grid's slots from Monday's first one and its
    `duree` is a number of slots; slots are often half hours, so neither is
    an hour count.
    """

    per_day: int | None  # PlacesParJour
    slot: timedelta | None  # one hour / PlacesParHeure
    ends: Mapping[int, time]  # ListeHeuresFin: slot of the day -> its end


def clock_labels(general: Mapping[str, Any], key: str) -> dict[int, time]:
    """`ListeHeures` / `ListeHeuresFin`: slot of the day (`G`) -> `08h55`."""
    found: dict[int, time] = {}
    for row in items(general, key):
        label = text(row, "L")
        genre = row.get("G")
        if isinstance(genre, int) and "h" in label:
            hour, _sep, minute = label.partition("h")
            try:
                found[genre] = time(int(hour), int(minute or 0))
            except ValueError:
                continue
    return found


def parse_grid(general: Mapping[str, Any]) -> SlotGrid:
    """The slot grid a school declares; any part may be missing."""
    per_day = general.get("PlacesParJour")
    per_hour = general.get("PlacesParHeure")
    return SlotGrid(
        per_day=per_day if _positive(per_day) else None,
        slot=timedelta(hours=1) / per_hour if _positive(per_hour) else None,
        ends=clock_labels(general, "ListeHeuresFin"),
    )


def _positive(number: object) -> TypeGuard[int]:
    return isinstance(number, int) and not isinstance(number, bool) and number > 0


def parse_lesson(
    student: Student,
    row: Mapping[str, Any],
    tz: tzinfo,
    grid: SlotGrid | None = None,
) -> Lesson:
    """One `ListeCours` entry."""
    start = parse_moment(value(row, "DateDuCours"), tz)
    if start is None:
        raise ProtocolError("A lesson without start")
    end = parse_moment(value(row, "DateDuCoursFin"), tz)
    if end is None:
        end = lesson_end(start, row, grid)
    subjects, teachers, rooms = _contents(row, GENRE_SUBJECT, GENRE_TEACHER, GENRE_ROOM)
    subject = subjects[0] if subjects else text(row, "L") or "?"
    status_text = text(row, "Statut")
    if row.get("estAnnule"):
        status = LessonStatus.CANCELLED
    elif status_text:
        status = LessonStatus.CHANGED
    elif value(row, "cahierDeTextes", "estDevoir"):
        status = LessonStatus.EXAM
    else:
        status = LessonStatus.NORMAL
    memo = text(row, "memo")
    note = f"{status_text} {memo}" if status_text and memo else status_text or memo
    return Lesson(
        uid=lesson_uid(student, start, subject),
        start=start,
        end=end,
        subject=subject,
        teachers=teachers,
        rooms=rooms,
        status=status,
        note=note or None,
    )


def lesson_end(
    start: datetime, row: Mapping[str, Any], grid: SlotGrid | None
) -> datetime:
    """Servers that omit `DateDuCoursFin`: the end from the school's grid.

    The end of the lesson's last slot where the school labels it (the slot
    of the day is `place` modulo `PlacesParJour`; the label list's length is
    no divisor: pronotepy's `len - 1` says it may hold one more entry), else
    `duree` slots of the declared length; one hour only when the school
    declares neither.
    """
    place, duration = row.get("place"), row.get("duree")
    slots = duration if _positive(duration) else 1
    if grid is not None and grid.per_day and isinstance(place, int) and place >= 0:
        # A lesson cannot run past the day's last slot.
        last = min(place % grid.per_day + slots - 1, grid.per_day - 1)
        if (clock := grid.ends.get(last)) is not None:
            end = datetime.combine(start.date(), clock, tzinfo=start.tzinfo)
            if end > start:
                return end
    if grid is not None and grid.slot is not None:
        return start + slots * grid.slot
    return start + timedelta(hours=1)


def parse_homework(student: Student, row: Mapping[str, Any]) -> Homework:
    """One `ListeTravauxAFaire` entry."""
    number = text(row, "N")
    due = parse_day(value(row, "PourLe"))
    if not number or due is None:
        raise ProtocolError("Homework without id or due date")
    descriptif = value(row, "descriptif")
    return Homework(
        uid=homework_uid(student, number),
        subject=text(row, "Matiere", "L") or "?",
        due=due,
        description=html_to_text(descriptif if isinstance(descriptif, str) else ""),
        given=parse_day(value(row, "DonneLe")),
        attachments=tuple(
            text(item, "L")
            for item in items(row, "ListePieceJointe")
            if text(item, "L")
        ),
        done=bool(row.get("TAFFait")) if "TAFFait" in row else None,
    )


def homework_uid(student: Student, number: str) -> str:
    """Our uid of a homework item (its `N` is stable: set_done uses it)."""
    return stable_id(student.id, "homework", number)


# --- Messages -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Discussion:
    """One discussion of the inbox (PRONOTE threads messages)."""

    uid: str
    subject: str
    creator: str
    date_label: str
    unread: int
    possessions: tuple[Mapping[str, Any], ...]
    message_count: int


def parse_discussions(data: Mapping[str, Any], account_id: str) -> list[Discussion]:
    """`ListeMessagerie`: the threads (folders and sub-levels left out)."""
    found = []
    for row in items(data, "listeMessagerie"):
        if not row.get("estUneDiscussion") or row.get("profondeur", 0) != 0:
            continue
        anchor = text(row, "messagePourParticipants", "N") or text(row, "N")
        found.append(
            Discussion(
                uid=stable_id("pronote", account_id, "discussion", anchor),
                subject=text(row, "objet"),
                creator=text(row, "initiateur"),
                date_label=text(row, "libelleDate"),
                unread=count(row, "nbNonLus"),
                possessions=tuple(items(row, "listePossessionsMessages")),
                message_count=count(row, "nombreMessages"),
            )
        )
    return found


_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def label_moment(label: str, today: date, tz: tzinfo) -> datetime:
    """`libelleDate`: `dd/mm[/yy]`, `HHhMM` (today) or `weekday HHhMM`."""
    short = _short_label(label, today, tz)
    if short is not None:
        return short
    clock = _CLOCK.search(label)
    try:
        moment = time(int(clock.group(1)), int(clock.group(2))) if clock else time(0)
    except ValueError:
        moment = time(0)
    day = parse_day(label, today)
    if day is None:
        day = today
        lowered = label.casefold()
        for index, name in enumerate(_WEEKDAYS):
            if lowered.startswith(name):
                day = today - timedelta(days=(today.weekday() - index) % 7)
                break
    elif day > today and len(label.split()[0]) <= 5:
        day = day.replace(year=day.year - 1)  # "dd/mm" of last year
    return datetime.combine(day, moment, tzinfo=tz)


def _short_label(label: str, today: date, tz: tzinfo) -> datetime | None:
    """`HHhMM` and `dd/mm/yy`, nearly every label, without the regexes.

    None for anything else (other digits than ASCII, impossible values):
    `label_moment` reads it then, to the same result.
    """
    if not label.isascii():
        return None
    try:
        if len(label) == 5 and label[2] == "h" and (label[:2] + label[3:]).isdigit():
            return datetime.combine(
                today, time(int(label[:2]), int(label[3:])), tzinfo=tz
            )
        if len(label) == 8 and label[2] == label[5] == "/":
            digits = label[:2] + label[3:5] + label[6:]
            if digits.isdigit():
                day = date(2000 + int(label[6:]), int(label[3:5]), int(label[:2]))
                return datetime.combine(day, time(0), tzinfo=tz)
    except ValueError:
        return None
    return None


def discussion_message(discussion: Discussion, today: date, tz: tzinfo) -> Message:
    """A discussion as one inbox entry."""
    return Message(
        uid=discussion.uid,
        subject=discussion.subject,
        sender=discussion.creator,
        received=label_moment(discussion.date_label, today, tz),
        read=discussion.unread == 0,
        preview=preview(discussion.subject),
    )


def parse_messages(
    data: Mapping[str, Any], discussion: Discussion, tz: tzinfo
) -> list[Message]:
    """`ListeMessages`: the messages of one discussion, oldest first."""
    found = []
    for row in items(data, "listeMessages"):
        received = parse_moment(value(row, "date"), tz)
        if received is None:
            raise ProtocolError("A message without date")
        body = value(row, "contenu")
        content = html_to_text(body if isinstance(body, str) else "")
        found.append(
            Message(
                uid=stable_id(discussion.uid, text(row, "N")),
                subject=discussion.subject,
                sender="" if row.get("emetteur") else text(row, "public_gauche"),
                received=received,
                read=bool(row.get("lu", True)),
                preview=preview(content),
            )
        )
    return sorted(found, key=lambda message: message.received)


@dataclass(frozen=True, slots=True)
class Information:
    """An item of "Informations & sondages"."""

    id: str
    title: str
    author: str
    read: bool
    survey: bool
    created: datetime | None
    category: str
    content: str


def parse_information(data: Mapping[str, Any], tz: tzinfo) -> list[Information]:
    """`PageActualites`."""
    found = []
    for mode in items(data, "listeModesAff"):
        for row in items(mode, "listeActualites"):
            questions = items(row, "listeQuestions")
            body = value(questions[0], "texte") if questions else ""
            found.append(
                Information(
                    id=text(row, "N"),
                    title=text(row, "L"),
                    author=text(row, "auteur"),
                    read=bool(row.get("lue")),
                    survey=bool(row.get("estSondage")),
                    created=parse_moment(value(row, "dateCreation"), tz),
                    category=text(row, "categorie", "L") or text(row, "nature", "L"),
                    content=html_to_text(body if isinstance(body, str) else ""),
                )
            )
    return found


# --- Grades, attendance, menus ------------------------------------------------------


def parse_grades(
    data: Mapping[str, Any], student: Student, period: Period | None
) -> list[Grade]:
    """`DernieresNotes.listeDevoirs`."""
    found = []
    for row in items(data, "listeDevoirs"):
        when = parse_day(value(row, "date"))
        if when is None:
            raise ProtocolError("A grade without date")
        found.append(
            Grade(
                uid=stable_id(student.id, "grade", text(row, "N")),
                subject=text(row, "service", "L") or "?",
                value=grade_text(value(row, "note")),
                when=when,
                out_of=grade_text(value(row, "bareme")) or None,
                description=text(row, "commentaire"),
                period=period.name if period else text(row, "periode", "L") or None,
                class_average=grade_text(value(row, "moyenne")) or None,
            )
        )
    return found


def parse_averages(data: Mapping[str, Any], period: Period | None) -> list[Average]:
    """`DernieresNotes.listeServices` and the overall average (subject None)."""
    name = period.name if period else None
    found = [
        Average(
            subject=text(row, "L") or "?",
            value=grade_text(value(row, "moyEleve")),
            period=name,
            out_of=grade_text(value(row, "baremeMoyEleve")) or None,
            class_average=grade_text(value(row, "moyClasse")) or None,
        )
        for row in items(data, "listeServices")
        if value(row, "moyEleve") not in (None, "")
    ]
    overall = value(data, "moyGenerale")
    if overall:
        found.append(
            Average(
                subject=None,
                value=grade_text(overall),
                period=name,
                out_of="20",
                class_average=grade_text(value(data, "moyGeneraleClasse")) or None,
            )
        )
    return found


def parse_presence(
    data: Mapping[str, Any],
    student: Student,
    tz: tzinfo,
    start_of_place: Mapping[int, time],
) -> list[DisciplineEvent]:
    """`PagePresence.listeAbsences`: absences, delays, punishments, observations."""
    found = []
    for row in items(data, "listeAbsences"):
        event = _presence_event(row, student, tz, start_of_place)
        if event is not None:
            found.append(event)
    return found


def _reasons(row: Mapping[str, Any]) -> str:
    return ", ".join(
        text(item, "L") for item in items(row, "listeMotifs") if text(item, "L")
    )


def _presence_event(
    row: Mapping[str, Any],
    student: Student,
    tz: tzinfo,
    start_of_place: Mapping[int, time],
) -> DisciplineEvent | None:
    genre = row.get("G")
    uid = stable_id(student.id, "presence", genre, text(row, "N"))
    if genre == GENRE_ABSENCE:
        when = parse_moment(value(row, "dateDebut"), tz)
        kind = DisciplineKind.ABSENCE
        description = _reasons(row) or text(row, "NbrHeures")
        teacher = None
    elif genre == GENRE_DELAY:
        when = parse_moment(value(row, "date"), tz)
        kind = DisciplineKind.LATE
        description = _reasons(row) or text(row, "justification")
        teacher = None
    elif genre == GENRE_PUNISHMENT:
        day = parse_day(value(row, "dateDemande"))
        place = row.get("placeDemande")
        clock = (
            start_of_place.get(place, time(0)) if isinstance(place, int) else time(0)
        )
        when = datetime.combine(day, clock, tzinfo=tz) if day else None
        kind = DisciplineKind.PUNISHMENT
        nature = text(row, "nature", "L")
        description = ": ".join(part for part in (nature, _reasons(row)) if part)
        teacher = text(row, "demandeur", "L") or None
    elif genre == GENRE_OBSERVATION:
        when = parse_moment(value(row, "date"), tz)
        kind = (
            DisciplineKind.PRAISE
            if row.get("estUneObservationPositive")
            else DisciplineKind.REMARK
        )
        description = ": ".join(
            part for part in (text(row, "L"), text(row, "commentaire")) if part
        )
        teacher = text(row, "demandeur", "L") or None
    else:
        return None
    if when is None:
        raise ProtocolError("An attendance event without date")
    return DisciplineEvent(
        uid=uid,
        kind=kind,
        when=when,
        description=description,
        teacher=teacher,
        justified=bool(row["justifie"]) if "justifie" in row else None,
    )


def parse_menus(data: Mapping[str, Any]) -> list[Menu]:
    """`PageMenus.ListeJours`: one Menu per meal, dishes course by course."""
    found = []
    for day_row in items(data, "ListeJours"):
        day = parse_day(value(day_row, "Date"))
        if day is None:
            raise ProtocolError("A menu day without date")
        for meal_row in items(day_row, "ListeRepas"):
            meal = Meal.DINNER if meal_row.get("G") == 1 else Meal.LUNCH
            courses = sorted(items(meal_row, "ListePlats"), key=_course_order)
            dishes = tuple(_dishes(courses))
            if dishes:
                found.append(Menu(day=day, meal=meal, dishes=dishes))
    return found


def _course_order(course: Mapping[str, Any]) -> int:
    # 0 starter, 1 main, 2 side, 3 other, 5 cheese, 4 dessert: served in this order.
    order = {0: 0, 1: 1, 2: 2, 3: 3, 5: 4, 4: 5}
    genre = course.get("G")
    return order.get(genre, 6) if isinstance(genre, int) else 6


def _dishes(courses: list[dict[str, Any]]) -> Iterator[str]:
    for course in courses:
        for food in items(course, "ListeAliments"):
            if name := text(food, "L"):
                yield name
