"""Announcement operations: create, update, delete, list; validate, flush, never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from portal.core.models import utcnow
from portal.core.richtext import sanitise
from portal.dashboard.models import Announcement
from portal.extensions import db
from tenants.context import current_tenant_id
from tenants.sharing import readable_prefilter, set_audience


def visible_announcements(q: str | None = None, *, own_only: bool = False, tenant_id: int | None = None) -> Select[Any]:
    """Return a query of announcements the acting tenant may read, newest first."""
    # The prefilter lets PostgreSQL read the tenant's and its regions' rows by index instead of
    # checking the visibility rules on every announcement of Flanders.
    stmt = select(Announcement).where(
        Announcement.published_at.is_not(None), readable_prefilter(Announcement, current_tenant_id())
    )
    if own_only and tenant_id is not None:
        stmt = select(Announcement).where(Announcement.tenant_id == tenant_id)
    if q:
        like = f"%{q.strip()[:100]}%"
        stmt = stmt.where(or_(Announcement.title.ilike(like), Announcement.body_html.ilike(like)))
    return stmt.order_by(Announcement.published_at.desc().nulls_last(), Announcement.id.desc())


def create_announcement(data: dict[str, Any], *, author_id: int) -> Announcement:
    """Create an announcement for the acting tenant and share it as asked."""
    obj = Announcement(
        title=data["title"].strip(),
        body_html=sanitise(data.get("body_html")),
        created_by_id=author_id,
        published_at=utcnow() if data.get("publish", True) else None,
    )
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    return obj


def update_announcement(obj: Announcement, data: dict[str, Any]) -> Announcement:
    """Change the fields present in ``data``."""
    if "title" in data:
        obj.title = data["title"].strip()
    if "body_html" in data:
        obj.body_html = sanitise(data["body_html"])
    if "publish" in data:
        if data["publish"] and obj.published_at is None:
            obj.published_at = utcnow()
        elif not data["publish"]:
            obj.published_at = None
    if "audience" in data:
        set_audience(obj, data["audience"], region_id=data.get("region_id"), partner_ids=data.get("partner_ids", []))
    db.session.flush()
    return obj


def delete_announcement(obj: Announcement) -> None:
    """Delete the announcement and its grants."""
    set_audience(obj, "own")
    db.session.delete(obj)
    db.session.flush()
