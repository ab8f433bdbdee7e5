"""scripts/screenshots: the card in headless Chromium, and the README's screenshots."""

from __future__ import annotations

import asyncio
import os
import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from custom_components.school_portal.frontend import CARD_FILE
from scripts import screenshots
from scripts.develop_bootstrap import port_open

PAGE = Path(__file__).parent / "card_page" / "index.html"
PNG = b"\x89PNG\r\n\x1a\n"
HA_PORT = int(os.environ.get("HA_PORT", "8123"))

needs_chromium = pytest.mark.skipif(
    shutil.which(screenshots.CHROMIUM) is None,
    reason=f"{screenshots.CHROMIUM} is missing: the card is not tried in a browser",
)


def test_probe_looks_into_shadow_roots() -> None:
    """ "a b" finds a anywhere, then b in a's shadow root."""
    probe = screenshots.Browser.probe("school-day-card .pupil")
    assert '"school-day-card"' in probe
    assert 'shadowRoot?.querySelector(".pupil")' in probe
    assert "shadowRoot" not in screenshots.Browser.probe("ha-card").replace(
        screenshots.DEEP_FIND.strip(), ""
    )


def test_chromium_runs_headless_and_local() -> None:
    """The browser listens for DevTools on 127.0.0.1 only, on a fresh profile."""
    args = screenshots.chromium_args("/tmp/profile")
    assert "--headless=new" in args
    assert "--remote-debugging-address=127.0.0.1" in args
    assert "--user-data-dir=/tmp/profile" in args


async def card_page(_: web.Request) -> web.FileResponse:
    """The page that shows the card."""
    return web.FileResponse(PAGE)


async def card_module(_: web.Request) -> web.FileResponse:
    """The card, as the integration serves it."""
    return web.FileResponse(CARD_FILE, headers={"Content-Type": "text/javascript"})


async def card_server() -> TestServer:
    """The card's page and the card itself."""
    app = web.Application()
    app.router.add_get("/", card_page)
    app.router.add_get("/card.js", card_module)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@needs_chromium
@pytest.mark.parametrize(
    ("language", "direction", "cancelled", "unread"),
    [("en", "ltr", "Cancelled", "2 unread"), ("he", "rtl", "בוטל", "2 שלא נקראו")],
)
async def test_card_in_chromium(
    socket_enabled: None,
    tmp_path: Path,
    language: str,
    direction: str,
    cancelled: str,
    unread: str,
) -> None:
    """The card draws tomorrow's lessons in order with their marks, in a real browser."""
    server = await card_server()
    try:
        with ExitStack() as stack:
            devtools = await asyncio.to_thread(
                stack.enter_context, screenshots.chromium()
            )
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    screenshots.page(session, devtools) as browser,
                ):
                    await browser.send("Page.enable")
                    await browser.send(
                        "Page.navigate",
                        url=f"http://127.0.0.1:{server.port}/?lang={language}",
                    )
                    await browser.wait_for("school-day-card .pupil", timeout=30)
                    card: dict[str, Any] = await browser.evaluate(
                        """(() => {
                          const root = document.querySelector("school-day-card").shadowRoot;
                          const all = (s) => [...root.querySelectorAll(s)].map((e) => e.textContent.trim());
                          return {
                            dir: root.querySelector("ha-card").getAttribute("dir"),
                            subjects: all(".lesson .subject"),
                            marks: all(".mark"),
                            homework: all(".homework .subject"),
                            unread: all(".unread"),
                            calls: window.calls,
                          };
                        })()"""
                    )
                    await browser.screenshot(tmp_path / "card.png")
            finally:
                await asyncio.to_thread(stack.close)
    finally:
        await server.close()
    assert card["dir"] == direction
    assert card["subjects"] == ["Maths", "English", "Science"]
    assert card["marks"][0] == cancelled
    assert len(card["marks"]) == 2
    # Done homework is left out; the event entity sharing the key is not read.
    assert card["homework"] == ["History"]
    assert card["unread"] == [unread]
    assert sorted(card["calls"]) == [
        "GET calendars/calendar.noa_timetable",
        "frontend/get_translations selector",
        "todo/item/list todo.noa_homework",
    ]
    assert (tmp_path / "card.png").read_bytes().startswith(PNG)


@needs_chromium
@pytest.mark.skipif(
    not port_open(HA_PORT),
    reason=f"scripts/develop is not running on 127.0.0.1:{HA_PORT} (start it, "
    "or set HA_PORT, to take the README's screenshots in this test)",
)
def test_screenshots_of_develop(socket_enabled: None, tmp_path: Path) -> None:
    """Every README screenshot is taken from the running scripts/develop."""
    screenshots.screenshots(HA_PORT, 0, tmp_path, set())
    taken = sorted(path.name for path in tmp_path.glob("*.png"))
    assert taken == sorted(
        f"{name}.png"
        for name in (
            "integration",
            "device",
            "calendar",
            "todo",
            "card",
            "card-he",
            "config-flow",
        )
    )
    for path in tmp_path.glob("*.png"):
        assert path.read_bytes().startswith(PNG)
