"""Benchmark data for joint procurement: plans, ~1,500 dossiers per scale unit, and the key pages.

Each dossier is led by a current member of a region and has its seven stages and one to four
lots. Concepts stay with the lead; open and closed dossiers are shared with the region, where
two to six other members take part (their participation and lines are their own rows, granted
to the lead only, as ``join`` and ``set_lines`` write them). Closed dossiers are awarded, with a
contract on each lot, so the contract register fills up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from bench.data import Context, _insert, current_members
from portal.procurement.models import LEGAL_FORMS, PROCEDURES, STAGES
from tenants.context import BRUSSELS

DOSSIERS_PER_TENANT = 5  # ~1,500 at scale 1
PLANS_PER_TENANT = 10
#: Subjects with their CPV code: about twenty CPV groups, so bundling suggestions stay selective.
SUBJECTS = (
    ("Strooizout", "34927100"),
    ("Kantoorpapier", "30197630"),
    ("Elektriciteit", "09310000"),
    ("Laptops", "30213100"),
    ("Straatverlichting LED", "34993000"),
    ("Schoonmaak", "90910000"),
    ("Verzekeringen", "66510000"),
    ("Aardgas", "09123000"),
    ("Brandstofkaarten", "30163100"),
    ("Werkkledij", "18110000"),
    ("Speeltoestellen", "37535200"),
    ("Bestelwagens", "34136000"),
    ("Maaltijden scholen", "55523100"),
    ("Drukwerk", "79810000"),
    ("Telefonie", "64210000"),
    ("Software", "48000000"),
    ("Meubilair", "39100000"),
    ("Groenonderhoud", "77310000"),
    ("Wegmarkeringen", "45233221"),
    ("Juridisch advies", "79110000"),
    ("Archiefbeheer", "79995100"),
    ("Bouwmaterialen", "44110000"),
)


def generate(conn: Connection, ctx: Context) -> None:
    """Bulk-insert plans, dossiers, stages, lots, participations, lines, questions and the lead's grants."""
    rng, now = ctx.rng, datetime.now(UTC)
    today = now.astimezone(BRUSSELS).date()
    members = current_members(conn)
    region_of = {t: r for r, ts in members.items() for t in ts}

    plans: list[dict[str, Any]] = []
    for tenant in ctx.tenants:
        region_id = region_of.get(tenant["id"])
        for n in range(PLANS_PER_TENANT * ctx.scale):
            subject, cpv = SUBJECTS[n % len(SUBJECTS)]
            start = today + timedelta(days=rng.randint(-60, 540))
            shared = region_id is not None and n % 4 != 0
            plans.append(
                {
                    "tenant_id": tenant["id"],
                    "subject": f"{subject} {start.year}",
                    "cpv_code": cpv,
                    "estimated_value": Decimal(rng.randint(5, 500) * 1000),
                    "expected_from_on": start,
                    "expected_until_on": start + timedelta(days=365),
                    "notes": "",
                    "audience": "region" if shared else "own",
                    "region_id": region_id if shared else None,
                }
            )
    _insert(conn, "procurement_plans", plans)

    dossiers: list[dict[str, Any]] = []
    lots_of: list[int] = []
    for tenant in ctx.tenants:
        region_id = region_of.get(tenant["id"])
        if region_id is None:
            continue
        for n in range(DOSSIERS_PER_TENANT * ctx.scale):
            subject, cpv = SUBJECTS[(n + tenant["id"]) % len(SUBJECTS)]
            status = ("concept", "open", "open", "gesloten", "gesloten")[n % 5]
            stage = {"concept": "behoefteninventaris", "open": "marktverkenning"}.get(status) or rng.choice(
                ("gunning", "uitvoering", "afgesloten")
            )
            shared = status != "concept"
            dossiers.append(
                {
                    "tenant_id": tenant["id"],
                    "title": f"Raamovereenkomst {subject.lower()} {n} ({tenant['name']})",
                    "description": "<p>Gezamenlijke aankoop voor de gemeenten van de regio.</p>",
                    "cpv_code": cpv,
                    "legal_form": LEGAL_FORMS[n % len(LEGAL_FORMS)],
                    "procedure": PROCEDURES[n % len(PROCEDURES)],
                    "estimated_value": Decimal(rng.randint(20, 900) * 1000),
                    "joining_deadline_on": today + timedelta(days=rng.randint(10, 60))
                    if status != "gesloten"
                    else today - timedelta(days=rng.randint(60, 700)),
                    "status": status,
                    "stage": stage,
                    "allows_later_joining": n % 7 == 0,
                    "audience": "region" if shared else "own",
                    "region_id": region_id if shared else None,
                }
            )
            lots_of.append(rng.randint(1, 4))
    ids = _insert(conn, "procurement_dossiers", dossiers, returning=True)

    stages: list[dict[str, Any]] = []
    lots: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    for dossier_id, row, count in zip(ids, dossiers, lots_of, strict=True):
        sharing = {"tenant_id": row["tenant_id"], "audience": row["audience"], "region_id": row["region_id"]}
        reached = STAGES.index(row["stage"])
        start = row["joining_deadline_on"] - timedelta(days=90)
        for position, code in enumerate(STAGES):
            planned = start + timedelta(days=45 * position)
            stages.append(
                {
                    **sharing,
                    "dossier_id": dossier_id,
                    "stage": code,
                    "position": position,
                    "planned_on": planned,
                    "actual_on": planned if position < reached else None,
                }
            )
        awarded = row["status"] == "gesloten" and row["stage"] != "gunning"
        for number in range(1, count + 1):
            contract_start = row["joining_deadline_on"] + timedelta(days=120)
            lots.append(
                {
                    **sharing,
                    "dossier_id": dossier_id,
                    "number": number,
                    "title": f"Perceel {number}",
                    "unit": "stuk",
                    "estimated_value": row["estimated_value"] / count,
                    "supplier_name": f"Leverancier {number} NV" if awarded else None,
                    "supplier_kbo": "0123456749" if awarded else None,
                    "awarded_value": (row["estimated_value"] / count * Decimal("0.9")).quantize(Decimal("0.01"))
                    if awarded
                    else None,
                    "awarded_at": now - timedelta(days=30) if awarded else None,
                    "contract_start_on": contract_start if awarded else None,
                    "contract_end_on": contract_start + timedelta(days=rng.randint(365, 4 * 365)) if awarded else None,
                    "renewal_options": "",
                }
            )
        if row["status"] != "concept":
            questions.append(
                {**sharing, "dossier_id": dossier_id, "body": "Kan de levering gespreid?", "author_name": "Aankoper"}
            )
    _insert(conn, "procurement_stages", stages)
    lot_ids = _insert(conn, "procurement_lots", lots, returning=True)
    _insert(conn, "procurement_questions", questions)

    lots_by_dossier: dict[int, list[int]] = {}
    for lot_id, lot in zip(lot_ids, lots, strict=True):
        lots_by_dossier.setdefault(lot["dossier_id"], []).append(lot_id)
    participations: list[dict[str, Any]] = []
    leads: list[int] = []
    for dossier_id, row in zip(ids, dossiers, strict=True):
        if row["status"] == "concept":
            continue
        others = [t for t in members[row["region_id"]] if t != row["tenant_id"]]
        for tenant_id in rng.sample(others, min(len(others), rng.randint(2, 6))):
            joined = row["status"] == "gesloten" or rng.random() < 0.5
            participations.append(
                {
                    "tenant_id": tenant_id,
                    "dossier_id": dossier_id,
                    "status": "deelname" if joined else "interesse",
                    "contact_name": "Aankoopdienst",
                    "mandate_body": "college" if joined else None,
                    "mandate_on": row["joining_deadline_on"] - timedelta(days=7) if joined else None,
                    "mandate_reference": f"CBS-{dossier_id}-{tenant_id}" if joined else None,
                    "withdrawn_at": None,
                    "audience": "partners",
                    "region_id": None,
                }
            )
            leads.append(row["tenant_id"])
    part_ids = _insert(conn, "procurement_participations", participations, returning=True)

    lines: list[dict[str, Any]] = []
    line_leads: list[int] = []
    grants: list[dict[str, Any]] = []
    for part_id, part, lead in zip(part_ids, participations, leads, strict=True):
        grants.append(_grant(part["tenant_id"], lead, "procurement_participation", part_id, now))
        for lot_id in lots_by_dossier[part["dossier_id"]]:
            lines.append(
                {
                    "tenant_id": part["tenant_id"],
                    "participation_id": part_id,
                    "lot_id": lot_id,
                    "quantity": Decimal(rng.randint(1, 500)),
                    "amount": Decimal(rng.randint(1, 200) * 100),
                    "audience": "partners",
                    "region_id": None,
                }
            )
            line_leads.append(lead)
    line_ids = _insert(conn, "procurement_participation_lines", lines, returning=True)
    for line_id, line, lead in zip(line_ids, lines, line_leads, strict=True):
        grants.append(_grant(line["tenant_id"], lead, "procurement_participation_line", line_id, now))
    _insert(conn, "share_grants", grants)


def _grant(owner: int, grantee: int, object_type: str, object_id: int, now: datetime) -> dict[str, Any]:
    return {
        "tenant_id": owner,
        "grantee_tenant_id": grantee,
        "object_type": object_type,
        "object_id": object_id,
        "domain": None,
        "source": None,
        "created_at": now,
        "expires_at": None,
        "revoked_at": None,
    }


def pages(conn: Connection, tenant: str) -> list[tuple[str, str]]:
    """Return the procurement pages and API calls for a user of ``tenant``, with ids it may read."""

    def first(sql: str) -> int:
        return int(conn.execute(text(sql), {"slug": tenant}).scalar_one())

    led = first(
        "SELECT d.id FROM procurement_dossiers d JOIN tenants t ON t.id = d.tenant_id"
        " WHERE t.slug = :slug AND d.status = 'open' ORDER BY d.id LIMIT 1"
    )
    joined = first(
        "SELECT d.id FROM procurement_dossiers d JOIN procurement_participations p ON p.dossier_id = d.id"
        " JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = :slug AND d.status = 'gesloten' ORDER BY d.id LIMIT 1"
    )
    base = f"/{tenant}/aankoop"
    return [
        ("aankoop (dossiers)", f"{base}/"),
        ("aankoopplanning", f"{base}/planning"),
        ("dossier (trekker)", f"{base}/dossiers/{led}"),
        ("dossier (deelnemer)", f"{base}/dossiers/{joined}"),
        ("contractenregister", f"{base}/contracten"),
        ("behoeften (csv)", f"{base}/dossiers/{led}/behoeften.csv"),
        ("API /procurement/dossiers", "/api/v1/procurement/dossiers"),
        ("API /procurement/plans", "/api/v1/procurement/plans"),
        ("API /procurement/contracts", "/api/v1/procurement/contracts"),
    ]
