"""EcoleDirecte emulator: ``/v3/<path>.awp`` calls with a ``data=`` body.

Known from the protocol notes and from pydirecte 1.0.3 and ecoledirecte 0.3.1
(which must log in here unchanged): the GTK pre-flight (GET or POST, a
``GTK`` cookie without Domain or Secure, and its twin), ``data=`` bodies as
raw JSON, URL-encoded JSON or single-quoted pseudo-JSON, percent-encoded
credentials, the envelope (``code``, ``token``, ``message``, ``data``,
``host``) with the token in its ``X-Token`` header too, the codes 200, 250,
505, 517, 520, 525 and 535, the security question (QCM) with base64 texts and
its ``cn``/``cv`` pair, ``2FA-Token``, pupil (``E``) and family (``1``)
accounts with each child's modules, and the data calls both clients make.

Our choices: the same token all session long (ecoledirecte 0.3.1 never takes
a new one), valid for ``SESSION_TTL`` after its last use; any ``v`` unless
``versions`` is set; strict checks (GTK, 2FA-Token, one user agent per token)
only when ``strict`` is on; a wrong security answer is a 505 without ``data``;
a call about somebody else's pupil answers 403; each pupil's timeline shows
every notice of the login; marks by position in the pupil's year are
``Abs``, ``Disp``, ``NE`` and ``EA`` (``SPECIAL_MARKS``); one homework in
five has a worksheet (``FICHIER_CDT``); the homepage's post-its announce the
breaks (shown during them); the faults ``version_refused`` and
``school_unavailable`` answer 517 and 535 to any call but the GTK pre-flight,
which answers whatever the fault (its body is ignored) but takes one of its
count: ``count=2`` reaches the login. Times are the school's wall clock
(Europe/Paris), without an offset, as the real server writes them.

Sandbox accounts: ``dana.cohen``/``sandbox-pupil`` (pupil), ``levi.parent``/
``sandbox-parent`` (family of two; the second child's school has no canteen)
and ``dana.qcm``/``sandbox-qcm``, which the security question guards (its
row's ``security_answer`` is the right choice).
"""

from __future__ import annotations

from .emulator import (
    QCM_LOGIN,
    QCM_PASSWORD,
    SESSION_TTL,
    VERSIONS_SEEN,
    EcoleDirecteEmulator,
)
from .login import EdSession
from .records import SPECIAL_MARKS
from .school import LANG
from .wire import EdError, parse_body

__all__ = [
    "LANG",
    "QCM_LOGIN",
    "QCM_PASSWORD",
    "SESSION_TTL",
    "SPECIAL_MARKS",
    "VERSIONS_SEEN",
    "EcoleDirecteEmulator",
    "EdError",
    "EdSession",
    "parse_body",
]
