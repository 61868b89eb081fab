"""Journeys through the foundation in a real browser, across municipalities of two regions."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD, DOMAIN

pytestmark = pytest.mark.e2e


def account(role: str, slug: str) -> str:
    return f"{role}.{slug}@{DOMAIN}"


def log_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")


def log_out(page: Any) -> None:
    # The user menu is a Bootstrap dropdown: a click before its script ran opens nothing.
    page.wait_for_load_state("load")
    page.locator(".portal-user").click()
    page.get_by_role("button", name="Afmelden").click()
    expect(page).to_have_url(re.compile(r"/login"))


def test_login_page_is_dutch_and_refuses_a_wrong_password(page):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl-BE")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden")
    page.get_by_label("E-mailadres").fill(account("ad", "ranst"))
    page.get_by_label("Wachtwoord", exact=True).fill("niet-het-juiste-wachtwoord")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator(".alert-danger")).to_have_text("E-mailadres of wachtwoord is onjuist.")
    # What the user typed stays; the password does not.
    expect(page.get_by_label("E-mailadres")).to_have_value(account("ad", "ranst"))
    expect(page.get_by_label("Wachtwoord", exact=True)).to_have_value("")


def test_keyboard_only_login_and_navigation(page):
    page.goto("/login")
    # The first Tab reaches the skip link, which leads to the main content.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Naar de inhoud")
    page.get_by_label("E-mailadres").focus()
    page.keyboard.type(account("ad", "zandhoven"))
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("type", "password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    expect(page.get_by_text("Zandhoven").first).to_be_visible()
    # Reach "Mededelingen" in the main navigation with Tab alone and open it with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Mededelingen":
            break
    else:
        pytest.fail("the navigation link 'Mededelingen' is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/zandhoven/mededelingen$"))


def test_announcement_shared_with_the_region_reaches_partners_only(page):
    title = f"Gezamenlijke infoavond {uuid.uuid4().hex[:6]}"
    log_in(page, account("ad", "ranst"))
    page.goto("/ranst/mededelingen/nieuw")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Tekst").fill("Alle partnergemeenten zijn welkom in de raadszaal.")
    page.get_by_label("Alle leden van een samenwerkingsverband").check()
    page.get_by_label("Samenwerkingsverband", exact=True).select_option(label="Samenwerkingsverband regio Ranst")
    page.get_by_label("Meteen publiceren").check()
    page.get_by_role("button", name="Bewaren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    detail = page.url.split("/ranst/", 1)[1]
    log_out(page)

    # A partner of the same region sees it in its list and can open it.
    log_in(page, account("ad", "zandhoven"))
    page.goto("/zandhoven/mededelingen")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    log_out(page)

    # A municipality of another region finds nothing: not in the list, 404 on the address.
    log_in(page, account("ad", "lier"))
    page.goto("/lier/mededelingen")
    expect(page.get_by_text(title)).to_have_count(0)
    response = page.goto(f"/lier/{detail}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    assert title not in page.content()


def test_switch_to_english_and_back(page):
    log_in(page, account("ad", "zoersel"))
    page.get_by_role("button", name="English").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.get_by_role("button", name="Nederlands").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "nl-BE")
