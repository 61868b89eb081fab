"""A table's document library and attachments of agenda items."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.files import path_of
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.unitofwork import fail
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import AgendaItem, Meeting, PolicyTable, TableDocument
from portal.policy_tables.schemas import CreateDocumentSchema
from portal.policy_tables.views._blueprint import bp
from portal.policy_tables.views._common import _meeting_page, _run


def _library_page(obj: PolicyTable, errors: dict[str, Any] | None = None, status: int = 200) -> Any:
    q = request.args.get("q", "").strip()
    return render_template(
        "policy_tables/documents.html",
        obj=obj,
        documents=ops.documents_of(obj, q or None),
        q=q,
        can_participate=permissions.can_participate(current_user, obj),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
    ), status


@bp.route("/<int:table_id>/documenten", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def documents(table_id: int) -> Any:
    """Show the table's library (searchable by title) and take an upload from a member."""
    obj = get_visible_or_404(PolicyTable, table_id)
    if request.method == "GET":
        return _library_page(obj)
    if not permissions.can_participate(current_user, obj):
        abort(403)
    data, errors = load_form(CreateDocumentSchema(), request.form)
    if data is None:
        return _library_page(obj, errors, 422)
    try:
        ops.add_document(
            obj, data, request.files.get("file"), tenant_id=current_user.tenant_id, user_id=current_user.id
        )
    except DomainError as err:
        fail()
        return _library_page(obj, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("Het document is toegevoegd aan de bibliotheek."), "success")
    return redirect(url_for("policy_tables.documents", table_id=obj.id))


@bp.route("/documenten/<int:document_id>")
@allow(MEMBERS)
def download_document(document_id: int) -> Any:
    """Download a library document."""
    doc = get_visible_or_404(TableDocument, document_id)
    path = path_of(doc.storage_key)
    if not path.exists():
        abort(404)
    # Read whole (at most 10 MB): no file handle outlives the request.
    return send_file(
        io.BytesIO(path.read_bytes()), mimetype=doc.content_type, as_attachment=True, download_name=doc.filename
    )


@bp.route("/punten/<int:item_id>/bijlagen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def attach(item_id: int) -> Any:
    """Attach a file to an agenda item (the own municipality's row; the meeting must still be open)."""
    item = get_visible_or_404(AgendaItem, item_id)
    meeting = get_visible_or_404(Meeting, item.meeting_id)
    if not permissions.can_participate(current_user, meeting):
        abort(403)
    data, errors = load_form(CreateDocumentSchema(), request.form)
    if data is None:
        return _meeting_page(meeting, errors, 422)
    upload = request.files.get("file")
    return _run(
        meeting,
        lambda: ops.add_document(
            meeting.table,
            data,
            upload,
            tenant_id=current_user.tenant_id,
            user_id=current_user.id,
            agenda_item=item,
        ),
        _("De bijlage is toegevoegd aan het agendapunt."),
    )
