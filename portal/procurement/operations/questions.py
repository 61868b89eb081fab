"""The Q&A thread of a dossier."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.procurement.models import (
    Dossier,
    DossierStatus,
    ParticipationStatus,
    Question,
)
from portal.procurement.operations._common import _notify_tenant
from portal.procurement.operations.participations import dossier_participations
from tenants.context import current_tenant_id
from tenants.sharing import partner_tenants, set_audience


def post_question(dossier: Dossier, body: str, author_name: str) -> Question:
    """Post a message in the dossier's Q&A thread, readable by every reader of the dossier."""
    text = (body or "").strip()
    if not text:
        raise DomainError(_("Schrijf eerst een vraag of antwoord."), field="body", status_code=422)
    if dossier.status == DossierStatus.CONCEPT and dossier.tenant_id != current_tenant_id():
        raise DomainError(_("Dit dossier is nog niet open."))
    message = Question(dossier_id=dossier.id, body=text[:5000], author_name=author_name[:160])
    db.session.add(message)
    db.session.flush()
    if dossier.audience == "region" and dossier.region_id is not None:
        set_audience(message, "region", region_id=dossier.region_id)
    if dossier.tenant_id != current_tenant_id():
        _notify_tenant(
            dossier.tenant_id,
            _("Nieuwe vraag bij %(t)s", t=dossier.title),
            f"/dossiers/{dossier.id}",
            f"proc-question:{message.id}",
        )
    else:
        # The lead answers: whoever asked in the thread, and the participants, hear of it.
        askers = set(db.session.scalars(select(Question.tenant_id).where(Question.dossier_id == dossier.id)))
        parties = {p.tenant_id for p in dossier_participations(dossier) if p.status != ParticipationStatus.INGETROKKEN}
        partners = {t.id for t in partner_tenants(dossier.tenant_id)}
        for tenant_id in sorted(((askers | parties) & partners) - {dossier.tenant_id}):
            _notify_tenant(
                tenant_id,
                _("Nieuw antwoord bij %(t)s", t=dossier.title),
                f"/dossiers/{dossier.id}",
                f"proc-answer:{message.id}:{tenant_id}",
            )
    return message


def dossier_questions(dossier: Dossier) -> list[Question]:
    """Return the Q&A thread of a dossier, oldest first."""
    return list(
        db.session.scalars(
            select(Question).where(Question.dossier_id == dossier.id).order_by(Question.created_at, Question.id)
        )
    )
