"""Demo content: a draft council report of the last finished period for Ranst. Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.reports import operations as ops
from tenants.models import Tenant

DEMO_TENANTS = ("ranst",)


def load() -> int:
    """Generate the missing demo drafts in-process; return how many were made."""
    made = 0
    for slug in DEMO_TENANTS:
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        if tenant_id is None:
            continue
        report_id = ops.due_report(tenant_id)
        db.session.commit()
        if report_id is not None and ops.generate_now(tenant_id, report_id, commit_progress=False) == "concept":
            made += 1
    return made
