"""REST endpoints for policy tables, meetings and action items."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from portal.api import PageArgsSchema, PaginationSchema, page_envelope
from portal.core.loading import get_visible_or_404
from portal.core.pagination import paginate
from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import ActionItem, Meeting, PolicyTable
from portal.policy_tables.schemas import (
    ActionSchema,
    ActionStatusSchema,
    CreateTableSchema,
    MeetingSchema,
    TableSchema,
    UpdateTableSchema,
)

blp = Blueprint("policy_tables_api", __name__, url_prefix="/api/v1/policy-tables", description="Beleidstafels")


class TablePageSchema(Schema):
    """A page of tables."""

    items = fields.List(fields.Nested(TableSchema))
    pagination = fields.Nested(PaginationSchema)


class ActionPageSchema(Schema):
    """A page of action items."""

    items = fields.List(fields.Nested(ActionSchema))
    pagination = fields.Nested(PaginationSchema)


@blp.route("")
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
        db.session.commit()
        return obj


@blp.route("/<int:table_id>")
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
        db.session.commit()
        return obj


@blp.route("/<int:table_id>/meetings")
class TableMeetings(MethodView):
    @blp.response(200, MeetingSchema(many=True))
    def get(self, table_id: int) -> Any:
        """List the meetings of a table with their agenda."""
        return ops.meetings_of(get_visible_or_404(PolicyTable, table_id))


@blp.route("/meetings/<int:meeting_id>")
class MeetingItem(MethodView):
    @blp.response(200, MeetingSchema)
    def get(self, meeting_id: int) -> Any:
        """Return one meeting with its agenda (404 when not visible)."""
        return get_visible_or_404(Meeting, meeting_id)


@blp.route("/actions")
class ActionList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ActionPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the action items the caller's tenant may read, by due date."""
        stmt = select(ActionItem).order_by(ActionItem.due_on.nulls_last(), ActionItem.id)
        return page_envelope(paginate(stmt))


@blp.route("/actions/<int:action_id>")
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
        db.session.commit()
        return obj
