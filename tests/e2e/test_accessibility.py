"""axe-core on every main page: no serious or critical violations (WCAG 2.1 AA rules)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.test_foundation_journeys import account, log_in

pytestmark = pytest.mark.e2e

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

PUBLIC_PAGES = ["/login", "/wachtwoord-vergeten"]
PAGES = [
    "/ranst/",
    "/ranst/mededelingen",
    "/ranst/mededelingen/nieuw",
    "/ranst/meldingen",
    "/ranst/account",
    "/ranst/account/meldingen",
    "/ranst/account/tokens",
    "/ranst/beheer/gebruikers",
    "/ranst/beheer/instellingen",
    "/ranst/beheer/auditlog",
    "/ranst/overeenkomsten",
    "/ranst/overeenkomsten/nieuw",
    "/ranst/overeenkomsten/matrix",
    "/ranst/meerjarenplan",
    "/ranst/meerjarenplan/importeren",
    "/ranst/meerjarenplan/rapporten",
    "/ranst/bestaat-niet",
]


def _serious(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    # axe really ran: it checked rules that passed on this page.
    assert len(results.response["passes"]) > 10
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_serious_violations(page, path):
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert _serious(page) == []


def test_logged_in_pages_have_no_serious_violations(page):
    log_in(page, account("beheerder", "ranst"))
    found = {}
    for path in PAGES:
        response = page.goto(path)
        assert response is not None and response.status == (404 if "bestaat-niet" in path else 200), path
        problems = _serious(page)
        if problems:
            found[path] = problems
    assert found == {}
