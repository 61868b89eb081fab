"""Afstemming pages: the four registers, item pages, comparisons, import/export and harmonisation proposals."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.alignment import operations as ops
from portal.alignment import permissions
from portal.alignment.models import (
    BODY_LABELS,
    CONTROL_LABELS,
    DECISION_LABELS,
    ITEM_STATUS_LABELS,
    KIND_LABELS,
    KINDS,
    LEVY_LABELS,
    PROPOSAL_STATUS_LABELS,
    QUADRANT_LABELS,
    REGISTERS,
    AlignmentItem,
    ItemKind,
    Proposal,
    ProposalStatus,
)
from portal.alignment.schemas import (
    AlignmentDecisionSchema,
    AlignmentMeetingLinkSchema,
    AlignmentShareSchema,
    CreateAlignmentItemSchema,
    CreateAlignmentProposalSchema,
)
from portal.core.access import MEMBERS, STAFF, allow
from portal.core.exports import table_response
from portal.core.forms import load_data, load_form, submit
from portal.core.loading import get_editable_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.templating import translated_labels
from portal.core.unitofwork import attempt
from portal.core.web import tenant_blueprint
from portal.extensions import db
from tenants.sharing import current_regions, partner_tenants

bp = tenant_blueprint("alignment", __name__, "/afstemming")

EXPORT_LIMIT = 10_000

LABELS = {
    "registers": REGISTERS,
    "kind_labels": KIND_LABELS,
    "levy_labels": LEVY_LABELS,
    "item_status_labels": ITEM_STATUS_LABELS,
    "control_labels": CONTROL_LABELS,
    "quadrant_labels": QUADRANT_LABELS,
    "proposal_status_labels": PROPOSAL_STATUS_LABELS,
    "decision_labels": DECISION_LABELS,
    "body_labels": BODY_LABELS,
    "risk_level": ops.risk_level,
    "risk_key": ops.risk_key,
}

_TABLE_COLUMNS = {
    "tariff_lines": ("label", "amount", "unit"),
    "risks": ("title", "likelihood", "impact", "control", "control_status"),
    "swot": ("quadrant", "text"),
}
_PREFIX = {"tariff_lines": "tarief", "risks": "risico", "swot": "swot"}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return translated_labels(LABELS)


def _editable(item_id: int) -> AlignmentItem:
    return get_editable_or_404(AlignmentItem, item_id, permissions.can_edit)


def _managed(proposal_id: int) -> Proposal:
    return get_editable_or_404(Proposal, proposal_id, permissions.can_manage)


def _errors_text(errors: dict[str, Any]) -> str:
    return " ".join(str(m) for messages in errors.values() for m in messages)


# -- registers -------------------------------------------------------------------------------


@bp.route("")
@allow(MEMBERS)
def index() -> Any:
    """List the register items the municipality keeps and its partners share."""
    register = request.args.get("register", "")
    kind = request.args.get("kind", "")
    q = request.args.get("q", "").strip()
    own_only = request.args.get("eigen") == "1"
    page = paginate(
        ops.visible_items(
            kind=kind if kind in KINDS else None,
            register=register if register in REGISTERS else None,
            q=q or None,
            own_only=own_only,
        )
    )
    return render_template(
        "alignment/index.html",
        page=page,
        register=register,
        kind=kind,
        q=q,
        own_only=own_only,
        counts=ops.count_by_kind(),
        can_edit=permissions.can_edit_items(current_user),
    )


def _rows(form: MultiDict[str, str], name: str) -> list[dict[str, str]]:
    """Return the filled rows of a repeated group of form fields (tarief_label, tarief_amount, ...)."""
    prefix, columns = _PREFIX[name], _TABLE_COLUMNS[name]
    values = [form.getlist(f"{prefix}_{c}") for c in columns]
    rows = []
    for cells in zip(*values, strict=False):
        row = {c: v.strip() for c, v in zip(columns, cells, strict=True)}
        if any(v for c, v in row.items() if c not in ("control_status", "quadrant", "likelihood", "impact")):
            rows.append(row)
    return rows


def _item_input(form: MultiDict[str, str], kind: str) -> dict[str, Any]:
    """Shape the item form into schema input."""
    data: dict[str, Any] = {"kind": kind}
    for name in (
        "title",
        "subject",
        "category",
        "description",
        "responsible",
        "status",
        "exemptions",
        "supplier",
        "data_processed",
        "opening_hours",
        "audience",
    ):
        if name in form:
            data[name] = form.get(name, "")
    for name in (
        "valid_from_on",
        "valid_until_on",
        "decision_url",
        "duration_days",
        "contract_end_on",
        "users_count",
        "procurement_lot_id",
        "region_id",
    ):
        data[name] = form.get(name) or None
    data["steps"] = [line for line in form.get("steps", "").splitlines() if line.strip()]
    data["channels"] = [c for c in form.get("channels", "").split(",") if c.strip()]
    data["partner_ids"] = [p for p in form.getlist("partner_ids") if p]
    for name in _TABLE_COLUMNS:
        data[name] = _rows(form, name)
    return data


def _item_values(item: AlignmentItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "subject": item.subject,
        "category": item.category,
        "description": item.description,
        "responsible": item.responsible,
        "status": item.status,
        "valid_from_on": item.valid_from_on.isoformat() if item.valid_from_on else "",
        "valid_until_on": item.valid_until_on.isoformat() if item.valid_until_on else "",
        "decision_url": item.decision_url,
        "exemptions": item.exemptions,
        "steps": "\n".join(item.steps),
        "duration_days": item.duration_days if item.duration_days is not None else "",
        "supplier": item.supplier,
        "contract_end_on": item.contract_end_on.isoformat() if item.contract_end_on else "",
        "users_count": item.users_count if item.users_count is not None else "",
        "data_processed": item.data_processed,
        "procurement_lot_id": item.procurement_lot_id or "",
        "channels": ", ".join(item.channels),
        "opening_hours": item.opening_hours,
        "tariff_lines": [{"label": t.label, "amount": t.amount, "unit": t.unit} for t in item.tariff_lines],
        "risks": [
            {
                "title": r.title,
                "likelihood": r.likelihood,
                "impact": r.impact,
                "control": r.control,
                "control_status": r.control_status,
            }
            for r in item.risks
        ],
        "swot": [{"quadrant": s.quadrant, "text": s.text} for s in item.swot],
        "audience": item.audience,
        "region_id": item.region_id,
    }


def _form_values(form: MultiDict[str, str], kind: str) -> dict[str, Any]:
    values: dict[str, Any] = {**form.to_dict(), "partner_ids": form.getlist("partner_ids")}
    for name in _TABLE_COLUMNS:
        values[name] = _rows(form, name)
    values["kind"] = kind
    return values


def _render_item_form(
    kind: str, values: dict[str, Any], errors: dict[str, Any], item: AlignmentItem | None, status: int
) -> Any:
    return render_template(
        "alignment/item_form.html",
        kind=kind,
        values=values,
        errors=errors,
        item=item,
        regions=current_regions(current_user.tenant_id),
        partners=partner_tenants(current_user.tenant_id),
        subjects=ops.subject_suggestions(kind),
    ), status


@bp.route("/items/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_item() -> Any:
    """Add an item to one of the municipality's registers."""
    if not permissions.can_edit_items(current_user):
        abort(403)
    kind = request.values.get("kind", ItemKind.REGLEMENT)
    if kind not in KINDS:
        kind = ItemKind.REGLEMENT
    if request.method == "POST":
        item, errors = submit(
            CreateAlignmentItemSchema(), lambda data: ops.create_item(data), _item_input(request.form, kind)
        )
        if item is not None:
            flash(_("Het item is bewaard."), "success")
            return redirect(url_for("alignment.item", item_id=item.id)), 303
        return _render_item_form(kind, _form_values(request.form, kind), errors, None, 422)
    values = {"kind": kind, "status": "actief", "audience": "own", "partner_ids": []}
    return _render_item_form(kind, values, {}, None, 200)


@bp.route("/items/<int:item_id>")
@allow(MEMBERS)
def item(item_id: int) -> Any:
    """Show one register item with its detail rows."""
    found = get_visible_or_404(AlignmentItem, item_id)
    return render_template(
        "alignment/item.html",
        item=found,
        can_edit=permissions.can_edit(current_user, found),
        regions=current_regions(current_user.tenant_id),
        partners=partner_tenants(current_user.tenant_id),
        values={"audience": found.audience, "region_id": found.region_id, "partner_ids": []},
        errors={},
    )


@bp.route("/items/<int:item_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit_item(item_id: int) -> Any:
    """Change an own item."""
    found = _editable(item_id)
    if request.method == "POST":
        form_input = _item_input(request.form, found.kind)
        if "audience" not in request.form:
            form_input.update(audience=found.audience, region_id=found.region_id)
            form_input.pop("partner_ids", None)
        data, errors = load_data(CreateAlignmentItemSchema(), form_input)
        if data is not None:
            if "audience" not in request.form:
                data.pop("audience", None)
            done, errors, _status = attempt(lambda: ops.update_item(found, data))
            if done is not None:
                flash(_("Het item is bijgewerkt."), "success")
                return redirect(url_for("alignment.item", item_id=found.id)), 303
        return _render_item_form(found.kind, _form_values(request.form, found.kind), errors, found, 422)
    return _render_item_form(found.kind, _item_values(found), {}, found, 200)


@bp.route("/items/<int:item_id>/delen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def share_item(item_id: int) -> Any:
    """Share an own item with nobody, a region or chosen partners."""
    found = _editable(item_id)
    data, errors = load_form(AlignmentShareSchema(), request.form)
    if data is not None:
        done, errors, _status = attempt(lambda: ops.share_item(found, data))
        if done is not None:
            flash(_("Het delen is aangepast."), "success")
            return redirect(url_for("alignment.item", item_id=found.id)), 303
    flash(_errors_text(errors), "danger")
    return redirect(url_for("alignment.item", item_id=found.id)), 303


@bp.route("/items/<int:item_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def delete_item(item_id: int) -> Any:
    """Remove an own item."""
    found = _editable(item_id)
    ops.delete_item(found)
    flash(_("Het item is verwijderd."), "success")
    return redirect(url_for("alignment.index")), 303


@bp.route("/items/<int:item_id>/proceskaart", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def process_map(item_id: int) -> Any:
    """Download the process map of a readable item, or upload (BPMN/PDF) that of an own item."""
    if request.method == "POST":
        found = _editable(item_id)
        done, errors, _status = attempt(lambda: ops.attach_map(found, request.files.get("file")))
        if done is None:
            flash(_errors_text(errors), "danger")
        else:
            flash(_("De proceskaart is opgeladen."), "success")
        return redirect(url_for("alignment.item", item_id=found.id)), 303
    found = get_visible_or_404(AlignmentItem, item_id)
    stored = ops.read_map(found)
    if stored is None:
        abort(404)
    content, mimetype, filename = stored
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename)


@bp.route("/export.csv")
@allow(MEMBERS)
def export_csv() -> Any:
    """Download the readable items (optionally of one kind or register) as CSV."""
    return _export("csv")


@bp.route("/export.xlsx")
@allow(MEMBERS)
def export_xlsx() -> Any:
    """Download the readable items (optionally of one kind or register) as XLSX."""
    return _export("xlsx")


def _export(formaat: str) -> Any:
    kind = request.args.get("kind", "")
    register = request.args.get("register", "")
    stmt = ops.visible_items(
        kind=kind if kind in KINDS else None,
        register=register if register in REGISTERS else None,
        own_only=request.args.get("eigen") == "1",
    )
    items = list(db.session.scalars(stmt.limit(EXPORT_LIMIT)))
    return table_response(
        formaat,
        f"afstemming-{kind or register or 'register'}",
        ops.register_header(),
        ops.register_rows(items),
        _("Afstemming"),
    )


@bp.route("/importeren", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def import_items() -> Any:
    """Import items of one kind from a CSV or XLSX file: all rows or none."""
    if not permissions.can_edit_items(current_user):
        abort(403)
    kind = request.values.get("kind", ItemKind.REGLEMENT)
    if kind not in KINDS:
        kind = ItemKind.REGLEMENT
    row_errors: list[str] = []
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        share = ops.import_share(request.form.get("region_id"))
        result, errors, status = attempt(lambda: ops.import_items(kind, request.files.get("file"), share))
        if result is not None:
            created, row_errors = result
            if not row_errors:
                flash(_("%(count)s items ingelezen.", count=len(created)), "success")
                return redirect(url_for("alignment.index", kind=kind)), 303
            status = 422
    return render_template(
        "alignment/import.html",
        kind=kind,
        row_errors=row_errors,
        errors=errors,
        header=ops.template_header(kind),
        regions=current_regions(current_user.tenant_id),
    ), status


# -- comparisons -----------------------------------------------------------------------------


def _chosen() -> list[Any]:
    return ops.chosen_tenants(request.args.getlist("partner_ids", type=int))


def _compare_context(kind: str) -> dict[str, Any]:
    tenants = _chosen()
    wanted = set(request.args.getlist("partner_ids", type=int))
    return {
        "tenants": tenants,
        "partners": partner_tenants(current_user.tenant_id),
        "chosen_ids": wanted,
        "subjects": ops.subjects(kind, tenants),
        "can_propose": permissions.can_propose(current_user),
    }


def _export_or_page(template: str, table: tuple[list[str], list[list[Any]]], stem: str, **context: Any) -> Any:
    fmt = request.args.get("formaat")
    if fmt:
        header, rows = table
        return table_response(fmt, stem, header, rows, _("Vergelijking"))
    return render_template(template, **context)


@bp.route("/vergelijken/tarieven")
@allow(MEMBERS)
def compare_tariffs() -> Any:
    """Put the tariffs of one belasting or retributie side by side, with min, median, max and outliers."""
    context = _compare_context(ItemKind.REGLEMENT)
    subject = request.args.get("subject", "").strip()[:120]
    result = ops.compare_tariffs(subject, context["tenants"])
    return _export_or_page(
        "alignment/compare_tariffs.html",
        ops.tariff_table(result),
        "tarieven",
        result=result,
        subject=subject,
        **context,
    )


@bp.route("/vergelijken/toepassingen")
@allow(MEMBERS)
def compare_applications() -> Any:
    """Show who runs which application and when its contract ends (rollout opportunities first)."""
    context = _compare_context(ItemKind.TOEPASSING)
    groups = ops.compare_applications(context["tenants"])
    return _export_or_page(
        "alignment/compare_applications.html", ops.application_table(groups), "toepassingen", groups=groups, **context
    )


@bp.route("/vergelijken/risicos")
@allow(MEMBERS)
def compare_risks() -> Any:
    """Show a risk heatmap (likelihood x impact, with counts and level words) per municipality."""
    context = _compare_context(ItemKind.BEHEERSING)
    maps = ops.risk_heatmaps(context["tenants"])
    return _export_or_page("alignment/compare_risks.html", ops.risk_table(maps), "risicos", maps=maps, **context)


@bp.route("/vergelijken/swot")
@allow(MEMBERS)
def compare_swot() -> Any:
    """Show the SWOT of each municipality's service model side by side."""
    context = _compare_context(ItemKind.DIENSTVERLENING)
    rows = ops.swot_overview(context["tenants"])
    return _export_or_page("alignment/compare_swot.html", ops.swot_table(rows), "swot", rows=rows, **context)


@bp.route("/vergelijken/items")
@allow(MEMBERS)
def compare_items() -> Any:
    """Put the items of one kind and subject side by side (financial processes, policies, ...)."""
    kind = request.args.get("kind", ItemKind.FINANCIEEL_PROCES)
    if kind not in KINDS:
        kind = ItemKind.FINANCIEEL_PROCES
    context = _compare_context(kind)
    subject = request.args.get("subject", "").strip()[:120]
    per = ops.compare_items(kind, subject, context["tenants"]) if subject else {}
    items = [i for t in context["tenants"] for i in per.get(t.id, [])]
    # Compared by key, shown as the own municipality spells it (else the most common spelling).
    subject = ops.shown_subject(items, subject)
    return _export_or_page(
        "alignment/compare_items.html",
        (ops.register_header(), ops.register_rows(items)),
        f"vergelijking-{kind}",
        kind=kind,
        subject=subject,
        per=per,
        **context,
    )


# -- harmonisation ---------------------------------------------------------------------------


@bp.route("/voorstellen")
@allow(MEMBERS)
def proposals() -> Any:
    """List the harmonisation proposals the municipality leads or is party to."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_proposals(q or None))
    return render_template(
        "alignment/proposals.html", page=page, q=q, can_propose=permissions.can_propose(current_user)
    )


@bp.route("/voorstellen/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_proposal() -> Any:
    """Open a harmonisation proposal, e.g. from a comparison (its subject, partners and items are carried)."""
    if not permissions.can_propose(current_user):
        abort(403)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        proposal, errors = submit(CreateAlignmentProposalSchema(), lambda data: ops.create_proposal(data))
        if proposal is not None:
            flash(_("Het harmonisatievoorstel is bewaard."), "success")
            return redirect(url_for("alignment.proposal", proposal_id=proposal.id)), 303
        values: dict[str, Any] = {
            **request.form.to_dict(),
            "partner_ids": request.form.getlist("partner_ids"),
            "item_ids": request.form.getlist("item_ids"),
        }
        status = 422
    else:
        values = {
            "kind": request.args.get("kind", ItemKind.REGLEMENT),
            "subject": request.args.get("subject", ""),
            "title": request.args.get("title", ""),
            "partner_ids": request.args.getlist("partner_ids"),
            "item_ids": request.args.getlist("item_ids"),
        }
        status = 200
    suggested = ops.subject_suggestions_by_kind()
    return render_template(
        "alignment/proposal_form.html",
        values=values,
        errors=errors,
        partners=partner_tenants(current_user.tenant_id),
        meetings=ops.visible_meetings(),
        subjects=list(suggested),
        # The kind can still change on the page: one list for every kind, each subject with its kinds.
        subject_labels={
            subject: _(
                "%(subject)s (%(kinds)s)",
                subject=subject,
                kinds=", ".join(str(KIND_LABELS.get(k, k)) for k in kinds),
            )
            for subject, kinds in suggested.items()
        },
    ), status


def _proposal_context(proposal: Proposal, **extra: Any) -> dict[str, Any]:
    own = proposal.party(current_user.tenant_id)
    return {
        "proposal": proposal,
        "own_party": own,
        "meeting": ops.linked_meeting(proposal),
        "meetings": ops.visible_meetings() if permissions.can_manage(current_user, proposal) else [],
        "items": ops.compared_items(proposal),
        "can_manage": permissions.can_manage(current_user, proposal),
        "can_decide": permissions.can_decide(current_user, proposal)
        and proposal.status == ProposalStatus.TER_BESLISSING,
        "can_make_agreement": permissions.can_make_agreement(current_user, proposal),
        "can_make_dossier": permissions.can_make_dossier(current_user, proposal),
        "decision_values": {},
        "decision_errors": {},
        **extra,
    }


@bp.route("/voorstellen/<int:proposal_id>")
@allow(MEMBERS)
def proposal(proposal_id: int) -> Any:
    """Show a proposal with the status per municipality."""
    found = get_visible_or_404(Proposal, proposal_id)
    return render_template("alignment/proposal.html", **_proposal_context(found))


def _act(proposal: Proposal, action: Any, success: str, target: Any = None) -> Any:
    result, errors, _status = attempt(action)
    if errors:
        flash(_errors_text(errors), "danger")
        return redirect(url_for("alignment.proposal", proposal_id=proposal.id)), 303
    flash(success, "success")
    return redirect(target(result) if target else url_for("alignment.proposal", proposal_id=proposal.id)), 303


@bp.route("/voorstellen/<int:proposal_id>/voorleggen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def submit_proposal(proposal_id: int) -> Any:
    """Put the proposal before every party's college or council."""
    found = _managed(proposal_id)
    return _act(found, lambda: ops.submit(found), _("Het voorstel ligt ter beslissing bij de besturen."))


@bp.route("/voorstellen/<int:proposal_id>/vergadering", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def link_meeting(proposal_id: int) -> Any:
    """Link the proposal to the beleidstafel meeting where it is discussed."""
    found = _managed(proposal_id)
    data, errors = load_form(AlignmentMeetingLinkSchema(), request.form)
    if data is None:
        flash(_errors_text(errors), "danger")
        return redirect(url_for("alignment.proposal", proposal_id=found.id)), 303
    return _act(found, lambda: ops.link_meeting(found, data["meeting_id"]), _("De vergadering is gekoppeld."))


@bp.route("/voorstellen/<int:proposal_id>/intrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def withdraw_proposal(proposal_id: int) -> Any:
    """Withdraw the proposal."""
    found = _managed(proposal_id)
    return _act(found, lambda: ops.withdraw(found), _("Het voorstel is ingetrokken."))


@bp.route("/voorstellen/<int:proposal_id>/beslissing", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def decide(proposal_id: int) -> Any:
    """Record the own municipality's college or council decision."""
    found = get_visible_or_404(Proposal, proposal_id)
    if found.party(current_user.tenant_id) is None:
        abort(404)
    if not permissions.can_decide(current_user, found):
        abort(403)
    data, errors = load_form(AlignmentDecisionSchema(), request.form)
    status = 422
    if data is not None:
        party, errors, status = attempt(lambda: ops.record_decision(found, data))
        if party is not None:
            flash(_("De beslissing van je bestuur is geregistreerd."), "success")
            return redirect(url_for("alignment.proposal", proposal_id=found.id)), 303
    context = _proposal_context(found, decision_values=request.form.to_dict(), decision_errors=errors)
    return render_template("alignment/proposal.html", **context), status


@bp.route("/voorstellen/<int:proposal_id>/overeenkomst", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def make_agreement(proposal_id: int) -> Any:
    """Turn the proposal into a draft cooperation agreement (one click)."""
    found = get_editable_or_404(Proposal, proposal_id, permissions.can_make_agreement)
    return _act(
        found,
        lambda: ops.to_agreement(found),
        _("Het ontwerp van samenwerkingsovereenkomst is aangemaakt."),
        lambda agreement: url_for("agreements.detail", agreement_id=agreement.id),
    )


@bp.route("/voorstellen/<int:proposal_id>/aankoopdossier", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def make_dossier(proposal_id: int) -> Any:
    """Turn the proposal into a joint procurement dossier (one click)."""
    found = get_editable_or_404(Proposal, proposal_id, permissions.can_make_dossier)
    return _act(
        found,
        lambda: ops.to_dossier(found),
        _("Het gezamenlijke aankoopdossier is aangemaakt."),
        lambda dossier: url_for("procurement.dossier", dossier_id=dossier.id),
    )
