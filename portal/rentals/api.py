"""REST endpoints for the rental catalogue, availability, reservations and bookings."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from portal.api import PageArgsSchema, PaginationSchema, page_envelope
from portal.core.errors import DomainError
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.models import Booking, Reservation, Resource
from portal.rentals.schemas import (
    AcceptLoanAgreementSchema,
    AvailabilityArgsSchema,
    AvailableSchema,
    BookingSchema,
    CreateReservationSchema,
    CreateResourceSchema,
    DecisionSchema,
    LoanAgreementSchema,
    RentalSettlementArgsSchema,
    RentalSettlementSchema,
    ReservationSchema,
    ResourceSchema,
)
from tenants.sharing import today

blp = Blueprint("rentals_api", __name__, url_prefix="/api/v1/rentals", description="Materieel- en zaalverhuur")


class ResourcePageSchema(Schema):
    """A page of resources."""

    items = fields.List(fields.Nested(ResourceSchema))
    pagination = fields.Nested(PaginationSchema)


class ReservationPageSchema(Schema):
    """A page of reservations."""

    items = fields.List(fields.Nested(ReservationSchema))
    pagination = fields.Nested(PaginationSchema)


class BookingPageSchema(Schema):
    """A page of bookings."""

    items = fields.List(fields.Nested(BookingSchema))
    pagination = fields.Nested(PaginationSchema)


@blp.route("/resources")
class ResourceList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ResourcePageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the resources the caller's tenant may see (own and shared)."""
        return page_envelope(paginate(ops.visible_resources(args.get("q"))))

    @blp.arguments(CreateResourceSchema)
    @blp.response(201, ResourceSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a resource to the caller's catalogue."""
        if not permissions.can_manage_catalogue(current_user):
            abort(403)
        obj = ops.create_resource(data, author_id=current_user.id)
        db.session.commit()
        return obj


@blp.route("/resources/<int:resource_id>")
class ResourceItem(MethodView):
    @blp.response(200, ResourceSchema)
    def get(self, resource_id: int) -> Any:
        """Return one resource (404 when not visible)."""
        return get_visible_or_404(Resource, resource_id)


@blp.route("/availability")
class Availability(MethodView):
    @blp.arguments(AvailabilityArgsSchema, location="query")
    @blp.response(200, AvailableSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """List visible resources with enough free units in the period."""
        if args["ends_at"] <= args["starts_at"]:
            abort(422, description="Het einde moet na het begin liggen.")
        hits = ops.search_available(
            args["starts_at"],
            args["ends_at"],
            category=args.get("category"),
            owner_id=args.get("owner_id"),
            quantity=args["quantity"],
        )
        return [{"resource": r, "free": free} for r, free in hits]


@blp.route("/reservations")
class ReservationList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ReservationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the caller's tenant's own reservations."""
        return page_envelope(
            paginate(select(Reservation).order_by(Reservation.starts_at.desc(), Reservation.id.desc()))
        )

    @blp.arguments(CreateReservationSchema)
    @blp.response(201, ReservationSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Request a reservation; 409 when the slot is taken."""
        if not permissions.can_reserve(current_user):
            abort(403)
        resource = get_visible_or_404(Resource, data["resource_id"])
        obj = ops.request_reservation(resource, data, user=current_user)
        db.session.commit()
        return obj


@blp.route("/reservations/<int:reservation_id>")
class ReservationItem(MethodView):
    @blp.response(200, ReservationSchema)
    def get(self, reservation_id: int) -> Any:
        """Return one own reservation."""
        return get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)


@blp.route("/reservations/<int:reservation_id>/cancel")
class ReservationCancel(MethodView):
    @blp.response(200, ReservationSchema)
    def post(self, reservation_id: int) -> Any:
        """Cancel an own reservation before pick-up."""
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not permissions.can_reserve(current_user):
            abort(403)
        ops.cancel_reservation(obj)
        db.session.commit()
        return obj


@blp.route("/bookings")
class BookingList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, BookingPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List requests for the caller's own resources."""
        return page_envelope(paginate(select(Booking).order_by(Booking.starts_at.desc(), Booking.id.desc())))


@blp.route("/bookings/<int:booking_id>")
class BookingItem(MethodView):
    @blp.response(200, BookingSchema)
    def get(self, booking_id: int) -> Any:
        """Return one request for an own resource."""
        return get_owned_or_404(Booking, booking_id, current_user.tenant_id)


@blp.route("/bookings/<int:booking_id>/decision")
class BookingDecision(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, BookingSchema)
    def post(self, data: dict[str, Any], booking_id: int) -> Any:
        """Approve, refuse, hand over, take back or settle a request for an own resource."""
        obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
        if not permissions.can_edit(current_user, obj):
            abort(403)
        ops.decide_booking(obj, data["action"], note=data["note"], report=data)
        db.session.commit()
        return obj


@blp.route("/reservations/<int:reservation_id>/agreement")
class ReservationAgreement(MethodView):
    @blp.response(200, LoanAgreementSchema)
    def get(self, reservation_id: int) -> Any:
        """Return the loan agreement of an own reservation and its acceptance (409 before approval)."""
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not obj.agreement_terms:
            raise DomainError(_("Er is nog geen uitleenovereenkomst: de eigenaar moet de aanvraag eerst goedkeuren."))
        return obj


@blp.route("/reservations/<int:reservation_id>/agreement/accept")
class ReservationAgreementAccept(MethodView):
    @blp.arguments(AcceptLoanAgreementSchema)
    @blp.response(200, LoanAgreementSchema)
    def post(self, data: dict[str, Any], reservation_id: int) -> Any:
        """Accept the terms of the loan agreement of an own approved reservation."""
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not permissions.can_reserve(current_user):
            abort(403)
        ops.accept_agreement(obj, data, user=current_user)
        db.session.commit()
        return obj


@blp.route("/settlement")
class Settlement(MethodView):
    @blp.arguments(RentalSettlementArgsSchema, location="query")
    @blp.response(200, RentalSettlementSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Return what the caller's tenant lent to and borrowed from each partner in a period."""
        first = today().replace(month=1, day=1)
        start = args.get("van") or first
        end = args.get("tot") or start.replace(year=start.year + 1)
        if end <= start:
            raise DomainError(_("De einddatum moet na de begindatum liggen."), status_code=422)
        return {"starts_on": start, "ends_on": end, "rows": ops.settlement(start, end)}
