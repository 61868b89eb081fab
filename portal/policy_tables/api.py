"""REST endpoints for policy tables, meetings and action items."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.loading import get_visible_or_404
from portal.core.pagination import paginate
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import ActionItem, AgendaItem, Cooperation, Decision, Meeting, Minutes, PolicyTable
from portal.policy_tables.schemas import (
    ActionSchema,
    ActionStatusSchema,
    AgendaItemSchema,
    CooperationEvaluationSchema,
    CooperationSchema,
    CreateCooperationEvaluationSchema,
    CreateCooperationSchema,
    CreateItemSchema,
    CreateMeetingSchema,
    CreateTableSchema,
    DecisionFormSchema,
    FollowUpDumpSchema,
    FollowUpSchema,
    MeetingSchema,
    MinutesSchema,
    TableDecisionSchema,
    TableSchema,
    UpdateCooperationSchema,
    UpdateTableSchema,
)
from tenants.sharing import readable_prefilter

blp = Blueprint("policy_tables_api", __name__, url_prefix="/api/v1/policy-tables", description="Beleidstafels")


TablePageSchema = page_of(TableSchema, "TablePageSchema")


ActionPageSchema = page_of(ActionSchema, "ActionPageSchema")


@blp.route("")
@allow(MEMBERS, write=STAFF)
class TableList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, TablePageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the tables the caller's tenant may read."""
        return page_envelope(paginate(ops.visible_tables(args.get("q"))))

    @blp.arguments(CreateTableSchema)
    @blp.response(201, TableSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a table chaired by the caller's tenant."""
        if not permissions.can_create(current_user):
            abort(403)
        obj = ops.create_table(data, tenant_id=current_user.tenant_id)
        return obj


@blp.route("/<int:table_id>")
@allow(MEMBERS, write=STAFF)
class TableItem(MethodView):
    @blp.response(200, TableSchema)
    def get(self, table_id: int) -> Any:
        """Return one table (404 when not visible)."""
        return get_visible_or_404(PolicyTable, table_id)

    @blp.arguments(UpdateTableSchema(partial=True))
    @blp.response(200, TableSchema)
    def patch(self, data: dict[str, Any], table_id: int) -> Any:
        """Change a table the caller's tenant chairs."""
        obj = get_visible_or_404(PolicyTable, table_id)
        if obj.tenant_id != current_user.tenant_id:
            abort(404)
        if not permissions.can_chair(current_user, obj):
            abort(403)
        ops.update_table(obj, data)
        return obj


@blp.route("/<int:table_id>/meetings")
@allow(MEMBERS, write=STAFF)
class TableMeetings(MethodView):
    @blp.response(200, MeetingSchema(many=True))
    def get(self, table_id: int) -> Any:
        """List the meetings of a table with their agenda."""
        return ops.meetings_of(get_visible_or_404(PolicyTable, table_id), with_agenda=True)

    @blp.arguments(CreateMeetingSchema)
    @blp.response(201, MeetingSchema(many=True))
    def post(self, data: dict[str, Any], table_id: int) -> Any:
        """Plan a meeting or a recurring series of a table the caller's tenant chairs."""
        table = get_visible_or_404(PolicyTable, table_id)
        if table.tenant_id != current_user.tenant_id:
            abort(404)
        if not permissions.can_chair(current_user, table):
            abort(403)
        planned = ops.create_meetings(table, data)
        ops.invite_members(planned, path=lambda m: f"/beleidstafels/vergaderingen/{m.id}")
        return planned


@blp.route("/meetings/<int:meeting_id>")
@allow(MEMBERS, write=STAFF)
class MeetingItem(MethodView):
    @blp.response(200, MeetingSchema)
    def get(self, meeting_id: int) -> Any:
        """Return one meeting with its agenda (404 when not visible)."""
        return get_visible_or_404(Meeting, meeting_id)


@blp.route("/actions")
@allow(MEMBERS, write=STAFF)
class ActionList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ActionPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the action items the caller's tenant may read, by due date."""
        stmt = (
            select(ActionItem)
            .where(readable_prefilter(ActionItem, current_user.tenant_id))
            .order_by(ActionItem.due_on.nulls_last(), ActionItem.id)
        )
        return page_envelope(paginate(stmt))


@blp.route("/actions/<int:action_id>")
@allow(MEMBERS, write=STAFF)
class ActionItemView(MethodView):
    @blp.response(200, ActionSchema)
    def get(self, action_id: int) -> Any:
        """Return one action item (404 when not visible)."""
        return get_visible_or_404(ActionItem, action_id)

    @blp.arguments(ActionStatusSchema)
    @blp.response(200, ActionSchema)
    def patch(self, data: dict[str, Any], action_id: int) -> Any:
        """Change the status of an action item of a table the caller's tenant chairs."""
        obj = get_visible_or_404(ActionItem, action_id)
        if obj.tenant_id != current_user.tenant_id:
            abort(404)
        if not permissions.can_chair(current_user, obj):
            abort(403)
        ops.set_action_status(obj, data["status"])
        return obj


@blp.route("/minutes/<int:minutes_id>")
@allow(MEMBERS, write=STAFF)
class MinutesItem(MethodView):
    @blp.response(200, MinutesSchema)
    def get(self, minutes_id: int) -> Any:
        """Return notulen with every version (404 for drafts of another chair and for non-attendees)."""
        return get_visible_or_404(Minutes, minutes_id)


@blp.route("/meetings/<int:meeting_id>/decisions")
@allow(MEMBERS, write=STAFF)
class MeetingDecisions(MethodView):
    @blp.response(200, TableDecisionSchema(many=True))
    def get(self, meeting_id: int) -> Any:
        """List the decisions of a meeting with the follow-up per municipality."""
        meeting = get_visible_or_404(Meeting, meeting_id)
        return sorted(ops.decisions_of(meeting).values(), key=lambda d: d.id)


@blp.route("/agenda-items/<int:item_id>/decision")
@allow(MEMBERS, write=STAFF)
class ItemDecision(MethodView):
    @blp.arguments(DecisionFormSchema)
    @blp.response(200, TableDecisionSchema)
    def put(self, data: dict[str, Any], item_id: int) -> Any:
        """Record or change the table's decision on an agenda item (the chair's row)."""
        item = get_visible_or_404(AgendaItem, item_id)
        if item.tenant_id != current_user.tenant_id:
            abort(404)
        if not permissions.can_chair(current_user, item):
            abort(403)
        decision = ops.record_decision(item, data["text_html"])
        return decision


@blp.route("/decisions/<int:decision_id>")
@allow(MEMBERS, write=STAFF)
class DecisionItem(MethodView):
    @blp.response(200, TableDecisionSchema)
    def get(self, decision_id: int) -> Any:
        """Return one decision (404 when not visible)."""
        return get_visible_or_404(Decision, decision_id)


@blp.route("/decisions/<int:decision_id>/follow-up")
@allow(MEMBERS, write=STAFF)
class DecisionFollowUpItem(MethodView):
    @blp.arguments(FollowUpSchema)
    @blp.response(200, FollowUpDumpSchema)
    def put(self, data: dict[str, Any], decision_id: int) -> Any:
        """Record the caller's own municipality's follow-up (a decision binds no municipality)."""
        decision = get_visible_or_404(Decision, decision_id)
        if not permissions.can_participate(current_user, decision):
            abort(403)
        row = ops.set_follow_up(decision, data, tenant_id=current_user.tenant_id)
        return row


CooperationPageSchema = page_of(CooperationSchema, "CooperationPageSchema")


@blp.route("/cooperations")
@allow(MEMBERS, write=STAFF)
class CooperationList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CooperationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the inventory of existing cooperations the caller's tenant may read."""
        return page_envelope(paginate(ops.visible_cooperations(args.get("q"))))

    @blp.arguments(CreateCooperationSchema)
    @blp.response(201, CooperationSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Register an existing cooperation in the inventory of one of the caller's regions."""
        if not permissions.can_create(current_user):
            abort(403)
        obj = ops.create_cooperation(data, tenant_id=current_user.tenant_id)
        return obj


@blp.route("/cooperations/<int:cooperation_id>")
@allow(MEMBERS, write=STAFF)
class CooperationItem(MethodView):
    @blp.response(200, CooperationSchema)
    def get(self, cooperation_id: int) -> Any:
        """Return one inventory entry (404 when not visible)."""
        return get_visible_or_404(Cooperation, cooperation_id)

    @blp.arguments(UpdateCooperationSchema(partial=True))
    @blp.response(200, CooperationSchema)
    def patch(self, data: dict[str, Any], cooperation_id: int) -> Any:
        """Change an inventory entry the caller's tenant registered."""
        obj = get_visible_or_404(Cooperation, cooperation_id)
        if obj.tenant_id != current_user.tenant_id:
            abort(404)
        if not permissions.can_chair(current_user, obj):
            abort(403)
        ops.update_cooperation(obj, data)
        return obj


@blp.route("/cooperations/<int:cooperation_id>/evaluations")
@allow(MEMBERS, write=STAFF)
class CooperationEvaluations(MethodView):
    @blp.response(200, CooperationEvaluationSchema(many=True))
    def get(self, cooperation_id: int) -> Any:
        """Return the evaluation history of a cooperation, newest first."""
        return ops.evaluations_of(get_visible_or_404(Cooperation, cooperation_id))

    @blp.arguments(CreateCooperationEvaluationSchema)
    @blp.response(201, CooperationEvaluationSchema)
    def post(self, data: dict[str, Any], cooperation_id: int) -> Any:
        """Record an evaluation at a meeting the caller's tenant chairs."""
        obj = get_visible_or_404(Cooperation, cooperation_id)
        if not permissions.can_participate(current_user, obj):
            abort(403)
        evaluation = ops.evaluate_cooperation(obj, data, tenant_id=current_user.tenant_id)
        return evaluation


class ProposalSchema(Schema):
    """Dump a member's proposal for the agenda."""

    id = fields.Integer()
    meeting_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    description_html = fields.String()


@blp.route("/meetings/<int:meeting_id>/agenda-items")
@allow(MEMBERS, write=STAFF)
class MeetingAgendaItems(MethodView):
    @blp.arguments(CreateItemSchema)
    @blp.response(201, AgendaItemSchema)
    def post(self, data: dict[str, Any], meeting_id: int) -> Any:
        """Add an item to the agenda of a meeting the caller's tenant chairs."""
        meeting = get_visible_or_404(Meeting, meeting_id)
        if meeting.tenant_id != current_user.tenant_id:
            abort(404)
        if not permissions.can_chair(current_user, meeting):
            abort(403)
        if data.get("owner_tenant_id") is None:
            data["owner_tenant_id"] = current_user.tenant_id
        item = ops.add_agenda_item(meeting, data)
        return item


@blp.route("/meetings/<int:meeting_id>/proposals")
@allow(MEMBERS, write=STAFF)
class MeetingProposals(MethodView):
    @blp.response(200, ProposalSchema(many=True))
    def get(self, meeting_id: int) -> Any:
        """List the proposals for a meeting that the caller's tenant can read."""
        return ops.proposals_of(get_visible_or_404(Meeting, meeting_id))

    @blp.arguments(CreateItemSchema)
    @blp.response(201, ProposalSchema)
    def post(self, data: dict[str, Any], meeting_id: int) -> Any:
        """Propose an agenda item as a member municipality (the caller's own row)."""
        meeting = get_visible_or_404(Meeting, meeting_id)
        if not permissions.can_participate(current_user, meeting):
            abort(403)
        proposal = ops.propose_item(meeting, data, tenant_id=current_user.tenant_id, user_id=current_user.id)
        return proposal
