"""Personal API tokens, bearer authentication, the OpenAPI document and the docs page."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import ApiToken
from portal.core.models import utcnow
from portal.extensions import db

PROBLEM = "application/problem+json"


def _create_token(client, name: str = "Rapportering") -> str:
    response = client.post("/owner/account/tokens", data={"name": name})
    assert response.status_code == 200
    assert "Kopieer het token nu" in response.text
    found = re.search(r'value="(swp_[A-Za-z0-9_\-]+)"', response.text)
    assert found, response.text
    return found.group(1)


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _is_problem(response, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and body["detail"]


def test_token_is_shown_once_and_stored_hashed(world, login_as):
    client = login_as(world.user("owner"))
    raw = _create_token(client)
    assert raw.startswith("swp_") and len(raw) > 40
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.user("owner").id))
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.token_hash != raw and raw not in (row.prefix, row.name)
    assert raw.startswith(row.prefix)
    reload = client.get("/owner/account/tokens")
    assert reload.status_code == 200
    assert raw not in reload.text
    assert "Rapportering" in reload.text and row.prefix in reload.text


def test_token_needs_a_name(world, login_as):
    client = login_as(world.user("owner"))
    response = client.post("/owner/account/tokens", data={"name": "  "})
    assert response.status_code == 422
    assert "Geef het token een naam." in response.text
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.user("owner").id)) is None


def test_bearer_token_acts_as_its_user(world, login_as, app):
    user = world.user("owner", "dienst")
    raw = _create_token(login_as(user))
    api = app.test_client()
    response = api.get("/api/v1/me", headers=_bearer(raw))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == user.email
    assert body["roles"] == ["dienstmedewerker"]
    assert body["tenant"]["slug"] == "owner"
    tenants = api.get("/api/v1/tenants", headers=_bearer(raw)).get_json()
    slugs = {t["slug"]: t["relation"] for t in tenants}
    assert slugs == {"owner": "own", "partner": "partner"}
    regions = api.get("/api/v1/regions", headers=_bearer(raw)).get_json()
    assert [r["slug"] for r in regions] == ["regio-a"]
    # Bearer calls leave no session behind.
    assert not any(h.startswith("portal_session=") for h in response.headers.getlist("Set-Cookie"))
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_bearer_token_does_not_open_html_pages_to_other_tenants(world, login_as, app):
    raw = _create_token(login_as(world.user("owner")))
    api = app.test_client()
    assert api.get("/partner/", headers=_bearer(raw)).status_code == 404


def test_revoked_token_is_refused(world, login_as, app):
    client = login_as(world.user("owner"))
    raw = _create_token(client)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.user("owner").id))
    response = client.post(f"/owner/account/tokens/{token.id}/intrekken", follow_redirects=True)
    assert response.status_code == 200
    assert "Het token is ingetrokken." in response.text
    assert "ingetrokken" in response.text
    _is_problem(app.test_client().get("/api/v1/me", headers=_bearer(raw)), 401)


def test_expired_token_is_refused(world, login_as, app):
    raw = _create_token(login_as(world.user("owner")))
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.user("owner").id))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _is_problem(app.test_client().get("/api/v1/me", headers=_bearer(raw)), 401)


def test_disabled_users_token_is_refused(world, login_as, app):
    user = world.user("owner", "dienst")
    raw = _create_token(login_as(user))
    api = app.test_client()
    assert api.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    admin = app.test_client()
    from tests.conftest import login

    login(admin, world.user("owner", "beheerder"))
    admin.post(f"/owner/beheer/gebruikers/{user.id}", data={"action": "disable"})
    _is_problem(api.get("/api/v1/me", headers=_bearer(raw)), 401)


def test_users_of_disabled_tenant_lose_api_access(world, login_as, app):
    raw = _create_token(login_as(world.user("owner")))
    world.tenants["owner"].is_active = False
    db.session.commit()
    _is_problem(app.test_client().get("/api/v1/me", headers=_bearer(raw)), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer swp_dit-token-bestaat-niet",
        "Bearer ",
        "Bearer",
        "Bearer not-even-a-portal-token",
        "Basic YWRtaW46YWRtaW4=",
        "bearer swp_xxx",
        "Bearer " + "x" * 5000,
    ],
)
def test_bad_authorization_headers_are_401(client, header):
    _is_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_api_without_auth_is_401_json_while_pages_redirect(world, client):
    _is_problem(client.get("/api/v1/me"), 401)
    _is_problem(client.get("/api/v1/announcements"), 401)
    _is_problem(client.post("/api/v1/announcements", json={"title": "Hallo"}), 401)
    page = client.get("/owner/account/tokens")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def test_revoking_someone_elses_token_is_404(world, login_as, app):
    other = app.test_client()
    from tests.conftest import login

    login(other, world.user("owner", "dienst"))
    _create_token(other)
    theirs = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.user("owner", "dienst").id))
    client = login_as(world.user("owner", "beheerder"))
    assert client.post(f"/owner/account/tokens/{theirs.id}/intrekken").status_code == 404
    assert client.post("/owner/account/tokens/999999/intrekken").status_code == 404
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


def test_tokens_page_lists_only_own_tokens(world, login_as, app):
    other = app.test_client()
    from tests.conftest import login

    login(other, world.user("owner", "dienst"))
    _create_token(other, "Geheim project")
    client = login_as(world.user("owner", "beheerder"))
    assert "Geheim project" not in client.get("/owner/account/tokens").text


def test_cookie_session_also_works_for_api_reads(world, login_as):
    client = login_as(world.user("owner"))
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["email"] == world.user("owner").email


def test_bearer_token_wins_over_a_session_cookie_on_the_api(world, login_as, app):
    token_user = world.user("owner", "dienst")
    raw = _create_token(login_as(token_user))
    browser = login_as(world.user("owner", "beheerder"))
    both = browser.get("/api/v1/me", headers=_bearer(raw))
    assert both.status_code == 200 and both.get_json()["email"] == token_user.email
    # A bad token is refused outright; the cookie does not stand in for it.
    _is_problem(browser.get("/api/v1/me", headers=_bearer("swp_" + "x" * 43)), 401)
    _is_problem(browser.get("/api/v1/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}), 401)
    # Pages stay on the cookie's user.
    assert browser.get("/owner/account/tokens", headers=_bearer(raw)).status_code == 200
    assert browser.get("/api/v1/me").get_json()["email"] == world.user("owner", "beheerder").email


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.data)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Samenwerkingsportaal API"
    for path in ("/api/v1/me", "/api/v1/tenants", "/api/v1/regions", "/api/v1/announcements"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_loads_with_its_own_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "redoc" in response.text
    assert "/static/vendor/redoc/redoc.standalone.js" in response.text
    assert "/api/v1/openapi.json" in response.text
    csp = response.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "worker-src 'self' blob:" in csp
    assert "frame-ancestors 'none'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    # The relaxation is for the docs page only.
    other = client.get("/login").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in other and "blob:" not in other
    with client.get("/static/vendor/redoc/redoc.standalone.js") as script:
        assert script.status_code == 200


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs a chromium binary")
def test_docs_page_renders_in_a_browser_without_csp_violations(app):
    from werkzeug.serving import make_server

    allowed = ("/api/v1/docs", "/api/v1/openapi.json")

    def only_docs(environ, start_response):
        # Serve just the docs (no database work from another thread).
        path = environ.get("PATH_INFO", "")
        if path in allowed or path.startswith("/static/"):
            return app.wsgi_app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b""]

    server = make_server("127.0.0.1", 0, only_docs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = subprocess.run(
            [
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=8000",
                "--dump-dom",
                f"http://127.0.0.1:{server.server_port}/api/v1/docs",
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        server.shutdown()
        thread.join(5)
    dom = result.stdout
    # ReDoc rendered the operations from the spec...
    for path in ("/api/v1/me", "/api/v1/tenants", "/api/v1/announcements"):
        assert path in dom, result.stderr[-2000:]
    # ...and nothing of its own was blocked (its external "powered by" logo may be).
    violations = [
        line for line in result.stderr.splitlines() if "Content Security Policy" in line and "cdn.redoc.ly" not in line
    ]
    assert violations == []
