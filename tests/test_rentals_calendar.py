"""Rentals: the per-resource FullCalendar page and its JSON feed (detail per viewer, holidays, blackouts)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask import current_app

from portal.extensions import db
from tenants.context import tenant_context
from tenants.models import Tenant
from tests import clock
from tests.conftest import login
from tests.rentals_helpers import make_reservation, make_resource, next_weekday


def _client(world, tenant, role="dienst"):
    client = current_app.test_client()
    login(client, world.user(tenant, role))
    return client


def _busy(events):
    return [e for e in events if e["extendedProps"]["kind"] == "busy"]


def _setup(world):
    start = next_weekday(14)
    first = start.date() - timedelta(days=1)
    blackout = (start + timedelta(days=10)).date()
    rid = make_resource(
        world,
        "Kalenderpodium",
        blackouts=[{"starts_on": blackout, "ends_on": blackout + timedelta(days=2), "reason": "Onderhoud motor"}],
    )
    partner_res, partner_booking = make_reservation(world, rid, tenant="partner", start=start, hours=24)
    own_res, own_booking = make_reservation(world, rid, tenant="owner", start=start + timedelta(days=3), hours=24)
    return rid, first, start, blackout, (partner_res, partner_booking), (own_res, own_booking)


def _feed(client, tenant, rid, first, days=30):
    response = client.get(
        f"/{tenant}/verhuur/materieel/{rid}/kalender.json?start={first.isoformat()}T00:00:00%2B01:00"
        f"&end={(first + timedelta(days=days)).isoformat()}T00:00:00%2B01:00"
    )
    assert response.status_code == 200, response.data
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.json["resource"] == {"id": rid, "name": "Kalenderpodium", "owner": "Gemeente Owner"}
    return response.json["events"]


def test_owner_sees_who_and_why_partner_only_its_own(world):
    rid, first, start, _blackout, (partner_res, partner_booking), (_own_res, own_booking) = _setup(world)
    owner_events = _busy(_feed(_client(world, "owner"), "owner", rid, first))
    assert [e["title"] for e in owner_events] == [
        "Bezet: Gemeente Partner · Feest",
        "Bezet: Gemeente Owner · Feest",
    ]
    assert owner_events[0]["url"].endswith(f"/owner/verhuur/aanvragen/{partner_booking}")
    assert owner_events[0]["extendedProps"]["requester"] == "Gemeente Partner"
    assert datetime.fromisoformat(owner_events[0]["start"]) == start
    assert datetime.fromisoformat(owner_events[0]["end"]) == start + timedelta(hours=24)

    partner_events = _busy(_feed(_client(world, "partner"), "partner", rid, first))
    own, foreign = partner_events
    assert own["title"] == "Jullie reservatie · Feest"
    assert own["url"].endswith(f"/partner/verhuur/reservaties/{partner_res}")
    assert own["extendedProps"]["is_own"] is True
    # The owner's own use shows as "Bezet" only: no requester, no purpose, no link, no booking id.
    assert foreign["title"] == "Bezet"
    assert "url" not in foreign
    assert foreign["extendedProps"] == {"kind": "busy", "quantity": 1}
    assert "Owner" not in str(foreign) and "id" not in foreign and own_booking


def test_blackouts_holidays_and_closing_days_are_background_events(world):
    rid, first, _start, blackout, *_rest = _setup(world)
    with tenant_context(None, is_platform=True):
        tenant = db.session.get(Tenant, world.tenants["owner"].id)
        tenant.settings = {**(tenant.settings or {}), "closing_days": ["07-11"]}
        db.session.commit()
    events = _feed(_client(world, "partner"), "partner", rid, first)
    (black,) = [e for e in events if e["extendedProps"]["kind"] == "blackout"]
    assert black == {
        "start": blackout.isoformat(),
        "end": (blackout + timedelta(days=3)).isoformat(),
        "allDay": True,
        "display": "background",
        "title": "Onderhoud motor",
        "classNames": ["portal-blackout"],
        "extendedProps": {"kind": "blackout"},
    }
    year = clock.today().year + 1
    summer = _feed(_client(world, "partner"), "partner", rid, date(year, 7, 1), days=31)
    closed = {e["start"]: e["title"] for e in summer if e["extendedProps"]["kind"] == "closed"}
    assert closed == {f"{year}-07-11": "Sluitingsdag", f"{year}-07-21": "Nationale feestdag"}
    assert all(e["display"] == "background" and e["allDay"] for e in summer if e["extendedProps"]["kind"] == "closed")


def test_bad_periods_get_a_dutch_problem(world):
    rid = make_resource(world, "Foutpodium")
    client = _client(world, "owner")
    base = f"/owner/verhuur/materieel/{rid}/kalender.json"
    for query, status, text in [
        ("?start=gisteren&end=morgen", 400, "Ongeldige datum"),
        ("?start=2026-02-30", 400, "Ongeldige datum"),
        ("?start=99999-01-01&end=99999-02-01", 400, "Ongeldige datum"),
        ("?start=9999-12-30", 400, "Ongeldige datum"),
        ("?start=2027-03-01&end=2027-02-01", 422, "na het begin"),
        ("?start=2027-03-01&end=2027-03-01", 422, "na het begin"),
        ("?start=2027-01-01&end=2028-06-01", 422, "hoogstens 400 dagen"),
    ]:
        response = client.get(base + query)
        assert response.status_code == status, query
        assert response.mimetype == "application/problem+json"
        assert text in response.json["detail"], query
    assert client.get(base).status_code == 200  # no bounds: the coming six weeks


def test_calendar_page_loads_fullcalendar_with_a_nonce_and_has_a_table(world):
    rid, _first, _start, _blackout, *_rest = _setup(world)
    response = _client(world, "partner").get(f"/partner/verhuur/materieel/{rid}/kalender")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"style-src 'self' 'nonce-([^']+)'", csp)
    assert nonce and f'nonce="{nonce.group(1)}"' in page
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "font-src 'self' data:;" in csp
    assert "vendor/fullcalendar/index.global.min.js" in page and "vendor/fullcalendar/nl.global.min.js" in page
    table = page[page.index('id="bezetting-tabel"') :]
    assert "Jullie reservatie · Feest" in table and "Bezet" in table and "Onderhoud motor" in table
    assert "Gemeente Owner" not in table.split("</table>")[0]
    assert f'data-reserve-url="/partner/verhuur/materieel/{rid}"' in page
    # Other pages keep the strict policy.
    other = _client(world, "partner").get(f"/partner/verhuur/materieel/{rid}")
    assert "nonce" not in other.headers["Content-Security-Policy"]
    assert f"/partner/verhuur/materieel/{rid}/kalender" in other.get_data(as_text=True)


def test_resource_page_takes_the_period_picked_in_the_calendar(world):
    rid = make_resource(world, "Prefillpodium")
    page = _client(world, "partner").get(
        f"/partner/verhuur/materieel/{rid}?starts_at=2027-05-03T09:00&ends_at=2027-05-04T17:00"
    )
    body = page.get_data(as_text=True)
    assert 'value="2027-05-03T09:00"' in body and 'value="2027-05-04T17:00"' in body and 'id="reserveren"' in body
