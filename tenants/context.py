"""The active tenant context: who acts, for which tenant, in this request or task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
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
