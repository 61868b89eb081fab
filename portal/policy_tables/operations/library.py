"""A table's document library and the attachments of agenda items."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.core.errors import DomainError
from portal.core.files import LIBRARY_TYPES, store_document
from portal.extensions import db
from portal.policy_tables.models import AgendaItem, Meeting, PolicyTable, TableDocument
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


def agenda_and_attachments(meeting: Meeting) -> tuple[list[AgendaItem], dict[int, list[TableDocument]]]:
    """Return ``agenda_of`` and ``attachments_of`` of the meeting page in one query.

    The documents are outer-joined: the scope criteria (and row-level security) of documents
    apply to the join, so an item whose attachments the acting tenant may not read still shows.
    """
    rows = db.session.execute(
        select(AgendaItem, TableDocument)
        .outerjoin(TableDocument, TableDocument.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id, TableDocument.id)
    )
    agenda: dict[int, AgendaItem] = {}
    found: dict[int, list[TableDocument]] = {}
    for item, doc in rows:
        agenda.setdefault(item.id, item)
        if doc is not None:
            found.setdefault(item.id, []).append(doc)
    return list(agenda.values()), found


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
