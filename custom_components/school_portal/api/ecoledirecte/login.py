"""EcoleDirecte's login: the GTK pre-flight, the password, the security question.

A login the school protects answers 250 and a temporary token; the question
(``connexion/doubleauth.awp``, base64 text and choices) is answered with the
base64 of the chosen text and gives a ``cn``/``cv`` pair. That pair, sent with
every later login (``fa``), lets it in without the question again: it is
what the entry keeps, not the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any, NoReturn, Self
from urllib.parse import quote

import aiohttp

from ..client import PortalClient, SessionExpired
from ..errors import (
    AuthenticationError,
    ConfigurationError,
    ProtocolError,
    TwoFactorRequired,
)
from ..models import Account, AccountKind, Student
from ..portal import Challenge, ChallengeKind
from ..util import DEFAULT_TIMEOUT, stable_id, timeout_setting
from .parse import (
    FAMILY,
    Modules,
    account_students,
    decode_base64,
    encode_base64,
    main_account,
    obj,
)
from .wire import EcoleDirecteWire, SecurityQuestionAsked, normalize_server

ANSWER_KEY = "security_answer"
# Characters a URI component keeps (what the web application's encoding keeps).
_KEPT = "-_.!~*'()"


def _encoded(text: str) -> str:
    """A credential as the server reads it: percent-encoded like a URI component."""
    return quote(text, safe=_KEPT)


class EcoleDirecteLogin(PortalClient):
    """A login's settings, its tokens, its pupils and what their schools offer."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        server: str | None = None,
        username: str | None = None,
        password: str | None = None,
        cn: str | None = None,
        cv: str | None = None,
        security_answer: str | None = None,
        tz: tzinfo,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Check the settings; nothing is sent before `login`."""
        super().__init__(session, tz=tz, timeout=timeout, clock=clock)
        self._username = (username or "").strip()
        self._password = password or ""
        if not self._username or not self._password:
            raise ConfigurationError("EcoleDirecte needs a username and a password")
        self._wire = EcoleDirecteWire(
            session, normalize_server(server), timeout=timeout
        )
        # The pair the security question gave: it spares later logins the question.
        self._device = (cn, cv) if cn and cv else None
        self._answer = (security_answer or "").strip() or None
        self._account_row: Mapping[str, Any] = {}
        self._modules: dict[str, Modules] = {}
        self._school_year = ""

    @classmethod
    def from_config(
        cls, session: aiohttp.ClientSession, config: Mapping[str, Any], tz: tzinfo
    ) -> Self:
        """Build the client from a config entry's data."""
        return cls(
            session,
            server=config.get("server"),
            username=config.get("username"),
            password=config.get("password"),
            cn=config.get("cn"),
            cv=config.get("cv"),
            security_answer=config.get(ANSWER_KEY),
            timeout=timeout_setting(config.get("timeout", DEFAULT_TIMEOUT)),
            tz=tz,
        )

    @property
    def account_id(self) -> str:
        """The same before and after login: the username names the account."""
        return stable_id("ecoledirecte", self._username.casefold())

    @property
    def logins(self) -> int:
        """How many times this client logged in."""
        return self._generation

    @property
    def requests(self) -> int:
        """How many requests this client sent."""
        return self._wire.requests

    @property
    def session_state(self) -> Mapping[str, str]:
        """The security question's pair, once the question was answered."""
        if self._device is None:
            return {}
        return {"cn": self._device[0], "cv": self._device[1]}

    @property
    def is_family(self) -> bool:
        """Whether this is a parent's (family) login."""
        return self._account_row.get("typeCompte") == FAMILY

    def modules(self, student: Student) -> Modules:
        """What the pupil's school offers them."""
        return self._modules.get(student.id, Modules({}))

    # --- login ------------------------------------------------------------------

    def _login_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "identifiant": _encoded(self._username),
            "motdepasse": _encoded(self._password),
            "isReLogin": False,
            "uuid": "",
        }
        if self._device is not None:
            cn, cv = self._device
            body.update(cn=cn, cv=cv, fa=[{"cn": cn, "cv": cv}])
        return body

    async def _post_login(self) -> Any:
        extra = await self._wire.gtk()
        answer = await self._wire.call(
            "/login.awp", None, self._login_body(), extra=extra
        )
        return answer.data

    async def _login(self) -> Account:
        self._wire.forget()
        try:
            data = await self._post_login()
        except SecurityQuestionAsked:
            await self._answer_question()
            try:
                data = await self._post_login()
            except SecurityQuestionAsked as err:
                raise ProtocolError(
                    "EcoleDirecte asked the security question again"
                ) from err
        except SessionExpired as err:
            raise AuthenticationError("EcoleDirecte refused the login") from err
        return self._take_account(data)

    async def _answer_question(self) -> None:
        """Answer the security question, or ask the user to (once)."""
        asked = obj(
            (await self._wire.call("/connexion/doubleauth.awp", "get", {})).data
        )
        question = decode_base64(asked.get("question"))
        raw = [str(p) for p in asked.get("propositions") or [] if p]
        choices = [(decode_base64(p), p) for p in raw]
        if self._answer is None:
            raise_question(question, [text for text, _ in choices])
        choice = next(
            (coded for text, coded in choices if self._answer in (text, coded)),
            encode_base64(self._answer),
        )
        pair = obj(
            (
                await self._wire.call(
                    "/connexion/doubleauth.awp", "post", {"choix": choice}
                )
            ).data
        )
        cn, cv = str(pair.get("cn") or ""), str(pair.get("cv") or "")
        if not cn or not cv:
            raise AuthenticationError("EcoleDirecte refused the answer")
        self._device = (cn, cv)
        # Spent: a later question (the pair was revoked) goes to the user.
        self._answer = None

    def _take_account(self, data: Any) -> Account:
        row = main_account(data)
        if not row:
            raise ProtocolError("EcoleDirecte listed no pupil or family account")
        self._account_row = row
        self._school_year = str(row.get("anneeScolaireCourante") or "")
        pupils = account_students(row)
        self._modules = {student.id: modules for student, modules in pupils}
        self._modules[""] = Modules.of(row.get("modules"))
        students = tuple(student for student, _ in pupils)
        return Account(
            id=self.account_id,
            kind=AccountKind.PARENT if self.is_family else AccountKind.STUDENT,
            students=students,
            school=next((s.school for s in students if s.school), None),
        )

    async def close(self) -> None:
        """Forget the tokens (the aiohttp session belongs to the caller)."""
        self._wire.forget()
        await super().close()


def raise_question(question: str, choices: list[str]) -> NoReturn:
    """Ask the user the security question (its choices by their text)."""
    raise TwoFactorRequired(
        Challenge(
            kind=ChallengeKind.CHOICE,
            answer_key=ANSWER_KEY,
            question=question,
            choices=tuple((text, text) for text in choices),
            keep=False,
        )
    )
