"""The plan editing routes of the cross-tenant matrix (imported by tests/matrix.py at its end)."""

from __future__ import annotations

from tests.matrix import Entry

ENTRIES: dict[str, Entry] = {}
