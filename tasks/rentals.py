"""Scheduled rental work: pick-up reminders, overdue returns and expired waitlist offers (idempotent)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from portal.extensions import db
from portal.rentals import operations as ops
from tenants.context import for_each_tenant
from tenants.models import Tenant

SCHEDULE: dict[str, Any] = {
    "rentals-daily": {"task": "portal.rentals.daily", "schedule": crontab(hour=7, minute=0)},
    # Offers expire at any hour: check every quarter, so the next in line waits at most 15 minutes more.
    "rentals-offers": {"task": "portal.rentals.offers", "schedule": crontab(minute="*/15")},
}


@shared_task(name="portal.rentals.daily")
def daily() -> dict[str, int]:
    """For every owner municipality in turn: remind of tomorrow's pick-ups and of overdue returns."""
    totals = {"pickup": 0, "overdue": 0}
    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.is_active.is_(True)).order_by(Tenant.id)))
    for _tenant_id in for_each_tenant(tenant_ids):
        for key, count in ops.send_reminders().items():
            totals[key] += count
        db.session.commit()
    return totals


@shared_task(name="portal.rentals.offers")
def offers() -> int:
    """For every owner municipality in turn: end expired waitlist offers and offer the slot to the next in line."""
    ended = 0
    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.is_active.is_(True)).order_by(Tenant.id)))
    for _tenant_id in for_each_tenant(tenant_ids):
        ended += ops.expire_offers()
        db.session.commit()
    return ended
