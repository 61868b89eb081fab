"""Roles as one mechanism: every route and API operation declares who may use it; deny by default.

A view (or a MethodView class or method) carries an access ``Rule`` set by ``@allow(rule)``. One
app-wide ``before_request`` guard looks the rule up for the matched endpoint and method before the
view runs: an anonymous caller is sent to sign in (HTML) or gets a 401 (API), a caller without one
of the rule's roles gets a 403, and a route that declares nothing is refused for everyone (and
logged), so a new route cannot escape. Object-level checks (owner, chair, partner) stay in the
modules' ``permissions.py``; the rule is the role gate in front of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.roles import EXPERT, ROLES, STAFF_ROLES

F = TypeVar("F")

log = structlog.get_logger(__name__)

#: The attribute on a view function or class that holds its rule.
ATTRIBUTE = "__access__"

#: Endpoints that are not views of ours: static files and the generated API documentation.
EXEMPT_ENDPOINTS = frozenset(
    {"static", "api-docs.openapi_json", "api-docs.openapi_redoc", "api-docs.openapi_swagger_ui"}
)


@dataclass(frozen=True)
class Rule:
    """Who may use a route: anyone, any signed-in user, or the holders of some roles."""

    name: str
    roles: frozenset[str] | None = None
    public: bool = False

    def admits(self, user: Any) -> bool:
        """Tell whether ``user`` passes this rule (the anonymous user only passes a public rule)."""
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        return self.roles is None or bool(user.has_role(*self.roles))


#: Sign-in pages, token links (expert guest page, calendar feeds), health checks, branding.
PUBLIC = Rule("public", public=True)
#: Every signed-in account, the expert (gast) included: the dashboard, the own account, notifications.
SIGNED_IN = Rule("signed_in")
#: Everyone working for or reporting to the municipality: staff and the raadslid (read only), not
#: the expert, who reaches only the meetings of their personal invitation link.
MEMBERS = Rule("members", frozenset(r for r in ROLES if r != EXPERT))
#: The roles that act for the municipality.
STAFF = Rule("staff", frozenset(STAFF_ROLES))


def roles(*codes: str) -> Rule:
    """Return the rule admitting only holders of one of ``codes``."""
    unknown = set(codes) - set(ROLES)
    if unknown or not codes:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return Rule("roles:" + ",".join(sorted(codes)), frozenset(codes))


@dataclass(frozen=True)
class Declaration:
    """The rule for reading (GET, HEAD, OPTIONS) and the rule for writing (every other method)."""

    read: Rule
    write: Rule

    def rule(self, method: str) -> Rule:
        """Return the rule that applies to ``method``."""
        return self.read if method in SAFE_METHODS else self.write


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def allow(rule: Rule, *, write: Rule | None = None) -> Callable[[F], F]:
    """Declare who may use the decorated view, MethodView class or MethodView method.

    ``write`` narrows the rule for POST, PUT, PATCH and DELETE (e.g. members read, staff write).
    """
    declaration = Declaration(rule, write or rule)

    def decorator(target: F) -> F:
        setattr(target, ATTRIBUTE, declaration)
        return target

    return decorator


def rule_for(app: Flask, endpoint: str, method: str) -> Rule | None:
    """Return the rule declared for ``endpoint`` answering ``method``, or None when undeclared."""
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        name = "get" if method in ("HEAD", "OPTIONS") else method.lower()
        handler = getattr(view_class, name, None)
        found = getattr(handler, ATTRIBUTE, None) if handler is not None else None
        declaration = found if found is not None else getattr(view_class, ATTRIBUTE, None)
    else:
        declaration = getattr(view, ATTRIBUTE, None)
    return declaration.rule(method) if isinstance(declaration, Declaration) else None


def role_refused() -> str:
    """Return the refusal every role gate answers (tests tell it from an object-level 403)."""
    return _("Je hebt geen toegang tot deze pagina. Je rol laat dit niet toe.")


def _is_api() -> bool:
    return request.path.startswith("/api/")


def refuse_role() -> Any:
    """Answer a signed-in caller whose roles this route does not admit (403)."""
    from portal.core.errors import error_page, problem

    if _is_api():
        return problem(403, role_refused())
    return error_page(403, role_refused())


def _guard() -> Any:
    endpoint = request.endpoint
    if endpoint is None or endpoint in EXEMPT_ENDPOINTS:
        return None  # no route matched: the 404/405 follows
    rule = rule_for(current_app, endpoint, request.method)
    if rule is None:
        log.error("access.undeclared", endpoint=endpoint, method=request.method)
        return refuse_role() if current_user.is_authenticated else _unauthenticated()
    if rule.admits(current_user):
        return None
    if not current_user.is_authenticated:
        return _unauthenticated()
    return refuse_role()


def _unauthenticated() -> Any:
    if _is_api():
        from portal.core.errors import problem

        return problem(401)
    return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]


def init_access(app: Flask) -> None:
    """Register the guard (after the request set-up hooks, so the session is known)."""
    app.before_request(_guard)
