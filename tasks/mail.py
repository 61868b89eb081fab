"""Outbox relay, sender and daily digest."""

from __future__ import annotations

from celery import shared_task

from portal.core import outbox
from portal.core.digest import send_digests


@shared_task(name="portal.outbox.send", bind=True, max_retries=5, default_retry_delay=60)
def send_outbox_message(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    """Send one outbox message; a redelivered task finds it sent and does nothing."""
    try:
        return outbox.send_message(message_id)
    except OSError as exc:
        status = outbox.status_of(message_id)
        # In-process (eager) a retry would run at once, in the caller's request: leave the
        # message pending for the relay instead. Given up after MAX_ATTEMPTS: stop retrying.
        if self.request.is_eager or status != "pending":
            return status
        raise self.retry(exc=exc) from exc


@shared_task(name="portal.outbox.relay")
def relay_outbox() -> int:
    """Hand outbox rows that were not enqueued (broker down) or were abandoned to the sender."""
    return outbox.relay()


@shared_task(name="portal.notifications.digest")
def digest() -> int:
    """Send each user who wants it a daily summary of undelivered notifications."""
    return send_digests()
