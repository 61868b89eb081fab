"""Every route that takes an object from the URL answers 404 to every other tenant (and user).

The routes and how to reach a real object of tenant "owner" are registered in
``tests/matrix.py``; the meta-test below fails for a route that is not registered there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.conftest import login
from tests.matrix import EXEMPT, REGISTRY, Entry, pretty, token_headers

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Case:
    rule: str
    method: str
    viewer: str  # owner, partner, outsider, former or colleague
    shared: bool  # the object is shared with region A (owner + partner)

    @property
    def entry(self) -> Entry:
        return REGISTRY[self.rule]

    @property
    def label(self) -> str:
        suffix = " (gedeeld)" if self.viewer == "partner" and self.shared else ""
        return f"{self.method} {pretty(self.rule)} as {self.viewer}{suffix}"


def _cases() -> list[Case]:
    cases = []
    for rule, entry in REGISTRY.items():
        for method in entry.methods:
            # Foreign viewers face a shared object whenever it can be shared: the hardest case.
            cases.append(Case(rule, method, "owner", entry.shareable))
            cases.append(Case(rule, method, "partner", False))
            if entry.shareable:
                cases.append(Case(rule, method, "partner", True))
            cases.append(Case(rule, method, "outsider", entry.shareable))
            cases.append(Case(rule, method, "former", entry.shareable))
            if entry.per_user:
                cases.append(Case(rule, method, "colleague", False))
    return cases


CASES = _cases()


def _expected(case: Case) -> int:
    entry = case.entry
    if case.viewer == "owner":
        return entry.owner_status[case.method]
    if case.viewer == "partner" and case.shared and case.method in entry.shared_reads:
        return 200
    return 404


def _viewer(world: Any, case: Case) -> Any:
    entry = case.entry
    if case.viewer == "colleague":
        return world.user("owner", entry.colleague_role)
    return world.user(case.viewer, entry.role)


def _request(app: Flask, user: Any, case: Case, url: str) -> Any:
    client = app.test_client()
    body = dict(case.entry.data.get(case.method, {}))
    if url.startswith("/api/"):
        if any(isinstance(v, tuple) for v in body.values()):  # a file upload: multipart, not JSON
            return client.open(url, method=case.method, headers=token_headers(user), data=body)
        return client.open(url, method=case.method, headers=token_headers(user), json=body or None)
    login(client, user)
    return client.open(url, method=case.method, data=body)


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_route_isolation(app, world, case):
    target = case.entry.build(world, case.shared)
    before = target.state()
    user = _viewer(world, case)
    expected = _expected(case)
    slugs = [user.tenant.slug]
    if case.viewer not in ("owner", "colleague"):
        slugs.append("owner")  # a foreign viewer typing the owner's slug
    if "<tenant>" not in target.path:
        slugs = slugs[:1]
    for slug in slugs:
        url = target.path.replace("<tenant>", slug)
        response = _request(app, user, case, url)
        want = expected if slug == user.tenant.slug else 404
        assert response.status_code == want, f"{case.method} {url}: {response.status_code}"
        if want == 404:
            assert target.secret not in response.get_data(as_text=True)
        elif case.method == "GET" and response.mimetype == "application/pdf":
            # A rendered PDF holds its text in compressed streams: it must at least be a real PDF.
            assert response.get_data().startswith(b"%PDF")
        elif case.method == "GET" and response.mimetype.startswith("image/"):
            # A binary image carries the secret in its bytes (after the magic header), or is the expected file.
            assert target.secret.encode() in response.get_data() or response.get_data() == target.body
        elif case.method == "GET":
            assert target.secret in response.get_data(as_text=True)
    after = target.state()
    if expected == 404 or case.method == "GET":
        assert after == before, "a refused or read-only request changed the object"
    else:
        assert after != before, "the owner's write had no effect (the snapshot proves nothing)"


def test_api_read_with_cookie_login_is_isolated_too(app, world):
    """The API answers the same 404 to a cookie-authenticated partner as to a token."""
    rule = "/api/v1/announcements/<int:announcement_id>"
    target = REGISTRY[rule].build(world, False)
    client = app.test_client()
    login(client, world.user("partner"))
    response = client.get(target.path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert target.secret not in response.get_data(as_text=True)
    owner = app.test_client()
    login(owner, world.user("owner"))
    assert owner.get(target.path).json["title"] == target.secret


def _rules_with_objects(app: Flask) -> dict[str, set[str]]:
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if set(rule.arguments) - {"tenant"}:
            rules.setdefault(rule.rule, set()).update(set(rule.methods or ()) - IGNORED_METHODS)
    return rules


def test_every_route_with_an_object_is_in_the_matrix(app):
    """Fail for a URL variable that neither the matrix nor EXEMPT covers (see tests/matrix.py)."""
    rules = _rules_with_objects(app)
    missing = sorted(r for r in rules if r not in REGISTRY and r not in EXEMPT)
    assert not missing, (
        "These routes take an object from the URL but are not in the cross-tenant matrix; "
        "add them to REGISTRY (or, if not a tenant object, to EXEMPT with a reason) in tests/matrix.py:\n  "
        + "\n  ".join(missing)
    )


def test_matrix_names_only_existing_rules_and_all_their_methods(app):
    rules = _rules_with_objects(app)
    stale = sorted(r for r in [*REGISTRY, *EXEMPT] if r not in rules)
    assert not stale, "tests/matrix.py names rules that no longer exist:\n  " + "\n  ".join(stale)
    both = sorted(set(REGISTRY) & set(EXEMPT))
    assert not both, f"rules both in REGISTRY and EXEMPT: {both}"
    untried = {
        rule: sorted(methods - set(REGISTRY[rule].methods))
        for rule, methods in rules.items()
        if rule in REGISTRY and methods - set(REGISTRY[rule].methods)
    }
    assert not untried, f"methods of these rules are not tried by the matrix: {untried}"
    unknown = {
        rule: sorted(set(entry.methods) - rules[rule])
        for rule, entry in REGISTRY.items()
        if set(entry.methods) - rules[rule]
    }
    assert not unknown, f"the matrix tries methods these rules do not have: {unknown}"
    assert all(reason.strip() for reason in EXEMPT.values()), "every exemption needs a reason"


def test_matrix_ids_read_like_requests():
    labels = {c.label for c in CASES}
    assert "GET /<tenant>/mededelingen/<id> as partner" in labels
    assert "GET /<tenant>/mededelingen/<id> as partner (gedeeld)" in labels
    assert "POST /<tenant>/meldingen/<id> as colleague" in labels
    assert len(labels) == len(CASES)
