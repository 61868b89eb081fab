"""The active tenant context: who acts, for which tenant, in this request or task."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.core.models import utcnow

BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True)
class TenantContext:
    """Identity of the acting tenant and user, plus request metadata for the audit log."""

    tenant_id: int | None
    user_id: int | None = None
    request_id: str | None = None
    ip: str | None = None
    task_id: str | None = None
    # Platform context: may create tenants and regions; still sees no tenant rows.
    is_platform: bool = False
    started_at: datetime = field(default_factory=utcnow)

    @property
    def today(self) -> date:
        """Return the date in Brussels at the start of this context."""
        return self.started_at.astimezone(BRUSSELS).date()


_current: ContextVar[TenantContext | None] = ContextVar("portal_tenant_context", default=None)


def current_context() -> TenantContext | None:
    """Return the active context, or None outside any."""
    return _current.get()


def current_tenant_id() -> int | None:
    """Return the acting tenant's id, or None outside any tenant context."""
    ctx = _current.get()
    return ctx.tenant_id if ctx else None


@contextmanager
def tenant_context(
    tenant_id: int | None,
    *,
    user_id: int | None = None,
    request_id: str | None = None,
    ip: str | None = None,
    task_id: str | None = None,
    is_platform: bool = False,
) -> Iterator[TenantContext]:
    """Act for ``tenant_id`` inside the block; restores the previous context after."""
    ctx = TenantContext(
        tenant_id=tenant_id,
        user_id=user_id,
        request_id=request_id,
        ip=ip,
        task_id=task_id,
        is_platform=is_platform,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_context(ctx: TenantContext | None) -> object:
    """Set the context for a request; return the token for ``reset_context``."""
    return _current.set(ctx)


def reset_context(token: object) -> None:
    """Restore the context that was active before ``set_context``."""
    _current.reset(token)  # type: ignore[arg-type]


def acting_tenant_id() -> int:
    """Return the acting tenant's id; raise when no tenant acts (a programming error)."""
    ctx = _current.get()
    if ctx is None or ctx.tenant_id is None:
        raise RuntimeError("no tenant acts in this context")
    return ctx.tenant_id


def acting_user_id() -> int | None:
    """Return the acting user's id, or None (a task, the platform, outside any context)."""
    ctx = _current.get()
    return ctx.user_id if ctx else None


@contextmanager
def acting_for(tenant_id: int | None, *, is_platform: bool | None = None) -> Iterator[TenantContext]:
    """Act for ``tenant_id`` inside the block, keeping who acts and the request's metadata.

    The one way operations switch tenant (to write a partner's mirror row, to read an owner's
    rows): user, request id, IP, task id and ``started_at`` stay, so the audit trail and
    ``today`` are those of the request, whatever tenant the block acts for.
    """
    previous = _current.get()
    if previous is None:
        ctx = TenantContext(tenant_id=tenant_id, is_platform=bool(is_platform))
    else:
        ctx = replace(
            previous,
            tenant_id=tenant_id,
            is_platform=previous.is_platform if is_platform is None else is_platform,
        )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def for_each_tenant(tenant_ids: Iterable[int]) -> Iterator[int]:
    """Yield each id of ``tenant_ids`` while acting for it (fan-out loops in tasks and reports).

    Each step runs in :func:`acting_for`; the context is restored between steps and after the loop,
    also when the loop body raises or breaks.
    """
    for tenant_id in tenant_ids:
        with acting_for(tenant_id):
            yield tenant_id
