"""Joint procurement: purchase plans, dossiers with lots and stages, participations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Base, Shareable, TimestampMixin, check_in
from tenants.models import Tenant


class LegalForm(StrEnum):
    """How the municipalities buy together."""

    OPDRACHTENCENTRALE = "opdrachtencentrale"
    GEZAMENLIJKE_OPDRACHT = "gezamenlijke_opdracht"


class Procedure(StrEnum):
    """The award procedure of a dossier."""

    AANVAARDE_FACTUUR = "aanvaarde_factuur"
    ONDERHANDELING_ZONDER_BEKENDMAKING = "onderhandeling_zonder_bekendmaking"
    ONDERHANDELING_MET_BEKENDMAKING = "onderhandeling_met_bekendmaking"
    OPENBARE_PROCEDURE = "openbare_procedure"
    NIET_OPENBARE_PROCEDURE = "niet_openbare_procedure"


class DossierStage(StrEnum):
    """The stages of a dossier's timeline, in order."""

    BEHOEFTENINVENTARIS = "behoefteninventaris"
    MARKTVERKENNING = "marktverkenning"
    BESTEK = "bestek"
    PUBLICATIE = "publicatie"
    GUNNING = "gunning"
    UITVOERING = "uitvoering"
    AFGESLOTEN = "afgesloten"


class DossierStatus(StrEnum):
    """Where a dossier stands."""

    CONCEPT = "concept"
    OPEN = "open"
    GESLOTEN = "gesloten"


class ParticipationStatus(StrEnum):
    """Where a municipality's participation stands."""

    INTERESSE = "interesse"
    DEELNAME = "deelname"
    INGETROKKEN = "ingetrokken"


LEGAL_FORMS = tuple(LegalForm)
PROCEDURES = tuple(Procedure)
STAGES = tuple(DossierStage)
STATUSES = tuple(DossierStatus)
PARTICIPATION_STATUSES = tuple(ParticipationStatus)
MONEY = Numeric(14, 2)


class PurchasePlan(Shareable, TimestampMixin, Base):
    """A purchase a municipality plans (aankoopplanning), shared with its region for bundling."""

    __tablename__ = "procurement_plans"
    __share_type__ = "procurement_plan"
    __share_domain__ = "aankoop"
    __extra_table_args__ = (
        CheckConstraint("estimated_value >= 0", name="value_positive"),
        CheckConstraint("expected_until_on >= expected_from_on", name="period_order"),
    )

    subject: Mapped[str] = mapped_column(String(200))
    cpv_code: Mapped[str] = mapped_column(String(10))
    estimated_value: Mapped[Decimal] = mapped_column(MONEY)
    expected_from_on: Mapped[date] = mapped_column(Date)
    expected_until_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="PurchasePlan.tenant_id", lazy="joined")

    @property
    def cpv_group(self) -> str:
        """Return the CPV group (first three digits)."""
        return self.cpv_code[:3]


class Dossier(Shareable, TimestampMixin, Base):
    """A joint procurement led by the owner tenant (the lead municipality)."""

    __tablename__ = "procurement_dossiers"
    __share_type__ = "procurement_dossier"
    __share_domain__ = "aankoop"
    __extra_table_args__ = (
        check_in("legal_form", LEGAL_FORMS),
        check_in("procedure", PROCEDURES),
        check_in("status", STATUSES),
        check_in("stage", STAGES),
        CheckConstraint("estimated_value >= 0", name="value_positive"),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cpv_code: Mapped[str] = mapped_column(String(10))
    legal_form: Mapped[str] = mapped_column(String(30))
    procedure: Mapped[str] = mapped_column(String(40))
    estimated_value: Mapped[Decimal] = mapped_column(MONEY)
    joining_deadline_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=DossierStatus.CONCEPT)
    stage: Mapped[str] = mapped_column(String(30), default=DossierStage.BEHOEFTENINVENTARIS)
    allows_later_joining: Mapped[bool] = mapped_column(default=False)

    tenant: Mapped[Tenant] = relationship(foreign_keys="Dossier.tenant_id", lazy="joined")
    lots: Mapped[list[Lot]] = relationship(back_populates="dossier", order_by="Lot.number")
    stages: Mapped[list[Stage]] = relationship(back_populates="dossier")


class Lot(Shareable, TimestampMixin, Base):
    """A perceel of a dossier, with its award and contract once awarded."""

    __tablename__ = "procurement_lots"
    __share_type__ = "procurement_lot"
    __share_domain__ = "aankoop"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "dossier_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("estimated_value >= 0", name="value_positive"),
        CheckConstraint("awarded_value IS NULL OR awarded_value >= 0", name="awarded_positive"),
        CheckConstraint(
            "contract_end_on IS NULL OR contract_start_on IS NULL OR contract_end_on >= contract_start_on",
            name="contract_order",
        ),
        CheckConstraint("(awarded_value IS NULL) = (supplier_name IS NULL)", name="award_complete"),
    )

    dossier_id: Mapped[int] = mapped_column(ForeignKey("procurement_dossiers.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="stuk")
    estimated_value: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    supplier_kbo: Mapped[str | None] = mapped_column(String(12))
    awarded_value: Mapped[Decimal | None] = mapped_column(MONEY)
    awarded_at: Mapped[datetime | None]
    contract_start_on: Mapped[date | None] = mapped_column(Date)
    contract_end_on: Mapped[date | None] = mapped_column(Date)
    renewal_options: Mapped[str] = mapped_column(String(200), default="")

    dossier: Mapped[Dossier] = relationship(back_populates="lots")


class Stage(Shareable, Base):
    """One stage of a dossier's timeline with planned and actual dates."""

    __tablename__ = "procurement_stages"
    __share_type__ = "procurement_stage"
    __share_domain__ = "aankoop"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "dossier_id", "stage"),
        check_in("stage", STAGES),
    )

    dossier_id: Mapped[int] = mapped_column(ForeignKey("procurement_dossiers.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer)
    planned_on: Mapped[date | None] = mapped_column(Date)
    actual_on: Mapped[date | None] = mapped_column(Date)

    dossier: Mapped[Dossier] = relationship(back_populates="stages")


class Participation(Shareable, TimestampMixin, Base):
    """A municipality's participation in a dossier: owned by the participant, granted to the lead only."""

    __tablename__ = "procurement_participations"
    __share_type__ = "procurement_participation"
    # A domain no agreement grants: only the per-object grant to the lead opens it.
    __share_domain__ = "aankoop_deelname"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "dossier_id"),
        check_in("status", PARTICIPATION_STATUSES),
        CheckConstraint(
            "(mandate_body IS NULL AND mandate_on IS NULL AND mandate_reference IS NULL)"
            " OR (mandate_body IS NOT NULL AND mandate_on IS NOT NULL AND mandate_reference IS NOT NULL)",
            name="mandate_complete",
        ),
    )

    dossier_id: Mapped[int] = mapped_column(ForeignKey("procurement_dossiers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ParticipationStatus.INTERESSE)
    contact_name: Mapped[str] = mapped_column(String(160), default="")
    mandate_body: Mapped[str | None] = mapped_column(String(60))
    mandate_on: Mapped[date | None] = mapped_column(Date)
    mandate_reference: Mapped[str | None] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None]

    tenant: Mapped[Tenant] = relationship(foreign_keys="Participation.tenant_id", lazy="joined")
    dossier: Mapped[Dossier] = relationship()
    lines: Mapped[list[ParticipationLine]] = relationship(back_populates="participation")

    @property
    def counts(self) -> bool:
        """A participation counts only with a mandate and when not withdrawn."""
        return self.status == ParticipationStatus.DEELNAME and self.mandate_reference is not None


class ParticipationLine(Shareable, Base):
    """The quantity and estimated amount one participant needs for one lot."""

    __tablename__ = "procurement_participation_lines"
    __share_type__ = "procurement_participation_line"
    __share_domain__ = "aankoop_deelname"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "participation_id", "lot_id"),
        CheckConstraint("quantity >= 0", name="quantity_positive"),
        CheckConstraint("amount >= 0", name="amount_positive"),
    )

    participation_id: Mapped[int] = mapped_column(
        ForeignKey("procurement_participations.id", ondelete="CASCADE"), index=True
    )
    lot_id: Mapped[int] = mapped_column(ForeignKey("procurement_lots.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    amount: Mapped[Decimal] = mapped_column(MONEY)

    participation: Mapped[Participation] = relationship(back_populates="lines")
    lot: Mapped[Lot] = relationship()


class Question(Shareable, TimestampMixin, Base):
    """A question (and the lead's answer) in a dossier's Q&A thread; owned by the asker."""

    __tablename__ = "procurement_questions"
    __share_type__ = "procurement_question"
    __share_domain__ = "aankoop"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("procurement_dossiers.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(160), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="Question.tenant_id", lazy="joined")


class DocumentKind(StrEnum):
    """What a dossier document is."""

    BESTEK = "bestek"
    SJABLOON = "sjabloon"
    ANDERE = "andere"


DOCUMENT_KINDS = tuple(DocumentKind)


class Document(Shareable, TimestampMixin, Base):
    """A document shared in a dossier (bestek, template, note); owned by the uploading tenant."""

    __tablename__ = "procurement_documents"
    __share_type__ = "procurement_document"
    __share_domain__ = "aankoop"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "dossier_id", "sha256"),
        check_in("kind", DOCUMENT_KINDS),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    dossier_id: Mapped[int] = mapped_column(ForeignKey("procurement_dossiers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default=DocumentKind.ANDERE)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    author_name: Mapped[str] = mapped_column(String(160), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="Document.tenant_id", lazy="joined")
