"""HR pages of staff sharing (terbeschikkingstelling): given and received, the ADs' decisions."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.loading import get_owned_or_404
from portal.core.unitofwork import fail
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import LIVE_SHARING_STATUSES, Decision, SharingStatus, StaffSharing, StaffSharingApproval
from portal.hr.schemas import CreateStaffSharingSchema, SharingDecisionSchema
from portal.hr.views._blueprint import bp
from portal.hr.views._common import _hr_only_page, load
from tenants.sharing import partner_tenants


def _sharing_reader() -> None:
    if not permissions.can_view_sharing(current_user):
        abort(403)


@bp.route("/terbeschikkingstellingen")
@allow(MEMBERS)
def sharings() -> Any:
    """List the staff the municipality gives and receives, with the FTE overview per partner."""
    if not permissions.can_view_sharing(current_user):
        return _hr_only_page(_("Terbeschikkingstellingen"))
    given = list(
        db.session.scalars(
            select(StaffSharing)
            .where(StaffSharing.tenant_id == current_user.tenant_id)
            .order_by(StaffSharing.starts_on.desc(), StaffSharing.id.desc())
        )
    )
    received = list(
        db.session.scalars(
            select(StaffSharingApproval)
            .where(StaffSharingApproval.tenant_id == current_user.tenant_id)
            .order_by(StaffSharingApproval.starts_on.desc(), StaffSharingApproval.id.desc())
        )
    )
    return render_template(
        "hr/sharings.html",
        given=given,
        received=received,
        overview=ops.staff_sharing_overview(current_user.tenant_id),
        can_request=permissions.can_request_sharing(current_user),
    )


@bp.route("/terbeschikkingstellingen/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_sharing() -> Any:
    """Put an employee (partly) at a partner municipality's disposal; both ADs then decide."""
    if not permissions.can_request_sharing(current_user):
        if request.method == "POST":
            abort(403)
        return _hr_only_page(_("Medewerker ter beschikking stellen"))
    values: dict[str, Any] = {"share_percent": 20, "host_cost_percent": 100}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load(CreateStaffSharingSchema(), form_to_dict(request.form, CreateStaffSharingSchema()))
        if data is not None:
            try:
                row = ops.create_staff_sharing(data, user=current_user)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De terbeschikkingstelling is aangevraagd; beide algemeen directeurs beslissen."), "success")
                return redirect(url_for("hr.sharing", sharing_id=row.id))
    return (
        render_template(
            "hr/sharing_form.html", values=values, errors=errors, partners=partner_tenants(current_user.tenant_id)
        ),
        422 if errors else 200,
    )


def _decide(row: StaffSharing | StaffSharingApproval, target: str) -> Any:
    data, errors = load(SharingDecisionSchema(), form_to_dict(request.form, SharingDecisionSchema()))
    if data is None:
        raise DomainError(" ".join(" ".join(v) for v in errors.values()), status_code=422)
    if data["decision"] == SharingStatus.INGETROKKEN:
        if not isinstance(row, StaffSharing) or not permissions.can_request_sharing(current_user):
            abort(403)
        ops.withdraw_staff_sharing(row)
        message = _("De terbeschikkingstelling is ingetrokken.")
    else:
        if not permissions.can_decide_sharing(current_user, row):
            abort(403)
        ops.decide_staff_sharing(row, data["decision"], user=current_user)
        message = _("De beslissing van je bestuur is geregistreerd.")
    flash(message, "success")
    return redirect(target)


@bp.route("/terbeschikkingstellingen/<int:sharing_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def sharing(sharing_id: int) -> Any:
    """Show a terbeschikkingstelling of our employee; POST records our AD's decision or withdraws it."""
    _sharing_reader()
    row = get_owned_or_404(StaffSharing, sharing_id, current_user.tenant_id)
    if request.method == "POST":
        return _decide(row, url_for("hr.sharing", sharing_id=row.id))
    return render_template(
        "hr/sharing.html",
        row=row,
        side="home",
        home=current_user.tenant,
        host=row.host_tenant,
        can_decide=permissions.can_decide_sharing(current_user, row) and row.home_decision == Decision.OPEN,
        can_withdraw=permissions.can_request_sharing(current_user) and row.status in LIVE_SHARING_STATUSES,
    )


@bp.route("/terbeschikkingstellingen/ontvangen/<int:approval_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def received_sharing(approval_id: int) -> Any:
    """Show a partner's employee put at our disposal; POST records our AD's decision."""
    _sharing_reader()
    row = get_owned_or_404(StaffSharingApproval, approval_id, current_user.tenant_id)
    if request.method == "POST":
        return _decide(row, url_for("hr.received_sharing", approval_id=row.id))
    return render_template(
        "hr/sharing.html",
        row=row,
        side="host",
        home=row.home_tenant,
        host=current_user.tenant,
        can_decide=permissions.can_decide_sharing(current_user, row) and row.host_decision == Decision.OPEN,
        can_withdraw=False,
    )
