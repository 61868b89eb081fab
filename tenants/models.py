"""Tenants (besturen), regions (samenwerkingsverbanden), memberships and share grants."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from portal.core.models import Base, JSONType, TimestampMixin, check_in, utcnow


class TenantKind(StrEnum):
    """The kind of local government a tenant is."""

    GEMEENTE = "gemeente"
    OCMW = "ocmw"
    INTERCOMMUNALE = "intercommunale"
    POLITIEZONE = "politiezone"
    HULPVERLENINGSZONE = "hulpverleningszone"


TENANT_KINDS = tuple(TenantKind)


class Tenant(TimestampMixin, Base):
    """A local government that owns its data."""

    __tablename__ = "tenants"
    __table_args__ = (
        check_in("kind", TenantKind),
        CheckConstraint("brand_colour IS NULL OR length(brand_colour) = 7", name="brand_colour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    nis_code: Mapped[str | None] = mapped_column(String(5), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="gemeente")
    brand_colour: Mapped[str | None] = mapped_column(String(7))
    logo_path: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    # Tenant-configurable settings, e.g. {"closing_days": ["07-11"]}; 11 juli is not in `holidays`.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)

    memberships: Mapped[list[RegionMembership]] = relationship(back_populates="tenant")

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"

    @property
    def closing_days(self) -> list[str]:
        """Return the tenant's own closing days as MM-DD strings."""
        return list((self.settings or {}).get("closing_days", []))


class Region(TimestampMixin, Base):
    """A samenwerkingsverband: tenants that cooperate, each for a period."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str | None] = mapped_column(String(2000))

    memberships: Mapped[list[RegionMembership]] = relationship(
        back_populates="region", order_by="RegionMembership.joined_on"
    )

    def __repr__(self) -> str:
        return f"<Region {self.slug}>"


class RegionMembership(Base):
    """One period in which a tenant is a member of a region (half-open: left_on excluded)."""

    __tablename__ = "region_memberships"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on > joined_on", name="period"),
        UniqueConstraint("region_id", "tenant_id", "joined_on"),
        Index("ix_region_memberships_tenant_region", "tenant_id", "region_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    joined_on: Mapped[date]
    left_on: Mapped[date | None]

    region: Mapped[Region] = relationship(back_populates="memberships")
    tenant: Mapped[Tenant] = relationship(back_populates="memberships")

    @classmethod
    def current_on(cls, day: date) -> ColumnElement[bool]:
        """Return SQL true for memberships running on ``day``."""
        return and_(cls.joined_on <= day, or_(cls.left_on.is_(None), cls.left_on > day))

    def is_current(self, day: date) -> bool:
        """Tell whether this membership runs on ``day``."""
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


class ShareGrant(Base):
    """Read access an owner tenant gives another tenant.

    Either for one object (``object_type`` + ``object_id``) or for every object of a
    sharing domain (``domain``), e.g. created by an active cooperation agreement
    (``source`` = "agreement:12"). Grants expire or are revoked, never edited away.
    """

    __tablename__ = "share_grants"
    __table_args__ = (
        CheckConstraint(
            "(object_type IS NOT NULL AND object_id IS NOT NULL AND domain IS NULL)"
            " OR (object_type IS NULL AND object_id IS NULL AND domain IS NOT NULL)",
            name="target",
        ),
        CheckConstraint("grantee_tenant_id <> tenant_id", name="not_self"),
        Index("ix_share_grants_lookup", "grantee_tenant_id", "object_type", "object_id"),
        Index("ix_share_grants_domain", "grantee_tenant_id", "domain", "tenant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    grantee_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[int | None]
    domain: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    grantee: Mapped[Tenant] = relationship(foreign_keys=[grantee_tenant_id])

    @classmethod
    def active_at(cls, moment: datetime) -> ColumnElement[bool]:
        """Return SQL true for grants neither expired nor revoked at ``moment``."""
        return and_(
            cls.revoked_at.is_(None),
            or_(cls.expires_at.is_(None), cls.expires_at > moment),
        )
