"""Agreements, their parties, versions, approvals and evaluations, and the cooperation matrix."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Base, JSONType, Shareable, TenantOwned, TimestampMixin, check_in, in_sql, utcnow
from tenants.models import Tenant

#: Agreement domains: label, the sharing domain an active agreement opens between the parties,
#: and the management domain of the cooperation matrix (seed 003) it counts for.
DOMAINS: dict[str, dict[str, Any]] = {
    "personeel": {"label": _l("Personeel"), "share": "hr", "matrix": "personeel"},
    "financieel": {"label": _l("Financieel"), "share": "financieel", "matrix": "financieel"},
    "ict": {"label": _l("ICT en digitalisering"), "share": "ict", "matrix": "ict"},
    "aankoop": {"label": _l("Aankoop"), "share": "aankoop", "matrix": "aankoop"},
    "materieel": {"label": _l("Materieel en zalen"), "share": "materieel", "matrix": "facility"},
    "communicatie": {"label": _l("Communicatie en mededelingen"), "share": "algemeen", "matrix": "communicatie"},
    "dienstverlening": {"label": _l("Dienstverlening"), "share": "dienstverlening", "matrix": "andere"},
    "organisatiebeheersing": {"label": _l("Organisatiebeheersing"), "share": "organisatie", "matrix": "andere"},
}

#: The management domains of the cooperation matrix, in the seed's order.
MATRIX_DOMAINS: dict[str, Any] = {
    "financieel": _l("Financieel management"),
    "personeel": _l("Personeelsmanagement"),
    "facility": _l("Facility management"),
    "ict": _l("ICT-management"),
    "communicatie": _l("Communicatiemanagement"),
    "aankoop": _l("Gezamenlijke aankoop"),
    "andere": _l("Andere"),
}

LEVELS = {0: _l("geen"), 1: _l("informeel"), 2: _l("formeel")}

LEGAL_FORMS: dict[str, Any] = {
    "overeenkomst": _l("Samenwerkingsovereenkomst zonder rechtspersoonlijkheid"),
    "interlokale_vereniging": _l("Interlokale vereniging"),
    "projectvereniging": _l("Projectvereniging"),
    "dienstverlenende_vereniging": _l("Dienstverlenende vereniging"),
    "opdrachthoudende_vereniging": _l("Opdrachthoudende vereniging"),
}


class AgreementStatus(StrEnum):
    """Where an agreement stands."""

    ONTWERP = "ontwerp"
    TER_GOEDKEURING = "ter_goedkeuring"
    ACTIEF = "actief"
    TE_EVALUEREN = "te_evalueren"
    BEEINDIGD = "beeindigd"


STATUSES: dict[str, Any] = {
    AgreementStatus.ONTWERP: _l("Ontwerp"),
    AgreementStatus.TER_GOEDKEURING: _l("Ter goedkeuring"),
    AgreementStatus.ACTIEF: _l("Actief"),
    AgreementStatus.TE_EVALUEREN: _l("Te evalueren"),
    AgreementStatus.BEEINDIGD: _l("Beëindigd"),
}


class Decision(StrEnum):
    """A party's decision on a version."""

    GOEDGEKEURD = "goedgekeurd"
    AFGEKEURD = "afgekeurd"


class PartyRole(StrEnum):
    """A party's role in an agreement."""

    TREKKER = "trekker"
    PARTNER = "partner"


class EvaluationStatus(StrEnum):
    """Whether an evaluation is still to do."""

    TE_DOEN = "te_doen"
    AFGEROND = "afgerond"


BODIES: dict[str, Any] = {"gemeenteraad": _l("Gemeenteraad"), "college": _l("College van burgemeester en schepenen")}
DECISIONS: dict[str, Any] = {Decision.GOEDGEKEURD: _l("Goedgekeurd"), Decision.AFGEKEURD: _l("Afgekeurd")}
ROLES: dict[str, Any] = {PartyRole.TREKKER: _l("Trekker"), PartyRole.PARTNER: _l("Partner")}

CRITERIA: dict[str, Any] = {
    "doelen": _l("De doelen van de samenwerking worden bereikt"),
    "kosten": _l("De kostenverdeling is billijk"),
    "werking": _l("De praktische samenwerking loopt vlot"),
    "burger": _l("De burger of de diensten merken verbetering"),
}
OUTCOMES: dict[str, Any] = {
    "voortzetten": _l("Voortzetten"),
    "bijsturen": _l("Bijsturen"),
    "stopzetten": _l("Stopzetten"),
}


class Agreement(Shareable, TimestampMixin, Base):
    """A cooperation agreement, owned by its trekker; shared with its parties (and the region)."""

    __tablename__ = "agreements"
    __share_type__ = "agreement"
    __share_domain__ = "overeenkomsten"
    __extra_table_args__ = (
        check_in("status", STATUSES),
        check_in("legal_form", LEGAL_FORMS),
        CheckConstraint("end_date IS NULL OR end_date > start_date", name="end_after_start"),
        CheckConstraint("notice_months >= 0 AND notice_months <= 60", name="notice_months"),
        CheckConstraint("evaluation_months >= 0 AND evaluation_months <= 120", name="evaluation_months"),
        Index("ix_agreements_tenant_status", "tenant_id", "status"),
    )

    title: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str] = mapped_column(String(40))
    domains: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default=AgreementStatus.ONTWERP)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    renewal_rule: Mapped[str] = mapped_column(String(500), default="")
    notice_months: Mapped[int] = mapped_column(default=6)
    cost_key: Mapped[str] = mapped_column(String(500), default="")
    evaluation_months: Mapped[int] = mapped_column(default=12)
    #: The version in force (None before the first approval) and the one awaiting approval.
    current_version: Mapped[int | None]
    proposed_version: Mapped[int | None]
    activated_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="Agreement.tenant_id", lazy="joined")
    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.id", lazy="selectin"
    )
    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementVersion.number"
    )

    def party(self, tenant_id: int | None) -> AgreementParty | None:
        """Return the party row of ``tenant_id`` (None if it is no party)."""
        return next((p for p in self.parties if p.party_tenant_id == tenant_id), None)

    def active_parties(self) -> list[AgreementParty]:
        """Return the parties that have not withdrawn."""
        return [p for p in self.parties if p.withdrawn_on is None]

    @property
    def domain_labels(self) -> list[str]:
        """Return the labels of the agreement's domains."""
        return [str(DOMAINS[d]["label"]) for d in self.domains if d in DOMAINS]


class AgreementParty(Base):
    """A municipality that is party to an agreement (read with the agreement, written by its owner)."""

    __tablename__ = "agreement_parties"
    __table_args__ = (
        UniqueConstraint("agreement_id", "party_tenant_id"),
        check_in("role", ROLES),
        CheckConstraint("withdrawal_effective_on IS NULL OR withdrawn_on IS NOT NULL", name="withdrawal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=PartyRole.PARTNER)
    withdrawn_on: Mapped[date | None]
    withdrawal_effective_on: Mapped[date | None]

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    tenant: Mapped[Tenant] = relationship(lazy="joined")


class AgreementVersion(Base):
    """One version of the agreement text; every version is kept."""

    __tablename__ = "agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "number"), CheckConstraint("number >= 1", name="number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text_html: Mapped[str] = mapped_column(Text, default="")
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    agreement: Mapped[Agreement] = relationship(back_populates="versions")


class AgreementAttachment(Base):
    """A document attached to one version of the agreement (annexes, the signed text)."""

    __tablename__ = "agreement_attachments"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="size"),
        UniqueConstraint("agreement_id", "version", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgreementApproval(Base):
    """One party's own decision on one version: only that party writes it, every party reads it."""

    __tablename__ = "agreement_approvals"
    __table_args__ = (
        UniqueConstraint("agreement_id", "version", "party_tenant_id"),
        check_in("body", BODIES),
        check_in("decision", DECISIONS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    party_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    decided_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="joined")


class Evaluation(Base):
    """A scheduled evaluation of an agreement (created by a task) and its outcome."""

    __tablename__ = "agreement_evaluations"
    __table_args__ = (
        UniqueConstraint("agreement_id", "due_on"),
        check_in("status", EvaluationStatus),
        CheckConstraint(f"outcome IS NULL OR {in_sql('outcome', OUTCOMES)}", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default=EvaluationStatus.TE_DOEN)
    scores: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(20))
    recommendation: Mapped[str] = mapped_column(Text, default="")
    meeting_reference: Mapped[str] = mapped_column(String(300), default="")
    #: The beleidstafel meeting where it was discussed; shown only to readers who see that meeting.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("policy_meetings.id", ondelete="SET NULL"))
    completed_on: Mapped[date | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class InformalCooperation(Shareable, TimestampMixin, Base):
    """Level 1 of the matrix: informal cooperation a municipality records with a partner, with a note."""

    __tablename__ = "informal_cooperations"
    __share_type__ = "informal_cooperation"
    __share_domain__ = "overeenkomsten"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "partner_tenant_id", "domain"),
        check_in("domain", MATRIX_DOMAINS),
        CheckConstraint("partner_tenant_id <> tenant_id", name="other_partner"),
    )

    partner_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    domain: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500))

    tenant: Mapped[Tenant] = relationship(foreign_keys="InformalCooperation.tenant_id", lazy="joined")
    partner: Mapped[Tenant] = relationship(foreign_keys="InformalCooperation.partner_tenant_id", lazy="joined")


class MatrixSnapshot(TenantOwned, Base):
    """The cooperation matrix of a region as one member saw it at the end of a period."""

    __tablename__ = "matrix_snapshots"
    __table_args__ = (UniqueConstraint("tenant_id", "region_id", "period"),)

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))  # e.g. 2026-S2
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: {tenant id: {matrix domain: level}}
    levels: Mapped[dict[str, dict[str, int]]] = mapped_column(JSONType, default=dict)
