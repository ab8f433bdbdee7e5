"""Messages and their attachments, documents, and the files they download as."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..dataset import Login, MessageRecord, Pupil, localized
from .records import EdRecords
from .school import LANG, EdSchool
from .timetable import EdTimetable
from .wire import b64, day_text, html, second_text


class EdInbox:
    """A login's received messages (read live) and its documents."""

    def __init__(
        self, school: EdSchool, records: EdRecords, timetable: EdTimetable
    ) -> None:
        self.school = school
        self.records = records
        self.timetable = timetable
        self.dataset = school.dataset
        # Messages opened on the portal (the dataset's own read marks stay).
        self.opened: set[int] = set()

    def is_read(self, message: MessageRecord) -> bool:
        """Read in the dataset, or opened here."""
        return message.read or message.id in self.opened

    # -- messages -----------------------------------------------------------------

    def received(self, login: Login, query: dict[str, str]) -> dict[str, Any]:
        """``messages``: the received box (``getAll=1``: all of it, else one page)."""
        inbox = self.school.messages(login)
        wanted = query.get("query", "").casefold()
        if wanted:
            inbox = [
                m for m in inbox if wanted in localized(m.subject, LANG).casefold()
            ]
        shown = inbox
        if query.get("getAll") != "1" and query.get("itemsPerPage"):
            try:
                size = max(1, int(query["itemsPerPage"]))
                page = max(0, int(query.get("page") or 0))
            except ValueError:
                size, page = len(inbox) or 1, 0
            shown = inbox[page * size : (page + 1) * size]
        return {
            "classeurs": [],
            "messages": {
                "received": [self.message(m) for m in shown],
                "sent": [],
                "draft": [],
                "archived": [],
            },
            "parametrage": {
                "isActif": True,
                "canParentsLireMessagesEnfants": True,
                "destAdmin": False,
                "destEleve": False,
                "destFamille": False,
                "destProf": True,
                "destEspTravail": False,
                "disabledNotification": False,
                "notificationEmailEtablissement": False,
                "choixMailNotification": 0,
                "autreMailNotification": "",
                "mailPro": "",
                "mailPerso": "",
                "messagerieApiVersion": "v3",
                "blackListProfActive": False,
                "estEnBlackList": False,
                "afficherToutesLesClasses": False,
            },
            "pagination": {
                "messagesRecusCount": len(inbox),
                "messagesEnvoyesCount": 0,
                "messagesArchivesCount": 0,
                "messagesRecusNotReadCount": sum(not self.is_read(m) for m in inbox),
                "messagesDraftCount": 0,
            },
        }

    def message(
        self, message: MessageRecord, *, content: bool = False
    ) -> dict[str, Any]:
        """One message: the list has no content, reading one has it in base64 HTML."""
        sender = message.sender
        body = localized(message.body, LANG)
        return {
            "id": message.id,
            "responseId": 0,
            "forwardId": 0,
            "mtype": "received",
            "read": self.is_read(message),
            "idDossier": 0,
            "idClasseur": 0,
            "transferred": False,
            "answered": False,
            "to_cc_cci": "to",
            "brouillon": False,
            "canAnswer": message.kind == 1,
            "subject": localized(message.subject, LANG),
            "content": b64(html(body)) if content else "",
            "date": second_text(message.sent),
            "to": [],
            "files": self.files(message),
            "from": self.school.person(sender, "P" if message.kind < 3 else "A"),
        }

    def files(self, message: MessageRecord) -> list[dict[str, Any]]:
        """A message's attachments (one, when it has any)."""
        if not message.has_attachments:
            return []
        return [
            {
                "id": self.school.number(f"attachment-{message.id}"),
                "libelle": f"piece-jointe-{message.id}.pdf",
                "date": day_text(message.sent.date()),
                "type": "PIECE_JOINTE",
                "signatureDemandee": False,
                "etatSignatures": [],
                "signature": {},
            }
        ]

    def read(self, login: Login, message_id: int) -> dict[str, Any] | None:
        """``messages/<id>`` (``mode=destinataire``): one message, now read."""
        message = next(
            (m for m in self.school.messages(login) if m.id == message_id),
            None,
        )
        if message is None:
            return None
        self.opened.add(message.id)
        return self.message(message, content=True)

    # -- documents ----------------------------------------------------------------

    def documents(self, pupils: list[Pupil]) -> dict[str, Any]:
        """``elevesDocuments``: report cards, school certificates, the rules."""
        notes: list[dict[str, Any]] = []
        life: list[dict[str, Any]] = []
        office: list[dict[str, Any]] = []
        today = self.dataset.today
        start = self.dataset.year_start
        for pupil in pupils:
            for pid, name, _first, last in self.records.periods()[:3]:
                if last < today:
                    notes.append(
                        self._document(pupil, f"Bulletin du {name}", last, "Note", pid)
                    )
            midterm = start + timedelta(days=50)
            if midterm <= today:
                notes.append(
                    self._document(
                        pupil, "Relevé de notes de mi-trimestre", midterm, "Note", "mid"
                    )
                )
            life.append(
                self._document(
                    pupil,
                    "Certificat de scolarité",
                    start + timedelta(days=3),
                    "Viesco",
                    "cert",
                )
            )
            office.append(
                self._document(pupil, "Règlement intérieur", start, "Doc", "rules")
            )
        return {
            "factures": [],
            "notes": notes,
            "viescolaire": life,
            "administratifs": office,
            "inscriptions": [],
            "listesPiecesAVerser": {"personnes": [], "pieces": [], "listesPieces": []},
        }  # fmt: skip

    def _document(
        self, pupil: Pupil, name: str, day: date, kind: str, key: str
    ) -> dict[str, Any]:
        return {
            "id": self.school.number(f"document-{pupil.id}-{key}"),
            "libelle": name,
            "idEleve": self.school.pupil_id(pupil),
            "date": day_text(day),
            "type": kind,
            "signatureDemandee": False,
            "etatSignatures": [],
            "signature": {},
        }

    # -- downloads ----------------------------------------------------------------

    def file(
        self, login: Login, pupils: list[Pupil], value: int
    ) -> tuple[str, bytes] | None:
        """``telechargement``: an attachment, a worksheet or a document by ``fichierId``."""
        for message in self.school.messages(login):
            for attached in self.files(message):
                if attached["id"] == value:
                    return attached["libelle"], _pdf(localized(message.subject, LANG))
        for pupil in pupils:
            for item in self.dataset.homework(pupil.id):
                for sheet in self.timetable.attachments(item):
                    if sheet["id"] == value:
                        return sheet["libelle"], _pdf(localized(item.description, LANG))
        for documents in self.documents(pupils).values():
            if not isinstance(documents, list):
                continue
            for document in documents:
                if document["id"] == value:
                    return f"{document['libelle']}.pdf", _pdf(document["libelle"])
        return None


def _pdf(title: str) -> bytes:
    """A tiny PDF-looking file that names what it is."""
    return b"%PDF-1.4\n% School Portal sandbox\n" + f"% {title}\n".encode() + b"%%EOF\n"
