"""Joint procurement reminders: contract expiry and approaching joining deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from portal.extensions import db
from portal.procurement import operations as ops
from tenants.context import for_each_tenant
from tenants.models import Tenant


@shared_task(name="portal.procurement.reminders")
def reminders() -> int:
    """Send expiry and deadline reminders for every tenant; a second run sends nothing new."""
    return run_reminders()


def run_reminders(day: date | None = None) -> int:
    """Send the reminders of each municipality in its own context and commit after each one."""
    tenant_ids = list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))
    sent = 0
    for _tenant_id in for_each_tenant(tenant_ids):
        sent += ops.send_reminders(day)
        # One unit per municipality: its reminders and their outbox rows stay even if a later one fails.
        db.session.commit()
    return sent


SCHEDULE: dict[str, Any] = {
    "procurement-reminders": {"task": "portal.procurement.reminders", "schedule": crontab(hour=6, minute=30)},
}
