"""Bring a development Home Assistant to a usable state over its HTTP API.

Called by scripts/develop once the sandbox and Home Assistant are started:
waits for both, completes onboarding (user dev / dev) unless already done, and
adds one School Portal entry per sandbox account. Running it again changes
nothing: onboarding steps already done are skipped, and accounts that are
already configured make the config flow abort.

The flow is walked as the portals declare it: the portal's menu option, its
first login method the sandbox account fits, then every form filled from the
account's values (the login, and a second factor's answer where asked).
Only 127.0.0.1 is contacted. Run from the project's root as
``python -m scripts.develop_bootstrap``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from scripts.sandbox_logins import login_method, values

HOST = "127.0.0.1"
USERNAME = "dev"
PASSWORD = "dev"  # a throwaway login that only exists on this machine
DOMAIN = "school_portal"
ONBOARDING_STEPS = ("user", "core_config", "analytics", "integration")
# Integrations onboarding sets up that need the internet or ffmpeg.
ONBOARDING_EXTRAS = {"google_translate", "met", "radio_browser"}
# A flow that keeps asking is not going anywhere.
MAX_STEPS = 10


class BootstrapError(Exception):
    """Something the developer has to look at."""


class HomeAssistant:
    """A tiny client for the parts of HA's HTTP API this script needs."""

    def __init__(self, port: int) -> None:
        self.base = f"http://{HOST}:{port}"
        self.client_id = f"{self.base}/"
        self.token: str | None = None

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        form: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> tuple[int, Any]:
        """Send one request; return the status and the decoded JSON body."""
        headers = {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        if status not in ok:
            raise BootstrapError(f"{method} {path} answered {status}: {payload}")
        return status, payload

    def exchange_code(self, code: str) -> None:
        """Trade an authorization code for an access token."""
        _, tokens = self.request(
            "POST",
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        self.token = tokens["access_token"]

    def log_in(self) -> None:
        """Log in as the development user through the login flow."""
        _, flow = self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.base}/?auth_callback=1",
            },
        )
        _, result = self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"username": USERNAME, "password": PASSWORD, "client_id": self.client_id},
        )
        if result.get("type") != "create_entry":
            raise BootstrapError(
                f"cannot log in as {USERNAME!r}: {result.get('errors')}. "
                "This config/ was onboarded with another user; delete config/.storage "
                "to start over."
            )
        self.exchange_code(result["result"])


def port_open(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def alive(pid: int | None) -> bool:
    """Whether the process we wait for still runs."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(
    what: str, ready: Any, timeout: float, pid: int | None, hint: str = ""
) -> None:
    """Poll ready() until it is true, the process died, or time ran out."""
    deadline = time.monotonic() + timeout
    announced = False
    while not ready():
        if not alive(pid):
            raise BootstrapError(f"{what} stopped while starting. {hint}".strip())
        if time.monotonic() > deadline:
            raise BootstrapError(f"{what} not ready after {timeout:.0f} s. {hint}")
        if not announced:
            print(f"==> Waiting for {what}...", flush=True)
            announced = True
        time.sleep(1)


def onboarding_status(ha: HomeAssistant) -> dict[str, bool] | None:
    """Onboarding steps and whether each is done; None while HA is starting."""
    try:
        status, steps = ha.request("GET", "/api/onboarding", ok=(200, 404))
    except (BootstrapError, OSError):
        return None
    if status == 404:
        # HA only serves the onboarding views until onboarding is complete.
        return dict.fromkeys(ONBOARDING_STEPS, True)
    return {step["step"]: step["done"] for step in steps}


def onboard(ha: HomeAssistant, status: dict[str, bool]) -> None:
    """Finish whatever onboarding steps are still open."""
    if not status.get("user"):
        print("==> Onboarding: creating user dev", flush=True)
        _, result = ha.request(
            "POST",
            "/api/onboarding/users",
            {
                "name": "Developer",
                "username": USERNAME,
                "password": PASSWORD,
                "client_id": ha.client_id,
                "language": "en",
            },
        )
        ha.exchange_code(result["auth_code"])
    else:
        ha.log_in()
        if all(status.values()):
            print("==> Home Assistant already onboarded", flush=True)
    if not status.get("core_config"):
        ha.request("POST", "/api/onboarding/core_config", {})
        remove_onboarding_extras(ha)
    if not status.get("analytics"):
        ha.request("POST", "/api/onboarding/analytics", {})
    if not status.get("integration"):
        ha.request(
            "POST",
            "/api/onboarding/integration",
            {"client_id": ha.client_id, "redirect_uri": f"{ha.base}/?auth_callback=1"},
        )


def remove_onboarding_extras(ha: HomeAssistant) -> None:
    """Remove the entries onboarding adds that only fail offline (log noise)."""
    # Onboarding starts their flows in the background: give them a moment.
    deadline = time.monotonic() + 15
    removed: set[str] = set()
    while removed != ONBOARDING_EXTRAS and time.monotonic() < deadline:
        time.sleep(1)
        _, entries = ha.request("GET", "/api/config/config_entries/entry")
        for entry in entries:
            if entry["domain"] in ONBOARDING_EXTRAS:
                ha.request(
                    "DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}"
                )
                removed.add(entry["domain"])


def menu_choices(account: dict[str, Any]) -> list[str]:
    """The menu options that lead to the account's login form.

    The portal menu offers the portal's key; a portal's method menu offers
    ``{portal}_{method}``, the method being the first the account fits.
    """
    method = login_method(account)
    assert method is not None  # sandbox_accounts() keeps only those that fit
    return [account["portal"], f"{account['portal']}_{method.key}"]


def answers(account: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    """What a form asks, from the account: its login fields or a challenge's answer."""
    typed = values(account)
    fields = step.get("data_schema") or []
    # A field with a default (an optional scope) is left to its default.
    missing = [
        f["name"]
        for f in fields
        if f.get("required") and f["name"] not in typed and "default" not in f
    ]
    if missing:
        raise BootstrapError(
            f"step {step.get('step_id')!r} asks for {missing}, which the sandbox "
            "does not list for this account"
        )
    return {f["name"]: typed[f["name"]] for f in fields if f["name"] in typed}


def add_account(ha: HomeAssistant, account: dict[str, Any]) -> str:
    """Run the config flow for one sandbox account; say what happened."""
    _, step = ha.request(
        "POST",
        "/api/config/config_entries/flow",
        # No "show_advanced_options": deprecated in HA 2026.6 (gone in 2027.6),
        # and the flow has no advanced fields.
        {"handler": DOMAIN},
    )
    choices = menu_choices(account)
    for _ in range(MAX_STEPS):
        kind = step.get("type")
        if kind == "create_entry":
            return f"added ({step.get('title')})"
        if kind == "abort":
            reason = step.get("reason")
            if reason == "already_configured":
                return "already configured"
            raise BootstrapError(f"config flow aborted: {reason}")
        offered = step.get("menu_options") or []
        if kind == "menu" and (chosen := [c for c in choices if c in offered]):
            data: dict[str, Any] = {"next_step_id": chosen[0]}
        elif kind == "form" and not step.get("errors"):
            data = answers(account, step)
        else:
            where = f"{kind} {step.get('step_id')!r}"
            errors = step.get("errors")
            raise abandoned(
                ha,
                step,
                f"{where} refused: {errors}" if errors else f"unexpected {where}",
            )
        _, step = ha.request(
            "POST", f"/api/config/config_entries/flow/{step['flow_id']}", data
        )
    raise abandoned(ha, step, f"no entry after {MAX_STEPS} steps")


def abandoned(ha: HomeAssistant, step: dict[str, Any], why: str) -> BootstrapError:
    """Drop a flow that went astray (the next run starts afresh); the error to raise."""
    ha.request("DELETE", f"/api/config/config_entries/flow/{step['flow_id']}")
    return BootstrapError(f"{why}; flow abandoned")


def sandbox_accounts(port: int) -> list[dict[str, Any]]:
    """The sandbox's logins a declared login method fits."""
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "accounts", "--port", str(port)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [acc for acc in json.loads(out) if login_method(acc) is not None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ha-port", type=int, default=8123)
    parser.add_argument("--sandbox-port", type=int, default=8765)
    parser.add_argument("--ha-pid", type=int, help="give up waiting if it exits")
    parser.add_argument("--sandbox-pid", type=int)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    ha = HomeAssistant(args.ha_port)
    try:
        wait_for(
            f"the sandbox on port {args.sandbox_port}",
            lambda: port_open(args.sandbox_port),
            60,
            args.sandbox_pid,
            "See config/sandbox.log.",
        )
        status: dict[str, bool] | None = None

        def ha_ready() -> bool:
            nonlocal status
            status = onboarding_status(ha)
            return status is not None

        wait_for(
            f"Home Assistant on port {args.ha_port} (the first start installs "
            "the frontend, about a minute)",
            ha_ready,
            args.timeout,
            args.ha_pid,
            "See config/home-assistant.log.",
        )
        assert status is not None
        onboard(ha, status)
        failed = False
        for account in sandbox_accounts(args.sandbox_port):
            try:
                outcome = add_account(ha, account)
            except BootstrapError as err:
                outcome = f"FAILED: {err}"
                failed = True
            print(
                f"==> School Portal entry for {account['portal']} "
                f"{account['username']}: {outcome}",
                flush=True,
            )
    except BootstrapError as err:
        print(f"develop: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
