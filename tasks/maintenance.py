"""Housekeeping: expired tokens and sessions, forgotten sign-in throttles."""

from __future__ import annotations

from celery import shared_task

from portal.auth.operations import delete_expired_tokens, delete_stale_login_throttles
from portal.auth.sessions import delete_expired_sessions
from portal.extensions import db


@shared_task(name="portal.maintenance.cleanup_tokens")
def cleanup_tokens() -> int:
    """Delete expired or used e-mail tokens; safe to run any number of times."""
    deleted = delete_expired_tokens()
    db.session.commit()
    return deleted


@shared_task(name="portal.maintenance.cleanup_sessions")
def cleanup_sessions() -> int:
    """Delete the rows of idle-expired sessions; safe to run any number of times."""
    deleted = delete_expired_sessions()
    db.session.commit()
    return deleted


@shared_task(name="portal.maintenance.cleanup_login_throttles")
def cleanup_login_throttles() -> int:
    """Delete sign-in throttle rows past the forget period; safe to run any number of times."""
    deleted = delete_stale_login_throttles()
    db.session.commit()
    return deleted
