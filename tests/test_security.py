"""Web security: headers on every HTML page, CSRF on every state change, API CSRF rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import create_app
from portal.core.audit import AuditEntry
from portal.extensions import db
from tenants.context import tenant_context
from tests import conftest
from tests.conftest import PASSWORD


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
    with other.app_context():
        db.engine.dispose()


# -- walking the URL map ------------------------------------------------------------------------

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_MESSAGE = "De beveiligingstoken van het formulier ontbreekt of is verlopen."


def rules(app: Flask) -> list[Any]:
    """Return every URL rule except static files, in a stable order."""
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


def concrete_path(rule: Any, world: Any, tenant: str = "owner") -> str:
    """Return a real path for ``rule``: real objects from the cross-tenant matrix where it has ids."""
    from tests.matrix import REGISTRY

    if rule.rule in REGISTRY:
        return REGISTRY[rule.rule].build(world, False).path.replace("<tenant>", tenant)
    values = {"tenant": tenant, "code": "nl_BE", "slug": tenant, "token": "geen-echt-token"}
    path = rule.rule
    for name in rule.arguments:
        value = values.get(name, "1")
        path = path.replace(f"<{name}>", value)
        for conv in ("int", "string", "path", "any", "uuid", "float"):
            path = path.replace(f"<{conv}:{name}>", value)
    assert "<" not in path, path
    return path


def audit_count(world: Any) -> int:
    """Count the audit entries of tenant "owner" (every state change writes one)."""
    with tenant_context(world.tenants["owner"].id):
        return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def csrf_token_from(response: Any) -> str:
    """Return the CSRF token a page carries (meta tag or hidden field)."""
    found = re.search(r'name="csrf[-_]token"[^>]*(?:content|value)="([^"]+)"', response.text)
    assert found, response.text[:500]
    return found.group(1)


def csrf_login(client: Any, user: Any) -> None:
    """Log in through the real form, CSRF token included."""
    token = csrf_token_from(client.get("/login"))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.text[:300]


@pytest.fixture(scope="module")
def csrf_app(app: Flask, smtp_sink: Any, tmp_path_factory: Any) -> Iterator[Flask]:
    other = make_app(app, smtp_sink, tmp_path_factory, WTF_CSRF_ENABLED=True)
    yield other
    dispose_app(other)


# -- security headers -----------------------------------------------------------------------------


def _check_page_headers(response: Any, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert "script-src" in directives, where
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"], where
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", where
    assert directives.get("object-src") == "object-src 'none'", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert "Strict-Transport-Security" not in headers, where


def test_security_headers_on_every_html_page(world, login_as, app):
    client = login_as(world.user("owner", "beheerder"))
    seen = 0
    for rule in rules(app):
        if "GET" not in rule.methods:
            continue
        path = concrete_path(rule, world)
        response = client.get(path)
        response.close()
        if response.mimetype == "text/html":
            _check_page_headers(response, path)
            seen += 1
        else:
            assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert seen >= 10


def test_security_headers_on_anonymous_and_error_pages(world, client):
    for path, status in [
        ("/login", 200),
        ("/wachtwoord-vergeten", 200),
        ("/wachtwoord-herstellen/onbekend", 400),
        ("/bestaat-niet/", 404),
        ("/owner/", 302),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        _check_page_headers(response, path)


def test_security_headers_on_forbidden_page(world, login_as):
    response = login_as(world.user("owner", "raadslid")).get("/owner/beheer/gebruikers")
    assert response.status_code == 403
    _check_page_headers(response, "403")


def test_json_responses_carry_a_deny_all_csp(world, login_as):
    response = login_as(world.user("owner")).get("/api/v1/me")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_in_production(world, client, app):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    original = app.config["PORTAL_ENV"]
    app.config["PORTAL_ENV"] = "production"
    try:
        hsts = client.get("/login").headers["Strict-Transport-Security"]
    finally:
        app.config["PORTAL_ENV"] = original
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "includeSubDomains" in hsts


def test_pages_have_no_inline_script(world, login_as, app):
    client = login_as(world.user("owner", "beheerder"))
    for path in ("/owner/", "/owner/account/", "/owner/account/tokens", "/owner/beheer/gebruikers", "/login"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path


def test_request_id_is_echoed(client):
    response = client.get("/login", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert len(client.get("/login").headers["X-Request-ID"]) >= 16


# -- CSRF ---------------------------------------------------------------------------------------


def test_every_state_changing_route_needs_a_csrf_token(world, csrf_app):
    from tests.matrix import REGISTRY

    user = world.user("owner", "beheerder")
    client = csrf_app.test_client()
    csrf_login(client, user)
    before_audit = audit_count(world)
    epoch = user.session_epoch
    checked = []
    for rule in rules(csrf_app):
        methods = (rule.methods or set()) & STATE_CHANGING
        if not methods or rule.rule.startswith("/api/"):
            continue
        target = REGISTRY[rule.rule].build(world, False) if rule.rule in REGISTRY else None
        before_audit = audit_count(world)
        state = target.state() if target else None
        path = target.path.replace("<tenant>", "owner") if target else concrete_path(rule, world)
        for method in sorted(methods):
            body = {"action": "disable", "title": "CSRF-poging", "email": user.email, "password": PASSWORD}
            response = client.open(path, method=method, data=body)
            assert response.status_code == 400, (method, path, response.status_code)
            assert CSRF_MESSAGE in response.text, path
            assert 'lang="nl-BE"' in response.text
            checked.append(rule.rule)
        assert audit_count(world) == before_audit, path
        if target:
            assert target.state() == state, path
    # Logout and "afmelden op alle toestellen" were refused too: the session still works.
    db.session.expire_all()
    assert user.session_epoch == epoch and user.is_active
    assert client.get("/owner/").status_code == 200
    assert len(checked) >= 15
    for expected in ("/login", "/logout", "/<tenant>/beheer/gebruikers/<int:user_id>", "/<tenant>/account/tokens"):
        assert expected in checked


def test_csrf_token_is_tied_to_the_session(world, csrf_app):
    mine = csrf_app.test_client()
    csrf_login(mine, world.user("owner"))
    token = csrf_token_from(mine.get("/owner/account/tokens"))
    theirs = csrf_app.test_client()
    csrf_login(theirs, world.user("owner", "dienst"))
    stolen = theirs.post("/owner/account/tokens", data={"name": "Gestolen", "csrf_token": token})
    assert stolen.status_code == 400
    ok = mine.post("/owner/account/tokens", data={"name": "Eigen", "csrf_token": token})
    assert ok.status_code == 200 and "swp_" in ok.text


def test_valid_csrf_token_lets_forms_and_htmx_through(world, csrf_app):
    client = csrf_app.test_client()
    csrf_login(client, world.user("owner"))
    token = csrf_token_from(client.get("/owner/"))
    assert client.post("/owner/meldingen/alles-gelezen", headers={"X-CSRFToken": token}).status_code == 302
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/owner/").status_code == 302


def test_api_with_cookie_auth_needs_the_csrf_header(world, csrf_app):
    client = csrf_app.test_client()
    csrf_login(client, world.user("owner"))
    before = audit_count(world)
    refused = client.post("/api/v1/announcements", json={"title": "Via cookie zonder token"})
    assert refused.status_code == 400
    assert refused.mimetype == "application/problem+json"
    assert CSRF_MESSAGE in refused.get_json()["detail"]
    assert audit_count(world) == before
    token = csrf_token_from(client.get("/owner/"))
    accepted = client.post(
        "/api/v1/announcements", json={"title": "Via cookie met token"}, headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201
    ann_id = accepted.get_json()["id"]
    assert client.patch(f"/api/v1/announcements/{ann_id}", json={"title": "Gewijzigd zonder"}).status_code == 400
    assert client.delete(f"/api/v1/announcements/{ann_id}").status_code == 400
    assert client.get(f"/api/v1/announcements/{ann_id}").get_json()["title"] == "Via cookie met token"


def test_api_with_bearer_token_needs_no_csrf(world, csrf_app):
    from tests.matrix import token_headers

    headers = token_headers(world.user("owner"))
    api = csrf_app.test_client()
    created = api.post("/api/v1/announcements", json={"title": "Via token"}, headers=headers)
    assert created.status_code == 201
    ann_id = created.get_json()["id"]
    assert (
        api.patch(f"/api/v1/announcements/{ann_id}", json={"title": "Via token gewijzigd"}, headers=headers).status_code
        == 200
    )
    assert api.delete(f"/api/v1/announcements/{ann_id}", headers=headers).status_code == 204


def test_bearer_request_does_not_exempt_the_next_cookie_request(world, csrf_app):
    # g.token_auth must not outlive its request.
    from tests.matrix import token_headers

    headers = token_headers(world.user("owner"))
    client = csrf_app.test_client()
    csrf_login(client, world.user("owner"))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/api/v1/announcements", json={"title": "Meelifter"}).status_code == 400


def test_csrf_is_on_unless_a_test_turns_it_off():
    from portal.config import build_config

    assert build_config("embedded").get("WTF_CSRF_ENABLED", True) is True
    assert build_config("test").get("WTF_CSRF_ENABLED", True) is True
