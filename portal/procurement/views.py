"""Joint procurement pages: planning, dossiers, participation, award and contracts."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.exports import table_response
from portal.core.files import path_of
from portal.core.forms import load_form
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.unitofwork import fail
from portal.core.web import tenant_blueprint
from portal.extensions import db
from portal.procurement import operations as ops
from portal.procurement import permissions
from portal.procurement.models import (
    Document,
    DocumentKind,
    Dossier,
    DossierStage,
    DossierStatus,
    LegalForm,
    Lot,
    Participation,
    ParticipationStatus,
    Procedure,
    PurchasePlan,
)
from portal.procurement.schemas import (
    AwardSchema,
    CreateDossierSchema,
    CreatePlanSchema,
    LotInputSchema,
    StageInputSchema,
)
from tenants.sharing import current_regions, today

bp = tenant_blueprint("procurement", __name__, "/aankoop")

MANDATE_BODIES = ("gemeenteraad", "college", "algemeen_directeur", "raad_voor_maatschappelijk_welzijn", "vast_bureau")


def _labels() -> dict[str, dict[str, str]]:
    return {
        "legal_form": {
            LegalForm.OPDRACHTENCENTRALE: _("Opdrachtencentrale"),
            LegalForm.GEZAMENLIJKE_OPDRACHT: _("Gezamenlijke opdracht"),
        },
        "procedure": {
            Procedure.AANVAARDE_FACTUUR: _("Aanvaarde factuur"),
            Procedure.ONDERHANDELING_ZONDER_BEKENDMAKING: _(
                "Onderhandelingsprocedure zonder voorafgaande bekendmaking"
            ),
            Procedure.ONDERHANDELING_MET_BEKENDMAKING: _("Onderhandelingsprocedure met voorafgaande bekendmaking"),
            Procedure.OPENBARE_PROCEDURE: _("Openbare procedure"),
            Procedure.NIET_OPENBARE_PROCEDURE: _("Niet-openbare procedure"),
        },
        "stage": {
            DossierStage.BEHOEFTENINVENTARIS: _("Behoefteninventaris"),
            DossierStage.MARKTVERKENNING: _("Marktverkenning"),
            DossierStage.BESTEK: _("Bestek"),
            DossierStage.PUBLICATIE: _("Publicatie"),
            DossierStage.GUNNING: _("Gunning"),
            DossierStage.UITVOERING: _("Uitvoering"),
            DossierStage.AFGESLOTEN: _("Afgesloten"),
        },
        "status": {
            DossierStatus.CONCEPT: _("Concept"),
            DossierStatus.OPEN: _("Open voor toetreding"),
            DossierStatus.GESLOTEN: _("Gesloten"),
        },
        "participation": {
            ParticipationStatus.INTERESSE: _("Interesse"),
            ParticipationStatus.DEELNAME: _("Deelname met mandaat"),
            ParticipationStatus.INGETROKKEN: _("Ingetrokken"),
        },
        "document_kind": {
            DocumentKind.BESTEK: _("Bestek"),
            DocumentKind.SJABLOON: _("Sjabloon"),
            DocumentKind.ANDERE: _("Ander document"),
        },
        "mandate_body": {
            "gemeenteraad": _("Gemeenteraad"),
            "college": _("College van burgemeester en schepenen"),
            "algemeen_directeur": _("Algemeen directeur"),
            "raad_voor_maatschappelijk_welzijn": _("Raad voor maatschappelijk welzijn"),
            "vast_bureau": _("Vast bureau"),
        },
    }


def _require_buyer() -> None:
    if not permissions.can_buy(current_user):
        abort(403)


def _error_dict(err: DomainError) -> dict[str, list[str]]:
    return {err.field or "_schema": [err.message]}


@bp.route("/")
@allow(MEMBERS)
def index() -> Any:
    """List the dossiers the tenant leads or may join."""
    q = request.args.get("q", "").strip()
    page = paginate(ops.visible_dossiers(q or None))
    return render_template(
        "procurement/index.html", page=page, q=q, labels=_labels(), can_buy=permissions.can_buy(current_user)
    )


# -- planning ------------------------------------------------------------------------------


#: Bundling suggestions shown on the planning page (all of them are counted).
SUGGESTIONS_SHOWN = 50


def _planning_page(values: dict[str, Any], errors: dict[str, Any], status: int = 200) -> Any:
    tenant_id = current_user.tenant_id
    own = list(db.session.scalars(ops.visible_plans(own_only=True, tenant_id=tenant_id)))
    # Every partner of every region shares its plans: page through them (own plans stay a list).
    partners = paginate(ops.visible_plans().where(PurchasePlan.tenant_id != tenant_id))
    return (
        render_template(
            "procurement/planning.html",
            own=own,
            partners=partners,
            suggestions=ops.bundling_suggestions(tenant_id),
            # A large region yields thousands of pairs: the page shows the earliest ones.
            suggestions_shown=SUGGESTIONS_SHOWN,
            regions=current_regions(tenant_id),
            values=values,
            errors=errors,
            can_buy=permissions.can_buy(current_user),
        ),
        status,
    )


@bp.route("/planning", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def planning() -> Any:
    """Show the aankoopplanning, partners' shared plans and bundling suggestions; add a plan."""
    regions = current_regions(current_user.tenant_id)
    values: dict[str, Any] = {"region_id": regions[0].id if regions else ""}
    if request.method == "POST":
        _require_buyer()
        values = request.form.to_dict()
        data, errors = load_form(CreatePlanSchema(), request.form)
        if data is not None:
            try:
                ops.create_plan(data)
            except DomainError as err:
                fail()
                errors = _error_dict(err)
            else:
                flash(_("De geplande aankoop is bewaard."), "success")
                return redirect(url_for("procurement.planning"))
        return _planning_page(values, errors, 422)
    return _planning_page(values, {})


@bp.route("/planning/<int:plan_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def delete_plan(plan_id: int) -> Any:
    """Delete an own planned purchase."""
    plan = get_owned_or_404(PurchasePlan, plan_id, current_user.tenant_id)
    _require_buyer()
    ops.delete_plan(plan)
    flash(_("De geplande aankoop is verwijderd."), "success")
    return redirect(url_for("procurement.planning"))


# -- dossiers --------------------------------------------------------------------------------


def _lots_from_form(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    lots = []
    for title, unit, value in zip(
        form.getlist("lot_title"), form.getlist("lot_unit"), form.getlist("lot_value"), strict=False
    ):
        if title.strip():
            lots.append({"title": title, "unit": unit or "stuk", "estimated_value": value or "0"})
    return lots


@bp.route("/dossiers/nieuw", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def new_dossier() -> Any:
    """Start a dossier as lead municipality."""
    _require_buyer()
    values: dict[str, Any] = {"legal_form": LegalForm.OPDRACHTENCENTRALE, "procedure": Procedure.OPENBARE_PROCEDURE}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(CreateDossierSchema(), request.form)
        lots = _lots_from_form(request.form)
        if data is not None:
            lot_errors = {}
            try:
                data["lots"] = LotInputSchema(many=True).load(lots)
            except ValidationError:
                lot_errors = {"lots": [_("Controleer de percelen (naam en een bedrag van 0 of meer).")]}
            if lot_errors:
                errors = lot_errors
            else:
                try:
                    dossier = ops.create_dossier(data)
                except DomainError as err:
                    fail()
                    errors = _error_dict(err)
                else:
                    flash(_("Het dossier is aangemaakt."), "success")
                    return redirect(url_for("procurement.dossier", dossier_id=dossier.id))
        typed = list(
            zip(
                request.form.getlist("lot_title"),
                request.form.getlist("lot_unit"),
                request.form.getlist("lot_value"),
                strict=False,
            )
        )[:50]
        return (
            render_template(
                "procurement/dossier_form.html", values=values, errors=errors, labels=_labels(), typed_lots=typed
            ),
            422,
        )
    return render_template("procurement/dossier_form.html", values=values, errors=errors, labels=_labels())


_EDITABLE = ("title", "description", "cpv_code", "legal_form", "procedure", "estimated_value")


@bp.route("/dossiers/<int:dossier_id>/bewerken", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def edit_dossier(dossier_id: int) -> Any:
    """Change a led dossier (title, CPV, legal form, procedure, estimate, joining deadline)."""
    obj = _led(dossier_id)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values: dict[str, Any] = request.form.to_dict()
        data, errors = load_form(CreateDossierSchema(), request.form)
        if data is not None:
            data.pop("lots", None)
            try:
                ops.update_dossier(obj, data)
            except DomainError as err:
                fail()
                errors = _error_dict(err)
            else:
                flash(_("Het dossier is bijgewerkt."), "success")
                return redirect(url_for("procurement.dossier", dossier_id=obj.id))
        return (
            render_template(
                "procurement/dossier_form.html", values=values, errors=errors, labels=_labels(), dossier=obj
            ),
            422,
        )
    values = {name: getattr(obj, name) for name in _EDITABLE}
    values["joining_deadline_on"] = obj.joining_deadline_on.isoformat() if obj.joining_deadline_on else ""
    values["allows_later_joining"] = obj.allows_later_joining
    return render_template("procurement/dossier_form.html", values=values, errors=errors, labels=_labels(), dossier=obj)


def _dossier_page(
    dossier: Dossier, errors: dict[str, Any] | None = None, status: int = 200, doc_values: dict[str, Any] | None = None
) -> Any:
    is_lead = permissions.can_lead(current_user, dossier)
    tenant_id = current_user.tenant_id
    # The lead reads every participation (its own among them) and the needs once for both tables.
    participations = ops.dossier_participations(dossier) if is_lead else []
    own = (
        next((p for p in participations if p.tenant_id == tenant_id), None)
        if is_lead
        else ops.own_participation(dossier, tenant_id)
    )
    needs = ops.consolidated_needs(dossier, participations) if is_lead else []
    own_lines = {line.lot_id: line for line in own.lines} if own else {}
    return (
        render_template(
            "procurement/dossier.html",
            dossier=dossier,
            stages=sorted(dossier.stages, key=lambda s: s.position),
            is_lead=is_lead,
            can_buy=permissions.can_buy(current_user),
            participations=participations,
            needs=needs,
            savings=ops.savings(dossier, needs=needs) if is_lead else [],
            own=own,
            own_lines=own_lines,
            joining_open=ops.joining_open(dossier),
            questions=ops.dossier_questions(dossier),
            documents=ops.dossier_documents(dossier),
            may_share=permissions.can_buy(current_user) and ops.may_share_documents(dossier, tenant_id, own=own),
            doc_values=doc_values or {},
            regions=current_regions(current_user.tenant_id),
            labels=_labels(),
            mandate_bodies=MANDATE_BODIES,
            errors=errors or {},
            today=today(),
        ),
        status,
    )


@bp.route("/dossiers/<int:dossier_id>")
@allow(MEMBERS)
def dossier(dossier_id: int) -> Any:
    """Show a dossier: lots, timeline, participation, needs, award and Q&A."""
    obj = get_visible_or_404(Dossier, dossier_id)
    return _dossier_page(obj)


def _led(dossier_id: int) -> Dossier:
    obj = get_owned_or_404(Dossier, dossier_id, current_user.tenant_id)
    if not permissions.can_lead(current_user, obj):
        abort(403)
    return obj


def _run(dossier: Dossier, action: Any, message: str) -> Any:
    try:
        action()
    except DomainError as err:
        fail()
        db.session.refresh(dossier)
        return _dossier_page(dossier, _error_dict(err), err.status_code)
    flash(message, "success")
    return redirect(url_for("procurement.dossier", dossier_id=dossier.id))


@bp.route("/dossiers/<int:dossier_id>/openen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def open_dossier(dossier_id: int) -> Any:
    """Open the dossier for joining by the region's members."""
    obj = _led(dossier_id)
    raw = request.form.get("region_id", "")
    region_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    return _run(obj, lambda: ops.open_dossier(obj, region_id), _("Het dossier staat open voor toetreding."))


@bp.route("/dossiers/<int:dossier_id>/percelen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def add_lot(dossier_id: int) -> Any:
    """Add a lot to a led dossier."""
    obj = _led(dossier_id)
    data, errors = load_form(LotInputSchema(), request.form)
    if data is None:
        return _dossier_page(obj, errors, 422)
    return _run(obj, lambda: ops.add_lot(obj, data), _("Het perceel is toegevoegd."))


@bp.route("/dossiers/<int:dossier_id>/fasen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def set_stage(dossier_id: int) -> Any:
    """Set the planned and actual date of one stage."""
    obj = _led(dossier_id)
    data, errors = load_form(StageInputSchema(), request.form)
    if data is None:
        return _dossier_page(obj, errors, 422)
    return _run(
        obj,
        lambda: ops.set_stage(obj, data["stage"], data["planned_on"], data["actual_on"]),
        _("De fase is bijgewerkt."),
    )


@bp.route("/dossiers/<int:dossier_id>/behoeften.<any(csv, xlsx):fmt>")
@allow(MEMBERS)
def needs_export(dossier_id: int, fmt: str) -> Any:
    """Export the consolidated needs of a led dossier as CSV or XLSX."""
    obj = _led(dossier_id)
    header, rows = ops.needs_table(obj)
    return table_response(fmt, f"behoeften-dossier-{obj.id}", header, rows, sheet_title=_("Behoeften"))


@bp.route("/percelen/<int:lot_id>/gunnen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def award_lot(lot_id: int) -> Any:
    """Award a lot of a led dossier."""
    lot = get_owned_or_404(Lot, lot_id, current_user.tenant_id)
    obj = _led(lot.dossier_id)
    data, errors = load_form(AwardSchema(), request.form)
    if data is None:
        return _dossier_page(obj, {f"award_{lot.id}": [m for v in errors.values() for m in v]}, 422)
    return _run(obj, lambda: ops.award_lot(lot, data), _("Het perceel is gegund."))


# -- participation and Q&A (the dossier comes from the form: the row is the acting tenant's) ---


def _form_dossier() -> Dossier:
    raw = request.form.get("dossier_id", "")
    if not raw.isdigit() or len(raw) > 9:
        abort(404)
    return get_visible_or_404(Dossier, int(raw))


def _parse_participation(form: MultiDict[str, str], dossier: Dossier) -> dict[str, Any]:
    lines = []
    for lot in dossier.lots:
        quantity, amount = form.get(f"quantity_{lot.id}", ""), form.get(f"amount_{lot.id}", "")
        if quantity.strip() or amount.strip():
            lines.append({"lot_id": lot.id, "quantity": quantity or "0", "amount": amount or "0"})
    data: dict[str, Any] = {"lines": lines, "contact_name": form.get("contact_name")}
    reference = form.get("mandate_reference", "").strip()
    if reference:
        body = form.get("mandate_body", "")
        if body not in MANDATE_BODIES:
            raise DomainError(_("Kies het orgaan dat de beslissing nam."), field="mandate_body", status_code=422)
        try:
            on = date.fromisoformat(form.get("mandate_on", ""))
        except ValueError:
            raise DomainError(
                _("Geef een geldige datum van de mandaatbeslissing."), field="mandate_on", status_code=422
            ) from None
        data.update(mandate_body=body, mandate_on=on, mandate_reference=reference[:100])
    for line in lines:
        try:
            line["quantity"], line["amount"] = Decimal(line["quantity"]), Decimal(line["amount"])
            if not (line["quantity"].is_finite() and line["amount"].is_finite()):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise DomainError(_("Geef geldige hoeveelheden en bedragen."), field="lines", status_code=422) from None
        if line["quantity"] > 10**9 or line["amount"] > 10**11:
            raise DomainError(_("Deze hoeveelheid of dit bedrag is te groot."), field="lines", status_code=422)
    return data


@bp.route("/deelnemen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def join() -> Any:
    """Join a dossier (or change the own needs and mandate) for the acting tenant."""
    dossier = _form_dossier()
    _require_buyer()

    def action() -> None:
        ops.join(dossier, _parse_participation(request.form, dossier))

    return _run(dossier, action, _("Je deelname is bewaard."))


@bp.route("/deelnames/<int:participation_id>/intrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def withdraw(participation_id: int) -> Any:
    """Withdraw the own participation before the joining deadline."""
    part = get_owned_or_404(Participation, participation_id, current_user.tenant_id)
    _require_buyer()
    dossier = get_visible_or_404(Dossier, part.dossier_id)
    return _run(dossier, lambda: ops.withdraw(part), _("Je deelname is ingetrokken."))


@bp.route("/vragen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def ask() -> Any:
    """Post a question or answer in a dossier's thread."""
    dossier = _form_dossier()
    if not permissions.can_buy(current_user):
        abort(403)
    return _run(
        dossier,
        lambda: ops.post_question(dossier, request.form.get("body", ""), current_user.full_name),
        _("Je bericht is geplaatst."),
    )


@bp.route("/documenten", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def upload_document() -> Any:
    """Share a document (PDF, DOCX, ODT) in a dossier: the lead, or a participant for its own."""
    dossier = _form_dossier()
    _require_buyer()
    values = {"kind": request.form.get("kind", ""), "title": request.form.get("title", "")}
    try:
        ops.add_document(dossier, request.files.get("file"), values, current_user.full_name)
    except DomainError as err:
        fail()
        db.session.refresh(dossier)
        errors = {f"document_{err.field or 'file'}": [err.message]}
        return _dossier_page(dossier, errors, err.status_code, doc_values=values)
    flash(_("Het document is gedeeld."), "success")
    return redirect(url_for("procurement.dossier", dossier_id=dossier.id) + "#documenten-kop")


def _visible_document(document_id: int) -> Document:
    doc = get_visible_or_404(Document, document_id)
    get_visible_or_404(Dossier, doc.dossier_id)  # exactly the readers of the dossier
    return doc


@bp.route("/documenten/<int:document_id>")
@allow(MEMBERS)
def download_document(document_id: int) -> Any:
    """Download a document of a dossier the tenant can see."""
    doc = _visible_document(document_id)
    path = path_of(doc.storage_key)
    if not path.exists():
        abort(404)
    # Read whole (at most 10 MB): no file handle outlives the request.
    return send_file(
        io.BytesIO(path.read_bytes()), mimetype=doc.content_type, as_attachment=True, download_name=doc.filename
    )


@bp.route("/documenten/<int:document_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def delete_document(document_id: int) -> Any:
    """Remove an own document from a dossier."""
    doc = get_owned_or_404(Document, document_id, current_user.tenant_id)
    _require_buyer()
    dossier_id = doc.dossier_id
    ops.delete_document(doc)
    flash(_("Het document is verwijderd."), "success")
    return redirect(url_for("procurement.dossier", dossier_id=dossier_id) + "#documenten-kop")


@bp.route("/contracten")
@allow(MEMBERS)
def contracts() -> Any:
    """The contract register: running contracts of the region with end dates."""
    page = paginate(ops.contract_register())
    return render_template("procurement/contracts.html", page=page, today=today())


def _contracts_export(fmt: str) -> Any:
    header, rows = ops.contract_table()
    return table_response(fmt, "contractenregister", header, rows, sheet_title=_("Contractenregister"))


@bp.route("/contracten.csv")
@allow(MEMBERS)
def contracts_csv() -> Any:
    """Export the contract register the tenant can see as CSV."""
    return _contracts_export("csv")


@bp.route("/contracten.xlsx")
@allow(MEMBERS)
def contracts_xlsx() -> Any:
    """Export the contract register the tenant can see as XLSX."""
    return _contracts_export("xlsx")
