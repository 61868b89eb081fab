"""Queue e-mails and notifications in the transaction, send them idempotently after commit."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from flask import current_app, g, has_request_context, render_template
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.core.mail import MESSAGE_ID_DOMAIN, build_message, deliver
from portal.core.models import utcnow
from portal.core.notifications import (
    DeliveryMode,
    Notification,
    OutboxMessage,
    OutboxStatus,
    outbox_committed,
    preference_for,
)
from portal.core.taskqueue import enqueue
from portal.extensions import db

log = structlog.get_logger(__name__)

#: Default of PORTAL_OUTBOX_CLAIM_SECONDS: a claim older than this belongs to a sender that died.
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def claim_timeout() -> timedelta:
    """Return how long a claim protects a row being sent (configurable, short in the crash tests)."""
    seconds = current_app.config.get("PORTAL_OUTBOX_CLAIM_SECONDS")
    return timedelta(seconds=int(seconds)) if seconds else CLAIM_TIMEOUT


def queue_mail(
    *,
    to: str,
    subject: str,
    template: str,
    dedupe_key: str,
    attachment_path: str | None = None,
    attachment_name: str | None = None,
    **context: Any,
) -> OutboxMessage | None:
    """Add an outbox row rendered from ``template`` (.txt and optional .html); once per key."""
    existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    text = render_template(f"mail/{template}.txt", **context)
    try:
        html: str | None = render_template(f"mail/{template}.html", **context)
    except Exception:  # noqa: BLE001 - an HTML part is optional
        html = None
    msg = OutboxMessage(
        dedupe_key=dedupe_key,
        to_email=to,
        subject=subject,
        body_text=text,
        body_html=html,
        attachment_path=attachment_path,
        attachment_name=attachment_name,
    )
    if not _insert_once(msg):
        return None
    db.session.info.setdefault("outbox_new", []).append(msg.id)
    return msg


def _insert_once(row: Any) -> bool:
    """Insert ``row``; False when a concurrent transaction already holds its dedupe key."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def notify(
    user: Any,
    *,
    category: str,
    title: str,
    body: str = "",
    link: str | None = None,
    dedupe_key: str | None = None,
    source_tenant_id: int | None = None,
) -> Notification | None:
    """Create an in-app notification and, if the user wants it now, its e-mail."""
    if dedupe_key is not None:
        found = db.session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))
        if found is not None:
            return None
    note = Notification(
        user_id=user.id,
        category=category,
        title=title,
        body=body,
        link=link,
        dedupe_key=dedupe_key,
        source_tenant_id=source_tenant_id,
    )
    if not _insert_once(note):
        return None
    mode = preference_for(db.session(), user.id, category)
    if mode == DeliveryMode.IMMEDIATE and user.is_active:
        queue_mail(
            to=user.email,
            subject=title,
            template="notification",
            dedupe_key=f"notification:{note.id}",
            user=user,
            notification=note,
            base_url=current_app.config["PORTAL_BASE_URL"],
        )
    if mode != DeliveryMode.DAILY:
        # Handled now (mailed, off, or a disabled account): never repeated in a digest.
        note.digested_at = utcnow()
    return note


def dispatch(ids: list[int]) -> None:
    """Hand committed outbox rows to the worker; in a request, after the response is built."""
    if has_request_context():
        pending = g.setdefault("outbox_dispatch", [])
        pending.extend(ids)
        return
    enqueue_ids(ids)


@outbox_committed.connect
def _dispatch_committed(session: Any, *, ids: list[int]) -> None:
    """Dispatch the outbox rows a transaction just committed (see notifications.install)."""
    dispatch(ids)


def flush_request_dispatch() -> None:
    """Enqueue what this request committed to the outbox."""
    ids = g.pop("outbox_dispatch", None)
    if ids:
        # The response is built: end the request's transaction first. An eager sender commits on
        # another connection, and on SQLite a read transaction still open here would lock it out.
        db.session.rollback()
        enqueue_ids(ids)


def enqueue_ids(ids: list[int]) -> None:
    """Enqueue the sender for each outbox id; a broker outage leaves them for the relay."""
    for message_id in ids:
        try:
            enqueue("portal.outbox.send", message_id)
        except Exception as exc:  # noqa: BLE001 - broker down: the relay picks it up later
            log.warning("outbox.enqueue_failed", message_id=message_id, error=str(exc))


def claim(message_id: int) -> bool:
    """Mark the message as being sent; False when it is sent or another worker holds it."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                OutboxMessage.status == OutboxStatus.PENDING,
                (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_at < now - claim_timeout()),
            ),
        )
        .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(getattr(result, "rowcount", 0))


def status_of(message_id: int) -> str:
    """Return the outbox message's status, or "missing"."""
    status = db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id))
    return status or "missing"


def message_id_of(msg: OutboxMessage) -> str:
    """Return the Message-ID of an outbox row: the same on every attempt, unique per row.

    A sender killed after the SMTP server accepted the mail but before the row was marked sent
    sends it again once the claim expires; both copies carry this id, so mail programs that
    drop duplicates (and anyone reading the SMTP logs) see one message.
    """
    seed = f"{msg.id}|{msg.dedupe_key}|{msg.created_at.isoformat() if msg.created_at else ''}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:24]
    return f"<outbox.{msg.id}.{digest}@{MESSAGE_ID_DOMAIN}>"


def send_message(message_id: int) -> str:
    """Send one outbox message once and return its status; commits the session.

    A failed delivery is recorded (``last_error``; back to pending, or failed after
    MAX_ATTEMPTS) and the error re-raised so the caller can retry later. A message that cannot
    be built (a header the mail library refuses) fails at once: retrying cannot mend it.
    Every failed row is logged at error level and counted by ``failed_count`` (``/healthz``).
    """
    if not claim(message_id):
        return status_of(message_id)
    msg = db.session.get(OutboxMessage, message_id)
    assert msg is not None
    try:
        attachment = None
        if msg.attachment_path:
            path = Path(msg.attachment_path)
            attachment = (msg.attachment_name or path.name, path.read_bytes(), "application/pdf")
        message = build_message(
            msg.to_email, msg.subject, msg.body_text, msg.body_html, attachment, message_id=message_id_of(msg)
        )
    except (ValueError, TypeError, LookupError) as exc:
        _record_failure(msg, exc, permanent=True)
        return "failed"
    try:
        deliver(message)
    except Exception as exc:
        _record_failure(msg, exc, permanent=False)
        raise
    msg.status = OutboxStatus.SENT
    msg.sent_at = utcnow()
    msg.last_error = None
    db.session.commit()
    log.info("outbox.sent", message_id=message_id, to=msg.to_email)
    return "sent"


def _record_failure(msg: OutboxMessage, exc: Exception, *, permanent: bool) -> None:
    msg.status = OutboxStatus.FAILED if permanent or msg.attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
    msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    db.session.commit()
    if msg.status == "failed":
        # Nobody will retry this one: the operator must see it (log alert, /healthz count).
        log.error(
            "outbox.delivery_given_up",
            message_id=msg.id,
            attempts=msg.attempts,
            permanent=permanent,
            error=msg.last_error,
        )
    else:
        log.warning("outbox.delivery_failed", message_id=msg.id, attempts=msg.attempts, error=msg.last_error)


def failed_count() -> int:
    """Return how many outbox messages were given up (status failed) and wait for an operator."""
    from sqlalchemy import func

    return int(db.session.scalar(select(func.count()).where(OutboxMessage.status == "failed")) or 0)


def relay(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Hand every pending or abandoned outbox row to the sender again; return how many."""
    ids = pending_ids(older_than=older_than)
    # End the read first: an eager sender commits on another connection (SQLite would lock it out).
    db.session.commit()
    enqueue_ids(ids)
    return len(ids)


def pending_ids(older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> list[int]:
    """Return outbox ids a relay should (re)hand to the worker."""
    cutoff = utcnow() - older_than
    rows = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.created_at < cutoff),
                (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.claimed_at < utcnow() - claim_timeout()),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(rows)
