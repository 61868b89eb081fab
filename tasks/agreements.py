"""Scheduled agreement work: evaluations due, endings approaching, matrix snapshots (idempotent)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from portal.agreements import operations as ops
from portal.extensions import db
from tenants.context import for_each_tenant
from tenants.models import Tenant

SCHEDULE: dict[str, Any] = {
    "agreements-daily": {"task": "portal.agreements.daily", "schedule": crontab(hour=6, minute=30)},
}


@shared_task(name="portal.agreements.daily")
def daily() -> dict[str, int]:
    """For every municipality in turn: end expired agreements, schedule evaluations, warn, keep the snapshot."""
    totals = {"ended": 0, "evaluations": 0, "reminders": 0, "snapshots": 0}
    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.is_active.is_(True)).order_by(Tenant.id)))
    for _tenant_id in for_each_tenant(tenant_ids):
        totals["ended"] += ops.end_expired()
        totals["evaluations"] += ops.schedule_evaluations()
        totals["reminders"] += ops.remind_endings()
        totals["snapshots"] += ops.snapshot_regions()
        db.session.commit()
    return totals
