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

from .emulator import PIN_PASSWORD, QR_TTL, SESSION_TTL, PronoteEmulator
from .inbox import PIN_LOGIN
from .login import ACCOUNT_PIN
from .school import LANG
from .session import EmulatorError, Forbidden, PronoteSession
from .values import domain as _domain
from .values import parse_day as _parse_day

__all__ = [
    "ACCOUNT_PIN",
    "LANG",
    "PIN_LOGIN",
    "PIN_PASSWORD",
    "QR_TTL",
    "SESSION_TTL",
    "EmulatorError",
    "Forbidden",
    "PronoteEmulator",
    "PronoteSession",
    "_domain",
    "_parse_day",
]
