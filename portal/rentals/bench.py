"""Benchmark data for rentals: about 2,000 resources and 200,000 reservations at scale 1.

Called by ``bench.data`` after the municipalities, regions and users exist. Every municipality
lends 7 resources per scale unit (most shared with its region), each booked about 100 times
over two years around today, by the owner itself or by a current region partner. Every
reservation is the two rows of ADR 0011: the requester's Reservation and the owner's Booking,
pointing at each other. Bookings of one resource never overlap (the exclusion constraint
forbids it for single units; multi-unit resources get two tracks that each take at most half
the stock). The algemeen directeur of every municipality has a calendar feed address.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from bench.bulk import copy_rows, reserve_ids
from tenants.context import BRUSSELS

RESOURCES_PER_TENANT = 7
RESERVATIONS_PER_RESOURCE = 100
CATALOGUE = (
    # name, category, kind, quantity (1 = single unit), unit, price per unit, deposit
    ("Mobiel podium", "podium", "materieel", 1, "dag", Decimal("250"), Decimal("500")),
    ("WC-wagen", "wc-wagen", "materieel", 1, "dag", Decimal("120"), Decimal("200")),
    ("Hoogtewerker 12 m", "hoogtewerker", "materieel", 1, "dag", Decimal("180"), Decimal("300")),
    ("Nadarhekken", "nadarhekken", "materieel", 200, "stuk_dag", Decimal("1.5"), Decimal("0")),
    ("Feesttent 6x12", "tent", "materieel", 1, "dag", Decimal("200"), Decimal("250")),
    ("Geluidsinstallatie", "geluid", "materieel", 1, "dag", Decimal("90"), Decimal("150")),
    ("Polyvalente zaal", "zaal", "zaal", 1, "halve_dag", Decimal("75"), Decimal("100")),
    ("Biertafels met banken", "feestmaterieel", "materieel", 40, "stuk_dag", Decimal("4"), Decimal("0")),
)
PAST = ("afgerekend",) * 11 + ("teruggebracht",) * 3 + ("geannuleerd",) * 3 + ("geweigerd",) * 2 + ("afgehaald",)
FUTURE = ("goedgekeurd",) * 11 + ("aangevraagd",) * 5 + ("geannuleerd",) * 2 + ("geweigerd",) * 2
CURRENT = ("afgehaald",)


def calendar_token(slug: str) -> str:
    """Return the raw calendar feed token the generator gives the algemeen directeur of ``slug``."""
    return hashlib.sha256(f"bench-agenda-{slug}".encode()).hexdigest()[:43]


def _region_partners(conn: Connection) -> dict[int, tuple[int | None, list[int]]]:
    rows = conn.execute(text("SELECT region_id, tenant_id FROM region_memberships WHERE left_on IS NULL")).all()
    members: dict[int, list[int]] = {}
    for region_id, tenant_id in rows:
        members.setdefault(region_id, []).append(tenant_id)
    out: dict[int, tuple[int | None, list[int]]] = {}
    for region_id, tenants in members.items():
        for t in tenants:
            out.setdefault(t, (region_id, [p for p in tenants if p != t]))
    return out


def _units(unit: str, starts: datetime, ends: datetime, quantity: int) -> int:
    days = max(1, -(-int((ends - starts).total_seconds()) // 86400))
    return days * (quantity if unit == "stuk_dag" else 1) * (2 if unit == "halve_dag" else 1)


def generate(conn: Connection, ctx: Any) -> None:
    """Bulk-insert resources, reservations with their bookings, and calendar tokens."""
    rng, scale, now = ctx.rng, ctx.scale, datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    partners = _region_partners(conn)
    resources: list[dict[str, Any]] = []
    ids = iter(reserve_ids(conn, "rental_resources", RESOURCES_PER_TENANT * scale * len(ctx.tenants)))
    for tenant in ctx.tenants:
        region, _others = partners.get(tenant["id"], (None, []))
        for n in range(RESOURCES_PER_TENANT * scale):
            name, category, kind, quantity, unit, price, deposit = CATALOGUE[(n + tenant["id"]) % len(CATALOGUE)]
            shared = region is not None and rng.random() < 0.8
            created = now - timedelta(days=800)
            resources.append(
                {
                    "id": next(ids),
                    "tenant_id": tenant["id"],
                    "audience": "region" if shared else "own",
                    "region_id": region if shared else None,
                    "name": f"{name} {n + 1}" if n >= len(CATALOGUE) else name,
                    "kind": kind,
                    "category": category,
                    "description": f"{name} van {tenant['name']}, af te halen aan de technische dienst.",
                    "quantity": quantity,
                    "is_single_unit": quantity == 1,
                    "capacity": 150 if kind == "zaal" else None,
                    "pickup_address": f"Stelplaats {tenant['name']}",
                    "needs_towing_vehicle": category in ("podium", "wc-wagen"),
                    "needs_certified_operator": category == "hoogtewerker",
                    "required_certificate": "IPAF 3b" if category == "hoogtewerker" else "",
                    "min_notice_hours": rng.choice((0, 24, 48)),
                    "max_length_hours": None,
                    "buffer_minutes": rng.choice((0, 0, 60, 120)),
                    "blackouts": [],
                    "unit": unit,
                    "price_own": Decimal("0"),
                    "price_partner": price,
                    "price_external": price * 2,
                    "deposit": deposit,
                    "created_by_id": ctx.users[tenant["id"]][0],
                    "created_at": created,
                    "updated_at": created,
                }
            )
    copy_rows(conn, "rental_resources", resources)

    reservations: list[dict[str, Any]] = []
    bookings: list[dict[str, Any]] = []
    per_resource = RESERVATIONS_PER_RESOURCE
    res_ids = iter(reserve_ids(conn, "rental_reservations", per_resource * len(resources)))
    book_ids = iter(reserve_ids(conn, "rental_bookings", per_resource * len(resources)))
    for res in resources:
        owner = res["tenant_id"]
        _region, others = partners.get(owner, (None, []))
        requesters = [owner, *(others if res["audience"] == "region" else [])]
        tracks = 1 if res["is_single_unit"] else 2
        for track in range(tracks):
            moment = now - timedelta(days=180 + rng.randint(0, 10))
            for _n in range(per_resource // tracks):
                # 07:00 UTC one to three days after the previous slot (and its buffer) ended.
                starts = (moment + timedelta(days=rng.randint(1, 3))).replace(hour=7)
                ends = starts + timedelta(days=rng.randint(0, 2), hours=10)
                blocked = ends + timedelta(minutes=res["buffer_minutes"])
                moment = blocked
                if blocked < now:
                    status = rng.choice(PAST)
                elif starts > now:
                    status = rng.choice(FUTURE)
                else:
                    status = rng.choice(CURRENT)
                requester = rng.choice(requesters) if rng.random() < 0.65 else owner
                quantity = 1 if res["is_single_unit"] else rng.randint(1, res["quantity"] // 2)
                tariff = "eigen" if requester == owner else "partner"
                unit_price = res["price_own"] if tariff == "eigen" else res["price_partner"]
                price = (unit_price * _units(res["unit"], starts, ends, quantity)).quantize(Decimal("0.01"))
                deposit = Decimal("0") if tariff == "eigen" else res["deposit"]
                reservation_id, booking_id = next(res_ids), next(book_ids)
                requested_by = ctx.users[requester][4 + (reservation_id % 20)]
                created = min(starts, now) - timedelta(days=rng.randint(3, 60))
                went_out = status in ("afgehaald", "teruggebracht", "afgerekend")
                returned = status in ("teruggebracht", "afgerekend")
                common = {
                    "resource_id": res["id"],
                    "starts_at": starts,
                    "ends_at": ends,
                    "quantity": quantity,
                    "purpose": "Buurtfeest" if track == 0 else "Sportdag",
                    "status": status,
                    "tariff_class": tariff,
                    "price": price,
                    "deposit": deposit,
                    "decision_note": "",
                    "requested_by_id": requested_by,
                    "picked_up_at": starts if went_out else None,
                    "returned_at": ends if returned else None,
                    "created_at": created,
                    "updated_at": created,
                }
                reservations.append(
                    {
                        "id": reservation_id,
                        "tenant_id": requester,
                        "owner_tenant_id": owner,
                        "booking_id": booking_id,
                        "resource_name": res["name"],
                        "unit": res["unit"],
                        **common,
                    }
                )
                bookings.append(
                    {
                        "id": booking_id,
                        "tenant_id": owner,
                        "requester_tenant_id": requester,
                        "reservation_id": reservation_id,
                        "is_single_unit": res["is_single_unit"],
                        "blocked_until": blocked,
                        **common,
                    }
                )
        if len(reservations) >= 50_000:
            copy_rows(conn, "rental_reservations", reservations)
            copy_rows(conn, "rental_bookings", bookings)
            reservations, bookings = [], []
    copy_rows(conn, "rental_reservations", reservations)
    copy_rows(conn, "rental_bookings", bookings)

    tokens = [
        {
            "tenant_id": tenant["id"],
            "user_id": ctx.users[tenant["id"]][1],  # the algemeen directeur
            "token_hash": hashlib.sha256(calendar_token(tenant["slug"]).encode()).hexdigest(),
            "created_at": now,
        }
        for tenant in ctx.tenants
    ]
    token_ids = reserve_ids(conn, "rental_calendar_tokens", len(tokens))
    copy_rows(conn, "rental_calendar_tokens", [{"id": i, **t} for i, t in zip(token_ids, tokens, strict=True)])


def busiest_in_window(conn: Connection, tenant_id: int) -> int | None:
    """Return the partner's shared resource with the most active bookings in the coming six weeks.

    The rental detail page shows eight weeks from today and its ``bezetting.json`` six: a
    resource busiest over all time may have nothing there, and the page would measure an empty
    calendar.
    """
    from portal.rentals.models import ACTIVE_STATUSES

    now = datetime.now(UTC)
    return conn.execute(
        text(
            "SELECT r.id FROM rental_resources r "
            "JOIN region_memberships m ON m.region_id = r.region_id AND m.tenant_id = :t "
            "JOIN rental_bookings b ON b.resource_id = r.id "
            "WHERE m.left_on IS NULL AND r.tenant_id <> :t AND r.audience = 'region' "
            "AND b.status = ANY(:active) AND b.starts_at < :until AND b.blocked_until > :now "
            "GROUP BY r.id ORDER BY count(b.id) DESC, r.id LIMIT 1"
        ),
        # The application's clock (as the pages see it), not the database's.
        {"t": tenant_id, "active": list(ACTIVE_STATUSES), "now": now, "until": now + timedelta(weeks=6)},
    ).scalar()


def busiest_overall(conn: Connection, tenant_id: int) -> int:
    """Return the partner's shared resource with the most bookings of all time."""
    return int(
        conn.execute(
            text(
                "SELECT r.id FROM rental_resources r JOIN region_memberships m ON m.region_id = r.region_id "
                "JOIN rental_bookings b ON b.resource_id = r.id "
                "WHERE m.tenant_id = :t AND m.left_on IS NULL AND r.tenant_id <> :t AND r.audience = 'region' "
                "GROUP BY r.id ORDER BY count(b.id) DESC, r.id LIMIT 1"
            ),
            {"t": tenant_id},
        ).scalar_one()
    )


def pages(conn: Connection, tenant: str) -> list[tuple[str, str]]:
    """Return the key rental pages and API calls for the algemeen directeur of ``tenant``."""
    tid = conn.execute(text("SELECT id FROM tenants WHERE slug = :s"), {"s": tenant}).scalar_one()
    # A partner's shared resource busiest in the weeks the detail page and its feeds show (the
    # busiest of all time if none has bookings there): the heaviest calendar to time.
    resource = busiest_in_window(conn, tid) or busiest_overall(conn, tid)
    reservation = conn.execute(
        text("SELECT id FROM rental_reservations WHERE tenant_id = :t ORDER BY starts_at DESC, id LIMIT 1"),
        {"t": tid},
    ).scalar_one()
    booking = conn.execute(
        text("SELECT id FROM rental_bookings WHERE tenant_id = :t AND status = 'aangevraagd' ORDER BY id LIMIT 1"),
        {"t": tid},
    ).scalar_one()
    day = datetime.now(UTC).astimezone(BRUSSELS).date() + timedelta(days=30)
    period = f"starts_at={day.isoformat()}T08:00:00&ends_at={(day + timedelta(days=2)).isoformat()}T18:00:00"
    return [
        ("verhuur catalogus", f"/{tenant}/verhuur/"),
        ("verhuur catalogus (podium)", f"/{tenant}/verhuur/?category=podium"),
        ("verhuur materieel (detail)", f"/{tenant}/verhuur/materieel/{resource}"),
        ("verhuur bezetting.json", f"/{tenant}/verhuur/materieel/{resource}/bezetting.json"),
        ("verhuur beschikbaarheid", f"/{tenant}/verhuur/beschikbaarheid?{period}&category=podium&quantity=1"),
        ("verhuur beschikbaarheid (alles)", f"/{tenant}/verhuur/beschikbaarheid?{period}&quantity=1"),
        ("verhuur eigen reservaties", f"/{tenant}/verhuur/reservaties"),
        ("verhuur reservatie (detail)", f"/{tenant}/verhuur/reservaties/{reservation}"),
        ("verhuur aanvragen", f"/{tenant}/verhuur/aanvragen?status=aangevraagd"),
        ("verhuur aanvraag (detail)", f"/{tenant}/verhuur/aanvragen/{booking}"),
        ("verhuur afrekening", f"/{tenant}/verhuur/afrekening"),
        ("verhuur iCal materieel", f"/{tenant}/verhuur/materieel/{resource}/agenda.ics"),
        ("verhuur iCal gebruiker", f"/{tenant}/verhuur/agenda/{calendar_token(tenant)}.ics"),
        ("API rentals/resources", "/api/v1/rentals/resources"),
        ("API rentals/availability", f"/api/v1/rentals/availability?{period}&category=podium"),
        ("API rentals/reservations", "/api/v1/rentals/reservations"),
        ("API rentals/bookings", "/api/v1/rentals/bookings"),
    ]
