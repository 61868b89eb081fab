"""Staff sharing (terbeschikkingstelling): the request, both ADs' decisions on their own rows, the FTE overview."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.roles import ALGEMEEN_DIRECTEUR
from portal.extensions import db
from portal.hr.models import LIVE_SHARING_STATUSES, Decision, SharingStatus, StaffSharing, StaffSharingApproval
from portal.hr.operations._common import _slug, _users_with_role
from tenants.context import acting_for
from tenants.models import Tenant
from tenants.sharing import partner_tenants, today

SHARING_TERMS = ("employee_name", "job_title", "share_percent", "starts_on", "ends_on", "host_cost_percent", "note")
SharingRow = StaffSharing | StaffSharingApproval


def _ask_approval(tenant_id: int, link: str, row: SharingRow, partner_name: str, key: str) -> None:
    for ad in _users_with_role(tenant_id, ALGEMEEN_DIRECTEUR):
        notify(
            ad,
            category="hr",
            title=_("Goedkeuring gevraagd: terbeschikkingstelling %(name)s", name=row.employee_name),
            body=_(
                "%(share)s%% met %(partner)s, van %(start)s tot %(end)s. Keur goed of weiger voor je eigen bestuur.",
                share=row.share_percent,
                partner=partner_name,
                start=row.starts_on.strftime("%d/%m/%Y"),
                end=row.ends_on.strftime("%d/%m/%Y"),
            ),
            link=link,
            dedupe_key=f"hr-sharing:{key}:{ad.id}",
            source_tenant_id=row.tenant_id,
        )


def _overlapping_share(home_id: int, data: dict[str, Any]) -> int:
    rows = db.session.scalars(
        select(StaffSharing.share_percent).where(
            StaffSharing.tenant_id == home_id,
            StaffSharing.employee_name == data["employee_name"],
            StaffSharing.status.in_(LIVE_SHARING_STATUSES),
            StaffSharing.starts_on <= data["ends_on"],
            StaffSharing.ends_on >= data["starts_on"],
        )
    )
    return sum(rows)


def create_staff_sharing(data: dict[str, Any], *, user: User) -> StaffSharing:
    """Record a terbeschikkingstelling of the acting tenant's employee and ask both ADs to approve it.

    The home municipality owns the request; the host gets its own approval row, inserted in the
    host's tenant context (the two-row pattern of ADR 0011), so each AD decides on its own row.
    """
    home_id = user.tenant_id
    host_id = data["host_tenant_id"]
    partners = {t.id: t for t in partner_tenants(home_id)}
    if host_id not in partners:
        raise DomainError(_("Kies een partnerbestuur als ontvangend bestuur."), field="host_tenant_id", status_code=422)
    if data["ends_on"] < data["starts_on"]:
        raise DomainError(_("De einddatum ligt voor de begindatum."), field="ends_on", status_code=422)
    if data["ends_on"] < today():
        raise DomainError(_("De periode mag niet volledig in het verleden liggen."), field="ends_on", status_code=422)
    terms = {name: data[name].strip() if isinstance(data[name], str) else data[name] for name in SHARING_TERMS}
    if _overlapping_share(home_id, terms) + terms["share_percent"] > 100:
        raise DomainError(
            _(
                "%(name)s wordt in die periode samen al voor meer dan 100%% ter beschikking gesteld.",
                name=terms["employee_name"],
            ),
            field="share_percent",
            status_code=409,
        )
    row = StaffSharing(host_tenant_id=host_id, created_by_id=user.id, **terms)
    db.session.add(row)
    db.session.flush()
    sharing_id = row.id
    home_name = user.tenant.name
    with acting_for(host_id):
        approval = StaffSharingApproval(home_tenant_id=home_id, sharing_id=sharing_id, **terms)
        db.session.add(approval)
        db.session.flush()
        approval_id = approval.id
        _ask_approval(
            host_id,
            f"/{partners[host_id].slug}/hr/terbeschikkingstellingen/ontvangen/{approval_id}",
            approval,
            home_name,
            f"host:{approval_id}",
        )
    row.approval_id = approval_id
    db.session.flush()
    _ask_approval(
        home_id,
        f"/{_slug(home_id)}/hr/terbeschikkingstellingen/{sharing_id}",
        row,
        partners[host_id].name,
        f"home:{sharing_id}",
    )
    return row


def _overall(home: str, host: str) -> str:
    if Decision.GEWEIGERD in (home, host):
        return SharingStatus.GEWEIGERD
    if home == host == Decision.GOEDGEKEURD:
        return SharingStatus.GOEDGEKEURD
    return SharingStatus.AANGEVRAAGD


def _mirror_sharing(row: SharingRow) -> None:
    """Copy the decisions and status to the other party's row, inside that party's context."""
    model: type[StaffSharing] | type[StaffSharingApproval]
    if isinstance(row, StaffSharing):
        other_tenant, model, other_id = row.host_tenant_id, StaffSharingApproval, row.approval_id
    else:
        other_tenant, model, other_id = row.home_tenant_id, StaffSharing, row.sharing_id
    if other_id is None:
        return
    with acting_for(other_tenant):
        db.session.execute(
            update(model)
            .where(model.id == other_id)
            .values(
                home_decision=row.home_decision, host_decision=row.host_decision, status=row.status, updated_at=utcnow()
            )
        )


def decide_staff_sharing(row: SharingRow, decision: str, *, user: User) -> SharingRow:
    """Record the acting municipality's AD decision (goedgekeurd / geweigerd) on its own row."""
    if decision not in (Decision.GOEDGEKEURD, Decision.GEWEIGERD):
        raise DomainError(_("Kies goedkeuren of weigeren."), field="decision", status_code=422)
    side = "home_decision" if isinstance(row, StaffSharing) else "host_decision"
    if row.status != SharingStatus.AANGEVRAAGD or getattr(row, side) != Decision.OPEN:
        raise DomainError(_("Je bestuur heeft al beslist over deze terbeschikkingstelling."))
    setattr(row, side, decision)
    row.status = _overall(row.home_decision, row.host_decision)
    db.session.flush()
    _mirror_sharing(row)
    if row.status != SharingStatus.AANGEVRAAGD:
        _tell_requester(row)
    return row


def _tell_requester(row: SharingRow) -> None:
    home_id = row.tenant_id if isinstance(row, StaffSharing) else row.home_tenant_id
    sharing_id = row.id if isinstance(row, StaffSharing) else row.sharing_id
    with acting_for(home_id):
        author_id = db.session.scalar(select(StaffSharing.created_by_id).where(StaffSharing.id == sharing_id))
        author = db.session.get(User, author_id) if author_id else None
        if author is None:
            return
        title = (
            _("Terbeschikkingstelling goedgekeurd: %(name)s", name=row.employee_name)
            if row.status == SharingStatus.GOEDGEKEURD
            else _("Terbeschikkingstelling geweigerd: %(name)s", name=row.employee_name)
        )
        notify(
            author,
            category="hr",
            title=title,
            link=f"/{_slug(home_id)}/hr/terbeschikkingstellingen/{sharing_id}",
            dedupe_key=f"hr-sharing:{sharing_id}:{row.status}",
            source_tenant_id=row.tenant_id,
        )


def withdraw_staff_sharing(row: StaffSharing) -> StaffSharing:
    """Withdraw the home municipality's request or end an approved sharing early (status ingetrokken)."""
    if row.status not in LIVE_SHARING_STATUSES:
        raise DomainError(_("Deze terbeschikkingstelling is al afgesloten."))
    row.status = SharingStatus.INGETROKKEN
    db.session.flush()
    _mirror_sharing(row)
    return row


def staff_sharing_overview(tenant_id: int, day: date | None = None) -> dict[str, Any]:
    """Return the FTE the tenant gives to and receives from each partner on ``day`` (approved sharings)."""
    day = day or today()
    rows: dict[int, dict[str, Any]] = {}

    def slot(tenant: Tenant) -> dict[str, Any]:
        return rows.setdefault(tenant.id, {"tenant": tenant, "given": Decimal(0), "received": Decimal(0)})

    active = (
        StaffSharing.status == SharingStatus.GOEDGEKEURD,
        StaffSharing.starts_on <= day,
        StaffSharing.ends_on >= day,
    )
    for given in db.session.scalars(select(StaffSharing).where(StaffSharing.tenant_id == tenant_id, *active)):
        slot(given.host_tenant)["given"] += Decimal(given.share_percent) / 100
    received_q = select(StaffSharingApproval).where(
        StaffSharingApproval.tenant_id == tenant_id,
        StaffSharingApproval.status == SharingStatus.GOEDGEKEURD,
        StaffSharingApproval.starts_on <= day,
        StaffSharingApproval.ends_on >= day,
    )
    for received in db.session.scalars(received_q):
        slot(received.home_tenant)["received"] += Decimal(received.share_percent) / 100
    partners = sorted(rows.values(), key=lambda r: r["tenant"].name)
    return {
        "day": day,
        "partners": partners,
        "given": sum((r["given"] for r in partners), Decimal(0)),
        "received": sum((r["received"] for r in partners), Decimal(0)),
    }
