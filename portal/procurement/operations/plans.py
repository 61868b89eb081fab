"""Purchase planning and bundling: planned purchases, shared with a region, and bundling suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.procurement.models import (
    PurchasePlan,
)
from portal.procurement.operations._common import _check_cpv, _notify_tenant
from tenants.context import current_tenant_id
from tenants.sharing import partner_tenants, readable_prefilter, set_audience, today


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise DomainError(
            _("Het einde van de periode ligt vóór het begin."), field="expected_until_on", status_code=422
        )


def visible_plans(*, own_only: bool = False, tenant_id: int | None = None) -> Select[Any]:
    """Return a query of purchase plans the acting tenant may read, soonest first."""
    stmt = select(PurchasePlan).where(readable_prefilter(PurchasePlan, current_tenant_id()))
    if own_only:
        stmt = stmt.where(PurchasePlan.tenant_id == tenant_id)
    return stmt.order_by(PurchasePlan.expected_from_on, PurchasePlan.id)


def _share_plan(plan: PurchasePlan, region_id: int | None) -> None:
    if region_id:
        set_audience(plan, "region", region_id=region_id)
    else:
        set_audience(plan, "own")


def create_plan(data: dict[str, Any]) -> PurchasePlan:
    """Add a planned purchase for the acting tenant; share it with a region when asked."""
    cpv = _check_cpv(data["cpv_code"])
    _check_period(data["expected_from_on"], data["expected_until_on"])
    plan = PurchasePlan(
        subject=data["subject"].strip(),
        cpv_code=cpv,
        estimated_value=data["estimated_value"],
        expected_from_on=data["expected_from_on"],
        expected_until_on=data["expected_until_on"],
        notes=data.get("notes") or "",
    )
    db.session.add(plan)
    db.session.flush()
    _share_plan(plan, data.get("region_id"))
    notify_bundling(plan)
    return plan


def update_plan(plan: PurchasePlan, data: dict[str, Any]) -> PurchasePlan:
    """Change the fields present in ``data``."""
    if "cpv_code" in data:
        plan.cpv_code = _check_cpv(data["cpv_code"])
    for name in ("subject", "estimated_value", "expected_from_on", "expected_until_on", "notes"):
        if name in data:
            setattr(plan, name, data[name].strip() if name == "subject" else data[name])
    _check_period(plan.expected_from_on, plan.expected_until_on)
    if "region_id" in data:
        _share_plan(plan, data["region_id"])
    db.session.flush()
    notify_bundling(plan)
    return plan


def delete_plan(plan: PurchasePlan) -> None:
    """Delete a planned purchase and its grants."""
    set_audience(plan, "own")
    db.session.delete(plan)
    db.session.flush()


@dataclass
class Suggestion:
    """Two plans of partners in the same CPV group with overlapping timing."""

    own: PurchasePlan
    other: PurchasePlan

    @property
    def combined_value(self) -> Decimal:
        return Decimal(self.own.estimated_value) + Decimal(self.other.estimated_value)


def bundling_suggestions(tenant_id: int, plan: PurchasePlan | None = None) -> list[Suggestion]:
    """Return bundling suggestions for the tenant's shared plans with current partners' plans.

    Only plans that both sides share are compared (so both aankopers see the same pair), and
    only with tenants that are current partners: a former member or another region never shows.
    """
    partners = {t.id for t in partner_tenants(tenant_id)}
    if not partners:
        return []
    own_stmt = select(PurchasePlan).where(PurchasePlan.tenant_id == tenant_id, PurchasePlan.audience != "own")
    if plan is not None:
        own_stmt = own_stmt.where(PurchasePlan.id == plan.id)
    own_plans = list(db.session.scalars(own_stmt))
    if not own_plans:
        return []
    others = list(
        db.session.scalars(
            select(PurchasePlan).where(
                PurchasePlan.tenant_id.in_(partners),
                PurchasePlan.audience != "own",
                PurchasePlan.expected_until_on >= today(),
            )
        )
    )
    found = []
    for mine in own_plans:
        for other in others:
            if (
                other.cpv_group == mine.cpv_group
                and other.expected_from_on <= mine.expected_until_on
                and mine.expected_from_on <= other.expected_until_on
            ):
                found.append(Suggestion(mine, other))
    found.sort(key=lambda s: (s.own.expected_from_on, s.other.expected_from_on, s.other.id))
    return found


def notify_bundling(plan: PurchasePlan) -> int:
    """Tell both aankopers about each new bundling opportunity of ``plan`` (once per pair)."""
    sent = 0
    for s in bundling_suggestions(plan.tenant_id, plan):
        pair = sorted((s.own.id, s.other.id))
        title = _("Bundelkans: %(a)s en %(b)s", a=s.own.subject, b=s.other.subject)
        sent += _notify_tenant(s.own.tenant_id, title, "/planning", f"proc-bundle:{pair[0]}:{pair[1]}")
        sent += _notify_tenant(s.other.tenant_id, title, "/planning", f"proc-bundle:{pair[0]}:{pair[1]}")
    return sent
