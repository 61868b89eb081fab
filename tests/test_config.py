"""Production mode refuses to start unless secret key, PostgreSQL and Redis are configured."""

from __future__ import annotations

import os
import secrets

import pytest

from portal import create_app
from portal.config import ConfigError, build_config

PG = "postgresql+psycopg://portal_app@db.example.test:5432/portal"
REDIS = "redis://cache.example.test:6379/0"


@pytest.fixture
def env(monkeypatch):
    """A clean environment: nothing PORTAL_* set, then what the test sets."""
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


def strong_key() -> str:
    return secrets.token_urlsafe(48)


def test_production_starts_with_secret_key_postgresql_and_redis(env):
    env(PORTAL_ENV="production", PORTAL_SECRET_KEY=strong_key(), PORTAL_DATABASE_URL=PG, PORTAL_REDIS_URL=REDIS)
    cfg = build_config()
    assert cfg["PORTAL_ENV"] == "production"
    assert cfg["SQLALCHEMY_DATABASE_URI"] == PG
    # The production shape: RLS on, limits/broker on Redis (sessions in the database), real
    # mail, secure cookies.
    assert cfg["PORTAL_RLS"] is True
    assert cfg["RATELIMIT_STORAGE_URI"] == REDIS
    assert cfg["CELERY"]["broker_url"] == REDIS
    assert cfg["CELERY"]["task_always_eager"] is False
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["PORTAL_MAIL_BACKEND"] == "smtp"


def test_production_without_secret_key_refuses(env):
    env(PORTAL_DATABASE_URL=PG, PORTAL_REDIS_URL=REDIS)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        build_config("production")


@pytest.mark.parametrize(
    "key",
    [
        "geheim",
        "x" * 31,
        # The embedded default, however long, is public knowledge.
        "embedded-insecure-key-change-me-and-make-it-long-enough",
    ],
)
def test_production_with_weak_secret_key_refuses(env, key):
    env(PORTAL_SECRET_KEY=key, PORTAL_DATABASE_URL=PG, PORTAL_REDIS_URL=REDIS)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        build_config("production")


@pytest.mark.parametrize("url", [None, "sqlite:////srv/portal/portal.sqlite3", "mysql://portal@db/portal"])
def test_production_without_postgresql_refuses(env, url):
    env(PORTAL_SECRET_KEY=strong_key(), PORTAL_REDIS_URL=REDIS)
    if url:
        env(PORTAL_DATABASE_URL=url)
    with pytest.raises(ConfigError, match="PORTAL_DATABASE_URL"):
        build_config("production")


def test_production_without_redis_refuses(env):
    env(PORTAL_SECRET_KEY=strong_key(), PORTAL_DATABASE_URL=PG)
    with pytest.raises(ConfigError, match="PORTAL_REDIS_URL"):
        build_config("production")


def test_production_app_factory_refuses_before_touching_anything(env):
    env(PORTAL_ENV="production", PORTAL_DATABASE_URL=PG, PORTAL_REDIS_URL=REDIS)
    with pytest.raises(ConfigError):
        create_app()


def test_embedded_default_needs_nothing(env):
    cfg = build_config()
    assert cfg["PORTAL_ENV"] == "embedded"
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert cfg["PORTAL_RLS"] is False
    assert cfg["CELERY"]["task_always_eager"] is True
    assert cfg["SESSION_COOKIE_SECURE"] is False
