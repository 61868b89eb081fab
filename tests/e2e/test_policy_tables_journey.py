"""Browser journey: the chair (Ranst) plans a meeting, Zandhoven proposes an item, the agenda is
published, the notulen go to the attendees and are approved at the next meeting, and the open
action shows on the next agenda under "Opvolging actiepunten"."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import clock
from tests.e2e.test_foundation_journeys import account, log_in, log_out

pytestmark = pytest.mark.e2e

TABLE = "Beleidstafel Vrije Tijd"


def plan_meeting(page, days: int, location: str) -> int:
    """Plan a meeting of the chair's table ``days`` from now; return its id."""
    page.goto("/ranst/beleidstafels")
    page.get_by_role("link", name=TABLE, exact=True).click()
    page.get_by_role("link", name="Vergadering plannen").click()
    page.get_by_label("Datum").fill((clock.today() + timedelta(days=days)).isoformat())
    page.get_by_label("Beginuur").fill("19:00")
    page.get_by_label("Einduur").fill("21:00")
    page.get_by_label("Locatie").fill(location)
    page.get_by_role("button", name="Bewaren").click()
    expect(page.locator(".alert-success")).to_contain_text("De vergadering is gepland.")
    match = re.search(r"/vergaderingen/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_meeting_agenda_minutes_and_follow_up_of_actions(page):
    tag = uuid.uuid4().hex[:6]
    proposal, action = f"Gezamenlijke speelpleinwerking {tag}", f"Inventaris speelterreinen {tag}"
    log_in(page, account("ad", "ranst"))
    first = plan_meeting(page, 50, f"Raadzaal Ranst {tag}")
    log_out(page)

    # A member municipality proposes an item.
    log_in(page, account("schepen", "zandhoven"))
    page.goto(f"/zandhoven/beleidstafels/vergaderingen/{first}")
    page.get_by_label("Titel", exact=True).fill(proposal)
    page.get_by_label("Omschrijving", exact=True).fill("Samen een zomerwerking organiseren.")
    page.get_by_role("button", name="Voorstellen", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Je voorstel is ingediend bij de voorzitter.")
    log_out(page)

    # The chair accepts it, publishes the agenda, records an action and drafts the notulen.
    log_in(page, account("ad", "ranst"))
    page.goto(f"/ranst/beleidstafels/vergaderingen/{first}")
    page.locator("li", has_text=proposal).get_by_role("button", name="Aanvaarden").click()
    expect(page.locator("#agenda-kop + ol")).to_contain_text(proposal)
    page.get_by_role("button", name="Agenda publiceren").click()
    expect(page.get_by_text("Agenda gepubliceerd", exact=True)).to_be_visible()
    page.locator("#action-title").fill(action)
    page.locator("#action-owner").select_option(label="Zandhoven")
    page.locator("#action-person").fill("Diensthoofd vrije tijd")
    page.get_by_role("button", name="Toevoegen").last.click()
    expect(page.locator(".alert-success")).to_contain_text("Het actiepunt is toegevoegd.")
    page.get_by_label("Ontwerp van de notulen").fill("Aanwezig: Ranst en Zandhoven. Akkoord over de speelpleinwerking.")
    page.get_by_role("button", name="Ontwerp bewaren").click()
    expect(page.locator("#minutes-status")).to_have_text("Ontwerp")
    page.get_by_label("Zandhoven").check()
    page.get_by_role("button", name="Ter opmerking sturen").click()
    expect(page.locator("#minutes-status")).to_have_text("Ter opmerking bij de aanwezigen")
    minutes_url = page.url
    log_out(page)

    # The attendee reads the notulen and remarks; Lier (another region) gets a 404.
    log_in(page, account("schepen", "zandhoven"))
    page.goto(minutes_url.replace("/ranst/", "/zandhoven/"))
    expect(page.locator("#minutes-text")).to_contain_text("speelpleinwerking")
    page.get_by_label("Je opmerking").fill("Graag ook Zoersel uitnodigen.")
    page.get_by_role("button", name="Opmerking versturen").click()
    expect(page.locator(".alert-success")).to_contain_text("Je opmerking is bezorgd aan de voorzitter.")
    log_out(page)
    log_in(page, account("ad", "lier"))
    response = page.goto(minutes_url.replace("/ranst/", "/lier/"))
    assert response is not None and response.status == 404
    log_out(page)

    # The next meeting: the chair approves and publishes the notulen; the open action is on its agenda.
    log_in(page, account("ad", "ranst"))
    second = plan_meeting(page, 80, f"Raadzaal Ranst {tag} bis")
    page.goto(minutes_url)
    expect(page.locator("#opmerkingen-kop + ul")).to_contain_text("Graag ook Zoersel uitnodigen.")
    page.get_by_label("Goedgekeurd op de vergadering van").select_option(value=str(second))
    page.get_by_role("button", name="Notulen goedkeuren").click()
    expect(page.locator("#minutes-status")).to_have_text("Goedgekeurd")
    page.get_by_role("button", name="Notulen publiceren").click()
    expect(page.locator("#minutes-status")).to_have_text("Gepubliceerd")
    page.goto(f"/ranst/beleidstafels/vergaderingen/{second}")
    expect(page.locator("#opvolging + ul")).to_contain_text(action)
    log_out(page)

    # Zandhoven sees the action on the next agenda too.
    log_in(page, account("schepen", "zandhoven"))
    page.goto(f"/zandhoven/beleidstafels/vergaderingen/{second}")
    expect(page.locator("#opvolging + ul")).to_contain_text(action)


def test_policy_table_pages_have_no_serious_accessibility_violations(page):
    from tests.e2e.test_accessibility import _serious

    log_in(page, account("ad", "ranst"))
    page.goto("/ranst/beleidstafels")
    page.get_by_role("link", name=TABLE, exact=True).click()
    table_url = page.url
    meeting_href = page.locator("#vergaderingen-kop + ul a").first.get_attribute("href")
    paths = [
        "/ranst/beleidstafels/",
        table_url,
        f"{table_url}/documenten",
        meeting_href,
        "/ranst/beleidstafels/kalender",
        "/ranst/beleidstafels/kalender?weergave=week",
        "/ranst/beleidstafels/inventaris",
        "/ranst/beleidstafels/inventaris/nieuw",
    ]
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        problems = _serious(page)
        if problems:
            found[path] = problems
    assert found == {}
