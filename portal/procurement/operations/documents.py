"""Documents shared in a dossier (knowledge exchange), readable by exactly its readers."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.core.errors import DomainError
from portal.core.files import store_document
from portal.extensions import db
from portal.procurement.models import (
    DOCUMENT_KINDS,
    Document,
    DocumentKind,
    Dossier,
    DossierStatus,
    Participation,
    ParticipationStatus,
)
from portal.procurement.operations._common import _mirror, _notify_tenant
from portal.procurement.operations.participations import dossier_participations, own_participation
from tenants.context import current_tenant_id
from tenants.sharing import partner_tenants, set_audience


def dossier_documents(dossier: Dossier) -> list[Document]:
    """Return the documents of a dossier the acting tenant may read, bestek first, newest first."""
    docs = db.session.scalars(
        select(Document).where(Document.dossier_id == dossier.id).order_by(Document.created_at.desc(), Document.id)
    )
    return sorted(docs, key=lambda d: DOCUMENT_KINDS.index(d.kind))


#: ``may_share_documents(own=...)`` default: the participation is not known yet and is read.
_UNREAD: Any = object()


def may_share_documents(dossier: Dossier, tenant_id: int | None, *, own: Participation | None = _UNREAD) -> bool:
    """The lead shares documents; a partner once it takes part (interest or participation, not withdrawn).

    ``own``: the tenant's participation (or None) when the caller read it already.
    """
    if dossier.tenant_id == tenant_id:
        return True
    if dossier.status == DossierStatus.CONCEPT:
        return False
    part = own_participation(dossier, tenant_id) if own is _UNREAD else own
    return part is not None and part.status != ParticipationStatus.INGETROKKEN


def add_document(dossier: Dossier, upload: FileStorage | None, data: dict[str, Any], author_name: str) -> Document:
    """Store a checked document (PDF, DOCX, ODT) in the dossier, readable by exactly its readers."""
    tenant_id = current_tenant_id()
    is_lead = dossier.tenant_id == tenant_id
    if not may_share_documents(dossier, tenant_id):
        raise DomainError(
            _("Enkel de trekker en de deelnemende besturen delen documenten. Toon eerst je interesse."),
            status_code=409,
        )
    kind = data.get("kind") or DocumentKind.ANDERE
    if kind not in DOCUMENT_KINDS:
        raise DomainError(_("Kies het soort document."), field="kind", status_code=422)
    if kind == DocumentKind.BESTEK and not is_lead:
        raise DomainError(_("Enkel de trekker deelt het bestek."), field="kind", status_code=422)
    title = (data.get("title") or "").strip()
    if len(title) > 200:
        raise DomainError(_("De titel mag hoogstens 200 tekens lang zijn."), field="title", status_code=422)
    stored = store_document(upload, int(tenant_id or 0))
    duplicate = db.session.scalar(
        select(Document.id).where(
            Document.dossier_id == dossier.id, Document.tenant_id == tenant_id, Document.sha256 == stored.sha256
        )
    )
    if duplicate is not None:
        raise DomainError(_("Dit bestand is al gedeeld in dit dossier."), field="file", status_code=409)
    doc = Document(
        dossier_id=dossier.id,
        kind=kind,
        title=title or stored.filename,
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        author_name=author_name[:160],
    )
    db.session.add(doc)
    db.session.flush()
    if is_lead:
        _mirror(doc, dossier)
    elif dossier.region_id is not None:
        set_audience(doc, "region", region_id=dossier.region_id)
    db.session.flush()
    if dossier.status != DossierStatus.CONCEPT:
        _notify_dossier_parties(
            dossier,
            _("Nieuw document bij %(t)s: %(d)s", t=dossier.title, d=doc.title),
            f"proc-document:{doc.id}",
        )
    return doc


def _notify_dossier_parties(dossier: Dossier, title: str, key: str) -> int:
    """Notify the lead and the participants (not withdrawn) of a dossier, except the acting tenant."""
    acting = current_tenant_id()
    tenants = {dossier.tenant_id}
    if acting == dossier.tenant_id:
        # Only the lead reads every participation.
        parties = {p.tenant_id for p in dossier_participations(dossier) if p.status != ParticipationStatus.INGETROKKEN}
        # A participant that left the region no longer sees the dossier: it hears nothing of it.
        tenants |= parties & {t.id for t in partner_tenants(dossier.tenant_id)}
    sent = 0
    for tenant_id in sorted(tenants - {acting}):
        sent += _notify_tenant(tenant_id, title, f"/dossiers/{dossier.id}", f"{key}:{tenant_id}")
    return sent


def delete_document(doc: Document) -> None:
    """Remove a document from its dossier (the uploading tenant only); the stored file may be shared."""
    db.session.delete(doc)
    db.session.flush()
