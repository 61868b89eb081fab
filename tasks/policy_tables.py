"""Beleidstafels: daily reminders of overdue action items and the automatic publication of agendas."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.schedules import crontab

from portal.policy_tables.operations import publish_all_due_agendas, remind_all_overdue

SCHEDULE: dict[str, Any] = {
    "policy-tables-overdue-actions": {
        "task": "portal.policy_tables.remind_overdue",
        "schedule": crontab(hour=7, minute=15),
    },
    "policy-tables-publish-agendas": {
        "task": "portal.policy_tables.publish_due_agendas",
        "schedule": crontab(minute=5),
    },
}


@shared_task(name="portal.policy_tables.remind_overdue")
def remind_overdue() -> int:
    """Notify responsible municipalities of overdue actions; a second run sends nothing new."""
    return remind_all_overdue()


@shared_task(name="portal.policy_tables.publish_due_agendas")
def publish_due_agendas() -> int:
    """Publish the agendas that are due; a second run publishes nothing new."""
    return publish_all_due_agendas()
