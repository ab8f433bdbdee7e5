"""EcoleDirecte's payloads into the shared models.

Times are naive French wall-clock times: they are read in the school's zone.
Long texts (homework, messages, post-its) come as base64 HTML.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from ..models import (
    Average,
    DisciplineEvent,
    DisciplineKind,
    Grade,
    Homework,
    Lesson,
    LessonStatus,
    Message,
    Notification,
    Span,
    Student,
)
from ..util import (
    base64_html_to_text,
    first_text,
    html_to_text,
    portal_date,
    portal_datetime,
    preview,
    stable_id,
)

PUPIL = "E"
FAMILY = "1"
# How far back the school's notices count as news.
RECENT = timedelta(days=7)

# What each kind of data needs switched on in a pupil's modules.
MODULE_GRADES = "NOTES"
MODULE_HOMEWORK = "CAHIER_DE_TEXTES"
MODULE_TIMETABLE = "EDT"
MODULE_SCHOOL_LIFE = "VIE_SCOLAIRE"
MODULE_MESSAGES = "MESSAGERIE"
MODULE_DOCUMENTS = "DOCUMENTS_ELEVE"
MODULE_RESERVATIONS = "RESERVATIONS"
MODULE_BADGE = "CANTINE_BARCODE"

# Marks that are not numbers, spelled out as the school's site shows them.
GRADE_WORDS = {
    "abs": "Absent",
    "disp": "Dispensé",
    "ne": "Non évalué",
    "ea": "En attente",
    "nr": "Non rendu",
}

_DISCIPLINE_KINDS = {
    "Absence": DisciplineKind.ABSENCE,
    "Retard": DisciplineKind.LATE,
    "Punition": DisciplineKind.PUNISHMENT,
    "Sanction": DisciplineKind.PUNISHMENT,
    "Encouragement": DisciplineKind.PRAISE,
}


# --- Values -------------------------------------------------------------------


def rows(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list (anything else: none)."""
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, Mapping)]


def obj(value: Any) -> Mapping[str, Any]:
    """An object, or an empty one."""
    return value if isinstance(value, Mapping) else {}


def decode_base64(value: Any) -> str:
    """A base64 text (a question, a choice); the value itself when it is none."""
    text = str(value or "")
    # Padding as the server writes it is not always right ("NDI==").
    bare = text.strip().rstrip("=")
    try:
        return base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True).decode()
    except (binascii.Error, ValueError):
        return text


def encode_base64(text: str) -> str:
    """A text as the server's base64."""
    return base64.b64encode(text.encode()).decode("ascii")


def flag(value: Any) -> bool:
    """A boolean sent as a bool, a number or a "0"/"1" string."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "oui")
    return bool(value)


def _id(value: Any) -> str:
    return "" if value is None or isinstance(value, bool) else str(value).strip()


def _ref(value: Any) -> str | None:
    """An id that may be 0 for "none"."""
    text = _id(value)
    return None if text in ("", "0") else text


def french_date(value: Any) -> date | None:
    """``DD/MM/YYYY`` (post-its, workspaces), or an ISO date."""
    text = str(value or "").strip()
    day, _, rest = text.partition("/")
    month, _, year = rest.partition("/")
    if day.isdigit() and month.isdigit() and year[:4].isdigit():
        try:
            return date(int(year[:4]), int(month), int(day))
        except ValueError:
            return None
    return portal_date(text)


def _midnight(day: date | None, tz: tzinfo) -> datetime | None:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz) if day else None


# --- Account ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Modules:
    """The modules a pupil's school switched on for them, by code."""

    by_code: Mapping[str, Mapping[str, Any]]

    @classmethod
    def of(cls, value: Any) -> Modules:
        """The modules of a login's or a child's ``modules`` list."""
        return cls({str(m.get("code")): m for m in rows(value) if m.get("code")})

    def enabled(self, code: str) -> bool:
        """Whether a module is on; a login that lists none has everything."""
        if not self.by_code:
            return True
        return flag(self.by_code.get(code, {}).get("enable"))

    def params(self, code: str) -> Mapping[str, Any]:
        """A module's parameters."""
        return obj(self.by_code.get(code, {}).get("params"))


def main_account(data: Any) -> Mapping[str, Any]:
    """The login's account: the main one, else the first pupil or family one."""
    accounts = [
        a
        for a in rows(obj(data).get("accounts"))
        if a.get("typeCompte") in (PUPIL, FAMILY)
    ]
    if not accounts:
        return {}
    return next((a for a in accounts if a.get("main")), accounts[0])


def account_students(account: Mapping[str, Any]) -> list[tuple[Student, Modules]]:
    """A login's pupils, each with the modules that say what it offers."""
    profile = obj(account.get("profile"))
    school = first_text(account, "nomEtablissement") or first_text(
        profile, "nomEtablissement"
    )
    if account.get("typeCompte") == PUPIL:
        pupils: Iterable[Mapping[str, Any]] = [
            {**account, "classe": profile.get("classe")}
        ]
        modules = [Modules.of(account.get("modules"))]
    else:
        pupils = rows(profile.get("eleves"))
        modules = [Modules.of(p.get("modules")) for p in rows(profile.get("eleves"))]
    found = []
    for pupil, pupil_modules in zip(pupils, modules, strict=True):
        if not _id(pupil.get("id")):
            continue
        classe = obj(pupil.get("classe"))
        student = Student(
            id=_id(pupil.get("id")),
            first_name=first_text(pupil, "prenom"),
            last_name=first_text(pupil, "nom"),
            class_name=first_text(classe, "libelle", "code") or None,
            school=first_text(pupil, "nomEtablissement") or school or None,
        )
        found.append((student, pupil_modules))
    return found


# --- Timetable ----------------------------------------------------------------

_EVENT_KINDS = frozenset({"CONGE", "EVENEMENT", "SANCTION"})


def parse_lesson(row: Mapping[str, Any], tz: tzinfo) -> Lesson | None:
    """One lesson of `emploidutemps`; None without its times."""
    start = portal_datetime(str(row.get("start_date") or ""), tz)
    end = portal_datetime(str(row.get("end_date") or ""), tz)
    if start is None or end is None:
        return None
    subject = first_text(row, "matiere", "text", "typeCours")
    if flag(row.get("isAnnule")):
        status = LessonStatus.CANCELLED
    elif str(row.get("typeCours") or "") in _EVENT_KINDS:
        status = LessonStatus.EVENT
    elif flag(row.get("isModifie")):
        status = LessonStatus.CHANGED
    else:
        status = LessonStatus.NORMAL
    teacher, room = first_text(row, "prof"), first_text(row, "salle")
    return Lesson(
        uid=_ref(row.get("id")) or stable_id(start.isoformat(), subject),
        start=start,
        end=end,
        subject=subject,
        teachers=(teacher,) if teacher else (),
        rooms=(room,) if room else (),
        status=status,
        note=first_text(row, "text") if status is LessonStatus.EVENT else None,
    )


def parse_lessons(data: Any, tz: tzinfo) -> list[Lesson]:
    """The lessons of a timetable answer, in time order."""
    lessons = [lesson for row in rows(data) if (lesson := parse_lesson(row, tz))]
    return sorted(lessons, key=lambda lesson: (lesson.start, lesson.uid))


# --- Homework -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """One item of the coming-homework list (its text is in the day's page)."""

    uid: str
    subject: str
    due: date
    given: date | None
    done: bool
    test: bool


def parse_coming(data: Any) -> list[Due]:
    """The coming homework, ``{"YYYY-MM-DD": [items]}``."""
    found = []
    for day_text, items in obj(data).items():
        due = portal_date(str(day_text))
        if due is None:
            continue
        for row in rows(items):
            uid = _id(row.get("idDevoir"))
            if not uid:
                continue
            found.append(
                Due(
                    uid=uid,
                    subject=first_text(row, "matiere", "codeMatiere"),
                    due=due,
                    given=portal_date(str(row.get("donneLe") or "")),
                    done=flag(row.get("effectue")),
                    test=flag(row.get("interrogation")),
                )
            )
    return found


def parse_day(data: Any, day: date) -> list[Homework]:
    """The homework of one day's page (entries without `aFaire` are lesson notes)."""
    data = obj(data)
    due = portal_date(str(data.get("date") or "")) or day
    found = []
    for row in rows(data.get("matieres")):
        work = row.get("aFaire")
        if not isinstance(work, Mapping):
            continue
        uid = _id(work.get("idDevoir")) or _id(row.get("id"))
        if not uid:
            continue
        found.append(
            Homework(
                uid=uid,
                subject=first_text(row, "matiere", "codeMatiere"),
                due=due,
                description=base64_html_to_text(str(work.get("contenu") or "")),
                given=portal_date(str(work.get("donneLe") or "")),
                teacher=first_text(row, "nomProf") or None,
                attachments=tuple(
                    first_text(doc, "libelle") or "document"
                    for doc in rows(work.get("documents"))
                ),
                done=flag(work.get("effectue")),
            )
        )
    return found


def parse_day_files(data: Any) -> dict[str, tuple[Attachment, ...]]:
    """The files of each homework of one day's page, by homework uid."""
    found = {}
    for row in rows(obj(data).get("matieres")):
        work = row.get("aFaire")
        if isinstance(work, Mapping) and (uid := _id(work.get("idDevoir"))):
            found[uid] = attachments(work.get("documents"))
    return found


# --- Grades -------------------------------------------------------------------


def grade_text(value: Any) -> str:
    """A mark: a number as written ("12,5"), or its word for a non-numeric one."""
    text = str(value or "").strip()
    return GRADE_WORDS.get(text.casefold(), text)


def _number(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


@dataclass(frozen=True, slots=True)
class Period(Span[str]):
    """A term (or the whole year, `yearly`) and its averages."""

    yearly: bool
    averages: tuple[Average, ...]


def parse_periods(data: Any) -> list[Period]:
    """The periods of the grades answer, each with its per-subject overview."""
    data = obj(data)
    out_of = _number(obj(data.get("parametrage")).get("moyenneSur")) or "20"
    found = []
    for row in rows(data.get("periodes")):
        start = portal_date(str(row.get("dateDebut") or ""))
        end = portal_date(str(row.get("dateFin") or ""))
        code = _id(row.get("codePeriode")) or _id(row.get("idPeriode"))
        if start is None or end is None or not code:
            continue
        name = first_text(row, "periode") or code
        overview = obj(row.get("ensembleMatieres"))
        averages = [
            Average(
                subject=first_text(d, "discipline", "codeMatiere"),
                value=grade_text(d.get("moyenne")),
                period=name,
                out_of=out_of,
                class_average=_number(d.get("moyenneClasse")),
            )
            for d in rows(overview.get("disciplines"))
            if _number(d.get("moyenne")) and not flag(d.get("groupeMatiere"))
        ]
        overall = _number(overview.get("moyenneGenerale"))
        if overall:
            averages.append(
                Average(
                    subject=None,
                    value=overall,
                    period=name,
                    out_of=out_of,
                    class_average=_number(overview.get("moyenneClasse")),
                )
            )
        found.append(
            Period(
                id=code,
                name=name,
                start=start,
                end=end,
                yearly=flag(row.get("annuel")),
                averages=tuple(averages),
            )
        )
    return found


def parse_grades(data: Any, periods: Iterable[Period]) -> list[Grade]:
    """The marks of the grades answer, newest first."""
    names = {period.id: period.name for period in periods}
    found = []
    for row in rows(obj(data).get("notes")):
        when = portal_date(str(row.get("date") or row.get("dateSaisie") or ""))
        if when is None:
            continue
        period = _id(row.get("codePeriode"))
        found.append(
            Grade(
                uid=_id(row.get("id")) or stable_id(when, row.get("devoir")),
                subject=first_text(row, "libelleMatiere", "codeMatiere"),
                value=grade_text(row.get("valeur")),
                when=when,
                out_of=_number(row.get("noteSur")),
                description=first_text(row, "devoir"),
                period=names.get(period, period or None),
                class_average=_number(row.get("moyenneClasse")),
            )
        )
    return sorted(found, key=lambda grade: (grade.when, grade.uid), reverse=True)


def current_period(periods: Iterable[Period], today: date) -> Period | None:
    """The term today falls in, else the latest that has averages."""
    terms = [p for p in periods if not p.yearly]
    now = next((p for p in terms if p.start <= today <= p.end and p.averages), None)
    if now is not None:
        return now
    past = [p for p in terms if p.averages and p.start <= today]
    return max(past, key=lambda p: p.start, default=None)


# --- School life --------------------------------------------------------------


def parse_school_life(data: Any, tz: tzinfo) -> list[DisciplineEvent]:
    """Absences, delays, sanctions and encouragements, in date order."""
    data = obj(data)
    found = []
    for row in [
        *rows(data.get("absencesRetards")),
        *rows(data.get("sanctionsEncouragements")),
    ]:
        when = _midnight(portal_date(str(row.get("date") or "")), tz)
        if when is None:
            continue
        kind_text = str(row.get("typeElement") or "")
        kind = _DISCIPLINE_KINDS.get(kind_text, DisciplineKind.OTHER)
        parts = [
            first_text(row, "libelle"),
            first_text(row, "motif"),
            html_to_text(first_text(row, "aFaire")),
            html_to_text(first_text(row, "commentaire")),
        ]
        timed = kind in (DisciplineKind.ABSENCE, DisciplineKind.LATE)
        found.append(
            DisciplineEvent(
                uid=f"{kind_text}:{_id(row.get('id'))}"
                if _id(row.get("id"))
                else stable_id(kind_text, when, *parts),
                kind=kind,
                when=when,
                subject=first_text(row, "matiere") or None,
                description="\n".join(part for part in parts if part),
                teacher=first_text(row, "par") or None,
                justified=flag(row.get("justifie")) if timed else None,
            )
        )
    return sorted(found, key=lambda event: (event.when, event.uid))


# --- Messages -----------------------------------------------------------------


def _sender(row: Mapping[str, Any]) -> str:
    person = obj(row.get("from"))
    return " ".join(
        part
        for part in (
            first_text(person, "civilite"),
            first_text(person, "prenom"),
            first_text(person, "nom"),
        )
        if part
    )


def parse_message(row: Mapping[str, Any], tz: tzinfo) -> Message | None:
    """One message of the list (its text is read on its own)."""
    uid = _id(row.get("id"))
    received = portal_datetime(str(row.get("date") or ""), tz)
    if not uid or received is None:
        return None
    return Message(
        uid=uid,
        subject=first_text(row, "subject") or "",
        sender=_sender(row),
        received=received,
        read=flag(row.get("read")),
        preview=preview(base64_html_to_text(str(row.get("content") or ""))),
        has_attachments=bool(rows(row.get("files"))),
    )


def parse_messages(data: Any, tz: tzinfo) -> list[Message]:
    """The received messages, newest first."""
    received = rows(obj(obj(data).get("messages")).get("received"))
    found = [message for row in received if (message := parse_message(row, tz))]
    return sorted(found, key=lambda m: m.received, reverse=True)


def unread_count(data: Any, messages: Iterable[Message]) -> int:
    """The server's count of unread received messages, else ours."""
    count = obj(obj(data).get("pagination")).get("messagesRecusNotReadCount")
    if isinstance(count, int) and not isinstance(count, bool):
        return count
    return sum(1 for message in messages if not message.read)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message or a homework, downloadable by its id."""

    id: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class MessageBody:
    """A message read in full."""

    message: Message
    text: str
    attachments: tuple[Attachment, ...]


def attachments(value: Any) -> tuple[Attachment, ...]:
    """The files of a message or a homework."""
    return tuple(
        Attachment(_id(f.get("id")), first_text(f, "libelle"), first_text(f, "type"))
        for f in rows(value)
        if _id(f.get("id"))
    )


def parse_message_body(data: Any, tz: tzinfo) -> MessageBody | None:
    """The answer of reading one message."""
    row = obj(data)
    message = parse_message(row, tz)
    if message is None:
        return None
    text = base64_html_to_text(str(row.get("content") or ""))
    return MessageBody(
        message=Message(
            uid=message.uid,
            subject=message.subject,
            sender=message.sender,
            received=message.received,
            read=True,
            preview=preview(text),
            has_attachments=message.has_attachments,
        ),
        text=text,
        attachments=attachments(row.get("files")),
    )


# --- Timelines ----------------------------------------------------------------


def parse_timeline(data: Any, tz: tzinfo, since: date = date.min) -> list[Notification]:
    """The pupil's timeline from `since`: what happened (a mark, an absence …)."""
    found = []
    for row in rows(data):
        when = _midnight(portal_date(str(row.get("date") or "")), tz)
        if when is None or when.date() < since:
            continue
        text = " · ".join(
            part
            for part in (
                first_text(row, "titre"),
                first_text(row, "soustitre"),
                first_text(row, "contenu"),
            )
            if part
        )
        kind = first_text(row, "typeElement")
        element = _ref(row.get("idElement"))
        found.append(
            Notification(
                uid=f"{kind}:{element}:{when.date()}"
                if element
                else stable_id(kind, when, text),
                when=when,
                text=text,
            )
        )
    return sorted(found, key=lambda n: n.when, reverse=True)


def parse_homepage(data: Any, tz: tzinfo, today: date) -> list[Notification]:
    """The homepage timeline: the post-its shown today, the week's events."""
    data = obj(data)
    found = [
        _notice(
            "postit",
            row,
            french_date(row.get("dateCreation")) or french_date(row.get("dateDebut")),
            base64_html_to_text(str(row.get("contenu") or "")),
            tz,
        )
        for row in rows(data.get("postits"))
        if (french_date(row.get("dateDebut")) or date.min)
        <= today
        <= (french_date(row.get("dateFin")) or date.max)
    ] + [
        _notice(
            "event",
            row,
            day,
            first_text(row, "libelle", "titre")
            or base64_html_to_text(str(row.get("contenu") or "")),
            tz,
        )
        for row in rows(data.get("evenements"))
        if (day := french_date(row.get("dateDebut")) or french_date(row.get("date")))
        and today - RECENT <= day <= today
    ]
    notices = [notice for notice in found if notice is not None]
    return sorted(notices, key=lambda n: n.when, reverse=True)


def _notice(
    kind: str, row: Mapping[str, Any], day: date | None, text: str, tz: tzinfo
) -> Notification | None:
    """One post-it or event of the homepage; None without a day or a text."""
    when = _midnight(day, tz)
    if when is None or not text:
        return None
    number = _id(row.get("id"))
    return Notification(
        uid=f"{kind}:{number}" if number else stable_id(when, text),
        when=when,
        text=text,
    )


# --- Documents, workspaces, canteen -------------------------------------------

_DOCUMENT_LISTS = (
    "administratifs",
    "notes",
    "viescolaire",
    "factures",
    "inscriptions",
    "entreprises",
)


@dataclass(frozen=True, slots=True)
class Document:
    """An administrative document (a report card, an invoice …)."""

    id: str
    name: str
    when: date | None
    kind: str
    student_id: str | None


def parse_documents(data: Any) -> list[Document]:
    """The documents of every list, newest first."""
    data = obj(data)
    found = [
        Document(
            id=_id(row.get("id")),
            name=first_text(row, "libelle") or "document",
            when=portal_date(str(row.get("date") or "")),
            kind=first_text(row, "type") or key,
            # 0: the family's, not one child's.
            student_id=_ref(row.get("idEleve")),
        )
        for key in _DOCUMENT_LISTS
        for row in rows(data.get(key))
        if _id(row.get("id"))
    ]
    return sorted(found, key=lambda d: d.when or date.min, reverse=True)


@dataclass(frozen=True, slots=True)
class Workspace:
    """A workspace (a club, a project group) the pupil belongs to."""

    id: str
    title: str
    summary: str
    member: bool


def parse_workspaces(data: Any) -> list[Workspace]:
    """The workspaces listed to the pupil."""
    return [
        Workspace(
            id=_id(row.get("id")),
            title=first_text(row, "titre"),
            summary=base64_html_to_text(str(row.get("resume") or "")),
            member=flag(row.get("estMembre")),
        )
        for row in rows(data)
        if _id(row.get("id"))
    ]


@dataclass(frozen=True, slots=True)
class Canteen:
    """Meals booked at the canteen (1 = Monday) and the pupil's badge."""

    booked_lunches: tuple[int, ...]
    booked_dinners: tuple[int, ...]
    regime: str | None
    badge: str | None


def parse_canteen(modules: Modules) -> Canteen | None:
    """What the login's modules say about the canteen; None when it is off."""
    booking = modules.enabled(MODULE_RESERVATIONS) and bool(
        modules.by_code.get(MODULE_RESERVATIONS)
    )
    badge_on = modules.enabled(MODULE_BADGE) and bool(modules.by_code.get(MODULE_BADGE))
    if not booking and not badge_on:
        return None
    params = modules.params(MODULE_RESERVATIONS) if booking else {}
    badge = first_text(modules.params(MODULE_BADGE), "numeroBadge") if badge_on else ""
    return Canteen(
        booked_lunches=tuple(
            d for d in range(1, 8) if flag(params.get(f"repasmidi_{d}"))
        ),
        booked_dinners=tuple(
            d for d in range(1, 8) if flag(params.get(f"repassoir_{d}"))
        ),
        regime=first_text(params, "regime") or None,
        badge=badge or None,
    )
