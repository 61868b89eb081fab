"""The basket (one request per owner), weekly series of a hall, and request groups."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.unitofwork import fail, keep_on_error
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.loading import booking_group_or_404, reservation_group_or_404
from portal.rentals.models import BasketItem, RentalStatus, Resource, ResourceKind
from portal.rentals.schemas import CreateBasketItemSchema, CreateSeriesSchema, GroupDecisionSchema
from portal.rentals.views._blueprint import bp
from portal.rentals.views.catalogue import resource_with_errors


def _basket_page(*, error: str | None = None, status: int = 200) -> Any:
    lines = ops.basket_lines(current_user)
    owners: dict[int, dict[str, Any]] = {}
    for line in lines:
        group = owners.setdefault(line["owner"].id, {"owner": line["owner"], "lines": [], "price": Decimal("0.00")})
        group["lines"].append(line)
        group["price"] += line["price"] + line["delivery_cost"]
    return render_template(
        "rentals/basket.html",
        groups=list(owners.values()),
        total_price=sum((line["price"] + line["delivery_cost"] for line in lines), Decimal("0.00")),
        total_deposit=sum((line["deposit"] for line in lines), Decimal("0.00")),
        can_submit=permissions.can_reserve(current_user) and bool(lines),
        error=error,
    ), status


def _flash_dropped(names: list[str]) -> None:
    flash(
        _(
            "Niet meer zichtbaar voor jullie en uit het mandje gehaald: %(names)s (bv. omdat een samenwerking afliep).",
            names=", ".join(names),
        ),
        "warning",
    )


@bp.route("/mandje")
@allow(MEMBERS)
def basket() -> Any:
    """Show the own basket per owner municipality with the computed prices, before submitting it."""
    dropped = ops.prune_basket(current_user)
    if dropped:
        _flash_dropped(dropped)
    return _basket_page()


@bp.route("/mandje/toevoegen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def add_to_basket() -> Any:
    """Put a visible resource for a period in the own basket."""
    if not permissions.can_reserve(current_user):
        abort(403)
    data, errors = load_form(CreateBasketItemSchema(), request.form)
    if data is None:
        raw_id = request.form.get("resource_id", "")
        if not raw_id.isdigit() or len(raw_id) > 9:
            abort(400)
        return resource_with_errors(get_visible_or_404(Resource, int(raw_id)), errors, 422)
    obj = get_visible_or_404(Resource, data["resource_id"])
    try:
        ops.add_to_basket(obj, data, user=current_user)
    except DomainError as err:
        fail()
        obj = get_visible_or_404(Resource, data["resource_id"])
        return resource_with_errors(obj, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("%(name)s staat in je mandje.", name=obj.name), "success")
    return redirect(url_for("rentals.basket"))


@bp.route("/mandje/<int:item_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def remove_basket_item(item_id: int) -> Any:
    """Remove a line from the own basket."""
    item = get_owned_or_404(BasketItem, item_id, current_user.tenant_id)
    if item.user_id != current_user.id:
        abort(404)
    ops.remove_from_basket(item)
    flash(_("De regel is uit je mandje gehaald."), "success")
    return redirect(url_for("rentals.basket"))


@bp.route("/mandje/versturen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def submit_basket() -> Any:
    """Send the basket: one request per owner municipality, all or nothing."""
    if not permissions.can_reserve(current_user):
        abort(403)
    # Lines no longer visible leave the basket for good, although this request answers a 409.
    dropped = keep_on_error(lambda: ops.prune_basket(current_user))
    if dropped:
        _flash_dropped(dropped)
        return _basket_page(error=_("Controleer je mandje en verstuur het opnieuw."), status=409)
    try:
        groups = ops.submit_basket(current_user)
    except DomainError as err:
        fail()
        return _basket_page(error=err.message, status=err.status_code)
    flash(
        _(
            "Je mandje is verstuurd: één aanvraag per eigenaar (%(owners)s).",
            owners=", ".join(owner.name for owner, _key, _rows in groups),
        ),
        "success",
    )
    if len(groups) == 1:
        return redirect(url_for("rentals.reservation_group", group_key=groups[0][1]))
    return redirect(url_for("rentals.reservations"))


def _series_page(values: dict[str, Any], errors: dict[str, Any], status: int = 200) -> Any:
    halls = list(db.session.scalars(ops.visible_resources(kind=ResourceKind.ZAAL).limit(500)).unique())
    return render_template("rentals/series_form.html", halls=halls, values=values, errors=errors), status


@bp.route("/reeksen/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_series() -> Any:
    """Reserve a hall every week on the same day and hours (e.g. every Tuesday 19:00–22:00)."""
    if not permissions.can_reserve(current_user):
        abort(403)
    if request.method == "GET":
        values = {k: request.args[k][:20] for k in ("resource_id",) if k in request.args}
        return _series_page({"mode": "alles", "starts_time": "19:00", "ends_time": "22:00", **values}, {})
    values = request.form.to_dict()
    data, errors = load_form(CreateSeriesSchema(), request.form)
    if data is None:
        return _series_page(values, errors, 422)
    obj = get_visible_or_404(Resource, data["resource_id"])
    try:
        result = ops.request_series(obj, data, user=current_user)
    except DomainError as err:
        fail()
        return _series_page(values, {err.field or "_schema": [err.message]}, err.status_code)
    flash(
        _(
            "%(n)s keer %(name)s aangevraagd bij %(owner)s.",
            n=len(result["reservations"]),
            name=obj.name,
            owner=obj.tenant.name,
        ),
        "success",
    )
    if result["skipped"]:
        flash(
            _(
                "Overgeslagen: %(days)s.",
                days="; ".join(f"{s['on'].strftime('%d/%m/%Y')} ({s['reason']})" for s in result["skipped"]),
            ),
            "warning",
        )
    if result["conflicts"]:
        flash(
            _(
                "Al bezet, niet aangevraagd: %(days)s.",
                days=", ".join(c["on"].strftime("%d/%m/%Y") for c in result["conflicts"]),
            ),
            "warning",
        )
    return redirect(url_for("rentals.reservation_group", group_key=result["group_key"]))


def _reservation_group_page(group_key: str, error: str | None = None, status: int = 200) -> Any:
    rows = reservation_group_or_404(group_key)
    return render_template(
        "rentals/reservation_group.html",
        rows=rows,
        group_key=group_key,
        kind=rows[0].group_kind,
        owner=rows[0].owner,
        can_cancel=permissions.can_reserve(current_user) and any(r.status in ops.CANCELLABLE_STATUSES for r in rows),
        total=ops.group_total(rows),
        error=error,
    ), status


@bp.route("/reservaties/groep/<group_key>")
@allow(MEMBERS)
def reservation_group(group_key: str) -> Any:
    """Show an own request group: the basket lines for one owner, or a weekly series."""
    return _reservation_group_page(group_key)


@bp.route("/reservaties/groep/<group_key>/annuleren", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def cancel_reservation_group(group_key: str) -> Any:
    """Cancel every open line of an own request group (the whole series)."""
    reservation_group_or_404(group_key)  # 404 unless it is an own group
    if not permissions.can_reserve(current_user):
        abort(403)
    try:
        count = ops.cancel_group(group_key)
    except DomainError as err:
        fail()
        return _reservation_group_page(group_key, err.message, err.status_code)
    flash(_("%(n)s reservaties geannuleerd.", n=count), "success")
    return redirect(url_for("rentals.reservation_group", group_key=group_key))


def _booking_group_page(group_key: str, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    rows = booking_group_or_404(group_key)
    return render_template(
        "rentals/booking_group.html",
        rows=rows,
        group_key=group_key,
        kind=rows[0].group_kind,
        requester=rows[0].requester,
        can_decide=permissions.can_edit(current_user, rows[0])
        and any(b.status == RentalStatus.AANGEVRAAGD for b in rows),
        total=ops.group_total(rows),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


@bp.route("/aanvragen/groep/<group_key>")
@allow(MEMBERS)
def booking_group(group_key: str) -> Any:
    """Show a request group for the own resources, to approve or refuse it as a whole."""
    return _booking_group_page(group_key)


@bp.route("/aanvragen/groep/<group_key>/beslissen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def decide_booking_group(group_key: str) -> Any:
    """Approve or refuse every open line of a request group for the own resources."""
    rows = booking_group_or_404(group_key)
    if not permissions.can_edit(current_user, rows[0]):
        abort(403)
    data, errors = load_form(GroupDecisionSchema(), request.form)
    if data is None:
        return _booking_group_page(group_key, errors, 422)
    try:
        count = ops.decide_group(group_key, data["action"], note=data["note"])
    except DomainError as err:
        fail()
        return _booking_group_page(group_key, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("%(n)s regels bijgewerkt.", n=count), "success")
    return redirect(url_for("rentals.booking_group", group_key=group_key))
