"""Beleidstafels: daily reminders of overdue action items."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.schedules import crontab

from portal.policy_tables.operations import remind_all_overdue

SCHEDULE: dict[str, Any] = {
    "policy-tables-overdue-actions": {
        "task": "portal.policy_tables.remind_overdue",
        "schedule": crontab(hour=7, minute=15),
    }
}


@shared_task(name="portal.policy_tables.remind_overdue")
def remind_overdue() -> int:
    """Notify responsible municipalities of overdue actions; a second run sends nothing new."""
    return remind_all_overdue()
