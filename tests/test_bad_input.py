"""Bad input never causes a 500: oversized bodies, malformed ids and JSON, garbage everywhere."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import limiter
from tests.conftest import login
from tests.test_security import STATE_CHANGING, concrete_path, rules

PROBLEM = "application/problem+json"

GARBAGE_IDS = ["abc", "-1", "0", "1.5", "99999999999999999999", "2147483648", "9223372036854775808", "1e3", "0x10"]
#: The garbage every form and query field gets in the URL-map walks: one value per kind of
#: trouble (empty, huge, markup, SQL, NUL, non-ASCII with a bidi override and a traversal, a
#: negative and an overflowing number, an impossible date). Each value costs a request per route
#: and method, so near-duplicates (" ", "null", "%00", ...) are left to the hypothesis test.
GARBAGE_TEXT = [
    "",
    "x" * 5000,
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "a\x00b",
    "ü€漢🙂\u202e../../etc/passwd",
    "-1",
    "99999999999999999999",
    "2024-13-45",
]
#: The walks are split in shards so that pytest-xdist spreads them over its workers.
SHARDS = 6
#: Every form field name the portal's forms use, plus a few that none use.
FIELD_NAMES = [
    "email",
    "password",
    "confirm",
    "name",
    "full_name",
    "job_title",
    "roles",
    "action",
    "locale",
    "title",
    "body_html",
    "audience",
    "region_id",
    "partner_ids",
    "publish",
    "brand_colour",
    "contact_email",
    "closing_days",
    "mode-general",
    "mode-sharing",
    "pw-current",
    "pw-password",
    "pw-confirm",
    "next",
    "q",
    "page",
    "per_page",
    "expires_on",
    "id",
    "tenant_id",
]
ACTIONS = ["disable", "enable", "reinvite", "roles", "profile", "password", "delete", "bogus"]


def _with_path_values(rule: Any, value: str, tenant: str = "owner") -> str:
    path = rule.rule
    for name in rule.arguments:
        replacement = tenant if name == "tenant" else value
        path = path.replace(f"<{name}>", replacement)
        for conv in ("int", "string", "path", "any", "uuid", "float"):
            path = path.replace(f"<{conv}:{name}>", replacement)
    return path


def _send(client: Any, method: str, path: str, form: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    if path.startswith("/api/") and method in STATE_CHANGING:
        kwargs.setdefault("json", form or {})
    elif method in STATE_CHANGING:
        kwargs.setdefault("data", form or {})
    response = client.open(path, method=method, **kwargs)
    response.close()
    return response


def _ensure_logged_in(client: Any, user: Any) -> None:
    limiter.reset()
    if client.get("/owner/").status_code != 200:
        login(client, user)


def _signed_out(response: Any) -> bool:
    return response.status_code == 401 or (
        response.status_code == 302 and response.headers.get("Location", "").startswith("/login")
    )


def _send_signed_in(
    client: Any, user: Any, method: str, path: str, form: dict[str, Any] | None = None, **kw: Any
) -> Any:
    """Send as ``user``; when an earlier garbage request signed the user out, sign in and resend."""
    limiter.reset()
    response = _send(client, method, path, form, **kw)
    if _signed_out(response):
        login(client, user)
        response = _send(client, method, path, form, **kw)
    return response


def _shard(items: list[Any], shard: int) -> list[Any]:
    return items[shard::SHARDS]


# -- body size ----------------------------------------------------------------------------------


@pytest.fixture
def small_limit(app):
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2048
    yield 2048
    app.config["MAX_CONTENT_LENGTH"] = original


def test_oversized_form_is_413_in_dutch(world, login_as, small_limit):
    client = login_as(world.user("owner", "beheerder"))
    response = client.post("/owner/beheer/instellingen", data={"closing_days": "07-11\n" * 1000})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "De aanvraag of het bestand is te groot." in response.text
    assert 'lang="nl-BE"' in response.text
    anonymous = client.application.test_client()
    assert anonymous.post("/login", data={"email": "a@b.be", "password": "x" * 5000}).status_code == 413


def test_oversized_json_is_413_problem(world, login_as, small_limit):
    client = login_as(world.user("owner"))
    response = client.post("/api/v1/announcements", json={"title": "Groot", "body_html": "x" * 5000})
    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    assert response.get_json()["status"] == 413


def test_oversized_upload_is_413_with_the_default_limit(world, login_as, app):
    client = login_as(world.user("owner", "beheerder"))
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    response = client.post("/owner/account/", data={"action": "profile", "full_name": "x" * size})
    assert response.status_code == 413


# -- malformed ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", GARBAGE_IDS)
def test_malformed_ids_are_404(world, login_as, bad):
    client = login_as(world.user("owner", "beheerder"))
    for path in (
        f"/owner/mededelingen/{bad}",
        f"/owner/mededelingen/{bad}/bewerken",
        f"/owner/beheer/gebruikers/{bad}",
        f"/api/v1/announcements/{bad}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
    for path in (
        f"/owner/mededelingen/{bad}/verwijderen",
        f"/owner/meldingen/{bad}",
        f"/owner/account/tokens/{bad}/intrekken",
        f"/owner/beheer/gebruikers/{bad}",
    ):
        assert client.post(path, data={"action": "disable"}).status_code == 404, path
    assert client.patch(f"/api/v1/announcements/{bad}", json={"title": "Niets"}).status_code == 404
    assert client.delete(f"/api/v1/announcements/{bad}").status_code == 404


def test_api_404_is_problem_json_and_pages_html(world, login_as):
    client = login_as(world.user("owner"))
    api = client.get("/api/v1/announcements/99999999999999999999")
    assert api.mimetype == PROBLEM and api.get_json()["status"] == 404
    page = client.get("/owner/mededelingen/99999999999999999999")
    assert page.mimetype == "text/html" and "bestaat niet" in page.text


def test_largest_id_is_still_a_plain_404(world, login_as):
    client = login_as(world.user("owner"))
    assert client.get("/owner/mededelingen/2147483647").status_code == 404
    assert client.get("/api/v1/announcements/2147483647").status_code == 404


# -- malformed JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["{bad json", "", "[", '{"title": "x"', "\xff\xfe", "null", "42", '"tekst"', "[1, 2]", "{}" * 100],
)
def test_malformed_json_is_a_problem_not_a_500(world, login_as, body):
    client = login_as(world.user("owner"))
    response = client.post("/api/v1/announcements", data=body.encode("latin-1"), content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.mimetype == PROBLEM
    assert response.get_json()["detail"]


def test_wrong_types_are_422_with_field_messages(world, login_as):
    client = login_as(world.user("owner"))
    response = client.post(
        "/api/v1/announcements",
        json={"title": 5, "audience": ["x"], "publish": "misschien", "region_id": "abc", "partner_ids": "1,2"},
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    errors = response.get_json()["errors"]["json"]
    assert {"title", "audience", "publish", "region_id", "partner_ids"} <= set(errors)
    missing = client.post("/api/v1/announcements", json={})
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["json"]["title"] == ["Vul een titel in."]


def test_json_with_nul_characters_is_400(world, login_as):
    client = login_as(world.user("owner"))
    response = client.post("/api/v1/announcements", json={"title": "Met \x00 erin"})
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert "ongeldige tekens" in response.get_json()["detail"]


def test_form_with_nul_characters_is_400_and_changes_nothing(world, login_as):
    user = world.user("owner")
    client = login_as(user)
    response = client.post("/owner/account/", data={"action": "profile", "full_name": "Nul\x00", "locale": "nl_BE"})
    assert response.status_code == 400
    assert "De aanvraag bevat ongeldige tekens." in response.text
    from portal.extensions import db

    db.session.refresh(user)
    assert "\x00" not in user.full_name


def test_wrong_query_types_are_422_on_the_api(world, login_as):
    client = login_as(world.user("owner"))
    for query in ({"page": "abc"}, {"per_page": "1000"}, {"page": "0"}, {"per_page": "-1"}):
        response = client.get("/api/v1/announcements", query_string=query)
        assert response.status_code == 422, query
        assert response.mimetype == PROBLEM


def test_request_id_header_is_not_taken_over_when_odd(client):
    odd = client.get("/login", headers={"X-Request-ID": "<script>" + "x" * 100})
    assert odd.headers["X-Request-ID"] != "<script>" + "x" * 100
    assert "<" not in odd.headers["X-Request-ID"]


# -- walking the URL map with garbage -------------------------------------------------------------


def _methods(rule: Any) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


@pytest.mark.parametrize("shard", range(SHARDS))
def test_garbage_path_values_never_500(world, login_as, app, shard):
    user = world.user("owner", "beheerder")
    client = login_as(user)
    failures = []
    walked = _shard([r for r in rules(app) if r.arguments - {"tenant"}], shard)
    assert walked
    for rule in walked:
        for value in [*GARBAGE_IDS, "x" * 300, "%C3%28", "..", "~", "a%00b"]:
            for method in _methods(rule):
                path = _with_path_values(rule, value)
                response = _send_signed_in(client, user, method, path, {"action": "disable", "title": "x"})
                if response.status_code >= 500:
                    failures.append((method, path, response.status_code))
    assert failures == []


@pytest.mark.parametrize("shard", range(SHARDS))
def test_garbage_tenant_slugs_never_500(world, login_as, app, shard):
    user = world.user("owner", "beheerder")
    client = login_as(user)
    anonymous = app.test_client()
    failures = []
    walked = _shard([r for r in rules(app) if "tenant" in r.arguments], shard)
    assert walked
    for rule in walked:
        for slug in ["bestaat-niet", "partner", "OWNER", "x" * 300, "a%00b", "%C3%28", "1"]:
            for who in (client, anonymous):
                for method in _methods(rule):
                    path = _with_path_values(rule, "1", tenant=slug)
                    response = _send(who, method, path)
                    if response.status_code >= 500:
                        failures.append((method, path, response.status_code))
                    if who is client and slug not in ("OWNER",):
                        assert response.status_code in (400, 404, 405), (method, path, response.status_code)
    assert failures == []


@pytest.mark.parametrize("shard", range(SHARDS))
def test_garbage_form_bodies_never_500(world, login_as, app, shard):
    user = world.user("owner", "beheerder")
    client = login_as(user)
    failures = []
    walked = _shard([r for r in rules(app) if set(_methods(r)) & STATE_CHANGING], shard)
    assert walked
    for rule in walked:
        methods = [m for m in _methods(rule) if m in STATE_CHANGING]
        path = concrete_path(rule, world)  # built once per rule: object builders are the slow part
        # Only the account and admin forms branch on "action"; elsewhere one value is enough.
        actions = ACTIONS if rule.endpoint.split(".")[0] in ("account", "admin") else ["bogus"]
        for text in GARBAGE_TEXT:
            for method in methods:
                for action in actions:
                    form = dict.fromkeys(FIELD_NAMES, text)
                    form["action"] = action
                    form["roles"] = [text, "beheerder"]
                    response = _send_signed_in(
                        client, user, method, path, form, environ_overrides={"REMOTE_ADDR": "10.9.9.9"}
                    )
                    if response.status_code >= 500:
                        failures.append((method, path, action, repr(text)[:20], response.status_code))
    assert failures == []


@pytest.mark.parametrize("shard", range(SHARDS))
def test_garbage_query_strings_never_500(world, login_as, app, shard):
    user = world.user("owner", "beheerder")
    client = login_as(user)
    failures = []
    walked = _shard([r for r in rules(app) if "GET" in r.methods], shard)
    assert walked
    for rule in walked:
        path = concrete_path(rule, world)
        for text in GARBAGE_TEXT:
            query = dict.fromkeys([*FIELD_NAMES, "object_type", "actor", "from", "to", "ongelezen"], text)
            response = _send(client, "GET", path, query_string=query)
            if response.status_code >= 500:
                failures.append((path, text, response.status_code))
    assert failures == []


# -- the same with hypothesis ---------------------------------------------------------------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
    max_leaves=8,
)


@settings(
    max_examples=120,
    deadline=None,
    # The same examples on every run: CI must not pass or fail by luck. Explore more locally
    # with `pytest --hypothesis-seed=N -k hypothesis` after lifting this.
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hypothesis_requests_never_500(world, login_as, app, data):
    user = world.user("owner", "beheerder")
    client = login_as(user) if data.draw(st.booleans(), label="logged in") else app.test_client()
    if client.get_cookie("portal_session") is not None:
        _ensure_logged_in(client, user)
    rule = data.draw(st.sampled_from(rules(app)), label="rule")
    method = data.draw(st.sampled_from(_methods(rule)), label="method")
    if data.draw(st.booleans(), label="real object"):
        path = concrete_path(rule, world)
    else:
        # Percent-encoded as a real client sends it ('?' or '#' would otherwise end the path).
        value = data.draw(_text.filter(lambda s: s and "/" not in s), label="path value")
        path = _with_path_values(rule, quote(value, safe=""))
    query = data.draw(st.dictionaries(st.sampled_from(FIELD_NAMES), _text, max_size=4), label="query")
    kwargs: dict[str, Any] = {"query_string": query, "environ_overrides": {"REMOTE_ADDR": "10.8.8.8"}}
    if method in STATE_CHANGING:
        if path.startswith("/api/"):
            body = data.draw(_json_values, label="json")
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        else:
            form = data.draw(st.dictionaries(st.sampled_from(FIELD_NAMES), _text, max_size=8), label="form")
            kwargs["data"] = form
    response = client.open(path, method=method, **kwargs)
    response.close()
    assert response.status_code < 500, (method, path, kwargs, response.data[:300])


@pytest.mark.parametrize("value", [14_035_622_576, 2**70])
def test_ids_beyond_the_database_columns_in_a_body_are_not_a_500(world, client, value):
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.procurement.models import Participation
    from tests.matrix import token_headers

    before = db.session.scalar(select(func.count()).select_from(Participation))
    response = client.post(
        "/api/v1/procurement/participations",
        json={"dossier_id": value},
        headers=token_headers(world.user("owner", "aankoper")),
    )
    # PostgreSQL refuses what its integer column cannot hold (422), SQLite's driver refuses more
    # than 64 bits (422) and otherwise finds no such dossier (404): never a 500.
    assert response.status_code in (404, 422), response.get_data()[:300]
    assert response.mimetype == PROBLEM
    if response.status_code == 422:
        assert response.get_json()["detail"] == "Een van de ingevulde waarden is ongeldig of te groot."
    assert db.session.scalar(select(func.count()).select_from(Participation)) == before
