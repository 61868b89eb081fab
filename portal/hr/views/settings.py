"""HR settings page: how long application data is kept."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.unitofwork import fail
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.views._blueprint import bp


@bp.route("/instellingen", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def settings() -> Any:
    """Set how long application data is kept after a vacancy closes."""
    if not permissions.can_configure(current_user):
        abort(403)
    errors: dict[str, Any] = {}
    months: Any = ops.retention_months(current_user.tenant_id)
    if request.method == "POST":
        months = request.form.get("retention_months", "")
        try:
            ops.set_retention_months(current_user.tenant_id, int(months) if months.isdigit() else 0)
        except DomainError as err:
            fail()
            errors = {"retention_months": [err.message]}
        else:
            flash(_("De bewaartermijn is bewaard."), "success")
            return redirect(url_for("hr.settings"))
        return render_template("hr/settings.html", months=months, errors=errors), 422
    return render_template("hr/settings.html", months=months, errors=errors)
