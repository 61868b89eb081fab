"""Request plumbing: tenant URLs, tenant context, request ids, role checks, security headers."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import IO, Any, TypeVar

import structlog
from flask import Blueprint, Flask, Request, abort, current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from portal.core.models import utcnow
from portal.extensions import db
from tenants.context import TenantContext, reset_context, set_context
from tenants.models import Tenant

F = TypeVar("F", bound=Callable[..., Any])


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """Return a blueprint whose pages live under /<tenant-slug>/..."""
    return Blueprint(name, import_name, url_prefix=f"/<tenant>{url_prefix}")


def end_session(message: str, category: str = "success") -> None:
    """Sign out, delete the server-side session and continue under a new session id."""
    logout_user()
    session.clear()
    flash(message, category)
    # The flash makes the session non-empty, so regenerate() drops the old id from the store.
    current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]


def current_tenant() -> Tenant | None:
    """Return the tenant the current user acts for."""
    if current_user.is_authenticated:
        return current_user.tenant  # type: ignore[no-any-return]
    return None


def _pull_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or "tenant" not in values:
        return
    slug = values.pop("tenant")
    if current_user.is_authenticated:
        # A user acts only for the home tenant: any other slug does not exist for them.
        if slug != current_user.tenant.slug:
            abort(404)
    elif db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is None:
        abort(404)
    g.url_tenant = slug


def _expects_tenant(endpoint: str) -> bool:
    """Tell whether ``endpoint``'s URL has a tenant slug (asked once per endpoint and app)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    known: dict[str, bool] = app.extensions.setdefault("portal_tenant_endpoints", {})
    expects = known.get(endpoint)
    if expects is None:
        expects = known[endpoint] = app.url_map.is_endpoint_expecting(endpoint, "tenant")
    return expects


def _add_tenant(endpoint: str, values: dict[str, Any]) -> None:
    # The endpoint first: most links of a page (static files, the API) have no tenant slug.
    if "tenant" in values or not _expects_tenant(endpoint):
        return
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if user is not None and user.is_authenticated:
        values["tenant"] = user.tenant.slug


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _reject_nul(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Refuse NUL, lone surrogates and over-deep JSON anywhere in the input (a 400, not a 500)."""
    from portal.core.errors import DomainError
    from portal.core.inputguard import InputRefused, check_request

    try:
        check_request(values)
    except InputRefused as exc:
        raise DomainError(str(exc), status_code=400) from None


def _begin_request() -> None:
    supplied = request.headers.get("X-Request-ID", "")
    # Only a harmless id is taken over into logs and the audit log; anything else gets a fresh one.
    g.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
    g.csp_nonce = secrets.token_urlsafe(16)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=g.request_id, path=request.path)
    user_id = None
    tenant_id = None
    if current_user.is_authenticated:
        started = session.get("login_at")
        limit = timedelta(hours=current_app.config["PORTAL_SESSION_ABSOLUTE_HOURS"])
        if started is not None and utcnow().timestamp() - float(started) > limit.total_seconds():
            end_session(_("Je sessie is verlopen. Meld je opnieuw aan."), "info")
        else:
            user_id = current_user.id
            tenant_id = current_user.tenant_id
            structlog.contextvars.bind_contextvars(user_id=user_id, tenant=current_user.tenant.slug)
    g.tenant_ctx_token = set_context(
        TenantContext(tenant_id=tenant_id, user_id=user_id, request_id=g.request_id, ip=request.remote_addr)
    )


def _end_request(exc: BaseException | None) -> None:
    token = g.pop("tenant_ctx_token", None)
    if token is not None:
        reset_context(token)


#: Every HTML page: no inline script or style, no framing, same-origin everything.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: The vendored ReDoc page injects its styles inline and runs its search index in a blob worker;
#: scripts stay 'self' only.
API_DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; child-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
#: JSON, CSV, files: nothing may run or be framed, whatever the browser sniffs.
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"


def _api_docs_path() -> str:
    prefix = (current_app.config.get("OPENAPI_URL_PREFIX") or "").rstrip("/")
    return f"{prefix}/{(current_app.config.get('OPENAPI_REDOC_PATH') or '').lstrip('/')}"


def security_headers(response: Any) -> Any:
    """Add CSP, framing, sniffing, referrer and (in production) HSTS headers."""
    if response.mimetype == "text/html":
        policy = API_DOCS_CSP if request.path == _api_docs_path() else PAGE_CSP
    elif request.path.startswith("/static/") or request.path.startswith("/branding/"):
        policy = None
    else:
        policy = OTHER_CSP
    if policy:
        response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["PORTAL_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "X-Request-ID" not in response.headers and "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


def _after_request(response: Any) -> Any:
    from portal.core.outbox import flush_request_dispatch
    from portal.core.unitofwork import finish

    # Commit first: the outbox rows it commits are the ones handed to the worker next.
    response = finish(response)
    flush_request_dispatch()
    return security_headers(response)


#: The largest id a database id column holds (PostgreSQL INTEGER).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` that only matches numbers an id column can hold: larger ones are a 404, not a 500."""

    def __init__(
        self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class PortalRequest(Request):
    """A request that closes every upload spool file, also those of a body refused half-way."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        stream = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        # A 413 raised while parsing leaves the spool out of ``request.files``: keep our own list.
        self.__dict__.setdefault("_spools", []).append(stream)
        return stream

    def close(self) -> None:
        """Close the parsed files and every spool file this request opened."""
        super().close()
        for stream in self.__dict__.pop("_spools", ()):
            stream.close()


def init_web(app: Flask) -> None:
    """Register the request hooks on ``app`` (before any route, for the converter)."""
    app.request_class = PortalRequest
    app.url_map.converters["int"] = IdConverter
    app.url_value_preprocessor(_reject_nul)
    app.url_value_preprocessor(_pull_tenant)
    app.url_defaults(_add_tenant)
    app.before_request(_begin_request)
    app.after_request(_after_request)
    app.teardown_request(_end_request)
    from portal.core.unitofwork import init_unit_of_work

    init_unit_of_work(app)
