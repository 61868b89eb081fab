"""Policy tables (beleidstafels), members, meetings, agenda items, proposals and action items."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Base, JSONType, Shareable, TimestampMixin, check_in, in_sql, utcnow
from portal.core.notifications import CATEGORIES
from tenants.models import Region, Tenant

CATEGORIES.setdefault("policy_tables", _l("Beleidstafels"))

DOMAIN = "beleidstafels"


class Theme(StrEnum):
    """The policy domain of a table."""

    BURGER_WELZIJN = "burger_welzijn"
    MOBILITEIT_OPENBARE_WERKEN = "mobiliteit_openbare_werken"
    OMGEVING_KLIMAAT_MILIEU = "omgeving_klimaat_milieu"
    VRIJE_TIJD = "vrije_tijd"
    EIGEN = "eigen"


THEMES: dict[str, Any] = {
    Theme.BURGER_WELZIJN: _l("Burger & Welzijn"),
    Theme.MOBILITEIT_OPENBARE_WERKEN: _l("Mobiliteit en Openbare werken"),
    Theme.OMGEVING_KLIMAAT_MILIEU: _l("Omgeving & klimaat en milieu"),
    Theme.VRIJE_TIJD: _l("Vrije Tijd"),
    Theme.EIGEN: _l("Ander thema"),
}


class ItemKind(StrEnum):
    """The type of an agenda item (or proposal)."""

    INFORMATIE = "informatie"
    BESPREKING = "bespreking"
    BESLISSING = "beslissing"


ITEM_KINDS: dict[str, Any] = {
    ItemKind.INFORMATIE: _l("Informatie"),
    ItemKind.BESPREKING: _l("Bespreking"),
    ItemKind.BESLISSING: _l("Beslissing"),
}


class ActionStatus(StrEnum):
    """Where an action item stands."""

    OPEN = "open"
    BEZIG = "bezig"
    KLAAR = "klaar"
    GEANNULEERD = "geannuleerd"


ACTION_STATUSES: dict[str, Any] = {
    ActionStatus.OPEN: _l("Open"),
    ActionStatus.BEZIG: _l("Bezig"),
    ActionStatus.KLAAR: _l("Klaar"),
    ActionStatus.GEANNULEERD: _l("Geannuleerd"),
}
OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.BEZIG)


class MeetingRepeat(StrEnum):
    """How a series of meetings recurs."""

    WEKELIJKS = "wekelijks"
    TWEEWEKELIJKS = "tweewekelijks"
    MAANDELIJKS = "maandelijks"


MEETING_REPEATS: dict[str, Any] = {
    MeetingRepeat.WEKELIJKS: _l("Wekelijks"),
    MeetingRepeat.TWEEWEKELIJKS: _l("Om de twee weken"),
    MeetingRepeat.MAANDELIJKS: _l("Maandelijks"),
}


class PolicyTable(Shareable, TimestampMixin, Base):
    """A beleidstafel of a region; owned by the chair municipality, shared with the region."""

    __tablename__ = "policy_tables"
    __share_type__ = "policy_table"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "region_id", "name"),
        check_in("theme", Theme),
        CheckConstraint("publish_days_before BETWEEN 0 AND 60", name="publish_days_before"),
    )

    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(40))
    description_html: Mapped[str] = mapped_column(Text, default="")
    secretary_name: Mapped[str] = mapped_column(String(200), default="")
    secretary_email: Mapped[str] = mapped_column(String(254), default="")
    # The agenda goes out automatically this many days before a meeting (0: only by hand).
    publish_days_before: Mapped[int] = mapped_column(Integer, default=7, server_default="7")

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
        Index("ix_policy_meetings_region_starts", "region_id", "starts_at"),  # calendar, feed (0016)
    )

    table_id: Mapped[int] = mapped_column(ForeignKey("policy_tables.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    agenda_published_at: Mapped[datetime | None]
    # Meetings planned together as a recurring series share this key.
    series_key: Mapped[str] = mapped_column(String(32), default="", server_default="")

    table: Mapped[PolicyTable] = relationship(lazy="joined")
    #: The agenda in order (read-only; ``agenda_of`` reads the same rows): lets a list of
    #: meetings load all their agendas in one query.
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        viewonly=True, order_by=lambda: (AgendaItem.position, AgendaItem.id)
    )

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
        check_in("kind", ItemKind),
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
    __extra_table_args__ = (check_in("kind", ItemKind),)

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
        check_in("status", ActionStatus),
        Index("ix_policy_action_items_table_status", "table_id", "status"),
    )

    table_id: Mapped[int] = mapped_column(ForeignKey("policy_tables.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("policy_agenda_items.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    owner_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    owner_person: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN)

    owner_tenant: Mapped[Tenant] = relationship(foreign_keys="ActionItem.owner_tenant_id", lazy="joined")
    meeting: Mapped[Meeting] = relationship(foreign_keys="ActionItem.meeting_id")

    @property
    def status_label(self) -> str:
        """Return the translated status."""
        return str(ACTION_STATUSES.get(self.status, self.status))


class FollowUpStatus(StrEnum):
    """Where a municipality's follow-up of a decision stands."""

    VOOR_TE_LEGGEN = "voor_te_leggen"
    VOORGELEGD = "voorgelegd"
    UITGEVOERD = "uitgevoerd"
    NIET_VAN_TOEPASSING = "niet_van_toepassing"


FOLLOW_UP_STATUSES: dict[str, Any] = {
    FollowUpStatus.VOOR_TE_LEGGEN: _l("Voor te leggen aan college"),
    FollowUpStatus.VOORGELEGD: _l("Voorgelegd"),
    FollowUpStatus.UITGEVOERD: _l("Uitgevoerd"),
    FollowUpStatus.NIET_VAN_TOEPASSING: _l("Niet van toepassing"),
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
        check_in("status", FollowUpStatus),
        CheckConstraint(f"status <> '{FollowUpStatus.UITGEVOERD}' OR done_on IS NOT NULL", name="done_has_date"),
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


class MinutesStatus(StrEnum):
    """Where the notulen stand; each step widens the readers."""

    ONTWERP = "ontwerp"
    TER_OPMERKING = "ter_opmerking"
    GOEDGEKEURD = "goedgekeurd"
    GEPUBLICEERD = "gepubliceerd"


MINUTES_STATUSES: dict[str, Any] = {
    MinutesStatus.ONTWERP: _l("Ontwerp"),
    MinutesStatus.TER_OPMERKING: _l("Ter opmerking bij de aanwezigen"),
    MinutesStatus.GOEDGEKEURD: _l("Goedgekeurd"),
    MinutesStatus.GEPUBLICEERD: _l("Gepubliceerd"),
}
EDITABLE_MINUTES_STATUSES = (MinutesStatus.ONTWERP, MinutesStatus.TER_OPMERKING)


class Minutes(Shareable, TimestampMixin, Base):
    """The notulen of a meeting, owned by the chair; readers widen with the status.

    Ontwerp: the chair only; ter opmerking and goedgekeurd: the chair and the attending
    municipalities (per-object grants); gepubliceerd: the whole region.
    """

    __tablename__ = "policy_minutes"
    __share_type__ = "policy_minutes"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "meeting_id"),
        check_in("status", MinutesStatus),
        CheckConstraint("current_version >= 1", name="current_version"),
        CheckConstraint(
            f"{in_sql('status', EDITABLE_MINUTES_STATUSES)} OR approved_at_meeting_id IS NOT NULL",
            name="approved_has_meeting",
        ),
        CheckConstraint(
            f"status <> '{MinutesStatus.GEPUBLICEERD}' OR published_at IS NOT NULL", name="published_has_date"
        ),
    )

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=MinutesStatus.ONTWERP)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime | None]
    approved_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("policy_meetings.id", ondelete="RESTRICT"))
    approved_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(foreign_keys="Minutes.meeting_id", lazy="joined")
    approved_at_meeting: Mapped[Meeting | None] = relationship(foreign_keys="Minutes.approved_at_meeting_id")

    @property
    def status_label(self) -> str:
        """Return the translated status."""
        return str(MINUTES_STATUSES.get(self.status, self.status))

    @property
    def is_editable(self) -> bool:
        """Tell whether the chair may still write a new version."""
        return self.status in EDITABLE_MINUTES_STATUSES


class MinutesVersion(Shareable, Base):
    """One saved text of the notulen; versions are never changed, a new save adds one."""

    __tablename__ = "policy_minutes_versions"
    __share_type__ = "policy_minutes_version"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "minutes_id", "number"),
        CheckConstraint("number >= 1", name="number"),
    )

    minutes_id: Mapped[int] = mapped_column(ForeignKey("policy_minutes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    body_html: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MinutesRemark(Shareable, TimestampMixin, Base):
    """An attending municipality's remark on the notulen; its own row, shared with the chair."""

    __tablename__ = "policy_minutes_remarks"
    __share_type__ = "policy_minutes_remark"
    __share_domain__ = DOMAIN

    minutes_id: Mapped[int] = mapped_column(ForeignKey("policy_minutes.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(String(2000))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="MinutesRemark.tenant_id", lazy="joined")


class CalendarToken(Base):
    """A secret, revocable token of one user's personal iCal feed (stored as a SHA-256 hash)."""

    __tablename__ = "policy_calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class LegalForm(StrEnum):
    """The legal form of an existing cooperation in the inventory."""

    INTERCOMMUNALE = "intercommunale"
    POLITIEZONE = "politiezone"
    BRANDWEERZONE = "brandweerzone"
    PROJECTVERENIGING = "projectvereniging"
    DIENSTVERLENENDE_VERENIGING = "dienstverlenende_vereniging"
    OPDRACHTHOUDENDE_VERENIGING = "opdrachthoudende_vereniging"
    INTERLOKALE_VERENIGING = "interlokale_vereniging"
    INFORMEEL = "informeel"


LEGAL_FORMS: dict[str, Any] = {
    LegalForm.INTERCOMMUNALE: _l("Intercommunale"),
    LegalForm.POLITIEZONE: _l("Politiezone"),
    LegalForm.BRANDWEERZONE: _l("Brandweerzone"),
    LegalForm.PROJECTVERENIGING: _l("Projectvereniging"),
    LegalForm.DIENSTVERLENENDE_VERENIGING: _l("Dienstverlenende vereniging"),
    LegalForm.OPDRACHTHOUDENDE_VERENIGING: _l("Opdrachthoudende vereniging"),
    LegalForm.INTERLOKALE_VERENIGING: _l("Interlokale vereniging"),
    LegalForm.INFORMEEL: _l("Informele samenwerking"),
}


class Recommendation(StrEnum):
    """What an evaluation recommends for a cooperation."""

    VOORTZETTEN = "voortzetten"
    BIJSTUREN = "bijsturen"
    STOPZETTEN = "stopzetten"


RECOMMENDATIONS: dict[str, Any] = {
    Recommendation.VOORTZETTEN: _l("Voortzetten"),
    Recommendation.BIJSTUREN: _l("Bijsturen"),
    Recommendation.STOPZETTEN: _l("Stopzetten"),
}
#: Evaluation criteria, each scored 1 (zwak) to 5 (sterk); the keys are column names.
CRITERIA = {
    "score_effectiveness": _l("Doeltreffendheid"),
    "score_efficiency": _l("Kostenefficiëntie"),
    "score_service": _l("Dienstverlening aan de burger"),
    "score_governance": _l("Sturing en democratische controle"),
}


class Cooperation(Shareable, TimestampMixin, Base):
    """An existing cooperation in the region's inventory (art. 8 Regiodecreet); owned by who registered it."""

    __tablename__ = "policy_cooperations"
    __share_type__ = "policy_cooperation"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        check_in("legal_form", LegalForm),
        CheckConstraint("kbo_number = '' OR length(kbo_number) = 10", name="kbo_length"),
    )

    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str] = mapped_column(String(40))
    domain: Mapped[str] = mapped_column(String(200), default="")
    # Ids of the participating municipalities of the region (the registering one included).
    partner_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    other_partners: Mapped[str] = mapped_column(String(500), default="")
    kbo_number: Mapped[str] = mapped_column(String(10), default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    contact: Mapped[str] = mapped_column(String(300), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="Cooperation.tenant_id", lazy="joined")

    @property
    def legal_form_label(self) -> str:
        """Return the translated legal form."""
        return str(LEGAL_FORMS.get(self.legal_form, self.legal_form))


class CooperationEvaluation(Shareable, TimestampMixin, Base):
    """An evaluation of a cooperation at a table meeting; owned by the chair of that meeting."""

    __tablename__ = "policy_cooperation_evaluations"
    __share_type__ = "policy_cooperation_evaluation"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        check_in("recommendation", Recommendation),
        *(CheckConstraint(f"{c} BETWEEN 1 AND 5", name=c) for c in CRITERIA),
    )

    cooperation_id: Mapped[int] = mapped_column(ForeignKey("policy_cooperations.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    score_effectiveness: Mapped[int] = mapped_column(Integer)
    score_efficiency: Mapped[int] = mapped_column(Integer)
    score_service: Mapped[int] = mapped_column(Integer)
    score_governance: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(String(20))

    meeting: Mapped[Meeting] = relationship(foreign_keys="CooperationEvaluation.meeting_id", lazy="joined")

    @property
    def recommendation_label(self) -> str:
        """Return the translated recommendation."""
        return str(RECOMMENDATIONS.get(self.recommendation, self.recommendation))

    @property
    def average(self) -> float:
        """Return the mean score over the criteria."""
        return sum(getattr(self, c) for c in CRITERIA) / len(CRITERIA)


class RsvpAnswer(StrEnum):
    """An answer to a meeting invitation."""

    JA = "ja"
    NEE = "nee"
    MISSCHIEN = "misschien"


RSVP_ANSWERS: dict[str, Any] = {
    RsvpAnswer.JA: _l("Ik kom"),
    RsvpAnswer.NEE: _l("Ik kom niet"),
    RsvpAnswer.MISSCHIEN: _l("Misschien"),
}
#: An invited expert's answer before they gave one.
NO_ANSWER = "open"
GUEST_ANSWERS = (NO_ANSWER, *RsvpAnswer)


class MeetingGuest(Shareable, TimestampMixin, Base):
    """An external expert invited by e-mail; a secret link opens this one meeting and nothing else.

    Owned by the chair and not shared: the expert's e-mail address stays with the chair.
    """

    __tablename__ = "policy_meeting_guests"
    __share_type__ = "policy_meeting_guest"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "meeting_id", "email"),
        check_in("answer", GUEST_ANSWERS),
    )

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answer: Mapped[str] = mapped_column(String(12), default=NO_ANSWER)
    answered_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(foreign_keys="MeetingGuest.meeting_id", lazy="joined")

    @property
    def answer_label(self) -> str:
        """Return the translated answer."""
        return str(RSVP_ANSWERS.get(self.answer, _l("Nog geen antwoord")))


class MeetingResponse(Shareable, TimestampMixin, Base):
    """A member's answer to the invitation (RSVP): the responding municipality's own row."""

    __tablename__ = "policy_meeting_responses"
    __share_type__ = "policy_meeting_response"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "meeting_id", "user_id"),
        check_in("answer", RsvpAnswer),
    )

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(300), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="MeetingResponse.tenant_id", lazy="joined")

    @property
    def answer_label(self) -> str:
        """Return the translated answer."""
        return str(RSVP_ANSWERS.get(self.answer, self.answer))


class MeetingAttendance(Shareable, Base):
    """One person present at a meeting, registered by the chair (a member's user or an invited expert)."""

    __tablename__ = "policy_meeting_attendances"
    __share_type__ = "policy_meeting_attendance"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "meeting_id", "user_id"),
        UniqueConstraint("tenant_id", "meeting_id", "guest_id"),
        CheckConstraint("(user_id IS NULL) <> (guest_id IS NULL)", name="one_person"),
        CheckConstraint("user_id IS NULL OR attendee_tenant_id IS NOT NULL", name="member_has_tenant"),
    )

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("policy_meeting_guests.id", ondelete="CASCADE"))
    attendee_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))

    attendee_tenant: Mapped[Tenant | None] = relationship(
        foreign_keys="MeetingAttendance.attendee_tenant_id", lazy="joined"
    )


class ChallengeStatus(StrEnum):
    """Where a common challenge stands."""

    IDEE = "idee"
    ONDERZOCHT = "onderzocht"
    OPGESTART = "opgestart"
    AFGEVOERD = "afgevoerd"


CHALLENGE_STATUSES: dict[str, Any] = {
    ChallengeStatus.IDEE: _l("Idee"),
    ChallengeStatus.ONDERZOCHT: _l("Onderzocht"),
    ChallengeStatus.OPGESTART: _l("Samenwerking opgestart"),
    ChallengeStatus.AFGEVOERD: _l("Afgevoerd"),
}
#: Allowed status moves: idee -> onderzocht -> opgestart; afgevoerd from idee or onderzocht.
CHALLENGE_MOVES: dict[str, tuple[ChallengeStatus, ...]] = {
    ChallengeStatus.IDEE: (ChallengeStatus.ONDERZOCHT, ChallengeStatus.AFGEVOERD),
    ChallengeStatus.ONDERZOCHT: (ChallengeStatus.OPGESTART, ChallengeStatus.AFGEVOERD, ChallengeStatus.IDEE),
}


class ResultKind(StrEnum):
    """What a started challenge led to."""

    OVEREENKOMST = "overeenkomst"
    AANKOOP = "aankoop"
    PERSONEEL = "personeel"
    MATERIEEL = "materieel"
    ANDER = "ander"


RESULT_KINDS: dict[str, Any] = {
    ResultKind.OVEREENKOMST: _l("Samenwerkingsovereenkomst"),
    ResultKind.AANKOOP: _l("Gezamenlijke aankoop"),
    ResultKind.PERSONEEL: _l("Personeel (vacature, gedeelde functie)"),
    ResultKind.MATERIEEL: _l("Materieel en zalen"),
    ResultKind.ANDER: _l("Ander resultaat"),
}


class Challenge(Shareable, TimestampMixin, Base):
    """A common challenge or opportunity at a table; owned by the municipality that raised it."""

    __tablename__ = "policy_challenges"
    __share_type__ = "policy_challenge"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        check_in("status", ChallengeStatus),
        CheckConstraint(f"result_kind = '' OR {in_sql('result_kind', ResultKind)}", name="result_kind"),
        CheckConstraint(f"status <> '{ChallengeStatus.OPGESTART}' OR result_kind <> ''", name="started_has_result"),
    )

    table_id: Mapped[int] = mapped_column(ForeignKey("policy_tables.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ChallengeStatus.IDEE)
    result_kind: Mapped[str] = mapped_column(String(20), default="")
    # A portal path without the tenant slug (each reader adds their own), or an https link.
    result_link: Mapped[str] = mapped_column(String(500), default="")
    result_note: Mapped[str] = mapped_column(String(300), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="Challenge.tenant_id", lazy="joined")

    @property
    def status_label(self) -> str:
        """Return the translated status."""
        return str(CHALLENGE_STATUSES.get(self.status, self.status))

    @property
    def result_kind_label(self) -> str:
        """Return the translated kind of result."""
        return str(RESULT_KINDS.get(self.result_kind, ""))


class TableDocument(Shareable, TimestampMixin, Base):
    """A file in a table's library; owned by the municipality that uploaded it, shared with the region."""

    __tablename__ = "policy_table_documents"
    __share_type__ = "policy_table_document"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (CheckConstraint("size > 0", name="size"),)

    table_id: Mapped[int] = mapped_column(ForeignKey("policy_tables.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set for an attachment of an agenda item (the item stays the chair's row).
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("policy_agenda_items.id", ondelete="SET NULL"), index=True
    )

    tenant: Mapped[Tenant] = relationship(foreign_keys="TableDocument.tenant_id", lazy="joined")
