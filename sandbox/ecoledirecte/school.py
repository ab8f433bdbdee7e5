"""The dataset as EcoleDirecte shows it: ids, people, accounts and their modules."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from ..dataset import (
    Dataset,
    Login,
    MessageRecord,
    NotificationRecord,
    Person,
    Pupil,
    Subject,
)
from .wire import minute_text, number_of

LANG = "fr"
# School subjects' codes as EcoleDirecte names them.
SUBJECT_CODES = {
    "math": "MATHS",
    "language": "FRANC",
    "english": "AGL1",
    "science": "PH-CH",
    "history": "HI-GE",
    "geography": "GEOGR",
    "literature": "LITT",
    "pe": "EPS",
    "computing": "NSINF",
    "art": "A-PLA",
    "music": "EDMUS",
    "civics": "EMC",
}
COLORS = ("#91b2bc", "#ff66cc", "#f2b46d", "#9fd39b", "#c7a4e0", "#7fb3ff")
# Lunch bookings by weekday (1 = Monday), the canteen module's params.
LUNCH_DAYS = (1, 2, 4, 5)


class EdSchool:
    """Integer ids, names and accounts over the dataset (read live)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._numbers: dict[int, str] = {}
        self._keys: dict[str, int] = {}
        # Tokens an account shows at login; a relogin presents its own.
        self.access_tokens: dict[str, str] = {}
        # Modules a pupil's school does not offer (by dataset pupil id): the
        # parent's second child has no canteen.
        self.modules_off: dict[str, set[str]] = {
            "p1003": {"RESERVATIONS", "CANTINE_BARCODE"}
        }

    # -- ids ----------------------------------------------------------------------

    def number(self, key: str) -> int:
        """The stable integer id of a dataset key (no two keys share one)."""
        known = self._keys.get(key)
        if known is not None:
            return known
        value = number_of(key)
        while self._numbers.setdefault(value, key) != key:
            value += 1
        self._keys[key] = value
        return value

    def key_of(self, value: int) -> str | None:
        """The dataset key an integer id was given to."""
        return self._numbers.get(value)

    def pupil_id(self, pupil: Pupil) -> int:
        """A pupil's id: the school's registration number."""
        return pupil.number

    def pupil_by_id(self, value: int) -> Pupil | None:
        """The pupil of an id."""
        return next(
            (p for p in self.dataset.pupils.values() if p.number == value), None
        )

    def family_id(self, login: Login) -> int:
        """A family account's id."""
        return self.number(f"family-{login.username}")

    def login_id(self, login: Login) -> int:
        """``idLogin``."""
        return self.number(f"login-{login.username}")

    def account_id(self, login: Login) -> int:
        """The account's ``id``: the pupil's, or the family's."""
        if login.kind == "parent":
            return self.family_id(login)
        return self.pupil_id(self.dataset.pupils[login.pupil_ids[0]])

    def account_kind(self, login: Login) -> str:
        """``typeCompte``: ``E`` pupil, ``1`` family."""
        return "1" if login.kind == "parent" else "E"

    # -- names --------------------------------------------------------------------

    def subject_name(self, subject: str) -> str:
        """A subject's name, in capitals as the portal writes it."""
        return self.dataset.subjects[subject].name(LANG).upper()

    def subject_code(self, subject: str) -> str:
        """A subject's code."""
        return SUBJECT_CODES.get(subject, subject.upper()[:5])

    def color(self, subject: Subject | str) -> str:
        """A subject's colour in the timetable."""
        key = subject if isinstance(subject, str) else subject.key
        return COLORS[list(self.dataset.subjects).index(key) % len(COLORS)]

    @staticmethod
    def teacher_name(person: Person) -> str:
        """How lessons and homework name a teacher: ``R. BAR``."""
        return f"{person.first_name[:1]}. {person.last_name.upper()}".strip()

    @staticmethod
    def civility(person: Person) -> str:
        """``M.`` or ``Mme`` (read from the dataset's first names)."""
        return "Mme" if person.first_name[-1:] in "ahitl" else "M."

    def person(self, person: Person, role: str = "P") -> dict[str, Any]:
        """A sender or author."""
        return {
            "id": self.number(f"person-{person.id}"),
            "civilite": self.civility(person),
            "prenom": person.first_name,
            "particule": "",
            "nom": person.last_name.upper(),
            "role": role,
            "listeRouge": False,
            "fonctionPersonnel": "",
        }

    def school_year(self) -> str:
        """``anneeScolaireCourante``."""
        start = self.dataset.year_start.year
        return f"{start}-{start + 1}"

    # -- what a login receives ------------------------------------------------------

    def mailbox(self, login: Login) -> str | None:
        """The dataset login whose inbox and notices a login shares.

        Its own, or (for a login the dataset does not have, such as the one
        the security question guards) that of the dataset login that sees
        the same pupils.
        """
        logins = self.dataset.logins
        if login.username in logins:
            return login.username
        return next(
            (name for name, x in logins.items() if x.pupil_ids == login.pupil_ids), None
        )

    def messages(self, login: Login) -> list[MessageRecord]:
        """A login's inbox, newest first."""
        owner = self.mailbox(login)
        return self.dataset.messages(owner) if owner else []

    def notifications(self, login: Login) -> list[NotificationRecord]:
        """A login's notices, newest first."""
        owner = self.mailbox(login)
        return self.dataset.notifications(owner) if owner else []

    # -- accounts -----------------------------------------------------------------

    def accounts(self, login: Login, username: str) -> list[dict[str, Any]]:
        """The login reply's ``accounts``: one, the pupil's or the family's."""
        access = self.access_tokens.setdefault(username, secrets.token_hex(16))
        dataset = self.dataset
        school = dataset.school
        account: dict[str, Any] = {
            "idLogin": self.login_id(login),
            "id": self.account_id(login),
            "uid": f"{self.login_id(login):x}",
            "identifiant": username,
            "typeCompte": self.account_kind(login),
            "codeOgec": f"{school.id:07d}",
            "main": True,
            "lastConnexion": minute_text(datetime.combine(dataset.today, time(7, 45))),
            "civilite": "Mme" if login.kind == "parent" else "",
            "prenom": login.first_name,
            "particule": "",
            "nom": login.last_name.upper(),
            "email": f"{username}@example.invalid",
            "isPrimaire": False,
            "nomEtablissement": school.name(LANG),
            "logoEtablissement": "",
            "couleurAgendaEtablissement": "#1796b0",
            "dicoEnLigneLeRobert": False,
            "accessToken": access,
            "socketToken": secrets.token_hex(16),
            "anneeScolaireCourante": self.school_year(),
            "parametresIndividuels": {
                "lsuPoilDansLaMainBorne1": "",
                "typeSaisieNotesDefaut": "",
                "nbJoursMaxRenduDevoirCDT": "",
                "typeViewCDTDefaut": "",
            },
        }
        if login.kind == "parent":
            account["modules"] = self.modules(None)
            account["profile"] = {
                "email": account["email"],
                "telPortable": "",
                "telPortableConjoint": "",
                "eleves": [self.child(dataset.pupils[p]) for p in login.pupil_ids],
            }
        else:
            pupil = dataset.pupils[login.pupil_ids[0]]
            account["modules"] = self.modules(pupil)
            account["profile"] = {
                "sexe": "F" if pupil.first_name[-1:] in "ah" else "M",
                "infoEDT": "",
                "nomEtablissement": school.name(LANG),
                "idEtablissement": str(school.id),
                "rneEtablissement": "0750001A",
                "telPortable": "",
                "idReelEtab": str(school.id),
                "photo": f"//doc1.ecoledirecte.com/PhotoEleves/{pupil.number}.jpg",
                "classe": self.class_of(pupil),
            }
        return [account]

    def class_of(self, pupil: Pupil) -> dict[str, Any]:
        """A pupil's ``classe``."""
        school_class = self.dataset.class_of(pupil.id)
        return {
            "id": self.number(f"class-{school_class.id}"),
            "code": school_class.name,
            "libelle": f"{school_class.grade}ème {school_class.name[-1]}",
            "estNote": 1,
        }

    def child(self, pupil: Pupil) -> dict[str, Any]:
        """A family account's child, with what its school offers."""
        return {
            "id": self.pupil_id(pupil),
            "prenom": pupil.first_name,
            "nom": pupil.last_name.upper(),
            "sexe": "F" if pupil.first_name[-1:] in "ah" else "M",
            "infoEDT": "",
            "photo": f"//doc1.ecoledirecte.com/PhotoEleves/{pupil.number}.jpg",
            "nomEtablissement": self.dataset.school.name(LANG),
            "idEtablissement": str(self.dataset.school.id),
            "idReelEtab": str(self.dataset.school.id),
            "isPrimaire": False,
            "classe": self.class_of(pupil),
            "modules": self.modules(pupil),
        }

    def modules(self, pupil: Pupil | None) -> list[dict[str, Any]]:
        """A pupil's modules (or a family's own: messages, documents, wallets)."""
        codes: tuple[str, ...]
        if pupil is None:
            codes = ("MESSAGERIE", "DOCUMENTS", "SITUATION_FINANCIERE", "EDFORMS")
            return [self._module(code, index, {}) for index, code in enumerate(codes)]
        off = self.modules_off.get(pupil.id, set())
        lunch = {
            "regime": "Demi-pensionnaire",
            **{
                f"repasmidi_{day}": "1" if day in LUNCH_DAYS else "0"
                for day in range(1, 8)
            },
            **{f"repassoir_{day}": "0" for day in range(1, 8)},
        }
        params = {
            "RESERVATIONS": lunch,
            "CANTINE_BARCODE": {"numeroBadge": str(40000 + pupil.number)},
            "DOCUMENTS_ELEVE": {"AnneeArchive": ""},
        }
        codes = (
            "CANTINE_BARCODE",
            "RESERVATIONS",
            "VIE_SCOLAIRE",
            "NOTES",
            "CLOUD",
            "MESSAGERIE",
            "EDT",
            "DOCUMENTS_ELEVE",
            "CAHIER_DE_TEXTES",
            "ESPACE_TRAVAIL",
            "EDFORMS",
        )
        return [
            self._module(code, index, params.get(code, {}), enable=code not in off)
            for index, code in enumerate(codes)
        ]

    @staticmethod
    def _module(
        code: str, order: int, params: dict[str, Any], *, enable: bool = True
    ) -> dict[str, Any]:
        return {
            "code": code,
            "enable": enable,
            "ordre": order + 1,
            "badge": 0,
            "params": params,
        }

    def lunch_days(self, pupil: Pupil) -> list[date]:
        """The days of the coming week the pupil has lunch booked (tests read it)."""
        if "RESERVATIONS" in self.modules_off.get(pupil.id, set()):
            return []
        today = self.dataset.today
        days = (today + timedelta(days=n) for n in range(7))
        return sorted(d for d in days if d.isoweekday() in LUNCH_DAYS)
