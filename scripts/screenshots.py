"""Take the README's screenshots from the real frontend of scripts/develop.

Reuses a development Home Assistant already answering on the port, or starts
scripts/develop (and stops it again afterwards). Logs in as the development
user, adds a dashboard with the school-day card, then drives headless
Chromium over the DevTools protocol: the browser gets the login's tokens the
way the frontend keeps them, opens each page, waits until it shows what it is
for, and saves a PNG under docs/screenshots/. Only 127.0.0.1 is contacted.
Run from the project's root as ``python -m scripts.screenshots``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from scripts.develop_bootstrap import (
    DOMAIN,
    HOST,
    BootstrapError,
    HomeAssistant,
    port_open,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
DASHBOARD = "school-day"
CARD = "custom:school-day-card"
WIDTH, HEIGHT = 1280, 860
# The card shows these many pupils, those with the most changes first.
PUPILS_SHOWN = 2
# How the calendar marks lessons in English (calendar.py: the description's
# first paragraph), for picking pupils whose day shows marks.
MARKED = ("Cancelled", "Changed")
# The development config's time zone: the browser shows times as HA does.
TIME_ZONE = "Asia/Jerusalem"
# How long Home Assistant's access tokens last.
LOGIN_SECONDS = 1800
# Finding an element anywhere, shadow roots included (the frontend is made of them).
DEEP_FIND = """
(selector) => {
  const find = (root) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) {
        const inner = find(el.shadowRoot);
        if (inner) return inner;
      }
    }
    return null;
  };
  return find(document);
}
"""


@dataclass(frozen=True)
class Shot:
    """One screenshot: where to go and what shows that the page is ready."""

    name: str
    path: str
    ready: str  # a selector found anywhere in the page's shadow trees
    language: str = "en"
    # More of the frontend's localStorage settings (key, JSON value).
    storage: tuple[tuple[str, Any], ...] = ()
    # Then click this (inside the first selector's shadow root) and wait for
    # that: the confirmation before a config flow's first step.
    click: str | None = None
    then_ready: str | None = None


def shown(path: Path) -> Path:
    """A path as the developer reads it: from the project's root when inside."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


class Session(HomeAssistant):
    """The development login, as the screenshots need it."""

    def render(self, expression: str) -> Any:
        """A template expression's value."""
        # Wrapped in an object: request() decodes JSON, a bare string is not.
        template = f'{{{{ {{"value": {expression}}} | tojson }}}}'
        _, answer = self.request("POST", "/api/template", {"template": template})
        return answer["value"]

    def browser_tokens(self) -> dict[str, Any]:
        """The login as the frontend keeps it in localStorage.hassTokens.

        Without a refresh token: an access token lasts 30 minutes, far longer
        than the screenshots take.
        """
        return {
            "access_token": self.token,
            "token_type": "Bearer",
            "expires_in": LOGIN_SECONDS,
            "refresh_token": "",
            "hassUrl": self.base,
            "clientId": self.client_id,
            "expires": int(time.time() * 1000) + LOGIN_SECONDS * 1000,
        }


def marks_on_next_day(ha: Session, calendar: str) -> int:
    """How many lessons the card marks for the day it shows (as the card picks it)."""
    now = datetime.now(UTC)
    _, events = ha.request(
        "GET",
        f"/api/calendars/{calendar}?start={now.isoformat()}"
        f"&end={(now + timedelta(days=8)).isoformat()}".replace("+", "%2B"),
    )
    timed = [e for e in events if "dateTime" in e["start"]]
    # Times come in Home Assistant's time zone: the date is the local day.
    days = sorted(
        e["start"]["dateTime"][:10]
        for e in timed
        if datetime.fromisoformat(e["end"]["dateTime"]) > now
    )
    if not days:
        return 0
    return sum(
        1
        for e in timed
        if e["start"]["dateTime"][:10] == days[0]
        and (e.get("description") or "").startswith(MARKED)
    )


def shots(ha: Session) -> tuple[list[Shot], list[str]]:
    """The pages to take and the pupils (devices) the card shows.

    Found by integration and entity kind, not by name: the pupil whose shown
    day has the most marked lessons is the one of the device page, the
    calendar and the to-do list.
    """
    entities: list[str] = ha.render(f"integration_entities('{DOMAIN}') | sort | list")
    calendars = [e for e in entities if e.startswith("calendar.")]
    if not calendars:
        raise BootstrapError(
            "no School Portal calendar: did scripts/develop add its entries?"
        )
    ranked = sorted(calendars, key=lambda c: (-marks_on_next_day(ha, c), c))
    devices: list[str] = []
    names: set[str] = set()
    for calendar in ranked:
        device = ha.render(f"device_id('{calendar}')")
        # The same pupil is on every portal of the sandbox: show two of them.
        name = ha.render(f"device_attr('{device}', 'name')")
        if device not in devices and name not in names:
            devices.append(device)
            names.add(name)
    todo = ha.render(
        f"device_entities('{devices[0]}') | select('match', 'todo[.]') | first"
    )
    return [
        Shot(
            "integration",
            f"/config/integrations/integration/{DOMAIN}",
            "ha-config-integration-page",
        ),
        Shot("device", f"/config/devices/device/{devices[0]}", "ha-device-info-card"),
        # Only the pupil's timetable: all of them would fill every day.
        Shot(
            "calendar",
            "/calendar",
            ".fc-daygrid-event",
            storage=(("deSelectedCalendars", ranked[1:]),),
        ),
        Shot("todo", f"/todo?entity_id={todo}", "ha-check-list-item"),
        Shot("card", f"/{DASHBOARD}/0", "school-day-card .pupil"),
        Shot("card-he", f"/{DASHBOARD}/0", "school-day-card .pupil", language="he"),
        Shot(
            "config-flow",
            f"/config/integrations/dashboard/add?domain={DOMAIN}",
            "dialog-box",
            click="dialog-box [dialoginitialfocus]",
            then_ready="step-flow-menu",
        ),
    ], devices[:PUPILS_SHOWN]


class Websocket:
    """Home Assistant's websocket API, for the dashboard that shows the card."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one command; its answer."""
        message_id = next(self.ids)
        await self.ws.send_json({**message, "id": message_id})
        while True:
            answer = await self.ws.receive_json()
            if answer.get("id") == message_id:
                return dict(answer)


@asynccontextmanager
async def ha_websocket(
    session: aiohttp.ClientSession, ha: Session
) -> AsyncIterator[Websocket]:
    """Home Assistant's websocket, logged in."""
    url = ha.base.replace("http://", "ws://") + "/api/websocket"
    async with session.ws_connect(url) as raw:
        await raw.receive_json()  # auth_required
        await raw.send_json({"type": "auth", "access_token": ha.token})
        if (await raw.receive_json()).get("type") != "auth_ok":
            raise BootstrapError("the websocket refused the development login")
        yield Websocket(raw)


async def flow_ids(ws: Websocket) -> set[str]:
    """The School Portal config flows in progress now."""
    flows = await ws.call({"type": "config_entries/flow/progress"})
    return {
        flow["flow_id"]
        for flow in flows.get("result", [])
        if flow.get("handler") == DOMAIN
    }


async def add_dashboard(ws: Websocket, devices: list[str]) -> None:
    """A dashboard with the card for some pupils (its view made again on every run)."""
    dashboards = await ws.call({"type": "lovelace/dashboards/list"})
    if not any(d["url_path"] == DASHBOARD for d in dashboards.get("result", [])):
        created = await ws.call(
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD,
                "title": "School day",
                "icon": "mdi:school",
                "mode": "storage",
                "show_in_sidebar": True,
                "require_admin": False,
            }
        )
        if not created.get("success"):
            raise BootstrapError(f"cannot add the dashboard: {created.get('error')}")
    saved = await ws.call(
        {
            "type": "lovelace/config/save",
            "url_path": DASHBOARD,
            "config": {
                "views": [
                    {
                        "title": "School day",
                        "cards": [{"type": CARD, "device_id": d} for d in devices],
                    }
                ]
            },
        }
    )
    if not saved.get("success"):
        raise BootstrapError(f"cannot save the dashboard: {saved.get('error')}")


class Browser:
    """One headless Chromium page, driven over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One protocol command; its result (events in between are ignored)."""
        message_id = next(self.ids)
        await self.ws.send_json({"id": message_id, "method": method, "params": params})
        while True:
            answer = await self.ws.receive_json()
            if answer.get("id") == message_id:
                if "error" in answer:
                    raise BootstrapError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value in the page."""
        result = await self.send(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        return result.get("result", {}).get("value")

    @staticmethod
    def probe(selector: str) -> str:
        """JavaScript finding an element; "a b" is b inside a's shadow root."""
        outer, _, inner = selector.partition(" ")
        probe = f"(({DEEP_FIND})({json.dumps(outer)}))"
        if inner:
            probe = f"({probe}?.shadowRoot?.querySelector({json.dumps(inner)}))"
        return probe

    async def wait_for(self, selector: str, timeout: float = 60) -> None:
        """Until the selector (space: inside the first one's shadow root) shows."""
        deadline = time.monotonic() + timeout
        while not await self.evaluate(f"!!{self.probe(selector)}"):
            if time.monotonic() > deadline:
                raise BootstrapError(f"{selector!r} did not show in {timeout:.0f} s")
            await asyncio.sleep(0.5)

    async def screenshot(self, path: Path) -> None:
        """Save what the page shows now."""
        result = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(result["data"]))


def chromium_args(profile: str) -> list[str]:
    """Headless Chromium on a fresh profile, reachable over DevTools only locally."""
    args = [
        CHROMIUM,
        "--headless=new",
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{HEIGHT}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-gpu",
        "--disable-extensions",
        "--hide-scrollbars",
        "--lang=en-US",
        "about:blank",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to run as root with its sandbox.
        args.insert(1, "--no-sandbox")
    return args


@contextmanager
def chromium() -> Iterator[int]:
    """A headless Chromium, stopped when done; its DevTools port."""
    # Its helpers may still be closing files in the profile as it is removed:
    # a leftover in the temporary directory is no failure.
    with tempfile.TemporaryDirectory(
        prefix="school-portal-chromium-", ignore_cleanup_errors=True
    ) as profile:
        process = subprocess.Popen(
            chromium_args(profile),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            wait_for(
                "Chromium",
                port_file.exists,
                60,
                process.pid,
                f"Is {CHROMIUM} a working Chromium?",
            )
            yield int(port_file.read_text().split()[0])
        finally:
            # The whole session (renderer, GPU and utility processes write to
            # the profile too), not only the browser process.
            _signal_group(process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(10)
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()


def _signal_group(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


@asynccontextmanager
async def page(session: aiohttp.ClientSession, port: int) -> AsyncIterator[Browser]:
    """Chromium's page, over the DevTools protocol."""
    async with session.get(f"http://{HOST}:{port}/json/list") as response:
        targets = await response.json()
    target = next(t for t in targets if t["type"] == "page")
    async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
        yield Browser(ws)


async def take(
    browser: Browser, ha: Session, todo: Iterable[Shot], out: Path
) -> list[Path]:
    """Open each page logged in and save it; the files written."""
    await browser.send("Page.enable")
    await browser.send(
        "Emulation.setDeviceMetricsOverride",
        width=WIDTH,
        height=HEIGHT,
        deviceScaleFactor=1,
        mobile=False,
    )
    await browser.send("Emulation.setTimezoneOverride", timezoneId=TIME_ZONE)
    tokens = json.dumps(json.dumps(ha.browser_tokens()))
    written = []
    for shot in todo:
        # Before the frontend's own scripts: it finds itself logged in and in
        # the shot's language.
        settings = {"selectedLanguage": shot.language, **dict(shot.storage)}
        script = await browser.send(
            "Page.addScriptToEvaluateOnNewDocument",
            source=f"localStorage.setItem('hassTokens', {tokens});"
            + "".join(
                f"localStorage.setItem({json.dumps(k)}, {json.dumps(json.dumps(v))});"
                for k, v in settings.items()
            ),
        )
        await browser.send("Page.navigate", url=ha.base + shot.path)
        await browser.wait_for(shot.ready)
        if shot.click:
            await browser.evaluate(f"{browser.probe(shot.click)}.click()")
            await browser.wait_for(shot.then_ready or shot.ready)
        # Fonts, icons and the last data arrive just after the first paint.
        await asyncio.sleep(3)
        path = out / f"{shot.name}.png"
        await browser.screenshot(path)
        written.append(path)
        print(f"==> {shown(path)}", flush=True)
        await browser.send(
            "Page.removeScriptToEvaluateOnNewDocument", identifier=script["identifier"]
        )
    return written


@contextmanager
def development_ha(port: int, sandbox_port: int) -> Iterator[None]:
    """Home Assistant of scripts/develop: the one running, or one started for us."""
    if port_open(port):
        print(f"==> Using the Home Assistant on port {port}", flush=True)
        yield
        return
    log = ROOT / "config" / "screenshots-develop.log"
    log.parent.mkdir(exist_ok=True)
    print(f"==> Starting scripts/develop (log: {log.relative_to(ROOT)})", flush=True)
    with log.open("w") as output:
        develop = subprocess.Popen(
            [str(ROOT / "scripts" / "develop")],
            env={**os.environ, "HA_PORT": str(port), "SANDBOX_PORT": str(sandbox_port)},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # scripts/develop prints this once its bootstrap added every entry.
        wait_for(
            "scripts/develop",
            lambda: "Press Ctrl-C" in log.read_text(errors="replace"),
            900,
            develop.pid,
            f"See {log.relative_to(ROOT)}.",
        )
        yield
    finally:
        # Its own trap stops Home Assistant and the sandbox.
        with suppress(ProcessLookupError):
            os.killpg(develop.pid, signal.SIGTERM)
        try:
            develop.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(develop.pid, signal.SIGKILL)
            develop.wait()


async def drive(
    ha: Session, devtools: int, todo: list[Shot], devices: list[str], out: Path
) -> None:
    """The dashboard, then every page in the browser."""
    async with aiohttp.ClientSession() as session:
        async with ha_websocket(session, ha) as ws:
            await add_dashboard(ws, devices)
            before = await flow_ids(ws)
        try:
            async with page(session, devtools) as browser:
                await take(browser, ha, todo, out)
        finally:
            # The config-flow screenshot started one: it goes again.
            async with ha_websocket(session, ha) as ws:
                started = await flow_ids(ws) - before
            for flow_id in started:
                ha.request("DELETE", f"/api/config/config_entries/flow/{flow_id}")


def screenshots(port: int, sandbox_port: int, out: Path, only: set[str]) -> None:
    """Everything, in order."""
    with development_ha(port, sandbox_port):
        ha = Session(port)
        ha.log_in()
        every, devices = shots(ha)
        todo = [shot for shot in every if not only or shot.name in only]
        out.mkdir(parents=True, exist_ok=True)
        with chromium() as devtools:
            asyncio.run(drive(ha, devtools, todo, devices, out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ha-port", type=int, default=int(os.environ.get("HA_PORT", 8123))
    )
    parser.add_argument(
        "--sandbox-port", type=int, default=int(os.environ.get("SANDBOX_PORT", 8765))
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("only", nargs="*", help="take only these (by file name)")
    args = parser.parse_args()
    if not shutil.which(CHROMIUM):
        print(f"screenshots: {CHROMIUM} is missing; install Chromium.", file=sys.stderr)
        return 1
    try:
        screenshots(args.ha_port, args.sandbox_port, args.out, set(args.only))
    except BootstrapError as err:
        print(f"screenshots: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
