"""Entry point for `celery -A tasks.worker worker|beat`."""

from portal import create_app

app = create_app()
celery = app.extensions["celery"]
