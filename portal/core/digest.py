"""Daily digest of notifications for users who chose it."""

from __future__ import annotations

from collections import defaultdict

from flask import current_app
from sqlalchemy import and_, or_, select

from portal.auth.models import User
from portal.core.models import utcnow
from portal.core.notifications import DeliveryMode, Notification, NotificationPreference
from portal.core.outbox import queue_mail
from portal.extensions import db


def send_digests() -> int:
    """Queue one digest mail per user with undelivered 'daily' notifications; return how many."""
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .outerjoin(
            NotificationPreference,
            and_(
                NotificationPreference.user_id == Notification.user_id,
                NotificationPreference.category == Notification.category,
            ),
        )
        .where(
            # Undelivered: created while the category was on 'daily'. Still send those when the
            # user has since switched to 'immediate'; not when they switched it off.
            Notification.digested_at.is_(None),
            or_(NotificationPreference.mode.is_(None), NotificationPreference.mode != DeliveryMode.OFF),
            User.is_active.is_(True),
        )
        .order_by(Notification.user_id, Notification.created_at)
    ).all()
    per_user: dict[int, list[Notification]] = defaultdict(list)
    users: dict[int, User] = {}
    for note, user in rows:
        per_user[user.id].append(note)
        users[user.id] = user
    sent = 0
    for user_id, notes in per_user.items():
        # Keyed by the newest notification it covers: a rerun (or a second worker) adds nothing,
        # while notifications that arrive later the same day still get their own digest.
        queued = queue_mail(
            to=users[user_id].email,
            subject=f"Samenwerkingsportaal: {len(notes)} {'melding' if len(notes) == 1 else 'meldingen'}",
            template="digest",
            dedupe_key=f"digest:{user_id}:{max(note.id for note in notes)}",
            user=users[user_id],
            notifications=notes,
            base_url=current_app.config["PORTAL_BASE_URL"],
        )
        sent += queued is not None
        for note in notes:
            note.digested_at = utcnow()
    db.session.commit()
    return sent
