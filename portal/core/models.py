"""Declarative base, naming convention and mixins shared by every module."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, MetaData, String, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# JSON on SQLite, JSONB (comparable, indexable) on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes in UTC; SQLite returns naive values, so tag them."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every model; carries the constraint naming convention."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    """Add created_at / updated_at columns."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TenantScoped:
    """Marker base of every tenant-owned row: ``id`` plus the owner ``tenant_id``.

    The columns are plain mixin attributes (not ``declared_attr``) because the scoping
    criteria in ``tenants.scoping`` are analysed once against the mixin class itself.
    ``tenant_id`` is filled from the active tenant context on insert and is never taken
    from user input.
    """

    id = mapped_column(Integer, primary_key=True)
    tenant_id = mapped_column(Integer, ForeignKey("tenants.id", ondelete="RESTRICT"), index=True, nullable=False)


class TenantOwned(TenantScoped):
    """A row only its owner tenant can read and write."""


def in_sql(column: str, values: Iterable[str], *, negate: bool = False) -> str:
    """Return ``column IN ('a', 'b')`` (or ``NOT IN``) for a CHECK; takes a StrEnum or a tuple."""
    quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return f"{column} {'NOT IN' if negate else 'IN'} ({quoted})"


def check_in(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    """Return the CHECK that ``column`` holds one of ``values``, named after the column by default."""
    return CheckConstraint(in_sql(column, values), name=name or column)


class Audience(StrEnum):
    """Who besides the owner may read a shared row."""

    OWN = "own"
    REGION = "region"
    PARTNERS = "partners"


AUDIENCES = tuple(Audience)


class Shareable(TenantScoped):
    """A tenant-owned row that its owner may share with a region or chosen partners.

    ``audience`` decides who besides the owner can read it: ``own`` nobody, ``region`` the
    current members of ``region_id`` (while the owner is a current member too), and
    ``partners`` every tenant holding an active grant for this row or for the row's
    sharing domain (``__share_domain__``), e.g. through a cooperation agreement.
    ``__share_type__`` names the row's type in grants; every subclass sets it.
    """

    __share_type__: ClassVar[str] = "shareable"
    __share_domain__: ClassVar[str] = "algemeen"

    audience = mapped_column(String(16), default="own", server_default="own", nullable=False)
    region_id = mapped_column(Integer, ForeignKey("regions.id", ondelete="RESTRICT"), nullable=True, index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:  # noqa: N805
        extra = tuple(getattr(cls, "__extra_table_args__", ()))
        return (
            *extra,
            check_in("audience", Audience),
            CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name="audience_region"),
        )
