"""Rental tariffs: tariff class of a requester, billable units, frozen price, deposit and delivery."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.rentals.models import HandoverMode, Resource, TariffClass, Unit
from portal.rentals.operations._common import CENT
from tenants.sharing import partner_tenants


def tariff_class_for(requester_id: int, resource: Resource) -> str:
    """Return 'eigen' for the owner, 'partner' for a region partner, else 'extern'."""
    if requester_id == resource.tenant_id:
        return TariffClass.EIGEN
    if any(t.id == requester_id for t in partner_tenants(resource.tenant_id)):
        return TariffClass.PARTNER
    return TariffClass.EXTERN


def billable_units(unit: str, starts_at: datetime, ends_at: datetime, quantity: int) -> int:
    """Return how many tariff units a period costs: started hours, half days (4 h) or days."""
    hours = (ends_at - starts_at).total_seconds() / 3600
    if unit == Unit.UUR:
        count = math.ceil(hours)
    elif unit == Unit.HALVE_DAG:
        count = math.ceil(hours / 4)
    else:
        count = math.ceil(hours / 24)
    return max(count, 1) * quantity


def compute_price(
    resource: Resource, tariff_class: str, starts_at: datetime, ends_at: datetime, quantity: int
) -> tuple[Decimal, Decimal]:
    """Return (price, deposit) in euro, rounded to the cent."""
    rates: dict[str, Decimal] = {
        TariffClass.EIGEN: resource.price_own,
        TariffClass.PARTNER: resource.price_partner,
        TariffClass.EXTERN: resource.price_external,
    }
    rate = rates[tariff_class]
    price = Decimal(rate) * billable_units(resource.unit, starts_at, ends_at, quantity)
    deposit = Decimal(resource.deposit) * (quantity if resource.unit == Unit.STUK_DAG else 1)
    return price.quantize(CENT, ROUND_HALF_UP), deposit.quantize(CENT, ROUND_HALF_UP)


def handover_terms(resource: Resource, data: dict[str, Any]) -> tuple[str, Decimal]:
    """Return (pick-up or delivery, the delivery cost to freeze); refuse delivery the owner does not offer."""
    handover = data.get("handover_mode") or HandoverMode.AFHALEN
    if handover == HandoverMode.LEVERING and not resource.delivery_available:
        raise DomainError(
            _("%(name)s wordt niet geleverd: kies afhalen.", name=resource.name), status_code=422, field="handover_mode"
        )
    return handover, Decimal(resource.delivery_cost) if handover == HandoverMode.LEVERING else Decimal("0")
