"""Vacancy alerts: staff keywords, and the notice when a matching vacancy they can see is published."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.outbox import notify
from portal.extensions import db
from portal.hr.models import Vacancy, VacancyInterest
from portal.hr.operations._common import _slug
from tenants.context import acting_for
from tenants.sharing import object_grantees, region_members


def _readers(vacancy: Vacancy) -> list[int]:
    """Return the tenants that may read a published vacancy: the owner and its audience."""
    ids = {vacancy.tenant_id}
    if vacancy.audience == "region" and vacancy.region_id is not None:
        ids |= {t.id for t in region_members(vacancy.region_id)}
    elif vacancy.audience == "partners":
        ids |= set(object_grantees(vacancy))
    return sorted(ids)


def _notify_interested(vacancy: Vacancy) -> None:
    """Tell staff whose keywords match a newly published vacancy they can see, in their own tenant."""

    text = " ".join((vacancy.title, vacancy.function_name, vacancy.department)).lower()
    owner_name, title, vacancy_id = vacancy.tenant.name, vacancy.title, vacancy.id
    for tenant_id in _readers(vacancy):
        slug = _slug(tenant_id)
        with acting_for(tenant_id):
            for interest in list(db.session.scalars(select(VacancyInterest))):
                if not any(k in text for k in interest.keyword_list):
                    continue
                user = db.session.get(User, interest.user_id)
                if user is None or not user.is_active:
                    continue
                notify(
                    user,
                    category="hr",
                    title=_("Nieuwe vacature: %(title)s", title=title),
                    body=_("%(owner)s publiceerde een vacature die past bij je interesses.", owner=owner_name),
                    link=f"/{slug}/hr/vacatures/{vacancy_id}",
                    dedupe_key=f"hr-interest:{vacancy_id}:{user.id}",
                    source_tenant_id=vacancy.tenant_id,
                )


def interest_of(user: User) -> VacancyInterest | None:
    """Return the user's vacancy keywords (their own tenant's row)."""
    return db.session.scalar(select(VacancyInterest).where(VacancyInterest.user_id == user.id))


def set_interest(user: User, keywords: str) -> VacancyInterest | None:
    """Store the user's keywords (comma-separated); empty keywords switch the alerts off."""
    cleaned = ", ".join(k.strip() for k in keywords.split(",") if k.strip())
    if len(cleaned) > 300:
        raise DomainError(_("Gebruik samen hoogstens 300 tekens."), field="keywords", status_code=422)
    row = interest_of(user)
    if not cleaned:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        return None
    if row is None:
        row = VacancyInterest(user_id=user.id, keywords=cleaned)
        db.session.add(row)
    row.keywords = cleaned
    db.session.flush()
    return row
