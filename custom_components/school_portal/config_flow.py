"""Config flow of School Portal: portal menu, login, reauth, reconfigure, options."""

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
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    CONF_TIME_ZONE,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import (
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

from .api import create_client, pronote, webuntis
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
from .api.util import stable_id
from .compat import vol
from .const import (
    CONF_ACCOUNT_PIN,
    CONF_DEVICE_ID,
    CONF_PORTAL,
    CONF_QR_CODE,
    CONF_QR_LINK,
    CONF_QR_PIN,
    CONF_SCHOOL,
    CONF_SECRET,
    CONF_SERVER,
    CONF_SESSION_TOKEN,
    CONF_STUDENTS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    PORTAL_NAMES,
    PORTAL_PRONOTE,
    PORTAL_WEBTOP,
    PORTAL_WEBUNTIS,
    WEBTOP_DEFAULT_SERVER,
)
from .coordinator import SchoolPortalConfigEntry, portal_session

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
USERNAME_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username")
)
TEXT_SELECTOR = TextSelector()
MULTILINE_SELECTOR = TextSelector(TextSelectorConfig(multiline=True))

# Single-use values: they open the first session and are never stored.
ONE_TIME_KEYS = (CONF_QR_LINK, CONF_QR_CODE, CONF_QR_PIN)
# The fields a user types, per portal and secret; QR codes stand alone.
_QR_SCHEMAS: dict[str, vol.Schema] = {
    CONF_QR_LINK: vol.Schema({vol.Required(CONF_QR_LINK): PASSWORD_SELECTOR}),
    CONF_QR_CODE: vol.Schema(
        {
            vol.Required(CONF_QR_CODE): MULTILINE_SELECTOR,
            vol.Required(CONF_QR_PIN): PASSWORD_SELECTOR,
        }
    ),
}


def _login_schema(secret: str, portal: str = PORTAL_WEBTOP) -> vol.Schema:
    """Server, username and the secret of one login mode."""
    if secret in _QR_SCHEMAS:
        return _QR_SCHEMAS[secret]
    server: vol.Required = vol.Required(CONF_SERVER)
    if portal == PORTAL_WEBTOP:
        server = vol.Required(CONF_SERVER, default=WEBTOP_DEFAULT_SERVER)
    fields: dict[Any, Any] = {server: URL_SELECTOR}
    if portal == PORTAL_WEBUNTIS:
        fields[vol.Required(CONF_SCHOOL)] = TEXT_SELECTOR
    fields[vol.Required(CONF_USERNAME)] = USERNAME_SELECTOR
    fields[vol.Required(secret)] = PASSWORD_SELECTOR
    return vol.Schema(fields)


def _secret_key(data: Mapping[str, Any]) -> str:
    """What renews an entry's login: its password, app secret, QR code or token."""
    if data.get(CONF_PASSWORD):
        return CONF_PASSWORD
    if data.get(CONF_SECRET):
        return CONF_SECRET
    if data.get(CONF_DEVICE_ID):
        # A PRONOTE mobile token that died can only be replaced by a new QR code.
        return CONF_QR_CODE
    return CONF_TOKEN


_SECRET_KEYS = (CONF_PASSWORD, CONF_SECRET, CONF_TOKEN, CONF_QR_CODE)


def _keep_session(data: dict[str, Any], session: Mapping[str, str]) -> None:
    """Take a login's session into the settings; a QR code it used up goes."""
    data.update(session)
    if session:
        for key in ONE_TIME_KEYS:
            data.pop(key, None)


def _placed(errors: dict[str, str], schema: vol.Schema) -> dict[str, str]:
    """Errors next to their field, or at the top when the form lacks it."""
    shown = {str(key) for key in schema.schema}
    return {key if key in shown else "base": error for key, error in errors.items()}


def _from_qr(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The settings with what a pasted QR code stands for; ConfigurationError if none.

    Everything else typed or already pending (an account PIN) is kept.
    """
    data = dict(user_input)
    if CONF_QR_LINK in data:
        data.update(webuntis.parse_qr_link(str(data.pop(CONF_QR_LINK))))
    elif CONF_QR_CODE in data:
        data[CONF_SERVER] = pronote.parse_qr_code(str(data[CONF_QR_CODE]))["url"]
        data[CONF_QR_PIN] = str(data[CONF_QR_PIN]).strip()
    return data


# Where each portal's account lives, besides its username. WebUntis names the
# school, not the server (schools move between Untis' servers); a PRONOTE
# server belongs to one school, so its host is the school; Webtop has one
# server for the whole country.
_ACCOUNT_PLACE = {PORTAL_WEBUNTIS: CONF_SCHOOL, PORTAL_PRONOTE: CONF_SERVER}


def entry_unique_id(data: Mapping[str, Any]) -> str | None:
    """Portal, the school it names and the account; None while the user is unknown.

    The username is hashed: on Webtop it is often a national id number.
    """
    username = str(data.get(CONF_USERNAME) or "").strip().casefold()
    if not username:
        return None
    portal = str(data[CONF_PORTAL])
    parts = [portal]
    if (place_key := _ACCOUNT_PLACE.get(portal)) == CONF_SERVER:
        server = str(data[CONF_SERVER])
        parts.append(
            URL(server if "://" in server else f"https://{server}").host or server
        )
    elif place_key is not None:
        parts.append(str(data.get(place_key) or "").strip().casefold())
    return "_".join([*parts, stable_id(*parts, username)])


def _isolated(text: str) -> str:
    """Text kept in its own direction inside a title.

    A right-to-left school name ending in a quote mark is otherwise reordered
    around the Latin words next to it.
    """
    return f"\u2068{text}\u2069"


def _showable_username(data: Mapping[str, Any]) -> str:
    """The login's username, or '' when it is an id number or missing.

    Webtop logins are often a national id number (digits and separators).
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
    parts = [PORTAL_NAMES.get(data[CONF_PORTAL], data[CONF_PORTAL])]
    if account.school:
        parts.append(_isolated(account.school))
    if login := _login_name(data, account, templates):
        parts.append(_isolated(login))
    return " · ".join(parts)


def _legacy_title(data: Mapping[str, Any], account: Account) -> str:
    """The title entries got before it named the login."""
    portal: str = PORTAL_NAMES.get(data[CONF_PORTAL], data[CONF_PORTAL])
    return f"{portal} · {_isolated(account.school)}" if account.school else portal


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


# Per secret: the error when the portal refuses it, so that the form says
# what was refused (a QR link holds the app secret).
_REFUSED: dict[str, str] = {
    CONF_PASSWORD: "invalid_auth",
    CONF_SECRET: "invalid_secret",
    CONF_QR_LINK: "invalid_secret",
    CONF_TOKEN: "invalid_token",
    CONF_QR_CODE: "invalid_qr_login",
    CONF_ACCOUNT_PIN: "invalid_pin",
}
# Per kind of second factor (`TwoFactorRequired.challenge`): the step that
# asks for it and the setting that keeps the answer.
_CHALLENGE_STEPS: dict[str, str] = {"pin": "account_pin"}
# When a reauth last tried the stored login by itself, per entry id (monotonic
# seconds). One number per config entry of this process: bounded by them.
_REAUTH_TRIED: dict[str, float] = {}
REAUTH_RETRY_SECONDS = 3600
_CHALLENGE_ANSWERS = (CONF_ACCOUNT_PIN,)


class SchoolPortalConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a school portal login."""

    # 2: unique ids name the school and the account, not the server's host.
    VERSION = 2
    MINOR_VERSION = 1

    # A login that waits for the answer to a second factor: its settings,
    # the entry it renews, and whether its pupils must match the entry's.
    _pending: dict[str, Any] | None = None
    _pending_entry: SchoolPortalConfigEntry | None = None
    _pending_check_pupils = False

    async def _async_login(
        self, data: dict[str, Any], *, secret: str = "base"
    ) -> tuple[Account | None, dict[str, str]]:
        """Try the login; return the account or the form's errors.

        Errors name the field they are about (``secret`` for refused
        credentials) where the portal tells them apart. A second factor the
        portal demands passes through as `TwoFactorRequired`, with the session
        it opened kept in ``data``.
        """
        data[CONF_SERVER] = str(data[CONF_SERVER]).strip().rstrip("/")
        session = portal_session(self.hass, auto_cleanup=False)
        try:
            account, error = await self._async_login_with(session, data)
        finally:
            # The connector is Home Assistant's: detach, never close.
            session.detach()
        if error is None:
            return account, {}
        fields = {
            "unknown_school": CONF_SCHOOL,
            # A QR code stands for the server too.
            "invalid_server": secret if secret in _QR_SCHEMAS else CONF_SERVER,
        }
        if error == "invalid_auth":
            error = _REFUSED.get(secret, error)
            # Webtop's refusal does not say whether the username or the
            # password was wrong: it stays at the top of the form.
            if data[CONF_PORTAL] != PORTAL_WEBTOP:
                fields[error] = secret
        return None, {fields.get(error, "base"): error}

    async def _async_login_with(
        self, session: ClientSession, data: dict[str, Any]
    ) -> tuple[Account | None, str | None]:
        try:
            client = create_client(
                data[CONF_PORTAL], session, data, dt_util.get_default_time_zone()
            )
        except ConfigurationError:
            return None, "invalid_server"
        try:
            account = await client.login()
        except TwoFactorRequired as err:
            if err.challenge.kind not in _CHALLENGE_STEPS:
                LOGGER.warning("The portal asks for a second factor of unknown kind")
                return None, "unknown"
            # A QR code is spent once the password step passed: the token it
            # gave is what the retry with the answer logs in with.
            _keep_session(data, client.session_state)
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
        _keep_session(data, client.session_state)
        return account, None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the portal."""
        return self.async_show_menu(
            step_id="user",
            menu_options=[PORTAL_WEBTOP, PORTAL_WEBUNTIS, PORTAL_PRONOTE],
        )

    async def async_step_webtop(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose how to log in to Webtop."""
        return self.async_show_menu(
            step_id="webtop", menu_options=["webtop_password", "webtop_token"]
        )

    async def async_step_webtop_password(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to Webtop with a username and password."""
        return await self._async_step_login(
            "webtop_password", PORTAL_WEBTOP, CONF_PASSWORD, user_input
        )

    async def async_step_webtop_token(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to Webtop with a token copied from the browser."""
        return await self._async_step_login(
            "webtop_token", PORTAL_WEBTOP, CONF_TOKEN, user_input
        )

    async def async_step_webuntis(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose how to log in to WebUntis."""
        return self.async_show_menu(
            step_id="webuntis",
            menu_options=["webuntis_password", "webuntis_secret", "webuntis_qr"],
        )

    async def async_step_webuntis_password(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to WebUntis with a username and password."""
        return await self._async_step_login(
            "webuntis_password", PORTAL_WEBUNTIS, CONF_PASSWORD, user_input
        )

    async def async_step_webuntis_secret(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to WebUntis with the app secret (one-time codes made here)."""
        return await self._async_step_login(
            "webuntis_secret", PORTAL_WEBUNTIS, CONF_SECRET, user_input
        )

    async def async_step_webuntis_qr(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to WebUntis with the link inside the app's QR code."""
        return await self._async_step_login(
            "webuntis_qr", PORTAL_WEBUNTIS, CONF_QR_LINK, user_input
        )

    async def async_step_pronote(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose how to log in to PRONOTE."""
        return self.async_show_menu(
            step_id="pronote", menu_options=["pronote_password", "pronote_qr"]
        )

    async def async_step_pronote_password(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to PRONOTE with a username and password."""
        return await self._async_step_login(
            "pronote_password", PORTAL_PRONOTE, CONF_PASSWORD, user_input
        )

    async def async_step_pronote_qr(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in to PRONOTE with a QR code and its PIN (ENT users)."""
        return await self._async_step_login(
            "pronote_qr", PORTAL_PRONOTE, CONF_QR_CODE, user_input
        )

    async def async_step_account_pin(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The portal asks for the account's PIN (its second factor)."""
        assert self._pending is not None
        entry = self._pending_entry
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**self._pending, CONF_ACCOUNT_PIN: user_input[CONF_ACCOUNT_PIN]}
            if entry is None:
                result, errors = await self._async_finish_login(
                    data, secret=CONF_ACCOUNT_PIN
                )
            else:
                result, errors = await self._async_store_login(
                    entry,
                    data,
                    secret=CONF_ACCOUNT_PIN,
                    check_pupils=self._pending_check_pupils,
                )
            if result is not None:
                return result
        fallback = entry.title if entry else PORTAL_NAMES[self._pending[CONF_PORTAL]]
        return self.async_show_form(
            step_id="account_pin",
            data_schema=vol.Schema({vol.Required(CONF_ACCOUNT_PIN): PASSWORD_SELECTOR}),
            description_placeholders={"login": _login_label(self._pending, fallback)},
            errors=errors,
        )

    async def _async_ask_challenge(
        self,
        challenge: TwoFactorRequired,
        data: dict[str, Any],
        entry: SchoolPortalConfigEntry | None = None,
        *,
        check_pupils: bool = False,
    ) -> ConfigFlowResult:
        """Show the step that answers the portal's second factor."""
        self._pending, self._pending_entry = data, entry
        self._pending_check_pupils = check_pupils
        step: Callable[[], Awaitable[ConfigFlowResult]] = getattr(
            self, f"async_step_{_CHALLENGE_STEPS[challenge.challenge.kind]}"
        )
        return await step()

    async def _async_step_login(
        self,
        step_id: str,
        portal: str,
        secret: str,
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        schema = _login_schema(secret, portal)
        if user_input is not None:
            try:
                data = {CONF_PORTAL: portal, **_from_qr(user_input)}
            except ConfigurationError:
                errors = {secret: "invalid_qr"}
            else:
                result, errors = await self._async_finish_login(data, secret=secret)
                if result is not None:
                    return result
            # Keep what was typed, except the secret.
            schema = self.add_suggested_values_to_schema(
                schema, {k: v for k, v in user_input.items() if k != secret}
            )
        return self.async_show_form(
            step_id=step_id, data_schema=schema, errors=_placed(errors, schema)
        )

    async def _async_finish_login(
        self, data: dict[str, Any], *, secret: str
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Log in; create the entry, or ask for the second factor the portal wants.

        The unique id is claimed only once the login worked: a flow that the
        user left with an error on its form (or at the PIN) blocks no other.
        """
        if (unique_id := entry_unique_id(data)) is not None and (
            self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        ):
            # Refused before touching the portal: Webtop keeps one session
            # per account, so a login here could end the entry's.
            return self.async_abort(reason="already_configured"), {}
        try:
            account, errors = await self._async_login(data, secret=secret)
        except TwoFactorRequired as challenge:
            return await self._async_ask_challenge(challenge, data), {}
        if account is None:
            return None, errors
        await self.async_set_unique_id(
            entry_unique_id(data) or f"{data[CONF_PORTAL]}_{account.id}",
            raise_on_progress=False,
        )
        self._abort_if_unique_id_configured()
        title = await async_entry_title(self.hass, data, account)
        return self.async_create_entry(title=title, data=data), {}

    async def _async_update_login(
        self,
        entry: SchoolPortalConfigEntry,
        user_input: dict[str, Any],
        *,
        secret: str = "base",
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Log in with changed settings; store them if it is the same account."""
        try:
            changes = _from_qr(user_input)
        except ConfigurationError:
            return None, {secret: "invalid_qr"}
        # New credentials, new session: the stored one may belong to the old
        # login, a new QR code replaces the token of the old one, and the
        # second factor is asked again (a changed PIN would refuse the login).
        dropped = {CONF_SESSION_TOKEN, *_CHALLENGE_ANSWERS}
        if CONF_QR_CODE in changes:
            dropped.add(CONF_TOKEN)
        data = {
            key: value
            for key, value in {**entry.data, **changes}.items()
            if key not in dropped
        }
        # A pasted token names its account only by the pupils it shows; every
        # other login names it by its username.
        return await self._async_store_login(
            entry, data, secret=secret, check_pupils=CONF_TOKEN in changes
        )

    async def _async_store_login(
        self,
        entry: SchoolPortalConfigEntry,
        data: dict[str, Any],
        *,
        secret: str = "base",
        check_pupils: bool = False,
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Log in; keep the settings in the entry if it is the same account."""
        try:
            account, errors = await self._async_login(data, secret=secret)
        except TwoFactorRequired as challenge:
            return await self._async_ask_challenge(
                challenge, data, entry, check_pupils=check_pupils
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
            entry, data=data, title=title or entry.title
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
        data = {
            key: value
            for key, value in entry.data.items()
            if key not in _CHALLENGE_ANSWERS
        }
        result, _errors = await self._async_store_login(entry, data)
        return result or await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for what the login uses: its password, app secret, token or QR code."""
        entry = self._get_reauth_entry()
        secret = _secret_key(entry.data)
        schema = _QR_SCHEMAS.get(
            secret, vol.Schema({vol.Required(secret): PASSWORD_SELECTOR})
        )
        return await self._async_step_update(
            "reauth_confirm",
            entry,
            user_input,
            schema,
            {"title": entry.title, "login": _login_label(entry.data, entry.title)},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the server or the login of an entry."""
        entry = self._get_reconfigure_entry()
        schema = self.add_suggested_values_to_schema(
            _login_schema(_secret_key(entry.data), entry.data[CONF_PORTAL]),
            {
                key: entry.data[key]
                for key in (CONF_SERVER, CONF_SCHOOL, CONF_USERNAME)
                if key in entry.data
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
            secret = next((key for key in user_input if key in _SECRET_KEYS), "base")
            result, errors = await self._async_update_login(
                entry, user_input, secret=secret
            )
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


class SchoolPortalOptionsFlow(OptionsFlow):
    """Polling, pupils and the school's time zone."""

    def _current_options(self) -> dict[str, Any]:
        """The options in force, defaults filled in (a new entry stores none)."""
        options = self.config_entry.options
        return {
            CONF_SCAN_INTERVAL: options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL),
            CONF_STUDENTS: list(options.get(CONF_STUDENTS, [])),
            CONF_TIME_ZONE: options.get(CONF_TIME_ZONE, self.hass.config.time_zone),
        }

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
