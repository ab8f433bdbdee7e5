"""WebUntis emulator (placeholder: the issue-3 work fills it in)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .dataset import Dataset
from .faults import Faults

PORTAL = "webuntis"
PREFIX = "/webuntis"


class WebUntisEmulator:
    """WebUntis JSON-RPC and REST over the shared dataset."""

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        self.dataset = dataset
        self.faults = faults

    def accounts(self, base_url: str) -> list[dict[str, Any]]:
        """The sandbox's WebUntis logins, for scripts and people."""
        return []

    def add_routes(self, app: web.Application) -> None:
        """Serve WebUntis under ``/webuntis``."""
