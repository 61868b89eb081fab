"""Arbitrary JSON and form values on every write endpoint: the answer is 2xx/3xx/4xx, never 5xx."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import limiter
from tests.conftest import login
from tests.test_security import STATE_CHANGING, concrete_path, rules

#: Examples per endpoint and method: small, so that the whole walk stays well under 90 s.
EXAMPLES = 8
#: Field names the schemas use, so that values reach the fields and not only "unknown field".
KEYS = [
    "title",
    "name",
    "body_html",
    "description_html",
    "text_html",
    "description",
    "note",
    "audience",
    "region_id",
    "partner_ids",
    "status",
    "quantity",
    "starts_at",
    "ends_at",
    "deadline_on",
    "email",
    "full_name",
    "roles",
    "action",
    "kind",
    "percentage",
    "grade",
    "id",
    "tenant_id",
]
NASTY = st.sampled_from(
    ["abc\ud800", "\udfff", "a\r\nBcc: x@example.org", "\x00", "\x1b[31m", "9" * 40, "-1", "", "<script>", "1e999"]
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    NASTY,
)
JSON_VALUE = st.recursive(
    SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)
JSON_BODY = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), JSON_VALUE, max_size=8),
    JSON_VALUE,
    st.integers(min_value=40, max_value=3000).map(lambda depth: "[" * depth + "]" * depth),
)
#: A form is UTF-8 on the wire: a browser cannot send a lone surrogate, so forms get the rest.
FORM_TEXT = (st.text(max_size=40) | NASTY).map(lambda value: value.encode("utf-8", "replace").decode())
FORM_BODY = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), FORM_TEXT, max_size=8)


def _write_routes(app: Any, world: Any) -> list[tuple[str, str]]:
    routes = []
    for rule in rules(app):
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            routes.append((method, concrete_path(rule, world)))
    return routes


def test_no_write_endpoint_answers_5xx_to_arbitrary_input(app, world, client):
    user = world.user("owner", "beheerder")
    login(client, user)
    routes = _write_routes(app, world)
    assert len(routes) > 60
    failures: list[str] = []
    sent = 0
    started = time.monotonic()

    def send(method: str, path: str, body: Any) -> Any:
        limiter.reset()
        if path.startswith("/api/"):
            if isinstance(body, str) and body.startswith("[["):  # the deep document, sent as it is
                return client.open(path, method=method, data=body, content_type="application/json")
            return client.open(path, method=method, json=body)
        return client.open(path, method=method, data=body if isinstance(body, dict) else {"x": str(body)[:100]})

    def walk_route(method: str, path: str) -> None:
        strategy = JSON_BODY if path.startswith("/api/") else FORM_BODY

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(body=strategy)
        def walk(body: Any) -> None:
            nonlocal sent
            response = send(method, path, body)
            if response.status_code in (302, 401) and "login" in response.headers.get("Location", "login"):
                login(client, user)
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{method} {path} {str(body)[:120]!r} -> {response.status_code}")

        walk()

    for method, path in routes:
        walk_route(method, path)
    elapsed = time.monotonic() - started
    print(f"{sent} fuzzed requests on {len(routes)} write routes in {elapsed:.1f} s")
    assert failures == [], failures[:10]
