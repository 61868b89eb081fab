"""Gunicorn settings of the production web process: ``gunicorn -c gunicorn.conf.py 'portal:create_app()'``."""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# Inside the container the web process listens on every interface; the proxy in front terminates TLS.
bind = os.environ.get("PORTAL_BIND", "0.0.0.0:8000")
workers = _int("PORTAL_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("PORTAL_WEB_THREADS", 2)
worker_class = "gthread"
timeout = _int("PORTAL_WEB_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100
# Heartbeat files on tmpfs (not a shared temp dir): a container's overlay filesystem can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The app itself applies ProxyFix for exactly one proxy; gunicorn's own trust stays narrow.
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Limits against oversized request lines and headers (bodies are limited by the app: 413).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
