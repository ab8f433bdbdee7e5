"""The app's login over ``jsonrpc_intern.do``: the shared secret and one-time codes."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import wire
from .wire import RpcError, rpc_answer, totp_code

if TYPE_CHECKING:
    from .emulator import WebUntisEmulator


class UntisAppLogin:
    """``getAppSharedSecret`` (password in, secret out) and the OTP login."""

    def __init__(self, emulator: WebUntisEmulator) -> None:
        self.emulator = emulator

    async def handle(self, request: web.Request) -> web.Response:
        """``jsonrpc_intern.do``: the app secret and the one-time-code login."""
        try:
            body = json.loads(await request.read())
        except ValueError:
            return rpc_answer(None, error=RpcError(wire.PARSE_ERROR, "Parse error"))
        call_id = body.get("id") if isinstance(body, dict) else None
        method = request.query.get("m") or (
            body.get("method") if isinstance(body, dict) else ""
        )
        params = body.get("params") if isinstance(body, dict) else None
        first = params[0] if isinstance(params, list) and params else {}
        if not isinstance(first, dict):
            first = {}
        try:
            if request.query.get("school", "").casefold() != wire.SCHOOL:
                raise RpcError(wire.UNKNOWN_SCHOOL, "invalid schoolname")
            if method == "getAppSharedSecret":
                login = self.emulator._check_password(
                    request,
                    str(first.get("userName") or ""),
                    str(first.get("password") or ""),
                )
                return rpc_answer(call_id, result=self.emulator.secret(login.username))
            if method == "getUserData2017":
                return self._otp_login(request, call_id, first)
            raise RpcError(wire.METHOD_NOT_FOUND, "Method not found")
        except RpcError as err:
            return rpc_answer(call_id, error=err)

    def _otp_login(
        self, request: web.Request, call_id: Any, first: Mapping[str, Any]
    ) -> web.Response:
        auth = first.get("auth")
        if not isinstance(auth, dict):
            raise RpcError(wire.INVALID_PARAMS, "missing auth")
        fault = self.emulator.fault(request)
        if fault == "two_factor":
            raise RpcError(wire.BLOCKED, "Benutzer ist vorübergehend gesperrt")
        login = self.emulator._login_named(str(auth.get("user") or ""))
        otp = str(auth.get("otp") or "")
        now = self.emulator.wall_clock()
        if (
            login is None
            or fault == "password_changed"
            or not any(
                hmac.compare_digest(
                    otp, totp_code(self.emulator.secret(login.username), now, d)
                )
                for d in (-1, 0, 1)
            )
        ):
            raise RpcError(wire.BAD_CREDENTIALS, "bad credentials")
        sid = self.emulator._issue(login.username)
        response = rpc_answer(
            call_id,
            result={
                "userData": {
                    "elemType": "STUDENT"
                    if login.kind == "student"
                    else "LEGAL_GUARDIAN",
                    "elemId": self.emulator.school.person_id(login),
                    "displayName": f"{login.first_name} {login.last_name}",
                    "schoolName": wire.SCHOOL,
                },
                "settings": {},
            },
        )
        self.emulator._set_session_cookie(response, sid)
        return response
