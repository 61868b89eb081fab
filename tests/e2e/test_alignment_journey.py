"""Browser journey: Ranst's financial service compares the nadarhekken retributie with two partners,
opens a harmonisation proposal and puts it before the municipalities; Zandhoven's AD approves it."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_foundation_journeys import account, log_in, log_out

pytestmark = pytest.mark.e2e


def test_ranst_compares_a_retributie_and_zandhoven_approves_the_proposal(page):
    title = f"Tarief nadarhekken afstemmen {uuid.uuid4().hex[:6]}"
    log_in(page, account("dienst", "ranst"))
    page.goto("/ranst/afstemming/vergelijken/tarieven")
    page.get_by_label("Belasting of retributie").select_option("nadarhekken")
    page.get_by_label("Zandhoven").check()
    page.get_by_label("Zoersel").check()
    page.get_by_role("button", name="Vergelijken").click()
    table = page.locator("table", has=page.get_by_text("per hek per dag")).first
    expect(table).to_contain_text("mediaan")
    for name in ("Ranst", "Zandhoven", "Zoersel"):
        expect(table.get_by_role("rowheader", name=name)).to_be_visible()
    expect(table.get_by_role("rowheader", name="Schilde")).to_have_count(0)
    page.get_by_role("link", name="Harmonisatievoorstel openen").click()
    expect(page.get_by_label("Zandhoven")).to_be_checked()
    expect(page.get_by_label("Zoersel")).to_be_checked()
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Voorstel (bv. 2,50 EUR per hek per dag in alle gemeenten)").fill("2,50 EUR per hek per dag")
    page.get_by_role("button", name="Voorstel bewaren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("button", name="Voorleggen aan de besturen").click()
    expect(page.locator("#status")).to_have_text("Ter beslissing bij de besturen")
    log_out(page)

    log_in(page, account("ad", "zandhoven"))
    page.goto("/zandhoven/afstemming/voorstellen")
    page.get_by_role("link", name=title).click()
    page.get_by_label("Beslissing", exact=True).select_option("goedgekeurd")
    page.get_by_label("Orgaan").select_option("college")
    page.get_by_label("Datum van de beslissing").fill("2026-10-20")
    page.get_by_label("Referentie (bv. CBS 2026/123)").fill("CBS-2026-Z-17")
    page.get_by_role("button", name="Beslissing registreren").click()
    expect(page.locator(".alert-success")).to_contain_text("De beslissing van je bestuur is geregistreerd.")
    row = page.locator("#beslissingen tr", has=page.get_by_role("rowheader", name="Zandhoven"))
    expect(row).to_contain_text("Goedgekeurd")
    expect(row).to_contain_text("CBS-2026-Z-17")
    ranst = page.locator("#beslissingen tr", has=page.get_by_role("rowheader", name="Ranst"))
    expect(ranst).to_contain_text("Nog niet beslist")
