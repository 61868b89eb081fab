"""Agreement operations: draft, submit, approve per party, activate, amend, withdraw, end, evaluate.

Every function validates, changes state and flushes; the caller commits once. A municipality
only writes its own rows: a party records its own approval; when the last approval makes the
agreement active, the activation and the sharing grants are written in each owner's tenant
context in turn (the rule "active when every party approved" acts, not the approving party).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from werkzeug.datastructures import FileStorage

from portal.agreements.models import (
    DOMAINS,
    LEGAL_FORMS,
    MATRIX_DOMAINS,
    STATUSES,
    Agreement,
    AgreementApproval,
    AgreementAttachment,
    AgreementParty,
    AgreementStatus,
    AgreementVersion,
    Decision,
    Evaluation,
    EvaluationStatus,
    InformalCooperation,
    MatrixSnapshot,
    PartyRole,
)
from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.files import store_document
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.richtext import sanitise
from portal.core.roles import ALGEMEEN_DIRECTEUR
from portal.extensions import db
from portal.policy_tables.models import Meeting
from tenants.context import BRUSSELS, acting_for, acting_tenant_id, acting_user_id, current_tenant_id
from tenants.models import ShareGrant
from tenants.sharing import (
    current_regions,
    grant_domain,
    partner_tenants,
    readable_prefilter,
    region_members,
    set_audience,
    today,
)

LIVE = (AgreementStatus.ACTIEF, AgreementStatus.TE_EVALUEREN)


def add_months(day: date, months: int) -> date:
    """Return ``day`` plus ``months`` calendar months (the last day of a shorter month if needed)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _source(agreement: Agreement) -> str:
    return f"agreement:{agreement.id}"


def _require_tenant() -> int:
    """Return the acting tenant's id; refuse (400) when no tenant acts."""
    try:
        return acting_tenant_id()
    except RuntimeError:
        raise DomainError(_("Geen bestuur actief."), status_code=400) from None


# -- reading ---------------------------------------------------------------------------------


def visible_agreements(q: str | None = None, status: str | None = None) -> Select[Any]:
    """Return a query of the agreements the acting tenant may see, newest first."""
    stmt = select(Agreement).where(readable_prefilter(Agreement, current_tenant_id()))
    if q:
        stmt = stmt.where(Agreement.title.ilike(f"%{q.strip()[:100]}%"))
    if status:
        stmt = stmt.where(Agreement.status == status)
    return stmt.order_by(Agreement.start_date.desc(), Agreement.id.desc())


def approvals(agreement: Agreement, version: int | None = None) -> list[AgreementApproval]:
    """Return the recorded decisions on ``version`` (default: every version), oldest first."""
    stmt = select(AgreementApproval).where(AgreementApproval.agreement_id == agreement.id)
    if version is not None:
        stmt = stmt.where(AgreementApproval.version == version)
    return list(db.session.scalars(stmt.order_by(AgreementApproval.version, AgreementApproval.id)))


def evaluations(agreement: Agreement) -> list[Evaluation]:
    """Return the agreement's evaluations, newest due date first."""
    stmt = select(Evaluation).where(Evaluation.agreement_id == agreement.id).order_by(Evaluation.due_on.desc())
    return list(db.session.scalars(stmt))


def version(agreement: Agreement, number: int | None) -> AgreementVersion | None:
    """Return one version of the text."""
    return next((v for v in agreement.versions if v.number == number), None)


def pending_parties(agreement: Agreement) -> list[AgreementParty]:
    """Return the active parties that have not yet decided on the proposed version."""
    if agreement.proposed_version is None:
        return []
    decided = {a.party_tenant_id for a in approvals(agreement, agreement.proposed_version)}
    return [p for p in agreement.active_parties() if p.party_tenant_id not in decided]


# -- drafting --------------------------------------------------------------------------------


def _check_fields(data: dict[str, Any]) -> None:
    unknown = [d for d in data.get("domains", []) if d not in DOMAINS]
    if unknown or not data.get("domains"):
        raise DomainError(_("Kies minstens één domein uit de lijst."), field="domains", status_code=422)
    end = data.get("end_date")
    if end is not None and end <= data["start_date"]:
        raise DomainError(_("De einddatum moet na de begindatum liggen."), field="end_date", status_code=422)


def _set_parties(agreement: Agreement, owner_id: int, partner_ids: Iterable[int]) -> None:
    wanted = set(partner_ids) - {owner_id}
    if not wanted:
        raise DomainError(_("Kies minstens één partnerbestuur."), field="partner_ids", status_code=422)
    allowed = {t.id for t in partner_tenants(owner_id)}
    if not wanted <= allowed:
        raise DomainError(
            _("Partijen moeten partnerbesturen uit je samenwerkingsverbanden zijn."),
            field="partner_ids",
            status_code=422,
        )
    current = {p.party_tenant_id: p for p in agreement.parties}
    for tenant_id, party in current.items():
        if tenant_id != owner_id and tenant_id not in wanted:
            agreement.parties.remove(party)
    if owner_id not in current:
        agreement.parties.append(AgreementParty(party_tenant_id=owner_id, role=PartyRole.TREKKER))
    for tenant_id in sorted(wanted - set(current)):
        agreement.parties.append(AgreementParty(party_tenant_id=tenant_id, role=PartyRole.PARTNER))


def _set_visibility(agreement: Agreement, data: dict[str, Any]) -> None:
    """Parties always see the agreement; with ``region_id`` the region's members see its summary."""
    partners = [p.party_tenant_id for p in agreement.parties if p.party_tenant_id != agreement.tenant_id]
    if data.get("region_id"):
        set_audience(agreement, "region", region_id=data["region_id"])
        # Parties outside that region still see it through their grants.
        members = {t.id for t in region_members(data["region_id"])}
        outside = [p for p in partners if p not in members]
        if outside:
            raise DomainError(
                _("Alle partijen moeten lid zijn van het gekozen samenwerkingsverband."),
                field="region_id",
                status_code=422,
            )
    else:
        set_audience(agreement, "partners", partner_ids=partners)


def create_agreement(data: dict[str, Any]) -> Agreement:
    """Draft an agreement with the acting tenant as trekker."""
    owner_id, user_id = _require_tenant(), acting_user_id()
    _check_fields(data)
    agreement = Agreement(
        tenant_id=owner_id,
        title=data["title"].strip(),
        legal_form=data["legal_form"],
        domains=list(dict.fromkeys(data["domains"])),
        start_date=data["start_date"],
        end_date=data.get("end_date"),
        renewal_rule=data.get("renewal_rule", "").strip(),
        notice_months=data.get("notice_months", 6),
        cost_key=data.get("cost_key", "").strip(),
        evaluation_months=data.get("evaluation_months", 12),
        status=AgreementStatus.ONTWERP,
        proposed_version=1,
        created_by_id=user_id,
    )
    db.session.add(agreement)
    _set_parties(agreement, owner_id, data.get("partner_ids", []))
    agreement.versions.append(
        AgreementVersion(number=1, text_html=sanitise(data.get("text_html")), created_by_id=user_id)
    )
    db.session.flush()
    _set_visibility(agreement, data)
    return agreement


def update_draft(agreement: Agreement, data: dict[str, Any]) -> Agreement:
    """Change a draft (status ontwerp): fields, parties, visibility and the text of version 1."""
    if agreement.status != AgreementStatus.ONTWERP:
        raise DomainError(
            _("Alleen een ontwerp kan je nog wijzigen; maak een nieuwe versie van een actieve overeenkomst."),
            status_code=409,
        )
    _check_fields(data)
    for name in ("legal_form", "start_date", "end_date", "notice_months", "evaluation_months"):
        setattr(agreement, name, data.get(name))
    agreement.title = data["title"].strip()
    agreement.domains = list(dict.fromkeys(data["domains"]))
    agreement.renewal_rule = data.get("renewal_rule", "").strip()
    agreement.cost_key = data.get("cost_key", "").strip()
    _set_parties(agreement, agreement.tenant_id, data.get("partner_ids", []))
    first = version(agreement, 1)
    if first is not None:
        first.text_html = sanitise(data.get("text_html"))
    db.session.flush()
    _set_visibility(agreement, data)
    return agreement


def submit(agreement: Agreement) -> Agreement:
    """Send a draft to the parties for approval by their own council or college."""
    if agreement.status != AgreementStatus.ONTWERP:
        raise DomainError(_("Deze overeenkomst is al ter goedkeuring voorgelegd."), status_code=409)
    agreement.status = AgreementStatus.TER_GOEDKEURING
    db.session.flush()
    _notify_parties(
        agreement,
        _("Goedkeuring gevraagd: %(title)s", title=agreement.title),
        _("Leg de overeenkomst voor aan de gemeenteraad of het college en registreer de beslissing."),
        key=f"agreement-approval:{agreement.id}:{agreement.proposed_version}",
    )
    return agreement


def propose_version(agreement: Agreement, text_html: str, change_note: str) -> AgreementVersion:
    """Amend a live agreement: a new version that every party approves again; the old one stays in force."""
    _require_tenant()
    user_id = acting_user_id()
    if agreement.status not in LIVE:
        raise DomainError(_("Alleen een actieve overeenkomst krijgt een nieuwe versie."), status_code=409)
    if agreement.proposed_version is not None:
        raise DomainError(_("Er wacht al een nieuwe versie op goedkeuring."), status_code=409)
    number = max(v.number for v in agreement.versions) + 1
    new = AgreementVersion(
        number=number, text_html=sanitise(text_html), change_note=change_note.strip(), created_by_id=user_id
    )
    agreement.versions.append(new)
    agreement.proposed_version = number
    db.session.flush()
    _notify_parties(
        agreement,
        _("Nieuwe versie ter goedkeuring: %(title)s", title=agreement.title),
        change_note.strip(),
        key=f"agreement-approval:{agreement.id}:{number}",
    )
    return new


def attachments(agreement: Agreement) -> list[AgreementAttachment]:
    """Return the documents attached to the agreement, by version."""
    stmt = select(AgreementAttachment).where(AgreementAttachment.agreement_id == agreement.id)
    return list(db.session.scalars(stmt.order_by(AgreementAttachment.version, AgreementAttachment.id)))


def add_attachment(
    agreement: Agreement, upload: FileStorage | None, version_number: int | None = None
) -> AgreementAttachment:
    """Attach a checked document to a version (default: the one awaiting approval, else the one in force)."""
    tenant_id, user_id = _require_tenant(), acting_user_id()
    number = version_number or agreement.proposed_version or agreement.current_version
    if number is None or version(agreement, number) is None:
        raise DomainError(_("Kies een bestaande versie."), field="version", status_code=422)
    if agreement.status == AgreementStatus.BEEINDIGD:
        raise DomainError(_("Een beëindigde overeenkomst krijgt geen bijlagen meer."), status_code=409)
    stored = store_document(upload, tenant_id)
    duplicate = db.session.scalar(
        select(AgreementAttachment.id).where(
            AgreementAttachment.agreement_id == agreement.id,
            AgreementAttachment.version == number,
            AgreementAttachment.sha256 == stored.sha256,
        )
    )
    if duplicate is not None:
        raise DomainError(_("Dit bestand hangt al aan deze versie."), field="file", status_code=409)
    attachment = AgreementAttachment(
        agreement_id=agreement.id,
        version=number,
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_by_id=user_id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


# -- decisions -------------------------------------------------------------------------------


def record_approval(agreement: Agreement, data: dict[str, Any]) -> AgreementApproval:
    """Record the acting party's own decision on the proposed version; activate when all approved."""
    tenant_id, user_id = _require_tenant(), acting_user_id()
    party = agreement.party(tenant_id)
    if party is None or party.withdrawn_on is not None:
        raise DomainError(_("Alleen een partij kan haar eigen beslissing registreren."), status_code=403)
    if agreement.proposed_version is None or agreement.status in (AgreementStatus.ONTWERP, AgreementStatus.BEEINDIGD):
        raise DomainError(_("Er is geen versie ter goedkeuring."), status_code=409)
    if data["decided_on"] > today():
        raise DomainError(_("De beslissingsdatum ligt in de toekomst."), field="decided_on", status_code=422)
    existing = db.session.scalar(
        select(AgreementApproval.id).where(
            AgreementApproval.agreement_id == agreement.id,
            AgreementApproval.version == agreement.proposed_version,
            AgreementApproval.party_tenant_id == tenant_id,
        )
    )
    if existing is not None:
        raise DomainError(_("Je bestuur heeft al een beslissing over deze versie geregistreerd."), status_code=409)
    approval = AgreementApproval(
        agreement_id=agreement.id,
        version=agreement.proposed_version,
        party_tenant_id=tenant_id,
        body=data["body"],
        decision=data["decision"],
        decided_on=data["decided_on"],
        reference=data["reference"].strip(),
        url=(data.get("url") or "").strip(),
        recorded_by_id=user_id,
    )
    db.session.add(approval)
    db.session.flush()
    if data["decision"] == Decision.AFGEKEURD:
        _notify_users(
            _directors([agreement.tenant_id]),
            _("Overeenkomst afgekeurd door %(party)s: %(title)s", party=party.tenant.name, title=agreement.title),
            _("Pas de tekst aan of beëindig de overeenkomst."),
            agreement,
            key=f"agreement-rejected:{agreement.id}:{approval.version}:{tenant_id}",
        )
    elif not pending_parties(agreement) and _all_approved(agreement):
        _activate(agreement)
    return approval


def _all_approved(agreement: Agreement) -> bool:
    decided = {a.party_tenant_id: a.decision for a in approvals(agreement, agreement.proposed_version)}
    return all(decided.get(p.party_tenant_id) == Decision.GOEDGEKEURD for p in agreement.active_parties())


def _activate(agreement: Agreement) -> None:
    """Put the proposed version in force, in the trekker's context, and open the sharing."""
    with acting_for(agreement.tenant_id):
        agreement.current_version = agreement.proposed_version
        agreement.proposed_version = None
        if agreement.status == AgreementStatus.TER_GOEDKEURING:
            agreement.status = AgreementStatus.ACTIEF
        if agreement.activated_on is None:
            agreement.activated_on = today()
        db.session.flush()
    sync_grants(agreement)
    _notify_parties(
        agreement,
        _("Overeenkomst actief: %(title)s", title=agreement.title),
        _("Alle partijen keurden versie %(number)s goed.", number=agreement.current_version),
        key=f"agreement-active:{agreement.id}:{agreement.current_version}",
    )


def sync_grants(agreement: Agreement) -> int:
    """Make the sharing match the agreement: every active party shares the agreement's domains.

    Grants are written in each owner's tenant context (only the owner writes its grants). A
    withdrawing party's grants expire on the date its withdrawal takes effect. Returns the
    number of grants added.
    """
    live = agreement.status in LIVE
    parties = agreement.active_parties() if live else []
    domains = sorted({DOMAINS[d]["share"] for d in agreement.domains if d in DOMAINS})
    added = 0
    for party in parties:
        with acting_for(party.party_tenant_id):
            existing = {
                (g.grantee_tenant_id, g.domain)
                for g in db.session.scalars(
                    select(ShareGrant).where(
                        ShareGrant.source == _source(agreement),
                        ShareGrant.tenant_id == party.party_tenant_id,
                        ShareGrant.revoked_at.is_(None),
                    )
                )
            }
            for other in parties:
                if other.party_tenant_id == party.party_tenant_id:
                    continue
                for domain in domains:
                    if (other.party_tenant_id, domain) not in existing:
                        grant_domain(party.party_tenant_id, other.party_tenant_id, domain, source=_source(agreement))
                        added += 1
    return added


def _end_grants(agreement: Agreement, party_id: int | None = None, on: date | None = None) -> None:
    """End the grants of the agreement (of one party, both ways) now or on a later date."""
    for party in agreement.parties:
        with acting_for(party.party_tenant_id):
            stmt = select(ShareGrant).where(
                ShareGrant.source == _source(agreement),
                ShareGrant.tenant_id == party.party_tenant_id,
                ShareGrant.revoked_at.is_(None),
            )
            if party_id is not None and party.party_tenant_id != party_id:
                stmt = stmt.where(ShareGrant.grantee_tenant_id == party_id)
            for grant in db.session.scalars(stmt):
                if on is None or on <= today():
                    grant.revoked_at = utcnow()
                else:
                    grant.expires_at = datetime.combine(on, time.min, tzinfo=BRUSSELS)
            db.session.flush()


def withdraw(agreement: Agreement) -> AgreementParty:
    """Withdraw the acting party (opzeggen): effective after the notice period; its sharing ends then."""
    tenant_id = _require_tenant()
    party = agreement.party(tenant_id)
    if party is None:
        raise DomainError(_("Alleen een partij kan zich terugtrekken."), status_code=403)
    if agreement.status in (AgreementStatus.ONTWERP, AgreementStatus.BEEINDIGD):
        raise DomainError(
            _("Terugtrekken kan alleen uit een overeenkomst die ter goedkeuring ligt of actief is."), status_code=409
        )
    if party.withdrawn_on is not None:
        raise DomainError(_("Je bestuur heeft zich al teruggetrokken."), status_code=409)
    party.withdrawn_on = today()
    party.withdrawal_effective_on = add_months(today(), agreement.notice_months)
    db.session.flush()
    _end_grants(agreement, party_id=tenant_id, on=party.withdrawal_effective_on)
    remaining = agreement.active_parties()
    _notify_users(
        _directors([p.party_tenant_id for p in remaining]),
        _("%(party)s trekt zich terug uit %(title)s", party=party.tenant.name, title=agreement.title),
        _("De opzegging gaat in op %(day)s.", day=party.withdrawal_effective_on.strftime("%d/%m/%Y")),
        agreement,
        key=f"agreement-withdrawal:{agreement.id}:{tenant_id}",
    )
    if len(remaining) < 2 and (agreement.status not in LIVE or party.withdrawal_effective_on <= today()):
        # Nothing runs yet (or no notice period): with fewer than two parties left it ends now.
        with acting_for(agreement.tenant_id):
            agreement.status = AgreementStatus.BEEINDIGD
            agreement.ended_on = today()
            db.session.flush()
    elif len(remaining) < 2:
        pass  # a live agreement keeps running through the notice period; end_expired ends it then
    elif agreement.proposed_version is not None and _all_approved(agreement):
        _activate(agreement)
    return party


def end_agreement(agreement: Agreement, ended_on: date | None = None) -> Agreement:
    """End the agreement (by the trekker, e.g. after a joint decision or at its end date)."""
    if agreement.status == AgreementStatus.BEEINDIGD:
        raise DomainError(_("Deze overeenkomst is al beëindigd."), status_code=409)
    if agreement.status == AgreementStatus.ONTWERP:
        raise DomainError(_("Een ontwerp verwijder je; beëindigen kan pas na het voorleggen."), status_code=409)
    agreement.status = AgreementStatus.BEEINDIGD
    agreement.ended_on = ended_on or today()
    agreement.proposed_version = None
    db.session.flush()
    _end_grants(agreement)
    _notify_parties(
        agreement,
        _("Overeenkomst beëindigd: %(title)s", title=agreement.title),
        "",
        key=f"agreement-ended:{agreement.id}",
    )
    return agreement


def delete_draft(agreement: Agreement) -> None:
    """Delete a draft that was never submitted."""
    if agreement.status != AgreementStatus.ONTWERP:
        raise DomainError(_("Alleen een ontwerp kan je verwijderen."), status_code=409)
    set_audience(agreement, "own")
    # The text first: on PostgreSQL it is readable (and so deletable) only while the parties exist.
    agreement.versions.clear()
    db.session.flush()
    db.session.delete(agreement)
    db.session.flush()


# -- evaluations -----------------------------------------------------------------------------


def due_dates(agreement: Agreement, until: date) -> list[date]:
    """Return the evaluation moments from activation up to ``until``."""
    if not agreement.activated_on or agreement.evaluation_months <= 0:
        return []
    found, n = [], 1
    while (due := add_months(agreement.activated_on, n * agreement.evaluation_months)) <= until:
        found.append(due)
        n += 1
    return found


def schedule_evaluations(day: date | None = None) -> int:
    """Create "evaluatie te doen" for the acting tenant's live agreements that reached a moment."""
    day = day or today()
    tenant_id = acting_tenant_id()
    created = 0
    for agreement in db.session.scalars(select(Agreement).where(Agreement.status.in_(LIVE))):
        if agreement.tenant_id != tenant_id:
            continue
        known = {e.due_on for e in evaluations(agreement)}
        for due in due_dates(agreement, day):
            if due in known:
                continue
            db.session.add(Evaluation(agreement_id=agreement.id, due_on=due))
            agreement.status = AgreementStatus.TE_EVALUEREN
            created += 1
            db.session.flush()
            _notify_parties(
                agreement,
                _("Evaluatie te doen: %(title)s", title=agreement.title),
                _("De evaluatie van %(day)s staat klaar.", day=due.strftime("%d/%m/%Y")),
                key=f"agreement-evaluation:{agreement.id}:{due.isoformat()}",
            )
    return created


def complete_evaluation(agreement: Agreement, evaluation: Evaluation, data: dict[str, Any]) -> Evaluation:
    """Record the outcome of an evaluation; the agreement is live again."""
    _require_tenant()
    user_id = acting_user_id()
    if evaluation.status == EvaluationStatus.AFGEROND:
        raise DomainError(_("Deze evaluatie is al afgerond."), status_code=409)
    evaluation.scores = {k: int(v) for k, v in data["scores"].items()}
    evaluation.outcome = data["outcome"]
    evaluation.recommendation = data.get("recommendation", "").strip()
    evaluation.meeting_reference = (data.get("meeting_reference") or "").strip()
    evaluation.meeting_id = _visible_meeting(data.get("meeting_id"))
    evaluation.status = EvaluationStatus.AFGEROND
    evaluation.completed_on = today()
    evaluation.completed_by_id = user_id
    open_left = [e for e in evaluations(agreement) if e.status == EvaluationStatus.TE_DOEN and e.id != evaluation.id]
    if agreement.status == AgreementStatus.TE_EVALUEREN and not open_left:
        agreement.status = AgreementStatus.ACTIEF
    db.session.flush()
    return evaluation


def visible_meetings(limit: int = 200) -> list[Meeting]:
    """Return the beleidstafel meetings the acting tenant may see, latest first (to link an evaluation)."""
    return list(db.session.scalars(select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(limit)))


def _visible_meeting(meeting_id: int | None) -> int | None:
    """Return ``meeting_id`` if the acting tenant sees that meeting; an unknown or foreign one is refused alike."""
    if meeting_id is None:
        return None
    if db.session.scalar(select(Meeting.id).where(Meeting.id == meeting_id)) is None:
        raise DomainError(_("Kies een vergadering uit de lijst."), field="meeting_id", status_code=422)
    return meeting_id


def linked_meeting(evaluation: Evaluation) -> Meeting | None:
    """Return the evaluation's meeting if the acting tenant sees it (a party may not sit at that table)."""
    if evaluation.meeting_id is None:
        return None
    return db.session.scalar(select(Meeting).where(Meeting.id == evaluation.meeting_id))


def remind_endings(day: date | None = None, horizon_days: int = 60) -> int:
    """Warn the parties when the acting tenant's agreement nears its end or its notice deadline."""
    day = day or today()
    tenant_id = acting_tenant_id()
    sent = 0
    for agreement in db.session.scalars(
        select(Agreement).where(Agreement.status.in_(LIVE), Agreement.end_date.is_not(None))
    ):
        if agreement.tenant_id != tenant_id or agreement.end_date is None:
            continue
        deadline = add_months(agreement.end_date, -agreement.notice_months)
        if day <= deadline <= day + timedelta(days=horizon_days) or day <= agreement.end_date <= day + timedelta(
            days=horizon_days
        ):
            sent += _notify_parties(
                agreement,
                _("Einde nadert: %(title)s", title=agreement.title),
                _(
                    "De overeenkomst loopt af op %(end)s; beslis over verlenging of opzegging vóór %(deadline)s.",
                    end=agreement.end_date.strftime("%d/%m/%Y"),
                    deadline=deadline.strftime("%d/%m/%Y"),
                ),
                key=f"agreement-ending:{agreement.id}:{agreement.end_date.isoformat()}",
            )
    return sent


def end_expired(day: date | None = None) -> int:
    """End the acting tenant's live agreements whose end date passed and that have no renewal rule.

    Also end a live agreement once withdrawals that took effect leave it fewer than two parties.

    An agreement with a renewal rule keeps running: the rule is free text (e.g. tacit renewal
    for three years) that the parties apply themselves; the reminder before the notice deadline
    asks them to decide, and the trekker ends it by hand when they do not renew.
    """
    day = day or today()
    tenant_id = acting_tenant_id()
    ended = 0
    for agreement in db.session.scalars(
        select(Agreement).where(Agreement.status.in_(LIVE), Agreement.end_date.is_not(None), Agreement.end_date < day)
    ):
        if agreement.tenant_id != tenant_id or agreement.renewal_rule:
            continue
        end_agreement(agreement, ended_on=agreement.end_date)
        ended += 1
    for agreement in db.session.scalars(
        select(Agreement)
        .where(Agreement.status.in_(LIVE), Agreement.tenant_id == tenant_id)
        .where(
            Agreement.parties.any(
                and_(AgreementParty.withdrawal_effective_on.is_not(None), AgreementParty.withdrawal_effective_on <= day)
            )
        )
    ):
        staying = [p for p in agreement.parties if p.withdrawal_effective_on is None or p.withdrawal_effective_on > day]
        if len(staying) < 2:
            last = max(p.withdrawal_effective_on for p in agreement.parties if p.withdrawal_effective_on)
            end_agreement(agreement, ended_on=last)
            ended += 1
    return ended


# -- the cooperation matrix ------------------------------------------------------------------


def matrix(region_id: int) -> dict[str, Any]:
    """Return the region's matrix as the acting tenant sees it: levels per member and per pair.

    Level 2 (formeel): both are non-withdrawn parties of a live agreement in that domain; level 1
    (informeel): recorded by one of the two; level 0 otherwise. A member's level in a domain is
    its highest level with any other current member.
    """
    members = region_members(region_id)
    ids = {t.id for t in members}
    pairs: dict[tuple[int, int], dict[str, int]] = {}

    def raise_level(a: int, b: int, domain: str, level: int) -> None:
        key = (min(a, b), max(a, b))
        cell = pairs.setdefault(key, {})
        cell[domain] = max(cell.get(domain, 0), level)

    # Only the columns the matrix needs: a region at scale holds thousands of live agreements.
    live: dict[int, tuple[list[str], list[int]]] = {}
    for agreement_id, domains, party_id in db.session.execute(
        select(Agreement.id, Agreement.domains, AgreementParty.party_tenant_id)
        .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
        .where(
            readable_prefilter(Agreement, current_tenant_id()),
            Agreement.status.in_(LIVE),
            AgreementParty.withdrawn_on.is_(None),  # the active parties
            AgreementParty.party_tenant_id.in_(ids),
        )
        .order_by(Agreement.id, AgreementParty.id)
    ):
        live.setdefault(agreement_id, (domains, []))[1].append(party_id)
    for agreement_domains, parties in live.values():
        for domain in {DOMAINS[d]["matrix"] for d in agreement_domains if d in DOMAINS}:
            for i, a in enumerate(parties):
                for b in parties[i + 1 :]:
                    raise_level(a, b, domain, 2)
    readable_informal = list(db.session.scalars(select(InformalCooperation).order_by(InformalCooperation.id)))
    for informal in readable_informal:
        if informal.tenant_id in ids and informal.partner_tenant_id in ids:
            raise_level(informal.tenant_id, informal.partner_tenant_id, informal.domain, 1)
    levels = {t.id: dict.fromkeys(MATRIX_DOMAINS, 0) for t in members}
    for (a, b), cell in pairs.items():
        for domain, level in cell.items():
            for tenant_id in (a, b):
                levels[tenant_id][domain] = max(levels[tenant_id][domain], level)
    # The acting tenant's own records (the page lists them to delete): already read above.
    own = [i for i in readable_informal if i.tenant_id == current_tenant_id()]
    return {"members": members, "levels": levels, "pairs": pairs, "own_informal": own}


def period_of(day: date) -> str:
    """Return the semester of ``day``: 2026-S2."""
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def take_snapshot(region_id: int, period: str) -> MatrixSnapshot:
    """Store the acting tenant's view of the region's matrix for ``period``.

    Run daily: the snapshot of the running semester follows the matrix until the semester
    ends, so each period keeps the state it ended with (running it twice changes nothing).
    """
    _require_tenant()
    levels = {str(k): v for k, v in matrix(region_id)["levels"].items()}
    found = db.session.scalar(
        select(MatrixSnapshot).where(MatrixSnapshot.region_id == region_id, MatrixSnapshot.period == period)
    )
    if found is None:
        found = MatrixSnapshot(region_id=region_id, period=period, levels=levels)
        db.session.add(found)
    elif found.levels != levels:
        found.levels = levels
        found.taken_at = utcnow()
    db.session.flush()
    return found


def previous_snapshot(region_id: int, day: date | None = None) -> MatrixSnapshot | None:
    """Return the acting tenant's snapshot of the last semester before the one of ``day``."""
    return db.session.scalar(
        select(MatrixSnapshot)
        .where(MatrixSnapshot.region_id == region_id, MatrixSnapshot.period < period_of(day or today()))
        .order_by(MatrixSnapshot.period.desc())
        .limit(1)
    )


def snapshot_regions(day: date | None = None) -> int:
    """Keep the acting tenant's snapshot of every current region for the running semester."""
    tenant_id = _require_tenant()
    regions = current_regions(tenant_id)
    for region in regions:
        take_snapshot(region.id, period_of(day or today()))
    return len(regions)


def record_informal(data: dict[str, Any]) -> InformalCooperation:
    """Record (or update) informal cooperation with a partner in a domain, visible to the region."""
    tenant_id = _require_tenant()
    partner_id = data["partner_tenant_id"]
    shared = [r for r in current_regions(tenant_id) if partner_id in {t.id for t in region_members(r.id)}]
    if partner_id == tenant_id or not shared:
        raise DomainError(
            _("Kies een partnerbestuur uit je samenwerkingsverbanden."), field="partner_tenant_id", status_code=422
        )
    found = db.session.scalar(
        select(InformalCooperation).where(
            InformalCooperation.partner_tenant_id == partner_id, InformalCooperation.domain == data["domain"]
        )
    )
    if found is None:
        found = InformalCooperation(partner_tenant_id=partner_id, domain=data["domain"], note=data["note"].strip())
        db.session.add(found)
    else:
        found.note = data["note"].strip()
    db.session.flush()
    set_audience(found, "region", region_id=shared[0].id)
    return found


def delete_informal(informal: InformalCooperation) -> None:
    """Remove a recorded informal cooperation."""
    set_audience(informal, "own")
    db.session.delete(informal)
    db.session.flush()


# -- notifications ---------------------------------------------------------------------------


def _directors(tenant_ids: Iterable[int]) -> list[User]:
    ids = list(tenant_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.tenant_id.in_(ids), User.is_active.is_(True), UserRole.role == ALGEMEEN_DIRECTEUR)
        ).unique()
    )


def _notify_users(users: list[User], title: str, body: str, agreement: Agreement, *, key: str) -> int:
    sent = 0
    for user in users:
        # Built by hand: tasks have no request to build URLs from.
        link = f"/{user.tenant.slug}/overeenkomsten/{agreement.id}"
        if notify(
            user,
            category="sharing",
            title=title,
            body=body,
            link=link,
            dedupe_key=f"{key}:{user.id}",
            source_tenant_id=agreement.tenant_id,
        ):
            sent += 1
    return sent


def _notify_parties(agreement: Agreement, title: str, body: str, *, key: str) -> int:
    return _notify_users(
        _directors(p.party_tenant_id for p in agreement.active_parties()), title, body, agreement, key=key
    )


def register_header() -> list[str]:
    """Return the column titles of the register export."""
    return [
        _("Nummer"),
        _("Titel"),
        _("Status"),
        _("Trekker"),
        _("Partijen"),
        _("Inzage"),
        _("Domeinen"),
        _("Rechtsvorm"),
        _("Begin"),
        _("Einde"),
        _("Verlenging"),
        _("Opzegtermijn (maanden)"),
        _("Kostenverdeelsleutel"),
        _("Evaluatiecyclus (maanden)"),
        _("Versie in werking"),
        _("Actief sinds"),
        _("Beëindigd op"),
    ]


def register_rows(agreements: Iterable[Agreement], details: Callable[[Agreement], bool]) -> list[list[Any]]:
    """Return one row per agreement; only the summary (title, status, parties) where ``details`` says no."""
    rows: list[list[Any]] = []
    for a in agreements:
        summary: list[Any] = [
            a.id,
            a.title,
            str(STATUSES[a.status]),
            a.tenant.name,
            ", ".join(p.tenant.name for p in a.active_parties()),
        ]
        if not details(a):
            # Other members of the region see what the parties made visible, nothing more.
            rows.append([*summary, _("samenvatting"), *[None] * 11])
            continue
        rows.append(
            [
                *summary,
                _("partij"),
                ", ".join(a.domain_labels),
                str(LEGAL_FORMS[a.legal_form]),
                a.start_date,
                a.end_date,
                a.renewal_rule,
                a.notice_months,
                a.cost_key,
                a.evaluation_months,
                a.current_version,
                a.activated_on,
                a.ended_on,
            ]
        )
    return rows


def municipality_register(tenant_id: int) -> list[Agreement]:
    """Return the agreements the municipality is (or was) a party to, newest first."""
    stmt = visible_agreements().where(Agreement.parties.any(AgreementParty.party_tenant_id == tenant_id))
    return list(db.session.scalars(stmt))


def region_register(region_id: int) -> list[Agreement]:
    """Return the visible agreements of a region: shared with it, or between its current members only."""
    members = {t.id for t in region_members(region_id)}
    stmt = visible_agreements().where(
        or_(
            and_(Agreement.audience == "region", Agreement.region_id == region_id),
            ~Agreement.parties.any(AgreementParty.party_tenant_id.not_in(members)),
        )
    )
    return list(db.session.scalars(stmt))


def matrix_table(region_id: int) -> tuple[list[str], list[list[Any]]]:
    """Return the region's matrix as a table: one row per member, one column per management domain."""
    data = matrix(region_id)
    header = [_("Bestuur"), _("NIS-code"), *[str(label) for label in MATRIX_DOMAINS.values()]]
    rows = [[t.name, t.nis_code or "", *[data["levels"][t.id][d] for d in MATRIX_DOMAINS]] for t in data["members"]]
    return header, rows


def count_by_status() -> dict[str, int]:
    """Return how many visible agreements there are per status."""
    stmt = select(Agreement.status, func.count()).where(readable_prefilter(Agreement, current_tenant_id()))
    return dict(db.session.execute(stmt.group_by(Agreement.status)).all())  # type: ignore[arg-type]
