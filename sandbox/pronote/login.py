"""PRONOTE's login handshake: ``Identification``, ``Authentification``, the PIN."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .session import EmulatorError, PronoteSession
from .wire import BadCipher, decrypt, hex_encrypt, login_key, md5

if TYPE_CHECKING:
    from .emulator import PronoteEmulator

ACCOUNT_PIN = "1234"  # the sandbox's account PIN (2FA), public too


class PronoteLogin:
    """The challenge a login must solve, the session key after it, and the PIN."""

    def __init__(self, emulator: PronoteEmulator) -> None:
        self.emulator = emulator
        self.dataset = emulator.dataset

    def identify(
        self, session: PronoteSession, data: dict[str, Any], fault: str | None
    ) -> Any:
        username = str(data.get("identifiant", ""))
        mobile = bool(data.get("demandeConnexionAppliMobile"))
        token_login = bool(data.get("enConnexionAppliMobile"))
        device = str(data.get("uuidAppliMobile") or "")
        login = self.emulator._logins.get(username.lower())
        secret: str | None = None
        if login is not None and fault != "password_changed":
            if token_login:
                secret = self.emulator.tokens.get((login.username, device))
                session.login_mode = "token"
            elif mobile:
                secret = next(
                    (
                        jeton
                        for jeton, (owner, until) in self.emulator.qr_tokens.items()
                        if owner == login.username and until > self.emulator.clock()
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
            if self.emulator.challenge_style in ("both", "legacy"):
                answers.append(hex_encrypt(session.user_key, session.iv, plain[::2]))
            if self.emulator.challenge_style in ("both", "direct"):
                answers.append(hex_encrypt(session.user_key, session.iv, challenge))
            session.answers = tuple(answers)
        return {
            "alea": alea,
            "challenge": challenge,
            "modeCompLog": 1,
            "modeCompMdp": 0,
        }

    def authenticate(
        self, session: PronoteSession, data: dict[str, Any], fault: str | None
    ) -> tuple[Any, bytes | None]:
        answer = str(data.get("challenge", "")).lower()
        login = session.login
        if login is None or session.user_key is None or answer not in session.answers:
            return {"Acces": 1}, None
        if login.username in self.emulator.locked:
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
                    for j, (owner, _) in self.emulator.qr_tokens.items()
                    if owner == login.username
                ]:
                    del self.emulator.qr_tokens[jeton]
            token = secrets.token_hex(32).upper()
            self.emulator.tokens[(login.username, session.device)] = token
            result["jetonConnexionAppliMobile"] = token
        if login.username in self.emulator.pin_accounts or fault == "two_factor":
            result["actionsDoubleAuth"] = {"_T": 26, "V": "[3]"}
            session.pin_pending = True
        session.authenticated = True
        return result, md5(cle)

    def double_auth(self, session: PronoteSession, data: dict[str, Any]) -> Any:
        """``SecurisationCompteDoubleAuth``: the account PIN (action 0)."""
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
