"""scripts/bench's own costs: its guard stays off the measured path; its probes."""

from __future__ import annotations

import asyncio
import gc

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from homeassistant.helpers.json import json_dumps

from sandbox.app import Sandbox
from scripts.bench import SliceProbe, local_session


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


async def test_local_session_reaches_the_sandbox(
    socket_enabled: None, sandbox_server: TestServer
) -> None:
    async with (
        local_session() as session,
        session.get(sandbox_server.make_url("/")) as response,
    ):
        assert response.status < 500


@pytest.mark.parametrize("url", ["http://example.invalid/", "http://10.0.0.1:9/"])
async def test_local_session_refuses_any_other_host(
    socket_enabled: None, url: str
) -> None:
    async with local_session() as session:
        with pytest.raises(RuntimeError, match="bench refused"):
            await session.get(url)


async def test_local_session_is_the_one_home_assistant_gives() -> None:
    """JSON bodies by Home Assistant's encoder, and no cookie jar, as in HA."""
    async with local_session() as session:
        assert session.json_serialize is json_dumps
        assert isinstance(session.cookie_jar, aiohttp.DummyCookieJar)


async def test_slice_probe_sets_garbage_collection_apart() -> None:
    """A full collection inside a slice is counted in it, and told apart.

    The slice that runs ``gc.collect`` over a heap of reference cycles is the
    longest; the probe's own-code figure leaves that collection out (what is
    left of that slice is building the heap), and the collection is listed as
    a generation-2 one.
    """

    class Node:
        def __init__(self) -> None:
            self.me = self

    def quick() -> None:
        sum(range(100))

    def collect() -> None:
        garbage = [Node() for _ in range(200_000)]
        del garbage
        gc.collect()

    loop = asyncio.get_running_loop()
    with SliceProbe() as probe:
        for _ in range(5):
            loop.call_soon(quick)
        loop.call_soon(collect)
        await asyncio.sleep(0.05)
    summary = probe.summary()
    longest = summary["longest"][0]
    assert summary["collections"]["generation_2"]["count"] >= 1
    assert longest["gc_cpu_ms"] > 0.5 * longest["cpu_ms"]
    assert summary["max_own_cpu_ms"] < longest["cpu_ms"] - longest["gc_cpu_ms"] + 1.0
