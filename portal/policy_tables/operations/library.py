"""A table's document library and the attachments of agenda items."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, select
from werkzeug.datastructures import FileStorage

from portal.core.errors import DomainError
from portal.core.files import LIBRARY_TYPES, store_document
from portal.extensions import db
from portal.policy_tables.models import AgendaItem, Decision, DecisionFollowUp, Meeting, PolicyTable, TableDocument
from portal.policy_tables.operations._common import _check_open
from tenants.sharing import is_member, set_audience

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


_ZIP_MARKERS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def _disguised(data: bytes, filename: str) -> bool:
    """Tell whether a zip-based office file is something else inside (e.g. a spreadsheet named .docx)."""
    extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    extension = f".{extension}"
    if extension not in (".docx", ".xlsx", ".odt") or not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if extension == ".odt":
                return "mimetype" not in names or archive.read("mimetype") != b"application/vnd.oasis.opendocument.text"
            return _ZIP_MARKERS[extension] not in names
    except (zipfile.BadZipFile, KeyError, ValueError):
        return True


def documents_of(table: PolicyTable, q: str | None = None) -> list[TableDocument]:
    """Return the table's library the acting tenant can read, searchable by title."""
    stmt = select(TableDocument).where(TableDocument.table_id == table.id)
    if q:
        stmt = stmt.where(TableDocument.title.ilike(f"%{q.strip()[:100]}%"))
    return list(db.session.scalars(stmt.order_by(TableDocument.title, TableDocument.id)))


def add_document(
    table: PolicyTable,
    data: dict[str, Any],
    upload: FileStorage | None,
    *,
    tenant_id: int,
    user_id: int | None,
    agenda_item: AgendaItem | None = None,
) -> TableDocument:
    """Add a file to the table's library, or attach it to an agenda item (the uploader's own row).

    The type is checked by the content, not only by the extension.
    """
    if tenant_id != table.tenant_id and (table.region_id is None or not is_member(tenant_id, table.region_id)):
        raise DomainError(_("Enkel leden van het samenwerkingsverband kunnen aan deze tafel zetelen."))
    if agenda_item is not None:
        meeting = db.session.get(Meeting, agenda_item.meeting_id)
        if meeting is None or meeting.table_id != table.id:
            raise DomainError(_("Onbekend agendapunt."), status_code=422)
        _check_open(meeting)
    if upload is not None and upload.filename:
        head = upload.stream.read(DOCUMENT_MAX_BYTES + 1)
        upload.stream.seek(0)
        if len(head) <= DOCUMENT_MAX_BYTES and _disguised(head, upload.filename):
            raise DomainError(_("De inhoud van het bestand past niet bij de extensie."), field="file", status_code=422)
    stored = store_document(
        upload,
        tenant_id,
        DOCUMENT_MAX_BYTES,
        types=LIBRARY_TYPES,
        refusal=_("Enkel PDF-, DOCX-, ODT-, XLSX-, PNG- of JPEG-bestanden zijn toegelaten."),
    )
    title = (data.get("title") or "").strip() or stored.filename
    doc = TableDocument(
        table_id=table.id,
        title=title[:200],
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        storage_key=stored.key,
        uploaded_by_id=user_id,
        agenda_item_id=agenda_item.id if agenda_item is not None else None,
    )
    db.session.add(doc)
    db.session.flush()
    if table.region_id is not None:
        set_audience(doc, "region", region_id=table.region_id)
    return doc


def agenda_page_rows(
    meeting: Meeting,
) -> tuple[list[AgendaItem], dict[int, list[TableDocument]], dict[int, Decision], dict[int, list[DecisionFollowUp]]]:
    """Return ``agenda_of``, ``attachments_of`` and ``decisions_and_follow_ups`` of the meeting page in one query.

    Attachments, decisions and their follow-ups are outer-joined to the items: their scope
    criteria (and row-level security) apply to the joins, so an item shows whatever of them the
    acting tenant may not read. A decision belongs to an item of this meeting (both columns).
    """
    rows = db.session.execute(
        select(AgendaItem, Decision, DecisionFollowUp, TableDocument)
        .outerjoin(
            Decision, and_(Decision.agenda_item_id == AgendaItem.id, Decision.meeting_id == AgendaItem.meeting_id)
        )
        .outerjoin(DecisionFollowUp, DecisionFollowUp.decision_id == Decision.id)
        .outerjoin(TableDocument, TableDocument.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id, Decision.id, DecisionFollowUp.id, TableDocument.id)
    )
    agenda: dict[int, AgendaItem] = {}
    documents: dict[int, dict[int, TableDocument]] = {}
    decisions: dict[int, Decision] = {}
    follow_ups: dict[int, dict[int, DecisionFollowUp]] = {}
    for item, decision, follow_up, doc in rows:
        agenda.setdefault(item.id, item)
        if doc is not None:
            documents.setdefault(item.id, {}).setdefault(doc.id, doc)
        if decision is not None:
            decisions[item.id] = decision  # the last by id, as ``decisions_and_follow_ups``
        if follow_up is not None:
            follow_ups.setdefault(follow_up.decision_id, {}).setdefault(follow_up.id, follow_up)
    return (
        list(agenda.values()),
        {item_id: list(docs.values()) for item_id, docs in documents.items()},
        decisions,
        {decision_id: list(found.values()) for decision_id, found in follow_ups.items()},
    )


def attachments_of(meeting: Meeting) -> dict[int, list[TableDocument]]:
    """Return the readable attachments of the meeting's agenda items, by item id."""
    items = select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id)
    found: dict[int, list[TableDocument]] = {}
    rows = db.session.scalars(
        select(TableDocument).where(TableDocument.agenda_item_id.in_(items)).order_by(TableDocument.id)
    )
    for doc in rows:
        if doc.agenda_item_id is not None:
            found.setdefault(doc.agenda_item_id, []).append(doc)
    return found
