"""Joint procurement reminders: contract expiry and approaching joining deadlines."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.schedules import crontab


@shared_task(name="portal.procurement.reminders")
def reminders() -> int:
    """Send expiry and deadline reminders for every tenant; a second run sends nothing new."""
    from portal.procurement.operations import run_reminders

    return run_reminders()


SCHEDULE: dict[str, Any] = {
    "procurement-reminders": {"task": "portal.procurement.reminders", "schedule": crontab(hour=6, minute=30)},
}
