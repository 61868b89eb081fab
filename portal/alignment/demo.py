"""Demo content of the four alignment registers for every member of both demo regions, and one proposal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.alignment import operations as ops
from portal.alignment.models import AlignmentItem, Proposal
from portal.auth.models import User, UserRole
from portal.demo import signed_in
from portal.extensions import db
from tenants.models import Region, Tenant
from tenants.sharing import region_members, today

REGIONS = ("regio-ranst", "regio-lier")
#: Per municipality (by position in its region) a tariff for nadarhekken that differs a little; one outlier.
NADAR = ("2.50", "2.00", "2.75", "2.40", "6.00", "2.20", "2.60", "2.30")
APPLICATIONS = (("mercurius", "Cipal Schaubroeck"), ("remmicom", "Remmicom"), ("3p", "3P"))


def _user(tenant_id: int, role: str = "algemeen_directeur") -> User | None:
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.tenant_id == tenant_id, UserRole.role == role)
        .limit(1)
    )


def _items(position: int, region_id: int) -> list[dict[str, Any]]:
    shared = {"audience": "region", "region_id": region_id, "status": "actief", "category": ""}
    subject, supplier = APPLICATIONS[position % len(APPLICATIONS)]
    start = date(today().year, 1, 1)
    return [
        {
            **shared,
            "kind": "reglement",
            "category": "retributie",
            "title": "Retributiereglement ontlening nadarhekken",
            "subject": "nadarhekken",
            "valid_from_on": start,
            "exemptions": "Scholen en erkende verenigingen van de gemeente",
            "tariff_lines": [
                {"label": "Nadarhek", "amount": Decimal(NADAR[position % len(NADAR)]), "unit": "per hek per dag"},
                {"label": "Levering en ophaling", "amount": Decimal(40 + 5 * position), "unit": "per levering"},
            ],
        },
        {
            **shared,
            "kind": "reglement",
            "category": "belasting",
            "title": "Belasting op tweede verblijven",
            "subject": "tweede verblijven",
            "valid_from_on": start,
            "tariff_lines": [{"label": "Tweede verblijf", "amount": Decimal(400 + 50 * position), "unit": "per jaar"}],
        },
        {
            **shared,
            "kind": "financieel_proces",
            "title": "Aankoop- en facturatieproces",
            "subject": "aankoopproces",
            "responsible": "Financieel directeur",
            "steps": ["Budgetcontrole", "Bestelbon", "Levering", "Factuurcontrole", "Betaling"][: 3 + position % 3],
            "duration_days": 20 + 5 * position,
        },
        {
            **shared,
            "kind": "toepassing",
            "title": f"Financieel pakket {subject}",
            "subject": subject,
            "supplier": supplier,
            "contract_end_on": today() + timedelta(days=180 + 90 * position),
            "users_count": 20 + 4 * position,
            "data_processed": "Facturen, leveranciers, budget",
        },
        {
            **shared,
            "kind": "beveiliging",
            "title": "Informatieveiligheidsbeleid",
            "subject": "informatieveiligheid",
            "responsible": "DPO",
            "description": "Beleid volgens de minimale normen van Vlaanderen; jaarlijkse risicoanalyse.",
        },
        {
            **shared,
            "kind": "dienstverlening",
            "title": "Onthaal en loket",
            "subject": "onthaal",
            "channels": ["loket", "telefoon", "e-loket"] + (["thuisbezoek"] if position % 2 else []),
            "opening_hours": "ma-vr 9-12 u., wo 13.30-19 u.",
            "swot": [
                {"quadrant": "sterkte", "text": "Persoonlijk contact in elke deelgemeente"},
                {"quadrant": "zwakte", "text": "Lange wachttijden op maandag"},
                {"quadrant": "kans", "text": "Samen een digitaal loket uitrollen"},
                {"quadrant": "bedreiging", "text": "Krapte op de arbeidsmarkt"},
            ],
        },
        {
            **shared,
            "kind": "beheersing",
            "title": "Organisatiebeheersing aankoop",
            "subject": "aankoop",
            "risks": [
                {
                    "title": "Opsplitsen van opdrachten",
                    "likelihood": 2 + position % 3,
                    "impact": 4,
                    "control": "Jaarlijkse controle van de aankoopdrempels",
                    "control_status": "in_werking",
                },
                {
                    "title": "Geen vier-ogen-principe",
                    "likelihood": 1 + position % 5,
                    "impact": 5,
                    "control": "Dubbele handtekening",
                    "control_status": "gepland",
                },
                {"title": "Verlopen contracten", "likelihood": 3, "impact": 2, "control_status": "ontbreekt"},
            ],
        },
    ]


def load() -> int:
    """Create the missing demo items and the demo proposal; return how many were made."""
    created = 0
    for slug in REGIONS:
        region = db.session.scalar(select(Region).where(Region.slug == slug))
        if region is None:
            continue
        for position, tenant in enumerate(region_members(region.id)):
            user = _user(tenant.id, "dienstmedewerker") or _user(tenant.id)
            with signed_in(tenant.id, user.id if user else None):
                have = set(db.session.scalars(select(AlignmentItem.title).where(AlignmentItem.tenant_id == tenant.id)))
                for data in _items(position, region.id):
                    if data["title"] not in have:
                        ops.create_item(data)
                        created += 1
                db.session.commit()
    created += _proposal()
    return created


def _proposal() -> int:
    tenants = {
        t.slug: t for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(["ranst", "zoersel", "schilde"])))
    }
    if "ranst" not in tenants:
        return 0
    ranst = tenants["ranst"]
    ad = _user(ranst.id)
    with signed_in(ranst.id, ad.id if ad else None):
        title = "Tarief nadarhekken afstemmen"
        if db.session.scalar(select(Proposal.id).where(Proposal.title == title)) is not None:
            return 0
        partners = [t.id for slug, t in tenants.items() if slug != "ranst"]
        if not partners:
            return 0
        proposal = ops.create_proposal(
            {
                "title": title,
                "kind": "reglement",
                "subject": "nadarhekken",
                "description": "De partnergemeenten lenen elkaar nadarhekken: één tarief maakt het eenvoudig.",
                "proposed_value": "2,50 EUR per hek per dag in elke gemeente",
                "target_amount": Decimal("2.50"),
                "unit": "per hek per dag",
                "partner_ids": partners,
            }
        )
        ops.submit(proposal)
        db.session.commit()
    return 1
