"""Recruitment reserves (werfreserve): laureates, partners' requests for them and the owner's decisions."""

from __future__ import annotations

from typing import Any, TypedDict

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.roles import HR
from portal.extensions import db
from portal.hr.models import (
    CANDIDATE_STATUSES,
    LIVE_REQUEST_STATUSES,
    CandidateStatus,
    RequestStatus,
    Reserve,
    ReserveCandidate,
    ReserveRequest,
    ReserveRequestDecision,
    Vacancy,
)
from portal.hr.operations._common import _slug, _users_with_role
from tenants.context import acting_for, acting_tenant_id
from tenants.sharing import set_audience, today


def create_reserve(data: dict[str, Any], *, author_id: int | None) -> Reserve:
    """Open a ranked reserve after a selection, valid until a date, shared as chosen."""
    if data["valid_until"] < data["selected_on"]:
        raise DomainError(_("De geldigheid eindigt voor de selectiedatum."), field="valid_until", status_code=422)
    if data["valid_until"] < today():
        raise DomainError(_("De geldigheid mag niet in het verleden liggen."), field="valid_until", status_code=422)
    vacancy_id = data.get("vacancy_id")
    if (
        vacancy_id is not None
        and db.session.scalar(
            select(Vacancy.id).where(Vacancy.id == vacancy_id, Vacancy.tenant_id == acting_tenant_id())
        )
        is None
    ):
        raise DomainError(_("Kies een vacature van je eigen bestuur."), field="vacancy_id", status_code=422)
    obj = Reserve(
        title=data["title"].strip(),
        function_name=data.get("function_name", "").strip(),
        grade=data["grade"],
        vacancy_id=vacancy_id,
        selected_on=data["selected_on"],
        valid_until=data["valid_until"],
        created_by_id=author_id,
    )
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    db.session.flush()
    return obj


def add_candidate(reserve: Reserve, data: dict[str, Any]) -> ReserveCandidate:
    """Put a laureate on an own reserve at a free rank; sharing needs their explicit consent."""
    taken = db.session.scalar(
        select(ReserveCandidate.id).where(
            ReserveCandidate.reserve_id == reserve.id, ReserveCandidate.rank == data["rank"]
        )
    )
    if taken is not None:
        raise DomainError(_("Deze rangschikking is al ingenomen."), field="rank", status_code=409)
    row = ReserveCandidate(
        reserve_id=reserve.id,
        rank=data["rank"],
        full_name=data["full_name"].strip(),
        email=data["email"].strip().lower(),
        may_share=bool(data.get("may_share")),
        consent_at=utcnow() if data.get("may_share") else None,
        status=CandidateStatus.ACTIEF,
    )
    db.session.add(row)
    db.session.flush()
    return row


def set_candidate_status(candidate: ReserveCandidate, status: str) -> ReserveCandidate:
    """Mark an own laureate as hired or withdrawn (no longer offered), or active again."""
    if status not in CANDIDATE_STATUSES:
        raise DomainError(_("Onbekende status."), field="status", status_code=422)
    if candidate.anonymised_at is not None:
        raise DomainError(_("Deze kandidaat is geanonimiseerd."))
    candidate.status = status
    db.session.flush()
    return candidate


def is_valid(reserve: Reserve) -> bool:
    """Tell whether the reserve is still valid today."""
    return reserve.valid_until >= today()


class OfferedCandidate(TypedDict):
    """A candidate a partner may ask for: the owner's row id and the rank, never the name."""

    id: int
    rank: int


def offered_candidates(reserve: Reserve) -> list[OfferedCandidate]:
    """Return the ranks of the consenting, active candidates a partner may ask for (no names leave)."""
    if not is_valid(reserve):
        return []
    with acting_for(reserve.tenant_id):
        rows = db.session.execute(
            select(ReserveCandidate.id, ReserveCandidate.rank)
            .where(
                ReserveCandidate.reserve_id == reserve.id,
                ReserveCandidate.may_share.is_(True),
                ReserveCandidate.status == CandidateStatus.ACTIEF,
            )
            .order_by(ReserveCandidate.rank)
        ).all()
    return [{"id": candidate_id, "rank": rank} for candidate_id, rank in rows]


def request_candidate(reserve: Reserve, candidate_id: int, *, user: User, motivation: str = "") -> ReserveRequest:
    """Ask the reserve's owner for a consenting candidate; the owner's HR approves on its own row."""
    if reserve.tenant_id == user.tenant_id:
        raise DomainError(_("Een kandidaat uit je eigen werfreserve hoef je niet aan te vragen."))
    offered = {c["id"]: c["rank"] for c in offered_candidates(reserve)}
    if candidate_id not in offered:
        raise DomainError(_("Deze kandidaat wordt niet (meer) aangeboden."), field="candidate_id", status_code=409)
    existing = db.session.scalar(
        select(ReserveRequest.id).where(
            ReserveRequest.candidate_id == candidate_id,
            ReserveRequest.reserve_id == reserve.id,
            ReserveRequest.status.in_(LIVE_REQUEST_STATUSES),
        )
    )
    if existing is not None:
        raise DomainError(_("Je bestuur vroeg deze kandidaat al aan."))
    row = ReserveRequest(
        reserve_tenant_id=reserve.tenant_id,
        reserve_id=reserve.id,
        candidate_id=candidate_id,
        reserve_title=reserve.title,
        rank=offered[candidate_id],
        motivation=motivation.strip()[:2000],
        status=RequestStatus.AANGEVRAAGD,
        requested_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    request_id, requester = row.id, user.tenant_id
    requester_name = user.tenant.name
    with acting_for(reserve.tenant_id):
        decision = ReserveRequestDecision(
            requester_tenant_id=requester,
            request_id=request_id,
            reserve_id=reserve.id,
            candidate_id=candidate_id,
            motivation=row.motivation,
            status=RequestStatus.AANGEVRAAGD,
        )
        db.session.add(decision)
        db.session.flush()
        decision_id = decision.id
        for hr in _users_with_role(reserve.tenant_id, HR):
            notify(
                hr,
                category="hr",
                title=_("Kandidaat uit de werfreserve gevraagd: %(title)s", title=reserve.title),
                body=_("%(who)s vraagt kandidaat %(rank)s aan.", who=requester_name, rank=offered[candidate_id]),
                link=f"/{_slug(reserve.tenant_id)}/hr/werfreserve-beslissingen/{decision_id}",
                dedupe_key=f"hr-reserve:{decision_id}:{hr.id}",
                source_tenant_id=requester,
            )
    row.decision_id = decision_id
    db.session.flush()
    return row


def decide_reserve_request(decision: ReserveRequestDecision, approve: bool, *, user: User) -> ReserveRequestDecision:
    """Approve or refuse a partner's request; on approval the partner receives the candidate's contact."""
    if decision.status != RequestStatus.AANGEVRAAGD:
        raise DomainError(_("Over deze aanvraag is al beslist."))
    candidate = decision.candidate
    if approve and (
        candidate.status != CandidateStatus.ACTIEF or not candidate.may_share or not is_valid(decision.reserve)
    ):
        raise DomainError(_("Deze kandidaat wordt niet (meer) aangeboden."))
    decision.status = RequestStatus.GOEDGEKEURD if approve else RequestStatus.GEWEIGERD
    decision.decided_by_id = user.id
    db.session.flush()
    values: dict[str, Any] = {"status": decision.status, "updated_at": utcnow()}
    if approve:
        values.update(candidate_name=candidate.full_name, candidate_email=candidate.email)
    with acting_for(decision.requester_tenant_id):
        db.session.execute(update(ReserveRequest).where(ReserveRequest.id == decision.request_id).values(**values))
        author_id = db.session.scalar(
            select(ReserveRequest.requested_by_id).where(ReserveRequest.id == decision.request_id)
        )

    author = db.session.get(User, author_id) if author_id else None
    if author is not None:
        notify(
            author,
            category="hr",
            title=(
                _("Kandidaat uit de werfreserve toegekend: %(title)s", title=decision.reserve.title)
                if approve
                else _("Kandidaat uit de werfreserve niet toegekend: %(title)s", title=decision.reserve.title)
            ),
            link=f"/{_slug(decision.requester_tenant_id)}/hr/werfreserve-aanvragen/{decision.request_id}",
            dedupe_key=f"hr-reserve-request:{decision.request_id}:{decision.status}",
            source_tenant_id=decision.tenant_id,
        )
    return decision


def withdraw_reserve_request(row: ReserveRequest) -> ReserveRequest:
    """Withdraw an open request of the acting tenant."""
    if row.status != RequestStatus.AANGEVRAAGD:
        raise DomainError(_("Over deze aanvraag is al beslist."))
    row.status = RequestStatus.INGETROKKEN
    db.session.flush()
    if row.decision_id is not None:
        with acting_for(row.reserve_tenant_id):
            db.session.execute(
                update(ReserveRequestDecision)
                .where(ReserveRequestDecision.id == row.decision_id)
                .values(status=RequestStatus.INGETROKKEN, updated_at=utcnow())
            )
    return row
