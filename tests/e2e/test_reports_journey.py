"""Browser journey: the AD of Ranst generates the council report, reviews and approves it; a raadslid reads it."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.test_accessibility import _serious
from tests.e2e.test_foundation_journeys import account, log_in, log_out

pytestmark = pytest.mark.e2e


def test_ad_generates_reviews_and_approves_and_a_council_member_reads_it(page):
    today = clock.today()
    period = f"{today.year}-S{1 if today.month <= 6 else 2}"
    foreword = f"Beste raadsleden, dit is de stand van onze samenwerking {uuid.uuid4().hex[:6]}."

    log_in(page, account("ad", "ranst"))
    page.goto("/ranst/rapporten")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapporten aan de gemeenteraad")
    assert _serious(page) == []
    page.get_by_label("Periode", exact=True).fill(period)
    page.get_by_role("button", name="Rapport nu maken").click()
    expect(page.locator("#status")).to_have_text("Concept")
    expect(page.get_by_role("heading", name="Kerncijfers")).to_be_visible()
    expect(page.get_by_role("heading", name="Samenwerkingsmatrix")).to_be_visible()
    assert _serious(page) == []
    page.get_by_label("Voorwoord", exact=True).fill(foreword)
    page.get_by_role("button", name="Teksten opslaan").click()
    expect(page.locator(".alert-success")).to_contain_text("Voorwoord en opmerkingen zijn opgeslagen.")
    page.get_by_role("button", name="Goedkeuren en verzenden").click()
    expect(page.locator(".alert-success")).to_contain_text("raadsleden verzonden")
    expect(page.locator("#status")).to_have_text("Verzonden")
    assert len(page.locator("#pdf-checksum").inner_text()) == 64
    log_out(page)

    log_in(page, account("raadslid", "ranst"))
    page.goto("/ranst/rapporten")
    page.get_by_role("link", name=period).first.click()
    expect(page.get_by_role("heading", name="Voorwoord van de algemeen directeur")).to_be_visible()
    expect(page.get_by_text(foreword)).to_be_visible()
    expect(page.get_by_role("button", name="Goedkeuren en verzenden")).to_have_count(0)
    assert _serious(page) == []
    href = page.get_by_role("link", name="PDF downloaden").get_attribute("href")
    assert href is not None
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
