"""Webtop's routes: the JSON envelope, the ``webToken`` cookie, login and the endpoints."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from ..dataset import Dataset, Login, Pupil
from ..emulator import Declaration, Emulator, Session, SessionRules, register
from ..faults import Faults
from .render import WebtopRender

TOKEN_TTL = 9 * 3600.0
SESSIONS = SessionRules(TOKEN_TTL, idle=False)  # a token dies 9 h after login
PAGE_SIZE = 20
DISCIPLINE_SHAPES = ("events", "data_table")
VIEW_BLOCKED = "view is blocked"

_dumps = partial(json.dumps, ensure_ascii=False)


@dataclass(slots=True, kw_only=True)
class WebtopSession(Session):
    """A live token."""

    username: str
    # The pupil ChangeUser selected (a parent's first child by default).
    pupil_id: str | None


class Unauthorized(Exception):
    """The request carries no live token."""


class _Refused(Exception):
    """The server answers ``status:false`` with this description."""


type _Action = Callable[[WebtopSession, dict[str, Any]], Any]


@register
class WebtopEmulator(Emulator[WebtopSession]):
    """The Webtop API over one dataset."""

    declared = Declaration("webtop", "Webtop", order=1, sessions=SESSIONS)

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        super().__init__(dataset, faults)
        self.render = WebtopRender(dataset)
        # Switches for what the notes cannot settle (see the package docstring).
        self.discipline_shape = DISCIPLINE_SHAPES[0]
        self.page_size = PAGE_SIZE
        self.inbox_counts = True
        render = self.render
        self._actions: dict[str, _Action] = {
            "user/getmultipleusersforuser": lambda session, body: render.linked_users(
                self._login_of(session)
            ),
            "user/changeuser": self._change_user,
            "dashboard/initdashboard": lambda session, body: render.init_dashboard(
                self._login_of(session)
            ),
            "dashboard/checktoken": lambda session, body: True,
            "dashboard/checkbackgroundtoken": lambda session, body: True,
            "dashboard/gethomework": self._today_homework,
            "dashboard/getpupildiciplineevents": self._discipline,
            "pupilcard/getpupilscheduale": partial(self._week, with_homework=False),
            "pupilcard/getpupillessonsandhomework": partial(
                self._week, with_homework=True
            ),
            "messagebox/getmessagesinbox": self._messages,
            "menu/getpreviewunreadnotifications": lambda session, body: (
                render.unread_notifications(session.username)
            ),
            "notification/getnotificationssettings": self._notification_settings,
        }

    # -- identities -----------------------------------------------------------

    def encrypted_id(self, username: str, pupil_id: str) -> str:
        """The opaque pupil id Webtop shows to one account (stable per account)."""
        return self.render.encrypted_id(username, pupil_id)

    def browser_token(self, username: str) -> str:
        """The long-lived token a browser holds for ``username`` (for token login)."""
        generation = str(self.book.generation)
        return self.render.digest("browser", username, generation).hex().upper()

    def account(self, login: Login, base: str) -> dict[str, Any]:
        """A Webtop login's row: the browser token too."""
        return self.account_row(
            login,
            base,
            (
                (pupil, self.encrypted_id(login.username, pupil.id), pupil.name_he)
                for pupil in self.dataset.pupils_of(login.username)
            ),
            token=self.browser_token(login.username),
        )

    def _class_name(self, pupil: Pupil) -> str:
        return self.dataset.class_of(pupil.id).name_he

    # -- sessions -------------------------------------------------------------

    def _session(self, request: web.Request) -> WebtopSession:
        if self.fault(request) == "password_changed":
            raise Unauthorized
        raw = request.cookies.get("webToken")
        if not raw:
            raise Unauthorized
        token = unquote(raw)
        if token in self.book.sessions:
            session = self.book.get(token)
            if session is None:
                raise Unauthorized
            return session
        for login in self.dataset.logins.values():
            if hmac.compare_digest(token, self.browser_token(login.username)):
                return WebtopSession(
                    username=login.username, pupil_id=login.pupil_ids[0]
                )
        raise Unauthorized

    # -- HTTP -----------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve the API under ``/webtop``."""
        app.router.add_post(
            f"{self.prefix}/server/api/{{controller}}/{{action}}", self.handle
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One ``<Controller>/<Action>`` call."""
        controller = request.match_info["controller"].lower()
        action = request.match_info["action"].lower()
        key = f"{controller}/{action}"
        body = await _read_body(request)
        if body is None:
            return web.Response(status=400, text="Bad Request")
        if key == "user/loginbyusernameandpassword":
            return self._login(request, body)
        handler = self._actions.get(key)
        if handler is None:
            return web.Response(status=404, text="Not Found")
        try:
            session = self._session(request)
        except Unauthorized:
            return web.Response(
                status=401,
                text="Unauthorized: the session has ended, please log in again.",
            )
        try:
            result = handler(session, body)
        except _Refused as refused:
            return _envelope(None, status=False, error=str(refused), error_id=2)
        return _envelope(result)

    def _login(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        fault = self.fault(request)
        if fault == "two_factor":
            return _envelope(None, status=False)
        login = self.dataset.logins.get(str(body.get("UserName") or ""))
        if (
            login is None
            or fault == "password_changed"
            or not hmac.compare_digest(str(body.get("Password") or ""), login.password)
        ):
            return _envelope(
                None, status=False, error="שם משתמש או סיסמה שגויים", error_id=1
            )
        token = self.book.issue(
            WebtopSession(username=login.username, pupil_id=login.pupil_ids[0])
        )
        return _envelope(self.render.login_answer(login, token))

    # -- endpoints: who and which class a call is about --------------------------

    def _login_of(self, session: WebtopSession) -> Login:
        return self.dataset.logins[session.username]

    def _pupil(self, session: WebtopSession, body: dict[str, Any], *keys: str) -> Pupil:
        """The pupil a call addresses: by encrypted id, else the active one."""
        login = self._login_of(session)
        given = next((body[k] for k in keys if body.get(k)), None)
        if given is None:
            return self.dataset.pupils[session.pupil_id or login.pupil_ids[0]]
        pupil = self.render.pupil_by_encrypted_id(login, given)
        if pupil is None:
            raise _Refused(VIEW_BLOCKED)
        return pupil

    def _check_class(self, pupil: Pupil, code: object, number: object = None) -> None:
        school_class = self.dataset.classes[pupil.class_id]
        if code not in (None, "") and str(code) != str(school_class.grade):
            raise _Refused(VIEW_BLOCKED)
        if number not in (None, "") and str(number) != str(school_class.number):
            raise _Refused(VIEW_BLOCKED)

    def _change_user(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        login = self._login_of(session)
        pupil = self.render.pupil_by_encrypted_id(login, body.get("StudentId"))
        if pupil is None:
            raise _Refused("המשתמש לא נמצא")
        token = self.book.issue(
            WebtopSession(username=login.username, pupil_id=pupil.id)
        )
        return self.render.change_user(login, pupil, token)

    def _today_homework(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        pupil = self._pupil(session, body, "id")
        self._check_class(pupil, body.get("ClassCode"), body.get("ClassNumber"))
        return self.render.today_homework(pupil)

    def _week(
        self, session: WebtopSession, body: dict[str, Any], *, with_homework: bool
    ) -> Any:
        pupil = self._pupil(session, body, "studentID", "id")
        self._check_class(pupil, body.get("classCode"))
        study_year = body.get("studyYear")
        if study_year not in (None, "") and str(study_year) != str(
            self.dataset.study_year
        ):
            raise _Refused(VIEW_BLOCKED)
        try:
            week_index = int(body.get("weekIndex") or 0)
        except (TypeError, ValueError) as err:
            raise _Refused(VIEW_BLOCKED) from err
        return self.render.week(pupil, week_index, with_homework=with_homework)

    def _discipline(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        pupil = self._pupil(session, body, "id")
        self._check_class(pupil, body.get("ClassCode"))
        return self.render.discipline(pupil, rich=self.discipline_shape == "data_table")

    def _messages(self, session: WebtopSession, body: dict[str, Any]) -> Any:
        try:
            page = max(1, int(body.get("PageId") or 1))
        except (TypeError, ValueError):
            page = 1
        return self.render.messages(
            session.username,
            has_read=body.get("HasRead"),
            query=str(body.get("SearchQuery") or "").strip().casefold(),
            page=page,
            size=self.page_size,
            counts=self.inbox_counts,
        )

    def _notification_settings(
        self, session: WebtopSession, body: dict[str, Any]
    ) -> Any:
        self._pupil(session, body, "id")
        return self.render.notification_settings()


async def _read_body(request: web.Request) -> dict[str, Any] | None:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _envelope(
    data: Any,
    *,
    status: bool = True,
    error: str | None = None,
    error_id: int | None = None,
) -> web.Response:
    return web.json_response(
        {
            "status": status,
            "data": data,
            "errorDescription": error,
            "errorId": error_id,
        },
        dumps=_dumps,
    )
