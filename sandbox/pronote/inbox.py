"""PRONOTE's messages, notices, menus and personal page over the shared dataset."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from ..dataset import Login, Pupil, localized, monday_of
from .school import LANG, PronoteSchool
from .session import EmulatorError
from .values import day_value, html, label_date, parse_day, stamp

PIN_LOGIN = "dana.pin"
_DISHES = (
    ("Carottes râpées", "Salade verte", "Potage de légumes", "Taboulé"),
    ("Poulet rôti", "Lasagnes", "Filet de colin", "Omelette", "Boeuf bourguignon"),
    ("Haricots verts", "Riz", "Purée", "Frites", "Ratatouille"),
    ("Yaourt", "Compote", "Tarte aux pommes", "Fruit de saison"),
    ("Camembert", "Emmental", "Comté"),
)


class PronoteInbox:
    """What a login reads and marks read: messages, notices; and the canteen's menus."""

    def __init__(self, school: PronoteSchool) -> None:
        self.dataset = school.dataset
        self.school = school
        # (login, message id) -> read, and (login, notice N) -> read.
        self.read: dict[tuple[str, int], bool] = {}
        self.news_read: dict[tuple[str, str], bool] = {}

    def _mailbox(self, login: Login) -> str:
        """The dataset inbox of a login (the PIN account shares Dana's)."""
        return "dana.cohen" if login.username == PIN_LOGIN else login.username

    def _is_read(self, login: Login, record_id: int, default: bool) -> bool:
        return self.read.get((login.username, record_id), default)

    def discussions(self, login: Login, data: dict[str, Any]) -> Any:
        """``ListeMessagerie``: the discussions (unread only, if asked)."""
        with_read = data.get("avecLu", True) is not False
        rows = []
        for record in self.dataset.messages(self._mailbox(login)):
            read = self._is_read(login, record.id, record.read)
            if not with_read and read:
                continue
            rows.append(
                {
                    "N": self.school.ident("discussion", str(record.id)),
                    "estUneDiscussion": True,
                    "profondeur": 0,
                    "objet": localized(record.subject, LANG),
                    "initiateur": f"{record.sender.last_name.upper()} {record.sender.first_name[:1]}.",
                    "libelleDate": label_date(record.sent, self.dataset.today),
                    "date": {"_T": 7, "V": stamp(record.sent)},
                    "nbNonLus": 0 if read else 1,
                    "nombreMessages": 1,
                    "ferme": False,
                    "listePossessionsMessages": {
                        "_T": 24,
                        "V": [{"N": self.school.ident("possession", str(record.id))}],
                    },
                    "messagePourParticipants": {
                        "V": {"N": self.school.ident("message", str(record.id))}
                    },
                    "listeEtiquettes": {"_T": 24, "V": []},
                    "avecPJ": record.has_attachments,
                }
            )
        return {
            "listeEtiquettes": {
                "_T": 24,
                "V": [
                    {"N": "E4", "G": 4, "L": "Brouillons"},
                    {"N": "E5", "G": 5, "L": "Corbeille"},
                ],
            },
            "listeMessagerie": {"_T": 24, "V": rows},
        }

    def _records_of(self, login: Login, possessions: Iterable[Any]) -> list[Any]:
        wanted = {row.get("N") for row in possessions if isinstance(row, dict)}
        return [
            record
            for record in self.dataset.messages(self._mailbox(login))
            if self.school.ident("possession", str(record.id)) in wanted
        ]

    def messages(self, login: Login, data: dict[str, Any]) -> Any:
        """``ListeMessages``: the messages of discussions (marking them read, if asked)."""
        rows = []
        records = self._records_of(login, data.get("listePossessionsMessages") or ())
        for record in records:
            message_id = self.school.ident("message", str(record.id))
            rows.append(
                {
                    "N": message_id,
                    "estHTML": True,
                    "contenu": {
                        "_T": 21,
                        "V": f"<p>{html(localized(record.body, LANG))}</p>",
                    },
                    "date": {"_T": 7, "V": stamp(record.sent)},
                    "public_gauche": f"{record.sender.last_name.upper()} {record.sender.first_name[:1]}.",
                    "lu": self._is_read(login, record.id, record.read),
                    "possessionMessage": {
                        "V": {"N": self.school.ident("possession", str(record.id))}
                    },
                    "messageSource": {"V": {"N": message_id}},
                }
            )
            if data.get("marquerCommeLu"):
                self.read[(login.username, record.id)] = True
        return {
            "listeMessages": {"_T": 24, "V": rows},
            "messagePourReponse": {"V": {"N": rows[-1]["N"] if rows else "0", "G": 0}},
            "listeBoutons": {"_T": 24, "V": [{"G": 0, "L": "Envoyer"}]},
        }

    def save_message(self, login: Login, data: dict[str, Any]) -> Any:
        """``SaisieMessage``: mark messages read or unread."""
        if data.get("commande") == "pourLu":
            for record in self._records_of(
                login, data.get("listePossessionsMessages") or ()
            ):
                self.read[(login.username, record.id)] = bool(data.get("lu"))
        return {}

    def news(self, login: Login, data: dict[str, Any]) -> Any:
        """``PageActualites``: notices and surveys, or one of them in detail."""
        items = []
        for index, record in enumerate(
            self.dataset.notifications(self._mailbox(login))
        ):
            number = self.school.ident("news", record.uid)
            text = localized(record.text, LANG)
            survey = index % 5 == 4
            questions = {
                "_T": 24,
                "V": [
                    {
                        "N": self.school.ident("question", record.uid),
                        "L": text,
                        "texte": {"_T": 21, "V": f"<p>{html(text)}</p>"},
                        "listePiecesJointes": {"_T": 24, "V": []},
                    }
                ],
            }
            category = {"N": "1", "L": "Sondage" if survey else "Information"}
            items.append(
                {
                    "N": number,
                    "L": text,
                    "auteur": f"{self.dataset.staff['s-principal'].last_name.upper()} H.",
                    "lue": self.news_read.get((login.username, number), record.read),
                    "estInformation": not survey,
                    "estSondage": survey,
                    "reponseAnonyme": False,
                    "dateCreation": {"_T": 7, "V": stamp(record.when)},
                    "dateDebut": {"_T": 7, "V": stamp(record.when)},
                    "dateFin": {"_T": 7, "V": stamp(record.when + timedelta(days=30))},
                    "categorie": {"V": category},
                    "nature": {"V": category},
                    "listeQuestions": questions,
                }
            )
        wanted = data.get("actualite")
        if isinstance(wanted, dict):
            item = next((i for i in items if i["N"] == wanted.get("N")), None)
            if item is None:
                raise EmulatorError(22, "Objet inconnu")
            return {"detailsActualite": {"listeQuestions": item["listeQuestions"]}}
        return {
            "listeModesAff": [{"G": 0, "listeActualites": {"_T": 24, "V": items}}],
            "listeCategories": {"_T": 24, "V": [{"N": "1", "L": "Information"}]},
        }

    def save_news(self, login: Login, data: dict[str, Any]) -> Any:
        """``SaisieActualites``: mark notices read or unread."""
        for row in data.get("listeActualites") or ():
            if isinstance(row, dict) and "N" in row:
                self.news_read[(login.username, str(row["N"]))] = bool(row.get("lue"))
        return {}

    def menu_of(self, day: date) -> list[list[str]]:
        """The dishes of one day's lunch, course by course (deterministic)."""
        courses = []
        for index, choices in enumerate(_DISHES):
            pick = int(
                hashlib.sha256(f"{day.isoformat()}:{index}".encode()).hexdigest(), 16
            )
            courses.append([choices[pick % len(choices)]])
        return courses

    def menus(self, data: dict[str, Any]) -> Any:
        """``PageMenus``: the week's lunches from the day asked."""
        value = (
            data.get("date", {}).get("V")
            if isinstance(data.get("date"), dict)
            else None
        )
        first = parse_day(str(value or ""))
        if first is None:
            raise EmulatorError(1, "Date invalide")
        monday = monday_of(first)
        days = []
        for offset in range(5):
            day = monday + timedelta(days=offset)
            if not self.dataset.is_school_day(day) or day.weekday() == 2:
                continue  # no canteen on Wednesdays (French half day)
            courses = self.menu_of(day)
            days.append(
                {
                    "Date": {"_T": 7, "V": day_value(day)["V"]},
                    "ListeRepas": {
                        "_T": 24,
                        "V": [
                            {
                                "N": self.school.ident("meal", day.isoformat()),
                                "G": 0,
                                "ListePlats": {
                                    "_T": 24,
                                    "V": [
                                        {
                                            "G": course,
                                            "ListeAliments": {
                                                "_T": 24,
                                                "V": [
                                                    {
                                                        "N": self.school.ident(
                                                            "food", name
                                                        ),
                                                        "L": name,
                                                        "listeLabelsAlimentaires": {
                                                            "_T": 24,
                                                            "V": [],
                                                        },
                                                    }
                                                    for name in dishes
                                                ],
                                            },
                                        }
                                        for course, dishes in enumerate(courses)
                                    ],
                                },
                            }
                        ],
                    },
                }
            )
        return {
            "AvecRepasMidi": True,
            "AvecRepasSoir": False,
            "ListeJours": {"_T": 24, "V": days},
        }

    def personal(self, pupil: Pupil, *, secured: bool) -> Any:
        """``PageInfosPerso``: the account's security mode and calendar links."""
        return {
            "securisation": {"mode": 1 if secured else 0},
            "iCal": {
                "liste": {
                    "V": [
                        {
                            "paramICal": self.school.ident("ical", pupil.id),
                            "paramSuppl": self.school.ident("icalsuppl", pupil.id),
                        }
                    ]
                }
            },
            "Informations": {
                "eMail": "",
                "indicatifTel": "33",
                "telephonePortable": "",
            },
        }
