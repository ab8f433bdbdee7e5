"""Logging in: GTK, passwords, the security question (QCM) and its cn/cv pairs."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..dataset import Login, Pupil
from ..emulator import Session
from .wire import (
    BAD_CREDENTIALS,
    BAD_TOKEN,
    NO_DATA,
    OK,
    QCM_REQUIRED,
    b64,
    credential,
    reply,
    unb64,
)

if TYPE_CHECKING:
    from .emulator import EcoleDirecteEmulator

BAD_PARAMETERS = 225
UNKNOWN_USER = "Identifiant et/ou mot de passe invalide !"
WRONG_PASSWORD = "Mot de passe invalide !"
WRONG_ANSWER = "Réponse incorrecte"
GTK_KEPT = 256
LOCKED = "Compte bloqué suite à trop de réponses incorrectes"


@dataclass(slots=True, kw_only=True)
class EdSession(Session):
    """A token: a logged-in account, or a temporary one awaiting the QCM."""

    username: str
    pending: bool = False
    uuid: str = ""
    agent: str = ""


@dataclass(frozen=True, slots=True)
class Question:
    """A security question: its text, the choices, the right one."""

    text: str
    choices: tuple[str, ...]
    answer: str


class EdLogin:
    """Passwords, temporary tokens, questions and the devices that passed them."""

    def __init__(self, emulator: EcoleDirecteEmulator) -> None:
        self.emulator = emulator
        self.serial = 0
        # (cn, cv) -> (username, serial); (username, uuid) -> serial.
        self.pairs: dict[tuple[str, str], tuple[str, int]] = {}
        self.devices: dict[tuple[str, str], int] = {}
        # Pairs up to this serial no longer count (the two_factor fault).
        self.forced_at: dict[str, int] = {}
        self.fa_tokens: dict[str, str] = {}  # 2FA-Token -> temporary token
        self.gtks: dict[str, None] = {}  # the latest GTK_KEPT, oldest first
        self.wrong: dict[str, int] = {}
        self.questions_asked = 0

    # -- GTK ----------------------------------------------------------------------

    def gtk(self) -> web.Response:
        """``login.awp?gtk=1``: the GTK cookie and its twin, no Domain, no Secure."""
        value = secrets.token_urlsafe(24)
        self.gtks[value] = None
        if len(self.gtks) > GTK_KEPT:  # every login fetches one: a long run keeps few
            del self.gtks[next(iter(self.gtks))]
        response = reply(OK, "", None)
        response.set_cookie("GTK", value, path="/")
        response.set_cookie(f"{secrets.token_hex(6)}", value, path="/")
        return response

    # -- the question -------------------------------------------------------------

    def question(self, login: Login) -> Question:
        """The login's question: a birth year (its first pupil's)."""
        pupil: Pupil = self.emulator.dataset.pupils[login.pupil_ids[0]]
        year = pupil.birth_date.year
        years = [str(year + offset) for offset in (-2, -1, 0, 1, 2)]
        shift = pupil.number % len(years)
        text = (
            "Quelle est l'année de naissance de votre premier enfant ?"
            if login.kind == "parent"
            else "Quelle est votre année de naissance ?"
        )
        return Question(text, tuple(years[shift:] + years[:shift]), str(year))

    # -- login --------------------------------------------------------------------

    def login(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """``login.awp``: 200 with the accounts, 250 for the QCM, 505 refused."""
        emulator = self.emulator
        fault = emulator.fault(request)
        if emulator.strict and request.headers.get("X-Gtk") not in self.gtks:
            return reply(BAD_CREDENTIALS, "", {"accounts": []}, UNKNOWN_USER)
        username = credential(body.get("identifiant"))
        login = emulator.login_named(username)
        if login is None:
            return self._refused(UNKNOWN_USER)
        relogin = bool(body.get("isReLogin", body.get("isRelogin")))
        access = str(body.get("accesstoken") or "")
        known = emulator.school.access_tokens.get(login.username)
        if relogin and access and known is not None:
            good = hmac.compare_digest(access, known)
        else:
            password = credential(body.get("motdepasse"))
            good = hmac.compare_digest(password.encode(), login.password.encode())
        if fault == "password_changed" or not good:
            return self._refused(WRONG_PASSWORD)
        if self.wrong.get(login.username, 0) >= (emulator.lock_after or 1 << 30):
            return self._refused(LOCKED)
        uuid = str(body.get("uuid") or "")
        guarded = login.username in emulator.qcm_logins or fault == "two_factor"
        if guarded and not self._passed(login.username, body, request, uuid):
            if fault == "two_factor":
                self.forced_at[login.username] = self.serial
            return self._ask(login, uuid, request)
        token = emulator.book.issue(
            EdSession(
                username=login.username,
                uuid=uuid,
                agent=request.headers.get("User-Agent", ""),
            )
        )
        emulator.issued.add(token)
        data = {
            "changementMDP": False,
            "nbJourMdpExire": 0,
            "accounts": emulator.school.accounts(login, login.username),
        }
        return reply(OK, token, data)

    def _refused(self, message: str) -> web.Response:
        data = {"changementMDP": False, "nbJourMdpExire": 0, "accounts": []}
        return reply(BAD_CREDENTIALS, "", data, message)

    def _passed(
        self, username: str, body: dict[str, Any], request: web.Request, uuid: str
    ) -> bool:
        """Whether the login shows a pair (or comes from a device) that passed."""
        if self.emulator.strict:
            # After a 250, the login must carry that answer's 2FA-Token.
            temporary = request.headers.get("X-Token", "")
            session = self.emulator.book.get(temporary)
            fa_token = request.headers.get("2FA-Token", "")
            if (
                session is not None
                and session.pending
                and (self.fa_tokens.get(fa_token) != temporary)
            ):
                return False
        since = self.forced_at.get(username, 0)
        offered = [(body.get("cn"), body.get("cv"))]
        fa = body.get("fa")
        if isinstance(fa, list):
            offered += [
                (item.get("cn"), item.get("cv"))
                for item in fa
                if isinstance(item, dict)
            ]
        for cn, cv in offered:
            owner = self.pairs.get((str(cn), str(cv)))
            if owner is not None and owner[0] == username and owner[1] > since:
                return True
        device = self.devices.get((username, uuid)) if uuid else None
        return device is not None and device > since

    def _ask(self, login: Login, uuid: str, request: web.Request) -> web.Response:
        emulator = self.emulator
        token = emulator.book.issue(
            EdSession(
                username=login.username,
                pending=True,
                uuid=uuid,
                agent=request.headers.get("User-Agent", ""),
            )
        )
        emulator.issued.add(token)
        fa_token = secrets.token_urlsafe(32)
        self.fa_tokens[fa_token] = token
        data = {"changementMDP": False, "nbJourMdpExire": 0, "accounts": []}
        return reply(QCM_REQUIRED, token, data, headers={"2FA-Token": fa_token})

    # -- doubleauth ---------------------------------------------------------------

    def double_auth(
        self, request: web.Request, raw: bytes, body: dict[str, Any]
    ) -> web.Response:
        """``connexion/doubleauth.awp``: ``get`` the question, ``post`` the answer."""
        emulator = self.emulator
        fa_token = request.headers.get("2FA-Token", "")
        candidates = [self.fa_tokens.get(fa_token, "")]
        if not emulator.strict:
            candidates.append(request.headers.get("X-Token", ""))
        token, session = next(
            (
                (t, s)
                for t in candidates
                if (s := emulator.book.get(t)) is not None and s.pending
            ),
            ("", None),
        )
        if session is None:
            return reply(BAD_TOKEN, "", None, "Token invalide !")
        login = emulator.logins()[session.username]
        question = self.question(login)
        verb = request.query.get("verbe", "")
        if not raw.strip():
            return reply(BAD_PARAMETERS, token, None, "Paramètres spécifiés incorrects")
        if verb == "get":
            self.questions_asked += 1
            data = {
                "question": b64(question.text),
                "propositions": [b64(choice) for choice in question.choices],
            }
            return reply(OK, token, data)
        if verb != "post":
            return reply(BAD_PARAMETERS, token, None, "Paramètres spécifiés incorrects")
        answer = unb64(str(body.get("choix", "")))
        if answer != question.answer:
            self.wrong[login.username] = self.wrong.get(login.username, 0) + 1
            # No data key: a null one would send ecoledirecte 0.3.1 round forever.
            return reply(BAD_CREDENTIALS, token, NO_DATA, WRONG_ANSWER)
        self.wrong.pop(login.username, None)
        self.serial += 1
        cn, cv = b64(secrets.token_hex(12)), b64(secrets.token_hex(24))
        self.pairs[cn, cv] = (login.username, self.serial)
        if session.uuid:
            self.devices[login.username, session.uuid] = self.serial
        return reply(OK, token, {"cn": cn, "cv": cv})
