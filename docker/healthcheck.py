"""Container healthchecks: ``python docker/healthcheck.py web|worker|beat`` exits 0 when healthy."""

from __future__ import annotations

import os
import socket
import sys
import urllib.request


def web() -> bool:
    """The app answers /healthz (which queries the database)."""
    port = os.environ.get("PORTAL_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:
        return bool(response.status == 200)


def worker() -> bool:
    """This container's Celery worker answers a ping over the broker."""
    from celery import Celery

    app = Celery(broker=os.environ["PORTAL_REDIS_URL"])
    try:
        replies = app.control.ping(destination=[f"celery@{socket.gethostname()}"], timeout=5)
    finally:
        app.close()
    return bool(replies)


def beat() -> bool:
    """A beat holds redbeat's lock (it renews it every tick; the lock expires when beat dies)."""
    import redis

    client = redis.from_url(os.environ["PORTAL_REDIS_URL"])
    try:
        return bool(client.exists(os.environ.get("PORTAL_REDBEAT_LOCK_KEY", "redbeat::lock")))
    finally:
        client.close()


CHECKS = {"web": web, "worker": worker, "beat": beat}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(CHECKS)}")
    try:
        healthy = CHECKS[sys.argv[1]]()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        print(f"unhealthy: {exc}", file=sys.stderr)
        sys.exit(1)
    sys.exit(0 if healthy else 1)
