"""Local emulators of the school portals over one generated school year."""

from __future__ import annotations
