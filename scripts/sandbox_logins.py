"""How a sandbox login is used: its portal's declaration picks the method.

The sandbox lists each login with values named like the declared login
fields (``python -m sandbox accounts``); the bench and the develop script
log in with the first method of the portal whose fields it has all of, so
neither names a portal or a method.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custom_components.school_portal.api import PORTALS
from custom_components.school_portal.api.portal import LoginMethod


def values(account: Mapping[str, Any]) -> dict[str, Any]:
    """What a login can type: the account's values, its server the URL served."""
    return {**account, "server": account["base_url"]}


def login_method(account: Mapping[str, Any]) -> LoginMethod | None:
    """The first login method of the account's portal it has every field of."""
    info = PORTALS.get(account.get("portal", ""))
    typed = values(account)
    if info is None:
        return None
    # A field with a default (an optional scope) may be missing.
    return next(
        (
            m
            for m in info.methods
            if all(f.key in typed or f.default is not None for f in m.fields)
        ),
        None,
    )


def settings(account: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a client is built from: the method's fields, known answers."""
    method = login_method(account)
    if method is None:
        raise ValueError(
            f"no login method of {account.get('portal')!r} fits {account['username']!r}"
        )
    typed = values(account)
    keys = [f.key for f in method.fields if f.key in typed]
    keys += [key for key in PORTALS[account["portal"]].answer_keys if key in typed]
    return {key: typed[key] for key in keys}
