"""REST endpoints for agreements, decisions, evaluations and the cooperation matrix."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from portal.agreements import operations as ops
from portal.agreements import permissions
from portal.agreements.models import MATRIX_DOMAINS, Agreement
from portal.agreements.schemas import (
    AgreementSchema,
    AgreementSummarySchema,
    ApprovalDumpSchema,
    ApprovalSchema,
    CreateAgreementSchema,
    EvaluationSchema,
    PartySchema,
)
from portal.core.access import MEMBERS, STAFF, allow
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.loading import get_editable_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.core.schemas import owner_ref
from tenants.sharing import current_regions

blp = Blueprint("agreements_api", __name__, url_prefix="/api/v1/agreements", description="Samenwerkingsovereenkomsten")


AgreementPageSchema = page_of(AgreementSummarySchema, "AgreementPageSchema")


class EvaluationDumpSchema(Schema):
    """An evaluation of an agreement."""

    id = fields.Integer()
    due_on = fields.Date()
    status = fields.String()
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    outcome = fields.String(allow_none=True)
    recommendation = fields.String()
    meeting_reference = fields.String()
    completed_on = fields.Date(allow_none=True)


class MatrixRowSchema(Schema):
    """One member's levels per management domain."""

    tenant = owner_ref()
    levels = fields.Dict(keys=fields.String(), values=fields.Integer())


class MatrixSchema(Schema):
    """The cooperation matrix of a region: 0 geen, 1 informeel, 2 formeel."""

    region_id = fields.Integer()
    domains = fields.List(fields.String())
    rows = fields.List(fields.Nested(MatrixRowSchema))


def _party_agreement(agreement_id: int) -> Agreement:
    return permissions.party_agreement_or_404(agreement_id)


@blp.route("")
@allow(MEMBERS, write=STAFF)
class AgreementList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AgreementPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the agreements the caller's municipality may see."""
        return page_envelope(paginate(ops.visible_agreements(args.get("q"))))

    @blp.arguments(CreateAgreementSchema)
    @blp.response(201, AgreementSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Draft an agreement with the caller's municipality as trekker."""
        if not permissions.can_draft(current_user):
            abort(403)
        agreement = ops.create_agreement(data)
        return agreement


@blp.route("/<int:agreement_id>")
@allow(MEMBERS, write=STAFF)
class AgreementItem(MethodView):
    @blp.response(200, AgreementSchema)
    def get(self, agreement_id: int) -> Any:
        """Return an agreement: its terms to a party, only the summary to other viewers."""
        agreement = get_visible_or_404(Agreement, agreement_id)
        if permissions.can_read_details(current_user, agreement):
            return agreement
        # A Response passes the response schema by: other viewers get the summary only.
        return jsonify(AgreementSummarySchema().dump(agreement))


@blp.route("/<int:agreement_id>/approvals")
@allow(MEMBERS, write=STAFF)
class ApprovalList(MethodView):
    @blp.response(200, ApprovalDumpSchema(many=True))
    def get(self, agreement_id: int) -> Any:
        """List the parties' recorded decisions (parties only)."""
        return ops.approvals(_party_agreement(agreement_id))

    @blp.arguments(ApprovalSchema)
    @blp.response(201, ApprovalDumpSchema)
    def post(self, data: dict[str, Any], agreement_id: int) -> Any:
        """Record the caller's own municipality's decision on the version awaiting approval."""
        agreement = _party_agreement(agreement_id)
        if not permissions.can_decide(current_user, agreement):
            abort(403)
        approval = ops.record_approval(agreement, data)
        return approval


@blp.route("/<int:agreement_id>/submission")
@allow(MEMBERS, write=STAFF)
class AgreementSubmission(MethodView):
    @blp.response(200, AgreementSchema)
    def post(self, agreement_id: int) -> Any:
        """Send the caller's draft to the parties for approval (trekker)."""
        agreement = get_editable_or_404(Agreement, agreement_id, permissions.can_manage)
        ops.submit(agreement)
        return agreement


@blp.route("/<int:agreement_id>/withdrawal")
@allow(MEMBERS, write=STAFF)
class AgreementWithdrawal(MethodView):
    @blp.response(200, PartySchema)
    def post(self, agreement_id: int) -> Any:
        """Withdraw the caller's municipality from the agreement (opzeggen, with the notice period)."""
        agreement = _party_agreement(agreement_id)
        if not permissions.can_withdraw(current_user, agreement):
            abort(403)
        party = ops.withdraw(agreement)
        return party


@blp.route("/<int:agreement_id>/evaluations")
@allow(MEMBERS, write=STAFF)
class EvaluationList(MethodView):
    @blp.response(200, EvaluationDumpSchema(many=True))
    def get(self, agreement_id: int) -> Any:
        """List the agreement's evaluations (parties only)."""
        return ops.evaluations(_party_agreement(agreement_id))


@blp.route("/<int:agreement_id>/evaluations/<int:evaluation_id>")
@allow(MEMBERS, write=STAFF)
class EvaluationItem(MethodView):
    @blp.response(200, EvaluationDumpSchema)
    def get(self, agreement_id: int, evaluation_id: int) -> Any:
        """Return one evaluation (parties only)."""
        return _evaluation_of(_party_agreement(agreement_id), evaluation_id)

    @blp.arguments(EvaluationSchema)
    @blp.response(200, EvaluationDumpSchema)
    def post(self, data: dict[str, Any], agreement_id: int, evaluation_id: int) -> Any:
        """Complete an evaluation: scores per criterion, outcome, recommendation, meeting (trekker)."""
        agreement = get_editable_or_404(Agreement, agreement_id, permissions.can_manage)
        evaluation = ops.complete_evaluation(agreement, _evaluation_of(agreement, evaluation_id), data)
        return evaluation


def _evaluation_of(agreement: Agreement, evaluation_id: int) -> Any:
    found = next((e for e in ops.evaluations(agreement) if e.id == evaluation_id), None)
    if found is None:
        abort(404)
    return found


@blp.route("/matrix/<int:region_id>")
@allow(MEMBERS, write=STAFF)
class Matrix(MethodView):
    @blp.response(200, MatrixSchema)
    def get(self, region_id: int) -> Any:
        """Return the cooperation matrix of one of the caller's current regions."""
        if region_id not in {r.id for r in current_regions(current_user.tenant_id)}:
            abort(404)
        data = ops.matrix(region_id)
        return {
            "region_id": region_id,
            "domains": list(MATRIX_DOMAINS),
            "rows": [{"tenant": t, "levels": data["levels"][t.id]} for t in data["members"]],
        }
