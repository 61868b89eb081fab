"""A cache that lives as long as one web request, keyed by the acting tenant.

For reads that several layers of one request repeat (the acting tenant's regions and partners,
the id lists of ``readable_prefilter``): the first call queries, later calls of the same request
get the same answer. Safe by construction:

* it hangs on Flask's request context, so it ends with the request (a test client that reuses
  one app context for many requests still gets a fresh cache per request), and outside a
  request (Celery tasks, the CLI) nothing is cached at all;
* every key holds the acting tenant and platform flag of ``tenants.context``, so inside
  ``acting_for(other)`` a read never answers from the acting tenant's entries, nor after it;
* a flush that writes tenants, regions, memberships or grants, any bulk or Core write through
  the session, every commit and every rollback empty it: a request that changes memberships
  reads them again, and a commit (which expires or detaches the cached rows) never leaves rows
  behind that can no longer load their attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import has_request_context
from flask.globals import request_ctx
from sqlalchemy import event
from sqlalchemy.orm import Session

from tenants.context import current_context
from tenants.models import Region, RegionMembership, ShareGrant, Tenant

T = TypeVar("T")

_ATTRIBUTE = "_portal_request_cache"
#: Writes to these make every cached answer suspect.
_WATCHED = (Tenant, Region, RegionMembership, ShareGrant)


def _store() -> dict[Hashable, Any] | None:
    if not has_request_context():
        return None
    ctx: Any = request_ctx._get_current_object()  # type: ignore[attr-defined]
    store: dict[Hashable, Any] | None = getattr(ctx, _ATTRIBUTE, None)
    if store is None:
        store = {}
        setattr(ctx, _ATTRIBUTE, store)
    return store


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """Return ``compute()``, computed once per request, acting tenant and ``key``."""
    store = _store()
    if store is None:
        return compute()
    ctx = current_context()
    full = (key, ctx.tenant_id if ctx else None, ctx.is_platform if ctx else False)
    try:
        return store[full]  # type: ignore[no-any-return]
    except KeyError:
        value = store[full] = compute()
        return value


def clear() -> None:
    """Forget everything cached in the current request."""
    store = _store()
    if store:
        store.clear()


def _after_flush(session: Session, flush_context: Any) -> None:
    if any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        clear()


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    clear()


def _after_commit(session: Session) -> None:
    clear()


def _on_execute(state: Any) -> None:
    # Bulk and Core writes (update(), delete(), insert()) bypass the flush: any of them empties it.
    if not state.is_select:
        clear()


def install(session_class: Any = Session) -> None:
    """Empty the cache when ``session_class`` writes what it holds, commits or rolls back."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
        event.listen(session_class, "after_soft_rollback", _after_rollback)
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "do_orm_execute", _on_execute)
