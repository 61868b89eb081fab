"""Demo content for the beleidstafels of both demo regions. Idempotent."""

from __future__ import annotations

import io
from datetime import date, time, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables.models import (
    AgendaItem,
    ChallengeStatus,
    Cooperation,
    Decision,
    FollowUpStatus,
    ItemKind,
    Meeting,
    PolicyTable,
    ResultKind,
    RsvpAnswer,
)
from tenants.context import acting_for
from tenants.models import Region, Tenant
from tenants.sharing import region_members, set_audience, today

# (chair slug, region slug, theme, name)
TABLES = [
    ("ranst", "regio-ranst", "burger_welzijn", "Beleidstafel Burger & Welzijn"),
    ("zandhoven", "regio-ranst", "mobiliteit_openbare_werken", "Beleidstafel Mobiliteit en Openbare werken"),
    ("ranst", "regio-ranst", "omgeving_klimaat_milieu", "Beleidstafel Omgeving & klimaat en milieu"),
    ("ranst", "regio-ranst", "vrije_tijd", "Beleidstafel Vrije Tijd"),
    ("lier", "regio-lier", "vrije_tijd", "Beleidstafel Vrije Tijd Lier-Herenthout"),
    ("herenthout", "regio-lier", "burger_welzijn", "Beleidstafel Welzijn Lier-Herenthout"),
]


# (region slug, name, legal form, domain, KBO (fictitious, valid check digits), recommendation)
COOPERATIONS = [
    (
        "regio-ranst",
        "Intercommunale afvalbeheer Kempen",
        "intercommunale",
        "Afval en milieu",
        "0206123416",
        "voortzetten",
    ),
    ("regio-ranst", "Politiezone Voorkempen", "politiezone", "Veiligheid", "0207555551", "voortzetten"),
    ("regio-ranst", "Interlokale vereniging Erfgoed", "interlokale_vereniging", "Cultuur en erfgoed", "", "bijsturen"),
    ("regio-lier", "Projectvereniging Netelandse sportdienst", "projectvereniging", "Sport", "0412345614", "bijsturen"),
    ("regio-lier", "Informeel overleg jeugddiensten", "informeel", "Jeugd", "", "stopzetten"),
]


def _load_inventory(region: Region, chair: Tenant, past: Meeting, members: list[Tenant]) -> None:
    """Register the region's demo cooperations, each evaluated at the chair's past meeting."""
    for region_slug, name, legal_form, domain, kbo, recommendation in COOPERATIONS:
        if region_slug != region.slug:
            continue
        if db.session.scalar(select(Cooperation.id).where(Cooperation.name == name)) is not None:
            continue
        obj = ops.create_cooperation(
            {
                "name": name,
                "legal_form": legal_form,
                "region_id": region.id,
                "domain": domain,
                "partner_ids": [m.id for m in members],
                "kbo_number": kbo,
                "started_on": date(2014, 1, 1),
                "contact": "secretariaat@" + chair.slug + ".demo.samenwerkingsportaal.be",
            },
            tenant_id=chair.id,
        )
        ops.evaluate_cooperation(
            obj,
            {
                "meeting_id": past.id,
                "score_effectiveness": 4,
                "score_efficiency": 3,
                "score_service": 4,
                "score_governance": 2 if recommendation != "voortzetten" else 4,
                "notes": "<p>Besproken op de beleidstafel.</p>",
                "recommendation": recommendation,
            },
            tenant_id=chair.id,
        )


def load() -> int:
    """Create the demo tables with a past and a coming meeting; return how many tables were new."""
    count = 0
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    regions = {r.slug: r for r in db.session.scalars(select(Region))}
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    for chair, region_slug, theme, name in TABLES:
        if chair not in tenants or region_slug not in regions:
            continue
        tenant, region = tenants[chair], regions[region_slug]
        with acting_for(tenant.id):
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
                {
                    "kind": ItemKind.INFORMATIE,
                    "title": "Goedkeuring verslag vorige vergadering",
                    "owner_tenant_id": tenant.id,
                },
            )
            ops.add_agenda_item(
                coming,
                {
                    "kind": ItemKind.BESPREKING,
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
            decision_id = _past_decision(past, tenant.id)
            ops.register_attendance(past, [u.id for u in ops.invitees_of(past)[:4]], [])
            ops.invite_guest(
                coming,
                {
                    "name": "Dr. An Peeters",
                    "email": f"expert.{chair}@demo.samenwerkingsportaal.be",
                    "organisation": "VVSG",
                },
                link=partial(_guest_link, f"{base}/gast/{tenant.slug}"),
            )
            minutes = ops.create_minutes(
                past,
                {
                    "body_html": "<p>Aanwezig: de schepenen van de leden.</p>"
                    "<p>De tafel bespreekt de gezamenlijke aanpak en spreekt acties af.</p>"
                },
                user_id=None,
            )
            ops.send_minutes(minutes, [m.id for m in members if m.id != tenant.id], path="/beleidstafels/notulen/0")
            _load_inventory(region, tenant, past, members)
            _load_library(table, tenant)
            coming_id = coming.id
            db.session.commit()
        # Each municipality records its own follow-up of the decision, in its own tenant context.
        for member in members[:3]:
            if member.id == tenant.id:
                continue
            with acting_for(member.id):
                decision = db.session.get(Decision, decision_id)
                if decision is not None:
                    ops.set_follow_up(
                        decision,
                        {"status": FollowUpStatus.VOOR_TE_LEGGEN, "note": "Agenda college"},
                        tenant_id=member.id,
                    )
                meeting = db.session.get(Meeting, coming_id)
                if meeting is not None:
                    responder = next((u for u in ops.invitees_of(meeting) if u.tenant_id == member.id), None)
                    if responder is not None:
                        ops.respond(meeting, {"answer": RsvpAnswer.JA}, tenant_id=member.id, user_id=responder.id)
                db.session.commit()
        count += 1
    return count


def _guest_link(prefix: str, raw: str) -> str:
    return f"{prefix}/{raw}"


_DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _load_library(table: PolicyTable, chair: Tenant) -> None:
    """Fill the table's challenges register and library with a few entries."""
    ops.add_challenge(
        table,
        {"title": "Gezamenlijke communicatie naar inwoners", "description_html": "<p>Eén campagne voor de regio.</p>"},
        tenant_id=chair.id,
    )
    started = ops.add_challenge(
        table, {"title": "Gedeelde deskundige " + table.theme_label.lower()}, tenant_id=chair.id
    )
    ops.move_challenge(started, {"status": ChallengeStatus.ONDERZOCHT})
    ops.move_challenge(
        started,
        {
            "status": ChallengeStatus.OPGESTART,
            "result_kind": ResultKind.PERSONEEL,
            "result_link": "/hr",
            "result_note": "Gedeelde functie",
        },
    )
    upload = FileStorage(io.BytesIO(_DEMO_PDF), filename="werkingsafspraken.pdf")
    ops.add_document(table, {"title": "Werkingsafspraken van de tafel"}, upload, tenant_id=chair.id, user_id=None)


def _past_decision(past: Meeting, tenant_id: int) -> int:
    """Put a decided item on the past meeting (the agenda of a past meeting is closed to the UI)."""
    item = AgendaItem(
        meeting_id=past.id,
        position=1,
        kind=ItemKind.BESLISSING,
        title="Engagement gezamenlijke aanpak",
        description_html="<p>Voorstel om de aanpak samen uit te werken.</p>",
        owner_tenant_id=tenant_id,
    )
    db.session.add(item)
    db.session.flush()
    if past.region_id is not None:
        set_audience(item, "region", region_id=past.region_id)
    decision = ops.record_decision(item, "<p>De tafel adviseert de colleges de gezamenlijke aanpak goed te keuren.</p>")
    return decision.id
