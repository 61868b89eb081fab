"""REST endpoints for joint procurement: plans, dossiers, lots, participations and contracts."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.procurement import operations as ops
from portal.procurement import permissions
from portal.procurement.models import Dossier, Lot, Participation, PurchasePlan
from portal.procurement.schemas import (
    AwardSchema,
    CreateDossierSchema,
    CreatePlanSchema,
    DocumentSchema,
    DossierSchema,
    LotInputSchema,
    LotSchema,
    NeedsSchema,
    OpenDossierSchema,
    ParticipationInputSchema,
    ParticipationSchema,
    PlanSchema,
    SavingsSchema,
    StageInputSchema,
    SuggestionSchema,
    UpdateDossierSchema,
    UpdateParticipationSchema,
    UpdatePlanSchema,
)

blp = Blueprint("procurement_api", __name__, url_prefix="/api/v1/procurement", description="Gezamenlijke aankoop")


PlanPageSchema = page_of(PlanSchema, "PlanPageSchema")


DossierPageSchema = page_of(DossierSchema, "DossierPageSchema")


ParticipationPageSchema = page_of(ParticipationSchema, "ParticipationPageSchema")


ContractPageSchema = page_of(LotSchema, "ContractPageSchema")


def _buyer() -> None:
    if not permissions.can_buy(current_user):
        abort(403)


def _led(dossier_id: int) -> Dossier:
    obj = get_owned_or_404(Dossier, dossier_id, current_user.tenant_id)
    _buyer()
    return obj


@blp.route("/plans")
@allow(MEMBERS, write=STAFF)
class PlanList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, PlanPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List own plans and the plans partners share."""
        return page_envelope(paginate(ops.visible_plans()))

    @blp.arguments(CreatePlanSchema)
    @blp.response(201, PlanSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a planned purchase for the caller's tenant."""
        _buyer()
        plan = ops.create_plan(data)
        return plan


@blp.route("/plans/suggestions")
@allow(MEMBERS, write=STAFF)
class Suggestions(MethodView):
    @blp.response(200, SuggestionSchema(many=True))
    def get(self) -> Any:
        """Return bundling suggestions with current partners."""
        return ops.bundling_suggestions(current_user.tenant_id)


@blp.route("/plans/<int:plan_id>")
@allow(MEMBERS, write=STAFF)
class PlanItem(MethodView):
    @blp.response(200, PlanSchema)
    def get(self, plan_id: int) -> Any:
        """Return one plan (own or shared)."""
        return get_visible_or_404(PurchasePlan, plan_id)

    @blp.arguments(UpdatePlanSchema(partial=True))
    @blp.response(200, PlanSchema)
    def patch(self, data: dict[str, Any], plan_id: int) -> Any:
        """Change an own plan."""
        plan = get_owned_or_404(PurchasePlan, plan_id, current_user.tenant_id)
        _buyer()
        ops.update_plan(plan, data)
        return plan

    @blp.response(204)
    def delete(self, plan_id: int) -> Any:
        """Delete an own plan."""
        plan = get_owned_or_404(PurchasePlan, plan_id, current_user.tenant_id)
        _buyer()
        ops.delete_plan(plan)
        return None


@blp.route("/dossiers")
@allow(MEMBERS, write=STAFF)
class DossierList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, DossierPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List own dossiers and those open in the caller's regions."""
        # Each dossier carries its lots and timeline: load them for the whole page at once.
        stmt = ops.visible_dossiers(args.get("q")).options(selectinload(Dossier.lots), selectinload(Dossier.stages))
        return page_envelope(paginate(stmt))

    @blp.arguments(CreateDossierSchema)
    @blp.response(201, DossierSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a dossier led by the caller's tenant."""
        _buyer()
        dossier = ops.create_dossier(data)
        return dossier


@blp.route("/dossiers/<int:dossier_id>")
@allow(MEMBERS, write=STAFF)
class DossierItem(MethodView):
    @blp.response(200, DossierSchema)
    def get(self, dossier_id: int) -> Any:
        """Return one dossier with its lots and timeline."""
        return get_visible_or_404(Dossier, dossier_id)

    @blp.arguments(UpdateDossierSchema(partial=True))
    @blp.response(200, DossierSchema)
    def patch(self, data: dict[str, Any], dossier_id: int) -> Any:
        """Change a led dossier."""
        dossier = _led(dossier_id)
        ops.update_dossier(dossier, data)
        return dossier


@blp.route("/dossiers/<int:dossier_id>/open")
@allow(MEMBERS, write=STAFF)
class DossierOpen(MethodView):
    @blp.arguments(OpenDossierSchema)
    @blp.response(200, DossierSchema)
    def post(self, data: dict[str, Any], dossier_id: int) -> Any:
        """Open a led dossier for joining by a region's members."""
        dossier = _led(dossier_id)
        ops.open_dossier(dossier, data["region_id"])
        return dossier


@blp.route("/dossiers/<int:dossier_id>/lots")
@allow(MEMBERS, write=STAFF)
class DossierLots(MethodView):
    @blp.arguments(LotInputSchema)
    @blp.response(201, LotSchema)
    def post(self, data: dict[str, Any], dossier_id: int) -> Any:
        """Add a lot to a led dossier."""
        dossier = _led(dossier_id)
        lot = ops.add_lot(dossier, data)
        return lot


@blp.route("/dossiers/<int:dossier_id>/stages")
@allow(MEMBERS, write=STAFF)
class DossierStages(MethodView):
    @blp.arguments(StageInputSchema)
    @blp.response(200, DossierSchema)
    def put(self, data: dict[str, Any], dossier_id: int) -> Any:
        """Set the planned and actual dates of one stage of a led dossier."""
        dossier = _led(dossier_id)
        ops.set_stage(dossier, data["stage"], data["planned_on"], data["actual_on"])
        return dossier


@blp.route("/dossiers/<int:dossier_id>/needs")
@allow(MEMBERS, write=STAFF)
class DossierNeeds(MethodView):
    @blp.response(200, NeedsSchema)
    def get(self, dossier_id: int) -> Any:
        """Return the consolidated needs per lot of a led dossier (participations with a mandate)."""
        dossier = _led(dossier_id)
        return {"dossier_id": dossier.id, "title": dossier.title, "lots": ops.consolidated_needs(dossier)}


@blp.route("/dossiers/<int:dossier_id>/savings")
@allow(MEMBERS, write=STAFF)
class DossierSavings(MethodView):
    @blp.response(200, SavingsSchema)
    def get(self, dossier_id: int) -> Any:
        """Return per participant the estimate versus its share of the awarded value (the lead only)."""
        dossier = _led(dossier_id)
        return {"dossier_id": dossier.id, "title": dossier.title, "savings": ops.savings(dossier)}


@blp.route("/dossiers/<int:dossier_id>/documents")
@allow(MEMBERS, write=STAFF)
class DossierDocuments(MethodView):
    @blp.response(200, DocumentSchema(many=True))
    def get(self, dossier_id: int) -> Any:
        """List the documents of a dossier the caller can see."""
        return ops.dossier_documents(get_visible_or_404(Dossier, dossier_id))


@blp.route("/lots/<int:lot_id>/award")
@allow(MEMBERS, write=STAFF)
class LotAward(MethodView):
    @blp.arguments(AwardSchema)
    @blp.response(200, LotSchema)
    def post(self, data: dict[str, Any], lot_id: int) -> Any:
        """Award a lot of a led dossier."""
        lot = get_owned_or_404(Lot, lot_id, current_user.tenant_id)
        _buyer()
        ops.award_lot(lot, data)
        return lot


@blp.route("/participations")
@allow(MEMBERS, write=STAFF)
class ParticipationList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ParticipationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the caller's own participations (the lead reads the others via /needs)."""
        return page_envelope(paginate(ops.own_participations(current_user.tenant_id)))

    @blp.arguments(ParticipationInputSchema)
    @blp.response(201, ParticipationSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Join a dossier (or update the own participation) for the caller's tenant."""
        dossier = get_visible_or_404(Dossier, data["dossier_id"])
        _buyer()
        part = ops.join(dossier, data)
        return part


@blp.route("/participations/<int:participation_id>")
@allow(MEMBERS, write=STAFF)
class ParticipationItem(MethodView):
    @blp.response(200, ParticipationSchema)
    def get(self, participation_id: int) -> Any:
        """Return the caller's own participation (the lead reads participations via /needs)."""
        return get_owned_or_404(Participation, participation_id, current_user.tenant_id)

    @blp.arguments(UpdateParticipationSchema)
    @blp.response(200, ParticipationSchema)
    def patch(self, data: dict[str, Any], participation_id: int) -> Any:
        """Change the own needs per lot and record the mandate decision."""
        part = get_owned_or_404(Participation, participation_id, current_user.tenant_id)
        _buyer()
        if data.get("lines"):
            ops.set_lines(part, data["lines"])
        if data.get("mandate_reference") or data.get("mandate_body") or data.get("mandate_on"):
            ops.record_mandate(part, data)
        return part

    @blp.response(204)
    def delete(self, participation_id: int) -> Any:
        """Withdraw the own participation before the joining deadline."""
        part = get_owned_or_404(Participation, participation_id, current_user.tenant_id)
        _buyer()
        ops.withdraw(part)
        return None


@blp.route("/contracts")
@allow(MEMBERS, write=STAFF)
class ContractList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ContractPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List awarded contracts the caller's tenant may read, by end date."""
        return page_envelope(paginate(ops.contract_register()))
