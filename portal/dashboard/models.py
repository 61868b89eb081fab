"""Announcements: the first shareable object, used by the dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.core.models import Base, Shareable, TimestampMixin
from tenants.models import Region, Tenant


class Announcement(Shareable, TimestampMixin, Base):
    """A mededeling of one municipality, visible to the audience it chose."""

    __tablename__ = "announcements"
    __share_type__ = "announcement"
    __share_domain__ = "algemeen"
    __extra_table_args__ = (Index("ix_announcements_tenant_published", "tenant_id", "published_at"),)

    title: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="Announcement.tenant_id", lazy="joined")
    region: Mapped[Region | None] = relationship(foreign_keys="Announcement.region_id")
    created_by: Mapped[User | None] = relationship()
