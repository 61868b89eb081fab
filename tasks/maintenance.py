"""Housekeeping: expired tokens."""

from __future__ import annotations

from celery import shared_task

from portal.auth.operations import delete_expired_tokens


@shared_task(name="portal.maintenance.cleanup_tokens")
def cleanup_tokens() -> int:
    """Delete expired or used e-mail tokens; safe to run any number of times."""
    return delete_expired_tokens()
