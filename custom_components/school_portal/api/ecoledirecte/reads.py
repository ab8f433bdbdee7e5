"""The calls EcoleDirecte offers, each one request, parsed.

Paths and bodies as the web and mobile applications send them; a pupil's
calls use their id (a family's children too), a family's inbox and
documents its own. A module the school switched off is not asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from ..client import SessionExpired
from ..errors import NotSupported
from ..models import DisciplineEvent, Grade, Homework, Message, Notification, Student
from . import parse
from .login import EcoleDirecteLogin

# The inbox as the web application asks for it: received, newest first.
_INBOX_QUERY = {
    "force": "false",
    "typeRecuperation": "received",
    "idClasseur": "0",
    "orderBy": "date",
    "order": "desc",
    "query": "",
    "onlyRead": "",
    "page": "0",
    "itemsPerPage": "100",
    "getAll": "0",
}

# Download kinds (`leTypeDeFichier`).
FILE_HOMEWORK = "FICHIER_CDT"
FILE_ATTACHMENT = "PIECE_JOINTE"
FILE_DOCUMENT = ""


class EcoleDirecteReads(EcoleDirecteLogin):
    """Every read of the surface, one request each."""

    async def _data(
        self,
        path: str,
        verb: str,
        payload: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        """A call's data, logging in first (or again, once) when needed."""

        async def call() -> Any:
            if self._wire.token is None:
                raise SessionExpired("Not logged in")
            answer = await self._wire.call(path, verb, payload or {}, query=query)
            return answer.data

        return await self._with_relogin(call)

    def _offered(self, student: Student, module: str) -> None:
        if not self.modules(student).enabled(module):
            raise NotSupported(f"The school does not offer {module} to this pupil")

    @property
    def _owner(self) -> str:
        """The path of the login's own inbox and documents."""
        kind = "familles" if self.is_family else "eleves"
        return f"/{kind}/{parse.obj(self._account_row).get('id')}"

    # --- timetable ----------------------------------------------------------------

    async def timetable_rows(
        self, student: Student, start: date, end: date
    ) -> list[Mapping[str, Any]]:
        """The lessons from start (inclusive) to end (exclusive), as sent."""
        self._offered(student, parse.MODULE_TIMETABLE)
        if end <= start:
            return []
        data = await self._data(
            f"/E/{student.id}/emploidutemps.awp",
            "get",
            {
                "dateDebut": start.isoformat(),
                "dateFin": (end - timedelta(days=1)).isoformat(),
                "avecTrous": False,
            },
        )
        return parse.rows(data)

    # --- homework -----------------------------------------------------------------

    async def coming_homework(self, student: Student) -> list[parse.Due]:
        """The homework due from today on (without its text)."""
        self._offered(student, parse.MODULE_HOMEWORK)
        data = await self._data(f"/Eleves/{student.id}/cahierdetexte.awp", "get")
        return parse.parse_coming(data)

    async def _day_page(self, student: Student, day: date) -> Any:
        self._offered(student, parse.MODULE_HOMEWORK)
        return await self._data(
            f"/Eleves/{student.id}/cahierdetexte/{day.isoformat()}.awp", "get"
        )

    async def homework_of_day(self, student: Student, day: date) -> list[Homework]:
        """The homework due on one day, with its text and attachments' names."""
        return parse.parse_day(await self._day_page(student, day), day)

    async def homework_files(
        self, student: Student, day: date
    ) -> dict[str, tuple[parse.Attachment, ...]]:
        """The files of a day's homework by uid (download as `FILE_HOMEWORK`)."""
        return parse.parse_day_files(await self._day_page(student, day))

    async def _write_done(self, student: Student, uid: str, done: bool) -> None:
        """Mark a homework done or not done (its id is the homework's uid)."""
        self._offered(student, parse.MODULE_HOMEWORK)
        number: int | str = int(uid) if uid.isdigit() else uid
        await self._data(
            f"/Eleves/{student.id}/cahierdetexte.awp",
            "put",
            {
                "idDevoirsEffectues": [number] if done else [],
                "idDevoirsNonEffectues": [] if done else [number],
            },
        )

    # --- grades -------------------------------------------------------------------

    async def marks(self, student: Student) -> tuple[list[parse.Period], list[Grade]]:
        """The year's periods (each with its averages) and its marks."""
        self._offered(student, parse.MODULE_GRADES)
        data = await self._data(
            f"/eleves/{student.id}/notes.awp", "get", {"anneeScolaire": ""}
        )
        periods = parse.parse_periods(data)
        return periods, parse.parse_grades(data, periods)

    # --- school life --------------------------------------------------------------

    async def school_life(self, student: Student) -> list[DisciplineEvent]:
        """Absences, delays, sanctions and encouragements of the year."""
        self._offered(student, parse.MODULE_SCHOOL_LIFE)
        data = await self._data(f"/eleves/{student.id}/viescolaire.awp", "get")
        return parse.parse_school_life(data, self._tz)

    # --- timelines ----------------------------------------------------------------

    async def timeline(
        self, student: Student, since: date = date.min
    ) -> list[Notification]:
        """The pupil's timeline (a new mark, an absence, a document …)."""
        data = await self._data(f"/eleves/{student.id}/timeline.awp", "get")
        return parse.parse_timeline(data, self._tz, since)

    async def homepage(self, student: Student) -> list[Notification]:
        """The homepage timeline: today's post-its, the week's events."""
        data = await self._data(f"/E/{student.id}/timelineAccueilCommun.awp", "get")
        return parse.parse_homepage(data, self._tz, self._today())

    # --- messages -----------------------------------------------------------------

    async def inbox(self) -> tuple[list[Message], int]:
        """The received messages, newest first, and how many are unread."""
        if not self._modules.get("", parse.Modules({})).enabled(parse.MODULE_MESSAGES):
            raise NotSupported("The school does not offer messages to this login")
        data = await self._data(
            f"{self._owner}/messages.awp",
            "get",
            {"anneeMessages": self._school_year},
            _INBOX_QUERY,
        )
        messages = parse.parse_messages(data, self._tz)
        return messages, parse.unread_count(data, messages)

    async def read_message(self, message_id: str) -> parse.MessageBody:
        """One received message in full (reading it marks it read)."""
        data = await self._data(
            f"{self._owner}/messages/{message_id}.awp",
            "get",
            {"anneeMessages": self._school_year},
            {"mode": "destinataire"},
        )
        body = parse.parse_message_body(data, self._tz)
        if body is None:
            raise NotSupported("EcoleDirecte does not know this message")
        return body

    async def download(self, file_id: str, kind: str = FILE_ATTACHMENT) -> bytes:
        """A file's bytes: a message's attachment, a homework's, a document."""

        async def call() -> bytes:
            if self._wire.token is None:
                raise SessionExpired("Not logged in")
            query = {"fichierId": file_id}
            if kind:
                query["leTypeDeFichier"] = kind
            if kind == FILE_ATTACHMENT and self._school_year:
                query["anneeMessages"] = self._school_year
            return await self._wire.download(query)

        return await self._with_relogin(call)

    # --- documents, workspaces, canteen ---------------------------------------------

    async def documents(self) -> list[parse.Document]:
        """The administrative documents (report cards, invoices …)."""
        path = "/familledocuments.awp" if self.is_family else "/elevesDocuments.awp"
        data = await self._data(path, "get", {"forceDownload": 0}, {"archive": ""})
        return parse.parse_documents(data)

    async def workspaces(self, student: Student) -> list[parse.Workspace]:
        """The workspaces the pupil sees."""
        data = await self._data(f"/E/{student.id}/espacestravail.awp", "get")
        return parse.parse_workspaces(data)

    def canteen(self, student: Student) -> parse.Canteen | None:
        """The booked meals and the badge (the login gave them: no request)."""
        return parse.parse_canteen(self.modules(student))
