"""Demo content for rentals: realistic material and halls per municipality, a few reservations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.demo import DOMAIN
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals.models import Reservation, Resource
from tenants.context import BRUSSELS, tenant_context
from tenants.models import Region, Tenant

# (owner slug, name, kind, category, quantity, unit, own, partner, external, deposit, region slug, extra)
ITEMS: list[tuple[Any, ...]] = [
    (
        "ranst",
        "WC-wagen 4+2",
        "materieel",
        "wc-wagen",
        1,
        "dag",
        "0",
        "95",
        "190",
        "250",
        "regio-ranst",
        {
            "needs_towing_vehicle": True,
            "min_notice_hours": 72,
            "buffer_minutes": 240,
            "insured_by": "ontlener",
            "insurance_notes": "De ontlener verzekert de WC-wagen tijdens de uitleenperiode.",
        },
    ),
    (
        "ranst",
        "Nadarhekken",
        "materieel",
        "nadarhekken",
        200,
        "stuk_dag",
        "0",
        "1.50",
        "3",
        "0",
        "regio-ranst",
        {"pickup_address": "Technische dienst, Kapelstraat 10, Ranst"},
    ),
    (
        "ranst",
        "Zaal Sint-Pieter",
        "zaal",
        "zaal",
        1,
        "halve_dag",
        "0",
        "60",
        "120",
        "100",
        "regio-ranst",
        {"capacity": 180, "max_length_hours": 48},
    ),
    (
        "zandhoven",
        "Mobiel podium 8 x 6 m",
        "materieel",
        "podium",
        1,
        "dag",
        "0",
        "250",
        "500",
        "500",
        "regio-ranst",
        {
            "needs_towing_vehicle": True,
            "min_notice_hours": 168,
            "buffer_minutes": 480,
            "pickup_address": "Gemeentelijke werkplaats, Liersebaan 5, Zandhoven",
            "insured_by": "eigenaar",
            "insurer": "Ethias",
            "policy_number": "45.118.223",
            "insurance_notes": "Omnium materieel, vrijstelling 500 euro ten laste van de ontlener bij schade.",
        },
    ),
    ("zandhoven", "Partytenten 6 x 3 m", "materieel", "tent", 12, "stuk_dag", "0", "25", "50", "50", "regio-ranst", {}),
    (
        "zoersel",
        "Hoogtewerker 14 m",
        "materieel",
        "hoogtewerker",
        1,
        "dag",
        "0",
        "180",
        "360",
        "300",
        "regio-ranst",
        {
            "needs_certified_operator": True,
            "max_length_hours": 120,
            "required_certificate": "IPAF 3b (hoogwerker)",
            "insurer": "KBC Verzekeringen",
            "policy_number": "HW-2026-0042",
        },
    ),
    ("zoersel", "Geluidsinstallatie 2 kW", "materieel", "geluid", 1, "dag", "0", "60", "120", "150", "regio-ranst", {}),
    (
        "schilde",
        "Feestmaterieel (tafels en stoelen)",
        "materieel",
        "feestmaterieel",
        40,
        "stuk_dag",
        "0",
        "4",
        "8",
        "0",
        "regio-ranst",
        {},
    ),
    ("lier", "Stadspodium", "materieel", "podium", 1, "dag", "0", "300", "600", "500", "regio-lier", {}),
    (
        "herenthout",
        "Zaal De Kleine Wereld",
        "zaal",
        "zaal",
        1,
        "uur",
        "0",
        "25",
        "50",
        "0",
        "regio-lier",
        {"capacity": 90},
    ),
]


def load() -> int:
    """Create the demo catalogue and a few reservations; skip what exists."""
    count = 0
    regions = {r.slug: r.id for r in db.session.scalars(select(Region))}
    tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
    for slug, name, kind, category, qty, unit, own, partner, ext, deposit, region, extra in ITEMS:
        tenant = tenants.get(slug)
        if tenant is None or region not in regions:
            continue
        with tenant_context(tenant.id):
            if db.session.scalar(select(Resource.id).where(Resource.name == name)) is not None:
                continue
            author = db.session.scalar(select(User.id).where(User.email == f"dienst.{slug}@{DOMAIN}"))
            ops.create_resource(
                {
                    "name": name,
                    "kind": kind,
                    "category": category,
                    "quantity": qty,
                    "unit": unit,
                    "price_own": Decimal(own),
                    "price_partner": Decimal(partner),
                    "price_external": Decimal(ext),
                    "deposit": Decimal(deposit),
                    "audience": "region",
                    "region_id": regions[region],
                    "description": f"{name} van {tenant.name}, uit te lenen aan de partnergemeenten.",
                    **extra,
                },
                author_id=author,
            )
            db.session.commit()
            count += 1
    count += _reservations(tenants)
    return count


def _reservations(tenants: dict[str, Tenant]) -> int:
    count = 0
    samples = [("ranst", "zandhoven", "Mobiel podium 8 x 6 m", 21, 1), ("zoersel", "ranst", "Nadarhekken", 24, 80)]
    for requester, owner, name, days, quantity in samples:
        if requester not in tenants or owner not in tenants:
            continue
        with tenant_context(tenants[requester].id):
            if db.session.scalar(select(Reservation.id).where(Reservation.resource_name == name)) is not None:
                continue
            user = db.session.scalar(select(User).where(User.email == f"dienst.{requester}@{DOMAIN}"))
            resource = db.session.scalar(
                select(Resource).where(Resource.name == name, Resource.tenant_id == tenants[owner].id)
            )
            if user is None or resource is None:
                continue
            day = (utcnow() + timedelta(days=days)).astimezone(BRUSSELS).date()
            while day.weekday() != 5 or ops.closed_reason(resource.tenant, day):
                day += timedelta(days=1)
            start = ops.brussels(day, "09:00")
            try:
                reservation = ops.request_reservation(
                    resource,
                    {
                        "starts_at": start,
                        "ends_at": start + timedelta(hours=36),
                        "quantity": quantity,
                        "purpose": "Zomerfeest",
                    },
                    user=user,
                )
            except DomainError:
                db.session.rollback()
                continue
            if requester == "zoersel":
                _approve_demo(tenants[owner].id, reservation_id=reservation.id)
            db.session.commit()
            count += 1
    return count


def _approve_demo(owner_id: int, *, reservation_id: int) -> None:
    """Let the owner approve one demo request so a loan agreement is waiting for acceptance."""
    from portal.rentals.models import Booking

    with tenant_context(owner_id):
        booking = db.session.scalar(select(Booking).where(Booking.reservation_id == reservation_id))
        if booking is not None and booking.status == "aangevraagd":
            ops.decide_booking(booking, "goedkeuren", note="Afhalen aan de loods van de technische dienst.")
