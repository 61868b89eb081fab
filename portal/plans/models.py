"""A municipality's meerjarenplan: versions, the tree of domains to actions, budgets, indicators and links."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Base, JSONType, TenantOwned, TimestampMixin, check_in
from tenants.models import Tenant


class Level(StrEnum):
    """The four levels of the BBC tree."""

    DOMEIN = "beleidsdomein"
    DOELSTELLING = "beleidsdoelstelling"
    ACTIEPLAN = "actieplan"
    ACTIE = "actie"


LEVELS = tuple(Level)
LEVEL_LABELS: dict[str, Any] = {
    Level.DOMEIN: _l("Beleidsdomein"),
    Level.DOELSTELLING: _l("Beleidsdoelstelling"),
    Level.ACTIEPLAN: _l("Actieplan"),
    Level.ACTIE: _l("Actie"),
}
#: The level a node's parent has.
PARENT_LEVEL: dict[str, str | None] = {
    Level.DOMEIN: None,
    Level.DOELSTELLING: Level.DOMEIN,
    Level.ACTIEPLAN: Level.DOELSTELLING,
    Level.ACTIE: Level.ACTIEPLAN,
}


class ActionStatus(StrEnum):
    """Where an action (or a goal, an action plan) stands."""

    NIET_GESTART = "niet_gestart"
    LOPEND = "lopend"
    VERTRAAGD = "vertraagd"
    AFGEROND = "afgerond"
    STOPGEZET = "stopgezet"


ACTION_STATUSES = tuple(ActionStatus)
STATUS_LABELS: dict[str, Any] = {
    ActionStatus.NIET_GESTART: _l("Niet gestart"),
    ActionStatus.LOPEND: _l("Lopend"),
    ActionStatus.VERTRAAGD: _l("Vertraagd"),
    ActionStatus.AFGEROND: _l("Afgerond"),
    ActionStatus.STOPGEZET: _l("Stopgezet"),
}


class LinkType(StrEnum):
    """The objects of the other modules an action can be linked to."""

    AGREEMENT = "agreement"
    POLICY_DECISION = "policy_decision"
    POLICY_ACTION = "policy_action"
    PROCUREMENT_DOSSIER = "procurement_dossier"
    STAFF_SHARING = "staff_sharing"
    STAFF_HOSTING = "staff_hosting"
    TRAINING = "training"
    RENTAL_PARTNER = "rental_partner"


LINK_TYPES = tuple(LinkType)
LINK_LABELS: dict[str, Any] = {
    LinkType.AGREEMENT: _l("Samenwerkingsovereenkomst"),
    LinkType.POLICY_DECISION: _l("Besluit van een beleidstafel"),
    LinkType.POLICY_ACTION: _l("Actiepunt van een beleidstafel"),
    LinkType.PROCUREMENT_DOSSIER: _l("Gezamenlijke aankoop"),
    LinkType.STAFF_SHARING: _l("Gedeeld personeel (wij stellen ter beschikking)"),
    LinkType.STAFF_HOSTING: _l("Gedeeld personeel (wij ontvangen)"),
    LinkType.TRAINING: _l("Vorming"),
    LinkType.RENTAL_PARTNER: _l("Uitleen van materieel en zalen met een partner"),
}


class PlanVersion(TenantOwned, TimestampMixin, Base):
    """One version of the meerjarenplan (the original or an aanpassing); older versions stay readable."""

    __tablename__ = "plan_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint(
            "first_year BETWEEN 2000 AND 2100 AND last_year BETWEEN first_year AND first_year + 12", name="years"
        ),
    )

    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    first_year: Mapped[int]
    last_year: Mapped[int]
    adopted_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="PlanVersion.tenant_id", lazy="joined")


class PlanNode(TenantOwned, TimestampMixin, Base):
    """One beleidsdomein, beleidsdoelstelling, actieplan or actie of a plan version."""

    __tablename__ = "plan_nodes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "version_id", "code"),
        check_in("level", Level),
        check_in("status", ActionStatus),
        CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_percent"),
        CheckConstraint("(level = 'beleidsdomein') = (parent_id IS NULL)", name="parent_level"),
        CheckConstraint("due_on IS NULL OR starts_on IS NULL OR due_on >= starts_on", name="period"),
        Index("ix_plan_nodes_tenant_version_level", "tenant_id", "version_id", "level"),
    )

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_nodes.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    responsible: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.NIET_GESTART)
    progress_percent: Mapped[int] = mapped_column(default=0)
    starts_on: Mapped[date | None]
    due_on: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)

    version: Mapped[PlanVersion] = relationship()
    budgets: Mapped[list[PlanBudget]] = relationship(
        order_by="PlanBudget.year", cascade="all, delete-orphan", passive_deletes=True
    )
    indicators: Mapped[list[PlanIndicator]] = relationship(
        order_by="PlanIndicator.id", cascade="all, delete-orphan", passive_deletes=True
    )


class PlanBudget(TenantOwned, Base):
    """The budget of a node for one year: planned expenses and income, and the expense realised so far."""

    __tablename__ = "plan_budgets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "node_id", "year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        CheckConstraint("expense >= 0 AND income >= 0", name="amounts"),
        CheckConstraint("actual_expense IS NULL OR actual_expense >= 0", name="actual_expense"),
    )

    node_id: Mapped[int] = mapped_column(ForeignKey("plan_nodes.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    expense: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    income: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    actual_expense: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class PlanIndicator(TenantOwned, TimestampMixin, Base):
    """A measurable indicator of a node: its target and the last measured value."""

    __tablename__ = "plan_indicators"
    __table_args__ = (UniqueConstraint("tenant_id", "node_id", "name"),)

    node_id: Mapped[int] = mapped_column(ForeignKey("plan_nodes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    target_value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    measured_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    measured_on: Mapped[date | None]


class PlanLink(TenantOwned, TimestampMixin, Base):
    """The plan owner's link of one of its own nodes to an object of another module.

    The object is only a type and an id: it is read through its module's visibility rules every
    time, so an object the owner can no longer see shows nothing of it.
    """

    __tablename__ = "plan_links"
    __table_args__ = (
        UniqueConstraint("tenant_id", "node_id", "object_type", "object_id"),
        check_in("object_type", LinkType),
        Index("ix_plan_links_tenant_object", "tenant_id", "object_type", "object_id"),
    )

    node_id: Mapped[int] = mapped_column(ForeignKey("plan_nodes.id", ondelete="CASCADE"), index=True)
    object_type: Mapped[str] = mapped_column(String(24))
    object_id: Mapped[int]
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    node: Mapped[PlanNode] = relationship()


class PlanReport(TenantOwned, Base):
    """An immutable semester report of the AD to the college and the MAT: its snapshot and PDF."""

    __tablename__ = "plan_reports"
    __audit_secret__ = ("content", "pdf_data")
    __table_args__ = (
        UniqueConstraint("tenant_id", "period", "number"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("ends_on >= starts_on", name="period_dates"),
    )

    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="RESTRICT"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # 2026-S2
    number: Mapped[int] = mapped_column(default=1)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_sha256: Mapped[str] = mapped_column(String(64))
    pdf_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    generated_at: Mapped[datetime]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
