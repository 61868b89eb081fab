"""Catalogue pages: the list, a resource and adding one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.models import CATEGORIES, Resource, ResourceKind, Unit
from portal.rentals.schemas import CreateResourceSchema
from portal.rentals.views._blueprint import bp
from tenants.sharing import current_regions, partner_tenants, today


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


@bp.route("/")
@allow(MEMBERS)
def index() -> Any:
    """List the catalogue the tenant may see: own resources and those partners share."""
    q = request.args.get("q", "").strip()[:100]
    category = request.args.get("category", "")
    category = category if category in CATEGORIES else ""
    owner_id = _int_arg("owner")
    page = paginate(ops.visible_resources(q or None, category=category or None, owner_id=owner_id))
    return render_template(
        "rentals/index.html",
        page=page,
        q=q,
        category=category,
        owner_id=owner_id,
        categories=CATEGORIES,
        owners=[current_user.tenant, *partner_tenants(current_user.tenant_id)],
        can_create=permissions.can_manage_catalogue(current_user),
    )


def _form_context(values: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "categories": CATEGORIES,
        "regions": current_regions(current_user.tenant_id),
        "partners": partner_tenants(current_user.tenant_id),
    }


@bp.route("/materieel/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_resource() -> Any:
    """Add material or a hall to the own catalogue."""
    if not permissions.can_manage_catalogue(current_user):
        abort(403)
    values: dict[str, Any] = {"audience": "own", "quantity": 1, "unit": Unit.DAG, "kind": ResourceKind.MATERIEEL}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
        form = request.form.copy()
        form.pop("blackouts", None)
        data, errors = load_form(CreateResourceSchema(), form)
        if data is not None:
            try:
                obj = ops.create_resource(data, author_id=current_user.id)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("Het materieel is toegevoegd aan de catalogus."), "success")
                return redirect(url_for("rentals.resource", resource_id=obj.id))
        return render_template("rentals/resource_form.html", **_form_context(values, errors)), 422
    return render_template("rentals/resource_form.html", **_form_context(values, errors))


@bp.route("/materieel/<int:resource_id>")
@allow(MEMBERS)
def resource(resource_id: int) -> Any:
    """Show a resource, its tariffs, rules, the coming weeks' occupation and the reservation form."""
    obj = get_visible_or_404(Resource, resource_id)
    start = ops.brussels(today())
    busy = ops.busy_intervals(obj, start, start + timedelta(weeks=8))
    tariff = ops.tariff_class_for(current_user.tenant_id, obj)
    return render_template(
        "rentals/resource.html",
        obj=obj,
        busy=busy,
        closed=ops.closed_days(obj.tenant, today(), today() + timedelta(weeks=8)),
        tariff=tariff,
        can_edit=permissions.can_edit(current_user, obj),
        can_reserve=permissions.can_reserve(current_user),
        # A link from the availability search carries the chosen period into the form.
        values={k: request.args[k][:20] for k in ("starts_at", "ends_at", "quantity") if k in request.args},
        errors={},
    )


def resource_with_errors(obj: Resource, errors: dict[str, Any], status: int, offer_waitlist: bool = False) -> Any:
    start = ops.brussels(today())
    return render_template(
        "rentals/resource.html",
        obj=obj,
        busy=ops.busy_intervals(obj, start, start + timedelta(weeks=8)),
        closed=ops.closed_days(obj.tenant, today(), today() + timedelta(weeks=8)),
        tariff=ops.tariff_class_for(current_user.tenant_id, obj),
        can_edit=permissions.can_edit(current_user, obj),
        can_reserve=permissions.can_reserve(current_user),
        values=request.form.to_dict(),
        errors=errors,
        offer_waitlist=offer_waitlist,
    ), status
