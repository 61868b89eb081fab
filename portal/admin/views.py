"""Pages of the tenant's beheerder (users, settings) and the audit log (AD, beheerder)."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.auth import operations as auth_ops
from portal.auth.forms import InviteForm, RolesForm
from portal.auth.models import User
from portal.core.access import SIGNED_IN, allow, roles
from portal.core.audit import AuditEntry
from portal.core.errors import DomainError
from portal.core.pagination import paginate
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER
from portal.core.unitofwork import fail
from portal.core.web import tenant_blueprint
from portal.extensions import db
from tenants.context import BRUSSELS

bp = tenant_blueprint("admin", __name__, "/beheer")


def _tenant_user_or_404(user_id: int) -> User:
    user = db.session.scalar(select(User).where(User.id == user_id, User.tenant_id == current_user.tenant_id))
    if user is None:
        abort(404)
    return user


@bp.route("/gebruikers")
@allow(roles(BEHEERDER))
def users() -> Any:
    """List the tenant's users with search."""
    q = request.args.get("q", "").strip()[:100]
    stmt = select(User).where(User.tenant_id == current_user.tenant_id)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where((User.email.like(like)) | (User.full_name.ilike(like)))
    page = paginate(stmt.order_by(User.full_name))
    return render_template("admin/users.html", page=page, q=q)


@bp.route("/gebruikers/uitnodigen", methods=["GET", "POST"])
@allow(roles(BEHEERDER))
def invite() -> Any:
    """Invite a new user by e-mail."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = auth_ops.invite_user(
                current_user.tenant,
                email=form.email.data or "",
                full_name=form.full_name.data or "",
                roles=list(form.roles.data or []),
                job_title=form.job_title.data or None,
                invited_by=current_user,
            )
        except DomainError as err:
            fail()
            target = getattr(form, err.field or "email", form.email)
            target.errors = [*target.errors, err.message]
            return render_template("admin/invite.html", form=form), 409
        flash(_("De uitnodiging is verstuurd naar %(e)s.", e=user.email), "success")
        return redirect(url_for("admin.user", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/invite.html", form=form), status


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@allow(roles(BEHEERDER))
def user(user_id: int) -> Any:
    """Show a user; change roles, disable or enable, resend the invitation."""
    target = _tenant_user_or_404(user_id)
    form = RolesForm(data={"roles": sorted(target.roles)} if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "roles":
                if form.validate_on_submit():
                    auth_ops.set_roles(target, list(form.roles.data or []), acting=current_user)
                    flash(_("De rollen zijn bijgewerkt."), "success")
                else:
                    status = 422
            elif action in ("disable", "enable"):
                form.validate_on_submit()
                auth_ops.set_active(target, action == "enable", acting=current_user)
                flash(
                    _("Het account is uitgeschakeld; alle sessies zijn beëindigd.")
                    if action == "disable"
                    else _("Het account is weer actief."),
                    "success",
                )
            elif action == "reinvite":
                auth_ops.send_invitation(target, invited_by=current_user)
                flash(_("De uitnodiging is opnieuw verstuurd."), "success")
            else:
                abort(400)
        except DomainError as err:
            fail()
            flash(err.message, "danger")
            return render_template("admin/user.html", target=target, form=form), err.status_code
        if status == 200:
            return redirect(url_for("admin.user", user_id=target.id))
    return render_template("admin/user.html", target=target, form=form), status


_ID = re.compile(r"^[0-9]{1,9}$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


def _settings_values(tenant: Any) -> dict[str, str]:
    return {
        "brand_colour": tenant.brand_colour or "",
        "contact_email": tenant.contact_email or "",
        "closing_days": "\n".join(tenant.closing_days),
    }


@bp.route("/instellingen", methods=["GET", "POST"])
@allow(roles(BEHEERDER))
def settings() -> Any:
    """Edit the tenant's branding colour, contact address and closing days."""
    tenant = current_user.tenant
    values = _settings_values(tenant)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        if values["brand_colour"] and not _HEX.match(values["brand_colour"]):
            errors["brand_colour"] = _("Geef een kleur als #RRGGBB, bv. #0b5394.")
        days = [d.strip() for d in values["closing_days"].replace(",", "\n").splitlines() if d.strip()]
        bad = [d for d in days if not _DAY.match(d)]
        if bad:
            errors["closing_days"] = _("Ongeldige sluitingsdag(en): %(d)s. Gebruik MM-DD, bv. 07-11.", d=", ".join(bad))
        if len(values["contact_email"]) > 255 or (values["contact_email"] and "@" not in values["contact_email"]):
            errors["contact_email"] = _("Dit is geen geldig e-mailadres.")
        if not errors:
            tenant.brand_colour = values["brand_colour"] or None
            tenant.contact_email = values["contact_email"] or None
            tenant.settings = {**(tenant.settings or {}), "closing_days": sorted(set(days))}
            flash(_("De instellingen zijn bewaard."), "success")
            return redirect(url_for("admin.settings"))
        return render_template("admin/settings.html", values=values, errors=errors), 422
    return render_template("admin/settings.html", values=values, errors=errors)


@bp.route("/instellingen/logo", methods=["POST"])
@allow(roles(BEHEERDER))
def logo_upload() -> Any:
    """Upload (or remove) the municipality's logo, shown in the portal and on council reports."""
    tenant = current_user.tenant
    if request.form.get("action") == "remove":
        admin_ops.remove_logo(tenant)
        flash(_("Het logo is verwijderd."), "success")
        return redirect(url_for("admin.settings"))
    upload = request.files.get("logo")
    try:
        admin_ops.set_logo(tenant, upload.read(admin_ops.LOGO_MAX_BYTES + 1) if upload else b"")
    except DomainError as err:
        fail()
        values = _settings_values(tenant)
        return render_template("admin/settings.html", values=values, errors={"logo": err.message}), err.status_code
    flash(_("Het logo is bewaard."), "success")
    return redirect(url_for("admin.settings"))


@bp.route("/logo")
@allow(SIGNED_IN)
def logo() -> Any:
    """Serve the municipality's logo to its own users (404 when there is none)."""
    data = admin_ops.logo_bytes(current_user.tenant)
    if data is None:
        abort(404)
    response = current_app.response_class(data, mimetype="image/png")
    # The key holds the file's checksum: a new logo is a new ETag.
    response.set_etag(current_user.tenant.logo_path or "")
    response.cache_control.private = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


def _parse_day(value: str | None, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=BRUSSELS)


@bp.route("/auditlog")
@allow(roles(BEHEERDER, ALGEMEEN_DIRECTEUR))
def audit() -> Any:
    """Browse and filter the tenant's audit log (read only)."""
    stmt = select(AuditEntry).where(AuditEntry.tenant_id == current_user.tenant_id)
    filters = {k: (request.args.get(k) or "").strip()[:60] for k in ("object_type", "action", "actor", "from", "to")}
    if filters["object_type"]:
        stmt = stmt.where(AuditEntry.object_type == filters["object_type"])
    if filters["action"] in ("create", "update", "delete"):
        stmt = stmt.where(AuditEntry.action == filters["action"])
    if _ID.match(filters["actor"]):
        stmt = stmt.where(AuditEntry.actor_user_id == int(filters["actor"]))
    start = _parse_day(filters["from"])
    end = _parse_day(filters["to"], end=True)
    if start:
        stmt = stmt.where(AuditEntry.created_at >= start)
    if end:
        stmt = stmt.where(AuditEntry.created_at <= end)
    page = paginate(stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()), per_page=50)
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.tenant_id == current_user.tenant_id))}
    types = db.session.scalars(
        select(AuditEntry.object_type).where(AuditEntry.tenant_id == current_user.tenant_id).distinct()
    ).all()
    return render_template("admin/audit.html", page=page, filters=filters, actors=actors, types=sorted(types))
