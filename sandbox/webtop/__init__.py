"""Webtop (SmartSchool, Israel) emulator, following docs/webtop-wire.md.

Known from public clients: ``POST /server/api/<Controller>/<Action>`` with a
JSON body, the ``{status, data, errorDescription, errorId}`` envelope, the
``webToken`` cookie as the only auth, HTTP 401 with a non-JSON body for a dead
token, a failed login as HTTP 200 ``status:false``, the request and response
keys of every endpoint served here, ``weekIndex`` 0 = the current week,
``studyYear`` = the year the school year ends, and a ~9 h token lifetime.

Our assumptions (the client treats them as optional): a parent's
``InitDashboard`` returns ``{"childrens": [...]}`` and a pupil's a bare list;
``studentId``/``id`` are null in a parent's login answer; the encrypted pupil id
is stable per account; messages come 20 to a page (a public client reads 30:
``page_size`` switches), newest first, each row carrying the ``count`` of rows
the query matches; ``Hour`` has
``startTime``/``endTime``; ``Entry`` has ``room``, ``isCanceled``,
``substituteTeacher``, ``changeDescription``; ``homeWork`` is what was set in
that lesson; ``GetHomeWork`` lists homework set in today's lessons; the
notification settings shape; stale ``studyYear``/``classCode``/pupil ids are
refused with "view is blocked"; the ``two_factor`` fault shows as a
reCAPTCHA-blocked login (``status:false`` with every error field null).

Discipline comes in one of two shapes public clients show (``discipline_shape``):
``"events"``, ``{diciplineEvents: [...]}`` with six keys per event (the default,
as a scraper reads it), or ``"data_table"``, ``{allowToViewThis, dataTable:
{diciplineEvents: [...]}}``, whose events also carry ``isJustified`` and
``justifiedReason`` and write a missing remark or reason as ``"null"``.
"""

from __future__ import annotations

from .emulator import DISCIPLINE_SHAPES, PAGE_SIZE, TOKEN_TTL, WebtopEmulator
from .render import JUSTIFIED_REASON, LANG, NO_HOMEWORK

__all__ = [
    "DISCIPLINE_SHAPES",
    "JUSTIFIED_REASON",
    "LANG",
    "NO_HOMEWORK",
    "PAGE_SIZE",
    "TOKEN_TTL",
    "WebtopEmulator",
]
