"""Web security: headers on every HTML page, CSRF on every state change, API CSRF rules."""

from __future__ import annotations

from typing import Any

from flask import Flask

from portal import create_app
from tests import conftest


def make_app(app: Flask, smtp_sink: Any, tmp_path_factory: Any, mode: str = "test", **overrides: Any) -> Flask:
    """Build a second app on the same test database with some settings changed."""
    tmp_dir = str(tmp_path_factory.mktemp("app"))
    config = {
        **conftest.test_config(tmp_dir, smtp_sink[1]),
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        **overrides,
    }
    other = create_app(config, mode=mode)
    other.test_client_class = conftest.FreshGlobalsClient
    return other


def dispose_app(other: Flask) -> None:
    """Close the pooled connections of an app built by make_app."""
    from portal.extensions import db

    with other.app_context():
        db.engine.dispose()
