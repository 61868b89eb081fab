"""Samenwerkingsportaal: the Flask application factory."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import structlog
from flask import Flask, has_request_context, request, session
from flask_login import current_user

import portal.core.validation  # noqa: F401  (Dutch validation messages before any schema exists)
from portal.config import ROOT, build_config
from portal.core.proxy import hide_server_version, install_proxy_fix
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate


def _configure_logging(app: Flask) -> None:
    level = logging.DEBUG if app.debug else logging.INFO
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.dev.ConsoleRenderer(colors=False)
            if app.config["PORTAL_ENV"] != "production"
            else structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )


def _select_locale() -> str:
    if not has_request_context():
        return "nl_BE"
    if current_user and current_user.is_authenticated:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in ("nl_BE", "en"):
        return str(chosen)
    return (
        request.accept_languages.best_match(["nl_BE", "nl", "en"], default="nl_BE")
        .replace("nl", "nl_BE")
        .replace("nl_BE_BE", "nl_BE")
    )


def create_app(config: dict[str, Any] | None = None, mode: str | None = None) -> Flask:
    """Build the portal for one runtime shape (embedded, production or test)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(build_config(mode, **(config or {})))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_logging(app)
    install_proxy_fix(app)
    if app.config["PORTAL_ENV"] != "production":
        hide_server_version()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_translation_directories=str(ROOT / "translations"))
    limiter.init_app(app)
    from portal.auth.sessions import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface(app)

    from portal.core import audit
    from portal.core import notifications as notification_hooks
    from tenants import rls, scoping

    scoping.install()
    audit.install()
    notification_hooks.install()
    from portal.core.sqlite import configure_sqlite

    with app.app_context():
        configure_sqlite(db.engine)
        if app.config["PORTAL_RLS"]:
            rls.install(db.engine)

    from portal.core.taskqueue import init_celery

    init_celery(app)

    from portal.core.access import PUBLIC, allow, init_access
    from portal.core.errors import register_error_handlers
    from portal.core.templating import init_templating
    from portal.core.web import init_web

    init_web(app)
    init_access(app)
    init_templating(app)

    from portal.admin.views import bp as admin_bp
    from portal.api import register_api
    from portal.auth.views import account as account_bp
    from portal.auth.views import bp as auth_bp
    from portal.auth.views import init_login
    from portal.dashboard.views import bp as dashboard_bp
    from portal.features import register_views
    from portal.notifications.views import bp as notifications_bp

    init_login(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(notifications_bp)
    register_views(app)
    register_api(app)
    # After smorest: its app-wide HTTPException handler must not turn pages into JSON.
    register_error_handlers(app)

    @app.route("/branding/<slug>.css")
    @allow(PUBLIC)
    def branding_css(slug: str) -> Any:
        """Serve the tenant's colour as a stylesheet (CSP forbids inline styles)."""
        from flask import abort
        from sqlalchemy import select

        from tenants.models import Tenant

        colour = db.session.scalar(select(Tenant.brand_colour).where(Tenant.slug == slug))
        if colour is None and db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is None:
            abort(404)
        body = f":root {{ --portal-brand: {colour or '#0b5394'}; }}\n"
        return app.response_class(body, mimetype="text/css", headers={"Cache-Control": "public, max-age=300"})

    @app.route("/healthz")
    @allow(PUBLIC)
    def healthz() -> Any:
        """Answer 200 when the database answers (for load balancers and compose), with the mails given up."""
        from portal.core.outbox import failed_count

        # The count is also the database check; a non-zero count is for monitoring to alert on.
        return {"status": "ok", "outbox_failed": failed_count()}

    @app.route("/livez")
    @allow(PUBLIC)
    def livez() -> Any:
        """Answer 200 while the process serves (liveness; the benchmark's ceiling: no database)."""
        return {"status": "ok"}

    if app.config.get("PORTAL_COUNT_SQL"):
        from portal.core.metrics import count_statements

        count_statements(app)

    from portal.cli import register_cli

    register_cli(app)
    return app
