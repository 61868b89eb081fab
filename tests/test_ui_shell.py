"""The page shell: landmarks, skip link, labelled fields, CSP-safe markup, navigation, errors, contrast.

Every HTML page the portal serves is checked structurally (WCAG 2.1 AA basics that can be
checked without a browser). Parameterless GET pages are found by walking ``app.url_map``, so
pages added by later modules are checked too.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask

from portal.core.errors import error_page
from portal.core.templating import MODULES, brand_scheme, contrast_ratio
from portal.extensions import db
from tests.conftest import login

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}
FOCUSABLE = {"a", "button", "input", "select", "textarea"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: tuple[str, ...]
    text: str = ""
    children_text: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """A small DOM-ish view of an HTML page: elements with their ancestors and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.inline_scripts = 0
        self.style_elements = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: (v or "") for k, v in attrs}, tuple(e.tag for e in self.stack))
        self.elements.append(element)
        if tag == "style":
            self.style_elements += 1
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text += data
        if self.stack and self.stack[-1].tag == "script" and data.strip():
            self.inline_scripts += 1

    def find(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def by_id(self, ident: str) -> list[Element]:
        return [e for e in self.elements if e.attrs.get("id") == ident]


def accessible_name(page: Page, element: Element) -> str:
    for ref in element.attrs.get("aria-labelledby", "").split():
        for target in page.by_id(ref):
            return target.text.strip()
    return (element.attrs.get("aria-label") or element.text or element.attrs.get("value", "")).strip()


def check_page(html: str, url: str) -> list[str]:
    """Return the accessibility / CSP problems of one page (empty when it is fine)."""
    page = Page(html)
    problems: list[str] = []

    def fail(message: str) -> None:
        problems.append(f"{url}: {message}")

    html_tags = page.find("html")
    if not html_tags or html_tags[0].attrs.get("lang") not in ("nl-BE", "en"):
        fail("<html> without lang nl-BE/en")
    titles = page.find("title")
    if not titles or not titles[0].text.strip() or titles[0].text.strip().startswith("·"):
        fail("empty <title>")

    # Landmarks: one banner, one main, one contentinfo, at the top level.
    for tag in ("header", "main", "footer"):
        top = [e for e in page.find(tag) if not {"main", "article", "section", "aside", "nav"} & set(e.parents)]
        if len(top) != 1:
            fail(f"expected one top-level <{tag}>, found {len(top)}")
    mains = page.find("main")
    # Skip link: the first focusable element, pointing at <main>.
    focusables = [e for e in page.elements if e.tag in FOCUSABLE and e.attrs.get("type") != "hidden"]
    if not focusables or focusables[0].tag != "a" or not focusables[0].attrs.get("href", "").startswith("#"):
        fail("the first focusable element is not a skip link")
    else:
        target = focusables[0].attrs["href"][1:]
        if not mains or mains[0].attrs.get("id") != target:
            fail(f"skip link target #{target} is not the <main> element")
        if not focusables[0].text.strip():
            fail("skip link has no text")

    if len(page.find("h1")) != 1:
        fail(f"expected exactly one <h1>, found {len(page.find('h1'))}")
    headings = [int(e.tag[1]) for e in page.elements if re.fullmatch(r"h[1-6]", e.tag)]
    for before, after in itertools.pairwise(headings):
        if after > before + 1:
            fail(f"heading level jumps from h{before} to h{after}")

    nav_labels = []
    for nav in page.find("nav"):
        label = accessible_name(page, nav) if ("aria-label" in nav.attrs or "aria-labelledby" in nav.attrs) else ""
        if not label:
            fail("<nav> without aria-label")
        nav_labels.append(label)
    for label, count in Counter(nav_labels).items():
        if count > 1:
            fail(f"two <nav> landmarks share the label {label!r}")

    ids = Counter(e.attrs["id"] for e in page.elements if "id" in e.attrs)
    for ident, count in ids.items():
        if count > 1:
            fail(f"duplicate id {ident!r}")

    label_for = {e.attrs.get("for") for e in page.find("label")}
    for element in page.elements:
        if element.tag not in ("input", "select", "textarea"):
            continue
        if element.tag == "input" and element.attrs.get("type", "text") in UNLABELLED_INPUTS:
            continue
        labelled = (
            (element.attrs.get("id") and element.attrs["id"] in label_for)
            or "label" in element.parents
            or element.attrs.get("aria-label", "").strip()
            or element.attrs.get("aria-labelledby", "").strip()
        )
        if not labelled:
            fail(f"<{element.tag} name={element.attrs.get('name')!r}> has no label")
    for element in page.elements:
        for attr in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in element.attrs.get(attr, "").split():
                if not page.by_id(ref):
                    fail(f"{attr}={ref!r} points at no element")
    for label in page.find("label"):
        if label.attrs.get("for") and not page.by_id(label.attrs["for"]):
            fail(f"<label for={label.attrs['for']!r}> points at no element")

    for element in page.find("button"):
        if not accessible_name(page, element):
            fail("a <button> without an accessible name")
    for element in page.find("a"):
        if "href" in element.attrs and not accessible_name(page, element):
            fail(f"a link without text ({element.attrs['href']})")
    for element in page.find("img"):
        if "alt" not in element.attrs:
            fail("an <img> without alt")

    # The CSP allows no inline script or style: any of these would be blocked in the browser.
    if page.inline_scripts:
        fail("inline <script>")
    if page.style_elements:
        fail("<style> element")
    for element in page.elements:
        if "style" in element.attrs:
            fail(f"style= attribute on <{element.tag}>")
        handlers = [a for a in element.attrs if a.startswith("on")]
        if handlers:
            fail(f"event handler attribute {handlers} on <{element.tag}>")
        if element.tag == "a" and element.attrs.get("href", "").lower().startswith("javascript:"):
            fail("javascript: link")
        if element.tag == "script" and not element.attrs.get("src"):
            fail("<script> without src")
    return problems


# -- the pages ------------------------------------------------------------------------------

SKIP_ENDPOINTS = {"static", "branding_css", "healthz", "livez", "auth.root", "admin.logo"}
# Downloads, not pages.
DOWNLOADS = (".csv", ".ics", ".xlsx", ".pdf", ".json", ".atom")

# Problems in templates owned by other parts of the portal, reported to their owners; remove the
# entry when fixed (the test then also fails if the problem comes back).
KNOWN_ISSUES: set[str] = set()


def unexpected(problems: list[str]) -> list[str]:
    return [p for p in problems if p not in KNOWN_ISSUES]


def parameterless_pages(app: Flask) -> list[str]:
    """Return the HTML GET pages that need no object id (tenant slug filled in later)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint in SKIP_ENDPOINTS:
            continue
        if rule.rule.startswith("/api/") or set(rule.arguments) - {"tenant"} or rule.rule.endswith(DOWNLOADS):
            continue
        urls.append(rule.rule)
    return sorted(urls)


def _create_announcement(client, tenant_slug: str) -> int:
    response = client.post(
        f"/{tenant_slug}/mededelingen/nieuw",
        data={
            "title": "Vergadering beleidstafel",
            "body_html": "<p>Agenda volgt.</p>",
            "audience": "own",
            "publish": "1",
        },
    )
    assert response.status_code == 302, response.text[:500]
    return int(re.search(r"/mededelingen/(\d+)", response.headers["Location"]).group(1))


def test_the_walk_finds_the_known_pages(app):
    pages = parameterless_pages(app)
    for expected in (
        "/login",
        "/wachtwoord-vergeten",
        "/<tenant>/",
        "/<tenant>/mededelingen",
        "/<tenant>/beheer/auditlog",
    ):
        assert expected in pages


def test_logged_in_pages_are_accessible_and_csp_safe(app, client, world):
    admin = world.user("owner", "beheerder")
    login(client, admin)
    announcement_id = _create_announcement(client, "owner")
    urls = [u.replace("<tenant>", "owner") for u in parameterless_pages(app) if "<tenant>" in u]
    urls += [
        f"/owner/mededelingen/{announcement_id}",
        f"/owner/mededelingen/{announcement_id}/bewerken",
        f"/owner/beheer/gebruikers/{world.user('owner', 'dienst').id}",
        "/owner/mededelingen?q=vergadering",
        "/owner/bestaat-niet",
    ]
    # Personnel overviews refuse a beheerder who is not in HR with an explained 403 page.
    hr_only = {
        "/owner/hr/terbeschikkingstellingen",
        "/owner/hr/terbeschikkingstellingen/nieuw",
        "/owner/hr/werfreserves",
        "/owner/hr/werfreserves/nieuw",
    }
    problems = []
    for url in urls:
        response = client.get(url)
        allowed = (403,) if url in hr_only else (200, 404)
        assert response.status_code in allowed, (url, response.status_code)
        assert response.mimetype == "text/html", url
        problems += check_page(response.text, url)
    assert unexpected(problems) == []


def test_pages_with_form_errors_stay_accessible(client, world):
    login(client, world.user("owner"))
    response = client.post("/owner/mededelingen/nieuw", data={"title": "", "audience": "region"})
    assert response.status_code in (400, 422)
    assert check_page(response.text, "nieuwe mededeling met fouten") == []
    page = Page(response.text)
    invalid = [e for e in page.find("input") if e.attrs.get("aria-invalid") == "true"]
    assert invalid, "the title field is marked invalid"
    assert all(page.by_id(e.attrs["aria-describedby"]) for e in invalid)


def test_anonymous_pages_are_accessible_and_csp_safe(app, client, world):
    from portal.auth.operations import issue_email_token
    from tenants.context import tenant_context

    user = world.user("owner")
    with tenant_context(user.tenant_id, user_id=user.id):
        reset = issue_email_token(user, "reset", timedelta(hours=1))
        invite = issue_email_token(user, "invite", timedelta(days=1))
        db.session.commit()
    urls = [u for u in parameterless_pages(app) if "<tenant>" not in u]
    urls += [f"/wachtwoord-herstellen/{reset}", f"/uitnodiging/{invite}", "/wachtwoord-herstellen/ongeldig"]
    problems = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        problems += check_page(response.text, url)
    assert unexpected(problems) == []


def test_the_checker_catches_what_it_should():
    bad = """<!doctype html><html><head><title>x</title><style>p{}</style></head><body>
      <header><nav><a href="/">Start</a></nav><nav><a href="/b">B</a></nav></header>
      <main><h1>Een</h1><h1>Twee</h1><h3>Drie</h3>
        <input name="q" id="q"><select name="s"></select><button></button>
        <label for="weg">Weg</label><p style="color:red" onclick="x()">Tekst</p><img src="a.png">
        <span id="dubbel"></span><span id="dubbel"></span>
      </main><script>alert(1)</script></body></html>"""
    problems = " | ".join(check_page(bad, "bad"))
    for expected in (
        "lang",
        "one top-level <footer>",
        "skip link",
        "exactly one <h1>",
        "h1 to h3",
        "<nav> without aria-label",
        "<input name='q'> has no label",
        "<select name='s'> has no label",
        "<button> without an accessible name",
        "<label for='weg'> points at no element",
        "style= attribute",
        "event handler attribute",
        "an <img> without alt",
        "duplicate id 'dubbel'",
        "inline <script>",
        "<style> element",
    ):
        assert expected in problems, expected


def test_csp_header_forbids_inline_script_and_style(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_htmx_is_told_not_to_inject_styles(client):
    html = client.get("/login").text
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false' in html


# -- navigation -----------------------------------------------------------------------------


def test_navigation_shows_modules_with_placeholders(client, world):
    login(client, world.user("owner"))
    page = Page(client.get("/owner/mededelingen").text)
    main_nav = [n for n in page.find("nav") if n.attrs.get("aria-label") == "Hoofdnavigatie"]
    assert len(main_nav) == 1
    nav_text = " ".join(main_nav[0].text.split())
    for module in MODULES:
        assert str(module["label"]) in nav_text
    placeholders = [m for m in MODULES if not m["endpoint"]]
    # Every module has landed (reports last): no placeholder is left, but the rule still holds.
    assert nav_text.count("binnenkort") == len(placeholders)
    # A placeholder is not a link and is announced as unavailable.
    disabled = [e for e in page.elements if e.attrs.get("aria-disabled") == "true"]
    assert {" ".join(e.text.split()).replace(" binnenkort", "") for e in disabled} == {
        str(m["label"]) for m in placeholders
    }
    assert all(e.tag != "a" for e in disabled)
    # The current page is marked, once.
    current = [e for e in page.elements if e.attrs.get("aria-current") == "page" and "nav" in e.parents]
    assert [" ".join(e.text.split()) for e in current] == ["Mededelingen"]


def test_dashboard_marks_overview_and_shows_tenant_regions_partners(client, world):
    login(client, world.user("owner"))
    _create_announcement(client, "owner")
    html = client.get("/owner/").text
    page = Page(html)
    current = [" ".join(e.text.split()) for e in page.elements if e.attrs.get("aria-current") == "page"]
    assert current == ["Overzicht"]
    assert page.find("h1")[0].text.strip() == "Welkom, ad owner"
    assert "Je werkt voor Gemeente Owner." in html
    assert "Regio A" in html and "Regio B" not in html
    assert "Gemeente Partner" in html
    assert "Gemeente Former" not in html and "Gemeente Outsider" not in html
    assert "Vergadering beleidstafel" in html


def test_user_menu_offers_admin_links_only_to_admins(client, world):
    login(client, world.user("owner", "dienst"))
    html = client.get("/owner/").text
    assert "/owner/account/" in html and "/owner/beheer/gebruikers" not in html
    assert "/owner/beheer/auditlog" not in html
    client.post("/logout")
    login(client, world.user("owner", "beheerder"))
    html = client.get("/owner/").text
    assert "/owner/beheer/gebruikers" in html and "/owner/beheer/auditlog" in html


def test_notifications_link_shows_unread_count_for_screen_readers(client, world):
    from portal.core.outbox import notify
    from tenants.context import tenant_context

    user = world.user("owner")
    with tenant_context(user.tenant_id, user_id=user.id):
        notify(user, category="general", title="Nieuwe mededeling van Gemeente Partner", body="Lees ze.")
        db.session.commit()
    login(client, user)
    page = Page(client.get("/owner/").text)
    links = [e for e in page.find("a") if e.attrs.get("href") == "/owner/meldingen/"]
    assert links and " ".join(links[0].text.split()) == "Meldingen 1 ongelezen"


# -- error pages ----------------------------------------------------------------------------


def _error_checks(response, status: int, title: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = Page(response.text)
    assert page.find("h1")[0].text.strip() == title
    assert f"Foutcode {status}" in response.text
    assert check_page(response.text, f"error {status}") == []


def test_error_404_in_dutch(client, world):
    login(client, world.user("owner"))
    _error_checks(client.get("/owner/bestaat-niet"), 404, "Niet gevonden")
    # Another tenant's slug does not exist for this user either.
    _error_checks(client.get("/partner/"), 404, "Niet gevonden")


def test_error_403_in_dutch(client, world):
    login(client, world.user("owner", "dienst"))
    _error_checks(client.get("/owner/beheer/gebruikers"), 403, "Geen toegang")


def test_error_400_in_dutch(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": "a@b.be", "password": "x" * 12})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    _error_checks(response, 400, "Ongeldige aanvraag")
    assert "Laad de pagina opnieuw" in response.text


def test_error_413_in_dutch(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/login", data={"email": "a@b.be", "password": "x" * 4096})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    _error_checks(response, 413, "Bestand of aanvraag te groot")


def test_error_429_in_dutch(app, client, world):
    user = world.user("owner")
    response = None
    for _ in range(app.config["PORTAL_LOGIN_PAIR_THRESHOLD"] + 1):
        response = client.post("/login", data={"email": user.email, "password": "verkeerd-wachtwoord"})
    assert response is not None
    assert response.status_code == 429
    assert 'lang="nl-BE"' in response.text
    assert check_page(response.text, "429") == []


def test_error_500_in_dutch(app, world):
    with app.test_request_context("/owner/"):
        html, status = error_page(500)
    assert status == 500
    page = Page(html)
    assert page.find("h1")[0].text.strip() == "Interne fout"
    assert "Er ging iets mis aan onze kant" in html
    assert check_page(html, "500") == []


# -- contrast of the tenant's colour --------------------------------------------------------


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert contrast_ratio("#ffffff", "#0b5394") == pytest.approx(7.84, abs=0.01)
    assert contrast_ratio("#0b5394", "#ffffff") == contrast_ratio("#ffffff", "#0b5394")


@pytest.mark.parametrize(
    ("colour", "scheme"),
    [("#0b5394", "dark"), ("#000000", "dark"), ("#ffcc00", "light"), ("#ffffff", "light"), ("#7fbf3f", "light")],
)
def test_brand_scheme_picks_the_readable_text_colour(colour, scheme):
    assert brand_scheme(colour) == scheme


def test_brand_text_always_reaches_aa_contrast():
    # Every 16th step of each channel: the chosen text colour keeps 4.5:1 on the bar.
    for r in range(0, 256, 17):
        for g in range(0, 256, 17):
            for b in range(0, 256, 17):
                colour = f"#{r:02x}{g:02x}{b:02x}"
                text = "#ffffff" if brand_scheme(colour) == "dark" else "#000000"
                assert contrast_ratio(text, colour) >= 4.5, colour


def test_invalid_or_missing_colour_falls_back_to_the_portal_blue():
    assert brand_scheme(None) == brand_scheme("") == brand_scheme("rood") == "dark"


def test_light_brand_colour_gets_dark_text_in_the_page(client, world):
    tenant = world.tenants["owner"]
    tenant.brand_colour = "#ffdd00"
    db.session.commit()
    login(client, world.user("owner"))
    html = client.get("/owner/").text
    assert re.search(r'class="navbar navbar-expand portal-topbar" data-bs-theme="light"', html)
    assert "#ffdd00" in client.get("/branding/owner.css").text
