"""Config flow of School Portal: portal menu, login, reauth, reconfigure, options."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
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
from homeassistant.core import callback
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
from homeassistant.util import dt as dt_util
from yarl import URL

from .api import pronote, webuntis
from .api.client import create_client
from .api.errors import (
    AccountLocked,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    PortalUnavailable,
    RateLimited,
    TwoFactorRequired,
    UnknownSchool,
)
from .api.models import Account
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


def _unique_id(data: Mapping[str, Any], account_id: str) -> str:
    """One entry per account on one server of one portal."""
    server = data[CONF_SERVER]
    host = URL(server if "://" in server else f"https://{server}").host
    return f"{data[CONF_PORTAL]}_{host}_{account_id}"


def _title(data: Mapping[str, Any], account: Account) -> str:
    """Portal and school: a title free of names (titles end up in logs)."""
    portal: str = PORTAL_NAMES.get(data[CONF_PORTAL], data[CONF_PORTAL])
    if not account.school:
        return portal
    # Isolated, so that a right-to-left school name ending in a quote mark is
    # not reordered around the Latin portal name.
    return f"{portal} · \u2068{account.school}\u2069"


class SchoolPortalConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a school portal login."""

    VERSION = 1

    # A login that waits for the account's PIN: its settings and where it goes.
    _pending: dict[str, Any] | None = None
    _pending_entry: SchoolPortalConfigEntry | None = None

    async def _async_login(
        self,
        data: dict[str, Any],
        *,
        new_entry: bool = False,
        secret: str = "base",
    ) -> tuple[Account | None, dict[str, str]]:
        """Try the login; return the account or the form's errors.

        Errors name the field they are about (``secret`` for refused
        credentials) where the portal tells them apart.
        """
        data[CONF_SERVER] = str(data[CONF_SERVER]).strip().rstrip("/")
        session = portal_session(self.hass, auto_cleanup=False)
        try:
            account, error = await self._async_login_with(session, data, new_entry)
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
        # Webtop also refuses a right password (behind a reCAPTCHA): that is
        # no field's fault, so its refusal stays at the top of the form.
        if data[CONF_PORTAL] != PORTAL_WEBTOP:
            fields["invalid_auth"] = secret
        return None, {fields.get(error, "base"): error}

    async def _async_login_with(
        self, session: ClientSession, data: dict[str, Any], new_entry: bool
    ) -> tuple[Account | None, str | None]:
        try:
            client = create_client(
                data[CONF_PORTAL], session, data, dt_util.get_default_time_zone()
            )
        except ConfigurationError:
            return None, "invalid_server"
        if new_entry and (account_id := client.account_id):
            # Refuse a duplicate before touching the portal: Webtop keeps one
            # session per account, so a login here could end the entry's.
            await self.async_set_unique_id(_unique_id(data, account_id))
            self._abort_if_unique_id_configured()
        try:
            account = await client.login()
        except TwoFactorRequired:
            # A QR code is spent once the password step passed: the token it
            # gave is what the retry with the PIN logs in with.
            _keep_session(data, client.session_state)
            return None, "pin_required"
        except AccountLocked:
            return None, "account_locked"
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
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**self._pending, CONF_ACCOUNT_PIN: user_input[CONF_ACCOUNT_PIN]}
            entry = self._pending_entry
            if entry is None:
                result, errors = await self._async_finish_login(
                    data, secret=CONF_ACCOUNT_PIN
                )
            else:
                result, errors = await self._async_update_login(
                    entry, data, secret=CONF_ACCOUNT_PIN
                )
            if result is not None:
                return result
            if errors.get(CONF_ACCOUNT_PIN) == "invalid_auth":
                errors = {CONF_ACCOUNT_PIN: "invalid_pin"}
        return self.async_show_form(
            step_id="account_pin",
            data_schema=vol.Schema({vol.Required(CONF_ACCOUNT_PIN): PASSWORD_SELECTOR}),
            errors=errors,
        )

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
        """Log in; create the entry, or ask for the PIN the portal wants."""
        account, errors = await self._async_login(data, new_entry=True, secret=secret)
        if errors.get("base") == "pin_required":
            self._pending, self._pending_entry = data, None
            return await self.async_step_account_pin(), {}
        if account is None:
            return None, errors
        await self.async_set_unique_id(_unique_id(data, account.id))
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=_title(data, account), data=data), {}

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
        # login, and a new QR code replaces the token of the old one.
        dropped = {CONF_SESSION_TOKEN}
        if CONF_QR_CODE in changes:
            dropped.add(CONF_TOKEN)
        data = {
            key: value
            for key, value in {**entry.data, **changes}.items()
            if key not in dropped
        }
        account, errors = await self._async_login(data, secret=secret)
        if errors.get("base") == "pin_required":
            self._pending, self._pending_entry = data, entry
            return await self.async_step_account_pin(), {}
        if account is None:
            return None, errors
        await self.async_set_unique_id(_unique_id(data, account.id))
        self._abort_if_unique_id_mismatch(reason="wrong_account")
        if not self._same_pupils(entry, account):
            # A pasted token names its account only by the pupils it shows.
            return self.async_abort(reason="wrong_account"), {}
        # Everything the login settled: the new secret, the normalized server
        # address and the session it opened.
        return self.async_update_reload_and_abort(entry, data=data), {}

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
        """The portal refused the stored login."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new password or token."""
        entry = self._get_reauth_entry()
        secret = _secret_key(entry.data)
        schema = _QR_SCHEMAS.get(
            secret, vol.Schema({vol.Required(secret): PASSWORD_SELECTOR})
        )
        return await self._async_step_update(
            "reauth_confirm", entry, user_input, schema, {"title": entry.title}
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
            # Store first, then reload: the reload must see the new options.
            self.hass.config_entries.async_update_entry(entry, options=options)
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data=options)

        zones = await self.hass.async_add_executor_job(zoneinfo.available_timezones)
        selected = entry.options.get(CONF_STUDENTS) or [s.id for s in students]
        if user_input is not None:
            selected = user_input[CONF_STUDENTS]
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SCAN_INTERVAL,
                    default=entry.options.get(
                        CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL
                    ),
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
                    CONF_TIME_ZONE,
                    default=entry.options.get(
                        CONF_TIME_ZONE, self.hass.config.time_zone
                    ),
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=sorted(zones), mode=SelectSelectorMode.DROPDOWN
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)
