"""Daily digest of notifications for users who chose it."""

from __future__ import annotations

from collections import defaultdict

from flask import current_app
from sqlalchemy import and_, select

from portal.auth.models import User
from portal.core.models import utcnow
from portal.core.notifications import Notification, NotificationPreference
from portal.core.outbox import queue_mail
from portal.extensions import db
from tenants.context import BRUSSELS


def send_digests() -> int:
    """Queue one digest mail per user with undelivered 'daily' notifications; return the count."""
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .join(
            NotificationPreference,
            and_(
                NotificationPreference.user_id == Notification.user_id,
                NotificationPreference.category == Notification.category,
            ),
        )
        .where(
            Notification.digested_at.is_(None),
            NotificationPreference.mode == "daily",
            User.is_active.is_(True),
        )
        .order_by(Notification.user_id, Notification.created_at)
    ).all()
    per_user: dict[int, list[Notification]] = defaultdict(list)
    users: dict[int, User] = {}
    for note, user in rows:
        per_user[user.id].append(note)
        users[user.id] = user
    day = utcnow().astimezone(BRUSSELS).date().isoformat()
    for user_id, notes in per_user.items():
        queue_mail(
            to=users[user_id].email,
            subject=f"Samenwerkingsportaal: {len(notes)} meldingen",
            template="digest",
            dedupe_key=f"digest:{user_id}:{day}",
            user=users[user_id],
            notifications=notes,
            base_url=current_app.config["PORTAL_BASE_URL"],
        )
        for note in notes:
            note.digested_at = utcnow()
    db.session.commit()
    return len(per_user)
