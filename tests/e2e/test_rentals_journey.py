"""Browser journey: the dienst of Ranst finds Zandhoven's podium for a weekend and reserves it;
Zandhoven approves; Ranst sees the loan agreement, downloads it as PDF and accepts it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.rentals.operations import belgian_holidays
from tests import clock
from tests.e2e.test_accessibility import _serious
from tests.e2e.test_foundation_journeys import account, log_in, log_out

pytestmark = pytest.mark.e2e

PODIUM = "Mobiel podium 8 x 6 m"


def free_weekend() -> date:
    """Return a Saturday at least eight weeks ahead (past the demo reservations), holidays skipped."""
    day = clock.today() + timedelta(weeks=8)
    while (
        day.weekday() != 5 or day in belgian_holidays(day.year) or day + timedelta(days=1) in belgian_holidays(day.year)
    ):
        day += timedelta(days=1)
    return day


def _calendar_shows(page, resource_url: str, day: date, title: str) -> None:
    """Open the resource's calendar, go to the month of ``day`` and see a busy block with ``title``."""
    page.goto(resource_url)
    page.get_by_role("link", name="Kalender: vrij en bezet").click()
    calendar = page.locator("#kalender")
    expect(calendar.locator(".fc-daygrid-day").first).to_be_visible()
    # The no-JS table lists the same reservation.
    expect(page.locator("#bezetting-tabel")).to_contain_text(title)
    today = clock.today()
    for _month in range((day.year - today.year) * 12 + day.month - today.month):
        calendar.locator(".fc-next-button").click()
    block = calendar.locator(".fc-event.portal-busy", has_text=title).first
    expect(block).to_be_visible()
    assert _serious(page) == []
    calendar.get_by_role("button", name="Lijst").click()
    expect(calendar.locator(".fc-list-event", has_text=title).first).to_be_visible()


def test_ranst_reserves_the_podium_of_zandhoven_and_accepts_the_agreement(page):
    saturday = free_weekend()
    sunday = saturday + timedelta(days=1)
    log_in(page, account("dienst", "ranst"))
    page.goto("/ranst/verhuur/beschikbaarheid")
    page.get_by_label("Van").fill(f"{saturday.isoformat()}T09:00")
    page.get_by_label("Tot").fill(f"{sunday.isoformat()}T20:00")
    page.get_by_label("Categorie").select_option("podium")
    page.get_by_role("button", name="Zoeken").click()
    row = page.locator("#resultaten tr", has_text="Zandhoven")
    expect(row).to_contain_text(PODIUM)
    expect(row.locator("img")).to_have_attribute("alt", PODIUM)
    row.get_by_role("link", name=PODIUM).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PODIUM)
    # The catalogue photo (drawn by the demo) is shown with the item's name as alt text.
    expect(page.locator("#fotos img").first).to_have_attribute("alt", PODIUM)
    resource_url = page.url.split("?")[0]
    expect(page.get_by_label("Van")).to_have_value(f"{saturday.isoformat()}T09:00")
    page.get_by_label("Doel").fill("Buurtfeest Ranst-Centrum")
    page.get_by_role("button", name="Aanvraag versturen").click()
    expect(page.locator(".alert-success")).to_contain_text("Je aanvraag is verstuurd naar Zandhoven")
    expect(page.get_by_role("heading", level=1)).to_contain_text("aangevraagd")
    reservation_url = page.url
    _calendar_shows(page, resource_url, saturday, "Jullie reservatie")
    log_out(page)

    log_in(page, account("dienst", "zandhoven"))
    page.goto("/zandhoven/verhuur/aanvragen")
    # Newest period first: this weekend lies after every demo request.
    page.locator("tbody tr", has_text="Ranst").first.get_by_role("link", name=PODIUM).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("aangevraagd")
    page.get_by_role("button", name="Goedkeuren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("goedgekeurd")
    expect(page.locator("#overeenkomst-status")).to_contain_text("nog niet aanvaard")
    # The owner's calendar names the requester.
    _calendar_shows(page, resource_url.replace("/ranst/", "/zandhoven/"), saturday, "Bezet: Ranst")
    log_out(page)

    log_in(page, account("dienst", "ranst"))
    page.goto(reservation_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("goedgekeurd")
    page.get_by_role("link", name="Overeenkomst bekijken en aanvaarden").click()
    agreement = page.locator("#overeenkomst")
    expect(agreement).to_contain_text("Uitleenovereenkomst")
    expect(agreement).to_contain_text("Zandhoven")
    expect(agreement).to_contain_text("Ranst")
    expect(agreement).to_contain_text(PODIUM)
    expect(agreement).to_contain_text("45.118.223")
    pdf = page.request.get(page.get_by_role("link", name="Download als PDF").get_attribute("href") or "")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    page.get_by_label("Polisnummer BA-verzekering van jullie bestuur").fill("BA-RANST-2026")
    page.get_by_label("Ik aanvaard de voorwaarden van deze uitleenovereenkomst namens ons bestuur.").check()
    page.get_by_role("button", name="Overeenkomst aanvaarden").click()
    expect(page.locator(".alert-success")).to_contain_text("De uitleenovereenkomst is aanvaard.")
    expect(agreement).to_contain_text("Aanvaard in het portaal door")
    expect(agreement).to_contain_text("BA-RANST-2026")
