"""Benchmark data for the beleidstafels: ~10,000 meetings per scale unit and the key pages.

Every region has six tables per scale unit, each chaired by one of its current members, with a
seat for every member and a monthly meeting from five years back to half a year ahead. Past
meetings have their agenda (five items), decisions on the decision items, two actions,
attendance and published minutes (approved at the next meeting); the last past meeting's
minutes are still a draft of the chair. Every algemeen directeur has a personal iCal feed whose
token is ``bench-<slug>`` (for the benchmark only).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from bench.data import Context, _insert, current_members
from portal.policy_tables.models import (
    LEGAL_FORMS,
    THEMES,
    ActionStatus,
    ChallengeStatus,
    ItemKind,
    MinutesStatus,
)

TABLES_PER_REGION = 6
MONTHS_BACK, MONTHS_AHEAD = 60, 6  # ~66 meetings per table: ~10,000 at scale 1
ITEMS_PER_MEETING = 5
ACTIONS_PER_MEETING = 2
ATTENDEES_PER_MEETING = 4
COOPERATIONS_PER_TENANT = 3
BRUSSELS = ZoneInfo("Europe/Brussels")


def feed_token(slug: str) -> str:
    """Return the raw iCal feed token of the benchmark's algemeen directeur of ``slug``."""
    return f"bench-{slug}"


def _month(day: date, step: int) -> date:
    month = day.month - 1 + step
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def generate(conn: Connection, ctx: Context) -> None:
    """Bulk-insert tables, seats, meetings, agendas, decisions, actions, attendance, minutes and feeds."""
    rng, now = ctx.rng, datetime.now(UTC)
    today = now.astimezone(BRUSSELS).date()
    members = current_members(conn)
    names = {t["id"]: t["name"] for t in ctx.tenants}
    director = {t: users[1] for t, users in ctx.users.items()}  # ROLES[1] is the algemeen directeur
    themes = list(THEMES)

    tables: list[dict[str, Any]] = []
    for region_id, tenant_ids in members.items():
        for n in range(TABLES_PER_REGION * ctx.scale):
            theme = themes[n % len(themes)]
            chair = tenant_ids[n % len(tenant_ids)]
            tables.append(
                {
                    "tenant_id": chair,
                    "name": f"Beleidstafel {THEMES[theme]} {n + 1}",
                    "theme": theme,
                    "description_html": "<p>Overleg tussen de schepenen van de regio.</p>",
                    "secretary_name": "Secretariaat",
                    "secretary_email": f"secretariaat{n}@bench.samenwerkingsportaal.be",
                    "publish_days_before": 7,
                    "audience": "region",
                    "region_id": region_id,
                }
            )
    table_ids = _insert(conn, "policy_tables", tables, returning=True)

    seats: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
    challenges: list[dict[str, Any]] = []
    for table_id, table in zip(table_ids, tables, strict=True):
        region_id = table["region_id"]
        for tenant_id in members[region_id]:
            seats.append(
                {
                    "tenant_id": tenant_id,
                    "table_id": table_id,
                    "policy_contact": f"Schepen van {names[tenant_id]}",
                    "admin_contact": "Diensthoofd",
                    "audience": "region",
                    "region_id": region_id,
                }
            )
        first = today.replace(day=1 + table_id % 27)
        for step in range(-MONTHS_BACK, MONTHS_AHEAD):
            starts = datetime.combine(_month(first, step), time(19, 0), tzinfo=BRUSSELS).astimezone(UTC)
            meetings.append(
                {
                    "tenant_id": table["tenant_id"],
                    "table_id": table_id,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "location": f"Raadzaal {names[table['tenant_id']]}",
                    "online_url": "",
                    "agenda_published_at": starts - timedelta(days=7) if starts - timedelta(days=7) < now else None,
                    "series_key": "",
                    "audience": "region",
                    "region_id": region_id,
                }
            )
        for n in range(2):
            challenges.append(
                {
                    "tenant_id": members[region_id][(table_id + n) % len(members[region_id])],
                    "table_id": table_id,
                    "title": f"Gedeelde uitdaging {n + 1}",
                    "description_html": "<p>Samen aanpakken.</p>",
                    "status": (ChallengeStatus.IDEE, ChallengeStatus.ONDERZOCHT)[n],
                    "result_kind": "",
                    "result_link": "",
                    "result_note": "",
                    "audience": "region",
                    "region_id": region_id,
                }
            )
    _insert(conn, "policy_table_members", seats)
    _insert(conn, "policy_challenges", challenges)
    meeting_ids = _insert(conn, "policy_meetings", meetings, returning=True)

    items: list[dict[str, Any]] = []
    for meeting_id, meeting in zip(meeting_ids, meetings, strict=True):
        if meeting["agenda_published_at"] is None:
            continue
        region = members[meeting["region_id"]]
        for position in range(1, ITEMS_PER_MEETING + 1):
            items.append(
                {
                    "tenant_id": meeting["tenant_id"],
                    "meeting_id": meeting_id,
                    "position": position,
                    "kind": tuple(ItemKind)[position % 3],
                    "title": f"Agendapunt {position}",
                    "description_html": "<p>Toelichting bij het agendapunt.</p>",
                    "owner_tenant_id": region[(meeting_id + position) % len(region)],
                    "proposal_id": None,
                    "audience": "region",
                    "region_id": meeting["region_id"],
                }
            )
    item_ids = _insert(conn, "policy_agenda_items", items, returning=True)

    decisions: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for item_id, item in zip(item_ids, items, strict=True):
        shared = {"tenant_id": item["tenant_id"], "audience": "region", "region_id": item["region_id"]}
        if item["kind"] == ItemKind.BESLISSING:
            decisions.append(
                {
                    **shared,
                    "meeting_id": item["meeting_id"],
                    "agenda_item_id": item_id,
                    "text_html": "<p>De tafel beslist.</p>",
                }
            )
        if item["position"] <= ACTIONS_PER_MEETING:
            actions.append(
                {
                    **shared,
                    "table_id": None,  # filled below
                    "meeting_id": item["meeting_id"],
                    "agenda_item_id": item_id,
                    "title": f"Opvolgen: agendapunt {item['position']}",
                    "owner_tenant_id": item["owner_tenant_id"],
                    "owner_person": "Diensthoofd",
                    "due_on": None,
                    "status": ActionStatus.OPEN,
                }
            )
    by_id = dict(zip(meeting_ids, meetings, strict=True))
    for action in actions:
        meeting = by_id[action["meeting_id"]]
        action["table_id"] = meeting["table_id"]
        action["due_on"] = (meeting["starts_at"] + timedelta(days=30)).date()
        if action["due_on"] < today - timedelta(days=60):
            action["status"] = ActionStatus.KLAAR
    _insert(conn, "policy_decisions", decisions)
    _insert(conn, "policy_action_items", actions)

    # Attendance, minutes and their versions for the meetings that took place.
    attendance: list[dict[str, Any]] = []
    minutes: list[dict[str, Any]] = []
    per_table: dict[int, list[int]] = {}
    for meeting_id, meeting in zip(meeting_ids, meetings, strict=True):
        per_table.setdefault(meeting["table_id"], []).append(meeting_id)
    for ids in per_table.values():
        held = [m for m in ids if by_id[m]["ends_at"] < now]
        for i, meeting_id in enumerate(held):
            meeting = by_id[meeting_id]
            region = members[meeting["region_id"]]
            for tenant_id in rng.sample(region, min(len(region), ATTENDEES_PER_MEETING)):
                attendance.append(
                    {
                        "tenant_id": meeting["tenant_id"],
                        "meeting_id": meeting_id,
                        "user_id": director[tenant_id],
                        "guest_id": None,
                        "attendee_tenant_id": tenant_id,
                        "name": f"Algemeen directeur {names[tenant_id]}",
                        "audience": "region",
                        "region_id": meeting["region_id"],
                    }
                )
            draft = i == len(held) - 1
            minutes.append(
                {
                    "tenant_id": meeting["tenant_id"],
                    "meeting_id": meeting_id,
                    "status": MinutesStatus.ONTWERP if draft else MinutesStatus.GEPUBLICEERD,
                    "current_version": 1,
                    "sent_at": None if draft else meeting["ends_at"] + timedelta(days=3),
                    "approved_at_meeting_id": None if draft else held[i + 1],
                    "approved_at": None if draft else by_id[held[i + 1]]["starts_at"],
                    "published_at": None if draft else by_id[held[i + 1]]["ends_at"],
                    "audience": "own" if draft else "region",
                    "region_id": None if draft else meeting["region_id"],
                }
            )
    _insert(conn, "policy_meeting_attendances", attendance)
    minutes_ids = _insert(conn, "policy_minutes", minutes, returning=True)
    _insert(
        conn,
        "policy_minutes_versions",
        [
            {
                "tenant_id": row["tenant_id"],
                "minutes_id": minutes_id,
                "number": 1,
                "body_html": "<h2>Aanwezig</h2><p>De leden.</p><h2>Besluiten</h2><p>Zie de agendapunten.</p>",
                "change_note": "",
                "created_by_id": director[row["tenant_id"]],
                "audience": row["audience"],
                "region_id": row["region_id"],
            }
            for minutes_id, row in zip(minutes_ids, minutes, strict=True)
        ],
    )

    cooperations: list[dict[str, Any]] = []
    region_of = {t: r for r, ts in members.items() for t in ts}
    for tenant in ctx.tenants:
        if tenant["id"] not in region_of:
            continue
        region_id = region_of[tenant["id"]]
        for n in range(COOPERATIONS_PER_TENANT * ctx.scale):
            partners = sorted({tenant["id"], *rng.sample(members[region_id], min(3, len(members[region_id])))})
            cooperations.append(
                {
                    "tenant_id": tenant["id"],
                    "name": f"{LEGAL_FORMS[list(LEGAL_FORMS)[n % len(LEGAL_FORMS)]]} {n + 1} {tenant['name']}",
                    "legal_form": list(LEGAL_FORMS)[n % len(LEGAL_FORMS)],
                    "domain": "Afval en milieu",
                    "partner_ids": partners,
                    "other_partners": "",
                    "kbo_number": "",
                    "started_on": date(2014, 1, 1),
                    "contact": "",
                    "audience": "region",
                    "region_id": region_id,
                }
            )
    _insert(conn, "policy_cooperations", cooperations)

    _insert(
        conn,
        "policy_calendar_tokens",
        [
            {
                "user_id": director[t["id"]],
                "token_hash": hashlib.sha256(feed_token(t["slug"]).encode()).hexdigest(),
                "revoked_at": None,
            }
            for t in ctx.tenants
            if t["id"] in director
        ],
    )


def pages(conn: Connection, tenant: str) -> list[tuple[str, str]]:
    """Return the beleidstafel pages and API calls for a user of ``tenant``, with ids it may read."""
    row = conn.execute(
        text(
            "SELECT tb.id, m.id FROM policy_tables tb JOIN region_memberships rm ON rm.region_id = tb.region_id"
            " JOIN tenants t ON t.id = rm.tenant_id JOIN policy_meetings m ON m.table_id = tb.id"
            " WHERE t.slug = :slug AND rm.left_on IS NULL AND m.starts_at < now() AND tb.tenant_id <> t.id"
            " ORDER BY tb.id, m.starts_at DESC LIMIT 1"
        ),
        {"slug": tenant},
    ).one()
    table_id, meeting_id = row
    minutes_id = conn.execute(
        text(
            "SELECT mi.id FROM policy_minutes mi JOIN policy_meetings m ON m.id = mi.meeting_id"
            " WHERE m.table_id = :t AND mi.status = 'gepubliceerd' ORDER BY m.starts_at DESC LIMIT 1"
        ),
        {"t": table_id},
    ).scalar()
    base = f"/{tenant}/beleidstafels"
    found = [
        ("beleidstafels (lijst)", f"{base}/"),
        ("beleidstafel (detail)", f"{base}/{table_id}"),
        ("vergadering (detail)", f"{base}/vergaderingen/{meeting_id}"),
        ("kalender (maand)", f"{base}/kalender"),
        ("iCal-feed (persoonlijk)", f"/kalender/{feed_token(tenant)}.ics"),
        ("inventaris", f"{base}/inventaris"),
        ("API /policy-tables", "/api/v1/policy-tables"),
        ("API tafel /meetings", f"/api/v1/policy-tables/{table_id}/meetings"),
        ("API /actions", "/api/v1/policy-tables/actions"),
    ]
    if minutes_id is not None:
        found.insert(3, ("notulen (detail)", f"{base}/notulen/{minutes_id}"))
    return found
