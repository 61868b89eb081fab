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
from portal.rentals.models import RentalStatus, Reservation, Resource
from tenants.context import BRUSSELS, acting_for
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
            "delivery_available": True,
            "delivery_cost": Decimal("75"),
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
        {
            "pickup_address": "Technische dienst, Kapelstraat 10, Ranst",
            "delivery_available": True,
            "delivery_cost": Decimal("40"),
        },
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
        with acting_for(tenant.id):
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
    count += _series_demo(tenants)
    count += _photos(tenants)
    return count


def _reservations(tenants: dict[str, Tenant]) -> int:
    count = 0
    samples = [("ranst", "zandhoven", "Mobiel podium 8 x 6 m", 21, 1), ("zoersel", "ranst", "Nadarhekken", 24, 80)]
    for requester, owner, name, days, quantity in samples:
        if requester not in tenants or owner not in tenants:
            continue
        with acting_for(tenants[requester].id):
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


def _series_demo(tenants: dict[str, Tenant]) -> int:
    """Let Zandhoven's harmonie rehearse in Ranst's hall every Tuesday evening for eight weeks (one request)."""
    if "zandhoven" not in tenants or "ranst" not in tenants:
        return 0
    with acting_for(tenants["zandhoven"].id):
        hall = db.session.scalar(
            select(Resource).where(Resource.name == "Zaal Sint-Pieter", Resource.tenant_id == tenants["ranst"].id)
        )
        user = db.session.scalar(select(User).where(User.email == f"dienst.zandhoven@{DOMAIN}"))
        if (
            hall is None
            or user is None
            or db.session.scalar(select(Reservation.id).where(Reservation.group_kind == "reeks"))
        ):
            return 0
        first = (utcnow() + timedelta(days=14)).astimezone(BRUSSELS).date()
        while first.weekday() != 1:
            first += timedelta(days=1)
        data = {
            "first_on": first,
            "last_on": first + timedelta(weeks=7),
            "starts_time": "19:00",
            "ends_time": "22:00",
            "purpose": "Repetitie harmonie",
            "mode": "vrije",
        }
        try:
            ops.request_series(hall, data, user=user)
        except DomainError:
            db.session.rollback()
            return 0
        db.session.commit()
    return 1


def _approve_demo(owner_id: int, *, reservation_id: int) -> None:
    """Let the owner approve one demo request so a loan agreement is waiting for acceptance."""
    from portal.rentals.models import Booking

    with acting_for(owner_id):
        booking = db.session.scalar(select(Booking).where(Booking.reservation_id == reservation_id))
        if booking is not None and booking.status == RentalStatus.AANGEVRAAGD:
            ops.decide_booking(booking, "goedkeuren", note="Afhalen aan de loods van de technische dienst.")


# -- catalogue photos: simple pictures drawn here (no image files in the repository, nothing downloaded) --

#: Sky, ground and the colour of the object per category.
_PALETTE = {
    "wc-wagen": ((173, 216, 230), (120, 160, 90), (240, 240, 240)),
    "podium": ((40, 40, 80), (70, 70, 70), (180, 40, 40)),
    "hoogtewerker": ((190, 220, 250), (110, 110, 110), (250, 180, 0)),
    "feestmaterieel": ((250, 235, 200), (160, 120, 80), (200, 60, 120)),
    "nadarhekken": ((200, 225, 245), (140, 140, 140), (160, 160, 170)),
    "tent": ((180, 220, 250), (100, 170, 80), (255, 255, 255)),
    "geluid": ((30, 30, 30), (60, 60, 60), (20, 120, 200)),
    "zaal": ((230, 220, 200), (150, 100, 60), (120, 60, 30)),
}


def _picture(category: str, variant: int) -> bytes:
    """Draw a recognisable, simple picture of a category (800 x 600 PNG)."""
    import io

    from PIL import Image, ImageDraw

    sky, ground, colour = _PALETTE.get(category, ((220, 220, 220), (150, 150, 150), (0, 90, 160)))
    image = Image.new("RGB", (800, 600), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 430, 800, 600), fill=ground)
    shift = 60 * variant
    if category == "tent":
        draw.polygon([(150 + shift, 430), (400 + shift, 200), (650 + shift, 430)], fill=colour, outline=(90, 90, 90))
    elif category == "podium":
        draw.rectangle((120, 330, 680, 430), fill=colour)
        draw.rectangle((120, 140, 680, 170), fill=(90, 90, 90))
        for x in (130, 660):
            draw.rectangle((x, 170, x + 10, 330), fill=(90, 90, 90))
        for x in range(200, 640, 110):
            draw.ellipse((x, 180 + shift // 3, x + 30, 210 + shift // 3), fill=(255, 230, 120))
    elif category == "hoogtewerker":
        draw.rectangle((200, 360, 520, 430), fill=colour)
        draw.line((360, 360, 520 + shift, 120), fill=colour, width=22)
        draw.rectangle((480 + shift, 80, 600 + shift, 130), outline=colour, width=8)
    elif category == "nadarhekken":
        for x in range(40, 760, 180):
            draw.rectangle((x + shift // 2, 300, x + 160 + shift // 2, 430), outline=colour, width=8)
            for bar in range(x + 20, x + 160, 20):
                draw.line((bar + shift // 2, 300, bar + shift // 2, 430), fill=colour, width=3)
    elif category == "zaal":
        draw.rectangle((100, 120, 700, 430), fill=(245, 240, 230), outline=colour, width=10)
        for row in range(3):
            for seat in range(8):
                x, y = 150 + seat * 65, 260 + row * 55
                draw.rectangle((x, y, x + 40, y + 30), fill=colour)
    else:
        draw.rounded_rectangle((200 - shift // 2, 220, 600 + shift // 2, 430), radius=30, fill=colour)
        draw.ellipse((250, 400, 330, 480), fill=(30, 30, 30))
        draw.ellipse((470, 400, 550, 480), fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _photos(tenants: dict[str, Tenant]) -> int:
    """Give every demo item without photos two drawn pictures; skip those that have some."""
    import io

    from werkzeug.datastructures import FileStorage

    count = 0
    names = {name for _slug, name, *_rest in ITEMS}
    for tenant in tenants.values():
        with acting_for(tenant.id):
            resources = db.session.scalars(
                select(Resource).where(Resource.tenant_id == tenant.id, Resource.name.in_(names))
            ).all()
            for resource in resources:
                if ops.resource_photos(resource):
                    continue
                uploads = [
                    FileStorage(io.BytesIO(_picture(resource.category, n)), filename=f"{resource.category}-{n + 1}.png")
                    for n in range(2)
                ]
                ops.add_resource_photos(resource, uploads, author_id=resource.created_by_id)
                count += 1
            db.session.commit()
    return count
