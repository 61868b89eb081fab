"""Demo content for the beleidstafels of both demo regions. Idempotent."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables.models import PolicyTable
from tenants.context import tenant_context
from tenants.models import Region, Tenant
from tenants.sharing import region_members, today

# (chair slug, region slug, theme, name)
TABLES = [
    ("ranst", "regio-ranst", "burger_welzijn", "Beleidstafel Burger & Welzijn"),
    ("zandhoven", "regio-ranst", "mobiliteit_openbare_werken", "Beleidstafel Mobiliteit en Openbare werken"),
    ("ranst", "regio-ranst", "omgeving_klimaat_milieu", "Beleidstafel Omgeving & klimaat en milieu"),
    ("ranst", "regio-ranst", "vrije_tijd", "Beleidstafel Vrije Tijd"),
    ("lier", "regio-lier", "vrije_tijd", "Beleidstafel Vrije Tijd Lier-Herenthout"),
    ("herenthout", "regio-lier", "burger_welzijn", "Beleidstafel Welzijn Lier-Herenthout"),
]


def load() -> int:
    """Create the demo tables with a past and a coming meeting; return how many tables were new."""
    count = 0
    regions = {r.slug: r for r in db.session.scalars(select(Region))}
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    for chair, region_slug, theme, name in TABLES:
        if chair not in tenants or region_slug not in regions:
            continue
        tenant, region = tenants[chair], regions[region_slug]
        with tenant_context(tenant.id):
            if db.session.scalar(select(PolicyTable.id).where(PolicyTable.name == name)) is not None:
                continue
            table = ops.create_table(
                {
                    "name": name,
                    "theme": theme,
                    "region_id": region.id,
                    "description_html": f"<p>Thematisch overleg van de schepenen en diensten: {name}.</p>",
                    "secretary_name": "Secretariaat " + tenant.name,
                    "secretary_email": f"beleidstafels@{chair}.demo.samenwerkingsportaal.be",
                },
                tenant_id=tenant.id,
            )
            ops.set_membership(
                table,
                {"policy_contact": "Schepen " + tenant.name, "admin_contact": "Dienst secretariaat"},
                tenant_id=tenant.id,
            )
            members = region_members(region.id)
            past = ops.create_meeting(
                table,
                {
                    "day": today() - timedelta(days=30),
                    "start_time": time(14),
                    "end_time": time(16),
                    "location": "Gemeentehuis " + tenant.name,
                },
            )
            coming = ops.create_meeting(
                table,
                {
                    "day": today() + timedelta(days=21),
                    "start_time": time(14),
                    "end_time": time(16),
                    "location": "Gemeentehuis " + tenant.name,
                    "online_url": "https://meet.example.be/beleidstafel",
                },
            )
            ops.add_agenda_item(
                coming,
                {"kind": "informatie", "title": "Goedkeuring verslag vorige vergadering", "owner_tenant_id": tenant.id},
            )
            ops.add_agenda_item(
                coming,
                {
                    "kind": "bespreking",
                    "title": "Gezamenlijke aanpak " + table.theme_label.lower(),
                    "description_html": "<p>Voorstel tot gemeenschappelijke aanpak.</p>",
                    "owner_tenant_id": members[-1].id if members else tenant.id,
                },
            )
            owner = members[0].id if members else tenant.id
            ops.create_action(
                past,
                {
                    "title": "Inventaris bestaande initiatieven opmaken",
                    "owner_tenant_id": owner,
                    "owner_person": "Diensthoofd",
                    "due_on": today() + timedelta(days=10),
                },
                path="/beleidstafels",
            )
            db.session.commit()
            count += 1
    return count
