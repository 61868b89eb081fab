"""Dutch (nl_BE) by default, English on request; complete catalogues; Belgian dates and amounts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal.core.templating import fmt_date, fmt_datetime, fmt_money, fmt_number
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, html[:200]
    return match.group(1)


# -- language of the pages ------------------------------------------------------------------


def test_default_page_is_dutch(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert _lang(response.text) == "nl-BE"
    assert '<h1 class="h2 mb-3">Aanmelden</h1>' in response.text
    assert "Naar de inhoud" in response.text
    assert "Log in" not in response.text


def test_browser_asking_for_an_unsupported_language_gets_dutch(client):
    response = client.get("/login", headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert _lang(response.text) == "nl-BE"


def test_switching_to_english_translates_the_login_page(client):
    response = client.post("/taal/en", data={"next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    page = client.get("/login").text
    assert _lang(page) == "en"
    assert "Log in" in page and "Forgot your password?" in page
    assert "E-mail address" in page and "Password" in page
    assert "Aanmelden" not in page and "Wachtwoord vergeten" not in page
    # The switch offers the way back, labelled in its own language.
    assert 'lang="nl-BE"' in page and "Nederlands" in page


def test_switching_back_to_dutch(client):
    client.post("/taal/en", data={"next": "/login"})
    client.post("/taal/nl_BE", data={"next": "/login"})
    page = client.get("/login").text
    assert _lang(page) == "nl-BE"
    assert "Aanmelden" in page


def test_unknown_language_code_is_404(client):
    assert client.post("/taal/fr", data={"next": "/login"}).status_code == 404


def test_dashboard_in_english_after_switching(client, world):
    user = world.user("owner")
    login(client, user)
    assert _lang(client.get("/owner/").text) == "nl-BE"
    client.post("/taal/en", data={"next": "/owner/"})
    page = client.get("/owner/").text
    assert _lang(page) == "en"
    assert "Welcome, ad owner" in page
    assert "You work for Gemeente Owner." in page
    assert "Partnerships" in page and "Partner governments" in page and "Recent announcements" in page
    # Every module has landed (no "coming soon" placeholder left): the navigation labels are translated.
    assert "Main navigation" in page and "Reports" in page and "Agreements" in page
    assert "binnenkort" not in page and "Samenwerkingsverbanden" not in page
    # The choice is remembered on the account, so it survives a new session.
    assert user.locale == "en"


def test_error_pages_follow_the_language(client, world):
    login(client, world.user("owner"))
    assert "Niet gevonden" in client.get("/owner/bestaat-niet").text
    client.post("/taal/en", data={"next": "/owner/"})
    response = client.get("/owner/bestaat-niet")
    assert response.status_code == 404
    assert "Not found" in response.text and "Error code 404" in response.text


def test_api_problem_titles_are_translated_with_the_error_page_titles(client, world):
    # portal.core.errors looks the title up with the Dutch text that errors/error.html lists.
    login(client, world.user("owner"))
    client.post("/taal/en", data={"next": "/owner/"})
    body = client.get("/api/v1/announcements/999999").get_json()
    assert body["status"] == 404
    assert body["title"] == "Not found"


# -- the catalogues -------------------------------------------------------------------------


def test_every_english_message_is_translated():
    catalog = _catalog("en")
    ids = [m.id for m in catalog if m.id]
    assert len(ids) > 200
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


def test_english_translations_keep_the_placeholders():
    for message in _catalog("en"):
        if not message.id or not isinstance(message.id, str):
            continue
        assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), message.id


def test_dutch_catalogue_has_the_same_messages():
    dutch = {m.id for m in _catalog("nl_BE") if m.id}
    english = {m.id for m in _catalog("en") if m.id}
    assert dutch == english


@pytest.mark.parametrize("locale", ["en", "nl_BE"])
def test_compiled_catalogue_matches_the_po_file(locale):
    """The .mo is committed (CI compiles nothing): it must be rebuilt after each .po change."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    source = {m.id: m.string for m in _catalog(locale) if m.id and m.string}
    assert compiled == source


def test_catalogue_holds_every_string_in_the_code():
    """Every _()/_l() string in portal/, tenants/, tasks/ and templates/ is in the catalogue.

    Fails when a string was added without `pybabel extract` + `update` + translation (docs/operations.md).
    """
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    catalogued = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("en") if m.id}
    assert sorted(found - catalogued) == []


# -- Belgian formats ------------------------------------------------------------------------


def test_money_and_numbers_the_belgian_way(app):
    with app.test_request_context(), force_locale("nl_BE"):
        assert fmt_money(1234.5) == "€\xa01.234,50"
        assert fmt_money(Decimal("1000000")) == "€\xa01.000.000,00"
        assert fmt_money(0) == "€\xa00,00"
        assert fmt_money(None) == ""
        assert fmt_number(Decimal("1234567.891")) == "1.234.567,891"
    with app.test_request_context(), force_locale("en"):
        assert fmt_money(1234.5) == "€1,234.50"


def test_dates_the_belgian_way(app):
    with app.test_request_context(), force_locale("nl_BE"):
        assert fmt_date(date(2026, 11, 22)) == "22 nov 2026"
        assert fmt_date(date(2026, 3, 5), "long") == "5 maart 2026"
        assert fmt_date(date(2026, 3, 5), "short") == "5/03/2026"
        assert fmt_date(None) == ""
    with app.test_request_context(), force_locale("en"):
        assert fmt_date(date(2026, 11, 22)) == "Nov 22, 2026"


def test_moments_are_shown_in_brussels_time(app):
    with app.test_request_context(), force_locale("nl_BE"):
        # 23:30 UTC in winter is already the next day in Brussels (UTC+1).
        late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
        assert fmt_date(late) == "23 nov 2026"
        assert fmt_datetime(late) == "23 nov 2026 00:30"
        # Summer time: UTC+2.
        assert fmt_datetime(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "1 jul 2026 14:00"
        assert fmt_datetime(None) == ""


def test_template_labels_are_translated_once_per_language(app):
    """``translated_labels`` gives each language its own plain strings and reuses them."""
    from portal.core.roles import ALGEMEEN_DIRECTEUR, ROLE_LABELS
    from portal.core.templating import translated_labels

    groups = {"role_labels": ROLE_LABELS, "helper": len}
    with app.test_request_context():
        with force_locale("nl_BE"):
            dutch = translated_labels(groups)
            assert translated_labels(groups) is dutch  # the second page of the same language reuses them
        with force_locale("en"):
            english = translated_labels(groups)
    assert dutch["role_labels"][ALGEMEEN_DIRECTEUR] == "Algemeen directeur"
    assert english["role_labels"][ALGEMEEN_DIRECTEUR] == "Chief executive (algemeen directeur)"
    assert type(english["role_labels"][ALGEMEEN_DIRECTEUR]) is str and english["helper"] is len
    assert set(english["role_labels"]) == set(ROLE_LABELS)
    # Another group that happens to land on a freed id is not mistaken for the first.
    other = {"role_labels": {ALGEMEEN_DIRECTEUR: "x"}}
    with app.test_request_context(), force_locale("en"):
        assert translated_labels(other)["role_labels"][ALGEMEEN_DIRECTEUR] == "x"
