"""Custom integrations (kept as a package so tests import ours first)."""
