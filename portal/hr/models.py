"""HR models: vacancies (shareable), time shares, applications, pipeline events, receipts, settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.core.models import Base, Shareable, TenantOwned, TimestampMixin, utcnow
from tenants.models import Region, Tenant

GRADES = (
    "E1", "E2", "E3", "D1", "D2", "D3", "D4", "C1", "C2", "C3", "C4", "C5",
    "B1", "B2", "B3", "B4", "B5", "A1a", "A1b", "A2a", "A2b", "A3a", "A4a", "A4b", "A5a",
)  # fmt: skip
EMPLOYMENTS = ("statutair", "contractueel")
KINDS = ("extern", "intern", "gedeeld")
VACANCY_STATUSES = ("concept", "gepubliceerd", "afgesloten", "ingevuld", "geannuleerd")
APPLICATION_STATUSES = ("ontvangen", "screening", "test", "gesprek", "aanbod", "aangeworven", "afgewezen")
SOURCES = ("extern", "intern")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Vacancy(Shareable, TimestampMixin, Base):
    """A vacature of one municipality: external recruitment, internal mobility or a shared post."""

    __tablename__ = "vacancies"
    __share_type__ = "vacancy"
    __share_domain__ = "hr"
    __extra_table_args__ = (
        CheckConstraint(_in("grade", GRADES), name="grade"),
        CheckConstraint(_in("employment", EMPLOYMENTS), name="employment"),
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("status", VACANCY_STATUSES), name="status"),
        CheckConstraint("percentage BETWEEN 1 AND 100", name="percentage"),
        CheckConstraint("salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max", name="salary_range"),
        Index("ix_vacancies_tenant_status", "tenant_id", "status"),
    )

    title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(120), default="")
    function_name: Mapped[str] = mapped_column(String(120), default="")
    grade: Mapped[str] = mapped_column(String(4))
    employment: Mapped[str] = mapped_column(String(12), default="contractueel")
    percentage: Mapped[int] = mapped_column(default=100)
    salary_min: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    salary_max: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    description_html: Mapped[str] = mapped_column(Text, default="")
    profile_html: Mapped[str] = mapped_column(Text, default="")
    selection_steps: Mapped[str] = mapped_column(Text, default="")
    deadline_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10), default="extern")
    status: Mapped[str] = mapped_column(String(14), default="concept")
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="Vacancy.tenant_id", lazy="joined")
    region: Mapped[Region | None] = relationship(foreign_keys="Vacancy.region_id")
    shares: Mapped[list[VacancyShare]] = relationship(
        back_populates="vacancy", cascade="all, delete-orphan", order_by="VacancyShare.id"
    )


class VacancyShare(TenantOwned, Base):
    """The time share of one municipality in a shared post (gedeelde functie)."""

    __tablename__ = "vacancy_shares"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "municipality_id"),
        CheckConstraint("share_percent BETWEEN 1 AND 100", name="share_percent"),
    )

    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    share_percent: Mapped[int]

    vacancy: Mapped[Vacancy] = relationship(back_populates="shares")
    municipality: Mapped[Tenant] = relationship(foreign_keys=[municipality_id], lazy="joined")


class Application(TenantOwned, TimestampMixin, Base):
    """A sollicitatie, owned by the recruiting municipality (the vacancy's owner); see ADR 0009."""

    __tablename__ = "applications"
    __audit_secret__ = ("full_name", "email", "motivation", "cv_filename", "cv_data")
    __table_args__ = (
        CheckConstraint(_in("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(
            "source = 'extern' OR applicant_user_id IS NOT NULL OR anonymised_at IS NOT NULL", name="intern_user"
        ),
        Index("ix_applications_vacancy", "tenant_id", "vacancy_id", "status"),
    )

    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(8))
    applicant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    applicant_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(255))
    motivation: Mapped[str] = mapped_column(Text, default="")
    cv_filename: Mapped[str | None] = mapped_column(String(200))
    cv_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    consent_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="ontvangen")
    anonymised_at: Mapped[datetime | None]

    vacancy: Mapped[Vacancy] = relationship(lazy="joined")
    applicant_tenant: Mapped[Tenant | None] = relationship(foreign_keys=[applicant_tenant_id])
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationEvent.id"
    )


class ApplicationEvent(TenantOwned, Base):
    """A step in an application's pipeline: a status change or a note of the owner's HR."""

    __tablename__ = "application_events"
    __audit_secret__ = ("note",)
    __table_args__ = (CheckConstraint("to_status IS NOT NULL OR note <> ''", name="content"),)

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")
    author: Mapped[User | None] = relationship()


class ApplicationReceipt(TenantOwned, Base):
    """The candidate's own record of an internal application, owned by the candidate's municipality."""

    __tablename__ = "application_receipts"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "application_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    vacancy_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    application_id: Mapped[int]
    vacancy_title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    vacancy_tenant: Mapped[Tenant] = relationship(foreign_keys=[vacancy_tenant_id], lazy="joined")


class HrSettings(TenantOwned, Base):
    """Per-municipality HR settings: how long application data is kept after a vacancy closes."""

    __tablename__ = "hr_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("retention_months BETWEEN 1 AND 120", name="retention_months"),
    )

    retention_months: Mapped[int] = mapped_column(default=12)
