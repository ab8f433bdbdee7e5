"""PRONOTE emulator (placeholder: the issue-4 work fills it in)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..dataset import Dataset
from ..faults import Faults

PORTAL = "pronote"
PREFIX = "/pronote"


class PronoteEmulator:
    """PRONOTE's start pages and encrypted function endpoint over the dataset."""

    def __init__(self, dataset: Dataset, faults: Faults) -> None:
        self.dataset = dataset
        self.faults = faults

    def accounts(self, base_url: str) -> list[dict[str, Any]]:
        """The sandbox's PRONOTE logins, for scripts and people."""
        return []

    def add_routes(self, app: web.Application) -> None:
        """Serve PRONOTE under ``/pronote``."""
