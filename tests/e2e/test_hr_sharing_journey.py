"""Browser journey: HR of Ranst puts an employee at Zandhoven's disposal; each AD approves for its own
municipality; both FTE overviews show the sharing. Then staff of Zandhoven enrol in a Ranst training
and Zandhoven's HR approves."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.test_foundation_journeys import account, log_in, log_out

pytestmark = pytest.mark.e2e


def test_staff_sharing_needs_both_ads(page):
    name = f"Medewerker {uuid.uuid4().hex[:6]}"
    log_in(page, account("hr", "ranst"))
    page.goto("/ranst/hr/terbeschikkingstellingen")
    page.get_by_role("link", name="Medewerker ter beschikking stellen").click()
    page.get_by_label("Naam van de medewerker").fill(name)
    page.get_by_label("Functie").fill("Preventieadviseur")
    page.get_by_label("Ontvangend bestuur").select_option(label="Zandhoven")
    page.get_by_label("Aandeel van de tewerkstelling in procent").fill("150")
    page.get_by_label("Begindatum").fill(clock.today().isoformat())
    page.get_by_label("Einddatum").fill((clock.today() + timedelta(days=120)).isoformat())
    page.get_by_label("Kostenaandeel van het ontvangende bestuur in procent").fill("60")
    page.get_by_role("button", name="Aanvragen").click()
    # Bad input: a clear Dutch message, and what was typed stays.
    expect(page.locator("#share_percent-fout")).to_contain_text("tussen 1 en 100%")
    expect(page.get_by_label("Naam van de medewerker")).to_have_value(name)
    page.get_by_label("Aandeel van de tewerkstelling in procent").fill("50")
    page.get_by_role("button", name="Aanvragen").click()
    expect(page.locator(".alert-success")).to_contain_text("beide algemeen directeurs beslissen")
    expect(page.locator("#status")).to_have_text("Aangevraagd")
    # HR cannot decide; only the AD can.
    expect(page.get_by_role("button", name="Goedkeuren voor mijn bestuur")).to_have_count(0)
    log_out(page)

    log_in(page, account("ad", "ranst"))
    page.goto("/ranst/hr/terbeschikkingstellingen")
    page.get_by_role("link", name=name).click()
    page.get_by_role("button", name="Goedkeuren voor mijn bestuur").click()
    expect(page.locator("#home-decision")).to_have_text("Goedgekeurd")
    expect(page.locator("#status")).to_have_text("Aangevraagd")
    log_out(page)

    log_in(page, account("ad", "zandhoven"))
    page.goto("/zandhoven/meldingen")
    expect(page.get_by_text(f"Goedkeuring gevraagd: terbeschikkingstelling {name}").first).to_be_visible()
    page.goto("/zandhoven/hr/terbeschikkingstellingen")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_text(re.compile(r"Zandhoven draagt 60%, Ranst draagt 40%"))).to_be_visible()
    page.get_by_role("button", name="Goedkeuren voor mijn bestuur").click()
    expect(page.locator("#status")).to_have_text("Goedgekeurd")
    page.goto("/zandhoven/hr/terbeschikkingstellingen")
    row = page.locator("#fte tr", has=page.get_by_role("rowheader", name="Ranst"))
    expect(row.locator("[data-fte=received]")).not_to_have_text("0")
    log_out(page)


def test_partner_staff_enrol_in_a_training_approved_by_their_own_hr(page):
    title = f"Vorming brandveiligheid {uuid.uuid4().hex[:6]}"
    log_in(page, account("hr", "ranst"))
    page.goto("/ranst/hr/vormingen")
    page.get_by_role("link", name="Nieuwe vorming").click()
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Organisator").fill("Preventiedienst Ranst")
    page.get_by_label("Locatie").fill("Zaal De Kring")
    page.get_by_label("Aantal plaatsen").fill("1")
    page.get_by_label("Sessie 1: Dag").fill((clock.today() + timedelta(days=20)).isoformat())
    page.get_by_label("Sessie 1: Van").fill("09:00")
    page.get_by_label("Sessie 1: Tot").fill("12:00")
    page.get_by_label("Alle leden van een samenwerkingsverband").check()
    page.get_by_label("Samenwerkingsverband", exact=True).select_option(label="Samenwerkingsverband regio Ranst")
    page.get_by_role("button", name="Vorming plannen").click()
    expect(page.locator(".alert-success")).to_contain_text("De vorming is gepland.")
    expect(page.locator("#sessies")).to_contain_text("09:00")
    log_out(page)

    log_in(page, account("dienst", "zandhoven"))
    page.goto("/zandhoven/hr/vormingen")
    # The partner finds it in the list and in the calendar of coming sessions.
    expect(page.locator("section[aria-labelledby='sessiekalender']")).to_contain_text(title)
    page.get_by_role("table").get_by_role("link", name=title).click()
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.locator("#status")).to_have_text("Wacht op goedkeuring van je HR-dienst")
    log_out(page)

    log_in(page, account("hr", "zandhoven"))
    page.goto("/zandhoven/hr/vormingen")
    page.locator("#te-beslissen").get_by_role("link", name=re.compile(title)).click()
    page.get_by_role("button", name="Goedkeuren").click()
    expect(page.locator(".alert-success")).to_contain_text("de plaats is bevestigd")
    expect(page.locator("#status")).to_have_text("Ingeschreven")
    log_out(page)

    log_in(page, account("hr", "ranst"))
    page.goto("/ranst/hr/vormingen")
    page.get_by_role("table").get_by_role("link", name=title).click()
    expect(page.locator("#plaatsen")).to_contain_text("0 van 1 vrij")
    page.get_by_role("link", name="Aanwezigheidslijst").click()
    expect(page.locator("#aanwezigheden")).to_contain_text("Zandhoven")
