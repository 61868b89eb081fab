"""Settings read from environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)) or default)


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """Raise when the configuration is unsafe to run with."""


def _engine_options(database_url: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url and database_url.startswith("postgresql"):
        # No JIT: the row-level-security subplans make the planner's cost estimates large enough
        # to JIT-compile short queries, which then spend ~70 ms compiling for 3 ms of work.
        options["connect_args"] = {"options": "-c jit=off"}
    return options


def build_config(mode: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Return the settings for one runtime shape: embedded, production or test."""
    mode = mode or _env("PORTAL_ENV", "embedded") or "embedded"
    redis_url = _env("PORTAL_REDIS_URL")
    database_url = _env("PORTAL_DATABASE_URL", f"sqlite:///{INSTANCE / 'portal.sqlite3'}")
    cfg: dict[str, Any] = {
        "PORTAL_ENV": mode,
        "SECRET_KEY": _env("PORTAL_SECRET_KEY", "embedded-insecure-key-change-me"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        # Owner role for `flask db upgrade` on PostgreSQL; the runtime role owns no tables.
        "PORTAL_MIGRATION_DATABASE_URL": _env("PORTAL_MIGRATION_DATABASE_URL"),
        "SQLALCHEMY_RECORD_QUERIES": False,
        "PORTAL_REDIS_URL": redis_url,
        "PORTAL_BASE_URL": _env("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        # Sessions live on the server (the web_sessions table, ADR 0016) so logout and disabling
        # a user really revoke them, and a Redis outage signs nobody out.
        "SESSION_PERMANENT": True,
        # Session ids are 32 random bytes (43 URL-safe characters), nothing else in the cookie.
        "SESSION_ID_LENGTH": 32,
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(_env("PORTAL_SESSION_IDLE_MINUTES", "30") or 30)),
        "PORTAL_SESSION_ABSOLUTE_HOURS": int(_env("PORTAL_SESSION_ABSOLUTE_HOURS", "10") or 10),
        "SESSION_COOKIE_NAME": "portal_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("PORTAL_SECURE_COOKIES", mode == "production"),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # Benchmarks only: an X-SQL-Statements header with the statements each request ran.
        "PORTAL_COUNT_SQL": _bool("PORTAL_COUNT_SQL", False),
        "MAX_CONTENT_LENGTH": int(_env("PORTAL_MAX_CONTENT_LENGTH", str(10 * 1024 * 1024)) or 0),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "BABEL_DEFAULT_LOCALE": "nl_BE",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
        "PORTAL_LOCALES": ["nl_BE", "en"],
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in memory per process instead of failing every throttled request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STRATEGY": "moving-window",
        # Sign-in throttling (ADR 0020): backoff per (account, client) after PAIR_THRESHOLD failures
        # and per client after CLIENT_THRESHOLD, doubling from BASE up to MAX; counts are forgotten
        # FORGET seconds after the last failure. ALERT failures on one account mail its holder.
        "PORTAL_LOGIN_PAIR_THRESHOLD": _int("PORTAL_LOGIN_PAIR_THRESHOLD", 5),
        "PORTAL_LOGIN_CLIENT_THRESHOLD": _int("PORTAL_LOGIN_CLIENT_THRESHOLD", 30),
        "PORTAL_LOGIN_BACKOFF_BASE_SECONDS": _int("PORTAL_LOGIN_BACKOFF_BASE_SECONDS", 5),
        "PORTAL_LOGIN_BACKOFF_MAX_SECONDS": _int("PORTAL_LOGIN_BACKOFF_MAX_SECONDS", 15 * 60),
        "PORTAL_LOGIN_FORGET_SECONDS": _int("PORTAL_LOGIN_FORGET_SECONDS", 24 * 3600),
        "PORTAL_LOGIN_ALERT_FAILURES": _int("PORTAL_LOGIN_ALERT_FAILURES", 50),
        "PORTAL_DEVICE_COOKIE_DAYS": _int("PORTAL_DEVICE_COOKIE_DAYS", 180),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are believed; 0 = none.
        "PORTAL_TRUSTED_PROXIES": _int("PORTAL_TRUSTED_PROXIES", 1 if mode == "production" else 0),
        # Optionally only these peer addresses (comma-separated) count as the proxy.
        "PORTAL_TRUSTED_PROXY_IPS": [
            ip.strip() for ip in (_env("PORTAL_TRUSTED_PROXY_IPS", "") or "").split(",") if ip.strip()
        ],
        "PORTAL_TOKEN_MAX_AGE_HOURS": 24,
        "PORTAL_INVITE_MAX_AGE_DAYS": 7,
        # Rentals: how long a freed slot is held for the first on the waitlist before the next gets it.
        "PORTAL_RENTALS_OFFER_HOURS": _int("PORTAL_RENTALS_OFFER_HOURS", 48),
        # A sender that died mid-send leaves its outbox row claimed; after this long it may be sent again.
        "PORTAL_OUTBOX_CLAIM_SECONDS": _int("PORTAL_OUTBOX_CLAIM_SECONDS", 600),
        # How often beat runs the outbox relay (also the interval the two-beat test shortens).
        "PORTAL_OUTBOX_RELAY_SECONDS": _int("PORTAL_OUTBOX_RELAY_SECONDS", 60),
        "MAIL_SERVER": _env("PORTAL_MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(_env("PORTAL_MAIL_PORT", "25") or 25),
        "MAIL_USE_TLS": _bool("PORTAL_MAIL_USE_TLS", False),
        "MAIL_USERNAME": _env("PORTAL_MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("PORTAL_MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": _env("PORTAL_MAIL_SENDER", "Samenwerkingsportaal <noreply@samenwerkingsportaal.be>"),
        # Embedded default: no SMTP server is assumed; mails are written to the log instead.
        "PORTAL_MAIL_BACKEND": _env("PORTAL_MAIL_BACKEND", "smtp" if mode == "production" else "log"),
        "CELERY": {
            "broker_url": redis_url or "memory://",
            "result_backend": redis_url,
            "task_always_eager": redis_url is None,
            "task_eager_propagates": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            # One Redis may serve several deployments (or a test run beside a benchmark): each
            # consumes and sends on its own queue.
            "task_default_queue": _env("PORTAL_CELERY_QUEUE", "portal"),
            "broker_connection_retry_on_startup": True,
            # Redis down: a request that enqueues gives up within a few seconds and leaves the
            # message to the outbox relay, instead of hanging on kombu's default retries.
            "broker_connection_timeout": 2,
            "task_publish_retry_policy": {
                "max_retries": 2,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.5,
            },
            # A worker killed outright (SIGKILL, OOM, power) never acks or rejects its task: Redis
            # hands the message out again once it has been unacked this long. Must exceed the
            # longest task (or it runs twice at once) and PORTAL_OUTBOX_CLAIM_SECONDS (or the
            # redelivered sender finds its own dead claim still fresh). Sweep for such messages
            # every few seconds instead of kombu's ~100 s so short test timeouts work too.
            "broker_transport_options": {
                "visibility_timeout": _int("PORTAL_BROKER_VISIBILITY_TIMEOUT", 3600),
                "unacked_restore_interval": min(10, max(1, _int("PORTAL_BROKER_VISIBILITY_TIMEOUT", 3600) // 2)),
                "unacked_restore_throttle": 1,
                "socket_connect_timeout": 2,
            },
            "redbeat_redis_url": redis_url,
            "redbeat_lock_timeout": 300,
            "beat_scheduler": "redbeat.RedBeatScheduler",
            "timezone": "Europe/Brussels",
        },
        "API_TITLE": "Samenwerkingsportaal API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_REDOC_PATH": "docs",
        "OPENAPI_REDOC_URL": "/static/vendor/redoc/redoc.standalone.js",
        "API_PAGE_SIZE_MAX": 100,
        "PORTAL_DEMO_ON_EMPTY": _bool("PORTAL_DEMO_ON_EMPTY", False),
        "PORTAL_RLS": database_url.startswith("postgresql") if database_url else False,
        "PORTAL_UPLOAD_DIR": _env("PORTAL_UPLOAD_DIR", str(INSTANCE / "uploads")),
        "TESTING": False,
    }
    cfg.update(overrides)
    if cfg["PORTAL_ENV"] == "production":
        check_production(cfg)
    return cfg


def check_production(cfg: dict[str, Any]) -> None:
    """Refuse to start production without a secret key and a real database."""
    secret = cfg.get("SECRET_KEY") or ""
    if secret.startswith("embedded-insecure") or len(secret) < 32:
        raise ConfigError("PORTAL_SECRET_KEY must be set to at least 32 random characters in production.")
    uri = cfg.get("SQLALCHEMY_DATABASE_URI") or ""
    if not uri.startswith("postgresql"):
        raise ConfigError("PORTAL_DATABASE_URL must point to PostgreSQL in production.")
    if not cfg.get("PORTAL_REDIS_URL"):
        raise ConfigError("PORTAL_REDIS_URL must be set in production.")
