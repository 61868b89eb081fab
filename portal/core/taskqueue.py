"""The Celery app bound to Flask, and enqueueing by task name."""

from __future__ import annotations

from typing import Any

import structlog
from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app

from tenants.context import tenant_context

log = structlog.get_logger(__name__)

TASK_MODULES = ["tasks.mail", "tasks.maintenance"]

BEAT_SCHEDULE = {
    "outbox-relay": {"task": "portal.outbox.relay", "schedule": 60.0},
    "notification-digest": {"task": "portal.notifications.digest", "schedule": crontab(hour=7, minute=0)},
    "token-cleanup": {"task": "portal.maintenance.cleanup_tokens", "schedule": crontab(hour=3, minute=15)},
    "session-cleanup": {"task": "portal.maintenance.cleanup_sessions", "schedule": crontab(minute=40)},
    "login-throttle-cleanup": {"task": "portal.maintenance.cleanup_login_throttles", "schedule": crontab(minute=50)},
}


def init_celery(app: Flask) -> Celery:
    """Create the Celery app; every task runs in its own Flask app context and DB session."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            # As in a worker process, even when run eagerly inside a request: a fresh app
            # context (its own DB session) and no inherited tenant; a task that acts for a
            # tenant enters its context itself. The task id goes to the audit log and logs.
            # A root context on purpose, not acting_for(): that keeps the surrounding request's
            # user, request id and start time, and cannot set the task id.
            task_id = self.request.id
            with (
                app.app_context(),
                tenant_context(None, task_id=task_id),
                structlog.contextvars.bound_contextvars(task=self.name, task_id=task_id),
            ):
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.config_from_object(app.config["CELERY"])
    from portal.features import beat_schedule, task_modules

    celery.conf.include = [*TASK_MODULES, *task_modules()]
    schedule = {**BEAT_SCHEDULE, **beat_schedule()}
    relay = float(app.config.get("PORTAL_OUTBOX_RELAY_SECONDS") or 60)
    schedule["outbox-relay"] = {**schedule["outbox-relay"], "schedule": relay}
    celery.conf.beat_schedule = schedule
    celery.set_default()
    app.extensions["celery"] = celery
    celery.loader.import_default_modules()
    return celery


def enqueue(name: str, *args: Any) -> Any:
    """Run task ``name``: in-process when eager (embedded default), else through the broker."""
    celery: Celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        return celery.tasks[name].apply(args=args, throw=True)
    # Fire and forget: callers never wait for a result, so do not subscribe to one.
    return celery.send_task(name, args=args, ignore_result=True)
