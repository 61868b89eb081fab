"""Demo agreements for the demo regions: active, awaiting approval, a draft, evaluations, a matrix snapshot."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from portal.agreements import operations as ops
from portal.agreements.models import Agreement, MatrixSnapshot
from portal.auth.models import User, UserRole
from portal.demo import signed_in
from portal.extensions import db
from tenants.context import BRUSSELS, acting_for
from tenants.models import Region, Tenant
from tenants.sharing import current_regions, today

TEXT = (
    "<h2>Artikel 1 — Voorwerp</h2><p>De partijen werken samen zoals hieronder beschreven, elk met behoud"
    " van de eigen bevoegdheden.</p><h2>Artikel 2 — Kosten</h2><p>Volgens de kostenverdeelsleutel.</p>"
)

#: (title, trekker, partners, domains, target status, region-visible)
SAMPLES: list[tuple[str, str, list[str], list[str], str, bool]] = [
    ("Gedeelde hoogtewerker en podiumwagen", "ranst", ["zandhoven", "zoersel"], ["materieel"], "actief", True),
    ("Gezamenlijke DPO en informatieveiligheid", "zoersel", ["ranst", "zandhoven"], ["ict"], "ter_goedkeuring", True),
    ("Intergemeentelijke personeelsdienst", "zandhoven", ["ranst"], ["personeel"], "ontwerp", False),
    ("Samen communiceren over werven", "lier", ["herenthout"], ["communicatie"], "actief", True),
]


def _ad(tenant_id: int) -> User | None:
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.tenant_id == tenant_id, UserRole.role == "algemeen_directeur")
        .limit(1)
    )


def _approve(agreement_id: int, tenant: Tenant, day: date) -> None:
    ad = _ad(tenant.id)
    with signed_in(tenant.id, ad.id if ad else None):
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement is not None
        ops.record_approval(
            agreement,
            {"body": "gemeenteraad", "decision": "goedgekeurd", "decided_on": day, "reference": f"GR-{day:%Y%m%d}"},
        )
        db.session.commit()


def _previous_period(day: date) -> str:
    return f"{day.year}-S1" if day.month > 6 else f"{day.year - 1}-S2"


def _first_snapshots(tenants: dict[str, Tenant]) -> None:
    """Keep the matrix of the previous semester as it was before the demo agreements (all zero)."""
    period = _previous_period(today())
    for tenant in tenants.values():
        with acting_for(tenant.id):
            for region in current_regions(tenant.id):
                known = db.session.scalar(
                    select(MatrixSnapshot.id).where(
                        MatrixSnapshot.region_id == region.id, MatrixSnapshot.period == period
                    )
                )
                if known is None:
                    ops.take_snapshot(region.id, period)
            db.session.commit()


def _complete_first_evaluation(agreement_id: int, owner: Tenant) -> None:
    """Complete the agreement's first evaluation, discussed at a past beleidstafel meeting if there is one."""
    ad = _ad(owner.id)
    with signed_in(owner.id, ad.id if ad else None):
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement is not None
        due = [e for e in ops.evaluations(agreement) if e.status == "te_doen"]
        if not due:
            return
        past = [m for m in ops.visible_meetings() if m.starts_at.astimezone(BRUSSELS).date() < today()]
        ops.complete_evaluation(
            agreement,
            due[-1],
            {
                "scores": {"doelen": 4, "kosten": 3, "werking": 4, "burger": 5},
                "outcome": "voortzetten",
                "recommendation": "Voortzetten; de planning van de werven vroeger met de partners delen.",
                "meeting_reference": "" if past else "Overleg van de algemeen directeurs",
                "meeting_id": past[0].id if past else None,
            },
        )
        db.session.commit()


def load() -> int:
    """Create the demo agreements that are missing; return how many were made."""
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    regions = {r.slug: r for r in db.session.scalars(select(Region))}
    created = 0
    _first_snapshots(tenants)
    for title, lead, partners, domains, status, visible in SAMPLES:
        if lead not in tenants or any(p not in tenants for p in partners):
            continue
        owner = tenants[lead]
        ad = _ad(owner.id)
        with signed_in(owner.id, ad.id if ad else None):
            if db.session.scalar(select(Agreement.id).where(Agreement.title == title)) is not None:
                continue
            region = "regio-lier" if lead in ("lier", "herenthout") else "regio-ranst"
            data: dict[str, Any] = {
                "title": title,
                "legal_form": "overeenkomst",
                "domains": domains,
                "partner_ids": [tenants[p].id for p in partners],
                "region_id": regions[region].id if visible else None,
                "start_date": date(2025, 9, 1),
                "end_date": date(2028, 12, 31),
                "renewal_rule": "Stilzwijgend verlengd met telkens drie jaar",
                "notice_months": 6,
                "cost_key": "Volgens inwonersaantal op 1 januari",
                "evaluation_months": 12,
                "text_html": TEXT,
            }
            agreement = ops.create_agreement(data)
            if status != "ontwerp":
                ops.submit(agreement)
            db.session.commit()
            agreement_id = agreement.id
        created += 1
        decided = today() - timedelta(days=400)
        if status == "actief":
            for slug in [lead, *partners]:
                _approve(agreement_id, tenants[slug], decided)
            with acting_for(owner.id):
                active = db.session.get(Agreement, agreement_id)
                assert active is not None
                # Active for over a year: the daily task finds its first evaluation due.
                active.activated_on = decided
                ops.schedule_evaluations()
                db.session.commit()
            if lead == "lier":
                _complete_first_evaluation(agreement_id, owner)
        elif status == "ter_goedkeuring":
            _approve(agreement_id, owner, today() - timedelta(days=20))
    informal = [("ranst", "wijnegem", "communicatie", "Gezamenlijke nieuwsbrief over evenementen")]
    for slug, partner, domain, note in informal:
        if slug in tenants and partner in tenants:
            with acting_for(tenants[slug].id):
                ops.record_informal({"partner_tenant_id": tenants[partner].id, "domain": domain, "note": note})
                db.session.commit()
    return created
