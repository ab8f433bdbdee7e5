"""PRONOTE emulator: start pages and the encrypted function endpoint (docs/pronote-wire.md).

Known from the protocol notes and pronotepy 2.15.7 (which must log in here
unchanged): the ``Start ({h:…,a:…})`` page parameters, AES-128-CBC under MD5
keys, order numbers, the deflate pipeline, both envelope generations, the
challenge/``cle`` handshake, QR codes and rotating mobile tokens, the
``Signature.membre`` of parents and the function payloads served here.

Our choices: no RSA (``http``/``MR``/``ER`` omitted: we have no private key);
the challenge is accepted both alea-stripped (pre-2026 clients) and as sent
(pronotepy 2.15.7, servers 2026.2.5+); resource and item ids (``N``) are
stable across sessions; three trimesters; menus generated from the date;
sessions die after ``session_ttl`` seconds of silence.

Sandbox accounts: ``dana.cohen``/``sandbox-pupil`` (pupil), ``levi.parent``/
``sandbox-parent`` (parent of two) and ``dana.pin``/``sandbox-pin`` whose
account PIN is ``1234`` (pupil p1001). A login QR code comes from
``emulator.qr_code(username, pin, base_url)`` or ``GET /pronote/_qr?login=…&pin=…``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from time import monotonic
from typing import Any

from aiohttp import web

from ..dataset import (
    BELL_SCHEDULE,
    Dataset,
    DisciplineRecord,
    GradeRecord,
    Lesson,
    Login,
    Pupil,
    localized,
    monday_of,
)
from ..faults import FAULT_KEY, Faults
from .wire import (
    BadCipher,
    decode_request,
    decrypt,
    encode_reply,
    hex_encrypt,
    login_key,
    md5,
)

PORTAL = "pronote"
PREFIX = "/pronote"
LANG = "fr"
PIN_PASSWORD = "sandbox-pin"  # a public sandbox credential
ACCOUNT_PIN = "1234"  # the sandbox's account PIN (2FA), public too
PIN_LOGIN = "dana.pin"
QR_TTL = 600.0
# The "half_hours" grid: 30-minute slots from 08:00 to 18:00, each bell hour
# shown as one hour from 08:00 on (a French school's usual grid).
GRID_START = time(8, 0)
GRID_SLOT = timedelta(minutes=30)
GRID_SLOTS_PER_DAY = 20
SESSION_TTL = 30 * 60.0
VERSIONS = {"2025": "2025.2.8", "2024": "2024.3.9"}
PAGES = {
    "eleve.html": (3, "student"),
    "parent.html": (2, "parent"),
    "mobile.eleve.html": (6, "student"),
    "mobile.parent.html": (7, "parent"),
}
ONGLETS = (7, 8, 10, 13, 16, 19, 37, 49, 88, 89, 131, 198, 201)
EXPIRED_PAGE = (
    "<!DOCTYPE html><html lang='fr'><head><title>PRONOTE</title></head><body>"
    "<h1>La page a expiré</h1><p>Veuillez vous reconnecter.</p></body></html>"
)
SUSPENDED_PAGE = (
    "<!DOCTYPE html><html lang='fr'><head><title>PRONOTE</title></head><body>"
    "<h1>Votre adresse IP est provisoirement suspendue</h1></body></html>"
)
_DISHES = (
    ("Carottes râpées", "Salade verte", "Potage de légumes", "Taboulé"),
    ("Poulet rôti", "Lasagnes", "Filet de colin", "Omelette", "Boeuf bourguignon"),
    ("Haricots verts", "Riz", "Purée", "Frites", "Ratatouille"),
    ("Yaourt", "Compote", "Tarte aux pommes", "Fruit de saison"),
    ("Camembert", "Emmental", "Comté"),
)

_dumps = partial(json.dumps, ensure_ascii=False)


class EmulatorError(Exception):
    """A function refused with PRONOTE's ``Erreur`` object."""

    def __init__(self, code: int, title: str) -> None:
        super().__init__(title)
        self.code = code
        self.title = title


class Forbidden(Exception):
    """A function refused with a ``Signature.Erreur`` (no permission)."""


@dataclass(slots=True)
class PronoteSession:
    """One start page's session, from GET to logout."""

    h: str
    space: int
    kind: str
    generation: int
    last_seen: float
    compress: bool
    crypt: bool
    key: bytes = field(default_factory=lambda: md5(b""))
    iv: bytes = bytes(16)
    counter: int = 1
    login: Login | None = None
    login_mode: str = "password"
    device: str = ""
    user_key: bytes | None = None
    answers: tuple[str, ...] = ()
    authenticated: bool = False
    pin_pending: bool = False


class PronoteEmulator:
    """The PRONOTE server over one dataset."""

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        self.dataset = dataset
        self.faults = faults
        # "2025": no/id/dataSec + CrA/CoA; "2024": numeroOrdre/nom/donneesSec
        # with data/Signature + sCrA/sCoA.
        self.generation = "2025"
        self.version: str | None = None  # None: the generation's usual one
        self.encrypt = True
        self.compress = True
        # "both", "legacy" (alea-stripped only) or "direct" (as sent only).
        self.challenge_style = "both"
        # Timetable shapes real servers send (papillon-v6#113 in
        # shared/recorded): rows without DateDuCoursFin, teacher entries
        # without N. "bells": one slot per lesson of the bell schedule;
        # "half_hours": the GRID_* grid, where a lesson and a double lesson
        # (merged into one row) span 2 and 4 slots.
        self.lesson_end = True
        self.teacher_ids = True
        self.slot_grid = "bells"
        self.session_ttl = SESSION_TTL
        self.clock: Callable[[], float] = monotonic
        self.sessions: dict[str, PronoteSession] = {}
        self.locked: set[str] = set()
        self.pin_accounts: set[str] = {PIN_LOGIN}
        self.forbidden: set[int] = set()  # onglets refused with a Signature error
        self.done: dict[tuple[str, str], bool] = {}
        self.read: dict[tuple[str, int], bool] = {}
        self.news_read: dict[tuple[str, str], bool] = {}
        self.tokens: dict[tuple[str, str], str] = {}  # (login, device) -> token
        self.qr_tokens: dict[str, tuple[str, float]] = {}  # jeton -> (login, until)
        self.calls: list[str] = []  # function names, in arrival order
        self._secret = f"pronote-sandbox-{dataset.seed}".encode()
        self._logins = dict(dataset.logins)
        self._logins[PIN_LOGIN] = Login(
            PIN_LOGIN, PIN_PASSWORD, "student", ("p1001",),
            "Dana", "Cohen", "דנה", "כהן",
        )  # fmt: skip
        self._functions: dict[
            str, Callable[[PronoteSession, dict[str, Any], dict[str, Any]], Any]
        ] = {
            "ParametresUtilisateur": self._user_settings,
            "Navigation": lambda s, d, sig: {},
            "Presence": lambda s, d, sig: {},
            "PageEmploiDuTemps": self._timetable,
            "PageCahierDeTexte": self._homework_book,
            "SaisieTAFFaitEleve": self._set_done,
            "DernieresNotes": self._grades,
            "PagePresence": self._presence,
            "ListeMessagerie": self._discussions,
            "ListeMessages": self._messages,
            "SaisieMessage": self._save_message,
            "PageActualites": self._news,
            "SaisieActualites": self._save_news,
            "PageMenus": self._menus,
            "PageInfosPerso": self._personal,
            "JetonAppliMobile": self._qr_request,
            "SecurisationCompteDoubleAuth": self._double_auth,
        }

    # -- identities -----------------------------------------------------------

    def _id(self, *parts: str) -> str:
        digest = hmac.new(self._secret, ":".join(parts).encode(), hashlib.sha256)
        return digest.hexdigest()[:15].upper()

    def resource_id(self, pupil_id: str) -> str:
        """A pupil's resource ``N`` (stable)."""
        return self._id("pupil", pupil_id)

    def homework_id(self, uid: str) -> str:
        """A homework item's ``N`` (stable)."""
        return self._id("hw", uid)

    def _pupil_name(self, pupil: Pupil) -> str:
        return f"{pupil.last_name.upper()} {pupil.first_name}"

    def _teacher_name(self, person_id: str) -> str:
        person = self.dataset.person(person_id)
        return f"{person.last_name.upper()} {person.first_name[:1]}."

    def _base(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{PREFIX}"

    def accounts(self, base_url: str) -> list[dict[str, Any]]:
        """The sandbox's PRONOTE logins, for scripts and people."""
        rows = []
        for login in self._logins.values():
            page = "parent.html" if login.kind == "parent" else "eleve.html"
            row: dict[str, Any] = {
                "portal": PORTAL,
                "base_url": f"{self._base(base_url)}/{page}",
                "username": login.username,
                "password": login.password,
                "kind": login.kind,
                "qr_code_url": (
                    f"{self._base(base_url)}/_qr?login={login.username}&pin=0000"
                ),
                "pupils": [
                    {
                        "id": self.resource_id(pupil.id),
                        "dataset_id": pupil.id,
                        "name": self._pupil_name(pupil),
                        "class": self.dataset.class_of(pupil.id).name,
                    }
                    for pupil in (self.dataset.pupils[p] for p in login.pupil_ids)
                ],
            }
            if login.username in self.pin_accounts:
                row["account_pin"] = ACCOUNT_PIN
            rows.append(row)
        return rows

    def qr_code(self, username: str, pin: str, base_url: str) -> dict[str, str]:
        """A fresh login QR code (valid 10 minutes) for ``username`` and ``pin``."""
        login = self._logins[username]
        jeton = secrets.token_hex(32).upper()
        self.qr_tokens[jeton] = (username, self.clock() + QR_TTL)
        key = md5(pin.encode())
        page = "parent.html" if login.kind == "parent" else "eleve.html"
        return {
            "jeton": hex_encrypt(key, bytes(16), jeton),
            "login": hex_encrypt(key, bytes(16), username),
            "url": f"{self._base(base_url)}/mobile.{page}",
        }

    # -- HTTP -----------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve PRONOTE under ``/pronote``."""
        app.router.add_get(f"{PREFIX}/_qr", self._qr_route)
        for page in PAGES:
            app.router.add_get(f"{PREFIX}/{page}", self._page)
        app.router.add_post(
            f"{PREFIX}/appelfonction/{{a}}/{{h}}/{{order}}", self.handle
        )

    async def _qr_route(self, request: web.Request) -> web.Response:
        username = request.query.get("login", "")
        pin = request.query.get("pin", "")
        if username not in self._logins or not re.fullmatch(r"\d{4}", pin):
            return web.json_response({"error": "login and a 4-digit pin"}, status=400)
        base = f"{request.scheme}://{request.host}"
        return web.json_response(self.qr_code(username, pin, base))

    def _version(self) -> str:
        return self.version or VERSIONS[self.generation]

    async def _page(self, request: web.Request) -> web.Response:
        fault_page = self._fault_page(request)
        if fault_page is not None:
            return fault_page
        page = request.path.rsplit("/", 1)[-1]
        space, kind = PAGES[page]
        h = str(secrets.randbelow(9_000_000) + 1_000_000)
        self.sessions[h] = PronoteSession(
            h,
            space,
            kind,
            self.faults.generation(PORTAL),
            self.clock(),
            self.compress,
            self.encrypt,
        )
        params = [f"h:'{h}'", f"a:{space}", "d:false"]
        if self.generation == "2025":
            if self.encrypt:
                params.append("CrA:true")
            if self.compress:
                params.append("CoA:true")
        else:
            if not self.encrypt:
                params.append("sCrA:true")
            if not self.compress:
                params.append("sCoA:true")
        start = ",".join(params)
        body = (
            "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
            "<title>PRONOTE</title></head>"
            f'<body id="id_body" onload="try {{ Start ({{{start}}}) }} catch (e) {{}}">'
            f"<div class='footer'><span>PRONOTE {self._version()}</span>"
            " - Index Education</div></body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    def _fault_page(self, request: web.Request) -> web.Response | None:
        fault = request.get(FAULT_KEY)
        if fault == "expired_page":
            return web.Response(text=EXPIRED_PAGE, content_type="text/html")
        if fault == "ip_suspended":
            return web.Response(text=SUSPENDED_PAGE, content_type="text/html")
        return None

    def _keys(self) -> tuple[str, str, str, str, str]:
        if self.generation == "2025":
            return "no", "id", "dataSec", "data", "Signature"
        return "numeroOrdre", "nom", "donneesSec", "data", "Signature"

    async def handle(self, request: web.Request) -> web.Response:
        """One function call."""
        fault_page = self._fault_page(request)
        if fault_page is not None:
            return fault_page
        order_key, name_key, secure_key, data_key, sig_key = self._keys()
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="Bad request")
        session = self.sessions.get(request.match_info["h"])
        now = self.clock()
        if (
            session is None
            or session.generation != self.faults.generation(PORTAL)
            or now - session.last_seen > self.session_ttl
        ):
            self.sessions.pop(request.match_info["h"], None)
            return self._error(10, "La session a expiré")
        session.last_seen = now
        if not isinstance(body, dict) or name_key not in body or order_key not in body:
            return self._error(1, "Requête invalide")
        function = str(body[name_key])
        self.calls.append(function)
        try:
            order = decrypt(session.key, session.iv, bytes.fromhex(body[order_key]))
        except (BadCipher, ValueError, TypeError):
            return self._error(1, "Numéro d'ordre invalide")
        if (
            order != str(session.counter).encode()
            or request.match_info["order"] != body[order_key]
            or request.match_info["a"] != str(session.space)
        ):
            return self._error(1, "Numéro d'ordre invalide")
        try:
            payload = decode_request(
                body.get(secure_key),
                session.key,
                session.iv,
                compress=session.compress,
                crypt=session.crypt,
            )
        except BadCipher:
            return self._error(1, "Requête illisible")
        if not isinstance(payload, dict):
            return self._error(1, "Requête illisible")
        data = payload.get(data_key) or {}
        signature = payload.get(sig_key) or {}
        key_after: bytes | None = None
        try:
            if function == "FonctionParametres":
                result = self._parameters(session, data)
            elif function == "Identification":
                result = self._identify(session, data, request.get(FAULT_KEY))
            elif function == "Authentification":
                result, key_after = self._authenticate(
                    session, data, request.get(FAULT_KEY)
                )
            else:
                result = self._call(session, function, data, signature)
            inner: dict[str, Any] = {"nom": function, data_key: result}
            if self.generation == "2025":
                del inner["nom"]
        except EmulatorError as err:
            return self._error(err.code, err.title)
        except Forbidden:
            inner = {
                sig_key: {"Erreur": True, "MessageErreur": "Accès refusé"},
                data_key: {},
            }
        session.counter += 2
        reply = {
            "session": int(session.h),
            order_key: hex_encrypt(session.key, session.iv, str(session.counter - 1)),
            name_key: function,
            secure_key: encode_reply(
                inner,
                session.key,
                session.iv,
                compress=session.compress,
                crypt=session.crypt,
            ),
        }
        if key_after is not None:
            session.key = key_after
        return web.Response(text=_dumps(reply), content_type="application/json")

    def _error(self, code: int, title: str) -> web.Response:
        return web.Response(
            text=_dumps({"Erreur": {"G": code, "Titre": title}}),
            content_type="application/json",
        )

    def _call(
        self,
        session: PronoteSession,
        function: str,
        data: dict[str, Any],
        signature: dict[str, Any],
    ) -> Any:
        handler = self._functions.get(function)
        if handler is None:
            raise EmulatorError(1, "Fonction inconnue")
        if not session.authenticated:
            raise EmulatorError(10, "Non authentifié")
        if session.pin_pending and function not in (
            "SecurisationCompteDoubleAuth",
            "Navigation",
        ):
            raise EmulatorError(5, "Double authentification requise")
        if signature.get("onglet") in self.forbidden:
            raise Forbidden
        return handler(session, data, signature)

    # -- handshake ------------------------------------------------------------

    def _parameters(self, session: PronoteSession, data: dict[str, Any]) -> Any:
        seed = base64.b64decode(str(data.get("Uuid", "")))
        session.iv = md5(seed)
        dataset = self.dataset
        hours, ends = self._grid_labels()
        return {
            "identifiantNav": data.get("identifiantNav") or secrets.token_hex(8),
            "General": {
                "versionPN": self._version(),
                "millesime": str(dataset.year_start.year),
                "PremierLundi": _date(self._first_monday()),
                "PremiereDate": _date(dataset.year_start),
                "DerniereDate": _date(dataset.year_end),
                "JourOuvre": _date(dataset.today),
                "ListePeriodes": [
                    {
                        "N": period_id,
                        "L": name,
                        "G": 2,
                        "dateDebut": _date(start),
                        "dateFin": _date(end),
                    }
                    for period_id, name, start, end in self.periods()
                ],
                "ListeHeures": {"_T": 24, "V": hours},
                "ListeHeuresFin": {"_T": 24, "V": ends},
                "PlacesParJour": self._slots_per_day(),
                "PlacesParHeure": 2 if self.slot_grid == "half_hours" else 1,
                "DomainesFrequences": [
                    None,
                    {"_T": 8, "V": "[]"},
                    {"_T": 8, "V": "[]"},
                ],
                "LibellesFrequences": ["", "Q1", "Q2"],
                "listeJoursFeries": {
                    "_T": 24,
                    "V": [
                        {
                            "N": holiday.uid,
                            "L": holiday.name(LANG),
                            "dateDebut": _date(holiday.start),
                            "dateFin": _date(holiday.end),
                        }
                        for holiday in dataset.holidays
                    ],
                },
            },
        }

    def _slots_per_day(self) -> int:
        if self.slot_grid == "half_hours":
            return GRID_SLOTS_PER_DAY
        return len(BELL_SCHEDULE)

    def _grid_labels(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``ListeHeures`` and ``ListeHeuresFin``: each slot's start and end.

        On the half-hour grid both lists hold one entry more than the day
        has slots (the closing boundary): a guess that pronotepy's divisor
        ``len(ListeHeuresFin) - 1`` supports; no recorded answer shows it.
        """
        if self.slot_grid == "half_hours":
            day = datetime.combine(date.min, GRID_START)
            spans = [
                (day + GRID_SLOT * place, day + GRID_SLOT * (place + 1))
                for place in range(GRID_SLOTS_PER_DAY + 1)
            ]
            times = [(start.time(), end.time()) for start, end in spans]
        else:
            times = [span for _hour, span in sorted(BELL_SCHEDULE.items())]
        starts = [
            {"G": place, "L": start.strftime("%Hh%M"), "A": True}
            for place, (start, _end) in enumerate(times)
        ]
        ends = [
            {"G": place, "L": end.strftime("%Hh%M"), "A": True}
            for place, (_start, end) in enumerate(times)
        ]
        return starts, ends

    def lesson_span(
        self, day: date, hour: int, length: int = 1
    ) -> tuple[datetime, datetime, int, int]:
        """Where the grid puts ``length`` lessons from bell ``hour``.

        Start, end, the first slot of the day and the number of slots.
        """
        if self.slot_grid == "half_hours":
            first = 2 * (hour - 1)
            start = datetime.combine(day, GRID_START) + GRID_SLOT * first
            return start, start + GRID_SLOT * 2 * length, first, 2 * length
        start = datetime.combine(day, BELL_SCHEDULE[hour][0])
        end = datetime.combine(day, BELL_SCHEDULE[hour + length - 1][1])
        return start, end, hour - 1, length

    def _first_monday(self) -> date:
        return monday_of(self.dataset.year_start)

    def periods(self) -> list[tuple[str, str, date, date]]:
        """The three trimesters: (id, name, first day, last day)."""
        start = self.dataset.year_start
        end = self.dataset.year_end
        cut1 = date(start.year, 11, 30)
        cut2 = date(start.year + 1, 2, 28)
        return [
            (self._id("period", "1"), "Trimestre 1", start, cut1),
            (self._id("period", "2"), "Trimestre 2", cut1 + timedelta(days=1), cut2),
            (self._id("period", "3"), "Trimestre 3", cut2 + timedelta(days=1), end),
        ]

    def _current_period(self) -> tuple[str, str, date, date]:
        today = self.dataset.today
        periods = self.periods()
        return next((p for p in periods if p[2] <= today <= p[3]), periods[0])

    def _identify(
        self, session: PronoteSession, data: dict[str, Any], fault: str | None
    ) -> Any:
        username = str(data.get("identifiant", ""))
        mobile = bool(data.get("demandeConnexionAppliMobile"))
        token_login = bool(data.get("enConnexionAppliMobile"))
        device = str(data.get("uuidAppliMobile") or "")
        login = self._logins.get(username.lower())
        secret: str | None = None
        if login is not None and fault != "password_changed":
            if token_login:
                secret = self.tokens.get((login.username, device))
                session.login_mode = "token"
            elif mobile:
                secret = next(
                    (
                        jeton
                        for jeton, (owner, until) in self.qr_tokens.items()
                        if owner == login.username and until > self.clock()
                    ),
                    None,
                )
                session.login_mode = "qr"
            else:
                secret = login.password
                session.login_mode = "password"
            if login.kind != session.kind:
                secret = None
        alea = secrets.token_hex(8)
        plain = secrets.token_hex(16)
        session.device = device
        if secret is None:
            # Unknown users get a challenge nobody can solve.
            session.login = None
            session.user_key = secrets.token_bytes(16)
            session.answers = ()
            challenge = hex_encrypt(session.user_key, session.iv, plain)
        else:
            session.login = login
            session.user_key = login_key(username.lower(), secret, alea)
            challenge = hex_encrypt(session.user_key, session.iv, plain)
            answers = []
            if self.challenge_style in ("both", "legacy"):
                answers.append(hex_encrypt(session.user_key, session.iv, plain[::2]))
            if self.challenge_style in ("both", "direct"):
                answers.append(hex_encrypt(session.user_key, session.iv, challenge))
            session.answers = tuple(answers)
        return {
            "alea": alea,
            "challenge": challenge,
            "modeCompLog": 1,
            "modeCompMdp": 0,
        }

    def _authenticate(
        self, session: PronoteSession, data: dict[str, Any], fault: str | None
    ) -> tuple[Any, bytes | None]:
        answer = str(data.get("challenge", "")).lower()
        login = session.login
        if login is None or session.user_key is None or answer not in session.answers:
            return {"Acces": 1}, None
        if login.username in self.locked:
            return {"Acces": 6, "AccesMessage": {"titre": "Compte bloqué"}}, None
        session.answers = ()
        cle = secrets.token_bytes(16)
        result: dict[str, Any] = {
            "cle": hex_encrypt(
                session.user_key, session.iv, ",".join(str(b) for b in cle)
            ),
            "libelleUtil": f"{login.last_name.upper()} {login.first_name}",
            "derniereConnexion": {
                "_T": 7,
                "V": datetime.combine(self.dataset.today, datetime.min.time())
                .replace(hour=7)
                .strftime("%d/%m/%Y %H:%M:%S"),
            },
            "modeSecurisationParDefaut": 0,
        }
        if session.login_mode in ("qr", "token"):
            if session.login_mode == "qr":
                for jeton in [
                    j
                    for j, (owner, _) in self.qr_tokens.items()
                    if owner == login.username
                ]:
                    del self.qr_tokens[jeton]
            token = secrets.token_hex(32).upper()
            self.tokens[(login.username, session.device)] = token
            result["jetonConnexionAppliMobile"] = token
        if login.username in self.pin_accounts or fault == "two_factor":
            result["actionsDoubleAuth"] = {"_T": 26, "V": "[3]"}
            session.pin_pending = True
        session.authenticated = True
        return result, md5(cle)

    def _double_auth(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        action = data.get("action")
        if action == 0:
            try:
                pin = decrypt(
                    session.key, session.iv, bytes.fromhex(str(data["codePin"]))
                )
            except (BadCipher, ValueError, KeyError):
                return {"result": False}
            ok = hmac.compare_digest(pin, ACCOUNT_PIN.encode())
            if ok:
                session.pin_pending = False
            return {"result": ok}
        if session.pin_pending:
            raise EmulatorError(5, "Double authentification requise")
        return {}

    # -- who is asked about ----------------------------------------------------

    def _login_of(self, session: PronoteSession) -> Login:
        assert session.login is not None
        return session.login

    def _mailbox(self, login: Login) -> str:
        """The dataset inbox of a login (the PIN account shares Dana's)."""
        return "dana.cohen" if login.username == PIN_LOGIN else login.username

    def _pupil(self, session: PronoteSession, signature: dict[str, Any]) -> Pupil:
        login = self._login_of(session)
        member = signature.get("membre")
        if login.kind == "parent" and isinstance(member, dict):
            for pupil_id in login.pupil_ids:
                if self.resource_id(pupil_id) == member.get("N"):
                    return self.dataset.pupils[pupil_id]
            raise Forbidden
        return self.dataset.pupils[login.pupil_ids[0]]

    def _resource(self, pupil: Pupil) -> dict[str, Any]:
        school_class = self.dataset.class_of(pupil.id)
        period = self._current_period()
        return {
            "N": self.resource_id(pupil.id),
            "G": 4,
            "L": self._pupil_name(pupil),
            "P": pupil.number,
            "Etablissement": {
                "V": {
                    "N": str(self.dataset.school.id),
                    "L": self.dataset.school.name(LANG),
                }
            },
            "classeDEleve": {
                "N": self._id("class", school_class.id),
                "L": school_class.name,
            },
            "avecPhoto": False,
            "listeOngletsPourPeriodes": {
                "_T": 24,
                "V": [
                    {
                        "G": onglet,
                        "listePeriodes": {
                            "_T": 24,
                            "V": [
                                {"N": pid, "L": name, "G": 2}
                                for pid, name, _s, _e in self.periods()
                            ],
                        },
                        "periodeParDefaut": {"V": {"N": period[0], "L": period[1]}},
                    }
                    for onglet in (198, 19)
                ],
            },
        }

    def _user_settings(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        login = self._login_of(session)
        pupils = [self.dataset.pupils[p] for p in login.pupil_ids]
        if login.kind == "parent":
            resource: dict[str, Any] = {
                "N": self._id("parent", login.username),
                "G": 3,
                "L": f"{login.last_name.upper()} {login.first_name}",
                "listeRessources": [self._resource(p) for p in pupils],
            }
        else:
            resource = self._resource(pupils[0])
        return {
            "ressource": resource,
            "listeOnglets": [
                {"G": 7, "Onglet": [{"G": onglet} for onglet in ONGLETS if onglet != 7]}
            ],
            "autorisations": {
                "AvecDiscussion": True,
                "AvecDiscussionProfesseurs": True,
                "tailleMaxRenduTafEleve": 4096,
            },
        }

    # -- timetable and homework ----------------------------------------------

    def week_monday(self, week: int) -> date:
        """The Monday of a PRONOTE week number."""
        return self._first_monday() + timedelta(days=7 * (week - 1))

    def _week_of(self, day: date) -> int:
        return 1 + (day - self._first_monday()).days // 7

    def _lesson_row(
        self, pupil: Pupil, lesson: Lesson, length: int = 1
    ) -> dict[str, Any]:
        teacher = lesson.substitute_id or lesson.teacher_id
        exam = any(exam.uid == f"ex-{lesson.uid}" for exam in self.dataset.exams)
        start, end, place, slots = self.lesson_span(lesson.day, lesson.hour, length)
        row: dict[str, Any] = {
            "N": self._id("lesson", lesson.uid),
            "G": 0,
            "P": 1,
            "place": lesson.day.weekday() * self._slots_per_day() + place,
            "duree": slots,
            "DateDuCours": {"_T": 7, "V": _stamp(start)},
            "CouleurFond": "#8FB6E5",
            "ListeContenus": {
                "_T": 24,
                "V": [
                    {
                        "N": self._id("subject", lesson.subject),
                        "G": 16,
                        "L": self.dataset.subjects[lesson.subject].name(LANG),
                    },
                    {
                        "N": self._id("person", teacher),
                        "G": 3,
                        "L": self._teacher_name(teacher),
                    }
                    if self.teacher_ids
                    else {"G": 3, "L": self._teacher_name(teacher)},
                    {"N": self._id("room", lesson.room), "G": 17, "L": lesson.room},
                ],
            },
            "AvecTafPublie": False,
        }
        if self.lesson_end:
            row["DateDuCoursFin"] = {"_T": 7, "V": _stamp(end)}
        if lesson.cancelled:
            row["estAnnule"] = True
            row["Statut"] = "Prof. absent"
        elif lesson.substitute_id:
            row["Statut"] = "Remplacement"
        if exam:
            row["cahierDeTextes"] = {
                "V": {"N": self._id("cdt", lesson.uid), "estDevoir": True}
            }
        return row

    def _timetable(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        pupil = self._pupil(session, signature)
        week = int(data.get("numeroSemaine") or data.get("NumeroSemaine") or 0)
        if week <= 0:
            raise EmulatorError(1, "Semaine invalide")
        monday = self.week_monday(week)
        lessons = self.dataset.lessons(pupil.id, monday, monday + timedelta(days=7))
        return {
            "ListeCours": [
                self._lesson_row(pupil, lesson, length)
                for lesson, length in self._courses(lessons)
            ],
            "avecCoursAnnule": True,
            "ParametreExportiCal": self._id("ical", pupil.id),
        }

    def _courses(self, lessons: list[Lesson]) -> list[tuple[Lesson, int]]:
        """Lessons as the timetable lists them, with their length in bell hours.

        On the half-hour grid a double lesson (the same lesson in two
        consecutive hours) is one course, as such schools show it.
        """
        courses: list[tuple[Lesson, int]] = []
        for lesson in lessons:
            if courses and self.slot_grid == "half_hours":
                first, length = courses[-1]
                if (
                    first.day == lesson.day
                    and first.hour + length == lesson.hour
                    and _shape(first) == _shape(lesson)
                ):
                    courses[-1] = (first, length + 1)
                    continue
            courses.append((lesson, 1))
        return courses

    def _homework_book(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        pupil = self._pupil(session, signature)
        weeks = _domain(data.get("domaine", {}).get("V", ""))
        if not weeks:
            raise EmulatorError(1, "Domaine invalide")
        start = self.week_monday(min(weeks))
        end = self.week_monday(max(weeks)) + timedelta(days=7)
        if signature.get("onglet") == 89:
            return self._lesson_contents(pupil, start, end)
        items = [
            item
            for item in self.dataset.homework(pupil.id, start, end)
            if self._week_of(item.due) in weeks
        ]
        rows = []
        for item in items:
            number = self.homework_id(item.uid)
            rows.append(
                {
                    "N": number,
                    "G": 0,
                    "descriptif": {
                        "_T": 21,
                        "V": f"<div>{_html(localized(item.description, LANG))}</div>",
                    },
                    "TAFFait": self.done.get((pupil.id, number), False),
                    "Matiere": {
                        "V": {
                            "N": self._id("subject", item.subject),
                            "L": self.dataset.subjects[item.subject].name(LANG),
                        }
                    },
                    "PourLe": {"_T": 7, "V": _date(item.due)["V"]},
                    "DonneLe": {"_T": 7, "V": _date(item.given)["V"]},
                    "CouleurFond": "#F2C744",
                    "ListePieceJointe": {"_T": 24, "V": []},
                    "ListeThemes": {"_T": 24, "V": []},
                    "niveauDifficulte": 0,
                    "duree": 0,
                    "cahierDeTextes": {
                        "V": {"N": self._id("cdt", item.lesson_uid or item.uid)}
                    },
                }
            )
        return {"ListeTravauxAFaire": {"_T": 24, "V": rows}}

    def _lesson_contents(self, pupil: Pupil, start: date, end: date) -> Any:
        rows = []
        for lesson in self.dataset.lessons(pupil.id, start, end):
            if not lesson.topic:
                continue
            rows.append(
                {
                    "N": self._id("cdt", lesson.uid),
                    "cours": {"V": {"N": self._id("lesson", lesson.uid)}},
                    "listeContenus": {
                        "_T": 24,
                        "V": [
                            {
                                "N": self._id("content", lesson.uid),
                                "L": localized(lesson.topic, LANG),
                                "descriptif": {
                                    "_T": 21,
                                    "V": f"<p>{_html(localized(lesson.topic, LANG))}</p>",
                                },
                                "categorie": {"V": {"N": "0", "L": "Cours"}},
                                "ListePieceJointe": {"_T": 24, "V": []},
                            }
                        ],
                    },
                }
            )
        return {"ListeCahierDeTextes": {"_T": 24, "V": rows}}

    def _set_done(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        pupil = self._pupil(session, signature)
        known = {self.homework_id(item.uid) for item in self.dataset.homework(pupil.id)}
        for row in data.get("listeTAF") or ():
            number = str(row.get("N"))
            if number not in known:
                raise EmulatorError(22, "Objet inconnu")
            self.done[(pupil.id, number)] = bool(row.get("TAFFait"))
        return {}

    # -- grades and attendance -------------------------------------------------

    def _period(self, value: Any) -> tuple[str, str, date, date]:
        wanted = value.get("N") if isinstance(value, dict) else None
        for period in self.periods():
            if period[0] == wanted:
                return period
        raise EmulatorError(1, "Période inconnue")

    def _grades(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        pupil = self._pupil(session, signature)
        period_id, period_name, start, end = self._period(
            data.get("Periode") or data.get("periode")
        )
        grades = [g for g in self.dataset.grades(pupil.id) if start <= g.day <= end]
        classmates = self.dataset.pupils_in(pupil.class_id)

        def class_grades(grade: GradeRecord) -> list[float]:
            values = []
            for mate in classmates:
                for other in self.dataset.grades(mate.id):
                    if other.uid.rsplit("-", 1)[0] == grade.uid.rsplit("-", 1)[0]:
                        values.append(other.score / 5)
            return values

        def subject_average(pupil_id: str, subject: str) -> float | None:
            values = [
                g.score / 5
                for g in self.dataset.grades(pupil_id)
                if g.subject == subject and start <= g.day <= end
            ]
            return sum(values) / len(values) if values else None

        rows = []
        for grade in grades:
            mates = class_grades(grade) or [grade.score / 5]
            subject = self.dataset.subjects[grade.subject]
            rows.append(
                {
                    "N": self._id("grade", grade.uid),
                    "G": 60,
                    "note": {"_T": 10, "V": _mark(grade.score / 5)},
                    "bareme": {"_T": 10, "V": "20"},
                    "baremeParDefaut": {"_T": 10, "V": "20"},
                    "date": {"_T": 7, "V": _date(grade.day)["V"]},
                    "service": {
                        "_T": 24,
                        "V": {
                            "N": self._id("subject", grade.subject),
                            "L": subject.name(LANG),
                        },
                    },
                    "periode": {"_T": 24, "V": {"N": period_id, "L": period_name}},
                    "moyenne": {"_T": 10, "V": _mark(sum(mates) / len(mates))},
                    "noteMax": {"_T": 10, "V": _mark(max(mates))},
                    "noteMin": {"_T": 10, "V": _mark(min(mates))},
                    "coefficient": 1,
                    "commentaire": localized(grade.description, LANG),
                    "estBonus": False,
                    "estFacultatif": False,
                    "estRamenerSur20": False,
                }
            )
        services = []
        own_averages = []
        class_averages = []
        for subject_key in sorted({g.subject for g in grades}):
            own = subject_average(pupil.id, subject_key)
            mates = [
                value
                for mate in classmates
                if (value := subject_average(mate.id, subject_key)) is not None
            ]
            if own is None:
                continue
            own_averages.append(own)
            class_avg = sum(mates) / len(mates) if mates else own
            class_averages.append(class_avg)
            services.append(
                {
                    "N": self._id("subject", subject_key),
                    "L": self.dataset.subjects[subject_key].name(LANG),
                    "G": 12,
                    "moyEleve": {"_T": 10, "V": _mark(own)},
                    "baremeMoyEleve": {"_T": 10, "V": "20"},
                    "baremeMoyEleveParDefault": {"_T": 10, "V": "20"},
                    "moyClasse": {"_T": 10, "V": _mark(class_avg)},
                    "moyMin": {"_T": 10, "V": _mark(min(mates or [own]))},
                    "moyMax": {"_T": 10, "V": _mark(max(mates or [own]))},
                    "couleur": "#C0C0C0",
                }
            )
        result: dict[str, Any] = {
            "listeDevoirs": {"_T": 24, "V": rows},
            "listeServices": {"_T": 24, "V": services},
        }
        if own_averages:
            result["moyGenerale"] = {
                "_T": 10,
                "V": _mark(sum(own_averages) / len(own_averages)),
            }
            result["moyGeneraleClasse"] = {
                "_T": 10,
                "V": _mark(sum(class_averages) / len(class_averages)),
            }
        return result

    def _presence(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        pupil = self._pupil(session, signature)
        _pid, _name, start, end = self._period(data.get("periode"))
        rows = [
            self._presence_row(record)
            for record in self.dataset.discipline(pupil.id)
            if start <= record.day <= end
        ]
        return {"listeAbsences": {"_T": 24, "V": rows}}

    def _presence_row(self, record: DisciplineRecord) -> dict[str, Any]:
        start, end, place, _slots = self.lesson_span(record.day, record.hour)
        number = self._id("discipline", record.uid)
        description = localized(record.description, LANG)
        label = localized(record.label, LANG)
        reasons = {"_T": 24, "V": [{"L": description or label}]}
        teacher = (
            self._teacher_name(record.teacher_id)
            if record.teacher_id
            else "Vie scolaire"
        )
        if record.kind == "absence":
            return {
                "N": number,
                "G": 13,
                "dateDebut": {"_T": 7, "V": _stamp(start)},
                "dateFin": {"_T": 7, "V": _stamp(end)},
                "justifie": bool(record.justified),
                "NbrHeures": "0h45",
                "NbrJours": 0,
                "listeMotifs": {"_T": 24, "V": [] if not description else reasons["V"]},
            }
        if record.kind == "late":
            return {
                "N": number,
                "G": 14,
                "date": {"_T": 7, "V": _stamp(start)},
                "duree": 10,
                "justifie": False,
                "justification": "",
                "listeMotifs": reasons,
            }
        if record.kind == "punishment":
            return {
                "N": number,
                "G": 41,
                "dateDemande": {"_T": 7, "V": _date(record.day)["V"]},
                "horsCours": False,
                "placeDemande": place,
                "estUneExclusion": False,
                "travailAFaire": "",
                "documentsTAF": {"_T": 24, "V": []},
                "circonstances": description,
                "documentsCirconstances": {"_T": 24, "V": []},
                "nature": {"V": {"N": "1", "L": label}},
                "listeMotifs": reasons,
                "demandeur": {"V": {"N": "0", "L": teacher}},
                "estProgrammable": False,
                "duree": 60,
            }
        return {
            "N": number,
            "G": 46,
            "date": {"_T": 7, "V": _stamp(start)},
            "L": label,
            "commentaire": description,
            "demandeur": {"V": {"N": "0", "L": teacher}},
            "estUneObservationPositive": record.kind == "praise",
        }

    # -- messages and news ------------------------------------------------------

    def _is_read(self, login: Login, record_id: int, default: bool) -> bool:
        return self.read.get((login.username, record_id), default)

    def _discussions(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        login = self._login_of(session)
        with_read = data.get("avecLu", True) is not False
        rows = []
        for record in self.dataset.messages(self._mailbox(login)):
            read = self._is_read(login, record.id, record.read)
            if not with_read and read:
                continue
            rows.append(
                {
                    "N": self._id("discussion", str(record.id)),
                    "estUneDiscussion": True,
                    "profondeur": 0,
                    "objet": localized(record.subject, LANG),
                    "initiateur": f"{record.sender.last_name.upper()} {record.sender.first_name[:1]}.",
                    "libelleDate": _label_date(record.sent, self.dataset.today),
                    "date": {"_T": 7, "V": _stamp(record.sent)},
                    "nbNonLus": 0 if read else 1,
                    "nombreMessages": 1,
                    "ferme": False,
                    "listePossessionsMessages": {
                        "_T": 24,
                        "V": [{"N": self._id("possession", str(record.id))}],
                    },
                    "messagePourParticipants": {
                        "V": {"N": self._id("message", str(record.id))}
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
            if self._id("possession", str(record.id)) in wanted
        ]

    def _messages(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        login = self._login_of(session)
        rows = []
        records = self._records_of(login, data.get("listePossessionsMessages") or ())
        for record in records:
            message_id = self._id("message", str(record.id))
            rows.append(
                {
                    "N": message_id,
                    "estHTML": True,
                    "contenu": {
                        "_T": 21,
                        "V": f"<p>{_html(localized(record.body, LANG))}</p>",
                    },
                    "date": {"_T": 7, "V": _stamp(record.sent)},
                    "public_gauche": f"{record.sender.last_name.upper()} {record.sender.first_name[:1]}.",
                    "lu": self._is_read(login, record.id, record.read),
                    "possessionMessage": {
                        "V": {"N": self._id("possession", str(record.id))}
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

    def _save_message(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        login = self._login_of(session)
        if data.get("commande") == "pourLu":
            for record in self._records_of(
                login, data.get("listePossessionsMessages") or ()
            ):
                self.read[(login.username, record.id)] = bool(data.get("lu"))
        return {}

    def _news(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        login = self._login_of(session)
        items = []
        for index, record in enumerate(
            self.dataset.notifications(self._mailbox(login))
        ):
            number = self._id("news", record.uid)
            text = localized(record.text, LANG)
            survey = index % 5 == 4
            questions = {
                "_T": 24,
                "V": [
                    {
                        "N": self._id("question", record.uid),
                        "L": text,
                        "texte": {"_T": 21, "V": f"<p>{_html(text)}</p>"},
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
                    "dateCreation": {"_T": 7, "V": _stamp(record.when)},
                    "dateDebut": {"_T": 7, "V": _stamp(record.when)},
                    "dateFin": {"_T": 7, "V": _stamp(record.when + timedelta(days=30))},
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

    def _save_news(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        login = self._login_of(session)
        for row in data.get("listeActualites") or ():
            if isinstance(row, dict) and "N" in row:
                self.news_read[(login.username, str(row["N"]))] = bool(row.get("lue"))
        return {}

    # -- menus, personal data, QR ------------------------------------------------

    def menu_of(self, day: date) -> list[list[str]]:
        """The dishes of one day's lunch, course by course (deterministic)."""
        courses = []
        for index, choices in enumerate(_DISHES):
            pick = int(
                hashlib.sha256(f"{day.isoformat()}:{index}".encode()).hexdigest(), 16
            )
            courses.append([choices[pick % len(choices)]])
        return courses

    def _menus(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        value = (
            data.get("date", {}).get("V")
            if isinstance(data.get("date"), dict)
            else None
        )
        first = _parse_day(str(value or ""))
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
                    "Date": {"_T": 7, "V": _date(day)["V"]},
                    "ListeRepas": {
                        "_T": 24,
                        "V": [
                            {
                                "N": self._id("meal", day.isoformat()),
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
                                                        "N": self._id("food", name),
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

    def _personal(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        login = self._login_of(session)
        pupil = self._pupil(session, signature)
        return {
            "securisation": {"mode": 1 if login.username in self.pin_accounts else 0},
            "iCal": {
                "liste": {
                    "V": [
                        {
                            "paramICal": self._id("ical", pupil.id),
                            "paramSuppl": self._id("icalsuppl", pupil.id),
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

    def _qr_request(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        pin = str(data.get("code", ""))
        if not re.fullmatch(r"\d{4}", pin):
            raise EmulatorError(1, "Code invalide")
        code = self.qr_code(self._login_of(session).username, pin, "")
        return {"jeton": code["jeton"], "login": code["login"]}


# -- formatting helpers ----------------------------------------------------------


def _shape(lesson: Lesson) -> tuple[object, ...]:
    return (
        lesson.subject,
        lesson.teacher_id,
        lesson.substitute_id,
        lesson.room,
        lesson.cancelled,
    )


def _date(day: date) -> dict[str, Any]:
    return {"_T": 7, "V": day.strftime("%d/%m/%Y")}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M:%S")


def _mark(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _label_date(sent: datetime, today: date) -> str:
    if sent.date() == today:
        return sent.strftime("%Hh%M")
    return sent.strftime("%d/%m/%y")


def _parse_day(value: str) -> date | None:
    match = re.match(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})", value)
    if match is None:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def _domain(value: str) -> set[int]:
    """PRONOTE's integer-set text, e.g. ``[1,3..5]``."""
    numbers: set[int] = set()
    for part in value.strip().strip("[]").split(","):
        if not part.strip():
            continue
        low, _sep, high = part.partition("..")
        try:
            first = int(low)
            last = int(high) if high else first
        except ValueError:
            return set()
        numbers.update(range(first, last + 1))
    return numbers
