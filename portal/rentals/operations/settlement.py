"""Rental settlement (afrekening): what the acting tenant lent to and borrowed from each partner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.rentals.models import Booking, RentalStatus, Reservation
from portal.rentals.operations._common import CENT, brussels
from tenants.context import current_tenant_id
from tenants.models import Tenant
from tenants.sharing import today

#: Statuses whose amounts are due between the municipalities (the material went out).
SETTLED_STATUSES = (RentalStatus.AFGEHAALD, RentalStatus.TERUGGEBRACHT, RentalStatus.AFGEREKEND)


def settlement_period(starts_on: date | None, ends_on: date | None) -> tuple[date, date]:
    """Return the period a settlement covers: the dates given, by default from 1 January for a year."""
    start = starts_on or today().replace(month=1, day=1)
    return start, ends_on or start.replace(year=start.year + 1)


def settlement(starts_on: date, ends_on: date) -> list[dict[str, Any]]:
    """Return per partner municipality what the acting tenant lent and borrowed in [starts_on, ends_on).

    Only the acting tenant's own rows are read (its bookings and its reservations), so every
    pair includes the viewer; own use is left out. Amounts are the frozen price plus delivery.
    ``balance`` = lent - borrowed: positive means the partner owes the viewer.
    """
    start, end = brussels(starts_on), brussels(ends_on)
    pairs: dict[int, dict[str, Any]] = {}

    def row(tenant_id: int) -> dict[str, Any]:
        return pairs.setdefault(
            tenant_id,
            {
                "partner_id": tenant_id,
                "lent_count": 0,
                "lent_amount": Decimal("0.00"),
                "borrowed_count": 0,
                "borrowed_amount": Decimal("0.00"),
            },
        )

    viewer = current_tenant_id()
    # Summed per partner in the database: a year of a busy owner's bookings is thousands of rows.
    # What the viewer lent are its bookings (the partner requested), what it borrowed its reservations.
    sides: tuple[tuple[type[Booking] | type[Reservation], Any, str], ...] = (
        (Booking, Booking.requester_tenant_id, "lent"),
        (Reservation, Reservation.owner_tenant_id, "borrowed"),
    )
    for model, partner, side in sides:
        totals = db.session.execute(
            select(partner, func.count(), func.sum(model.price + model.delivery_cost))
            .where(
                model.status.in_(SETTLED_STATUSES),
                partner != viewer,
                model.starts_at >= start,
                model.starts_at < end,
            )
            .group_by(partner)
        )
        for tenant_id, count, amount in totals:
            item = row(tenant_id)
            item[f"{side}_count"] += int(count)
            item[f"{side}_amount"] += Decimal(amount or 0)
    names = {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(list(pairs))))}
    out = []
    for tenant_id, item in pairs.items():
        item["partner"] = names[tenant_id]
        item["balance"] = (item["lent_amount"] - item["borrowed_amount"]).quantize(CENT)
        out.append(item)
    return sorted(out, key=lambda r: r["partner"].name)


def settlement_table(viewer_name: str, rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Return the header and rows of the settlement export."""
    header = [
        _("Gemeente"),
        _("Partnergemeente"),
        _("Aantal uitgeleend"),
        _("Bedrag uitgeleend (EUR)"),
        _("Aantal ontleend"),
        _("Bedrag ontleend (EUR)"),
        _("Saldo (EUR)"),
    ]
    body = [
        [
            viewer_name,
            r["partner"].name,
            r["lent_count"],
            r["lent_amount"],
            r["borrowed_count"],
            r["borrowed_amount"],
            r["balance"],
        ]
        for r in rows
    ]
    return header, body
