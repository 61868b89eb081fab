"""One register-item mechanism for the four alignment domains, with typed detail rows, and proposals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.alignment.subjects import SUBJECT_MAX, normalise_subject, tidy_subject
from portal.core.models import Base, JSONType, Shareable, TimestampMixin, check_in, in_sql
from tenants.models import Region, Tenant

#: Sharing domain of every register item and proposal (grants name it, e.g. from an agreement).
DOMAIN = "afstemming"


class ItemKind(StrEnum):
    """What a register item describes."""

    REGLEMENT = "reglement"  # belasting- of retributiereglement
    FINANCIEEL_PROCES = "financieel_proces"
    TOEPASSING = "toepassing"  # application with its ICT contract
    BEVEILIGING = "beveiliging"  # information-security policy
    DIENSTVERLENING = "dienstverlening"  # service-model item (channel, product, opening hours)
    BEHEERSING = "beheersing"  # organisatiebeheersing: a process with its risks and controls


KINDS = tuple(ItemKind)

KIND_LABELS: dict[str, Any] = {
    ItemKind.REGLEMENT: _l("Belasting- of retributiereglement"),
    ItemKind.FINANCIEEL_PROCES: _l("Financieel proces"),
    ItemKind.TOEPASSING: _l("Toepassing en ICT-contract"),
    ItemKind.BEVEILIGING: _l("Informatieveiligheidsbeleid"),
    ItemKind.DIENSTVERLENING: _l("Dienstverleningsmodel"),
    ItemKind.BEHEERSING: _l("Organisatiebeheersing"),
}


class Register(StrEnum):
    """The four registers of seed 002: financieel beleid, digitalisering, dienstverlening, beheersing."""

    FINANCIEN = "financien"
    ICT = "ict"
    DIENSTVERLENING = "dienstverlening"
    BEHEERSING = "beheersing"


#: Each register: its label and the kinds of item it holds.
REGISTERS: dict[str, dict[str, Any]] = {
    Register.FINANCIEN: {
        "label": _l("Financieel beleid"),
        "kinds": (ItemKind.REGLEMENT, ItemKind.FINANCIEEL_PROCES),
    },
    Register.ICT: {"label": _l("Digitalisering"), "kinds": (ItemKind.TOEPASSING, ItemKind.BEVEILIGING)},
    Register.DIENSTVERLENING: {"label": _l("Dienstverleningsmodel"), "kinds": (ItemKind.DIENSTVERLENING,)},
    Register.BEHEERSING: {"label": _l("Organisatiebeheersing"), "kinds": (ItemKind.BEHEERSING,)},
}


def register_of(kind: str) -> str:
    """Return the register a kind of item belongs to."""
    return next(code for code, spec in REGISTERS.items() if kind in spec["kinds"])


class LevyType(StrEnum):
    """A reglement levies a tax or a fee."""

    BELASTING = "belasting"
    RETRIBUTIE = "retributie"


LEVY_LABELS: dict[str, Any] = {LevyType.BELASTING: _l("Belasting"), LevyType.RETRIBUTIE: _l("Retributie")}


class ItemStatus(StrEnum):
    """Where an item stands in its municipality."""

    ONTWERP = "ontwerp"
    ACTIEF = "actief"
    VERVALLEN = "vervallen"


ITEM_STATUSES = tuple(ItemStatus)
ITEM_STATUS_LABELS: dict[str, Any] = {
    ItemStatus.ONTWERP: _l("Ontwerp"),
    ItemStatus.ACTIEF: _l("Van kracht"),
    ItemStatus.VERVALLEN: _l("Vervallen"),
}


class ControlStatus(StrEnum):
    """How far the control of a risk is."""

    ONTBREEKT = "ontbreekt"
    GEPLAND = "gepland"
    IN_WERKING = "in_werking"
    GETEST = "getest"


CONTROL_LABELS: dict[str, Any] = {
    ControlStatus.ONTBREEKT: _l("Geen beheersmaatregel"),
    ControlStatus.GEPLAND: _l("Gepland"),
    ControlStatus.IN_WERKING: _l("In werking"),
    ControlStatus.GETEST: _l("Getest en doeltreffend"),
}


class Quadrant(StrEnum):
    """The four quadrants of a SWOT analysis."""

    STERKTE = "sterkte"
    ZWAKTE = "zwakte"
    KANS = "kans"
    BEDREIGING = "bedreiging"


QUADRANT_LABELS: dict[str, Any] = {
    Quadrant.STERKTE: _l("Sterkte"),
    Quadrant.ZWAKTE: _l("Zwakte"),
    Quadrant.KANS: _l("Opportuniteit"),
    Quadrant.BEDREIGING: _l("Bedreiging"),
}


class ProposalStatus(StrEnum):
    """Where a harmonisation proposal stands."""

    ONTWERP = "ontwerp"
    TER_BESLISSING = "ter_beslissing"
    AFGEROND = "afgerond"
    INGETROKKEN = "ingetrokken"


PROPOSAL_STATUS_LABELS: dict[str, Any] = {
    ProposalStatus.ONTWERP: _l("Ontwerp"),
    ProposalStatus.TER_BESLISSING: _l("Ter beslissing bij de besturen"),
    ProposalStatus.AFGEROND: _l("Afgerond"),
    ProposalStatus.INGETROKKEN: _l("Ingetrokken"),
}


class Decision(StrEnum):
    """One municipality's own decision on a proposal."""

    OPEN = "open"
    GOEDGEKEURD = "goedgekeurd"
    AFGEKEURD = "afgekeurd"
    UITGESTELD = "uitgesteld"


DECISION_LABELS: dict[str, Any] = {
    Decision.OPEN: _l("Nog niet beslist"),
    Decision.GOEDGEKEURD: _l("Goedgekeurd"),
    Decision.AFGEKEURD: _l("Afgekeurd"),
    Decision.UITGESTELD: _l("Uitgesteld"),
}


class Body(StrEnum):
    """The body of a municipality that decides."""

    COLLEGE = "college"
    GEMEENTERAAD = "gemeenteraad"


BODY_LABELS: dict[str, Any] = {
    Body.COLLEGE: _l("College van burgemeester en schepenen"),
    Body.GEMEENTERAAD: _l("Gemeenteraad"),
}


#: A subject with a letter or digit has a key (only an empty subject has an empty key).
SUBJECT_KEY_CHECK = "subject_key <> '' OR subject = ''"


class Subjected:
    """The subject as typed (shown) and its comparison key (compared), set together on every save."""

    #: What the user typed, trimmed and with inner whitespace collapsed: "Tweede verblijven".
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    #: The comparison key, always ``normalise_subject(subject)``: "tweedeverblijven". Never set it directly.
    subject_key: Mapped[str] = mapped_column(String(SUBJECT_MAX))

    @validates("subject")
    def _set_subject(self, _name: str, value: str) -> str:
        subject = tidy_subject(value or "")
        self.subject_key = normalise_subject(subject)
        return subject


class AlignmentItem(Subjected, Shareable, TimestampMixin, Base):
    """One comparable item in a municipality's register; its kind decides which fields it uses."""

    __tablename__ = "alignment_items"
    __share_type__ = "alignment_item"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        check_in("kind", ItemKind),
        check_in("status", ItemStatus),
        CheckConstraint(
            f"(kind = 'reglement' AND {in_sql('category', LevyType)}) OR (kind <> 'reglement' AND category = '')",
            name="category",
        ),
        CheckConstraint(
            "valid_until_on IS NULL OR valid_from_on IS NULL OR valid_until_on >= valid_from_on", name="validity"
        ),
        CheckConstraint("duration_days IS NULL OR duration_days BETWEEN 0 AND 3650", name="duration_days"),
        CheckConstraint("users_count IS NULL OR users_count >= 0", name="users_count"),
        CheckConstraint("map_size IS NULL OR map_size > 0", name="map_size"),
        Index("ix_alignment_items_tenant_kind", "tenant_id", "kind"),
        Index("ix_alignment_items_kind_subject_key", "kind", "subject_key"),
        CheckConstraint(SUBJECT_KEY_CHECK, name="subject_key"),
    )

    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default=ItemStatus.ACTIEF)
    valid_from_on: Mapped[date | None] = mapped_column(Date)
    valid_until_on: Mapped[date | None] = mapped_column(Date)
    decision_url: Mapped[str] = mapped_column(String(500), default="")
    exemptions: Mapped[str] = mapped_column(Text, default="")
    # Financial process
    steps: Mapped[list[str]] = mapped_column(JSONType, default=list)
    duration_days: Mapped[int | None] = mapped_column(Integer)
    # Application / ICT contract (the contract may come from the procurement contract register)
    supplier: Mapped[str] = mapped_column(String(200), default="")
    contract_end_on: Mapped[date | None] = mapped_column(Date)
    users_count: Mapped[int | None] = mapped_column(Integer)
    data_processed: Mapped[str] = mapped_column(String(500), default="")
    procurement_lot_id: Mapped[int | None] = mapped_column(
        ForeignKey("procurement_lots.id", ondelete="SET NULL"), index=True
    )
    # Service model
    channels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    opening_hours: Mapped[str] = mapped_column(String(500), default="")
    # Process map (BPMN or PDF)
    map_filename: Mapped[str | None] = mapped_column(String(200))
    map_content_type: Mapped[str | None] = mapped_column(String(100))
    map_size: Mapped[int | None] = mapped_column(Integer)
    map_storage_key: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="AlignmentItem.tenant_id", lazy="joined")
    region: Mapped[Region | None] = relationship(foreign_keys="AlignmentItem.region_id", lazy="joined")
    tariff_lines: Mapped[list[TariffLine]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="TariffLine.position", lazy="selectin"
    )
    risks: Mapped[list[Risk]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Risk.id", lazy="selectin"
    )
    swot: Mapped[list[SwotEntry]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="SwotEntry.id", lazy="selectin"
    )

    @property
    def register(self) -> str:
        """Return the register code of the item."""
        return register_of(self.kind)

    @property
    def kind_label(self) -> str:
        """Return the translated kind."""
        return str(KIND_LABELS.get(self.kind, self.kind))


class TariffLine(Base):
    """One tariff of a reglement: an amount per unit (read with the item, written by its owner)."""

    __tablename__ = "alignment_tariff_lines"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("position >= 0", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("alignment_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit: Mapped[str] = mapped_column(String(60))

    item: Mapped[AlignmentItem] = relationship(back_populates="tariff_lines")


class Risk(Base):
    """A risk of an organisatiebeheersing process, scored likelihood x impact, with its control."""

    __tablename__ = "alignment_risks"
    __table_args__ = (
        CheckConstraint("likelihood BETWEEN 1 AND 5", name="likelihood"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="impact"),
        check_in("control_status", ControlStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("alignment_items.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    control: Mapped[str] = mapped_column(String(500), default="")
    control_status: Mapped[str] = mapped_column(String(12), default=ControlStatus.ONTBREEKT)

    item: Mapped[AlignmentItem] = relationship(back_populates="risks")

    @property
    def score(self) -> int:
        """Return likelihood times impact (1-25)."""
        return self.likelihood * self.impact


class SwotEntry(Base):
    """One point of the SWOT analysis of a municipality's service model."""

    __tablename__ = "alignment_swot_entries"
    __table_args__ = (check_in("quadrant", Quadrant),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("alignment_items.id", ondelete="CASCADE"), index=True)
    quadrant: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(String(500))

    item: Mapped[AlignmentItem] = relationship(back_populates="swot")


class Proposal(Subjected, Shareable, TimestampMixin, Base):
    """A harmonisation proposal, owned by the municipality that opens it, shared with its parties."""

    __tablename__ = "alignment_proposals"
    __share_type__ = "alignment_proposal"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        check_in("kind", ItemKind),
        check_in("status", ProposalStatus),
        CheckConstraint("target_amount IS NULL OR target_amount >= 0", name="target_amount"),
        Index("ix_alignment_proposals_tenant_status", "tenant_id", "status"),
        Index("ix_alignment_proposals_kind_subject_key", "kind", "subject_key"),
        CheckConstraint(SUBJECT_KEY_CHECK, name="subject_key"),
    )

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text, default="")
    proposed_value: Mapped[str] = mapped_column(String(300), default="")
    target_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    unit: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.ONTWERP)
    #: The compared items the proposal starts from (ids; only the visible ones are shown).
    item_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("policy_meetings.id", ondelete="SET NULL"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="SET NULL"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("procurement_dossiers.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="Proposal.tenant_id", lazy="joined")
    parties: Mapped[list[ProposalParty]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalParty.id", lazy="selectin"
    )

    def party(self, tenant_id: int | None) -> ProposalParty | None:
        """Return the party row of ``tenant_id`` (None when it is no party)."""
        return next((p for p in self.parties if p.party_tenant_id == tenant_id), None)

    @property
    def kind_label(self) -> str:
        """Return the translated kind."""
        return str(KIND_LABELS.get(self.kind, self.kind))


class ProposalParty(Base):
    """One municipality's place in a proposal and its own decision (only that municipality writes it)."""

    __tablename__ = "alignment_proposal_parties"
    __table_args__ = (
        UniqueConstraint("proposal_id", "party_tenant_id"),
        check_in("decision", Decision),
        CheckConstraint(f"body IS NULL OR {in_sql('body', Body)}", name="body"),
        CheckConstraint("decision = 'open' OR (body IS NOT NULL AND decided_on IS NOT NULL)", name="decided"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("alignment_proposals.id", ondelete="CASCADE"), index=True)
    party_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    decision: Mapped[str] = mapped_column(String(12), default=Decision.OPEN)
    body: Mapped[str | None] = mapped_column(String(20))
    decided_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None] = mapped_column(default=None)

    proposal: Mapped[Proposal] = relationship(back_populates="parties")
    tenant: Mapped[Tenant] = relationship(lazy="joined")


#: Who besides the owner reads an item or proposal (the foundation's audiences).
AUDIENCE_CHOICES = ("own", "region", "partners")
