"""The role x route matrix, generated from the url map and the OpenAPI spec.

Every route and API operation declares an access rule (portal/core/access.py). These tests walk
every (rule, method) of ``app.url_map`` as every role of the demo data and as an anonymous
caller: a role the rule refuses gets the role gate's answer (403 with its own message, 401 on the
API, the sign-in page for pages), a role it admits gets past the gate. A route without a
declaration fails the suite, and the expert's and raadslid's reach is pinned to explicit lists.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from portal.core.access import EXEMPT_ENDPOINTS, MEMBERS, PUBLIC, Rule, allow, rule_for
from portal.core.roles import ROLES
from portal.extensions import db
from tests.conftest import ROLE_SET, login

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLE_MESSAGE = "Je rol laat dit niet toe."

#: Values for URL variables: ids no row has, the owner's slugs, tokens no one holds.
FAKE_VALUES = {
    "tenant": "owner",
    "slug": "owner",
    "region_slug": "regio-a",
    "token": "geen-geldige-token-0000000000",
    "code": "nl",
    "filename": "x.css",
}

#: The only signed-in pages and operations an expert (gast) reaches: the own account, the
#: dashboard (without the municipality's announcements), notifications, the logo in the header
#: and /me. Meetings come through the personal invitation link, which is public.
EXPERT_REACH = {
    "dashboard.index",
    "account.profile",
    "account.preferences",
    "account.tokens",
    "account.revoke_token",
    "account.logout_everywhere",
    "notifications.index",
    "notifications.open_notification",
    "notifications.mark_all_read",
    "admin.logo",
    "core_api.MeResource",
}

#: The raadslid reads; these are the only writes it may make (its own account and notifications).
RAADSLID_WRITES = {
    "account.profile",
    "account.preferences",
    "account.tokens",
    "account.revoke_token",
    "account.logout_everywhere",
    "notifications.open_notification",
    "notifications.mark_all_read",
}

#: Public for calendar apps holding a feed token, the members' rule for a signed-in caller.
TOKEN_OR_MEMBERS = {"rentals.resource_calendar"}


def _path(app: Flask, rule: Any) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments - set(rule.defaults or ()):
        kind = type(rule._converters[name]).__name__
        values[name] = {"IdConverter": 999_999, "AnyConverter": "csv"}.get(kind, FAKE_VALUES.get(name, "x"))
    with app.test_request_context():
        return str(rule.build(values, append_unknown=False)[1])


def _cases(app: Flask) -> list[tuple[str, str, str, Rule]]:
    cases = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        for method in METHODS:
            if method in (rule.methods or ()):
                declared = rule_for(app, rule.endpoint, method)
                assert declared is not None, f"{method} {rule.rule} ({rule.endpoint}) declares no access rule"
                cases.append((rule.endpoint, method, _path(app, rule), declared))
    return cases


def _refused(response: Any, anonymous: bool, api: bool) -> bool:
    """Tell whether the role gate (not the view) answered."""
    if anonymous:
        if api:
            return response.status_code == 401
        return response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return response.status_code == 403 and ROLE_MESSAGE in response.get_data(as_text=True)


def test_every_route_declares_a_rule(app):
    cases = _cases(app)
    # The portal has some 400 (route, method) pairs; a collapse of the walk would hide routes.
    assert len(cases) > 350
    assert {rule.name for *_, rule in cases} >= {"public", "signed_in", "members", "staff"}


def test_every_openapi_operation_is_a_declared_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    adapter = app.url_map.bind("localhost")
    operations = 0
    for path, item in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in item:
            if method.upper() not in METHODS:
                continue
            operations += 1
            endpoint, _args = adapter.match(concrete, method=method.upper())
            assert rule_for(app, endpoint, method.upper()) is not None, f"{method.upper()} {path}"
    assert operations > 100


def test_an_undeclared_route_is_refused_to_everyone(app, world):
    """Deny by default: a view nobody declared answers no one, signed in or not."""
    from portal import create_app

    fresh = create_app(app.config.copy(), mode="test")

    @fresh.route("/nieuw-zonder-regel")
    def undeclared() -> str:
        return "geheim"

    @fresh.route("/nieuw-publiek")
    @allow(PUBLIC)
    def declared() -> str:
        return "open"

    client = fresh.test_client()
    assert client.get("/nieuw-publiek").get_data(as_text=True) == "open"
    assert client.get("/nieuw-zonder-regel").status_code == 302
    login(client, world.user("owner", "beheerder"))
    response = client.get("/nieuw-zonder-regel")
    assert response.status_code == 403 and "geheim" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [*ROLE_SET, "anonymous"])
def test_role_matrix(app, world, role):
    client = app.test_client()
    anonymous = role == "anonymous"
    user = None
    if not anonymous:
        user = world.user("owner", role)
        login(client, user)
    wrong: list[str] = []
    admitted: set[str] = set()
    for endpoint, method, path, rule in _cases(app):
        admits = rule.public or (user is not None and rule.admits(user))
        if endpoint in TOKEN_OR_MEMBERS and user is not None:
            admits = MEMBERS.admits(user)
        if admits and method != "GET":
            # Admitted writes are exercised by each module's tests; reads prove the gate lets the role pass.
            if not rule.public:
                admitted.add(endpoint)
            continue
        response = client.open(
            path, method=method, headers={"Accept": "application/json"} if path.startswith("/api/") else {}
        )
        refused = _refused(response, anonymous, path.startswith("/api/"))
        if admits == refused and not (admits and anonymous and rule.public):
            wrong.append(f"{method} {path} [{rule.name}] -> {response.status_code}")
        if admits and not rule.public:
            admitted.add(endpoint)
        assert response.status_code < 500, f"{method} {path} -> {response.status_code}"
    assert not wrong, "\n".join(wrong)
    if role == "expert":
        assert admitted == EXPERT_REACH
    if role == "raadslid":
        writes = {e for e, m, _p, r in _cases(app) if m != "GET" and not r.public and r.admits(user)}
        assert writes == RAADSLID_WRITES


def test_every_role_code_of_the_portal_is_in_the_matrix():
    assert {code for codes in ROLE_SET.values() for code in codes} == set(ROLES)


@pytest.mark.parametrize(
    "path",
    [
        "/owner/verhuur/afrekening.csv",
        "/owner/aankoop/contracten.csv",
        "/owner/overeenkomsten/register.csv",
        "/owner/overeenkomsten/register.xlsx",
        "/owner/overeenkomsten/matrix.csv",
        "/owner/mededelingen",
        "/owner/hr/",
        "/api/v1/rentals/bookings",
        "/api/v1/vacancies",
        "/api/v1/agreements",
        "/api/v1/procurement/contracts",
        "/api/v1/procurement/dossiers",
        "/api/v1/announcements",
    ],
)
def test_the_expert_reads_none_of_the_reported_pages(app, world, path):
    """The pages of the security review answer the expert with the role gate, not with data."""
    client = app.test_client()
    login(client, world.user("owner", "expert"))
    response = client.get(path)
    assert response.status_code == 403, path
    assert ROLE_MESSAGE in response.get_data(as_text=True)


def test_the_expert_dashboard_shows_no_modules_and_no_announcements(app, world):
    """The menu follows the rules: an expert gets no links to pages the gate would refuse."""
    from portal.dashboard.operations import create_announcement
    from tenants.context import tenant_context

    author = world.user("owner", "ad")
    with tenant_context(author.tenant_id, user_id=author.id):
        create_announcement({"title": "Interne mededeling", "body_html": "<p>Intern</p>"}, author_id=author.id)
        db.session.commit()
    expert, staff = app.test_client(), app.test_client()
    login(expert, world.user("owner", "expert"))
    login(staff, world.user("owner", "dienst"))
    seen_by_expert = expert.get("/owner/").get_data(as_text=True)
    seen_by_staff = staff.get("/owner/").get_data(as_text=True)
    assert "Interne mededeling" in seen_by_staff and "Interne mededeling" not in seen_by_expert
    for link in ('href="/owner/beleidstafels/"', 'href="/owner/verhuur/"', 'href="/owner/mededelingen"'):
        assert link in seen_by_staff and link not in seen_by_expert, link
