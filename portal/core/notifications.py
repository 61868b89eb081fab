"""In-app notifications, per-user preferences and the transactional e-mail outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event, func, select
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from portal.core.models import Base, check_in, utcnow


class DeliveryMode(StrEnum):
    """How a user wants one category delivered."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    OFF = "off"


class OutboxStatus(StrEnum):
    """Where an outgoing e-mail stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


MODES = tuple(DeliveryMode)
MODE_LABELS = {
    DeliveryMode.IMMEDIATE: _l("Meteen"),
    DeliveryMode.DAILY: _l("Dagelijkse samenvatting"),
    DeliveryMode.OFF: _l("Uit"),
}

# Categories modules notify in; a module adds its own here when it lands.
CATEGORIES: dict[str, Any] = {
    "account": _l("Account en beveiliging"),
    "sharing": _l("Delen en partners"),
    "general": _l("Algemeen"),
    "aankoop": _l("Gezamenlijke aankoop"),
    "hr": _l("Gedeelde HR"),
    "rentals": _l("Materieel en zalen"),
}
# Security mails cannot be switched off.
MANDATORY = {"account"}


def is_local_link(link: str | None) -> bool:
    """Return True only for a path on this site ("/..."), never for a link to another host."""
    if not link or not link.startswith("/") or link.startswith("//"):
        return False
    # Browsers read "/\host" as "//host" and drop tabs and newlines: refuse them all.
    if "\\" in link or any(ord(c) <= 32 or ord(c) == 127 for c in link):
        return False
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc


class Notification(Base):
    """An in-app notification for one user; e-mailed according to their preference."""

    __tablename__ = "notifications"
    __audit__ = False
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The tenant whose action caused it (for the audit trail, not for access).
    source_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    digested_at: Mapped[datetime | None]

    @property
    def local_link(self) -> str | None:
        """Return the link if it stays on this site, else None (never follow it elsewhere)."""
        return self.link if is_local_link(self.link) else None


class NotificationPreference(Base):
    """How one user wants one category delivered: immediately, daily digest or off."""

    __tablename__ = "notification_preferences"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("user_id", "category"),
        check_in("mode", DeliveryMode),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10))


class OutboxMessage(Base):
    """An e-mail waiting to be sent; written in the same transaction as the change."""

    __tablename__ = "outbox_messages"
    __audit__ = False
    __table_args__ = (
        check_in("status", OutboxStatus),
        Index("ix_outbox_messages_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Idempotency: the same logical mail is queued at most once.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_email: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_path: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


def preference_for(session: Session, user_id: int, category: str) -> str:
    """Return the delivery mode the user chose for ``category`` (default: immediate)."""
    if category in MANDATORY:
        return DeliveryMode.IMMEDIATE
    mode = session.scalar(
        select(NotificationPreference.mode).where(
            NotificationPreference.user_id == user_id, NotificationPreference.category == category
        )
    )
    return mode or DeliveryMode.IMMEDIATE


def unread_count(session: Session, user_id: int) -> int:
    """Return how many unread notifications the user has."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def unread_count_column(user_id: Any) -> Any:
    """Return ``unread_count`` as a scalar subquery for the user in column ``user_id`` (the user loader)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


# The layout's unread badge: counted by the user loader's statement at the start of the request
# and kept on the request context (never longer, never for another user); any write to
# notifications in the request (a flush of Notification rows, any bulk or Core write) and any
# rollback forget it, so the page then counts again.
_UNREAD = "_portal_unread_count"


def _request_ctx() -> Any:
    from flask import has_request_context
    from flask.globals import request_ctx

    return request_ctx._get_current_object() if has_request_context() else None  # type: ignore[attr-defined]


def preload_unread(user_id: int, count: int) -> None:
    """Remember the unread count the user loader read for ``user_id`` in this request."""
    ctx = _request_ctx()
    if ctx is not None:
        setattr(ctx, _UNREAD, (user_id, count))


def request_unread_count(session: Session, user_id: int) -> int:
    """Return ``unread_count`` once per request (the preloaded count while nothing changed it)."""
    ctx = _request_ctx()
    held = getattr(ctx, _UNREAD, None) if ctx is not None else None
    if held is not None and held[0] == user_id:
        return int(held[1])
    count = unread_count(session, user_id)
    if ctx is not None:
        setattr(ctx, _UNREAD, (user_id, count))
    return count


def _forget_unread() -> None:
    ctx = _request_ctx()
    if ctx is not None and hasattr(ctx, _UNREAD):
        delattr(ctx, _UNREAD)


def _unread_after_flush(session: Session, flush_context: Any) -> None:
    if any(isinstance(obj, Notification) for obj in (*session.new, *session.dirty, *session.deleted)):
        _forget_unread()


def _unread_on_execute(state: Any) -> None:
    if not state.is_select:
        _forget_unread()


def _unread_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    _forget_unread()


#: Sent with ``ids=`` (the outbox rows a transaction committed) once it commits. The outbox,
#: the only writer of such rows, receives it: so this module needs no import of the outbox.
outbox_committed = Namespace().signal("outbox-committed")


def _after_commit(session: Session) -> None:
    # Also fired when a SAVEPOINT (begin_nested) is released: the rows are not committed yet.
    if session.in_nested_transaction():
        return
    ids = session.info.pop("outbox_new", None)
    if ids:
        outbox_committed.send(session, ids=ids)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    # A rolled-back SAVEPOINT keeps the outer transaction's rows; an id of a row it undid is
    # harmless (the sender finds nothing to send).
    if previous_transaction.parent is None:
        session.info.pop("outbox_new", None)


def install(session_class: Any = Session) -> None:
    """Hand new outbox rows to the task queue once their transaction commits."""
    if not event.contains(session_class, "after_commit", _after_commit):
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "after_soft_rollback", _after_soft_rollback)
        event.listen(session_class, "after_flush", _unread_after_flush)
        event.listen(session_class, "do_orm_execute", _unread_on_execute)
        event.listen(session_class, "after_soft_rollback", _unread_after_rollback)
