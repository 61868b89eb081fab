"""Agreement pages: register, drafting, each party's decision, versions, evaluations, the matrix."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.agreements import operations as ops
from portal.agreements import permissions
from portal.agreements.models import (
    BODIES,
    CRITERIA,
    DECISIONS,
    DOMAINS,
    LEGAL_FORMS,
    LEVELS,
    MATRIX_DOMAINS,
    OUTCOMES,
    ROLES,
    STATUSES,
    Agreement,
    EvaluationStatus,
    InformalCooperation,
    PartyRole,
)
from portal.agreements.schemas import (
    ApprovalSchema,
    CreateAgreementSchema,
    EvaluationSchema,
    InformalSchema,
    VersionSchema,
)
from portal.core.access import MEMBERS, STAFF, allow
from portal.core.exports import table_response
from portal.core.files import path_of
from portal.core.forms import load_form
from portal.core.forms import submit as submit_form
from portal.core.loading import get_editable_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.templating import translated_labels
from portal.core.unitofwork import attempt
from portal.core.web import tenant_blueprint
from tenants.sharing import current_regions, partner_tenants

bp = tenant_blueprint("agreements", __name__, "/overeenkomsten")

LABELS = {
    "statuses": STATUSES,
    "legal_forms": LEGAL_FORMS,
    "domains": DOMAINS,
    "bodies": BODIES,
    "decisions": DECISIONS,
    "roles": ROLES,
    "criteria": CRITERIA,
    "outcomes": OUTCOMES,
    "matrix_domains": MATRIX_DOMAINS,
    "level_names": LEVELS,
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return translated_labels(LABELS)


def _manageable(agreement_id: int) -> Agreement:
    return get_editable_or_404(Agreement, agreement_id, permissions.can_manage)


def _party_view(agreement_id: int) -> Agreement:
    return permissions.party_agreement_or_404(agreement_id)


@bp.route("")
@allow(MEMBERS)
def index() -> Any:
    """List the agreements the municipality is party to or its regions show."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    page = paginate(ops.visible_agreements(q or None, status if status in STATUSES else None))
    return render_template(
        "agreements/index.html",
        page=page,
        q=q,
        status=status,
        counts=ops.count_by_status(),
        can_draft=permissions.can_draft(current_user),
        regions=current_regions(current_user.tenant_id),
    )


def _form_values(agreement: Agreement | None = None) -> dict[str, Any]:
    if request.method == "POST":
        return {
            **request.form.to_dict(),
            "domains": request.form.getlist("domains"),
            "partner_ids": request.form.getlist("partner_ids"),
        }
    if agreement is None:
        return {"domains": [], "partner_ids": [], "notice_months": 6, "evaluation_months": 12}
    first = ops.version(agreement, 1)
    return {
        "title": agreement.title,
        "legal_form": agreement.legal_form,
        "domains": agreement.domains,
        "partner_ids": [str(p.party_tenant_id) for p in agreement.parties if p.role == PartyRole.PARTNER],
        "region_id": agreement.region_id,
        "start_date": agreement.start_date.isoformat(),
        "end_date": agreement.end_date.isoformat() if agreement.end_date else "",
        "renewal_rule": agreement.renewal_rule,
        "notice_months": agreement.notice_months,
        "cost_key": agreement.cost_key,
        "evaluation_months": agreement.evaluation_months,
        "text_html": first.text_html if first else "",
    }


def _render_form(values: dict[str, Any], errors: dict[str, Any], agreement: Agreement | None, status: int) -> Any:
    return render_template(
        "agreements/form.html",
        values=values,
        errors=errors,
        agreement=agreement,
        regions=current_regions(current_user.tenant_id),
        partners=partner_tenants(current_user.tenant_id),
    ), status


@bp.route("/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new() -> Any:
    """Draft a new agreement with the own municipality as trekker."""
    if not permissions.can_draft(current_user):
        abort(403)
    values: dict[str, Any] = _form_values()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        agreement, errors = submit_form(CreateAgreementSchema(), lambda data: ops.create_agreement(data))
        if agreement is not None:
            flash(_("Het ontwerp is bewaard."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
        return _render_form(values, errors, None, 422)
    return _render_form(values, errors, None, 200)


def _detail_context(agreement: Agreement, **extra: Any) -> dict[str, Any]:
    """Return what the agreement page shows this user: the summary, or everything for a party."""
    details = permissions.can_read_details(current_user, agreement)
    context: dict[str, Any] = {"agreement": agreement, "details": details}
    if details:
        context.update(
            approvals=ops.approvals(agreement),
            pending=ops.pending_parties(agreement),
            evaluations=ops.evaluations(agreement),
            current=ops.version(agreement, agreement.current_version),
            proposed=ops.version(agreement, agreement.proposed_version),
            attachments=ops.attachments(agreement),
            can_manage=permissions.can_manage(current_user, agreement),
            can_decide=permissions.can_decide(current_user, agreement),
            own_party=agreement.party(current_user.tenant_id),
            decided=any(
                a.party_tenant_id == current_user.tenant_id
                for a in ops.approvals(agreement, agreement.proposed_version)
            ),
        )
    return {**context, **extra}


@bp.route("/<int:agreement_id>")
@allow(MEMBERS)
def detail(agreement_id: int) -> Any:
    """Show an agreement: the summary to every viewer, terms and decisions to the parties."""
    return render_template("agreements/detail.html", **_detail_context(get_visible_or_404(Agreement, agreement_id)))


@bp.route("/<int:agreement_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit(agreement_id: int) -> Any:
    """Change a draft."""
    agreement = _manageable(agreement_id)
    values: dict[str, Any] = _form_values(agreement)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        done, errors = submit_form(CreateAgreementSchema(), lambda data: ops.update_draft(agreement, data))
        if done is not None:
            flash(_("Het ontwerp is bijgewerkt."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
        return _render_form(values, errors, agreement, 422)
    return _render_form(values, errors, agreement, 200)


def _act(agreement: Agreement, action: Callable[[], Any], success: str) -> Any:
    """Run a button's operation and come back to the agreement with its outcome."""
    _done, errors, _status = attempt(action)
    if errors:
        flash(" ".join(str(m) for messages in errors.values() for m in messages), "danger")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id)), 303
    flash(success, "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id)), 303


@bp.route("/<int:agreement_id>/voorleggen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def submit(agreement_id: int) -> Any:
    """Send the draft to the parties for approval."""
    agreement = _manageable(agreement_id)
    return _act(agreement, lambda: ops.submit(agreement), _("De overeenkomst ligt ter goedkeuring bij de partijen."))


@bp.route("/<int:agreement_id>/beslissing", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def decide(agreement_id: int) -> Any:
    """Record the own municipality's council or college decision."""
    agreement = _party_view(agreement_id)
    if not permissions.can_decide(current_user, agreement):
        abort(403)
    data, errors = load_form(ApprovalSchema(), request.form)
    status = 422
    if data is not None:
        approval, errors, status = attempt(lambda: ops.record_approval(agreement, data))
        if approval is not None:
            flash(_("De beslissing van je bestuur is geregistreerd."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id)), 303
    context = _detail_context(agreement, decision_values=request.form.to_dict(), decision_errors=errors)
    return render_template("agreements/detail.html", **context), status


@bp.route("/<int:agreement_id>/bijlagen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def upload(agreement_id: int) -> Any:
    """Attach a document (PDF, DOCX, ODT) to a version (trekker)."""
    agreement = _manageable(agreement_id)
    number = request.form.get("version", type=int)
    attachment, errors, status = attempt(lambda: ops.add_attachment(agreement, request.files.get("file"), number))
    if attachment is None:
        context = _detail_context(agreement, upload_errors=errors)
        return render_template("agreements/detail.html", **context), status
    flash(_("De bijlage is toegevoegd."), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id)), 303


@bp.route("/<int:agreement_id>/bijlagen/<int:attachment_id>")
@allow(MEMBERS)
def download(agreement_id: int, attachment_id: int) -> Any:
    """Download an attachment (parties only)."""
    agreement = _party_view(agreement_id)
    found = next((a for a in ops.attachments(agreement) if a.id == attachment_id), None)
    if found is None:
        abort(404)
    path = path_of(found.storage_key)
    if not path.exists():
        abort(404)
    # Read whole (at most 10 MB): no file handle outlives the request.
    return send_file(
        io.BytesIO(path.read_bytes()), mimetype=found.content_type, as_attachment=True, download_name=found.filename
    )


@bp.route("/<int:agreement_id>/terugtrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def withdraw(agreement_id: int) -> Any:
    """Withdraw the own municipality (opzeggen, with the notice period)."""
    agreement = _party_view(agreement_id)
    if not permissions.can_withdraw(current_user, agreement):
        abort(403)
    return _act(agreement, lambda: ops.withdraw(agreement), _("Je bestuur trekt zich terug uit de overeenkomst."))


@bp.route("/<int:agreement_id>/beeindigen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def end(agreement_id: int) -> Any:
    """End the agreement (trekker)."""
    agreement = _manageable(agreement_id)
    return _act(agreement, lambda: ops.end_agreement(agreement), _("De overeenkomst is beëindigd."))


@bp.route("/<int:agreement_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def delete(agreement_id: int) -> Any:
    """Delete a draft."""
    agreement = _manageable(agreement_id)
    _done, errors, _status = attempt(lambda: ops.delete_draft(agreement))
    if errors:
        flash(" ".join(str(m) for m in errors["_schema"]), "danger")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id)), 303
    flash(_("Het ontwerp is verwijderd."), "success")
    return redirect(url_for("agreements.index")), 303


@bp.route("/<int:agreement_id>/versies", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def propose(agreement_id: int) -> Any:
    """Propose a new version of a live agreement."""
    agreement = _manageable(agreement_id)
    data, errors = load_form(VersionSchema(), request.form)
    if data is None:
        flash(" ".join(str(m) for messages in errors.values() for m in messages), "danger")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id)), 303
    return _act(
        agreement,
        lambda: ops.propose_version(agreement, data["text_html"], data["change_note"]),
        _("De nieuwe versie ligt ter goedkeuring bij de partijen."),
    )


@bp.route("/<int:agreement_id>/versies/<int:number>")
@allow(MEMBERS)
def version(agreement_id: int, number: int) -> Any:
    """Show one version of the text."""
    agreement = _party_view(agreement_id)
    found = ops.version(agreement, number)
    if found is None:
        abort(404)
    return render_template("agreements/version.html", agreement=agreement, version=found)


@bp.route("/<int:agreement_id>/evaluaties/<int:evaluation_id>", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def evaluation(agreement_id: int, evaluation_id: int) -> Any:
    """Show an evaluation; the trekker completes it."""
    agreement = _party_view(agreement_id)
    found = next((e for e in ops.evaluations(agreement) if e.id == evaluation_id), None)
    if found is None:
        abort(404)
    can_complete = permissions.can_manage(current_user, agreement) and found.status == EvaluationStatus.TE_DOEN
    values: dict[str, Any] = request.form.to_dict() if request.method == "POST" else {}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if agreement.tenant_id != current_user.tenant_id:
            abort(404)  # parties read the evaluation; only the trekker writes it
        if not can_complete:
            abort(403 if found.status == EvaluationStatus.TE_DOEN else 409)
        form = {
            "scores": {k: request.form[f"score-{k}"] for k in CRITERIA if request.form.get(f"score-{k}")},
            "outcome": request.form.get("outcome", ""),
            "recommendation": request.form.get("recommendation", ""),
            "meeting_reference": request.form.get("meeting_reference", ""),
            "meeting_id": request.form.get("meeting_id") or None,
        }
        done, errors = submit_form(
            EvaluationSchema(), lambda data: ops.complete_evaluation(agreement, found, data), form
        )
        if done is not None:
            flash(_("De evaluatie is afgerond."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id)), 303
        status = 422
    return render_template(
        "agreements/evaluation.html",
        agreement=agreement,
        evaluation=found,
        can_complete=can_complete,
        values=values,
        errors=errors,
        meetings=ops.visible_meetings() if can_complete else [],
        meeting=ops.linked_meeting(found),
    ), status


def _chosen_region() -> Any:
    regions = current_regions(current_user.tenant_id)
    if not regions:
        return None, regions
    wanted = request.args.get("regio", type=int)
    chosen = next((r for r in regions if r.id == wanted), None)
    if wanted is not None and chosen is None:
        abort(404)
    return chosen or regions[0], regions


@bp.route("/matrix", methods=["GET"])
@allow(MEMBERS)
def matrix() -> Any:
    """Show the cooperation matrix of one of the municipality's regions."""
    region, regions = _chosen_region()
    context: dict[str, Any] = {"region": region, "regions": regions, "errors": {}, "values": {}}
    if region is not None:
        context.update(_matrix_context(region.id))
    return render_template("agreements/matrix.html", **context)


def _matrix_context(region_id: int) -> dict[str, Any]:
    data = ops.matrix(region_id)
    previous = ops.previous_snapshot(region_id)
    informal = data["own_informal"]
    return {
        "members": data["members"],
        "levels": data["levels"],
        "pairs": data["pairs"],
        "previous": previous,
        "informal": informal,
        "can_record": permissions.can_record_informal(current_user),
    }


@bp.route("/matrix.csv")
@allow(MEMBERS)
def matrix_csv() -> Any:
    """Export the matrix of one of the municipality's regions as CSV."""
    return _matrix_export("csv")


@bp.route("/matrix.xlsx")
@allow(MEMBERS)
def matrix_xlsx() -> Any:
    """Export the matrix of one of the municipality's regions as XLSX."""
    return _matrix_export("xlsx")


def _matrix_export(fmt: str) -> Any:
    region, _regions = _chosen_region()
    if region is None:
        abort(404)
    header, rows = ops.matrix_table(region.id)
    return table_response(fmt, f"samenwerkingsmatrix-{region.slug}", header, rows, _("Samenwerkingsmatrix"))


@bp.route("/matrix/informeel", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def record_informal() -> Any:
    """Record informal cooperation with a partner (level 1)."""
    if not permissions.can_record_informal(current_user):
        abort(403)
    done, errors = submit_form(InformalSchema(), lambda data: ops.record_informal(data))
    if done is not None:
        flash(_("De informele samenwerking is bewaard."), "success")
        return redirect(url_for("agreements.matrix")), 303
    region, regions = _chosen_region()
    context: dict[str, Any] = {"region": region, "regions": regions, "errors": errors, "values": request.form}
    if region is not None:
        context.update(_matrix_context(region.id))
    return render_template("agreements/matrix.html", **context), 422


@bp.route("/matrix/informeel/<int:informal_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def delete_informal(informal_id: int) -> Any:
    """Remove an own informal cooperation."""
    found = get_editable_or_404(
        InformalCooperation, informal_id, lambda user, _obj: permissions.can_record_informal(user)
    )
    ops.delete_informal(found)
    flash(_("De informele samenwerking is verwijderd."), "success")
    return redirect(url_for("agreements.matrix")), 303


@bp.route("/register.csv")
@allow(MEMBERS)
def register_csv() -> Any:
    """Export the register of the municipality's agreements, or with ?regio= that of a region (CSV)."""
    return _register_export("csv")


@bp.route("/register.xlsx")
@allow(MEMBERS)
def register_xlsx() -> Any:
    """Export the register of the municipality's agreements, or with ?regio= that of a region (XLSX)."""
    return _register_export("xlsx")


def _register_export(fmt: str) -> Any:
    """Answer the register in ``fmt``: party rows in full, the other agreements as their summary."""
    if "regio" in request.args:
        region, _regions = _chosen_region()
        if region is None or request.args.get("regio", type=int) != region.id:
            abort(404)
        agreements = ops.region_register(region.id)
        stem = f"overeenkomsten-{region.slug}"
    else:
        agreements = ops.municipality_register(current_user.tenant_id)
        stem = f"overeenkomsten-{current_user.tenant.slug}"
    rows = ops.register_rows(agreements, lambda a: permissions.can_read_details(current_user, a))
    return table_response(fmt, stem, ops.register_header(), rows, _("Overeenkomsten"))
