"""Browser journey: HR of Ranst posts an internal-mobility vacancy for the region; a staff member of
Zandhoven applies while logged in; HR of Ranst moves the application through the pipeline and the
candidate sees the new status."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.test_foundation_journeys import account, log_in, log_out

pytestmark = pytest.mark.e2e


def test_internal_mobility_vacancy_application_and_pipeline(page):
    title = f"Deskundige mobiliteit {uuid.uuid4().hex[:6]}"
    deadline = (clock.today() + timedelta(days=21)).isoformat()

    # HR of Ranst posts the vacancy for the region and publishes it.
    log_in(page, account("hr", "ranst"))
    page.goto("/ranst/hr/")
    page.get_by_role("link", name="Nieuwe vacature").click()
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Dienst").fill("Mobiliteit")
    page.get_by_label("Weddeschaal").select_option("B1")
    page.get_by_label("Uiterste datum").fill(deadline)
    page.get_by_label("Interne mobiliteit").check()
    page.get_by_label("Alle leden van een samenwerkingsverband").check()
    page.get_by_label("Samenwerkingsverband", exact=True).select_option(label="Samenwerkingsverband regio Ranst")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.locator(".alert-success")).to_contain_text("De vacature is bewaard.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("#status")).to_have_text("Concept")
    page.get_by_role("button", name="Publiceren").click()
    expect(page.locator("#status")).to_have_text("Gepubliceerd")
    log_out(page)

    # A staff member of Zandhoven finds it, and must consent before the application goes out.
    log_in(page, account("dienst", "zandhoven"))
    page.goto("/zandhoven/hr/")
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="Solliciteren").click()
    page.get_by_label("Motivatie").fill("Ik wil graag bij de buurgemeente aan de slag.")
    page.get_by_role("button", name="Sollicitatie versturen").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_contain_text("toestemming")
    # What was typed stays after the error.
    expect(page.get_by_label("Motivatie")).to_have_value("Ik wil graag bij de buurgemeente aan de slag.")
    page.get_by_label(re.compile("toestemming om mijn gegevens")).check()
    page.get_by_role("button", name="Sollicitatie versturen").click()
    expect(page.locator(".alert-success")).to_contain_text("Je sollicitatie is verstuurd.")
    expect(page.locator("#status")).to_have_text("Ontvangen")
    log_out(page)

    # HR of Ranst moves the application through the pipeline, with a note.
    log_in(page, account("hr", "ranst"))
    page.goto("/ranst/hr/")
    page.get_by_role("link", name=title).click()
    row = page.locator("tr", has_text="Zandhoven")
    expect(row).to_contain_text("Ontvangen")
    row.get_by_role("link").click()
    for step in ("Screening", "Gesprek", "Aanbod", "Aangeworven"):
        page.get_by_label("Volgende stap").select_option(label=step)
        page.get_by_label("Toelichting (intern)").fill(f"Naar {step.lower()}")
        page.get_by_role("button", name="Status wijzigen").click()
        expect(page.locator(".alert-success")).to_contain_text("De sollicitatie is bijgewerkt.")
        expect(page.locator("#status")).to_have_text(step)
    page.get_by_label("Notitie", exact=True).fill("Start op 1 maart.")
    page.get_by_role("button", name="Notitie toevoegen").click()
    expect(page.locator(".alert-success")).to_contain_text("De notitie is bewaard.")
    expect(page.get_by_text("Start op 1 maart.")).to_be_visible()
    # The pipeline is finished: no further step is offered.
    expect(page.get_by_role("button", name="Status wijzigen")).to_have_count(0)
    log_out(page)

    # The candidate sees the outcome in "Mijn sollicitaties".
    log_in(page, account("dienst", "zandhoven"))
    page.goto("/zandhoven/hr/mijn-sollicitaties")
    page.get_by_role("link", name=title).click()
    expect(page.locator("#status")).to_have_text("Aangeworven")
