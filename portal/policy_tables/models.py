"""Policy tables (beleidstafels), members, meetings, agenda items, proposals and action items."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Base, Shareable, TimestampMixin
from portal.core.notifications import CATEGORIES
from tenants.models import Region, Tenant

CATEGORIES.setdefault("policy_tables", _l("Beleidstafels"))

DOMAIN = "beleidstafels"

THEMES = {
    "burger_welzijn": _l("Burger & Welzijn"),
    "mobiliteit_openbare_werken": _l("Mobiliteit en Openbare werken"),
    "omgeving_klimaat_milieu": _l("Omgeving & klimaat en milieu"),
    "vrije_tijd": _l("Vrije Tijd"),
    "eigen": _l("Ander thema"),
}
ITEM_KINDS = {"informatie": _l("Informatie"), "bespreking": _l("Bespreking"), "beslissing": _l("Beslissing")}
ACTION_STATUSES = {"open": _l("Open"), "bezig": _l("Bezig"), "klaar": _l("Klaar"), "geannuleerd": _l("Geannuleerd")}
OPEN_ACTION_STATUSES = ("open", "bezig")


def _in(values: object) -> str:
    return ", ".join(f"'{v}'" for v in values)  # type: ignore[attr-defined]


class PolicyTable(Shareable, TimestampMixin, Base):
    """A beleidstafel of a region; owned by the chair municipality, shared with the region."""

    __tablename__ = "policy_tables"
    __share_type__ = "policy_table"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "region_id", "name"),
        CheckConstraint(f"theme IN ({_in(THEMES)})", name="theme"),
    )

    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(40))
    description_html: Mapped[str] = mapped_column(Text, default="")
    secretary_name: Mapped[str] = mapped_column(String(200), default="")
    secretary_email: Mapped[str] = mapped_column(String(254), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="PolicyTable.tenant_id", lazy="joined")
    region: Mapped[Region | None] = relationship(foreign_keys="PolicyTable.region_id", lazy="joined")

    @property
    def theme_label(self) -> str:
        """Return the translated theme."""
        return str(THEMES.get(self.theme, self.theme))


class TableMember(Shareable, TimestampMixin, Base):
    """One municipality's seat at a table: its contacts; owned by that municipality."""

    __tablename__ = "policy_table_members"
    __share_type__ = "policy_table_member"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (UniqueConstraint("tenant_id", "table_id"),)

    table_id: Mapped[int] = mapped_column(ForeignKey("policy_tables.id", ondelete="CASCADE"), index=True)
    policy_contact: Mapped[str] = mapped_column(String(300), default="")
    admin_contact: Mapped[str] = mapped_column(String(300), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="TableMember.tenant_id", lazy="joined")


class Meeting(Shareable, TimestampMixin, Base):
    """A meeting of a table, planned by the chair; times stored in UTC, shown in Brussels."""

    __tablename__ = "policy_meetings"
    __share_type__ = "policy_meeting"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_policy_meetings_table_starts", "table_id", "starts_at"),
    )

    table_id: Mapped[int] = mapped_column(ForeignKey("policy_tables.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    agenda_published_at: Mapped[datetime | None]

    table: Mapped[PolicyTable] = relationship(lazy="joined")

    @property
    def is_published(self) -> bool:
        """Tell whether the agenda went out to the members."""
        return self.agenda_published_at is not None


class AgendaItem(Shareable, TimestampMixin, Base):
    """An item on a meeting's agenda; owned by the chair, ordered by ``position``."""

    __tablename__ = "policy_agenda_items"
    __share_type__ = "policy_agenda_item"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        CheckConstraint(f"kind IN ({_in(ITEM_KINDS)})", name="kind"),
        CheckConstraint("position >= 1", name="position"),
        UniqueConstraint("tenant_id", "proposal_id"),
    )

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str] = mapped_column(Text, default="")
    owner_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    # Set when the chair accepted a member's proposal (the proposal stays the member's row).
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("policy_agenda_proposals.id", ondelete="SET NULL"))

    owner_tenant: Mapped[Tenant] = relationship(foreign_keys="AgendaItem.owner_tenant_id", lazy="joined")

    @property
    def kind_label(self) -> str:
        """Return the translated item type."""
        return str(ITEM_KINDS.get(self.kind, self.kind))


class AgendaProposal(Shareable, TimestampMixin, Base):
    """A member's proposal for a meeting's agenda; owned by the proposer, shared with the region."""

    __tablename__ = "policy_agenda_proposals"
    __share_type__ = "policy_agenda_proposal"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (CheckConstraint(f"kind IN ({_in(ITEM_KINDS)})", name="kind"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="AgendaProposal.tenant_id", lazy="joined")

    @property
    def kind_label(self) -> str:
        """Return the translated item type."""
        return str(ITEM_KINDS.get(self.kind, self.kind))


class ActionItem(Shareable, TimestampMixin, Base):
    """An actiepunt agreed at a meeting; owned by the chair, assigned to a municipality."""

    __tablename__ = "policy_action_items"
    __share_type__ = "policy_action_item"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        CheckConstraint(f"status IN ({_in(ACTION_STATUSES)})", name="status"),
        Index("ix_policy_action_items_table_status", "table_id", "status"),
    )

    table_id: Mapped[int] = mapped_column(ForeignKey("policy_tables.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("policy_agenda_items.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    owner_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    owner_person: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")

    owner_tenant: Mapped[Tenant] = relationship(foreign_keys="ActionItem.owner_tenant_id", lazy="joined")
    meeting: Mapped[Meeting] = relationship(foreign_keys="ActionItem.meeting_id")

    @property
    def status_label(self) -> str:
        """Return the translated status."""
        return str(ACTION_STATUSES.get(self.status, self.status))


FOLLOW_UP_STATUSES = {
    "voor_te_leggen": _l("Voor te leggen aan college"),
    "voorgelegd": _l("Voorgelegd"),
    "uitgevoerd": _l("Uitgevoerd"),
    "niet_van_toepassing": _l("Niet van toepassing"),
}


class Decision(Shareable, TimestampMixin, Base):
    """What the table decided on an agenda item; binds no municipality by itself."""

    __tablename__ = "policy_decisions"
    __share_type__ = "policy_decision"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (UniqueConstraint("tenant_id", "agenda_item_id"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("policy_agenda_items.id", ondelete="CASCADE"))
    text_html: Mapped[str] = mapped_column(Text)


class DecisionFollowUp(Shareable, TimestampMixin, Base):
    """One municipality's own follow-up of a decision (e.g. voor te leggen aan college)."""

    __tablename__ = "policy_decision_follow_ups"
    __share_type__ = "policy_decision_follow_up"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "decision_id"),
        CheckConstraint(f"status IN ({_in(FOLLOW_UP_STATUSES)})", name="status"),
        CheckConstraint("status <> 'uitgevoerd' OR done_on IS NOT NULL", name="done_has_date"),
    )

    decision_id: Mapped[int] = mapped_column(ForeignKey("policy_decisions.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    done_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="DecisionFollowUp.tenant_id", lazy="joined")

    @property
    def status_label(self) -> str:
        """Return the translated status."""
        return str(FOLLOW_UP_STATUSES.get(self.status, self.status))
