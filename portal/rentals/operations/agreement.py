"""Loan agreement of a rental: frozen terms at approval, acceptance by the requester, PDF."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.extensions import db
from portal.rentals.models import Booking, RentalStatus, Reservation
from portal.rentals.operations._common import _acting_as, _copy, _party, _slug, _staff_of


def agreement_terms(booking: Booking) -> dict[str, Any]:
    """Return the loan agreement of a booking as frozen data (call in the owner's context)."""
    resource = booking.resource
    issued = utcnow()
    return {
        "number": f"UO-{issued.year}-{booking.id:06d}",
        "issued_at": issued.isoformat(),
        "owner": _party(booking.tenant_id),
        "requester": _party(booking.requester_tenant_id),
        "items": [
            {
                "name": resource.name,
                "kind": resource.kind,
                "category": resource.category,
                "quantity": booking.quantity,
                "pickup_address": resource.pickup_address,
                "needs_towing_vehicle": resource.needs_towing_vehicle,
            }
        ],
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "purpose": booking.purpose,
        "tariff_class": booking.tariff_class,
        "unit": resource.unit,
        "price": str(booking.price),
        "deposit": str(booking.deposit),
        "handover_mode": booking.handover_mode,
        "delivery_cost": str(booking.delivery_cost),
        "insurance": {
            "insured_by": resource.insured_by,
            "insurer": resource.insurer,
            "policy_number": resource.policy_number,
            "notes": resource.insurance_notes,
        },
        "certified_operator": resource.needs_certified_operator,
        "required_certificate": resource.required_certificate,
    }


def accept_agreement(reservation: Reservation, data: dict[str, Any], *, user: User) -> Reservation:
    """Record that ``user`` accepts the loan agreement of an approved own reservation."""
    terms = reservation.agreement_terms
    if reservation.status != RentalStatus.GOEDGEKEURD or not terms:
        raise DomainError(_("Er is nog geen goedgekeurde uitleenovereenkomst om te aanvaarden."))
    if reservation.accepted_at is not None:
        raise DomainError(_("De uitleenovereenkomst is al aanvaard."))
    if not data.get("accept"):
        raise DomainError(_("Vink aan dat je de voorwaarden aanvaardt."), field="accept", status_code=422)
    values: dict[str, Any] = {
        "accepted_at": utcnow(),
        "accepted_by_name": (user.full_name or user.email)[:200],
        "requester_policy_number": (data.get("requester_policy_number") or "").strip()[:100],
        "operator_name": (data.get("operator_name") or "").strip()[:200],
        "operator_certificate": (data.get("operator_certificate") or "").strip()[:200],
    }
    if not values["requester_policy_number"]:
        raise DomainError(
            _("Geef het polisnummer van jullie BA-verzekering."), field="requester_policy_number", status_code=422
        )
    if terms.get("certified_operator"):
        for name, message in (
            ("operator_name", _("Geef de naam van de gecertificeerde bediener.")),
            ("operator_certificate", _("Geef het attest of certificaatnummer van de bediener.")),
        ):
            if not values[name]:
                raise DomainError(message, field=name, status_code=422)
    for name, value in values.items():
        setattr(reservation, name, value)
    reservation.accepted_by_id = user.id
    db.session.flush()
    _copy(reservation.owner_tenant_id, Booking, reservation.booking_id, values)
    with _acting_as(reservation.owner_tenant_id, user):
        for staff in _staff_of(reservation.owner_tenant_id):
            notify(
                staff,
                category="rentals",
                title=_("Uitleenovereenkomst aanvaard: %(name)s", name=reservation.resource_name),
                body=_("%(who)s aanvaardde de voorwaarden.", who=values["accepted_by_name"]),
                link=f"/{_slug(reservation.owner_tenant_id)}/verhuur/aanvragen/{reservation.booking_id}",
                dedupe_key=f"rentals:accepted:{reservation.booking_id}:{staff.id}",
                source_tenant_id=reservation.tenant_id,
            )
    return reservation


def render_pdf(html: str) -> bytes:
    """Render self-contained HTML to PDF; WeasyPrint may fetch nothing (no files, no network)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError):
        raise DomainError(
            _("De PDF kan op deze server niet gemaakt worden. Gebruik de HTML-versie van de overeenkomst."),
            status_code=503,
        ) from None

    class BlockingFetcher(URLFetcher):  # type: ignore[misc]
        """Refuse every URL: the document carries its CSS inline and loads nothing else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"blocked: {url[:80]}")

    return bytes(HTML(string=html, base_url=None, url_fetcher=BlockingFetcher()).write_pdf())
