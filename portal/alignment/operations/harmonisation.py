"""Harmonisation tracks: a proposal, its beleidstafel, each municipality's own decision, and what it becomes.

Each municipality decides for itself (its college or council): a party records only its own
decision; the proposer never decides for another. When the last party has decided, the
proposal is closed in the proposer's context. A proposal becomes a cooperation agreement or a
joint procurement dossier with one click, carrying its title, text, parties and amount.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import Select, select

from portal.alignment.models import (
    AlignmentItem,
    Decision,
    ItemKind,
    Proposal,
    ProposalParty,
    ProposalStatus,
)
from portal.alignment.operations.common import checked_subject, directors, notify_users, require_tenant
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.policy_tables.models import Meeting
from tenants.context import acting_for, acting_user_id, current_tenant_id
from tenants.sharing import partner_tenants, readable_prefilter, set_audience, today

#: The agreement domain each kind of item falls under.
AGREEMENT_DOMAINS = {
    ItemKind.REGLEMENT: "financieel",
    ItemKind.FINANCIEEL_PROCES: "financieel",
    ItemKind.TOEPASSING: "ict",
    ItemKind.BEVEILIGING: "ict",
    ItemKind.DIENSTVERLENING: "dienstverlening",
    ItemKind.BEHEERSING: "organisatiebeheersing",
}

#: The CPV code a joint purchase starts from, per kind (the lead refines it in the dossier).
CPV_CODES = {
    ItemKind.TOEPASSING: "48000000-8",  # software packages and information systems
    ItemKind.BEVEILIGING: "72000000-5",  # IT services
}
DEFAULT_CPV = "79000000-4"  # business services


def visible_proposals(q: str | None = None) -> Select[Any]:
    """Return a query of the proposals the acting tenant leads or is party to, newest first."""
    stmt = select(Proposal).where(readable_prefilter(Proposal, current_tenant_id()))
    if q:
        stmt = stmt.where(Proposal.title.ilike(f"%{q.strip()[:100]}%"))
    return stmt.order_by(Proposal.created_at.desc(), Proposal.id.desc())


def _meeting(meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id))
    if meeting is None:
        raise DomainError(
            _("Kies een vergadering van een beleidstafel die je bestuur ziet."), field="meeting_id", status_code=422
        )
    return meeting


def visible_meetings(limit: int = 50) -> list[Meeting]:
    """Return the beleidstafel meetings the acting tenant sees, soonest first from a month ago."""
    since = utcnow() - timedelta(days=31)
    stmt = select(Meeting).where(Meeting.starts_at >= since).order_by(Meeting.starts_at).limit(limit)
    return list(db.session.scalars(stmt))


def create_proposal(data: dict[str, Any]) -> Proposal:
    """Open a harmonisation proposal with the acting tenant and the chosen partners as parties."""
    owner_id = require_tenant()
    wanted = set(data.get("partner_ids") or []) - {owner_id}
    allowed = {t.id for t in partner_tenants(owner_id)}
    if not wanted:
        raise DomainError(_("Kies minstens één partnerbestuur."), field="partner_ids", status_code=422)
    if not wanted <= allowed:
        raise DomainError(
            _("Partijen moeten partnerbesturen uit je samenwerkingsverbanden zijn."),
            field="partner_ids",
            status_code=422,
        )
    meeting = _meeting(data.get("meeting_id"))
    # Keep only the compared items the proposer can read: the ids say nothing about the others.
    item_ids = sorted(set(data.get("item_ids") or []))
    if item_ids:
        item_ids = list(
            db.session.scalars(
                select(AlignmentItem.id).where(AlignmentItem.id.in_(item_ids)).order_by(AlignmentItem.id)
            )
        )
    proposal = Proposal(
        title=data["title"].strip(),
        kind=data["kind"],
        subject=checked_subject(data["subject"]),
        description=(data.get("description") or "").strip(),
        proposed_value=(data.get("proposed_value") or "").strip(),
        target_amount=data.get("target_amount"),
        unit=(data.get("unit") or "").strip(),
        status=ProposalStatus.ONTWERP,
        item_ids=item_ids,
        meeting_id=meeting.id if meeting is not None else None,
        created_by_id=acting_user_id(),
    )
    proposal.parties = [ProposalParty(party_tenant_id=t) for t in [owner_id, *sorted(wanted)]]
    db.session.add(proposal)
    db.session.flush()
    set_audience(proposal, "partners", partner_ids=sorted(wanted))
    return proposal


def link_meeting(proposal: Proposal, meeting_id: int) -> Proposal:
    """Put the proposal on (the record of) a beleidstafel meeting."""
    if proposal.status == ProposalStatus.INGETROKKEN:
        raise DomainError(_("Dit voorstel is ingetrokken."), status_code=409)
    meeting = _meeting(meeting_id)
    proposal.meeting_id = meeting.id if meeting is not None else None
    db.session.flush()
    return proposal


def linked_meeting(proposal: Proposal) -> Meeting | None:
    """Return the proposal's meeting if the acting tenant sees it."""
    if proposal.meeting_id is None:
        return None
    return db.session.scalar(select(Meeting).where(Meeting.id == proposal.meeting_id))


def submit(proposal: Proposal) -> Proposal:
    """Put the proposal before every party's college or council."""
    if proposal.status != ProposalStatus.ONTWERP:
        raise DomainError(_("Dit voorstel ligt al ter beslissing."), status_code=409)
    proposal.status = ProposalStatus.TER_BESLISSING
    proposal.submitted_at = utcnow()
    db.session.flush()
    others = [p.party_tenant_id for p in proposal.parties if p.party_tenant_id != proposal.tenant_id]
    notify_users(
        directors(others),
        title=_("Harmonisatievoorstel ter beslissing: %(title)s", title=proposal.title),
        body=_("Leg het voorstel voor aan het college of de gemeenteraad en registreer de beslissing."),
        path=f"/voorstellen/{proposal.id}",
        key=f"alignment-proposal:{proposal.id}:submitted",
        source_tenant_id=proposal.tenant_id,
    )
    return proposal


def withdraw(proposal: Proposal) -> Proposal:
    """Withdraw a proposal that is not yet decided by every party."""
    if proposal.status in (ProposalStatus.AFGEROND, ProposalStatus.INGETROKKEN):
        raise DomainError(_("Een afgerond of ingetrokken voorstel kan je niet meer intrekken."), status_code=409)
    proposal.status = ProposalStatus.INGETROKKEN
    db.session.flush()
    return proposal


def record_decision(proposal: Proposal, data: dict[str, Any]) -> ProposalParty:
    """Record the acting municipality's own decision; close the proposal when every party decided."""
    tenant_id = require_tenant()
    party = proposal.party(tenant_id)
    if party is None:
        raise DomainError(_("Alleen een partij registreert haar eigen beslissing."), status_code=403)
    if proposal.status != ProposalStatus.TER_BESLISSING:
        raise DomainError(_("Dit voorstel ligt niet ter beslissing."), status_code=409)
    if party.decision in (Decision.GOEDGEKEURD, Decision.AFGEKEURD):
        raise DomainError(_("Je bestuur heeft al beslist over dit voorstel."), status_code=409)
    if data["decided_on"] > today():
        raise DomainError(_("De beslissingsdatum ligt in de toekomst."), field="decided_on", status_code=422)
    party.decision = data["decision"]
    party.body = data["body"]
    party.decided_on = data["decided_on"]
    party.reference = data["reference"].strip()
    party.note = (data.get("note") or "").strip()
    party.recorded_by_id = acting_user_id()
    party.recorded_at = utcnow()
    db.session.flush()
    if tenant_id != proposal.tenant_id:
        notify_users(
            directors([proposal.tenant_id]),
            title=_(
                "%(tenant)s besliste over %(title)s: %(decision)s",
                tenant=party.tenant.name,
                title=proposal.title,
                decision=_decision_word(party.decision),
            ),
            body=party.reference,
            path=f"/voorstellen/{proposal.id}",
            key=f"alignment-decision:{proposal.id}:{tenant_id}",
            source_tenant_id=tenant_id,
        )
    if all(p.decision in (Decision.GOEDGEKEURD, Decision.AFGEKEURD) for p in proposal.parties):
        # The rule "closed when every party decided" acts, in the proposer's context.
        with acting_for(proposal.tenant_id):
            proposal.status = ProposalStatus.AFGEROND
            db.session.flush()
    return party


def _decision_word(decision: str) -> str:
    from portal.alignment.models import DECISION_LABELS

    return str(DECISION_LABELS.get(decision, decision))


def _approving_partners(proposal: Proposal) -> list[int]:
    return [
        p.party_tenant_id
        for p in proposal.parties
        if p.party_tenant_id != proposal.tenant_id and p.decision == Decision.GOEDGEKEURD
    ]


def _text_html(proposal: Proposal) -> str:
    parts = [f"<p>{escape(line)}</p>" for line in proposal.description.splitlines() if line.strip()]
    if proposal.proposed_value:
        parts.append(f"<p>{escape(_('Voorstel'))}: {escape(proposal.proposed_value)}</p>")
    return "".join(parts)


def to_agreement(proposal: Proposal) -> Any:
    """Turn the proposal into a draft cooperation agreement with the partners that approved it."""
    from portal.agreements.operations import create_agreement

    if proposal.agreement_id is not None:
        raise DomainError(_("Van dit voorstel is al een overeenkomst gemaakt."), status_code=409)
    partners = _approving_partners(proposal)
    if proposal.status == ProposalStatus.INGETROKKEN or not partners:
        raise DomainError(
            _("Een overeenkomst vraagt minstens één partnerbestuur dat het voorstel goedkeurde."), status_code=409
        )
    agreement = create_agreement(
        {
            "title": proposal.title,
            "legal_form": "overeenkomst",
            "domains": [AGREEMENT_DOMAINS[ItemKind(proposal.kind)]],
            "partner_ids": partners,
            "start_date": today(),
            "text_html": _text_html(proposal),
        }
    )
    proposal.agreement_id = agreement.id
    db.session.flush()
    return agreement


def to_dossier(proposal: Proposal) -> Any:
    """Turn the proposal into a joint procurement dossier (concept) led by the proposer, with one lot."""
    from portal.procurement.operations import create_dossier

    if proposal.dossier_id is not None:
        raise DomainError(_("Van dit voorstel is al een aankoopdossier gemaakt."), status_code=409)
    if proposal.status == ProposalStatus.INGETROKKEN:
        raise DomainError(_("Dit voorstel is ingetrokken."), status_code=409)
    value = proposal.target_amount if proposal.target_amount is not None else Decimal("0")
    dossier = create_dossier(
        {
            "title": proposal.title,
            "description": "\n".join(p for p in (proposal.description, proposal.proposed_value) if p),
            "cpv_code": CPV_CODES.get(ItemKind(proposal.kind), DEFAULT_CPV),
            "legal_form": "gezamenlijke_opdracht",
            "procedure": "onderhandeling_zonder_bekendmaking",
            "estimated_value": value,
            "joining_deadline_on": today() + timedelta(days=30),
            "lots": [{"title": proposal.subject[:200], "unit": proposal.unit or "stuk", "estimated_value": value}],
        }
    )
    proposal.dossier_id = dossier.id
    db.session.flush()
    return dossier


def compared_items(proposal: Proposal) -> list[AlignmentItem]:
    """Return the compared items of the proposal that the acting tenant may read."""
    if not proposal.item_ids:
        return []
    stmt = select(AlignmentItem).where(AlignmentItem.id.in_(proposal.item_ids)).order_by(AlignmentItem.tenant_id)
    return list(db.session.scalars(stmt))
