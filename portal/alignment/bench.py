"""Benchmark data for alignment: every tenant fills the four registers, shared with its region.

Per scale unit each municipality gets a nadarhekken and a second-homes reglement with tariff
lines, an application with a contract end, a security policy, a service-model item with SWOT
points and an organisatiebeheersing process with risks: about 2,000 items, 2,000 tariff lines
and 2,500 risks at scale 1. The comparison pages to time are listed by ``pages``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from bench.data import Context, _insert, current_members
from portal.alignment.subjects import normalise_subject

APPLICATIONS = ("mercurius", "remmicom", "3p", "e-loket", "gis-pakket")


def generate(conn: Connection, ctx: Context) -> None:
    """Bulk-insert register items with their tariff lines, risks and SWOT points."""
    rng, now = ctx.rng, datetime.now(UTC)
    today = now.date()
    members = current_members(conn)
    region_of = {t: r for r, ts in members.items() for t in ts}
    items: list[dict[str, Any]] = []
    #: Per item its detail rows as (kind of detail, row without item_id), aligned by index.
    details: list[list[tuple[str, dict[str, Any]]]] = []
    for tenant in ctx.tenants:
        region_id = region_of.get(tenant["id"])
        shared = {"audience": "region" if region_id else "own", "region_id": region_id}
        for n in range(ctx.scale):
            suffix = f" {n + 1}" if n else ""
            base = {
                "tenant_id": tenant["id"],
                "status": "actief",
                "category": "",
                "steps": [],
                "channels": [],
                "supplier": "",
                "users_count": None,
                "contract_end_on": None,
                "opening_hours": "",
                "created_at": now,
                "updated_at": now,
                "published_at": now,
                **shared,
            }
            app = APPLICATIONS[rng.randrange(len(APPLICATIONS))]
            rows: list[tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]] = [
                (
                    {
                        **base,
                        "kind": "reglement",
                        "category": "retributie",
                        "title": f"Retributie nadarhekken{suffix}",
                        "subject": "nadarhekken",
                    },
                    [
                        (
                            "tariff",
                            {
                                "position": 0,
                                "label": "Nadarhek",
                                "unit": "per hek per dag",
                                "amount": Decimal(rng.randrange(150, 400)) / 100,
                            },
                        )
                    ],
                ),
                (
                    {
                        **base,
                        "kind": "reglement",
                        "category": "belasting",
                        "title": f"Belasting tweede verblijven{suffix}",
                        "subject": "tweede verblijven",
                    },
                    [
                        (
                            "tariff",
                            {
                                "position": 0,
                                "label": "Verblijf",
                                "unit": "per jaar",
                                "amount": Decimal(rng.randrange(300, 900)),
                            },
                        )
                    ],
                ),
                (
                    {
                        **base,
                        "kind": "toepassing",
                        "title": f"Toepassing {app}{suffix}",
                        "subject": app,
                        "supplier": "Leverancier " + app,
                        "users_count": rng.randrange(5, 120),
                        "contract_end_on": today + timedelta(days=rng.randrange(30, 1500)),
                    },
                    [],
                ),
                (
                    {
                        **base,
                        "kind": "beveiliging",
                        "title": f"Informatieveiligheidsbeleid{suffix}",
                        "subject": "informatieveiligheid",
                    },
                    [],
                ),
                (
                    {
                        **base,
                        "kind": "dienstverlening",
                        "title": f"Onthaal{suffix}",
                        "subject": "onthaal",
                        "channels": ["loket", "e-loket"],
                        "opening_hours": "ma-vr 9-12 u.",
                    },
                    [
                        ("swot", {"quadrant": q, "text": f"Punt {q}"})
                        for q in ("sterkte", "zwakte", "kans", "bedreiging")
                    ],
                ),
                (
                    {**base, "kind": "beheersing", "title": f"Beheersing aankoop{suffix}", "subject": "aankoop"},
                    [
                        (
                            "risk",
                            {
                                "title": f"Risico {r}",
                                "likelihood": rng.randrange(1, 6),
                                "impact": rng.randrange(1, 6),
                                "control": "",
                                "control_status": "gepland",
                            },
                        )
                        for r in range(1, 10)
                    ],
                ),
            ]
            for item, children in rows:
                # COPY bypasses the model: the comparison key is set here, with the app's rules.
                items.append({**item, "subject_key": normalise_subject(item["subject"])})
                details.append(children)
    ids = _insert(conn, "alignment_items", items, returning=True)
    tables = {"tariff": "alignment_tariff_lines", "risk": "alignment_risks", "swot": "alignment_swot_entries"}
    rows_by_table: dict[str, list[dict[str, Any]]] = {t: [] for t in tables.values()}
    for item_id, children in zip(ids, details, strict=True):
        for kind, row in children:
            rows_by_table[tables[kind]].append({**row, "item_id": item_id})
    for table, table_rows in rows_by_table.items():
        _insert(conn, table, table_rows)


def pages(conn: Connection, tenant: str) -> list[tuple[str, str]]:
    """Return the alignment pages and API calls to time for a user of ``tenant``."""
    item = conn.execute(
        text(
            "SELECT i.id FROM alignment_items i JOIN tenants t ON t.id = i.tenant_id"
            " WHERE t.slug = :slug ORDER BY i.id LIMIT 1"
        ),
        {"slug": tenant},
    ).scalar_one()
    base = f"/{tenant}/afstemming"
    return [
        # Every name holds "afstemming": BENCH_PAGES=afstemming runs the module's pages alone.
        ("afstemming (registers)", base),
        ("afstemming item", f"{base}/items/{item}"),
        ("afstemming tarieven vergelijken", f"{base}/vergelijken/tarieven?subject=nadarhekken"),
        ("afstemming toepassingen", f"{base}/vergelijken/toepassingen"),
        ("afstemming risicoheatmap", f"{base}/vergelijken/risicos"),
        ("afstemming SWOT", f"{base}/vergelijken/swot"),
        ("API afstemming tarieven", "/api/v1/alignment/comparisons/tariffs?subject=nadarhekken"),
        ("API afstemming items", "/api/v1/alignment/items"),
    ]
