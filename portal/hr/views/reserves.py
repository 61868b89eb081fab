"""HR pages of recruitment reserves (werfreserve): laureates, partners' requests and decisions."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import form_to_dict
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr import permissions
from portal.hr.models import (
    GRADES,
    LIVE_REQUEST_STATUSES,
    RequestStatus,
    Reserve,
    ReserveCandidate,
    ReserveRequest,
    ReserveRequestDecision,
    Vacancy,
)
from portal.hr.schemas import CreateCandidateSchema, CreateReserveSchema, RequestCandidateSchema, ReserveDecisionSchema
from portal.hr.views._blueprint import bp
from portal.hr.views._common import _hr_only_page, load
from tenants.sharing import current_regions, partner_tenants


def _reserve_reader() -> None:
    if not permissions.is_hr(current_user):
        abort(403)


@bp.route("/werfreserves")
@allow(MEMBERS)
def reserves() -> Any:
    """List own reserves and those partners share, our requests and the requests to decide."""
    if not permissions.is_hr(current_user):
        return _hr_only_page(_("Werfreserves"))
    page = paginate(select(Reserve).order_by(Reserve.valid_until.desc(), Reserve.id.desc()))
    requests = list(db.session.scalars(select(ReserveRequest).order_by(ReserveRequest.id.desc())))
    decisions = list(db.session.scalars(select(ReserveRequestDecision).order_by(ReserveRequestDecision.id.desc())))
    return render_template(
        "hr/reserves.html",
        page=page,
        requests=requests,
        decisions=decisions,
        can_create=permissions.can_create(current_user),
        today=ops.today(),
    )


@bp.route("/werfreserves/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_reserve() -> Any:
    """Open a ranked reserve after a selection."""
    if not permissions.is_hr(current_user):
        if request.method == "POST":
            abort(403)
        return _hr_only_page(_("Nieuwe werfreserve"))
    values: dict[str, Any] = {"audience": "own", "partner_ids": [], "selected_on": ops.today().isoformat()}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = {**request.form.to_dict(), "partner_ids": request.form.getlist("partner_ids")}
        data, errors = load(CreateReserveSchema(), form_to_dict(request.form, CreateReserveSchema()))
        if data is not None:
            try:
                obj = ops.create_reserve(data, author_id=current_user.id)
            except DomainError as err:
                fail()
                errors = {err.field or "_schema": [err.message]}
            else:
                flash(_("De werfreserve is aangemaakt."), "success")
                return redirect(url_for("hr.reserve", reserve_id=obj.id))
    vacancies = list(
        db.session.scalars(
            select(Vacancy).where(Vacancy.tenant_id == current_user.tenant_id).order_by(Vacancy.id.desc()).limit(50)
        )
    )
    return (
        render_template(
            "hr/reserve_form.html",
            values=values,
            errors=errors,
            grades=GRADES,
            vacancies=vacancies,
            regions=current_regions(current_user.tenant_id),
            partners=partner_tenants(current_user.tenant_id),
        ),
        422 if errors else 200,
    )


def _reserve_page(obj: Reserve, *, values: Any = None, errors: Any = None, status: int = 200) -> Any:
    own = permissions.can_manage_reserve(current_user, obj)
    asked = set(
        db.session.scalars(
            select(ReserveRequest.candidate_id).where(
                ReserveRequest.reserve_id == obj.id, ReserveRequest.status.in_(LIVE_REQUEST_STATUSES)
            )
        )
    )
    return (
        render_template(
            "hr/reserve.html",
            obj=obj,
            own=own,
            valid=ops.is_valid(obj),
            offered=[] if own else ops.offered_candidates(obj),
            asked=asked,
            can_request=permissions.can_request_candidate(current_user, obj),
            values=values or {},
            errors=errors or {},
        ),
        status,
    )


@bp.route("/werfreserves/<int:reserve_id>")
@allow(MEMBERS)
def reserve(reserve_id: int) -> Any:
    """Show a reserve: the owner's HR sees the laureates, a partner the ranks it may ask for."""
    _reserve_reader()
    return _reserve_page(get_visible_or_404(Reserve, reserve_id))


@bp.route("/werfreserves/<int:reserve_id>/kandidaten", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def reserve_candidate(reserve_id: int) -> Any:
    """Add a laureate to an own reserve."""
    obj = get_owned_or_404(Reserve, reserve_id, current_user.tenant_id)
    if not permissions.can_manage_reserve(current_user, obj):
        abort(404)
    data, errors = load(CreateCandidateSchema(), form_to_dict(request.form, CreateCandidateSchema()))
    if data is not None:
        try:
            ops.add_candidate(obj, data)
        except DomainError as err:
            fail()
            errors = {err.field or "_schema": [err.message]}
        else:
            flash(_("De kandidaat staat in de werfreserve."), "success")
            return redirect(url_for("hr.reserve", reserve_id=obj.id))
    return _reserve_page(obj, values=request.form.to_dict(), errors=errors, status=422)


@bp.route("/werfreserves/kandidaten/<int:candidate_id>", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def reserve_candidate_status(candidate_id: int) -> Any:
    """Mark an own laureate as hired or withdrawn (no longer offered to partners), or active again."""
    row = get_owned_or_404(ReserveCandidate, candidate_id, current_user.tenant_id)
    if not permissions.is_hr(current_user):
        abort(404)
    ops.set_candidate_status(row, request.form.get("status", ""))
    flash(_("De status van de kandidaat is gewijzigd."), "success")
    return redirect(url_for("hr.reserve", reserve_id=row.reserve_id))


@bp.route("/werfreserve-aanvragen/nieuw", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def reserve_request() -> Any:
    """Ask a partner for a consenting candidate of its shared reserve (ids in the form; foreign is 404)."""
    _reserve_reader()
    data, errors = load(RequestCandidateSchema(), form_to_dict(request.form, RequestCandidateSchema()))
    if data is None:
        raise DomainError(" ".join(" ".join(v) for v in errors.values()), status_code=422)
    obj = get_visible_or_404(Reserve, data.get("reserve_id") or 0)
    if not permissions.can_request_candidate(current_user, obj):
        abort(403)
    row = ops.request_candidate(obj, data["candidate_id"], user=current_user, motivation=data["motivation"])
    flash(_("Je aanvraag is verstuurd; het bestuur van de werfreserve beslist."), "success")
    # Answer with the request itself, like an application: the requester sees what was filed.
    return render_template("hr/reserve_request.html", row=row, can_withdraw=True)


@bp.route("/werfreserve-aanvragen/<int:request_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def own_reserve_request(request_id: int) -> Any:
    """Show our request for a partner's candidate (with the contact once approved); POST withdraws it."""
    _reserve_reader()
    row = get_owned_or_404(ReserveRequest, request_id, current_user.tenant_id)
    if request.method == "POST":
        data, _errors = load(ReserveDecisionSchema(), form_to_dict(request.form, ReserveDecisionSchema()))
        if data is None or data["decision"] != RequestStatus.INGETROKKEN:
            raise DomainError(_("Je kan je aanvraag enkel intrekken."), status_code=422)
        ops.withdraw_reserve_request(row)
        flash(_("Je aanvraag is ingetrokken."), "success")
        return redirect(url_for("hr.own_reserve_request", request_id=row.id))
    return render_template("hr/reserve_request.html", row=row, can_withdraw=row.status == RequestStatus.AANGEVRAAGD)


@bp.route("/werfreserve-beslissingen/<int:decision_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def reserve_decision(decision_id: int) -> Any:
    """Show a partner's request for one of our laureates; POST approves or refuses it."""
    _reserve_reader()
    row = get_owned_or_404(ReserveRequestDecision, decision_id, current_user.tenant_id)
    if request.method == "POST":
        data, _errors = load(ReserveDecisionSchema(), form_to_dict(request.form, ReserveDecisionSchema()))
        if data is None or data["decision"] == RequestStatus.INGETROKKEN:
            raise DomainError(_("Kies goedkeuren of weigeren."), status_code=422)
        ops.decide_reserve_request(row, data["decision"] == RequestStatus.GOEDGEKEURD, user=current_user)
        flash(_("De beslissing is geregistreerd."), "success")
        return redirect(url_for("hr.reserve_decision", decision_id=row.id))
    return render_template("hr/reserve_decision.html", row=row)
