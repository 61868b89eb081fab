"""Append-only audit log, filled automatically on every flush."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, event, insert, inspect
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from portal.core.models import Base, JSONType, utcnow
from tenants.context import current_context

# Never written into the log, whatever model they live on.
SECRET_FIELDS = {"password_hash", "token_hash"}


class AuditEntry(Base):
    """One state change: who, for which tenant, what, old -> new, when, from where."""

    __audit__ = False
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_tenant_time", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for platform actions (creating tenants and regions).
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(10))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(64))


class AuditLogImmutable(RuntimeError):
    """Raise when code tries to change or delete an audit entry."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return json.loads(json.dumps(value, default=str))
    return str(value)


def _column_changes(obj: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    # A model lists its personal data in __audit_secret__: the append-only log never holds it.
    secret = SECRET_FIELDS | set(getattr(obj, "__audit_secret__", ()))
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in secret and action != "delete":
            hist = state.attrs[key].history
            if hist.has_changes():
                changes[key] = ["***", "***"]
            continue
        if key in secret:
            continue
        hist = state.attrs[key].history
        if action == "create":
            value = getattr(obj, key)
            if value is not None:
                changes[key] = [None, _plain(value)]
        elif action == "update":
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if old != new:
                    changes[key] = [_plain(old), _plain(new)]
        else:
            changes[key] = [_plain(getattr(obj, key)), None]
    return changes


def _audited(obj: Any) -> bool:
    # Bookkeeping rows (outbox, read markers, the log itself) opt out with __audit__ = False.
    return not isinstance(obj, AuditEntry) and getattr(obj, "__audit__", True)


def _collect(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.dirty | session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditLogImmutable("Het auditlog kan niet gewijzigd worden.")
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.new:
        if _audited(obj):
            pending.append(("create", obj, None))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            pending.append(("update", obj, _column_changes(obj, "update")))
    for obj in session.deleted:
        if _audited(obj):
            pending.append(("delete", obj, _column_changes(obj, "delete")))


def _write(session: Session, flush_context: Any) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    ctx = current_context()
    rows = []
    for action, obj, changes in pending:
        if action == "create":
            changes = _column_changes(obj, "create")
        if action == "update" and not changes:
            continue
        rows.append(
            {
                "tenant_id": ctx.tenant_id if ctx else None,
                "actor_user_id": ctx.user_id if ctx else None,
                "action": action,
                "object_type": getattr(obj, "__tablename__", type(obj).__name__),
                "object_id": getattr(obj, "id", None),
                "changes": changes,
                "created_at": utcnow(),
                "request_id": ctx.request_id if ctx else None,
                "ip": ctx.ip if ctx else None,
                "task_id": ctx.task_id if ctx else None,
            }
        )
    if rows:
        table: Any = AuditEntry.__table__
        # inline(): no RETURNING, which would make PostgreSQL apply the read policy to the new rows.
        session.connection().execute(insert(table).inline(), rows)


def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    # update(AuditEntry) / delete(AuditEntry) bypass the flush; refuse them here as well.
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == AuditEntry.__tablename__:
            raise AuditLogImmutable("Het auditlog kan niet gewijzigd worden.")


def install(session_class: Any = Session) -> None:
    """Record every flushed change of every model in the audit log."""
    if not event.contains(session_class, "before_flush", _collect):
        event.listen(session_class, "before_flush", _collect)
        event.listen(session_class, "after_flush", _write)
        event.listen(session_class, "do_orm_execute", _refuse_bulk_changes)
