"""WebUntis emulator (JSON-RPC and REST), following docs/webuntis-wire.md.

Known from public clients (see the wire page for sources): ``POST
<base>/WebUntis/jsonrpc.do?school=<school>`` with a JSON-RPC 2.0 envelope whose
``id`` is echoed; errors in HTTP 200 bodies; the session in ``Cookie:
JSESSIONID``; dates as ``yyyymmdd`` and times as ``HHMM`` integers (strings are
accepted too); the error codes -8504, -8500, -8509, -8520, -8998, -7004,
-32601; the OTP login over ``jsonrpc_intern.do``; the REST endpoints for
homework, exams, absences, news, the bearer token, ``app/data`` and messages.

Our assumptions: integer ids derived from the dataset's own ids; only the
current school year is open (other dates: -7004); nobody but staff may read
``getStudents`` (-8509); the ``two_factor`` fault blocks the login with -8998
(WebUntis has no second factor on its API); a REST call without a live session
is HTTP 401 and one without the right is HTTP 403 with the recorded
``{"errors": [...]}`` body (or 200: ``refusal_status``); the parent's children
come from ``app/data`` ``user.students``; the import time moves on every
dataset change the emulator can see (see ``touch``).
"""

from __future__ import annotations

from .emulator import SESSION_IDLE, UntisSession, WebUntisEmulator
from .wire import (
    LANG,
    SCHOOL,
    TENANT_ID,
    RpcError,
    int_date,
    int_time,
    parse_date,
    totp_code,
)

__all__ = [
    "LANG",
    "SCHOOL",
    "SESSION_IDLE",
    "TENANT_ID",
    "RpcError",
    "UntisSession",
    "WebUntisEmulator",
    "int_date",
    "int_time",
    "parse_date",
    "totp_code",
]
