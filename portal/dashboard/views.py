"""Dashboard and announcement pages."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, SIGNED_IN, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_editable_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.core.web import tenant_blueprint
from portal.dashboard import operations as ops
from portal.dashboard import permissions
from portal.dashboard.models import Announcement
from portal.dashboard.schemas import CreateAnnouncementSchema
from portal.extensions import db
from portal.features import dashboard_cards
from tenants.sharing import current_regions, object_grantees, partner_tenants

bp = tenant_blueprint("dashboard", __name__)


@bp.route("/")
@allow(SIGNED_IN)
def index() -> Any:
    """Show the user's tenant, its regions, partners and the latest announcements."""
    tenant = current_user.tenant
    regions = current_regions(tenant.id)
    partners = partner_tenants(tenant.id)
    # The expert (gast) signs in here too, but reads no announcements of the municipality.
    reads_modules = MEMBERS.admits(current_user)
    latest = list(db.session.scalars(ops.visible_announcements().limit(5))) if reads_modules else []
    return render_template(
        "dashboard/index.html",
        tenant=tenant,
        regions=regions,
        partners=partners,
        latest=latest,
        reads_modules=reads_modules,
        cards=dashboard_cards(),
    )


@bp.route("/mededelingen")
@allow(MEMBERS)
def announcements() -> Any:
    """List the announcements the tenant may read, with search."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_announcements(q or None))
    return render_template(
        "dashboard/announcements.html", page=page, q=q, can_create=permissions.can_create(current_user)
    )


def _form_context(values: dict[str, Any], errors: dict[str, Any], obj: Announcement | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "obj": obj,
        "regions": current_regions(current_user.tenant_id),
        "partners": partner_tenants(current_user.tenant_id),
    }


@bp.route("/mededelingen/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_announcement() -> Any:
    """Write a new announcement."""
    if not permissions.can_create(current_user):
        abort(403)
    values: dict[str, Any] = {"audience": "own", "publish": True, "partner_ids": []}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
        data, errors = load_form(CreateAnnouncementSchema(), request.form)
        if data is not None:
            try:
                obj = ops.create_announcement(data, author_id=current_user.id)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De mededeling is bewaard."), "success")
                return redirect(url_for("dashboard.announcement", announcement_id=obj.id))
        return render_template("dashboard/announcement_form.html", **_form_context(values, errors)), 422
    return render_template("dashboard/announcement_form.html", **_form_context(values, errors))


@bp.route("/mededelingen/<int:announcement_id>")
@allow(MEMBERS)
def announcement(announcement_id: int) -> Any:
    """Show one announcement (own or shared with the tenant)."""
    obj = get_visible_or_404(Announcement, announcement_id)
    grantees = object_grantees(obj) if obj.tenant_id == current_user.tenant_id else []
    partners = {t.id: t for t in partner_tenants(current_user.tenant_id)}
    return render_template(
        "dashboard/announcement.html",
        obj=obj,
        can_edit=permissions.can_edit(current_user, obj),
        grantees=[partners[i] for i in grantees if i in partners],
    )


def _owned(announcement_id: int) -> Announcement:
    return get_editable_or_404(Announcement, announcement_id, permissions.can_edit)


@bp.route("/mededelingen/<int:announcement_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit_announcement(announcement_id: int) -> Any:
    """Edit an own announcement and who sees it."""
    obj = _owned(announcement_id)
    values: dict[str, Any] = {
        "title": obj.title,
        "body_html": obj.body_html,
        "audience": obj.audience,
        "region_id": obj.region_id,
        "partner_ids": [str(i) for i in object_grantees(obj)],
        "publish": obj.published_at is not None,
    }
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
        data, errors = load_form(CreateAnnouncementSchema(), request.form)
        if data is not None:
            try:
                ops.update_announcement(obj, data)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De mededeling is bijgewerkt."), "success")
                return redirect(url_for("dashboard.announcement", announcement_id=obj.id))
        return render_template("dashboard/announcement_form.html", **_form_context(values, errors, obj)), 422
    return render_template("dashboard/announcement_form.html", **_form_context(values, errors, obj))


@bp.route("/mededelingen/<int:announcement_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def delete_announcement(announcement_id: int) -> Any:
    """Delete an own announcement."""
    obj = _owned(announcement_id)
    ops.delete_announcement(obj)
    flash(_("De mededeling is verwijderd."), "success")
    return redirect(url_for("dashboard.announcements"))
