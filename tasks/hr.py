"""Gedeelde HR tasks: retention clean-up of application and recruitment-reserve data."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from portal.extensions import db
from portal.hr.operations import anonymise_expired
from tenants.context import for_each_tenant
from tenants.models import Tenant


@shared_task(name="portal.hr.anonymise_applications")
def anonymise_applications() -> int:
    """Anonymise applications and reserve laureates past each tenant's retention; safe to run twice."""
    total = 0
    tenant_ids = list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))
    for tenant_id in for_each_tenant(tenant_ids):
        total += anonymise_expired(tenant_id)
        db.session.commit()
    return total


SCHEDULE = {
    "hr-anonymise-applications": {"task": "portal.hr.anonymise_applications", "schedule": crontab(hour=3, minute=15)},
}
