"""Register items: create, change, share, attach a process map, delete, list and export."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from portal.alignment.models import (
    CONTROL_LABELS,
    ITEM_STATUS_LABELS,
    KIND_LABELS,
    LEVY_LABELS,
    QUADRANT_LABELS,
    REGISTERS,
    AlignmentItem,
    ItemKind,
    ItemStatus,
    Risk,
    SwotEntry,
    TariffLine,
)
from portal.alignment.operations.common import (
    checked_subject,
    directors,
    normalise_subject,
    notify_users,
    require_tenant,
)
from portal.core.errors import DomainError
from portal.core.files import path_of, store_document
from portal.core.models import utcnow
from portal.extensions import db
from portal.procurement.models import Lot
from tenants.context import acting_for, acting_user_id, current_tenant_id
from tenants.models import RegionMembership, ShareGrant
from tenants.sharing import object_grantees, readable_prefilter, set_audience, today

#: A process map is a PDF or a BPMN (XML) file.
MAP_TYPES = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "application/xml": (b"<?xml", (".bpmn", ".xml")),
}

_FIELDS = (
    "title",
    "category",
    "description",
    "responsible",
    "status",
    "valid_from_on",
    "valid_until_on",
    "exemptions",
    "duration_days",
    "supplier",
    "contract_end_on",
    "users_count",
    "data_processed",
    "opening_hours",
)


def visible_items(
    *, kind: str | None = None, register: str | None = None, q: str | None = None, own_only: bool = False
) -> Select[Any]:
    """Return a query of the items the acting tenant may read, own municipality first."""
    tenant_id = current_tenant_id()
    stmt = select(AlignmentItem).where(readable_prefilter(AlignmentItem, tenant_id))
    if kind:
        stmt = stmt.where(AlignmentItem.kind == kind)
    elif register in REGISTERS:
        stmt = stmt.where(AlignmentItem.kind.in_(REGISTERS[register]["kinds"]))
    if q:
        pattern = f"%{q.strip()[:100]}%"
        # The key is compared too: "Nadar-hekken" finds "nadarhekken" and "nadar hekken".
        match = AlignmentItem.title.ilike(pattern) | AlignmentItem.subject.ilike(pattern)
        key = normalise_subject(q[:100])
        if key:
            match = match | AlignmentItem.subject_key.like(f"%{key}%")
        stmt = stmt.where(match)
    if own_only:
        stmt = stmt.where(AlignmentItem.tenant_id == tenant_id)
    return stmt.order_by((AlignmentItem.tenant_id != tenant_id), AlignmentItem.subject, AlignmentItem.id)


def count_by_kind() -> dict[str, int]:
    """Return how many items of each kind the acting tenant owns."""
    stmt = (
        select(AlignmentItem.kind, func.count())
        .where(AlignmentItem.tenant_id == current_tenant_id())
        .group_by(AlignmentItem.kind)
    )
    return {row[0]: row[1] for row in db.session.execute(stmt)}


def _lot(lot_id: int | None) -> Lot | None:
    if lot_id is None:
        return None
    lot = db.session.scalar(select(Lot).where(Lot.id == lot_id))
    if lot is None:
        raise DomainError(
            _("Dit contract staat niet in het contractenregister."), field="procurement_lot_id", status_code=422
        )
    return lot


def _apply(item: AlignmentItem, data: dict[str, Any]) -> None:
    for name in _FIELDS:
        if name in data:
            value = data[name]
            setattr(item, name, value.strip() if isinstance(value, str) else value)
    item.subject = checked_subject(data["subject"])
    item.decision_url = (data.get("decision_url") or "").strip()
    item.steps = [s.strip() for s in data.get("steps") or [] if s.strip()]
    item.channels = list(dict.fromkeys(c.strip() for c in data.get("channels") or [] if c.strip()))
    lot = _lot(data.get("procurement_lot_id"))
    item.procurement_lot_id = lot.id if lot is not None else None
    if lot is not None:
        # The contract register is the source: reuse its supplier and end date.
        item.supplier = item.supplier or (lot.supplier_name or "")
        item.contract_end_on = item.contract_end_on or lot.contract_end_on
    item.tariff_lines = [
        TariffLine(position=i, label=line["label"].strip(), amount=line["amount"], unit=line["unit"].strip())
        for i, line in enumerate(data.get("tariff_lines") or [])
    ]
    item.risks = [
        Risk(
            title=r["title"].strip(),
            likelihood=r["likelihood"],
            impact=r["impact"],
            control=(r.get("control") or "").strip(),
            control_status=r.get("control_status") or "ontbreekt",
        )
        for r in data.get("risks") or []
    ]
    item.swot = [SwotEntry(quadrant=s["quadrant"], text=s["text"].strip()) for s in data.get("swot") or []]


def _share(item: AlignmentItem, data: dict[str, Any]) -> None:
    set_audience(
        item, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids") or []
    )


def create_item(data: dict[str, Any]) -> AlignmentItem:
    """Add an item to the acting tenant's register; share it as asked."""
    require_tenant()
    item = AlignmentItem(kind=data["kind"], created_by_id=acting_user_id())
    _apply(item, data)
    db.session.add(item)
    db.session.flush()
    _share(item, data)
    _published(item, changed=False)
    return item


def update_item(item: AlignmentItem, data: dict[str, Any]) -> AlignmentItem:
    """Change an own item (the kind stays); partners comparing with it are told."""
    if data["kind"] != item.kind:
        raise DomainError(_("De soort van een item kan je niet wijzigen."), field="kind", status_code=422)
    _apply(item, data)
    db.session.flush()
    if "audience" in data:
        _share(item, data)
    _published(item, changed=True)
    return item


def share_item(item: AlignmentItem, data: dict[str, Any]) -> AlignmentItem:
    """Share an own item with nobody, a region or chosen partners."""
    was_private = item.audience == "own"
    _share(item, data)
    if was_private:
        _published(item, changed=False)
    return item


def delete_item(item: AlignmentItem) -> None:
    """Remove an own item with its detail rows."""
    db.session.delete(item)
    db.session.flush()


def attach_map(item: AlignmentItem, upload: Any) -> AlignmentItem:
    """Store the process map (BPMN or PDF) of an own item, replacing the previous one."""
    tenant_id = require_tenant()
    stored = store_document(
        upload, tenant_id, types=MAP_TYPES, refusal=_("Kies een BPMN- of PDF-bestand (hoogstens 10 MB).")
    )
    item.map_filename = stored.filename
    item.map_content_type = stored.content_type
    item.map_size = stored.size
    item.map_storage_key = stored.key
    db.session.flush()
    _published(item, changed=True)
    return item


def read_map(item: AlignmentItem) -> tuple[bytes, str, str] | None:
    """Return the process map of a readable item as (content, mimetype, filename); None when it has none."""
    if item.map_storage_key is None:
        return None
    path = path_of(item.map_storage_key)
    if not path.exists():
        return None
    # Only a PDF is offered as such; a BPMN (XML) downloads as a plain file, never rendered inline.
    mimetype = "application/pdf" if item.map_content_type == "application/pdf" else "application/octet-stream"
    return path.read_bytes(), mimetype, item.map_filename or "proceskaart"


def import_share(region_id: Any) -> dict[str, Any]:
    """Return the audience of imported items: the chosen region, or nobody."""
    if region_id in (None, ""):
        return {"audience": "own"}
    return {"audience": "region", "region_id": region_id}


# -- notifications ---------------------------------------------------------------------------


def _readers(item: AlignmentItem) -> set[int]:
    """Return the other tenants that read the item now."""
    if item.audience == "region" and item.region_id is not None:
        day = today()
        ids = select(RegionMembership.tenant_id).where(
            RegionMembership.region_id == item.region_id, RegionMembership.current_on(day)
        )
        readers = set(db.session.scalars(ids))
    elif item.audience == "partners":
        readers = set(object_grantees(item))
    else:
        readers = set()
    domain = select(ShareGrant.grantee_tenant_id).where(
        ShareGrant.tenant_id == item.tenant_id,
        ShareGrant.domain == AlignmentItem.__share_domain__,
        ShareGrant.active_at(utcnow()),
    )
    readers |= set(db.session.scalars(domain))
    readers.discard(item.tenant_id)
    return readers


def _published(item: AlignmentItem, *, changed: bool) -> int:
    """Tell the partners that compare with this item (they have one with the same subject) that it is new or changed."""
    if item.audience == "own" or item.status == ItemStatus.ONTWERP:
        return 0
    if item.published_at is None:
        item.published_at = utcnow()
    readers = sorted(_readers(item))
    comparing: list[int] = []
    for tenant_id in readers:
        # Each reader's own register is only readable in its own context.
        with acting_for(tenant_id):
            found = db.session.scalar(
                select(AlignmentItem.id)
                .where(
                    AlignmentItem.tenant_id == tenant_id,
                    AlignmentItem.kind == item.kind,
                    AlignmentItem.subject_key == item.subject_key,
                )
                .limit(1)
            )
        if found is not None:
            comparing.append(tenant_id)
    if not comparing:
        return 0
    if changed:
        title = _("%(tenant)s wijzigde %(title)s", tenant=item.tenant.name, title=item.title)
    else:
        title = _("%(tenant)s deelt %(title)s", tenant=item.tenant.name, title=item.title)
    # One notice per publication or change: the moment (to the microsecond) tells changes apart.
    stamp = utcnow().isoformat()
    return notify_users(
        directors(comparing),
        title=title,
        body=_("Je vergelijkt met dit item: %(subject)s.", subject=item.subject),
        path=f"/items/{item.id}",
        key=f"alignment-item:{item.id}:{stamp}",
        source_tenant_id=item.tenant_id,
    )


# -- export ----------------------------------------------------------------------------------


def register_header() -> list[str]:
    """Return the column titles of the register export (one layout for every kind)."""
    return [
        _("Bestuur"),
        _("Soort"),
        _("Titel"),
        _("Onderwerp"),
        _("Belasting of retributie"),
        _("Status"),
        _("Geldig vanaf"),
        _("Geldig tot"),
        _("Verantwoordelijke"),
        _("Detail"),
        _("Leverancier"),
        _("Einde contract"),
        _("Link naar de beslissing"),
    ]


def _detail(item: AlignmentItem) -> str:
    if item.kind == ItemKind.REGLEMENT:
        return "; ".join(f"{t.label}: {t.amount} EUR {t.unit}" for t in item.tariff_lines)
    if item.kind == ItemKind.FINANCIEEL_PROCES:
        days = _("%(days)s dagen", days=item.duration_days) if item.duration_days is not None else ""
        return " > ".join(item.steps) + (f" ({days})" if days else "")
    if item.kind == ItemKind.BEHEERSING:
        return "; ".join(
            f"{r.title}: {r.likelihood}x{r.impact}={r.score} ({CONTROL_LABELS[r.control_status]})" for r in item.risks
        )
    if item.kind == ItemKind.DIENSTVERLENING:
        swot = "; ".join(f"{QUADRANT_LABELS[s.quadrant]}: {s.text}" for s in item.swot)
        return " | ".join(p for p in (", ".join(item.channels), item.opening_hours, swot) if p)
    return item.data_processed


def register_rows(items: list[AlignmentItem]) -> list[list[Any]]:
    """Return one export row per item."""
    return [
        [
            item.tenant.name,
            str(KIND_LABELS[item.kind]),
            item.title,
            item.subject,
            str(LEVY_LABELS[item.category]) if item.category else "",
            str(ITEM_STATUS_LABELS[item.status]),
            item.valid_from_on,
            item.valid_until_on,
            item.responsible,
            _detail(item),
            item.supplier,
            item.contract_end_on,
            item.decision_url,
        ]
        for item in items
    ]


def is_valid_on(item: AlignmentItem, day: date) -> bool:
    """Tell whether the item is in force on ``day``."""
    return (
        item.status == ItemStatus.ACTIEF
        and (item.valid_from_on is None or item.valid_from_on <= day)
        and (item.valid_until_on is None or item.valid_until_on >= day)
    )
