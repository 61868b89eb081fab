"""Availability: search across owners for a period, and a resource's free/busy as JSON."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, allow
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.pagination import Page, paginate_list
from portal.rentals import operations as ops
from portal.rentals.models import CATEGORIES, Resource
from portal.rentals.schemas import AvailabilityArgsSchema
from portal.rentals.views._blueprint import bp
from tenants.sharing import partner_tenants, today


@bp.route("/materieel/<int:resource_id>/bezetting.json")
@allow(MEMBERS)
def resource_feed(resource_id: int) -> Any:
    """Return free/busy of a resource as JSON (``events`` in FullCalendar's shape) plus closed days."""
    obj = get_visible_or_404(Resource, resource_id)
    try:
        first = date.fromisoformat(request.args.get("start", "")[:10]) if request.args.get("start") else today()
        last = (
            date.fromisoformat(request.args.get("end", "")[:10])
            if request.args.get("end")
            else first + timedelta(weeks=6)
        )
    except ValueError:
        return jsonify({"title": _("Ongeldige datum."), "status": 400}), 400
    if not ops.ends_after_start(first, last) or (last - first).days > 366:
        return jsonify({"title": _("Kies een periode van hoogstens een jaar."), "status": 400}), 400
    events: list[dict[str, Any]] = [
        {
            "start": b["starts_at"].isoformat(),
            "end": b["ends_at"].isoformat(),
            "title": _("Bezet (%(n)s)", n=b["quantity"]) if not obj.is_single_unit else _("Bezet"),
            "display": "block",
            "quantity": b["quantity"],
            "is_own": b["is_own"],
        }
        for b in ops.busy_intervals(obj, ops.brussels(first), ops.brussels(last))
    ]
    events += [
        {"start": d.isoformat(), "allDay": True, "title": reason, "display": "background", "closed": True}
        for d, reason in ops.closed_days(obj.tenant, first, last)
    ]
    return jsonify({"resource": {"id": obj.id, "name": obj.name, "owner": obj.tenant.name}, "events": events})


@bp.route("/beschikbaarheid")
@allow(MEMBERS)
def availability() -> Any:
    """Choose dates first, then see what is free across all visible owners."""
    errors: dict[str, Any] = {}
    results: Page[Any] | None = None
    values = request.args.to_dict()
    if request.args.get("starts_at"):
        data, errors = load_form(AvailabilityArgsSchema(), request.args)
        if data is not None:
            # Free resources across every visible owner: at Flanders scale many, so one page at a time.
            results = paginate_list(
                ops.search_available(
                    data["starts_at"],
                    data["ends_at"],
                    category=data.get("category"),
                    owner_id=data.get("owner_id"),
                    quantity=data["quantity"],
                )
            )
    status = 422 if errors else 200
    return render_template(
        "rentals/availability.html",
        values=values,
        errors=errors,
        results=results,
        categories=CATEGORIES,
        owners=[current_user.tenant, *partner_tenants(current_user.tenant_id)],
    ), status
