"""Browser journey: the AD of Ranst drafts an agreement with Zandhoven and Zoersel; each AD
records its own council decision; the agreement becomes active and the matrix shows level 2."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_foundation_journeys import account, log_in, log_out

pytestmark = pytest.mark.e2e


def record_decision(page, slug: str, title: str) -> None:
    log_in(page, account("ad", slug))
    page.goto(f"/{slug}/overeenkomsten")
    page.get_by_role("link", name=title).click()
    page.get_by_label("Orgaan").select_option(label="Gemeenteraad")
    page.get_by_label("Beslissing", exact=True).select_option(label="Goedgekeurd")
    page.get_by_label("Datum van de beslissing").fill("2026-10-20")
    page.get_by_label("Referentie (bv. agendapunt of besluitnummer)").fill(f"GR-2026-{slug}")
    page.get_by_role("button", name="Beslissing registreren").click()
    expect(page.locator(".alert-success")).to_contain_text("De beslissing van je bestuur is geregistreerd.")
    log_out(page)


def test_three_municipalities_approve_and_the_matrix_shows_formal_cooperation(page):
    title = f"Gezamenlijke aankoop strooizout {uuid.uuid4().hex[:6]}"
    log_in(page, account("ad", "ranst"))
    page.goto("/ranst/overeenkomsten")
    page.get_by_role("link", name="Nieuwe overeenkomst").click()
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Rechtsvorm").select_option(label="Samenwerkingsovereenkomst zonder rechtspersoonlijkheid")
    page.get_by_label("Begindatum").fill("2027-01-01")
    page.get_by_label("Aankoop", exact=True).check()
    page.get_by_label("Zandhoven").check()
    page.get_by_label("Zoersel").check()
    page.get_by_label("Zichtbaar voor").select_option(index=1)
    page.get_by_label("Tekst van de overeenkomst").fill("Ranst koopt strooizout aan voor de drie gemeenten.")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("#status")).to_have_text("Ontwerp")
    page.get_by_role("button", name="Ter goedkeuring voorleggen").click()
    expect(page.locator("#status")).to_have_text("Ter goedkeuring")
    log_out(page)

    for slug in ("zandhoven", "zoersel", "ranst"):
        record_decision(page, slug, title)

    log_in(page, account("ad", "zoersel"))
    page.goto("/zoersel/overeenkomsten")
    page.get_by_role("link", name=title).click()
    expect(page.locator("#status")).to_have_text("Actief")
    page.goto("/zoersel/overeenkomsten/matrix")
    row = page.locator("#matrix tr", has=page.get_by_role("rowheader", name="Zoersel"))
    # Columns: Bestuur, financieel, personeel, facility, ICT, communicatie, aankoop, andere.
    expect(row.locator("td").nth(5)).to_have_attribute("data-level", "2")
    for name in ("Ranst", "Zandhoven"):
        other = page.locator("#matrix tr", has=page.get_by_role("rowheader", name=name))
        expect(other.locator("td").nth(5)).to_have_attribute("data-level", "2")
    wommelgem = page.locator("#matrix tr", has=page.get_by_role("rowheader", name="Wommelgem"))
    expect(wommelgem.locator("td").nth(5)).to_have_attribute("data-level", "0")
    # Lier (another region) does not find the agreement.
    log_out(page)
    log_in(page, account("ad", "lier"))
    page.goto("/lier/overeenkomsten")
    expect(page.get_by_text(title)).to_have_count(0)
    assert re.search(re.escape(title), page.content()) is None
