"""The user's notifications: list, open, mark read."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select, update

from portal.core.access import SIGNED_IN, allow
from portal.core.models import utcnow
from portal.core.notifications import Notification
from portal.core.pagination import paginate
from portal.core.web import tenant_blueprint
from portal.extensions import db

bp = tenant_blueprint("notifications", __name__, "/meldingen")


@bp.route("/")
@allow(SIGNED_IN)
def index() -> Any:
    """List the user's notifications, unread first."""
    only_unread = request.args.get("ongelezen") == "1"
    stmt = select(Notification).where(Notification.user_id == current_user.id)
    if only_unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    page = paginate(stmt.order_by(Notification.read_at.is_not(None), Notification.created_at.desc()))
    return render_template("notifications/index.html", page=page, only_unread=only_unread)


@bp.route("/<int:notification_id>", methods=["POST"])
@allow(SIGNED_IN)
def open_notification(notification_id: int) -> Any:
    """Mark one notification read and follow its link."""
    note = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == current_user.id)
    )
    if note is None:
        abort(404)
    if note.read_at is None:
        note.read_at = utcnow()
    if note.local_link:
        return redirect(note.local_link)
    return redirect(url_for("notifications.index"))


@bp.route("/alles-gelezen", methods=["POST"])
@allow(SIGNED_IN)
def mark_all_read() -> Any:
    """Mark every notification of the user read."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return redirect(url_for("notifications.index"))
