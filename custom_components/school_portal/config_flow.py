"""Config flow of School Portal: portal menu, login, reauth, reconfigure, options."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
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

from .api.client import create_client
from .api.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    PortalUnavailable,
    RateLimited,
)
from .api.models import Account
from .const import (
    CONF_PORTAL,
    CONF_SERVER,
    CONF_SESSION_TOKEN,
    CONF_STUDENTS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    PORTAL_NAMES,
    PORTAL_WEBTOP,
    WEBTOP_DEFAULT_SERVER,
)
from .coordinator import SchoolPortalConfigEntry, portal_session

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
USERNAME_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username")
)


def _login_schema(secret: str) -> vol.Schema:
    """Server, username and the secret of one login mode."""
    return vol.Schema(
        {
            vol.Required(CONF_SERVER, default=WEBTOP_DEFAULT_SERVER): URL_SELECTOR,
            vol.Required(CONF_USERNAME): USERNAME_SELECTOR,
            vol.Required(secret): PASSWORD_SELECTOR,
        }
    )


def _secret_key(data: Mapping[str, Any]) -> str:
    """The secret an entry logs in with: a password or a pasted token."""
    return CONF_PASSWORD if data.get(CONF_PASSWORD) else CONF_TOKEN


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

    async def _async_login(
        self, data: dict[str, Any], *, new_entry: bool = False
    ) -> tuple[Account | None, dict[str, str]]:
        """Try the login; return the account or the form's errors."""
        data[CONF_SERVER] = str(data[CONF_SERVER]).strip().rstrip("/")
        session = portal_session(self.hass, auto_cleanup=False)
        try:
            return await self._async_login_with(session, data, new_entry)
        finally:
            # The connector is Home Assistant's: detach, never close.
            session.detach()

    async def _async_login_with(
        self, session: ClientSession, data: dict[str, Any], new_entry: bool
    ) -> tuple[Account | None, dict[str, str]]:
        try:
            client = create_client(
                data[CONF_PORTAL], session, data, dt_util.get_default_time_zone()
            )
        except ConfigurationError:
            return None, {CONF_SERVER: "invalid_server"}
        if new_entry and (account_id := client.account_id):
            # Refuse a duplicate before touching the portal: Webtop keeps one
            # session per account, so a login here could end the entry's.
            await self.async_set_unique_id(_unique_id(data, account_id))
            self._abort_if_unique_id_configured()
        try:
            account = await client.login()
        except AuthenticationError:
            return None, {"base": "invalid_auth"}
        except (ConnectionFailed, PortalUnavailable, RateLimited):
            return None, {"base": "cannot_connect"}
        except Exception:
            LOGGER.exception("Unexpected error while logging in")
            return None, {"base": "unknown"}
        finally:
            await client.close()
        # The session just opened serves the entry too: no second login.
        data.update(client.session_state)
        return account, {}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the portal."""
        return self.async_show_menu(step_id="user", menu_options=[PORTAL_WEBTOP])

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

    async def _async_step_login(
        self,
        step_id: str,
        portal: str,
        secret: str,
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        schema = _login_schema(secret)
        if user_input is not None:
            data = {CONF_PORTAL: portal, **user_input}
            account, errors = await self._async_login(data, new_entry=True)
            if account is not None:
                await self.async_set_unique_id(_unique_id(data, account.id))
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=_title(data, account), data=data)
            # Keep what was typed, except the secret.
            schema = self.add_suggested_values_to_schema(
                schema, {k: v for k, v in user_input.items() if k != secret}
            )
        return self.async_show_form(step_id=step_id, data_schema=schema, errors=errors)

    async def _async_update_login(
        self, entry: SchoolPortalConfigEntry, user_input: dict[str, Any]
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Log in with changed settings; store them if it is the same account."""
        # New credentials, new session: the stored one may belong to the old login.
        data = {
            key: value
            for key, value in {**entry.data, **user_input}.items()
            if key != CONF_SESSION_TOKEN
        }
        account, errors = await self._async_login(data)
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
        return await self._async_step_update(
            "reauth_confirm",
            entry,
            user_input,
            vol.Schema({vol.Required(_secret_key(entry.data)): PASSWORD_SELECTOR}),
            {"title": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the server or the login of an entry."""
        entry = self._get_reconfigure_entry()
        schema = self.add_suggested_values_to_schema(
            _login_schema(_secret_key(entry.data)),
            {
                CONF_SERVER: entry.data[CONF_SERVER],
                CONF_USERNAME: entry.data[CONF_USERNAME],
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
            errors=errors,
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
