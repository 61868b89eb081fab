"""Browser journey: the aankoper of Ranst opens a joint procurement dossier; Zandhoven joins with
a mandate and quantities; Ranst sees the consolidated needs and awards the lot."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.test_foundation_journeys import account, log_in, log_out

pytestmark = pytest.mark.e2e


def test_lead_opens_a_dossier_partner_joins_with_a_mandate_and_the_lead_awards(page):
    title = f"Diesel voor de technische diensten {uuid.uuid4().hex[:6]}"
    today = clock.today()

    # Ranst (lead) starts the dossier, shares the bestek and opens it for the region.
    log_in(page, account("aankoop", "ranst"))
    page.goto("/ranst/aankoop/")
    page.get_by_role("link", name="Nieuw dossier").click()
    page.get_by_label("Titel").fill(title)
    page.get_by_label("CPV-code").fill("09134100-8")
    page.get_by_label("Omschrijving").fill("Levering van diesel aan de gemeentelijke depots.")
    page.get_by_label("Juridische vorm").select_option(label="Opdrachtencentrale")
    page.get_by_label("Procedure").select_option(label="Openbare procedure")
    page.get_by_label("Geraamde waarde (EUR)").fill("150000")
    page.get_by_label("Uiterste datum toetreding").fill((today + timedelta(days=20)).isoformat())
    page.locator("#lot_title_0").fill("Diesel")
    page.locator("#lot_unit_0").fill("liter")
    page.locator("#lot_value_0").fill("150000")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("button", name="Openstellen voor toetreding").click()
    expect(page.locator(".alert-success")).to_contain_text("Het dossier staat open voor toetreding.")
    page.get_by_label("Soort").select_option(label="Bestek")
    page.get_by_label("Titel", exact=True).fill("Bestek diesel 2027")
    page.get_by_label("Bestand (PDF, DOCX of ODT, max. 10 MB)").set_input_files(
        {"name": "bestek.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n% bestek diesel\n"}
    )
    page.get_by_role("button", name="Document delen").click()
    expect(page.locator(".alert-success")).to_contain_text("Het document is gedeeld.")
    log_out(page)

    # Zandhoven joins with its quantities and its own college decision.
    log_in(page, account("aankoop", "zandhoven"))
    page.goto("/zandhoven/aankoop/")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("link", name="Bestek diesel 2027")).to_be_visible()
    page.get_by_label("Hoeveelheid perceel 1 (liter)").fill("12000")
    page.get_by_label("Geraamd bedrag perceel 1 (EUR)").fill("18000")
    page.get_by_label("Orgaan").select_option(label="College van burgemeester en schepenen")
    page.get_by_label("Datum beslissing").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Referentie").fill("CBS/2026/501")
    page.get_by_role("button", name="Deelname bewaren").click()
    expect(page.locator(".alert-success")).to_contain_text("Je deelname is bewaard.")
    expect(page.get_by_text("Deelname met mandaat")).to_be_visible()
    log_out(page)

    # Ranst sees the consolidated needs and awards the lot.
    log_in(page, account("aankoop", "ranst"))
    page.goto("/ranst/aankoop/")
    page.get_by_role("link", name=title).click()
    needs = page.locator("section", has=page.get_by_role("heading", name="Geconsolideerde behoeften"))
    expect(needs.get_by_role("row", name=re.compile("Zandhoven"))).to_contain_text("12.000")
    expect(needs).to_contain_text("CBS/2026/501")
    page.get_by_label("Leverancier").fill("Brandstoffen Kempen nv")
    page.get_by_label("Ondernemingsnummer").fill("BE 0207.437.468")
    page.get_by_label("Gunningsbedrag").fill("16500")
    page.get_by_label("Start contract").fill(today.isoformat())
    page.get_by_label("Einde contract").fill((today + timedelta(days=730)).isoformat())
    page.get_by_role("button", name="Gunnen").click()
    expect(page.locator(".alert-success")).to_contain_text("Het perceel is gegund.")
    lots = page.get_by_role("table", name="Percelen")
    expect(lots.get_by_role("row", name=re.compile("Diesel"))).to_contain_text("Brandstoffen Kempen nv")
    savings = page.get_by_role("table", name="Besparing per bestuur")
    expect(savings.get_by_role("row", name=re.compile("Zandhoven"))).to_be_visible()
    log_out(page)

    # Zandhoven finds the contract in the register.
    log_in(page, account("aankoop", "zandhoven"))
    page.goto("/zandhoven/aankoop/contracten")
    expect(page.get_by_text("Brandstoffen Kempen nv")).to_be_visible()
