"""Config flow of School Portal, built from the portals' declarations.

Steps: ``user`` (the portal menu), ``<portal>`` (its login methods, skipped
when it has one), ``<portal>_<method>`` (the login form), ``challenge`` (any
second factor), ``reauth_confirm``, ``reconfigure`` and the options. The
portal and method steps are made from `api.PORTALS` when this module loads:
a portal is served without being named here.
"""

from __future__ import annotations

import math
import re
import time
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import ClientSession
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_SCAN_INTERVAL, CONF_TIME_ZONE, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
from yarl import URL

from .api import PORTALS, Place, PortalInfo, create_client, portal
from .api.errors import (
    AccountLocked,
    AuthenticationError,
    CaptchaRequired,
    ConfigurationError,
    ConnectionFailed,
    PortalUnavailable,
    RateLimited,
    TwoFactorRequired,
    UnknownSchool,
)
from .api.models import Account, AccountKind
from .api.portal import Challenge, ChallengeKind, FieldKind, LoginField, LoginMethod
from .api.util import stable_id
from .compat import vol
from .const import (
    CONF_PORTAL,
    CONF_SERVER,
    CONF_STUDENTS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .coordinator import SchoolPortalConfigEntry, portal_session
from .push import CONF_PUSH

_SELECTORS: dict[FieldKind, TextSelector] = {
    FieldKind.URL: TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
    FieldKind.TEXT: TextSelector(),
    FieldKind.USERNAME: TextSelector(
        TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username")
    ),
    FieldKind.PASSWORD: TextSelector(
        TextSelectorConfig(type=TextSelectorType.PASSWORD)
    ),
    FieldKind.MULTILINE: TextSelector(TextSelectorConfig(multiline=True)),
    FieldKind.PIN: TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
}


def _schema(fields: tuple[LoginField, ...]) -> vol.Schema:
    """The form of some login fields."""
    return vol.Schema(
        {
            (
                vol.Required(f.key, default=f.default)
                if f.default is not None
                else vol.Required(f.key)
            ): _SELECTORS[f.kind]
            for f in fields
        }
    )


def login_schema(method: LoginMethod) -> vol.Schema:
    """The form of a login method."""
    return _schema(method.fields)


def _renew_schema(method: LoginMethod) -> vol.Schema:
    """The form of a reauthentication: what renews the login."""
    return _schema(tuple(f for f in method.fields if f.key in method.renew))


def _challenge_schema(challenge: Challenge) -> vol.Schema:
    """The form of a second factor: a code to type or a choice to make."""
    if challenge.kind is ChallengeKind.CHOICE:
        selector: SelectSelector | TextSelector = SelectSelector(
            SelectSelectorConfig(
                options=[
                    SelectOptionDict(value=value, label=label)
                    for value, label in challenge.choices
                ],
                mode=SelectSelectorMode.LIST,
            )
        )
    elif challenge.kind is ChallengeKind.PIN:
        selector = _SELECTORS[FieldKind.PIN]
    else:
        selector = TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="one-time-code")
        )
    return vol.Schema({vol.Required(challenge.answer_key): selector})


# Per kind of second factor: the error when the portal refuses the answer.
_REFUSED_ANSWER = {
    ChallengeKind.PIN: "invalid_pin",
    ChallengeKind.CODE: "invalid_code",
    ChallengeKind.CHOICE: "invalid_answer",
}


def _answer_place(challenge: Challenge) -> LoginMethod:
    """Where a refused answer's error goes: on the answer's field."""
    refused = _REFUSED_ANSWER[challenge.kind]
    return LoginMethod(
        "challenge",
        (),
        stored_as=challenge.answer_key,
        renew=(),
        refused=refused,
        errors={refused: challenge.answer_key},
    )


def _one_time_keys(info: PortalInfo) -> set[str]:
    """Single-use values: they open the first session and are never stored."""
    return {f.key for m in info.methods for f in m.fields if f.one_time}


def _keep_session(
    info: PortalInfo, data: dict[str, Any], session: Mapping[str, str]
) -> None:
    """Take a login's session into the settings; a QR code it used up goes."""
    data.update(session)
    if session:
        for key in _one_time_keys(info):
            data.pop(key, None)


def _placed(errors: dict[str, str], schema: vol.Schema) -> dict[str, str]:
    """Errors next to their field, or at the top when the form lacks it."""
    shown = {str(key) for key in schema.schema}
    return {key if key in shown else "base": error for key, error in errors.items()}


def _expanded(method: LoginMethod, user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The settings typed values stand for; ConfigurationError if they cannot be read.

    Everything else typed or already pending (an account PIN) is kept.
    """
    return method.expand(user_input) if method.expand else dict(user_input)


def entry_unique_id(data: Mapping[str, Any]) -> str | None:
    """Portal, the place it names and the account; None while the user is unknown.

    The place is what the portal's declaration says: the school (schools
    move between servers), the server's host (a server that belongs to one
    school), or nothing (one server for a whole country). The username is
    hashed: it is often a national id number.
    """
    username = str(data.get(CONF_USERNAME) or "").strip().casefold()
    if not username:
        return None
    info = portal(str(data[CONF_PORTAL]))
    parts = [info.key]
    if info.place is Place.HOST:
        server = str(data[CONF_SERVER])
        parts.append(
            URL(server if "://" in server else f"https://{server}").host or server
        )
    elif info.place is Place.SCHOOL:
        parts.append(str(data.get(info.school_key) or "").strip().casefold())
    return "_".join([*parts, stable_id(*parts, username)])


def _isolated(text: str) -> str:
    """Text kept in its own direction inside a title.

    A right-to-left school name ending in a quote mark is otherwise reordered
    around the Latin words next to it.
    """
    return f"\u2068{text}\u2069"


def _showable_username(data: Mapping[str, Any]) -> str:
    """The login's username, or '' when it is an id number or missing.

    Some portals log in with a national id number (digits and separators).
    """
    username = str(data.get(CONF_USERNAME) or "").strip()
    return "" if re.fullmatch(r"[\d\s./-]*", username) else username


def _login_name(
    data: Mapping[str, Any], account: Account, templates: Mapping[str, str]
) -> str:
    """The login as shown to the user: its username, never an id number.

    Without a username that may be shown: the kind of login and the pupils'
    first names, from the translated ``templates``.
    """
    if username := _showable_username(data):
        return username
    pupils = ", ".join(
        dict.fromkeys(s.first_name for s in account.students if s.first_name)
    )
    if not pupils:
        return ""
    kind = "parent" if account.kind is AccountKind.PARENT else "student"
    return templates.get(kind, "{pupils}").replace("{pupils}", pupils)


def entry_title(
    data: Mapping[str, Any], account: Account, templates: Mapping[str, str]
) -> str:
    """Portal, school and login: two logins at one school differ.

    Titles end up in logs: the README's privacy section says what they hold.
    """
    parts = [portal(data[CONF_PORTAL]).name]
    if account.school:
        parts.append(_isolated(account.school))
    if login := _login_name(data, account, templates):
        parts.append(_isolated(login))
    return " · ".join(parts)


def _legacy_title(data: Mapping[str, Any], account: Account) -> str:
    """The title entries got before it named the login."""
    name = portal(data[CONF_PORTAL]).name
    return f"{name} · {_isolated(account.school)}" if account.school else name


async def _async_title_templates(hass: HomeAssistant) -> dict[str, str]:
    """How a login without a showable username is named, in HA's language."""
    strings = await async_get_translations(
        hass, hass.config.language, "common", {DOMAIN}
    )
    prefix = f"component.{DOMAIN}.common.login_"
    return {
        key.removeprefix(prefix): text
        for key, text in strings.items()
        if key.startswith(prefix)
    }


async def async_entry_title(
    hass: HomeAssistant, data: Mapping[str, Any], account: Account
) -> str:
    """The title a login gets."""
    return entry_title(data, account, await _async_title_templates(hass))


async def async_renewed_title(
    hass: HomeAssistant, entry: SchoolPortalConfigEntry, account: Account
) -> str | None:
    """The new title of an entry that still has the old generated one, else None.

    Any other title is the user's choice, or already the new one.
    """
    if entry.title != _legacy_title(entry.data, account):
        return None
    return await async_entry_title(hass, entry.data, account)


def _login_label(data: Mapping[str, Any], fallback: str) -> str:
    """The login in a form's text: its username unless that is an id number."""
    return _showable_username(data) or fallback


# When a reauth last tried the stored login by itself, per entry id (monotonic
# seconds). One number per config entry of this process: bounded by them.
_REAUTH_TRIED: dict[str, float] = {}
REAUTH_RETRY_SECONDS = 3600

type _Step = Callable[..., Awaitable[ConfigFlowResult]]


class SchoolPortalConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a school portal login."""

    # 2: unique ids name the school and the account, not the server's host.
    VERSION = 2
    MINOR_VERSION = 1

    # A login that waits for the answer to a second factor: its settings,
    # the challenge, the entry it renews, and whether its pupils must match
    # the entry's.
    _pending: dict[str, Any] | None = None
    _challenge: Challenge | None = None
    _pending_entry: SchoolPortalConfigEntry | None = None
    _pending_check_pupils = False

    async def _async_login(
        self, data: dict[str, Any], method: LoginMethod
    ) -> tuple[Account | None, dict[str, str]]:
        """Try the login; return the account or the form's errors.

        Errors name the field the method's declaration puts them on (a
        refused login gets the method's own error: the form says what was
        refused). A second factor the portal demands passes through as
        `TwoFactorRequired`, with the session it opened kept in ``data``.
        """
        if CONF_SERVER in data:
            data[CONF_SERVER] = str(data[CONF_SERVER]).strip().rstrip("/")
        session = portal_session(self.hass, auto_cleanup=False)
        try:
            account, error = await self._async_login_with(session, data)
        finally:
            # The connector is Home Assistant's: detach, never close.
            session.detach()
        if error is None:
            return account, {}
        if error == "invalid_auth":
            error = method.refused
        return None, {method.errors.get(error, "base"): error}

    async def _async_login_with(
        self, session: ClientSession, data: dict[str, Any]
    ) -> tuple[Account | None, str | None]:
        info = portal(data[CONF_PORTAL])
        try:
            client = create_client(
                info.key, session, data, dt_util.get_default_time_zone()
            )
        except ConfigurationError:
            return None, "invalid_server"
        try:
            account = await client.login()
        except TwoFactorRequired:
            # A QR code is spent once the password step passed: the token it
            # gave is what the retry with the answer logs in with.
            _keep_session(info, data, client.session_state)
            raise
        except AccountLocked:
            return None, "account_locked"
        except CaptchaRequired:
            return None, "captcha_required"
        except AuthenticationError:
            return None, "invalid_auth"
        except UnknownSchool:
            return None, "unknown_school"
        except ConfigurationError:
            return None, "invalid_server"
        except (ConnectionFailed, PortalUnavailable, RateLimited):
            return None, "cannot_connect"
        except Exception:
            LOGGER.exception("Unexpected error while logging in")
            return None, "unknown"
        finally:
            await client.close()
        # The session just opened serves the entry too: no second login.
        _keep_session(info, data, client.session_state)
        return account, None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the portal."""
        return self.async_show_menu(step_id="user", menu_options=list(PORTALS))

    async def _async_step_portal(self, info: PortalInfo) -> ConfigFlowResult:
        """Choose how to log in to a portal; straight to the form if there is one way."""
        if len(info.methods) == 1:
            return await self._async_step_login(info, info.methods[0], None)
        return self.async_show_menu(
            step_id=info.key,
            menu_options=[f"{info.key}_{method.key}" for method in info.methods],
        )

    async def _async_step_login(
        self,
        info: PortalInfo,
        method: LoginMethod,
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        """The login form of one method of a portal."""
        errors: dict[str, str] = {}
        schema = login_schema(method)
        if user_input is not None:
            try:
                data = {CONF_PORTAL: info.key, **_expanded(method, user_input)}
            except ConfigurationError:
                errors = {method.errors.get("invalid_qr", "base"): "invalid_qr"}
            else:
                result, errors = await self._async_finish_login(data, method)
                if result is not None:
                    return result
            # Keep what was typed, except the secrets.
            schema = self.add_suggested_values_to_schema(
                schema,
                {k: v for k, v in user_input.items() if k not in method.secret_keys},
            )
        return self.async_show_form(
            step_id=f"{info.key}_{method.key}",
            data_schema=schema,
            errors=_placed(errors, schema),
        )

    async def async_step_challenge(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The portal asks for a second factor: a PIN, a code, or a question."""
        assert self._pending is not None
        assert self._challenge is not None
        challenge, entry = self._challenge, self._pending_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                **self._pending,
                challenge.answer_key: user_input[challenge.answer_key],
            }
            place = _answer_place(challenge)
            if entry is None:
                result, errors = await self._async_finish_login(data, place)
            else:
                result, errors = await self._async_store_login(
                    entry, data, place, check_pupils=self._pending_check_pupils
                )
            if result is not None:
                return result
        fallback = entry.title if entry else portal(self._pending[CONF_PORTAL]).name
        return self.async_show_form(
            step_id="challenge",
            data_schema=_challenge_schema(challenge),
            description_placeholders={
                "login": _login_label(self._pending, fallback),
                # The portal's own question, in the portal's language.
                "question": challenge.question,
            },
            errors=errors,
        )

    async def _async_ask_challenge(
        self,
        demand: TwoFactorRequired,
        data: dict[str, Any],
        entry: SchoolPortalConfigEntry | None = None,
        *,
        check_pupils: bool = False,
    ) -> ConfigFlowResult:
        """Show the step that answers the portal's second factor."""
        self._pending, self._pending_entry = data, entry
        self._challenge = demand.challenge
        self._pending_check_pupils = check_pupils
        return await self.async_step_challenge()

    async def _async_finish_login(
        self, data: dict[str, Any], method: LoginMethod
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Log in; create the entry, or ask for the second factor the portal wants.

        The unique id is claimed only once the login worked: a flow that the
        user left with an error on its form (or at the challenge) blocks no
        other.
        """
        if (unique_id := entry_unique_id(data)) is not None and (
            self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        ):
            # Refused before touching the portal: a portal that keeps one
            # session per account would end the entry's at a login here.
            return self.async_abort(reason="already_configured"), {}
        try:
            account, errors = await self._async_login(data, method)
        except TwoFactorRequired as demand:
            return await self._async_ask_challenge(demand, data), {}
        if account is None:
            return None, errors
        await self.async_set_unique_id(
            entry_unique_id(data) or f"{data[CONF_PORTAL]}_{account.id}",
            raise_on_progress=False,
        )
        self._abort_if_unique_id_configured()
        data = self._without_spent_answer(data)
        title = await async_entry_title(self.hass, data, account)
        return self.async_create_entry(title=title, data=data), {}

    def _without_spent_answer(self, data: dict[str, Any]) -> dict[str, Any]:
        """The settings without an answer that served this login only."""
        if self._challenge is None or self._challenge.keep:
            return data
        return {k: v for k, v in data.items() if k != self._challenge.answer_key}

    async def _async_update_login(
        self,
        entry: SchoolPortalConfigEntry,
        user_input: dict[str, Any],
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Log in with changed settings; store them if it is the same account."""
        info = portal(entry.data[CONF_PORTAL])
        method = info.stored_method(entry.data)
        try:
            changes = _expanded(method, user_input)
        except ConfigurationError:
            return None, {method.errors.get("invalid_qr", "base"): "invalid_qr"}
        # New credentials, new session: the stored one may belong to the old
        # login, a new QR code replaces the token of the old one, and the
        # second factor is asked again (a changed PIN would refuse the login).
        dropped = {*info.session_keys, *info.answer_keys}
        if any(f.key in user_input for f in method.fields):
            dropped.update(method.replaces)
        data = {
            key: value
            for key, value in {**entry.data, **changes}.items()
            if key not in dropped
        }
        return await self._async_store_login(
            entry, data, method, check_pupils=method.identified_by_pupils
        )

    async def _async_store_login(
        self,
        entry: SchoolPortalConfigEntry,
        data: dict[str, Any],
        method: LoginMethod,
        *,
        check_pupils: bool = False,
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Log in; keep the settings in the entry if it is the same account."""
        try:
            account, errors = await self._async_login(data, method)
        except TwoFactorRequired as demand:
            return await self._async_ask_challenge(
                demand, data, entry, check_pupils=check_pupils
            ), {}
        if account is None:
            return None, errors
        # Compared with what the entry's own settings name, not its unique
        # id: an entry whose migration had to keep its old id is still itself.
        if entry_unique_id(data) != entry_unique_id(entry.data) or (
            check_pupils and not self._same_pupils(entry, account)
        ):
            return self.async_abort(reason="wrong_account"), {}
        # Everything the login settled: the new secret, the normalized server
        # address and the session it opened.
        title = await async_renewed_title(self.hass, entry, account)
        return self.async_update_reload_and_abort(
            entry, data=self._without_spent_answer(data), title=title or entry.title
        ), {}

    def _same_pupils(self, entry: SchoolPortalConfigEntry, account: Account) -> bool:
        """Whether the login sees at least one pupil the entry already has."""
        prefix = f"{entry.unique_id}_"
        known = {
            identifier.removeprefix(prefix)
            for device in dr.async_entries_for_config_entry(
                dr.async_get(self.hass), entry.entry_id
            )
            for domain, identifier in device.identifiers
            if domain == DOMAIN and identifier.startswith(prefix)
        }
        return not known or bool(known & {student.id for student in account.students})

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The portal refused the stored login, or asks for a second factor.

        The stored login is tried once more, without its second factor's
        answer: when the portal then asks for one (newly demanded, or
        changed), that is what the user is asked for, not the password.

        At most once an hour per entry: a login that works while the next
        refresh is refused again would otherwise reload the entry and log in
        without end, and each try of a refused password counts towards
        locking the account.
        """
        entry = self._get_reauth_entry()
        now = time.monotonic()
        if now - _REAUTH_TRIED.get(entry.entry_id, -math.inf) < REAUTH_RETRY_SECONDS:
            return await self.async_step_reauth_confirm()
        _REAUTH_TRIED[entry.entry_id] = now
        info = portal(entry.data[CONF_PORTAL])
        data = {
            key: value
            for key, value in entry.data.items()
            if key not in info.answer_keys
        }
        result, _errors = await self._async_store_login(
            entry, data, info.stored_method(entry.data)
        )
        return result or await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for what renews the login: its password, app secret, token or QR code."""
        entry = self._get_reauth_entry()
        method = portal(entry.data[CONF_PORTAL]).stored_method(entry.data)
        return await self._async_step_update(
            "reauth_confirm",
            entry,
            user_input,
            _renew_schema(method),
            {"title": entry.title, "login": _login_label(entry.data, entry.title)},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the server or the login of an entry."""
        entry = self._get_reconfigure_entry()
        method = portal(entry.data[CONF_PORTAL]).stored_method(entry.data)
        schema = self.add_suggested_values_to_schema(
            login_schema(method),
            {
                f.key: entry.data[f.key]
                for f in method.fields
                if not f.secret and f.key in entry.data
            },
        )
        return await self._async_step_update("reconfigure", entry, user_input, schema)

    async def _async_step_update(
        self,
        step_id: str,
        entry: SchoolPortalConfigEntry,
        user_input: dict[str, Any] | None,
        schema: vol.Schema,
        placeholders: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Show the form of a changed login; store it once it works."""
        errors: dict[str, str] = {}
        if user_input is not None:
            result, errors = await self._async_update_login(entry, user_input)
            if result is not None:
                return result
        return self.async_show_form(
            step_id=step_id,
            data_schema=schema,
            description_placeholders=placeholders,
            errors=_placed(errors, schema),
        )

    @staticmethod
    @callback
    def async_get_options_flow(
        config_entry: SchoolPortalConfigEntry,
    ) -> SchoolPortalOptionsFlow:
        """Create the options flow."""
        return SchoolPortalOptionsFlow()


def _portal_step(info: PortalInfo) -> _Step:
    async def step(
        self: SchoolPortalConfigFlow, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        return await self._async_step_portal(info)

    step.__doc__ = f"Choose how to log in to {info.name}."
    return step


def _login_step(info: PortalInfo, method: LoginMethod) -> _Step:
    async def step(
        self: SchoolPortalConfigFlow, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        return await self._async_step_login(info, method, user_input)

    step.__doc__ = f"Log in to {info.name} ({method.key})."
    return step


def _add_declared_steps() -> None:
    """Give the flow a step per portal and per login method.

    Home Assistant dispatches a form's answer to ``async_step_<step_id>``:
    the steps of the declared portals are made here instead of being
    written out for each.
    """
    for info in PORTALS.values():
        setattr(SchoolPortalConfigFlow, f"async_step_{info.key}", _portal_step(info))
        for method in info.methods:
            setattr(
                SchoolPortalConfigFlow,
                f"async_step_{info.key}_{method.key}",
                _login_step(info, method),
            )


_add_declared_steps()


class SchoolPortalOptionsFlow(OptionsFlow):
    """Polling, pupils, the school's time zone and push (where it can)."""

    def _current_options(self) -> dict[str, Any]:
        """The options in force, defaults filled in (a new entry stores none)."""
        options = self.config_entry.options
        current = {
            CONF_SCAN_INTERVAL: options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL),
            CONF_STUDENTS: list(options.get(CONF_STUDENTS, [])),
            CONF_TIME_ZONE: options.get(CONF_TIME_ZONE, self.hass.config.time_zone),
        }
        if self.config_entry.runtime_data.push:
            current[CONF_PUSH] = options.get(CONF_PUSH, True)
        return current

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and store the options."""
        entry: SchoolPortalConfigEntry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        account = entry.runtime_data.client.account
        students = list(account.students) if account else []

        errors: dict[str, str] = {}
        if user_input is not None and students and not user_input[CONF_STUDENTS]:
            errors[CONF_STUDENTS] = "no_students"
        elif user_input is not None:
            options = dict(user_input)
            options[CONF_SCAN_INTERVAL] = int(options[CONF_SCAN_INTERVAL])
            # Everyone selected means everyone, including pupils added later.
            if set(options.get(CONF_STUDENTS, [])) >= {s.id for s in students}:
                options[CONF_STUDENTS] = []
            if options != self._current_options():
                # Store first, then reload: the reload must see the new options.
                self.hass.config_entries.async_update_entry(entry, options=options)
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data=options)

        zones = await self.hass.async_add_executor_job(zoneinfo.available_timezones)
        current = self._current_options()
        selected = current[CONF_STUDENTS] or [s.id for s in students]
        if user_input is not None:
            selected = user_input[CONF_STUDENTS]
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SCAN_INTERVAL, default=current[CONF_SCAN_INTERVAL]
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_SCAN_INTERVAL,
                        max=MAX_SCAN_INTERVAL,
                        step=1,
                        mode=NumberSelectorMode.BOX,
                        unit_of_measurement="min",
                    )
                ),
                vol.Required(CONF_STUDENTS, default=selected): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=s.id, label=s.name) for s in students
                        ],
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Required(
                    CONF_TIME_ZONE, default=current[CONF_TIME_ZONE]
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=sorted(zones), mode=SelectSelectorMode.DROPDOWN
                    )
                ),
            }
        )
        if CONF_PUSH in current:
            # Only for a portal that can call back.
            schema = schema.extend(
                {vol.Required(CONF_PUSH, default=current[CONF_PUSH]): BooleanSelector()}
            )
        return self.async_show_form(
            step_id="init",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "name": entry.title,
                "min_interval": str(MIN_SCAN_INTERVAL),
                "max_interval": str(MAX_SCAN_INTERVAL),
            },
        )
