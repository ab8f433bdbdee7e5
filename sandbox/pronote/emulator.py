"""PRONOTE's routes: start pages, the function envelope, order numbers and dispatch."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from aiohttp import web

from ..dataset import Dataset, Lesson, Login, Pupil
from ..emulator import Declaration, Emulator, SessionRules, register
from ..faults import Faults
from .inbox import PIN_LOGIN, PronoteInbox
from .login import ACCOUNT_PIN, PronoteLogin
from .records import PronoteRecords
from .school import PronoteSchool
from .session import EmulatorError, Forbidden, PronoteSession
from .timetable import PronoteTimetable
from .wire import BadCipher, decode_request, decrypt, encode_reply, hex_encrypt, md5

PIN_PASSWORD = "sandbox-pin"  # a public sandbox credential
QR_TTL = 600.0
SESSION_TTL = 30 * 60.0
# Sessions are numbered (``h``) and die after SESSION_TTL of silence.
SESSIONS = SessionRules(
    SESSION_TTL, idle=True, new_id=lambda: str(secrets.randbelow(9_000_000) + 1_000_000)
)
PAGE = "/eleve.html"
VERSIONS = {"2025": "2025.2.8", "2024": "2024.3.9"}
PAGES = {
    "eleve.html": (3, "student"),
    "parent.html": (2, "parent"),
    "mobile.eleve.html": (6, "student"),
    "mobile.parent.html": (7, "parent"),
}
EXPIRED_PAGE = (
    "<!DOCTYPE html><html lang='fr'><head><title>PRONOTE</title></head><body>"
    "<h1>La page a expiré</h1><p>Veuillez vous reconnecter.</p></body></html>"
)
SUSPENDED_PAGE = (
    "<!DOCTYPE html><html lang='fr'><head><title>PRONOTE</title></head><body>"
    "<h1>Votre adresse IP est provisoirement suspendue</h1></body></html>"
)

_dumps = partial(json.dumps, ensure_ascii=False)

type _Function = Callable[[PronoteSession, dict[str, Any], dict[str, Any]], Any]


@register
class PronoteEmulator(Emulator[PronoteSession]):
    """The PRONOTE server over one dataset."""

    declared = Declaration("pronote", "PRONOTE", order=3, sessions=SESSIONS, entry=PAGE)

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        super().__init__(dataset, faults)
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
        self.locked: set[str] = set()
        self.pin_accounts: set[str] = {PIN_LOGIN}
        self.forbidden: set[int] = set()  # onglets refused with a Signature error
        self.done: dict[tuple[str, str], bool] = {}
        self.tokens: dict[tuple[str, str], str] = {}  # (login, device) -> token
        self.qr_tokens: dict[str, tuple[str, float]] = {}  # jeton -> (login, until)
        self.calls: list[str] = []  # function names, in arrival order
        self._pin_login = Login(
            PIN_LOGIN, PIN_PASSWORD, "student", ("p1001",),
            "Dana", "Cohen", "דנה", "כהן",
        )  # fmt: skip
        self.school = PronoteSchool(dataset, self)
        self.timetable = PronoteTimetable(self.school, self, self.done)
        self.records = PronoteRecords(self.school)
        self.inbox = PronoteInbox(self.school)
        self.handshake = PronoteLogin(self)
        self._functions: dict[str, _Function] = self._function_table()

    def _function_table(self) -> dict[str, _Function]:
        """Each function by name, once the session says who is asking."""

        def of_pupil(read: Callable[[Pupil, dict[str, Any]], Any]) -> _Function:
            return lambda session, data, sig: read(self._pupil(session, sig), data)

        def of_login(read: Callable[[Login, dict[str, Any]], Any]) -> _Function:
            return lambda session, data, sig: read(self._login_of(session), data)

        inbox, timetable = self.inbox, self.timetable
        return {
            "ParametresUtilisateur": lambda session, data, sig: (
                self.school.user_settings(self._login_of(session))
            ),
            "Navigation": lambda s, d, sig: {},
            "Presence": lambda s, d, sig: {},
            "PageEmploiDuTemps": of_pupil(timetable.week),
            "PageCahierDeTexte": lambda session, data, sig: timetable.homework_book(
                self._pupil(session, sig), data, contents=sig.get("onglet") == 89
            ),
            "SaisieTAFFaitEleve": of_pupil(timetable.set_done),
            "DernieresNotes": of_pupil(self.records.grades),
            "PagePresence": of_pupil(self.records.presence),
            "ListeMessagerie": of_login(inbox.discussions),
            "ListeMessages": of_login(inbox.messages),
            "SaisieMessage": of_login(inbox.save_message),
            "PageActualites": of_login(inbox.news),
            "SaisieActualites": of_login(inbox.save_news),
            "PageMenus": lambda s, data, sig: inbox.menus(data),
            "PageInfosPerso": lambda session, data, sig: inbox.personal(
                self._pupil(session, sig),
                secured=self._login_of(session).username in self.pin_accounts,
            ),
            "JetonAppliMobile": self._qr_request,
            "SecurisationCompteDoubleAuth": lambda session, data, sig: (
                self.handshake.double_auth(session, data)
            ),
        }

    # -- what tests and scripts read of the rendering ----------------------------

    def resource_id(self, pupil_id: str) -> str:
        """A pupil's resource ``N`` (stable)."""
        return self.school.resource_id(pupil_id)

    def homework_id(self, uid: str) -> str:
        """A homework item's ``N`` (stable)."""
        return self.school.homework_id(uid)

    def periods(self) -> list[tuple[str, str, date, date]]:
        """The three trimesters: (id, name, first day, last day)."""
        return self.school.periods()

    def week_monday(self, week: int) -> date:
        """The Monday of a PRONOTE week number."""
        return self.school.week_monday(week)

    def lesson_span(
        self, day: date, hour: int, length: int = 1
    ) -> tuple[datetime, datetime, int, int]:
        """Where the grid puts ``length`` lessons from bell ``hour``."""
        return self.school.lesson_span(day, hour, length)

    def _courses(self, lessons: list[Lesson]) -> list[tuple[Lesson, int]]:
        return self.timetable.courses(lessons)

    def menu_of(self, day: date) -> list[list[str]]:
        """The dishes of one day's lunch, course by course (deterministic)."""
        return self.inbox.menu_of(day)

    # -- accounts and QR codes ----------------------------------------------------

    def logins(self) -> dict[str, Login]:
        """The dataset's logins and the PIN account."""
        return self._logins

    @property
    def _logins(self) -> dict[str, Login]:
        # Read through to the dataset each time: a test that takes a child off
        # a parent's login changes what this portal shows too.
        return {**self.dataset.logins, PIN_LOGIN: self._pin_login}

    def account(self, login: Login, base: str) -> dict[str, Any]:
        """A PRONOTE login's row: its start page, a QR code URL, the PIN."""
        page = "parent.html" if login.kind == "parent" else "eleve.html"
        extra: dict[str, Any] = {
            "qr_code_url": f"{base}/_qr?login={login.username}&pin=0000"
        }
        if login.username in self.pin_accounts:
            extra["account_pin"] = ACCOUNT_PIN
        return self.account_row(
            login,
            f"{base}/{page}",
            (
                (pupil, self.resource_id(pupil.id), self.school.pupil_name(pupil))
                for pupil in (self.dataset.pupils[p] for p in login.pupil_ids)
            ),
            **extra,
        )

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
            "url": f"{base_url.rstrip('/')}{self.prefix}/mobile.{page}",
        }

    def _qr_request(
        self, session: PronoteSession, data: dict[str, Any], signature: dict[str, Any]
    ) -> Any:
        pin = str(data.get("code", ""))
        if not re.fullmatch(r"\d{4}", pin):
            raise EmulatorError(1, "Code invalide")
        code = self.qr_code(self._login_of(session).username, pin, "")
        return {"jeton": code["jeton"], "login": code["login"]}

    # -- HTTP -----------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve PRONOTE under ``/pronote``."""
        app.router.add_get(f"{self.prefix}/_qr", self._qr_route)
        for page in PAGES:
            app.router.add_get(f"{self.prefix}/{page}", self._page)
        app.router.add_post(
            f"{self.prefix}/appelfonction/{{a}}/{{h}}/{{order}}", self.handle
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
        h = self.book.new_id()
        self.book.issue(PronoteSession(h, space, kind, self.compress, self.encrypt), h)
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
        fault = self.fault(request)
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
        session = self.book.get(request.match_info["h"])
        if session is None:
            return self._error(10, "La session a expiré")
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
                result = self.handshake.identify(session, data, self.fault(request))
            elif function == "Authentification":
                result, key_after = self.handshake.authenticate(
                    session, data, self.fault(request)
                )
            else:
                result = self._call(session, function, data, signature)
            inner: dict[str, Any] = {"nom": function, data_key: result}
            if self.generation == "2025":
                del inner["nom"]
        except EmulatorError as err:
            return self._error(err.code, err.message)
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

    def _parameters(self, session: PronoteSession, data: dict[str, Any]) -> Any:
        """``FonctionParametres``: the session's IV from the seed, and the year."""
        seed = base64.b64decode(str(data.get("Uuid", "")))
        session.iv = md5(seed)
        return {
            "identifiantNav": data.get("identifiantNav") or secrets.token_hex(8),
            "General": self.school.general(self._version()),
        }

    # -- who is asked about ----------------------------------------------------

    def _login_of(self, session: PronoteSession) -> Login:
        assert session.login is not None
        return session.login

    def _pupil(self, session: PronoteSession, signature: dict[str, Any]) -> Pupil:
        """The pupil a call is about: a parent names one in ``Signature.membre``."""
        login = self._login_of(session)
        member = signature.get("membre")
        if login.kind == "parent" and isinstance(member, dict):
            for pupil_id in login.pupil_ids:
                if self.resource_id(pupil_id) == member.get("N"):
                    return self.dataset.pupils[pupil_id]
            raise Forbidden
        return self.dataset.pupils[login.pupil_ids[0]]
