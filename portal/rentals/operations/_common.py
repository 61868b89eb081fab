"""Private helpers the rental operations share: locks, mirror writes, owner staff, formatting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.roles import ALGEMEEN_DIRECTEUR, DIENST
from portal.extensions import db
from portal.rentals.models import Booking, Reservation, Resource
from tenants.context import BRUSSELS, acting_for, reset_context, set_context
from tenants.models import Tenant

CENT = Decimal("0.01")


@contextmanager
def _acting_as(tenant_id: int, user: User) -> Iterator[None]:
    """Act for ``tenant_id`` as ``user``, keeping the request's metadata (``acting_for`` keeps the user)."""
    # The operation names who asks (basket, series, acceptance): the owner's row records that
    # user even where the caller's context carries none, as the demo loader's does.
    with acting_for(tenant_id, is_platform=False) as ctx:
        token = set_context(replace(ctx, user_id=user.id))
        try:
            yield
        finally:
            reset_context(token)


def _conflict() -> DomainError:
    return DomainError(_("Dit materieel is in die periode al gereserveerd. Kies een andere periode."), status_code=409)


def _lock_resource(resource_id: int) -> None:
    """Serialise writers of one resource: row lock on PostgreSQL, write lock on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE (key_share=True): does not conflict with the KEY SHARE lock that the FK of a new row takes.
        db.session.execute(select(Resource.id).where(Resource.id == resource_id).with_for_update(key_share=True))
    else:
        db.session.execute(update(Resource).where(Resource.id == resource_id).values(updated_at=Resource.updated_at))


def _staff_of(tenant_id: int) -> list[User]:
    from portal.auth.models import UserRole

    ids = select(UserRole.user_id).where(UserRole.role.in_((DIENST, ALGEMEEN_DIRECTEUR)))
    return list(
        db.session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.is_active.is_(True), User.id.in_(ids))
            .order_by(User.id)
        )
    )


def _tell_staff(owner_id: int, *, title: str, body: str, path: str, dedupe_key: str, source_tenant_id: int) -> int:
    """Notify each of the owner's rental staff once (``dedupe_key`` plus the staff id); return how many anew.

    ``path`` is the request (or request group) below the owner's ``verhuur/aanvragen/``.
    """
    sent = 0
    for staff in _staff_of(owner_id):
        if notify(
            staff,
            category="rentals",
            title=title,
            body=body,
            link=f"/{_slug(owner_id)}/verhuur/aanvragen/{path}",
            dedupe_key=f"{dedupe_key}:{staff.id}",
            source_tenant_id=source_tenant_id,
        ):
            sent += 1
    return sent


def _tell_requester(booking: Booking, *, title: str, body: str, dedupe_key: str, path: str | None = None) -> bool:
    """Notify who asked for ``booking``; tell whether that was anew.

    The link is the requester's reservation, or ``path`` below their ``verhuur/reservaties/``.
    """
    user = _requester_user(booking)
    if user is None:
        return False
    note = notify(
        user,
        category="rentals",
        title=title,
        body=body,
        link=f"/{_slug(booking.requester_tenant_id)}/verhuur/reservaties/{path or booking.reservation_id}",
        dedupe_key=dedupe_key,
        source_tenant_id=booking.tenant_id,
    )
    return note is not None


def _fmt(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")


def _slug(tenant_id: int) -> str:
    return str(db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id)))


def _mirror(tenant_id: int, model: Any, row_id: int | None, status: str, note: str) -> None:
    """Copy a status change to the other party's row, inside that party's context."""
    if row_id is None:
        return
    with acting_for(tenant_id):
        db.session.execute(
            update(model).where(model.id == row_id).values(status=status, decision_note=note, updated_at=utcnow())
        )


def _copy(tenant_id: int, model: Any, row_id: int | None, values: dict[str, Any]) -> None:
    """Copy agreement, acceptance or handover fields to the other party's row, inside its context."""
    if row_id is None:
        return
    with acting_for(tenant_id):
        db.session.execute(update(model).where(model.id == row_id).values(**values, updated_at=utcnow()))


def _party(tenant_id: int) -> dict[str, Any]:
    tenant = db.session.get(Tenant, tenant_id)
    assert tenant is not None
    return {"id": tenant.id, "name": tenant.name, "contact_email": tenant.contact_email or ""}


def brussels(day: date, clock: str = "00:00") -> datetime:
    """Return the UTC moment of ``day`` at ``clock`` in Brussels."""
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)


def _requester_user(booking: Booking) -> User | None:
    with acting_for(booking.requester_tenant_id):
        user_id = db.session.scalar(select(Reservation.requested_by_id).where(Reservation.id == booking.reservation_id))
    return db.session.get(User, user_id) if user_id else None
