"""Pages of the tables: the list, a new table, a table and the own seat."""

from __future__ import annotations

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
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import THEMES, PolicyTable
from portal.policy_tables.schemas import CreateTableSchema, MembershipSchema
from portal.policy_tables.views._blueprint import bp
from portal.policy_tables.views._common import _table_page
from tenants.sharing import current_regions


@bp.route("/")
@allow(MEMBERS)
def index() -> Any:
    """List the tables of the tenant's regions, with search."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_tables(q or None))
    return render_template("policy_tables/index.html", page=page, q=q, can_create=permissions.can_create(current_user))


@bp.route("/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_table() -> Any:
    """Start a table chaired by the own municipality."""
    if not permissions.can_create(current_user):
        abort(403)
    regions = current_regions(current_user.tenant_id)
    values: dict[str, Any] = {"region_id": regions[0].id if len(regions) == 1 else "", "publish_days_before": 7}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(CreateTableSchema(), request.form)
        if data is not None:
            try:
                table = ops.create_table(data, tenant_id=current_user.tenant_id)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De beleidstafel is aangemaakt."), "success")
                return redirect(url_for("policy_tables.table", table_id=table.id))
        status = 422
    return render_template(
        "policy_tables/table_form.html", values=values, errors=errors, regions=regions, themes=THEMES
    ), status


@bp.route("/<int:table_id>")
@allow(MEMBERS)
def table(table_id: int) -> Any:
    """Show a table: chair, secretary, members, meetings and the challenges register."""
    return _table_page(get_visible_or_404(PolicyTable, table_id))


@bp.route("/<int:table_id>/zetel", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def set_seat(table_id: int) -> Any:
    """Record the own municipality's contacts at the table."""
    obj = get_visible_or_404(PolicyTable, table_id)
    if not permissions.can_participate(current_user, obj):
        abort(403)
    data, errors = load_form(MembershipSchema(), request.form)
    if data is None:
        flash(" ".join(m for ms in errors.values() for m in ms), "danger")
        return redirect(url_for("policy_tables.table", table_id=obj.id)), 422  # type: ignore[return-value]
    ops.set_membership(obj, data, tenant_id=current_user.tenant_id)
    flash(_("De contactpersonen van je bestuur zijn bewaard."), "success")
    return redirect(url_for("policy_tables.table", table_id=obj.id))
