"""Common challenges and opportunities raised at a table, and their status moves."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.policy_tables.models import CHALLENGE_MOVES, CHALLENGE_STATUSES, Challenge, ChallengeStatus, PolicyTable
from tenants.sharing import is_member, set_audience


def challenges_of(table: PolicyTable) -> list[Challenge]:
    """Return the table's challenges the acting tenant can read, open ones first."""
    order: dict[str, int] = {status: index for index, status in enumerate(ChallengeStatus)}
    rows = db.session.scalars(select(Challenge).where(Challenge.table_id == table.id).order_by(Challenge.id))
    return sorted(rows, key=lambda c: (order.get(c.status, 9), c.id))


def _result_link(value: str | None) -> str:
    link = (value or "").strip()
    if link and not re.fullmatch(r"/[A-Za-z0-9/_\-.?=&]*|https://\S+", link):
        raise DomainError(
            _("Geef een pad in het portaal (bv. /overeenkomsten/12) of een https-link."),
            field="result_link",
            status_code=422,
        )
    return link


def add_challenge(table: PolicyTable, data: dict[str, Any], *, tenant_id: int) -> Challenge:
    """Raise a common challenge or opportunity at the table (the raising municipality's own row)."""
    if tenant_id != table.tenant_id and (table.region_id is None or not is_member(tenant_id, table.region_id)):
        raise DomainError(_("Enkel leden van het samenwerkingsverband kunnen aan deze tafel zetelen."))
    obj = Challenge(
        table_id=table.id,
        title=data["title"].strip(),
        description_html=sanitise(data.get("description_html")),
        status=ChallengeStatus.IDEE,
    )
    db.session.add(obj)
    db.session.flush()
    if table.region_id is not None:
        set_audience(obj, "region", region_id=table.region_id)
    return obj


def move_challenge(obj: Challenge, data: dict[str, Any]) -> Challenge:
    """Move a challenge on (idee -> onderzocht -> samenwerking opgestart, or afgevoerd)."""
    status = data["status"]
    if status not in CHALLENGE_MOVES.get(obj.status, ()):
        raise DomainError(
            _("Van %(old)s kan niet naar %(new)s.", old=obj.status_label, new=CHALLENGE_STATUSES[status]),
            field="status",
            status_code=409,
        )
    if status == ChallengeStatus.OPGESTART:
        if not data.get("result_kind"):
            raise DomainError(_("Geef aan welke samenwerking is opgestart."), field="result_kind", status_code=422)
        obj.result_kind = data["result_kind"]
        obj.result_link = _result_link(data.get("result_link"))
        obj.result_note = (data.get("result_note") or "").strip()[:300]
    obj.status = status
    db.session.flush()
    return obj
