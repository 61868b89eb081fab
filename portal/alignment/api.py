"""REST endpoints of the alignment registers, comparisons and harmonisation proposals."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, send_file, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from portal.alignment import operations as ops
from portal.alignment import permissions
from portal.alignment.models import KINDS, AlignmentItem, Proposal
from portal.alignment.schemas import (
    AlignmentCompareArgsSchema,
    AlignmentCreatedSchema,
    AlignmentDecisionSchema,
    AlignmentImportArgsSchema,
    AlignmentImportFileSchema,
    AlignmentImportResultSchema,
    AlignmentItemSchema,
    AlignmentMapUploadSchema,
    AlignmentMeetingLinkSchema,
    AlignmentProposalSchema,
    AlignmentShareSchema,
    AlignmentSubjectArgsSchema,
    AlignmentSubjectsSchema,
    CreateAlignmentItemSchema,
    CreateAlignmentProposalSchema,
    ProposalPartySchema,
)
from portal.core.access import MEMBERS, STAFF, allow
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.errors import problem
from portal.core.loading import get_editable_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.schemas import owner_ref, tenant_refs

blp = Blueprint("alignment_api", __name__, url_prefix="/api/v1/alignment", description="Afstemming")

ItemPageSchema = page_of(AlignmentItemSchema, "AlignmentItemPageSchema")
ProposalPageSchema = page_of(AlignmentProposalSchema, "AlignmentProposalPageSchema")


class AlignmentItemArgsSchema(PageArgsSchema):
    """List arguments of items: a kind, and only the own register."""

    kind = fields.String(load_default=None)
    own = fields.Boolean(load_default=False)


class TariffUnitStatsSchema(Schema):
    """One unit's amounts per municipality with min, median, max and outliers."""

    unit = fields.String()
    minimum = fields.Decimal(as_string=True, allow_none=True)
    median = fields.Decimal(as_string=True, allow_none=True)
    maximum = fields.Decimal(as_string=True, allow_none=True)
    amounts = fields.Dict(keys=fields.String(), values=fields.Decimal(as_string=True))
    outliers = fields.List(fields.Integer())


class TariffComparisonSchema(Schema):
    """The tariffs of one subject side by side."""

    subject = fields.String(metadata={"description": "As the caller's municipality spells it, else the most common"})
    subject_key = fields.String(metadata={"description": "Comparison key the items were matched on"})
    tenants = tenant_refs()
    units = fields.List(fields.Nested(TariffUnitStatsSchema))


class AlignmentApplicationRowSchema(Schema):
    """One municipality running an application."""

    tenant = owner_ref()
    item_id = fields.Integer()
    supplier = fields.String()
    contract_end_on = fields.Date(allow_none=True)
    users_count = fields.Integer(allow_none=True)


class AlignmentApplicationGroupSchema(Schema):
    """Who runs one application and whether a joint rollout is an opportunity."""

    subject = fields.String(metadata={"description": "As the caller's municipality spells it, else the most common"})
    subject_key = fields.String(metadata={"description": "Comparison key the items were grouped on"})
    opportunity = fields.String()
    rows = fields.List(fields.Nested(AlignmentApplicationRowSchema))


class RiskHeatmapSchema(Schema):
    """A municipality's risk counts per likelihood and impact, with the level words."""

    tenant = owner_ref()
    cells = fields.List(fields.Dict(), metadata={"description": "likelihood, impact, count, level"})


@blp.route("/items")
@allow(MEMBERS, write=STAFF)
class ItemList(MethodView):
    @blp.arguments(AlignmentItemArgsSchema, location="query")
    @blp.response(200, ItemPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the register items the caller's municipality keeps or may read."""
        kind = args.get("kind") if args.get("kind") in KINDS else None
        return page_envelope(paginate(ops.visible_items(kind=kind, q=args.get("q"), own_only=args["own"])))

    @blp.arguments(CreateAlignmentItemSchema)
    @blp.response(201, AlignmentItemSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add an item to the caller's register."""
        if not permissions.can_edit_items(current_user):
            abort(403)
        return ops.create_item(data)


@blp.route("/items/<int:item_id>")
@allow(MEMBERS, write=STAFF)
class ItemResource(MethodView):
    @blp.response(200, AlignmentItemSchema)
    def get(self, item_id: int) -> Any:
        """Return one item (404 when not visible)."""
        return get_visible_or_404(AlignmentItem, item_id)

    @blp.arguments(CreateAlignmentItemSchema)
    @blp.response(200, AlignmentItemSchema)
    def put(self, data: dict[str, Any], item_id: int) -> Any:
        """Replace an own item (the kind stays)."""
        item = get_editable_or_404(AlignmentItem, item_id, permissions.can_edit)
        return ops.update_item(item, data)

    @blp.response(204)
    def delete(self, item_id: int) -> None:
        """Delete an own item."""
        ops.delete_item(get_editable_or_404(AlignmentItem, item_id, permissions.can_edit))


@blp.route("/items/import")
@allow(MEMBERS, write=STAFF)
class ItemImport(MethodView):
    @blp.arguments(AlignmentImportArgsSchema, location="query")
    @blp.arguments(AlignmentImportFileSchema, location="files")
    @blp.response(201, AlignmentImportResultSchema)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> Any:
        """Import items of one kind from a CSV or XLSX file (multipart): every row, or none (422 per row)."""
        if not permissions.can_edit_items(current_user):
            abort(403)
        created, row_errors = ops.import_items(args["kind"], files["file"], ops.import_share(args.get("region_id")))
        if row_errors:
            # Nothing was created: the rows' Dutch messages say what to correct.
            return problem(
                422,
                _("Er is niets ingelezen: verbeter de rijen en lees het bestand opnieuw in."),
                errors={"rows": row_errors},
            )
        return {"count": len(created), "item_ids": [item.id for item in created]}


@blp.route("/items/<int:item_id>/sharing")
@allow(MEMBERS, write=STAFF)
class ItemSharing(MethodView):
    @blp.arguments(AlignmentShareSchema)
    @blp.response(200, AlignmentItemSchema)
    def put(self, data: dict[str, Any], item_id: int) -> Any:
        """Share an own item with nobody (own), a region or chosen partners."""
        item = get_editable_or_404(AlignmentItem, item_id, permissions.can_edit)
        return ops.share_item(item, data)


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@blp.route("/items/<int:item_id>/map")
@allow(MEMBERS, write=STAFF)
class ItemMap(MethodView):
    @blp.response(200, description="The process map file", content_type="application/pdf")
    @blp.doc(responses={"200": {"content": {"application/pdf": _BINARY, "application/octet-stream": _BINARY}}})
    def get(self, item_id: int) -> Any:
        """Download the process map of a readable item (PDF, or BPMN as a plain file); 404 when it has none."""
        stored = ops.read_map(get_visible_or_404(AlignmentItem, item_id))
        if stored is None:
            abort(404)
        content, mimetype, filename = stored
        return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename)

    @blp.arguments(AlignmentMapUploadSchema, location="files")
    @blp.response(200, AlignmentItemSchema)
    def put(self, files: dict[str, Any], item_id: int) -> Any:
        """Upload (replace) the process map of an own item: a BPMN or PDF file (multipart)."""
        item = get_editable_or_404(AlignmentItem, item_id, permissions.can_edit)
        return ops.attach_map(item, files["file"])


@blp.route("/subjects")
@allow(MEMBERS)
class SubjectSuggestions(MethodView):
    @blp.arguments(AlignmentSubjectArgsSchema, location="query")
    @blp.response(200, AlignmentSubjectsSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the subjects used for a kind in the caller's regions (own and current partners' readable items)."""
        return {"kind": args["kind"], "subjects": ops.subject_suggestions(args["kind"])}


@blp.route("/comparisons/tariffs")
@allow(MEMBERS)
class TariffComparison(MethodView):
    @blp.arguments(AlignmentCompareArgsSchema, location="query")
    @blp.response(200, TariffComparisonSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Compare the tariffs of one belasting or retributie across the chosen partners."""
        result = ops.compare_tariffs(args["subject"], ops.chosen_tenants(args["partner_ids"]))
        return {
            "subject": result["subject"],
            "subject_key": result["subject_key"],
            "tenants": result["tenants"],
            "units": [
                {
                    "unit": s.unit,
                    "minimum": s.minimum,
                    "median": s.median,
                    "maximum": s.maximum,
                    "amounts": {str(k): v for k, v in s.values.items()},
                    "outliers": sorted(s.outliers),
                }
                for s in result["units"]
            ],
        }


@blp.route("/comparisons/applications")
@allow(MEMBERS)
class ApplicationComparison(MethodView):
    @blp.arguments(AlignmentCompareArgsSchema, location="query")
    @blp.response(200, AlignmentApplicationGroupSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Show who runs which application and when its contract ends."""
        groups = ops.compare_applications(ops.chosen_tenants(args["partner_ids"]))
        return [
            {
                "subject": g.subject,
                "subject_key": g.subject_key,
                "opportunity": g.opportunity,
                "rows": [
                    {
                        "tenant": i.tenant,
                        "item_id": i.id,
                        "supplier": i.supplier,
                        "contract_end_on": i.contract_end_on,
                        "users_count": i.users_count,
                    }
                    for i in g.rows
                ],
            }
            for g in groups
        ]


@blp.route("/comparisons/risks")
@allow(MEMBERS)
class RiskComparison(MethodView):
    @blp.arguments(AlignmentCompareArgsSchema, location="query")
    @blp.response(200, RiskHeatmapSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Return a risk heatmap per municipality (counts per likelihood x impact, with level words)."""
        maps = ops.risk_heatmaps(ops.chosen_tenants(args["partner_ids"]))
        return [
            {
                "tenant": m.tenant,
                "cells": [
                    {"likelihood": lk, "impact": im, "count": n, "level": ops.risk_level(lk * im)}
                    for (lk, im), n in sorted(m.cells.items())
                ],
            }
            for m in maps
        ]


@blp.route("/proposals")
@allow(MEMBERS, write=STAFF)
class ProposalList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ProposalPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the harmonisation proposals the caller leads or is party to."""
        return page_envelope(paginate(ops.visible_proposals(args.get("q"))))

    @blp.arguments(CreateAlignmentProposalSchema)
    @blp.response(201, AlignmentProposalSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Open a harmonisation proposal with chosen partners."""
        if not permissions.can_propose(current_user):
            abort(403)
        return ops.create_proposal(data)


@blp.route("/proposals/<int:proposal_id>")
@allow(MEMBERS, write=STAFF)
class ProposalResource(MethodView):
    @blp.response(200, AlignmentProposalSchema)
    def get(self, proposal_id: int) -> Any:
        """Return one proposal with the status per municipality."""
        return get_visible_or_404(Proposal, proposal_id)


@blp.route("/proposals/<int:proposal_id>/submission")
@allow(MEMBERS, write=STAFF)
class ProposalSubmission(MethodView):
    @blp.response(200, AlignmentProposalSchema)
    def post(self, proposal_id: int) -> Any:
        """Put the caller's proposal before the parties."""
        proposal = get_editable_or_404(Proposal, proposal_id, permissions.can_manage)
        return ops.submit(proposal)


@blp.route("/proposals/<int:proposal_id>/decision")
@allow(MEMBERS, write=STAFF)
class ProposalDecision(MethodView):
    @blp.arguments(AlignmentDecisionSchema)
    @blp.response(200, ProposalPartySchema)
    def post(self, data: dict[str, Any], proposal_id: int) -> Any:
        """Record the caller's own municipality's decision (its AD)."""
        proposal = get_visible_or_404(Proposal, proposal_id)
        if proposal.party(current_user.tenant_id) is None:
            abort(404)
        if not permissions.can_decide(current_user, proposal):
            abort(403)
        return ops.record_decision(proposal, data)


@blp.route("/proposals/<int:proposal_id>/meeting")
@allow(MEMBERS, write=STAFF)
class ProposalMeeting(MethodView):
    @blp.arguments(AlignmentMeetingLinkSchema)
    @blp.response(200, AlignmentProposalSchema)
    def put(self, data: dict[str, Any], proposal_id: int) -> Any:
        """Link the caller's proposal to the beleidstafel meeting where it is discussed."""
        proposal = get_editable_or_404(Proposal, proposal_id, permissions.can_manage)
        return ops.link_meeting(proposal, data["meeting_id"])


@blp.route("/proposals/<int:proposal_id>/withdrawal")
@allow(MEMBERS, write=STAFF)
class ProposalWithdrawal(MethodView):
    @blp.response(200, AlignmentProposalSchema)
    def post(self, proposal_id: int) -> Any:
        """Withdraw the caller's proposal (not once it is decided or withdrawn)."""
        proposal = get_editable_or_404(Proposal, proposal_id, permissions.can_manage)
        return ops.withdraw(proposal)


@blp.route("/proposals/<int:proposal_id>/agreement")
@allow(MEMBERS, write=STAFF)
class ProposalAgreement(MethodView):
    @blp.response(201, AlignmentCreatedSchema)
    def post(self, proposal_id: int) -> Any:
        """Turn the caller's proposal into a draft cooperation agreement with the partners that approved it."""
        proposal = get_editable_or_404(Proposal, proposal_id, permissions.can_make_agreement)
        agreement = ops.to_agreement(proposal)
        return {
            "id": agreement.id,
            "url": url_for("agreements_api.AgreementItem", agreement_id=agreement.id),
            "page_url": url_for("agreements.detail", agreement_id=agreement.id),
        }


@blp.route("/proposals/<int:proposal_id>/dossier")
@allow(MEMBERS, write=STAFF)
class ProposalDossier(MethodView):
    @blp.response(201, AlignmentCreatedSchema)
    def post(self, proposal_id: int) -> Any:
        """Turn the caller's proposal into a joint procurement dossier (concept) with one lot."""
        proposal = get_editable_or_404(Proposal, proposal_id, permissions.can_make_dossier)
        dossier = ops.to_dossier(proposal)
        return {
            "id": dossier.id,
            "url": url_for("procurement_api.DossierItem", dossier_id=dossier.id),
            "page_url": url_for("procurement.dossier", dossier_id=dossier.id),
        }
