"""Builders of alignment items and proposals for the alignment tests and the cross-tenant matrix."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from portal.alignment import operations as ops
from portal.extensions import db
from tenants.context import tenant_context
from tests import clock


def secret(label: str) -> str:
    """Return a text unique to this test run."""
    return f"{label} {uuid.uuid4().hex[:10]}"


def as_user(world: Any, tenant: str, role: str = "ad") -> Any:
    """Act as ``role`` of ``tenant`` (a tenant context with that user)."""
    user = world.user(tenant, role)
    return tenant_context(user.tenant_id, user_id=user.id)


def tariff(
    world: Any,
    tenant: str,
    amount: str,
    *,
    subject: str = "nadarhekken",
    title: str | None = None,
    shared: bool = True,
    unit: str = "per hek per dag",
) -> int:
    """Create and commit a retributiereglement with one tariff line; return its id."""
    with as_user(world, tenant, "dienst"):
        item = ops.create_item(
            {
                "kind": "reglement",
                "title": title or f"Retributie {subject} {tenant}",
                "subject": subject,
                "category": "retributie",
                "status": "actief",
                "tariff_lines": [{"label": "Nadarhek", "amount": Decimal(amount), "unit": unit}],
                "audience": "region" if shared else "own",
                "region_id": world.regions["a"].id if shared else None,
            }
        )
        db.session.commit()
        return item.id


def item_of(world: Any, tenant: str, data: Mapping[str, Any], shared: bool = True) -> int:
    """Create and commit any item of ``tenant``; return its id."""
    with as_user(world, tenant, "dienst"):
        item = ops.create_item(
            {
                "status": "actief",
                "category": "",
                **data,
                "audience": "region" if shared else "own",
                "region_id": world.regions["a"].id if shared else None,
            }
        )
        db.session.commit()
        return item.id


def proposal_of(world: Any, partners: list[Any], *, title: str | None = None, submit: bool = False) -> int:
    """Create (and optionally submit) a proposal of "owner" with the given partner tenants."""
    with as_user(world, "owner"):
        proposal = ops.create_proposal(
            {
                "title": title or secret("Voorstel"),
                "kind": "reglement",
                "subject": "nadarhekken",
                "description": "Eén tarief voor nadarhekken.",
                "proposed_value": "2,50 EUR per hek per dag",
                "target_amount": Decimal("2.50"),
                "unit": "per hek per dag",
                "partner_ids": [p.id for p in partners],
            }
        )
        if submit:
            ops.submit(proposal)
        db.session.commit()
        return proposal.id


def meeting_of(world: Any, tenant: str = "owner") -> int:
    """Create and commit a beleidstafel of ``tenant`` in region A with a meeting next week; return its id."""
    from portal.policy_tables import operations as pt_ops

    with as_user(world, tenant) as ctx:
        table = pt_ops.create_table(
            {"name": secret("Tafel Financieel beleid"), "theme": "vrije_tijd", "region_id": world.regions["a"].id},
            tenant_id=ctx.tenant_id,
        )
        meeting = pt_ops.create_meeting(
            table,
            {
                "day": clock.today() + timedelta(days=7),
                "start_time": time(14),
                "end_time": time(16),
                "location": "Zaal",
            },
        )
        db.session.commit()
        return int(meeting.id)
