"""PostgreSQL row-level security: the second wall behind the ORM scoping.

The runtime role owns no table; every tenant table has ``FORCE ROW LEVEL SECURITY`` and
policies that read the acting tenant from ``current_setting('app.tenant_id')``, set per
transaction with ``set_config(..., true)`` when a session begins and whenever the tenant
context changes inside it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session

from tenants.context import current_context

_SET = text("SELECT set_config('app.tenant_id', :tenant, true), set_config('app.today', :today, true)")


def _wanted() -> tuple[str, str]:
    ctx = current_context()
    if ctx is None or ctx.tenant_id is None:
        return "", ""
    return str(ctx.tenant_id), ctx.today.isoformat()


def _apply(session: Session, connection: Any) -> None:
    wanted = _wanted()
    if connection.info.get("portal_rls") != wanted:
        connection.execute(_SET, {"tenant": wanted[0], "today": wanted[1]})
        connection.info["portal_rls"] = wanted


def _after_begin(session: Session, transaction: Any, connection: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.info.pop("portal_rls", None)
        _apply(session, connection)


def _before_execute(state: ORMExecuteState) -> None:
    # The tenant context can change inside one transaction (tasks, CLI loops).
    if state.session.get_bind().dialect.name == "postgresql":
        _apply(state.session, state.session.connection())


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.get_bind().dialect.name == "postgresql":
        _apply(session, session.connection())


def install(engine: Engine) -> None:
    """Keep ``app.tenant_id`` in step with the tenant context on every PostgreSQL session."""
    if engine.dialect.name != "postgresql":
        return
    if not event.contains(Session, "after_begin", _after_begin):
        event.listen(Session, "after_begin", _after_begin)
        event.listen(Session, "do_orm_execute", _before_execute)
        event.listen(Session, "before_flush", _before_flush)
