"""REST endpoints for the rental catalogue, availability, reservations and bookings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.errors import DomainError
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.schemas import owner_ref
from portal.core.unitofwork import keep_on_error
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.loading import booking_group_or_404, reservation_group_or_404
from portal.rentals.models import BasketItem, Booking, GroupKind, Reservation, Resource
from portal.rentals.schemas import (
    AcceptLoanAgreementSchema,
    AvailabilityArgsSchema,
    AvailableSchema,
    BasketSchema,
    BookingSchema,
    CreateBasketItemSchema,
    CreateReservationSchema,
    CreateResourceSchema,
    CreateSeriesSchema,
    DecisionSchema,
    GroupDecisionSchema,
    LoanAgreementSchema,
    OfferResponseSchema,
    RentalSettlementArgsSchema,
    RentalSettlementSchema,
    RequestGroupSchema,
    ReservationSchema,
    ResourceSchema,
    SeriesResultSchema,
    SubmittedBasketSchema,
)

blp = Blueprint("rentals_api", __name__, url_prefix="/api/v1/rentals", description="Materieel- en zaalverhuur")


ResourcePageSchema = page_of(ResourceSchema, "ResourcePageSchema")
ReservationPageSchema = page_of(ReservationSchema, "ReservationPageSchema")
BookingPageSchema = page_of(BookingSchema, "BookingPageSchema")


@blp.route("/resources")
@allow(MEMBERS, write=STAFF)
class ResourceList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ResourcePageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the resources the caller's tenant may see (own and shared)."""
        page = paginate(ops.visible_resources(args.get("q")))
        ops.prefetch_photos(page.items)  # every item dumps its photos: one read for the page
        return page_envelope(page)

    @blp.arguments(CreateResourceSchema)
    @blp.response(201, ResourceSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a resource to the caller's catalogue."""
        if not permissions.can_manage_catalogue(current_user):
            abort(403)
        obj = ops.create_resource(data, author_id=current_user.id)
        return obj


@blp.route("/resources/<int:resource_id>")
@allow(MEMBERS, write=STAFF)
class ResourceItem(MethodView):
    @blp.response(200, ResourceSchema)
    def get(self, resource_id: int) -> Any:
        """Return one resource (404 when not visible)."""
        return get_visible_or_404(Resource, resource_id)


@blp.route("/availability")
@allow(MEMBERS, write=STAFF)
class Availability(MethodView):
    @blp.arguments(AvailabilityArgsSchema, location="query")
    @blp.response(200, AvailableSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """List visible resources with enough free units in the period."""
        hits = ops.search_available(
            args["starts_at"],
            args["ends_at"],
            category=args.get("category"),
            owner_id=args.get("owner_id"),
            quantity=args["quantity"],
        )
        ops.prefetch_photos(r for r, _free in hits)
        return [{"resource": r, "free": free} for r, free in hits]


@blp.route("/reservations")
@allow(MEMBERS, write=STAFF)
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
        return obj


@blp.route("/reservations/<int:reservation_id>")
@allow(MEMBERS, write=STAFF)
class ReservationItem(MethodView):
    @blp.response(200, ReservationSchema)
    def get(self, reservation_id: int) -> Any:
        """Return one own reservation."""
        return get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)


@blp.route("/reservations/<int:reservation_id>/cancel")
@allow(MEMBERS, write=STAFF)
class ReservationCancel(MethodView):
    @blp.response(200, ReservationSchema)
    def post(self, reservation_id: int) -> Any:
        """Cancel an own reservation before pick-up."""
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not permissions.can_reserve(current_user):
            abort(403)
        ops.cancel_reservation(obj)
        return obj


@blp.route("/bookings")
@allow(MEMBERS, write=STAFF)
class BookingList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, BookingPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List requests for the caller's own resources."""
        stmt = select(Booking).options(selectinload(Booking.resource))  # one query for the page's resources
        return page_envelope(paginate(stmt.order_by(Booking.starts_at.desc(), Booking.id.desc())))


@blp.route("/bookings/<int:booking_id>")
@allow(MEMBERS, write=STAFF)
class BookingItem(MethodView):
    @blp.response(200, BookingSchema)
    def get(self, booking_id: int) -> Any:
        """Return one request for an own resource."""
        return get_owned_or_404(Booking, booking_id, current_user.tenant_id)


@blp.route("/bookings/<int:booking_id>/decision")
@allow(MEMBERS, write=STAFF)
class BookingDecision(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, BookingSchema)
    def post(self, data: dict[str, Any], booking_id: int) -> Any:
        """Approve, refuse, hand over, take back or settle a request for an own resource."""
        obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
        if not permissions.can_edit(current_user, obj):
            abort(403)
        ops.decide_booking(obj, data["action"], note=data["note"], report=data)
        return obj


@blp.route("/reservations/<int:reservation_id>/agreement")
@allow(MEMBERS, write=STAFF)
class ReservationAgreement(MethodView):
    @blp.response(200, LoanAgreementSchema)
    def get(self, reservation_id: int) -> Any:
        """Return the loan agreement of an own reservation and its acceptance (409 before approval)."""
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not obj.agreement_terms:
            raise DomainError(_("Er is nog geen uitleenovereenkomst: de eigenaar moet de aanvraag eerst goedkeuren."))
        return obj


@blp.route("/reservations/<int:reservation_id>/agreement/accept")
@allow(MEMBERS, write=STAFF)
class ReservationAgreementAccept(MethodView):
    @blp.arguments(AcceptLoanAgreementSchema)
    @blp.response(200, LoanAgreementSchema)
    def post(self, data: dict[str, Any], reservation_id: int) -> Any:
        """Accept the terms of the loan agreement of an own approved reservation."""
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not permissions.can_reserve(current_user):
            abort(403)
        ops.accept_agreement(obj, data, user=current_user)
        return obj


@blp.route("/settlement")
@allow(MEMBERS, write=STAFF)
class Settlement(MethodView):
    @blp.arguments(RentalSettlementArgsSchema, location="query")
    @blp.response(200, RentalSettlementSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Return what the caller's tenant lent to and borrowed from each partner in a period."""
        start, end = args["van"], args["tot"]  # the schema fills in the default period
        return {"starts_on": start, "ends_on": end, "rows": ops.settlement(start, end)}


# -- basket, weekly series, request groups, waitlist offers ---------------------------------


def _basket() -> dict[str, Any]:
    lines = ops.basket_lines(current_user)
    return {
        "lines": lines,
        "dropped": [],
        "total_price": sum((line["price"] + line["delivery_cost"] for line in lines), Decimal("0.00")),
        "total_deposit": sum((line["deposit"] for line in lines), Decimal("0.00")),
    }


@blp.route("/basket")
@allow(MEMBERS, write=STAFF)
class Basket(MethodView):
    @blp.response(200, BasketSchema)
    def get(self) -> Any:
        """Return the caller's basket with computed prices; lines no longer visible drop out (listed)."""
        dropped = ops.prune_basket(current_user)
        return {**_basket(), "dropped": dropped}

    @blp.arguments(CreateBasketItemSchema)
    @blp.response(201, BasketSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Put a visible resource for a period in the caller's basket."""
        if not permissions.can_reserve(current_user):
            abort(403)
        resource = get_visible_or_404(Resource, data["resource_id"])
        ops.add_to_basket(resource, data, user=current_user)
        return _basket()


@blp.route("/basket/items/<int:item_id>")
@allow(MEMBERS, write=STAFF)
class BasketItemResource(MethodView):
    @blp.response(204)
    def delete(self, item_id: int) -> Any:
        """Remove a line from the caller's basket."""
        item = get_owned_or_404(BasketItem, item_id, current_user.tenant_id)
        if item.user_id != current_user.id:
            abort(404)
        ops.remove_from_basket(item)
        return None


@blp.route("/basket/submit")
@allow(MEMBERS, write=STAFF)
class BasketSubmit(MethodView):
    @blp.response(201, SubmittedBasketSchema)
    def post(self) -> Any:
        """Send the basket as one request per owner, all or nothing (409 naming the line that is not free)."""
        if not permissions.can_reserve(current_user):
            abort(403)
        # Lines no longer visible leave the basket for good, although this request answers a 409.
        dropped = keep_on_error(lambda: ops.prune_basket(current_user))
        if dropped:
            raise DomainError(
                _("Niet meer zichtbaar voor jullie en uit het mandje gehaald: %(names)s.", names=", ".join(dropped)),
                status_code=409,
            )
        groups = ops.submit_basket(current_user)
        return {
            "groups": [
                {"group_key": key, "group_kind": GroupKind.MAND, "owner": owner, "reservations": rows}
                for owner, key, rows in groups
            ]
        }


@blp.route("/series")
@allow(MEMBERS, write=STAFF)
class Series(MethodView):
    @blp.arguments(CreateSeriesSchema)
    @blp.response(201, SeriesResultSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Reserve a hall weekly; closed days are skipped, taken ones refuse all (mode alles) or are left out."""
        if not permissions.can_reserve(current_user):
            abort(403)
        resource = get_visible_or_404(Resource, data["resource_id"])
        result = ops.request_series(resource, data, user=current_user)
        return result


def _request_group(group_key: str, rows: list[Reservation]) -> dict[str, Any]:
    return {"group_key": group_key, "group_kind": rows[0].group_kind, "owner": rows[0].owner, "reservations": rows}


@blp.route("/reservation-groups/<group_key>")
@allow(MEMBERS, write=STAFF)
class ReservationGroup(MethodView):
    @blp.response(200, RequestGroupSchema)
    def get(self, group_key: str) -> Any:
        """Return an own request group (basket lines for one owner, or a weekly series)."""
        return _request_group(group_key, reservation_group_or_404(group_key))


@blp.route("/reservation-groups/<group_key>/cancel")
@allow(MEMBERS, write=STAFF)
class ReservationGroupCancel(MethodView):
    @blp.response(200, RequestGroupSchema)
    def post(self, group_key: str) -> Any:
        """Cancel every open line of an own request group (the whole series)."""
        reservation_group_or_404(group_key)
        if not permissions.can_reserve(current_user):
            abort(403)
        ops.cancel_group(group_key)
        return _request_group(group_key, ops.group_reservations(group_key))


class BookingGroupSchema(Schema):
    """A request group for the caller's own resources."""

    group_key = fields.String()
    group_kind = fields.String()
    requester = owner_ref("requester")
    bookings = fields.List(fields.Nested(BookingSchema))


def _booking_group(group_key: str, rows: list[Booking]) -> dict[str, Any]:
    return {"group_key": group_key, "group_kind": rows[0].group_kind, "requester": rows[0].requester, "bookings": rows}


@blp.route("/booking-groups/<group_key>")
@allow(MEMBERS, write=STAFF)
class BookingGroup(MethodView):
    @blp.response(200, BookingGroupSchema)
    def get(self, group_key: str) -> Any:
        """Return a request group for the caller's own resources."""
        return _booking_group(group_key, booking_group_or_404(group_key))


@blp.route("/booking-groups/<group_key>/decision")
@allow(MEMBERS, write=STAFF)
class BookingGroupDecision(MethodView):
    @blp.arguments(GroupDecisionSchema)
    @blp.response(200, BookingGroupSchema)
    def post(self, data: dict[str, Any], group_key: str) -> Any:
        """Approve or refuse every open line of a request group (a series is decided as a whole)."""
        rows = booking_group_or_404(group_key)
        if not permissions.can_edit(current_user, rows[0]):
            abort(403)
        ops.decide_group(group_key, data["action"], note=data["note"])
        return _booking_group(group_key, ops.group_bookings(group_key))


@blp.route("/reservations/<int:reservation_id>/offer")
@allow(MEMBERS, write=STAFF)
class ReservationOffer(MethodView):
    @blp.arguments(OfferResponseSchema)
    @blp.response(200, ReservationSchema)
    def post(self, data: dict[str, Any], reservation_id: int) -> Any:
        """Accept (becomes a request to the owner) or decline a freed slot held for an own waitlist entry."""
        obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
        if not permissions.can_reserve(current_user):
            abort(403)
        if data["action"] == "aanvaarden":
            ops.accept_offer(obj, user=current_user)
        else:
            ops.decline_offer(obj)
        return obj
