"""Fault injection, the request log and the control endpoints, over HTTP."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncGenerator
from datetime import date
from functools import partial
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import Sandbox, create_app, run_in_thread
from sandbox.emulator import load_emulators
from sandbox.faults import Faults, RequestLog

LOGIN = "/webtop/server/api/user/LoginByUserNameAndPassword"
DASHBOARD = "/webtop/server/api/dashboard/InitDashboard"
CREDENTIALS = {"UserName": "dana.cohen", "Password": "sandbox-pupil"}


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=date(2026, 11, 18))


@pytest.fixture
async def client(socket_enabled: None, sandbox: Sandbox) -> AsyncGenerator[TestClient]:
    server = TestServer(create_app(sandbox), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client


async def _login(client: TestClient) -> str:
    response = await client.post(LOGIN, json={**CREDENTIALS, "Data": "", "Extra": 1})
    body = await response.json()
    assert body["status"] is True
    return str(body["data"]["token"])


async def _dashboard(client: TestClient, token: str) -> aiohttp.ClientResponse:
    return await client.post(
        DASHBOARD, json={}, headers={"Cookie": f"webToken={token}"}
    )


def test_faults_count_down() -> None:
    faults = Faults(load_emulators())
    faults.set("webtop", "http_500", count=2)
    faults.set("webtop", "malformed")
    assert faults.take("webtop") == "http_500"
    assert faults.take("webtop") == "http_500"
    assert faults.take("webtop") == "malformed"
    assert faults.take("webtop") == "malformed"
    assert faults.take("webuntis") is None
    faults.clear("webtop")
    assert faults.take("webtop") is None
    with pytest.raises(ValueError):
        faults.set("webtop", "nonsense")
    with pytest.raises(ValueError):
        faults.set("moodle", "http_500")


def test_expire_sessions_is_one_shot() -> None:
    faults = Faults(load_emulators())
    expired: list[str] = []
    for portal in ("webtop", "pronote"):
        faults.watch(portal, partial(expired.append, portal))
    faults.set("webtop", "expire_sessions")
    assert expired == ["webtop"]
    assert faults.active() == {}


def test_log_count_by_path_tail() -> None:
    log = RequestLog()
    log.add("webtop", "POST", LOGIN)
    log.add("webtop", "POST", DASHBOARD)
    assert log.count() == 2
    assert log.count("webtop", "user/LoginByUserNameAndPassword") == 1
    assert log.count(path=DASHBOARD) == 1
    assert log.count("webtop", "InitDashboard") == 1
    assert log.count("webtop", "Dashboard") == 0
    assert log.count("pronote") == 0


async def test_http_faults(sandbox: Sandbox, client: TestClient) -> None:
    token = await _login(client)
    sandbox.faults.set("webtop", "http_500", count=1)
    assert (await _dashboard(client, token)).status == 500
    assert (await _dashboard(client, token)).status == 200

    sandbox.faults.set("webtop", "rate_limit", count=1)
    limited = await _dashboard(client, token)
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "60"

    sandbox.faults.set("webtop", "maintenance", count=1)
    down = await _dashboard(client, token)
    assert down.status == 503
    assert "maintenance" in await down.text()

    sandbox.faults.set("webtop", "malformed", count=1)
    garbled = await _dashboard(client, token)
    assert garbled.status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(await garbled.text())

    assert [e.status for e in sandbox.log.entries] == [200, 500, 200, 429, 503, 200]
    assert sandbox.log.entries[1].fault == "http_500"


async def test_slow(sandbox: Sandbox, client: TestClient) -> None:
    sandbox.faults.slow_seconds = 0.3
    sandbox.faults.set("webtop", "slow", count=1)
    with pytest.raises(asyncio.TimeoutError):
        await client.post(
            LOGIN, json=CREDENTIALS, timeout=aiohttp.ClientTimeout(total=0.05)
        )
    await asyncio.sleep(0.4)
    assert await _login(client)


async def test_sessions_and_password(sandbox: Sandbox, client: TestClient) -> None:
    token = await _login(client)
    assert (await _dashboard(client, token)).status == 200
    assert (await _dashboard(client, "nonsense")).status == 401
    assert (await client.post(DASHBOARD, json={})).status == 401

    sandbox.faults.set("webtop", "expire_sessions")
    dead = await _dashboard(client, token)
    assert dead.status == 401
    with pytest.raises(aiohttp.ContentTypeError):
        await dead.json()
    token = await _login(client)

    sandbox.faults.set("webtop", "password_changed")
    assert (await _dashboard(client, token)).status == 401
    refused = await (await client.post(LOGIN, json=CREDENTIALS)).json()
    assert refused["status"] is False
    assert refused["data"] is None
    sandbox.faults.clear()
    assert await _login(client)


async def test_two_factor_looks_like_captcha(
    sandbox: Sandbox, client: TestClient
) -> None:
    sandbox.faults.set("webtop", "two_factor", count=1)
    body = await (await client.post(LOGIN, json=CREDENTIALS)).json()
    assert body == {
        "status": False,
        "data": None,
        "errorDescription": None,
        "errorId": None,
    }


async def test_browser_token(sandbox: Sandbox, client: TestClient) -> None:
    accounts = await (await client.get("/_sandbox/accounts")).json()
    parent = next(a for a in accounts if a["kind"] == "parent")
    assert parent["base_url"] == str(client.make_url("/webtop"))
    assert [p["name"] for p in parent["pupils"]] == ["נועה לוי", "ארי לוי"]
    body = await (await _dashboard(client, parent["token"])).json()
    assert [c["id"] for c in body["data"]["childrens"]] == [
        p["id"] for p in parent["pupils"]
    ]
    sandbox.faults.set("webtop", "expire_sessions")
    assert (await _dashboard(client, parent["token"])).status == 401
    assert sandbox.accounts()[1]["token"] != parent["token"]


async def test_control_endpoints(sandbox: Sandbox, client: TestClient) -> None:
    await _login(client)
    log: dict[str, Any] = await (await client.get("/_sandbox/requests")).json()
    assert log["count"] == 1
    assert log["entries"][0] == {
        "portal": "webtop",
        "method": "POST",
        "path": LOGIN,
        "status": 200,
        "fault": None,
    }
    assert (await client.delete("/_sandbox/requests")).status == 200
    assert sandbox.log.entries == []

    answer = await client.post(
        "/_sandbox/faults", json={"portal": "webtop", "fault": "http_500", "count": 3}
    )
    assert await answer.json() == {"webtop": {"http_500": 3}}
    bad = await client.post("/_sandbox/faults", json={"portal": "webtop", "fault": "x"})
    assert bad.status == 400
    assert (await client.delete("/_sandbox/faults")).status == 200
    assert sandbox.faults.active() == {}
    # Control requests are not logged.
    assert sandbox.log.entries == []


def test_run_in_thread(socket_enabled: None) -> None:
    sandbox = Sandbox(today=date(2026, 11, 18))
    base_url, stop = run_in_thread(sandbox)
    try:
        request = urllib.request.Request(
            f"{base_url}{LOGIN}",
            data=json.dumps(CREDENTIALS).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read())["data"]["firstName"] == "דנה"
    finally:
        stop()
    assert sandbox.log.count("webtop", "user/LoginByUserNameAndPassword") == 1
