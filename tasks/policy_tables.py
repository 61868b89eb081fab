"""Beleidstafels: daily reminders of overdue action items and the automatic publication of agendas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from celery import shared_task
from celery.schedules import crontab

from portal.core.models import utcnow
from portal.extensions import db
from portal.policy_tables import operations as ops
from tenants.context import for_each_tenant
from tenants.sharing import today

SCHEDULE: dict[str, Any] = {
    "policy-tables-overdue-actions": {
        "task": "portal.policy_tables.remind_overdue",
        "schedule": crontab(hour=7, minute=15),
    },
    "policy-tables-publish-agendas": {
        "task": "portal.policy_tables.publish_due_agendas",
        "schedule": crontab(minute=5),
    },
}


def remind_all_overdue(day: date | None = None) -> int:
    """Run the overdue reminders for every chair tenant, each in its own tenant context and transaction."""
    day = day or today()
    sent = 0
    for tenant_id in for_each_tenant(ops.chair_tenant_ids()):
        sent += ops.remind_overdue(tenant_id, day, "/beleidstafels")
        # One transaction per chair: a later chair's failure keeps the reminders already sent.
        db.session.commit()
    return sent


def publish_all_due_agendas(now: datetime | None = None) -> int:
    """Run the automatic publication for every chair tenant, each in its own tenant context and transaction."""
    now = now or utcnow()
    published = 0
    for tenant_id in for_each_tenant(ops.chair_tenant_ids()):
        published += ops.publish_due_agendas(tenant_id, now)
        db.session.commit()  # as above: each chair's agendas stay published whatever the next one does
    return published


@shared_task(name="portal.policy_tables.remind_overdue")
def remind_overdue() -> int:
    """Notify responsible municipalities of overdue actions; a second run sends nothing new."""
    return remind_all_overdue()


@shared_task(name="portal.policy_tables.publish_due_agendas")
def publish_due_agendas() -> int:
    """Publish the agendas that are due; a second run publishes nothing new."""
    return publish_all_due_agendas()
