"""scripts/bench: driven by the portals' declarations and its per-portal modules."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from custom_components.school_portal.api import PORTALS
from custom_components.school_portal.api.pronote.reads import (
    ONGLET_GRADES,
    ONGLET_PRESENCE,
)
from sandbox.app import Sandbox
from scripts.bench import (
    VERSUS_PUPIL,
    World,
    _ours_cold,
    _reads,
    bench_account,
    local_session,
)
from scripts.bench_portals import bench_of, benches
from scripts.sandbox_logins import login_method, settings


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


def client_logins(sandbox: Sandbox, *base: str) -> list[dict[str, Any]]:
    """The sandbox's logins of portals that have a client (an emulator may land first)."""
    return [row for row in sandbox.accounts(*base) if row["portal"] in PORTALS]


def test_bench_modules_name_declared_portals() -> None:
    """A typo in a module's key would leave its portal on the defaults."""
    assert benches()
    assert set(benches()) <= set(PORTALS)
    assert bench_of("no-such-portal").time_zone == "UTC"


def test_every_sandbox_login_has_a_method(sandbox: Sandbox) -> None:
    """Every sandbox login fits a declared method; settings are its fields."""
    for account in client_logins(sandbox):
        method = login_method(account)
        assert method is not None, account["username"]
        config = settings(account)
        # Every field without a default (an optional scope may be left out).
        assert {f.key for f in method.fields if f.default is None} <= set(config)
        assert config["server"] == account["base_url"]


async def test_steady_refreshes_log_in_never(
    socket_enabled: None, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """Every login is benched; steady refreshes make requests but no login."""
    async with aiohttp.ClientSession() as session:
        for account in client_logins(
            sandbox, f"http://127.0.0.1:{sandbox_server.port}"
        ):
            result = await bench_account(sandbox, session, account, 2)
            assert result.setup_logins == 1
            assert result.logins_per_refresh == 0
            assert result.requests_per_refresh > 0


async def test_pronote_same_reads_leave_out_only_the_earlier_terms(
    socket_enabled: None, sandbox: Sandbox, sandbox_server: TestServer
) -> None:
    """Ours on pronotepy's reads is our refresh less the earlier terms' reads."""
    world = World.of(sandbox, f"http://127.0.0.1:{sandbox_server.port}")
    account = next(
        row for row in world.logins(VERSUS_PUPIL) if row["portal"] == "pronote"
    )
    reads = _reads(world, account)
    same_reads = bench_of("pronote").same_reads
    assert same_reads is not None
    async with local_session() as session:
        async with reads.logged_in(session) as (client, students):
            earlier = sum(
                len(client.terms(tab, students[0])) - 1
                for tab in (ONGLET_GRADES, ONGLET_PRESENCE)
            )
        sandbox.log.clear()
        assert await _ours_cold(session, reads) > 0
        refresh = len(sandbox.log.entries)
        sandbox.log.clear()
        assert await same_reads(session, reads) > 0
        assert len(sandbox.log.entries) == refresh - earlier
