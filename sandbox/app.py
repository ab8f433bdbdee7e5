"""The sandbox application: every portal emulator, fault injection and the request log."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from aiohttp import web

from .dataset import Dataset
from .emulator import Emulator, load_emulators
from .faults import Faults, RequestLog, fault_middleware

HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class Sandbox:
    """One dataset, its portal emulators, the faults in force and the request log.

    ``emulators`` holds every registered emulator by portal key; an emulator
    is also an attribute of that name (``sandbox.<key>``).
    """

    def __init__(
        self,
        dataset: Dataset | None = None,
        *,
        today: date | None = None,
        seed: int = 7,
    ) -> None:
        self.dataset = dataset or Dataset(today, seed)
        kinds = load_emulators()
        self.faults = Faults(kinds)
        self.log = RequestLog()
        self.emulators: dict[str, Emulator[Any]] = {
            key: kind(self.dataset, self.faults) for key, kind in kinds.items()
        }

    def __getattr__(self, name: str) -> Any:
        emulators = self.__dict__.get("emulators", {})
        if name in emulators:
            return emulators[name]
        raise AttributeError(name)

    def accounts(
        self, base_url: str = f"http://{HOST}:{DEFAULT_PORT}"
    ) -> list[dict[str, Any]]:
        """Every login of every portal, with the URL a client should use."""
        return [
            row
            for emulator in self.emulators.values()
            for row in emulator.accounts(base_url)
        ]


SANDBOX_KEY = web.AppKey("sandbox", Sandbox)
_CLOSING_KEY = web.AppKey("sandbox_closing", asyncio.Event)


def create_app(sandbox: Sandbox | None = None) -> web.Application:
    """Build the aiohttp application serving every portal under its prefix."""
    sandbox = sandbox or Sandbox()
    closing = asyncio.Event()
    app = web.Application(
        middlewares=[fault_middleware(sandbox.faults, sandbox.log, closing)]
    )
    app[SANDBOX_KEY] = sandbox
    app[_CLOSING_KEY] = closing
    # aiosignal 1.4 types Signal differently from what aiohttp 3.11 declares.
    app.on_shutdown.append(_wake_sleepers)  # type: ignore[arg-type,unused-ignore]
    for emulator in sandbox.emulators.values():
        emulator.add_routes(app)
    app.router.add_get("/", _index)
    app.router.add_get("/_sandbox/accounts", _accounts)
    app.router.add_get("/_sandbox/requests", _requests)
    app.router.add_delete("/_sandbox/requests", _clear_requests)
    app.router.add_get("/_sandbox/faults", _faults)
    app.router.add_post("/_sandbox/faults", _set_fault)
    app.router.add_delete("/_sandbox/faults", _clear_faults)
    return app


async def _wake_sleepers(app: web.Application) -> None:
    app[_CLOSING_KEY].set()


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def _index(request: web.Request) -> web.Response:
    emulators = request.app[SANDBOX_KEY].emulators.values()
    lines = [emulator.index_line(_base_url(request)) for emulator in emulators]
    return web.Response(
        text="\n".join(
            ["School Portal sandbox", *lines, "Accounts: /_sandbox/accounts", ""]
        )
    )


async def _accounts(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    return web.json_response(
        sandbox.accounts(_base_url(request)),
        dumps=partial(json.dumps, ensure_ascii=False),
    )


async def _requests(request: web.Request) -> web.Response:
    log = request.app[SANDBOX_KEY].log
    return web.json_response({"count": len(log.entries), "entries": log.as_json()})


async def _clear_requests(request: web.Request) -> web.Response:
    request.app[SANDBOX_KEY].log.clear()
    return web.json_response({"cleared": True})


async def _faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[SANDBOX_KEY].faults.active())


async def _set_fault(request: web.Request) -> web.Response:
    faults = request.app[SANDBOX_KEY].faults
    try:
        body = await request.json()
        count = body.get("count")
        faults.set(
            str(body["portal"]),
            str(body["fault"]),
            None if count is None else int(count),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        return web.json_response({"error": str(err)}, status=400)
    return web.json_response(faults.active())


async def _clear_faults(request: web.Request) -> web.Response:
    faults = request.app[SANDBOX_KEY].faults
    faults.clear(request.query.get("portal"))
    return web.json_response(faults.active())


def run_in_thread(
    sandbox: Sandbox | None = None, port: int = 0
) -> tuple[str, Callable[[], None]]:
    """Serve the sandbox from a background thread: returns (base URL, stop)."""
    sandbox = sandbox or Sandbox()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict[str, Any] = {}

    async def start() -> web.AppRunner:
        runner = web.AppRunner(create_app(sandbox), shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, HOST, port)
        await site.start()
        state["port"] = runner.addresses[0][1]
        return runner

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            runner = loop.run_until_complete(start())
        except Exception as err:  # handed to the caller's thread
            state["error"] = err
            started.set()
            loop.close()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="school-portal-sandbox", daemon=True)
    thread.start()
    started.wait()
    if "error" in state:
        thread.join()
        raise state["error"]

    def stop() -> None:
        if thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join()

    return f"http://{HOST}:{state['port']}", stop
