"""EcoleDirecte's routes: ``/v3/<path>.awp``, the token, and dispatch by path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web

from ..dataset import Dataset, Login, Pupil
from ..emulator import Declaration, Emulator, SessionRules, register
from ..faults import Faults
from .inbox import EdInbox
from .login import EdLogin, EdSession
from .records import EdRecords
from .school import EdSchool
from .timetable import EdTimetable
from .wire import (
    BAD_ORDER,
    BAD_TOKEN,
    BAD_VERSION,
    EXPIRED_TOKEN,
    FORBIDDEN,
    OK,
    SCHOOL_UNAVAILABLE,
    EdError,
    parse_body,
    reply,
)

# A token lives this long after its last use (the real lifetime is not known).
SESSION_TTL = 30 * 60.0
SESSIONS = SessionRules(SESSION_TTL, idle=True)
API = "/v3"
QCM_LOGIN = "dana.qcm"
QCM_PASSWORD = "sandbox-qcm"  # a public sandbox credential
# The ``v`` pydirecte 1.0.3 and ecoledirecte 0.3.1 send: an allow-list to
# start from (which ones the real server takes today is not known).
VERSIONS_SEEN = frozenset({"7.0.1", "4.101.4"})


@dataclass(slots=True)
class Call:
    """One data call: who asks, the ids in its path, its query and body."""

    session: EdSession
    token: str
    login: Login
    ids: tuple[str, ...]
    query: dict[str, str]
    body: dict[str, Any]


type _Handler = Callable[[Call], Any]


@register
class EcoleDirecteEmulator(Emulator[EdSession]):
    """The EcoleDirecte API over the shared dataset."""

    declared = Declaration(
        "ecoledirecte",
        "EcoleDirecte",
        order=4,
        sessions=SESSIONS,
        entry=f"{API}/login.awp",
    )

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        super().__init__(dataset, faults)
        # Compat mode by default (pydirecte 1.0.3 and ecoledirecte 0.3.1 both
        # log in); strict: GTK on login, 2FA-Token on the QCM, one user agent
        # per token (the real server since 2025-11, as far as the notes know).
        self.strict = False
        # None: every ``v`` is fine; a set: any other answers 517.
        self.versions: frozenset[str] | None = None
        # Wrong security answers before the account locks (None: never).
        self.lock_after: int | None = None
        self.qcm_logins: set[str] = {QCM_LOGIN}
        self.issued: set[str] = set()  # every token given (dead ones answer 525)
        self.calls: list[str] = []  # paths, in arrival order
        self._qcm_login = Login(
            QCM_LOGIN, QCM_PASSWORD, "student", ("p1001",),
            "Dana", "Cohen", "דנה", "כהן",
        )  # fmt: skip
        self.school = EdSchool(dataset)
        self.timetable = EdTimetable(self.school)
        self.records = EdRecords(self.school)
        self.inbox = EdInbox(self.school, self.records, self.timetable)
        self.handshake = EdLogin(self)
        self._routes = self._route_table()

    # -- logins -------------------------------------------------------------------

    def logins(self) -> dict[str, Login]:
        """The dataset's logins (read live), then the one the QCM guards."""
        return {**self.dataset.logins, QCM_LOGIN: self._qcm_login}

    def login_named(self, username: str) -> Login | None:
        """A login by its username (not case-sensitive: assumed)."""
        wanted = username.strip().casefold()
        return next(
            (x for x in self.logins().values() if x.username.casefold() == wanted), None
        )

    def account(self, login: Login, base: str) -> dict[str, Any]:
        """An EcoleDirecte login's row: the API base; the QCM's answer if it has one."""
        extra: dict[str, Any] = {"account_kind": self.school.account_kind(login)}
        if login.username in self.qcm_logins:
            extra["security_answer"] = self.handshake.question(login).answer
        return self.account_row(
            login,
            f"{base}{API}",
            (
                (pupil, str(self.school.pupil_id(pupil)), pupil.name)
                for pupil in (self.dataset.pupils[p] for p in login.pupil_ids)
            ),
            **extra,
        )

    def question(self, username: str) -> tuple[str, tuple[str, ...], str]:
        """A login's security question: (text, choices, the right answer)."""
        asked = self.handshake.question(self.logins()[username])
        return asked.text, asked.choices, asked.answer

    def done(self, pupil_id: str) -> dict[str, bool]:
        """A pupil's done marks by homework uid."""
        uids = {item.uid for item in self.dataset.homework(pupil_id)}
        return {uid: done for uid, done in self.timetable.done.items() if uid in uids}

    # -- HTTP ---------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve EcoleDirecte under ``/ecoledirecte/v3``."""
        app.router.add_route("*", f"{self.prefix}{API}/{{tail:.+}}", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Every call: faults, the version, the GTK, login, QCM, then data."""
        tail = request.match_info["tail"]
        self.calls.append(tail)
        if tail.lower() == "login.awp" and request.query.get("gtk"):
            # Whatever the version: every client ignores the body, and one
            # without its cookie could not tell a refused version.
            return self.handshake.gtk()
        fault = self.fault(request)
        if fault == "version_refused" or (
            self.versions is not None and request.query.get("v") not in self.versions
        ):
            return reply(BAD_VERSION, "", None, "Version de l'application invalide")
        if fault == "school_unavailable":
            return reply(
                SCHOOL_UNAVAILABLE, "", {}, "Établissement momentanément indisponible"
            )
        raw = await request.read()
        try:
            body = parse_body(raw)
        except EdError as err:
            return reply(
                err.code, request.headers.get("X-Token", ""), None, err.message
            )
        lowered = tail.lower()
        if lowered == "login.awp":
            return self.handshake.login(request, body)
        if lowered == "connexion/doubleauth.awp":
            return self.handshake.double_auth(request, raw, body)
        return self._data(request, tail, body)

    def _data(
        self, request: web.Request, tail: str, body: dict[str, Any]
    ) -> web.StreamResponse:
        token = request.headers.get("X-Token", "")
        session = self.book.get(token)
        if session is None or session.pending:
            code = (
                EXPIRED_TOKEN if token in self.issued and session is None else BAD_TOKEN
            )
            return reply(code, "", None, "Token invalide !")
        if self.strict and session.agent != request.headers.get("User-Agent", ""):
            return reply(EXPIRED_TOKEN, "", None, "Token invalide !")
        verb = request.query.get("verbe", "get").lower()
        for pattern, verbs, handler in self._routes:
            match = pattern.fullmatch(tail)
            if match is None or verb not in verbs:
                continue
            call = Call(
                session,
                token,
                self.logins()[session.username],
                match.groups(),
                dict(request.query),
                body,
            )
            try:
                result = handler(call)
            except EdError as err:
                return reply(err.code, token, None, err.message)
            if isinstance(result, web.StreamResponse):
                return result
            return reply(OK, token, result)
        return reply(BAD_ORDER, token, None, "Ordre invalide")

    # -- data calls ---------------------------------------------------------------

    def _route_table(
        self,
    ) -> list[tuple[re.Pattern[str], frozenset[str], _Handler]]:
        """(path, verbs, handler): paths as the clients send them, any case."""
        timetable, records, inbox = self.timetable, self.records, self.inbox
        pupil = r"(?:eleves|e)/(\d+)"
        anyone = r"(e|1|p|eleves|familles)/(\d+)"
        get = frozenset({"get"})
        table: list[tuple[str, frozenset[str], _Handler]] = [
            (f"{pupil}/notes\\.awp", get, lambda c: records.grades(self._pupil(c))),
            (
                f"{pupil}/cahierdetexte\\.awp",
                get,
                lambda c: timetable.upcoming(self._pupil(c)),
            ),
            (
                f"{pupil}/cahierdetexte\\.awp",
                frozenset({"put", "post"}),
                lambda c: timetable.set_done(self._pupil(c), c.body),
            ),
            (
                f"{pupil}/cahierdetexte/(\\d{{4}}-\\d{{2}}-\\d{{2}})\\.awp",
                get,
                lambda c: timetable.day(self._pupil(c), _day(c.ids[1])),
            ),
            (
                f"{pupil}/emploidutemps\\.awp",
                get,
                lambda c: timetable.lessons(self._pupil(c), c.body),
            ),
            (
                f"{pupil}/viescolaire\\.awp",
                get,
                lambda c: records.school_life(self._pupil(c)),
            ),
            (
                f"{pupil}/timeline\\.awp",
                get,
                lambda c: _after(self._pupil(c), records.timeline(c.login)),
            ),
            (
                f"{pupil}/timelineaccueilcommun\\.awp",
                get,
                lambda c: _after(self._pupil(c), records.homepage()),
            ),
            (f"{pupil}/visios\\.awp", get, lambda c: _after(self._pupil(c), [])),
            (
                f"{anyone}/espacestravail\\.awp",
                get,
                lambda c: records.workspaces(self._whom(c)),
            ),
            (f"{anyone}/espacestravail/(\\d+)\\.awp", get, self._workspace),
            (r"w/(\d+)/postits\.awp", get, lambda c: []),
            (
                r"(eleves|familles)/(\d+)/messages\.awp",
                get,
                lambda c: _after(self._whom(c), inbox.received(c.login, c.query)),
            ),
            (r"(eleves|familles)/(\d+)/messages/(\d+)\.awp", get, self._message),
            (
                r"(?:eleves|famille)documents\.awp",
                get,
                lambda c: inbox.documents(self._pupils(c.login)),
            ),
            (r"telechargement\.awp", get, self._download),
            (r"edforms\.awp", frozenset({"list", "get"}), lambda c: []),
            (r"rdt/sondages\.awp", get, lambda c: []),
            (r"(?:classes|r)/(\d+)/viedelaclasse\.awp", get, lambda c: {}),
            (r"comptes/sansdetails\.awp", get, self._wallets),
            (r"renewtoken\.awp", frozenset({"post", "get"}), lambda c: {}),
        ]
        return [
            (re.compile(path, re.IGNORECASE), verbs, handler)
            for path, verbs, handler in table
        ]

    def _pupils(self, login: Login) -> list[Pupil]:
        return [
            self.dataset.pupils[p] for p in login.pupil_ids if p in self.dataset.pupils
        ]

    def _pupil(self, call: Call) -> Pupil:
        """The pupil of the path, who must be the login's (or one of its children)."""
        wanted = int(call.ids[0])
        pupil = next(
            (p for p in self._pupils(call.login) if self.school.pupil_id(p) == wanted),
            None,
        )
        if pupil is None:
            raise EdError(FORBIDDEN, "Accès refusé")
        return pupil

    def _whom(self, call: Call) -> Pupil | None:
        """A path's pupil, or None for the login's own family account."""
        kind, number = call.ids[0].lower(), int(call.ids[1])
        if kind in ("1", "familles"):
            if call.login.kind != "parent" or number != self.school.family_id(
                call.login
            ):
                raise EdError(FORBIDDEN, "Accès refusé")
            return None
        return self._pupil(
            Call(call.session, call.token, call.login, (str(number),), {}, {})
        )

    def _workspace(self, call: Call) -> Any:
        found = self.records.workspace_by_id(int(call.ids[2]), self._whom(call))
        if found is None:
            raise EdError(BAD_ORDER, "Espace de travail introuvable")
        return found

    def _message(self, call: Call) -> Any:
        self._whom(call)
        found = self.inbox.read(call.login, int(call.ids[2]))
        if found is None:
            raise EdError(BAD_ORDER, "Message introuvable")
        return found

    def _download(self, call: Call) -> web.Response:
        try:
            value = int(call.query.get("fichierId", ""))
        except ValueError as err:
            raise EdError(BAD_ORDER, "Fichier introuvable") from err
        found = self.inbox.file(call.login, self._pupils(call.login), value)
        if found is None:
            raise EdError(BAD_ORDER, "Fichier introuvable")
        name, content = found
        return web.Response(
            body=content,
            content_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Token": call.token,
            },
        )

    def _wallets(self, call: Call) -> Any:
        return {
            "comptes": [
                {
                    "id": self.school.number(f"wallet-{pupil.id}"),
                    "libelle": "Restauration",
                    "solde": 12.4,
                    "idEleve": self.school.pupil_id(pupil),
                }
                for pupil in self._pupils(call.login)
            ]
        }


def _after[T](_checked: object, value: T) -> T:
    """``value``, once the path's owner was checked (the check raises)."""
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise EdError(BAD_ORDER, "Date invalide") from err
