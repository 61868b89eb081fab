"""Entry point for `celery -A tasks.worker worker|beat`."""

from celery import Celery

from portal import create_app

flask_app = create_app()
# `celery -A tasks.worker` takes the module's `app` (then `celery`): both must be the Celery app.
celery: Celery = flask_app.extensions["celery"]
app = celery
