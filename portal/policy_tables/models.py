"""Policy tables (beleidstafels), members, meetings, agenda items, proposals and action items."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import Base, JSONType, Shareable, TimestampMixin, utcnow
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
MEETING_REPEATS = {
    "wekelijks": _l("Wekelijks"),
    "tweewekelijks": _l("Om de twee weken"),
    "maandelijks": _l("Maandelijks"),
}


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


MINUTES_STATUSES = {
    "ontwerp": _l("Ontwerp"),
    "ter_opmerking": _l("Ter opmerking bij de aanwezigen"),
    "goedgekeurd": _l("Goedgekeurd"),
    "gepubliceerd": _l("Gepubliceerd"),
}
EDITABLE_MINUTES_STATUSES = ("ontwerp", "ter_opmerking")


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
        CheckConstraint(f"status IN ({_in(MINUTES_STATUSES)})", name="status"),
        CheckConstraint("current_version >= 1", name="current_version"),
        CheckConstraint(
            "status IN ('ontwerp', 'ter_opmerking') OR approved_at_meeting_id IS NOT NULL",
            name="approved_has_meeting",
        ),
        CheckConstraint("status <> 'gepubliceerd' OR published_at IS NOT NULL", name="published_has_date"),
    )

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="ontwerp")
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


LEGAL_FORMS = {
    "intercommunale": _l("Intercommunale"),
    "politiezone": _l("Politiezone"),
    "brandweerzone": _l("Brandweerzone"),
    "projectvereniging": _l("Projectvereniging"),
    "dienstverlenende_vereniging": _l("Dienstverlenende vereniging"),
    "opdrachthoudende_vereniging": _l("Opdrachthoudende vereniging"),
    "interlokale_vereniging": _l("Interlokale vereniging"),
    "informeel": _l("Informele samenwerking"),
}
RECOMMENDATIONS = {"voortzetten": _l("Voortzetten"), "bijsturen": _l("Bijsturen"), "stopzetten": _l("Stopzetten")}
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
        CheckConstraint(f"legal_form IN ({_in(LEGAL_FORMS)})", name="legal_form"),
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
        CheckConstraint(f"recommendation IN ({_in(RECOMMENDATIONS)})", name="recommendation"),
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


RSVP_ANSWERS = {"ja": _l("Ik kom"), "nee": _l("Ik kom niet"), "misschien": _l("Misschien")}


class MeetingGuest(Shareable, TimestampMixin, Base):
    """An external expert invited by e-mail; a secret link opens this one meeting and nothing else.

    Owned by the chair and not shared: the expert's e-mail address stays with the chair.
    """

    __tablename__ = "policy_meeting_guests"
    __share_type__ = "policy_meeting_guest"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "meeting_id", "email"),
        CheckConstraint(f"answer IN ('open', {_in(RSVP_ANSWERS)})", name="answer"),
    )

    meeting_id: Mapped[int] = mapped_column(ForeignKey("policy_meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answer: Mapped[str] = mapped_column(String(12), default="open")
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
        CheckConstraint(f"answer IN ({_in(RSVP_ANSWERS)})", name="answer"),
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


CHALLENGE_STATUSES = {
    "idee": _l("Idee"),
    "onderzocht": _l("Onderzocht"),
    "opgestart": _l("Samenwerking opgestart"),
    "afgevoerd": _l("Afgevoerd"),
}
#: Allowed status moves: idee -> onderzocht -> opgestart; afgevoerd from idee or onderzocht.
CHALLENGE_MOVES = {"idee": ("onderzocht", "afgevoerd"), "onderzocht": ("opgestart", "afgevoerd", "idee")}
RESULT_KINDS = {
    "overeenkomst": _l("Samenwerkingsovereenkomst"),
    "aankoop": _l("Gezamenlijke aankoop"),
    "personeel": _l("Personeel (vacature, gedeelde functie)"),
    "materieel": _l("Materieel en zalen"),
    "ander": _l("Ander resultaat"),
}


class Challenge(Shareable, TimestampMixin, Base):
    """A common challenge or opportunity at a table; owned by the municipality that raised it."""

    __tablename__ = "policy_challenges"
    __share_type__ = "policy_challenge"
    __share_domain__ = DOMAIN
    __extra_table_args__ = (
        CheckConstraint(f"status IN ({_in(CHALLENGE_STATUSES)})", name="status"),
        CheckConstraint(f"result_kind = '' OR result_kind IN ({_in(RESULT_KINDS)})", name="result_kind"),
        CheckConstraint("status <> 'opgestart' OR result_kind <> ''", name="started_has_result"),
    )

    table_id: Mapped[int] = mapped_column(ForeignKey("policy_tables.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="idee")
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
