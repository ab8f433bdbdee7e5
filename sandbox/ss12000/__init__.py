"""SS12000 emulator (SS 12000:2020/korr 1:2022, OpenAPI 2.1.0), following the protocol notes.

Known from the standard (every reply validates against its 2.1.0 file in
tests): every collection path with its filters, ``meta.*`` limits (``after``
exclusive, ``before`` inclusive), ``expand`` into ``_embedded``,
``expandReferenceNames``, ``sortkey``, ``limit`` and ``pageToken``; lookups
answering bare arrays; get by id (400 on a non-uuid, 404 without a body);
subscriptions whose target is called back when data changes; deleted
entities. The seed client's deviations are tolerated: the API is also served
at the root of ``/ss12000`` (it drops the ``/v2.0`` base path), its
``/attendanceSchedules`` spelling, GET ``/log`` and ``/statistics``,
``meta.modified.after`` on ``/deletedEntities``, ``expandReferenceNames=True``.

Our assumptions (the standard leaves them to the server): tokens from an
OAuth 2 client-credentials endpoint ``/ss12000/token`` (form body or HTTP
Basic; one hour) as IST issues them; the client id is the login's username
and the secret its password; a missing, unknown or expired token is 401 (a
403 would read as "no right", not "fetch a new token"); every token reads the
whole school (a school organiser's system-to-system access; ``forbidden``
refuses collections with 403 for tests); page tokens live five minutes (then
410) and carry the query, so filters given with one are ignored (``strict``:
400); without ``limit`` a page holds up to 1000 entities; times carry the
offset of the dataset's ``zone`` (default Europe/Stockholm); test marks out
of 100 are grades A–F that are not final; absences and late arrivals are
attendances, justified absences also absences reported by the guardian; a
substitute is a teacher exception on the lesson's calendar event.
"""

from __future__ import annotations

from .emulator import DEFAULT_ZONE, Ss12000Emulator, SsSession
from .push import Delivery, Subscription
from .school import SsSchool, letter
from .wire import TOKEN_LIFETIME, VERSION_PATH

__all__ = [
    "DEFAULT_ZONE",
    "TOKEN_LIFETIME",
    "VERSION_PATH",
    "Delivery",
    "Ss12000Emulator",
    "SsSchool",
    "SsSession",
    "Subscription",
    "letter",
]
