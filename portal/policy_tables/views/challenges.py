"""The challenges register of a table."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.forms import load_form
from portal.core.loading import get_visible_or_404
from portal.core.unitofwork import fail
from portal.policy_tables import operations as ops
from portal.policy_tables import permissions
from portal.policy_tables.models import Challenge, PolicyTable
from portal.policy_tables.schemas import CreateChallengeSchema, MoveChallengeSchema
from portal.policy_tables.views._blueprint import bp
from portal.policy_tables.views._common import _table_page


@bp.route("/<int:table_id>/uitdagingen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def add_challenge(table_id: int) -> Any:
    """Raise a common challenge or opportunity (the own municipality's row)."""
    obj = get_visible_or_404(PolicyTable, table_id)
    if not permissions.can_participate(current_user, obj):
        abort(403)
    data, errors = load_form(CreateChallengeSchema(), request.form)
    if data is None:
        return _table_page(obj, errors, 422)
    try:
        ops.add_challenge(obj, data, tenant_id=current_user.tenant_id)
    except DomainError as err:
        fail()
        return _table_page(obj, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("De uitdaging is toegevoegd aan het register."), "success")
    return redirect(url_for("policy_tables.table", table_id=obj.id, _anchor="uitdagingen-kop"))


@bp.route("/uitdagingen/<int:challenge_id>/status", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def move_challenge(challenge_id: int) -> Any:
    """Move an own challenge on (idee, onderzocht, samenwerking opgestart, afgevoerd)."""
    obj = get_visible_or_404(Challenge, challenge_id)
    if obj.tenant_id != current_user.tenant_id:
        abort(404)
    if not permissions.can_chair(current_user, obj):
        abort(403)
    table = get_visible_or_404(PolicyTable, obj.table_id)
    data, errors = load_form(MoveChallengeSchema(), request.form)
    if data is None:
        return _table_page(table, errors, 422)
    try:
        ops.move_challenge(obj, data)
    except DomainError as err:
        fail()
        return _table_page(table, {err.field or "_schema": [err.message]}, err.status_code)
    flash(_("De status van de uitdaging is aangepast."), "success")
    return redirect(url_for("policy_tables.table", table_id=table.id, _anchor="uitdagingen-kop"))
