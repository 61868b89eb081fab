"""HR models: vacancies, applications, staff sharing, trainings and their enrolments, settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.core.models import Base, Shareable, TenantOwned, TimestampMixin, check_in, utcnow
from tenants.models import Region, Tenant

GRADES = (
    "E1", "E2", "E3", "D1", "D2", "D3", "D4", "C1", "C2", "C3", "C4", "C5",
    "B1", "B2", "B3", "B4", "B5", "A1a", "A1b", "A2a", "A2b", "A3a", "A4a", "A4b", "A5a",
)  # fmt: skip


class Employment(StrEnum):
    """How the person in a vacancy is employed."""

    STATUTAIR = "statutair"
    CONTRACTUEEL = "contractueel"


class VacancyKind(StrEnum):
    """What a vacancy is for: external recruitment, internal mobility or a post shared by municipalities."""

    EXTERN = "extern"
    INTERN = "intern"
    GEDEELD = "gedeeld"


class VacancyStatus(StrEnum):
    """Where a vacancy stands."""

    CONCEPT = "concept"
    GEPUBLICEERD = "gepubliceerd"
    AFGESLOTEN = "afgesloten"
    INGEVULD = "ingevuld"
    GEANNULEERD = "geannuleerd"


class ApplicationStatus(StrEnum):
    """The step of an application in the recruitment pipeline."""

    ONTVANGEN = "ontvangen"
    SCREENING = "screening"
    TEST = "test"
    GESPREK = "gesprek"
    AANBOD = "aanbod"
    AANGEWORVEN = "aangeworven"
    AFGEWEZEN = "afgewezen"


class ApplicationSource(StrEnum):
    """Who applied: an outside candidate (public form) or a signed-in staff member."""

    EXTERN = "extern"
    INTERN = "intern"


EMPLOYMENTS = tuple(Employment)
KINDS = tuple(VacancyKind)
VACANCY_STATUSES = tuple(VacancyStatus)
APPLICATION_STATUSES = tuple(ApplicationStatus)
SOURCES = tuple(ApplicationSource)
#: A vacancy that no longer takes applications nor changes.
CLOSED_VACANCY_STATUSES = (VacancyStatus.AFGESLOTEN, VacancyStatus.INGEVULD, VacancyStatus.GEANNULEERD)
#: A vacancy that may still be edited.
OPEN_VACANCY_STATUSES = (VacancyStatus.CONCEPT, VacancyStatus.GEPUBLICEERD)
#: The kinds an outside candidate may apply to through the public pages.
PUBLIC_KINDS = (VacancyKind.EXTERN, VacancyKind.GEDEELD)


class Vacancy(Shareable, TimestampMixin, Base):
    """A vacature of one municipality: external recruitment, internal mobility or a shared post."""

    __tablename__ = "vacancies"
    __share_type__ = "vacancy"
    __share_domain__ = "hr"
    __extra_table_args__ = (
        check_in("grade", GRADES),
        check_in("employment", Employment),
        check_in("kind", VacancyKind),
        check_in("status", VacancyStatus),
        CheckConstraint("percentage BETWEEN 1 AND 100", name="percentage"),
        CheckConstraint("salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max", name="salary_range"),
        Index("ix_vacancies_tenant_status", "tenant_id", "status"),
    )

    title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(120), default="")
    function_name: Mapped[str] = mapped_column(String(120), default="")
    grade: Mapped[str] = mapped_column(String(4))
    employment: Mapped[str] = mapped_column(String(12), default=Employment.CONTRACTUEEL)
    percentage: Mapped[int] = mapped_column(default=100)
    salary_min: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    salary_max: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    description_html: Mapped[str] = mapped_column(Text, default="")
    profile_html: Mapped[str] = mapped_column(Text, default="")
    selection_steps: Mapped[str] = mapped_column(Text, default="")
    deadline_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10), default=VacancyKind.EXTERN)
    status: Mapped[str] = mapped_column(String(14), default=VacancyStatus.CONCEPT)
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
        check_in("status", ApplicationStatus),
        check_in("source", ApplicationSource),
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
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.ONTVANGEN)
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


# -- staff sharing (terbeschikkingstelling) -------------------------------------------------------


class SharingStatus(StrEnum):
    """Where a terbeschikkingstelling stands (both ADs approve before it holds)."""

    AANGEVRAAGD = "aangevraagd"
    GOEDGEKEURD = "goedgekeurd"
    GEWEIGERD = "geweigerd"
    INGETROKKEN = "ingetrokken"


class Decision(StrEnum):
    """One AD's decision on a terbeschikkingstelling."""

    OPEN = "open"
    GOEDGEKEURD = "goedgekeurd"
    GEWEIGERD = "geweigerd"


SHARING_STATUSES = tuple(SharingStatus)
DECISIONS = tuple(Decision)
#: A terbeschikkingstelling that still counts (asked or approved).
LIVE_SHARING_STATUSES = (SharingStatus.AANGEVRAAGD, SharingStatus.GOEDGEKEURD)


def _sharing_checks() -> tuple[Any, ...]:
    return (
        CheckConstraint("share_percent BETWEEN 1 AND 100", name="share_percent"),
        CheckConstraint("host_cost_percent BETWEEN 0 AND 100", name="host_cost_percent"),
        CheckConstraint("ends_on >= starts_on", name="period"),
        check_in("status", SharingStatus),
        check_in("home_decision", Decision),
        check_in("host_decision", Decision),
    )


class StaffSharing(TenantOwned, TimestampMixin, Base):
    """A terbeschikkingstelling as the home municipality (the employer) records it; see ADR 0011's two rows."""

    __tablename__ = "staff_sharings"
    __audit_secret__ = ("employee_name", "note")
    __table_args__ = (*_sharing_checks(), CheckConstraint("host_tenant_id <> tenant_id", name="two_parties"))

    host_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    approval_id: Mapped[int | None]  # the host's StaffSharingApproval row (another tenant: no foreign key)
    employee_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    share_percent: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    host_cost_percent: Mapped[int] = mapped_column(default=100)
    note: Mapped[str] = mapped_column(Text, default="")
    home_decision: Mapped[str] = mapped_column(String(12), default=Decision.OPEN)
    host_decision: Mapped[str] = mapped_column(String(12), default=Decision.OPEN)
    status: Mapped[str] = mapped_column(String(12), default=SharingStatus.AANGEVRAAGD)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    host_tenant: Mapped[Tenant] = relationship(foreign_keys=[host_tenant_id], lazy="joined")


class StaffSharingApproval(TenantOwned, TimestampMixin, Base):
    """The host municipality's copy of a terbeschikkingstelling, on which its own AD decides."""

    __tablename__ = "staff_sharing_approvals"
    __audit_secret__ = ("employee_name", "note")
    __table_args__ = (
        *_sharing_checks(),
        CheckConstraint("home_tenant_id <> tenant_id", name="two_parties"),
        UniqueConstraint("tenant_id", "home_tenant_id", "sharing_id"),
    )

    home_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    sharing_id: Mapped[int]  # the home municipality's StaffSharing row
    employee_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    share_percent: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    host_cost_percent: Mapped[int] = mapped_column(default=100)
    note: Mapped[str] = mapped_column(Text, default="")
    home_decision: Mapped[str] = mapped_column(String(12), default=Decision.OPEN)
    host_decision: Mapped[str] = mapped_column(String(12), default=Decision.OPEN)
    status: Mapped[str] = mapped_column(String(12), default=SharingStatus.AANGEVRAAGD)

    home_tenant: Mapped[Tenant] = relationship(foreign_keys=[home_tenant_id], lazy="joined")


# -- trainings (vormingen) ------------------------------------------------------------------------


class TrainingStatus(StrEnum):
    """Whether a training takes place."""

    GEPLAND = "gepland"
    GEANNULEERD = "geannuleerd"


class EnrolmentStatus(StrEnum):
    """Where a staff member's enrolment stands, as their own municipality holds it."""

    AANGEVRAAGD = "aangevraagd"
    GEWEIGERD = "geweigerd"
    INGESCHREVEN = "ingeschreven"
    WACHTLIJST = "wachtlijst"
    GEANNULEERD = "geannuleerd"


class SeatStatus(StrEnum):
    """A participant's place with the organiser: a seat, a waitlist place, or cancelled."""

    INGESCHREVEN = "ingeschreven"
    WACHTLIJST = "wachtlijst"
    GEANNULEERD = "geannuleerd"


TRAINING_STATUSES = tuple(TrainingStatus)
ENROLMENT_STATUSES = tuple(EnrolmentStatus)
SEAT_STATUSES = tuple(SeatStatus)


class Training(Shareable, TimestampMixin, Base):
    """A vorming organised by one municipality, open to its own staff and, if shared, to partners'."""

    __tablename__ = "trainings"
    __share_type__ = "training"
    __share_domain__ = "hr"
    __extra_table_args__ = (
        CheckConstraint("seats BETWEEN 1 AND 1000", name="seats"),
        CheckConstraint("price_partner >= 0", name="price_partner"),
        check_in("status", TrainingStatus),
        CheckConstraint("ends_at > starts_at", name="period"),
    )

    title: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int]
    price_partner: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))
    status: Mapped[str] = mapped_column(String(12), default=TrainingStatus.GEPLAND)
    attendance_saved_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # The sessions live in the training row itself, so whoever may read the training reads its
    # sessions too (a child table would need its own sharing); starts_at/ends_at span them all.
    session_list: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    tenant: Mapped[Tenant] = relationship(foreign_keys="Training.tenant_id", lazy="joined")

    @property
    def sessions(self) -> list[TrainingSession]:
        """Return the sessions in time order (UTC moments)."""
        return [
            TrainingSession(datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"]))
            for s in self.session_list
        ]


class TrainingSession(NamedTuple):
    """One session of a training: its start and end (UTC)."""

    starts_at: datetime
    ends_at: datetime


class TrainingSeat(TenantOwned, TimestampMixin, Base):
    """A participant's place (or waitlist place) in a training, owned by the organiser; see ADR 0011."""

    __tablename__ = "training_seats"
    __audit_secret__ = ("participant_name", "participant_email")
    __table_args__ = (
        check_in("status", SeatStatus),
        UniqueConstraint("tenant_id", "participant_tenant_id", "enrolment_id"),
        Index("ix_training_seats_training_status", "tenant_id", "training_id", "status"),
    )

    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    participant_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    participant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    enrolment_id: Mapped[int]  # the participant tenant's Enrolment row
    participant_name: Mapped[str] = mapped_column(String(200))
    participant_email: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12))
    is_present: Mapped[bool] = mapped_column(default=False)

    participant_tenant: Mapped[Tenant] = relationship(foreign_keys=[participant_tenant_id], lazy="joined")


class Enrolment(TenantOwned, TimestampMixin, Base):
    """A staff member's inschrijving, owned by their own municipality, whose HR approves it."""

    __tablename__ = "training_enrolments"
    __table_args__ = (
        check_in("status", EnrolmentStatus),
        Index("ix_training_enrolments_user", "tenant_id", "user_id", "training_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    training_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    training_title: Mapped[str] = mapped_column(String(200))
    seat_id: Mapped[int | None]  # the organiser's TrainingSeat row, once approved
    status: Mapped[str] = mapped_column(String(12), default=EnrolmentStatus.AANGEVRAAGD)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    training_tenant: Mapped[Tenant] = relationship(foreign_keys=[training_tenant_id], lazy="joined")


# -- function catalogue (functiecatalogus) --------------------------------------------------------

LEVELS = ("A", "B", "C", "D", "E")


class JobFunction(Shareable, TimestampMixin, Base):
    """A function description one municipality writes and shares with the region (gedeelde functiebeschrijving)."""

    __tablename__ = "job_functions"
    __share_type__ = "job_function"
    __share_domain__ = "hr"
    __extra_table_args__ = (
        check_in("level", LEVELS),
        UniqueConstraint("tenant_id", "title"),
    )

    title: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(120), default="")
    level: Mapped[str] = mapped_column(String(1))
    purpose: Mapped[str] = mapped_column(Text, default="")
    tasks: Mapped[str] = mapped_column(Text, default="")
    competences: Mapped[str] = mapped_column(Text, default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="JobFunction.tenant_id", lazy="joined")


class FunctionGrade(Shareable, TimestampMixin, Base):
    """One municipality's grade (weddeschaal range) for a catalogue function, shared for comparison."""

    __tablename__ = "function_grades"
    __share_type__ = "function_grade"
    __share_domain__ = "hr"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "function_id"),
        check_in("grade_min", GRADES),
        check_in("grade_max", GRADES),
    )

    function_id: Mapped[int] = mapped_column(ForeignKey("job_functions.id", ondelete="CASCADE"), index=True)
    grade_min: Mapped[str] = mapped_column(String(4))
    grade_max: Mapped[str] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(String(500), default="")

    tenant: Mapped[Tenant] = relationship(foreign_keys="FunctionGrade.tenant_id", lazy="joined")


# -- recruitment reserve (werfreserve) ------------------------------------------------------------


class CandidateStatus(StrEnum):
    """Whether a laureate of a reserve is still offered."""

    ACTIEF = "actief"
    AANGEWORVEN = "aangeworven"
    UITGESCHREVEN = "uitgeschreven"


class RequestStatus(StrEnum):
    """Where a partner's request for a reserve candidate stands."""

    AANGEVRAAGD = "aangevraagd"
    GOEDGEKEURD = "goedgekeurd"
    GEWEIGERD = "geweigerd"
    INGETROKKEN = "ingetrokken"


CANDIDATE_STATUSES = tuple(CandidateStatus)
REQUEST_STATUSES = tuple(RequestStatus)
#: A request that still holds the candidate (asked or approved).
LIVE_REQUEST_STATUSES = (RequestStatus.AANGEVRAAGD, RequestStatus.GOEDGEKEURD)


class Reserve(Shareable, TimestampMixin, Base):
    """A ranked werfreserve after a (joint) selection, valid until a date; shared to offer candidates."""

    __tablename__ = "reserves"
    __share_type__ = "reserve"
    __share_domain__ = "hr"
    __extra_table_args__ = (check_in("grade", GRADES),)

    title: Mapped[str] = mapped_column(String(200))
    function_name: Mapped[str] = mapped_column(String(120), default="")
    grade: Mapped[str] = mapped_column(String(4))
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancies.id", ondelete="SET NULL"))
    selected_on: Mapped[date]
    valid_until: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship(foreign_keys="Reserve.tenant_id", lazy="joined")
    candidates: Mapped[list[ReserveCandidate]] = relationship(
        back_populates="reserve", cascade="all, delete-orphan", order_by="ReserveCandidate.rank"
    )


class ReserveCandidate(TenantOwned, TimestampMixin, Base):
    """A laureate in a reserve, with their rank; only the owner's HR sees who it is."""

    __tablename__ = "reserve_candidates"
    __audit_secret__ = ("full_name", "email")
    __table_args__ = (
        UniqueConstraint("tenant_id", "reserve_id", "rank"),
        CheckConstraint("rank >= 1", name="rank"),
        check_in("status", CandidateStatus),
        CheckConstraint("NOT may_share OR consent_at IS NOT NULL", name="consent"),
    )

    reserve_id: Mapped[int] = mapped_column(ForeignKey("reserves.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int]
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(255))
    may_share: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(14), default=CandidateStatus.ACTIEF)
    anonymised_at: Mapped[datetime | None]

    reserve: Mapped[Reserve] = relationship(back_populates="candidates")


def _request_checks() -> tuple[Any, ...]:
    return (check_in("status", RequestStatus),)


class ReserveRequest(TenantOwned, TimestampMixin, Base):
    """A partner's request for a candidate of another municipality's reserve, owned by the partner."""

    __tablename__ = "reserve_requests"
    __audit_secret__ = ("candidate_name", "candidate_email")
    __table_args__ = _request_checks()

    reserve_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    reserve_id: Mapped[int] = mapped_column(ForeignKey("reserves.id", ondelete="CASCADE"))
    candidate_id: Mapped[int]  # the owner's ReserveCandidate (another tenant: no foreign key)
    decision_id: Mapped[int | None]  # the owner's ReserveRequestDecision
    reserve_title: Mapped[str] = mapped_column(String(200))
    rank: Mapped[int]
    motivation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.AANGEVRAAGD)
    # Filled in from the owner's reserve only once the owner approves.
    candidate_name: Mapped[str | None] = mapped_column(String(200))
    candidate_email: Mapped[str | None] = mapped_column(String(255))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    reserve_tenant: Mapped[Tenant] = relationship(foreign_keys=[reserve_tenant_id], lazy="joined")


class ReserveRequestDecision(TenantOwned, TimestampMixin, Base):
    """The reserve owner's row for a partner's request, on which its HR decides."""

    __tablename__ = "reserve_request_decisions"
    __table_args__ = (*_request_checks(), UniqueConstraint("tenant_id", "requester_tenant_id", "request_id"))

    requester_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    request_id: Mapped[int]
    reserve_id: Mapped[int] = mapped_column(ForeignKey("reserves.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("reserve_candidates.id", ondelete="CASCADE"))
    motivation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.AANGEVRAAGD)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    requester_tenant: Mapped[Tenant] = relationship(foreign_keys=[requester_tenant_id], lazy="joined")
    candidate: Mapped[ReserveCandidate] = relationship()
    reserve: Mapped[Reserve] = relationship()


class VacancyInterest(TenantOwned, Base):
    """A staff member's keywords: a newly published vacancy they can see that matches is notified."""

    __tablename__ = "vacancy_interests"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    keywords: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def keyword_list(self) -> list[str]:
        """Return the keywords, lower case, without blanks."""
        return [k.strip().lower() for k in self.keywords.split(",") if k.strip()]
