"""Benchmark data for agreements: ~5,000 agreements per scale unit and the key pages to load.

Every agreement is drafted by a current member of a region (the trekker) with one to four other
current members as partners; most are active, with their approvals, evaluations and the domain
grants an active agreement opens between its parties (``sync_grants``), some await approval,
some are drafts or ended. Rows are written as the database would hold them after the journeys
in ``operations``: the constraints and the row-level-security columns are the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from bench.data import Context, _insert, current_members
from portal.agreements.models import DOMAINS, LEGAL_FORMS, MATRIX_DOMAINS
from tenants.context import BRUSSELS

AGREEMENTS_PER_TENANT = 18  # ~5,000 at scale 1
INFORMAL_PER_TENANT = 2
TEXT = "<h2>Artikel 1 — Voorwerp</h2><p>De partijen werken samen.</p><h2>Artikel 2 — Kosten</h2><p>Per inwoner.</p>"
SUBJECTS = ("Gedeelde", "Gezamenlijke", "Intergemeentelijke", "Regionale")
THINGS = ("hoogtewerker", "DPO", "personeelsdienst", "communicatie", "aankoopcentrale", "ICT-dienst", "uitleendienst")
#: Status mix: mostly active, as in a mature region.
STATUS_MIX = ["actief"] * 6 + ["te_evalueren", "ter_goedkeuring", "ontwerp", "beeindigd"]


def generate(conn: Connection, ctx: Context) -> None:
    """Bulk-insert agreements with parties, versions, approvals, evaluations, grants and informal cooperation."""
    rng, now = ctx.rng, datetime.now(UTC)
    today = now.astimezone(BRUSSELS).date()
    members = current_members(conn)
    region_of = {t: r for r, ts in members.items() for t in ts}
    director = {t: users[1] for t, users in ctx.users.items()}  # ROLES[1] is the algemeen directeur
    agreements: list[dict[str, Any]] = []
    parties_of: list[list[int]] = []
    for tenant in ctx.tenants:
        region_id = region_of.get(tenant["id"])
        if region_id is None or len(members[region_id]) < 2:
            continue
        others = [t for t in members[region_id] if t != tenant["id"]]
        for n in range(AGREEMENTS_PER_TENANT * ctx.scale):
            status = STATUS_MIX[(n + tenant["id"]) % len(STATUS_MIX)]
            start = today - timedelta(days=rng.randint(30, 6 * 365))
            end = start + timedelta(days=rng.randint(365, 8 * 365)) if n % 3 else None
            if status == "beeindigd":
                end = today - timedelta(days=rng.randint(1, 25))
                start = min(start, end - timedelta(days=400))
            in_force = 2 if status in ("actief", "te_evalueren") and n % 5 == 0 else 1
            current = None if status in ("ontwerp", "ter_goedkeuring") else in_force
            shared_with_region = n % 10 < 7
            agreements.append(
                {
                    "tenant_id": tenant["id"],
                    "title": f"{SUBJECTS[n % len(SUBJECTS)]} {THINGS[n % len(THINGS)]} {n} {tenant['name']}",
                    "legal_form": list(LEGAL_FORMS)[n % len(LEGAL_FORMS)],
                    "domains": rng.sample(list(DOMAINS), rng.choice((1, 1, 2))),
                    "status": status,
                    "start_date": start,
                    "end_date": end,
                    "renewal_rule": "Stilzwijgend verlengd met vijf jaar.",
                    "notice_months": 6,
                    "cost_key": "Per inwoner",
                    "evaluation_months": 12,
                    "current_version": current,
                    "proposed_version": 1 if current is None else None,
                    "activated_on": start if current is not None else None,
                    "ended_on": end if status == "beeindigd" else None,
                    "created_by_id": director[tenant["id"]],
                    "audience": "region" if shared_with_region else "partners",
                    "region_id": region_id if shared_with_region else None,
                }
            )
            parties_of.append([tenant["id"], *rng.sample(others, min(len(others), rng.randint(1, 4)))])
    ids = _insert(conn, "agreements", agreements, returning=True)

    parties: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    grants: list[dict[str, Any]] = []
    for agreement_id, row, party_ids in zip(ids, agreements, parties_of, strict=True):
        owner, status = row["tenant_id"], row["status"]
        for i, party in enumerate(party_ids):
            parties.append(
                {
                    "agreement_id": agreement_id,
                    "party_tenant_id": party,
                    "role": "trekker" if i == 0 else "partner",
                    "withdrawn_on": None,
                    "withdrawal_effective_on": None,
                }
            )
        last = row["current_version"] or row["proposed_version"]
        for number in range(1, last + 1):
            versions.append(
                {
                    "agreement_id": agreement_id,
                    "number": number,
                    "text_html": TEXT,
                    "change_note": "" if number == 1 else "Kostenverdeling bijgewerkt",
                    "created_by_id": row["created_by_id"],
                }
            )
        decided = range(1, (row["current_version"] or 0) + 1)
        for number in decided:
            for party in party_ids:
                approvals.append(_approval(agreement_id, number, party, row["start_date"]))
        if status == "ter_goedkeuring":
            for party in party_ids[: len(party_ids) // 2 or 1]:
                approvals.append(_approval(agreement_id, 1, party, today - timedelta(days=3)))
        if status in ("actief", "te_evalueren"):
            first_due = row["start_date"] + timedelta(days=365)
            if first_due < today - timedelta(days=30):  # well before the open evaluation's due date
                evaluations.append(
                    {
                        "agreement_id": agreement_id,
                        "due_on": first_due,
                        "status": "afgerond",
                        "scores": {"doelen": 4, "kosten": 3, "werking": 4, "burger": 3},
                        "outcome": "voortzetten",
                        "recommendation": "Voortzetten zoals afgesproken.",
                        "completed_on": first_due + timedelta(days=14),
                        "completed_by_id": row["created_by_id"],
                    }
                )
            evaluations.append(
                {
                    "agreement_id": agreement_id,
                    "due_on": today - timedelta(days=10) if status == "te_evalueren" else today + timedelta(days=90),
                    "status": "te_doen",
                    "scores": {},
                    "outcome": None,
                    "recommendation": "",
                    "completed_on": None,
                    "completed_by_id": None,
                }
            )
            domains = sorted({DOMAINS[d]["share"] for d in row["domains"]})
            for party in party_ids:
                for other in party_ids:
                    if other != party:
                        grants.extend(_grant(party, other, None, None, d, f"agreement:{agreement_id}") for d in domains)
        if row["audience"] == "partners":
            grants.extend(_grant(owner, p, "agreement", agreement_id, None, None) for p in party_ids[1:])
    _insert(conn, "agreement_parties", parties)
    _insert(conn, "agreement_versions", versions)
    _insert(conn, "agreement_approvals", approvals)
    _insert(conn, "agreement_evaluations", evaluations)

    informal = []
    for tenant in ctx.tenants:
        region_id = region_of.get(tenant["id"])
        others = [t for t in members.get(region_id, []) if t != tenant["id"]] if region_id else []
        for n in range(min(len(others), INFORMAL_PER_TENANT * ctx.scale)):
            informal.append(
                {
                    "tenant_id": tenant["id"],
                    "partner_tenant_id": others[n % len(others)],
                    "domain": list(MATRIX_DOMAINS)[(n // len(others)) % len(MATRIX_DOMAINS)],
                    "note": "Informeel overleg tussen de diensten.",
                    "audience": "region",
                    "region_id": region_id,
                }
            )
    _insert(conn, "informal_cooperations", informal)
    for grant in grants:
        grant["created_at"] = now
    _insert(conn, "share_grants", grants)


def _approval(agreement_id: int, version: int, party: int, day: date) -> dict[str, Any]:
    return {
        "agreement_id": agreement_id,
        "version": version,
        "party_tenant_id": party,
        "body": "gemeenteraad",
        "decision": "goedgekeurd",
        "decided_on": day,
        "reference": f"GR-{day:%Y%m%d}-{party}",
        "url": "",
        "recorded_by_id": None,
    }


def _grant(
    owner: int, grantee: int, object_type: str | None, object_id: int | None, domain: str | None, source: str | None
) -> dict[str, Any]:
    return {
        "tenant_id": owner,
        "grantee_tenant_id": grantee,
        "object_type": object_type,
        "object_id": object_id,
        "domain": domain,
        "source": source,
        "expires_at": None,
        "revoked_at": None,
    }


def pages(conn: Connection, tenant: str) -> list[tuple[str, str]]:
    """Return the agreements pages and API calls for a user of ``tenant``, with ids it may read."""
    own = conn.execute(
        text(
            "SELECT a.id FROM agreements a JOIN tenants t ON t.id = a.tenant_id"
            " WHERE t.slug = :slug AND a.status = 'actief' ORDER BY a.id LIMIT 1"
        ),
        {"slug": tenant},
    ).scalar_one()
    partner = conn.execute(
        text(
            "SELECT a.id FROM agreements a JOIN agreement_parties p ON p.agreement_id = a.id"
            " JOIN tenants t ON t.id = p.party_tenant_id"
            " WHERE t.slug = :slug AND p.role = 'partner' AND a.status = 'actief' ORDER BY a.id LIMIT 1"
        ),
        {"slug": tenant},
    ).scalar_one()
    region = conn.execute(
        text(
            "SELECT m.region_id FROM region_memberships m JOIN tenants t ON t.id = m.tenant_id"
            " WHERE t.slug = :slug AND m.left_on IS NULL ORDER BY m.region_id LIMIT 1"
        ),
        {"slug": tenant},
    ).scalar_one()
    base = f"/{tenant}/overeenkomsten"
    return [
        ("overeenkomsten (lijst)", base),
        ("overeenkomsten (zoeken)", f"{base}?q=hoogtewerker&status=actief"),
        ("overeenkomst (trekker)", f"{base}/{own}"),
        ("overeenkomst (partner)", f"{base}/{partner}"),
        ("samenwerkingsmatrix", f"{base}/matrix"),
        ("register (csv)", f"{base}/register.csv"),
        ("API /agreements", "/api/v1/agreements"),
        ("API /agreements/<id>", f"/api/v1/agreements/{own}"),
        ("API matrix", f"/api/v1/agreements/matrix/{region}"),
    ]
