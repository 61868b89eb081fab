"""REST endpoints for announcements."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.api import PageArgsSchema, page_envelope, page_of
from portal.core.loading import get_editable_or_404, get_visible_or_404
from portal.core.pagination import paginate
from portal.dashboard import operations as ops
from portal.dashboard import permissions
from portal.dashboard.models import Announcement
from portal.dashboard.schemas import AnnouncementSchema, CreateAnnouncementSchema, UpdateAnnouncementSchema

blp = Blueprint("announcements_api", __name__, url_prefix="/api/v1/announcements", description="Mededelingen")


AnnouncementPageSchema = page_of(AnnouncementSchema, "AnnouncementPageSchema")


def _owned(announcement_id: int) -> Announcement:
    return get_editable_or_404(Announcement, announcement_id, permissions.can_edit)


@blp.route("")
@allow(MEMBERS, write=STAFF)
class AnnouncementList(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AnnouncementPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List announcements the caller's tenant may read."""
        return page_envelope(paginate(ops.visible_announcements(args.get("q"))))

    @blp.arguments(CreateAnnouncementSchema)
    @blp.response(201, AnnouncementSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create an announcement owned by the caller's tenant."""
        if not permissions.can_create(current_user):
            abort(403)
        obj = ops.create_announcement(data, author_id=current_user.id)
        return obj


@blp.route("/<int:announcement_id>")
@allow(MEMBERS, write=STAFF)
class AnnouncementItem(MethodView):
    @blp.response(200, AnnouncementSchema)
    def get(self, announcement_id: int) -> Any:
        """Return one announcement (404 when not visible)."""
        return get_visible_or_404(Announcement, announcement_id)

    @blp.arguments(UpdateAnnouncementSchema(partial=True))
    @blp.response(200, AnnouncementSchema)
    def patch(self, data: dict[str, Any], announcement_id: int) -> Any:
        """Change an own announcement."""
        obj = _owned(announcement_id)
        ops.update_announcement(obj, data)
        return obj

    @blp.response(204)
    def delete(self, announcement_id: int) -> Any:
        """Delete an own announcement."""
        obj = _owned(announcement_id)
        ops.delete_announcement(obj)
        return None
