"""Rentals: loan agreement (HTML, PDF, acceptance), handover and return, settlement between municipalities."""

from __future__ import annotations

import io
import sys
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.core.notifications import Notification
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals.models import Booking, Reservation
from tenants.context import tenant_context
from tests.matrix import token_headers
from tests.rentals_helpers import accept, approve, make_reservation, make_resource, next_weekday

INSURANCE = {
    "insured_by": "eigenaar",
    "insurer": "Ethias",
    "policy_number": "POL-45.123.987",
    "insurance_notes": "Omniumpolis materieel, vrijstelling 250 euro.",
}


def _as(world, tenant, role="dienst"):
    user = world.user(tenant, role)
    return tenant_context(user.tenant_id, user_id=user.id)


def _approved(world, name="Podium 8 x 6", **extra):
    rid = make_resource(world, name, **{**INSURANCE, **extra})
    res_id, booking_id = make_reservation(world, rid)
    approve(world, booking_id)
    return rid, res_id, booking_id


def _reservation(world, res_id, tenant="partner"):
    with _as(world, tenant):
        db.session.expire_all()
        return db.session.get(Reservation, res_id)


def _booking(world, booking_id):
    with _as(world, "owner"):
        db.session.expire_all()
        return db.session.get(Booking, booking_id)


# -- agreement terms ------------------------------------------------------------------------


def test_approval_freezes_the_agreement_on_both_rows(world):
    _rid, res_id, booking_id = _approved(
        world, "Hoogtewerker 14 m", needs_certified_operator=True, required_certificate="IPAF 3b"
    )
    terms = _reservation(world, res_id).agreement_terms
    assert terms == _booking(world, booking_id).agreement_terms
    assert terms["owner"]["name"] == "Gemeente Owner"
    assert terms["requester"]["name"] == "Gemeente Partner"
    assert terms["items"][0]["name"] == "Hoogtewerker 14 m"
    assert (terms["price"], terms["deposit"], terms["tariff_class"]) == ("151.00", "250.00", "partner")
    assert terms["insurance"] == {
        "insured_by": "eigenaar",
        "insurer": "Ethias",
        "policy_number": "POL-45.123.987",
        "notes": "Omniumpolis materieel, vrijstelling 250 euro.",
    }
    assert terms["certified_operator"] is True and terms["required_certificate"] == "IPAF 3b"
    assert terms["number"].startswith("UO-")


def test_refused_or_open_request_has_no_agreement(world, login_as):
    rid = make_resource(world, "Podium zonder akkoord")
    res_id, _booking_id = make_reservation(world, rid)
    client = login_as(world.user("partner", "dienst"))
    page = client.get(f"/partner/verhuur/reservaties/{res_id}/overeenkomst")
    assert page.status_code == 409
    assert "eerst goedkeuren" in page.get_data(as_text=True)
    assert client.get(f"/partner/verhuur/reservaties/{res_id}/overeenkomst.pdf").status_code == 409
    api = client.application.test_client()
    headers = token_headers(world.user("partner", "dienst"))
    assert api.get(f"/api/v1/rentals/reservations/{res_id}/agreement", headers=headers).status_code == 409


def test_agreement_page_shows_parties_items_insurance_and_accept_form(world, login_as):
    _rid, res_id, booking_id = _approved(world)
    client = login_as(world.user("partner", "dienst"))
    page = client.get(f"/partner/verhuur/reservaties/{res_id}/overeenkomst")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in (
        "Uitleenovereenkomst",
        "Gemeente Owner",
        "Gemeente Partner",
        "Podium 8 x 6",
        "Ethias",
        "POL-45.123.987",
    ):
        assert text in html
    assert "Overeenkomst aanvaarden" in html
    reservation_page = client.get(f"/partner/verhuur/reservaties/{res_id}").get_data(as_text=True)
    assert "nog niet aanvaard" in reservation_page
    owner = login_as(world.user("owner", "dienst"))
    owner_page = owner.get(f"/owner/verhuur/aanvragen/{booking_id}/overeenkomst").get_data(as_text=True)
    assert "POL-45.123.987" in owner_page and "Overeenkomst aanvaarden" not in owner_page


def test_pdf_is_a_real_pdf_built_from_the_agreement_html(world, login_as, app):
    _rid, res_id, booking_id = _approved(world)
    accept(world, res_id)
    client = login_as(world.user("partner", "dienst"))
    response = client.get(f"/partner/verhuur/reservaties/{res_id}/overeenkomst.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert b"%%EOF" in response.data[-64:]
    from portal.rentals.views.agreement import agreement_html

    with app.test_request_context(), _as(world, "partner"):
        html = agreement_html(db.session.get(Reservation, res_id))
    assert "<style>" in html and "@page" in html
    assert "http://" not in html and "https://" not in html and "<link" not in html
    for text in (
        "Gemeente Owner",
        "Gemeente Partner",
        "Podium 8 x 6",
        "151,00",
        "250,00",
        "BA-2026-001",
        "dienst partner",
    ):
        assert text in html
    owner = login_as(world.user("owner", "dienst"))
    pdf = owner.get(f"/owner/verhuur/aanvragen/{booking_id}/overeenkomst.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_pdf_renderer_fetches_nothing(monkeypatch):
    calls = []
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda self, *a, **k: calls.append(a))
    html = (
        "<html><head><link rel='stylesheet' href='http://example.invalid/x.css'></head><body>"
        "<img src='http://example.invalid/a.png'><img src='file:///etc/passwd'>"
        "<p style=\"background: url('https://example.invalid/b.png')\">Tekst</p></body></html>"
    )
    body = ops.render_pdf(html)
    assert body.startswith(b"%PDF")
    assert calls == []


def test_missing_weasyprint_answers_a_dutch_message(world, login_as, monkeypatch):
    _rid, res_id, _booking_id = _approved(world)
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(DomainError) as caught:
        ops.render_pdf("<p>x</p>")
    assert caught.value.status_code == 503
    client = login_as(world.user("partner", "dienst"))
    response = client.get(f"/partner/verhuur/reservaties/{res_id}/overeenkomst.pdf")
    assert response.status_code == 503
    assert "De PDF kan op deze server niet gemaakt worden" in response.get_data(as_text=True)


# -- acceptance -----------------------------------------------------------------------------


def test_accept_requires_the_checkbox_and_policy_and_keeps_input(world, login_as):
    _rid, res_id, booking_id = _approved(world)
    client = login_as(world.user("partner", "dienst"))
    url = f"/partner/verhuur/reservaties/{res_id}/overeenkomst/aanvaarden"
    no_box = client.post(url, data={"requester_policy_number": "BA-77"})
    assert no_box.status_code == 422
    assert "Vink aan" in no_box.get_data(as_text=True) and 'value="BA-77"' in no_box.get_data(as_text=True)
    no_policy = client.post(url, data={"accept": "1"})
    assert no_policy.status_code == 422 and "polisnummer" in no_policy.get_data(as_text=True)
    assert _reservation(world, res_id).accepted_at is None
    assert _booking(world, booking_id).accepted_at is None


def test_certified_operator_must_be_named(world, login_as):
    _rid, res_id, _booking_id = _approved(
        world, "Hoogtewerker", needs_certified_operator=True, required_certificate="IPAF 3b"
    )
    client = login_as(world.user("partner", "dienst"))
    url = f"/partner/verhuur/reservaties/{res_id}/overeenkomst/aanvaarden"
    page = client.get(f"/partner/verhuur/reservaties/{res_id}/overeenkomst").get_data(as_text=True)
    assert "IPAF 3b" in page and "operator_certificate" in page
    refused = client.post(url, data={"accept": "1", "requester_policy_number": "BA-1", "operator_name": "Jan"})
    assert refused.status_code == 422 and "attest" in refused.get_data(as_text=True)
    ok = client.post(
        url,
        data={"accept": "1", "requester_policy_number": "BA-1", "operator_name": "Jan", "operator_certificate": "C-9"},
    )
    assert ok.status_code == 302
    assert (_reservation(world, res_id).operator_name, _reservation(world, res_id).operator_certificate) == (
        "Jan",
        "C-9",
    )


def test_accept_records_who_and_when_on_both_rows_once(world, login_as):
    _rid, res_id, booking_id = _approved(world)
    requester = world.user("partner", "dienst")
    client = login_as(requester)
    url = f"/partner/verhuur/reservaties/{res_id}/overeenkomst/aanvaarden"
    assert client.post(url, data={"accept": "1", "requester_policy_number": "BA-2026-9"}).status_code == 302
    reservation = _reservation(world, res_id)
    mine = (reservation.accepted_at, reservation.accepted_by_id, reservation.accepted_by_name)
    booking = _booking(world, booking_id)
    theirs = (booking.accepted_at, booking.accepted_by_name, booking.requester_policy_number)
    assert mine[0] is not None and mine[1] == requester.id and mine[2] == "dienst partner"
    assert theirs == (mine[0], "dienst partner", "BA-2026-9")
    owner_staff = world.user("owner", "dienst")
    titles = db.session.scalars(select(Notification.title).where(Notification.user_id == owner_staff.id)).all()
    assert any("Uitleenovereenkomst aanvaard" in t for t in titles)
    again = client.post(url, data={"accept": "1", "requester_policy_number": "BA-X"})
    assert again.status_code == 409
    assert _reservation(world, res_id).requester_policy_number == "BA-2026-9"
    page = client.get(f"/partner/verhuur/reservaties/{res_id}/overeenkomst").get_data(as_text=True)
    assert "Aanvaard in het portaal door dienst partner" in page and "Overeenkomst aanvaarden" not in page


def test_raadslid_cannot_accept(world, login_as):
    _rid, res_id, _booking_id = _approved(world)
    client = login_as(world.user("partner", "raadslid"))
    url = f"/partner/verhuur/reservaties/{res_id}/overeenkomst/aanvaarden"
    assert client.post(url, data={"accept": "1", "requester_policy_number": "BA-1"}).status_code == 403
    assert _reservation(world, res_id).accepted_at is None


def test_accept_through_the_api(world):
    _rid, res_id, _booking_id = _approved(world)
    from flask import current_app

    client = current_app.test_client()
    headers = token_headers(world.user("partner", "dienst"))
    got = client.get(f"/api/v1/rentals/reservations/{res_id}/agreement", headers=headers)
    assert got.status_code == 200 and got.json["terms"]["insurance"]["policy_number"] == "POL-45.123.987"
    bad = client.post(f"/api/v1/rentals/reservations/{res_id}/agreement/accept", headers=headers, json={"accept": True})
    assert bad.status_code == 422
    ok = client.post(
        f"/api/v1/rentals/reservations/{res_id}/agreement/accept",
        headers=headers,
        json={"accept": True, "requester_policy_number": "BA-API"},
    )
    assert ok.status_code == 200 and ok.json["accepted_by_name"] == "dienst partner"


# -- handover and return --------------------------------------------------------------------


def test_pick_up_is_refused_before_acceptance(world, login_as):
    _rid, res_id, booking_id = _approved(world)
    client = login_as(world.user("owner", "dienst"))
    url = f"/owner/verhuur/aanvragen/{booking_id}/beslissen"
    refused = client.post(url, data={"action": "afhalen", "condition": "In orde"})
    assert refused.status_code == 409
    assert "aanvaard" in refused.get_data(as_text=True)
    assert _booking(world, booking_id).status == "goedgekeurd"
    accept(world, res_id)
    no_report = client.post(url, data={"action": "afhalen"})
    assert no_report.status_code == 422 and "staat van het materieel" in no_report.get_data(as_text=True)
    assert client.post(url, data={"action": "afhalen", "condition": "Nieuw, 2 krassen links"}).status_code == 302
    assert _reservation(world, res_id).pickup_report == "Nieuw, 2 krassen links"


def test_return_with_damage_needs_a_report_and_shows_to_requester(world, login_as):
    _rid, res_id, booking_id = _approved(world)
    accept(world, res_id)
    client = login_as(world.user("owner", "dienst"))
    url = f"/owner/verhuur/aanvragen/{booking_id}/beslissen"
    assert client.post(url, data={"action": "afhalen", "condition": "In orde"}).status_code == 302
    missing = client.post(url, data={"action": "terugbrengen", "condition": "Vuil", "has_damage": "1"})
    assert missing.status_code == 422
    assert "Beschrijf de schade" in missing.get_data(as_text=True)
    assert "Vuil</textarea>" in missing.get_data(as_text=True)
    assert _booking(world, booking_id).status == "afgehaald"
    done = client.post(
        url, data={"action": "terugbrengen", "condition": "Vuil", "has_damage": "1", "damage_report": "Plank gebroken"}
    )
    assert done.status_code == 302
    requester = login_as(world.user("partner", "dienst"))
    page = requester.get(f"/partner/verhuur/reservaties/{res_id}").get_data(as_text=True)
    assert "Plank gebroken" in page and "In orde" in page


# -- settlement -----------------------------------------------------------------------------


def _lend(world, name, *, owner="owner", requester="partner", days=14, returned=True):
    rid = make_resource(world, name, tenant=owner)
    start = next_weekday(days)
    res_id, booking_id = make_reservation(world, rid, tenant=requester, start=start, hours=24)
    approve(world, booking_id, tenant=owner)
    accept(world, res_id, tenant=requester)
    user = world.user(owner, "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        booking = db.session.get(Booking, booking_id)
        ops.decide_booking(booking, "afhalen", report={"condition": "ok"})
        if returned:
            ops.decide_booking(booking, "terugbrengen", report={"condition": "ok"})
        db.session.commit()
    return start


def _period(start):
    day = start.date()
    return day - timedelta(days=1), day + timedelta(days=30)


def test_settlement_pairs_amounts_and_balance(world):
    start = _lend(world, "Podium A")  # owner lends to partner: 75.50 (1 day partner tariff)
    _lend(world, "Tent B", owner="partner", requester="owner")  # partner lends to owner: 75.50
    _lend(world, "Podium C", returned=False)  # picked up, still counts
    rid = make_resource(world, "Enkel aangevraagd")
    make_reservation(world, rid, start=next_weekday(15))  # requested only: not settled
    first, last = _period(start)
    with _as(world, "owner"):
        rows = ops.settlement(first, last)
    assert len(rows) == 1
    row = rows[0]
    assert row["partner"].name == "Gemeente Partner"
    assert (row["lent_count"], row["lent_amount"]) == (2, Decimal("151.00"))
    assert (row["borrowed_count"], row["borrowed_amount"]) == (1, Decimal("75.50"))
    assert row["balance"] == Decimal("75.50")
    with _as(world, "partner"):
        mirror = ops.settlement(first, last)
    assert mirror[0]["partner"].name == "Gemeente Owner" and mirror[0]["balance"] == Decimal("-75.50")
    with _as(world, "outsider"):
        assert ops.settlement(first, last) == []
    with _as(world, "owner"):
        assert ops.settlement(last, last + timedelta(days=30)) == []


def test_settlement_page_and_exports(world, login_as):
    start = _lend(world, "Podium Export")
    first, last = _period(start)
    client = login_as(world.user("owner", "dienst"))
    query = f"van={first.isoformat()}&tot={last.isoformat()}"
    page = client.get(f"/owner/verhuur/afrekening?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Gemeente Partner" in html and "75,50" in html
    csv = client.get(f"/owner/verhuur/afrekening.csv?{query}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.data.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Gemeente;Partnergemeente;")
    assert lines[1].split(";") == ["Gemeente Owner", "Gemeente Partner", "1", "75,50", "0", "0,00", "75,50"]
    xlsx = client.get(f"/owner/verhuur/afrekening.xlsx?{query}")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(row=2, column=2).value == "Gemeente Partner"
    assert sheet.cell(row=2, column=7).value == 75.5
    outsider = login_as(world.user("outsider", "dienst"))
    other = outsider.get(f"/outsider/verhuur/afrekening.csv?{query}").data.decode("utf-8-sig")
    assert "Gemeente Partner" not in other and "Gemeente Owner" not in other


def test_settlement_bad_period_is_422(world, login_as):
    client = login_as(world.user("owner", "dienst"))
    bad = client.get("/owner/verhuur/afrekening?van=2026-05-01&tot=2026-04-01")
    assert bad.status_code == 422 and "einddatum" in bad.get_data(as_text=True)
    assert client.get("/owner/verhuur/afrekening?van=gisteren").status_code == 422
    assert client.get("/owner/verhuur/afrekening.csv?van=2026-05-01&tot=2026-04-01").status_code == 422
    api = client.application.test_client()
    headers = token_headers(world.user("owner", "dienst"))
    assert api.get("/api/v1/rentals/settlement?van=2026-05-01&tot=2026-04-01", headers=headers).status_code == 422
    assert api.get("/api/v1/rentals/settlement", headers=headers).status_code == 200


# -- catalogue fields and demo --------------------------------------------------------------


def test_resource_form_takes_insurance_and_certificate(world, login_as):
    client = login_as(world.user("owner", "dienst"))
    data = {
        "name": "Hoogtewerker 12 m",
        "category": "hoogtewerker",
        "quantity": "1",
        "unit": "dag",
        "needs_certified_operator": "1",
        "required_certificate": "IPAF 3b",
        "insured_by": "ontlener",
        "insurer": "P&V",
        "policy_number": "PV-778",
        "audience": "own",
    }
    bad = client.post("/owner/verhuur/materieel/nieuw", data={**data, "insured_by": "niemand"})
    assert bad.status_code == 422 and 'value="PV-778"' in bad.get_data(as_text=True)
    assert client.post("/owner/verhuur/materieel/nieuw", data=data).status_code == 302
    from portal.rentals.models import Resource

    with _as(world, "owner"):
        obj = db.session.scalar(select(Resource).where(Resource.name == "Hoogtewerker 12 m"))
        assert (obj.insured_by, obj.insurer, obj.policy_number, obj.required_certificate) == (
            "ontlener",
            "P&V",
            "PV-778",
            "IPAF 3b",
        )
    page = client.get(f"/owner/verhuur/materieel/{obj.id}").get_data(as_text=True)
    assert "PV-778" in page and "IPAF 3b" in page


def test_demo_has_a_shared_podium_with_insurance_and_an_open_agreement(monkeypatch):
    from portal.demo import load_demo
    from portal.rentals import demo
    from portal.rentals.models import Resource
    from tenants.models import Tenant

    # The core demo plus this module's content only (other modules' demos are tested by their owners).
    monkeypatch.setattr("portal.features.demo_loaders", lambda: [("rentals", demo.load)])
    assert load_demo()["rentals"] >= 10
    assert demo.load() == 0
    tenants = {t.slug: t.id for t in db.session.scalars(select(Tenant))}
    with tenant_context(tenants["ranst"]):
        podium = db.session.scalar(select(Resource).where(Resource.name == "Mobiel podium 8 x 6 m"))
        assert podium is not None and podium.tenant_id == tenants["zandhoven"]
        assert podium.policy_number and podium.insurer
    with tenant_context(tenants["zoersel"]):
        open_agreement = db.session.scalar(select(Reservation).where(Reservation.status == "goedgekeurd"))
        assert open_agreement is not None and open_agreement.agreement_terms
        assert open_agreement.accepted_at is None


# -- iCal -----------------------------------------------------------------------------------


def _feed_url(client):
    page = client.post("/partner/verhuur/agenda/nieuw")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    start = html.index("/partner/verhuur/agenda/")
    return html[start : html.index(".ics", start) + 4]


def test_personal_feed_lists_own_reservations_behind_a_revocable_token(world, login_as, app):
    from icalendar import Calendar

    rid = make_resource(world, "Podium voor de agenda")
    res_id, _booking_id = make_reservation(world, rid)
    own = make_resource(world, "Enkel van owner", shared=False)
    make_reservation(world, own, tenant="owner")
    client = login_as(world.user("partner", "dienst"))
    path = _feed_url(client)
    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    cal = Calendar.from_ical(feed.data)
    events = list(cal.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Podium voor de agenda (Gemeente Owner)"]
    assert str(events[0]["url"]).endswith(f"/partner/verhuur/reservaties/{res_id}")
    assert b"Enkel van owner" not in feed.data
    # Another tenant's slug with the same token, a guessed token: 404.
    assert anonymous.get(path.replace("/partner/", "/owner/")).status_code == 404
    assert anonymous.get("/partner/verhuur/agenda/geraden.ics").status_code == 404
    # A new address replaces the old one; revoking stops every address.
    second = _feed_url(client)
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(second).status_code == 200
    assert client.post("/partner/verhuur/agenda/intrekken").status_code == 302
    assert anonymous.get(second).status_code == 404
    assert "nog geen agenda-adres" in client.get("/partner/verhuur/agenda").get_data(as_text=True)


def test_resource_feed_shows_busy_without_requester_to_partners(world, login_as):
    from icalendar import Calendar

    rid = make_resource(world, "Podium vrij-bezet")
    _res_id, booking_id = make_reservation(world, rid, tenant="partner")
    partner = login_as(world.user("partner", "dienst"))
    feed = partner.get(f"/partner/verhuur/materieel/{rid}/agenda.ics")
    assert feed.status_code == 200
    events = list(Calendar.from_ical(feed.data).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Bezet"]
    assert b"Gemeente Partner" not in feed.data and b"Feest" not in feed.data
    assert str(events[0]["url"]).endswith(f"/partner/verhuur/materieel/{rid}")
    owner = login_as(world.user("owner", "dienst"))
    owner_feed = owner.get(f"/owner/verhuur/materieel/{rid}/agenda.ics")
    events = list(Calendar.from_ical(owner_feed.data).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Bezet: Gemeente Partner"]
    assert str(events[0]["url"]).endswith(f"/owner/verhuur/aanvragen/{booking_id}")
    outsider = login_as(world.user("outsider", "dienst"))
    assert outsider.get(f"/outsider/verhuur/materieel/{rid}/agenda.ics").status_code == 404


# -- reminders ------------------------------------------------------------------------------


def test_pickup_reminder_and_overdue_return_are_sent_once(world):
    from tasks.rentals import SCHEDULE, daily

    rid = make_resource(world, "Podium herinnering")
    start = next_weekday(14)
    res_id, booking_id = make_reservation(world, rid, start=start, hours=24)
    approve(world, booking_id)
    requester = world.user("partner", "dienst")
    owner_staff = world.user("owner", "dienst")

    def titles(user):
        return db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)).all()

    with _as(world, "owner"):
        assert ops.send_reminders(now=start - timedelta(hours=30)) == {"pickup": 0, "overdue": 0}
        assert ops.send_reminders(now=start - timedelta(hours=2)) == {"pickup": 1, "overdue": 0}
        assert ops.send_reminders(now=start - timedelta(hours=1)) == {"pickup": 0, "overdue": 0}
        db.session.commit()
    assert "Herinnering: Podium herinnering afhalen" in titles(requester)
    accept(world, res_id)
    with _as(world, "owner"):
        ops.decide_booking(db.session.get(Booking, booking_id), "afhalen", report={"condition": "ok"})
        end = start + timedelta(hours=24)
        assert ops.send_reminders(now=end - timedelta(hours=1))["overdue"] == 0
        assert ops.send_reminders(now=end + timedelta(hours=1))["overdue"] >= 2
        assert ops.send_reminders(now=end + timedelta(hours=30))["overdue"] == 0
        db.session.commit()
    assert "Te laat: breng Podium herinnering terug" in titles(requester)
    assert "Nog niet teruggebracht: Podium herinnering" in titles(owner_staff)
    with _as(world, "outsider"):
        assert ops.send_reminders(now=end + timedelta(hours=1)) == {"pickup": 0, "overdue": 0}
    assert daily() == {"pickup": 0, "overdue": 0}
    assert SCHEDULE["rentals-daily"]["task"] == "portal.rentals.daily"


# -- waitlist -------------------------------------------------------------------------------


def test_full_period_offers_the_waitlist_and_a_freed_slot_moves_it_on(world, login_as):
    rid = make_resource(world, "Podium wachtlijst")
    start = next_weekday(20)
    own_res, own_booking = make_reservation(world, rid, tenant="owner", start=start)
    partner = login_as(world.user("partner", "dienst"))
    form = {
        "resource_id": str(rid),
        "starts_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M"),
        "purpose": "Jaarmarkt",
    }
    full = partner.post("/partner/verhuur/reservaties/nieuw", data=form)
    assert full.status_code == 409
    assert "Op de wachtlijst zetten" in full.get_data(as_text=True)
    queued = partner.post("/partner/verhuur/reservaties/nieuw", data={**form, "waitlist": "1"})
    assert queued.status_code == 302
    with _as(world, "partner"):
        waiting = db.session.scalar(select(Reservation).where(Reservation.purpose == "Jaarmarkt"))
        assert waiting.status == "wachtlijst"
        waiting_id, waiting_booking = waiting.id, waiting.booking_id
    assert _booking(world, waiting_booking).status == "wachtlijst"
    owner_staff = world.user("owner", "dienst")
    assert not db.session.scalars(
        select(Notification).where(Notification.dedupe_key == f"rentals:request:{waiting_booking}:{owner_staff.id}")
    ).all()
    # The owner cancels its own use: the freed slot is offered to (and held for) the first in line.
    with _as(world, "owner"):
        ops.cancel_reservation(db.session.get(Reservation, own_res))
        db.session.commit()
    assert _booking(world, own_booking).status == "geannuleerd"
    assert _booking(world, waiting_booking).status == "aangeboden"
    assert _reservation(world, waiting_id).status == "aangeboden"
    assert _reservation(world, waiting_id).offer_expires_at is not None
    requester = world.user("partner", "dienst")
    titles = db.session.scalars(select(Notification.title).where(Notification.user_id == requester.id)).all()
    assert "Plaats vrijgekomen: Podium wachtlijst" in titles
    page = partner.get(f"/partner/verhuur/reservaties/{waiting_id}").get_data(as_text=True)
    assert "Aanbod aanvaarden" in page
    # Accepting turns the held slot into a normal request for the owner, who hears of it now.
    accepted = partner.post(f"/partner/verhuur/reservaties/{waiting_id}/aanbod", data={"action": "aanvaarden"})
    assert accepted.status_code == 302
    assert _booking(world, waiting_booking).status == "aangevraagd"
    assert _reservation(world, waiting_id).status == "aangevraagd"
    assert db.session.scalars(
        select(Notification).where(Notification.dedupe_key == f"rentals:request:{waiting_booking}:{owner_staff.id}")
    ).all()


def test_waitlist_waits_while_still_full_and_can_be_cancelled(world):
    rid = make_resource(world, "Nadarhekken wachtlijst", quantity=10, unit="stuk_dag", category="nadarhekken")
    start = next_weekday(22)
    first, first_booking = make_reservation(world, rid, tenant="owner", start=start, quantity=6)
    make_reservation(world, rid, tenant="owner", start=start, quantity=3)
    user = world.user("partner", "dienst")
    with tenant_context(user.tenant_id, user_id=user.id):
        from portal.rentals.models import Resource

        resource = db.session.get(Resource, rid)
        data = {"starts_at": start, "ends_at": start + timedelta(hours=48), "quantity": 5, "waitlist": True}
        entry = ops.request_reservation(resource, data, user=user)
        db.session.commit()
        entry_id, entry_booking = entry.id, entry.booking_id
        assert entry.status == "wachtlijst"
    approve(world, first_booking)  # nothing freed: still waiting
    assert _booking(world, entry_booking).status == "wachtlijst"
    with _as(world, "partner"):
        ops.cancel_reservation(db.session.get(Reservation, entry_id))
        db.session.commit()
    assert _booking(world, entry_booking).status == "geannuleerd"
    with _as(world, "owner"):
        ops.cancel_reservation(db.session.get(Reservation, first))
        db.session.commit()
    assert _booking(world, entry_booking).status == "geannuleerd"


def test_resource_feed_for_calendar_apps_takes_the_secret_token(world, login_as, app):
    rid = make_resource(world, "Podium voor apps")
    private = make_resource(world, "Podium niet gedeeld", shared=False)
    make_reservation(world, rid, tenant="owner")
    client = login_as(world.user("partner", "dienst"))
    token = _feed_url(client).rsplit("/", 1)[-1].removesuffix(".ics")
    anonymous = app.test_client()
    assert anonymous.get(f"/partner/verhuur/materieel/{rid}/agenda.ics").status_code == 302  # to the login page
    feed = anonymous.get(f"/partner/verhuur/materieel/{rid}/agenda.ics?token={token}")
    assert feed.status_code == 200 and b"Bezet" in feed.data and b"Gemeente Owner" not in feed.data
    assert anonymous.get(f"/partner/verhuur/materieel/{private}/agenda.ics?token={token}").status_code == 404
    assert anonymous.get(f"/owner/verhuur/materieel/{rid}/agenda.ics?token={token}").status_code == 404
    assert anonymous.get(f"/partner/verhuur/materieel/{rid}/agenda.ics?token=fout").status_code == 404


# -- handover photos ------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_handover_photos_are_checked_stored_and_shown_to_both_parties(world, login_as):
    from portal.rentals.models import HandoverPhoto

    _rid, res_id, booking_id = _approved(world)
    accept(world, res_id)
    client = login_as(world.user("owner", "dienst"))
    url = f"/owner/verhuur/aanvragen/{booking_id}/beslissen"
    fake = client.post(
        url,
        data={"action": "afhalen", "condition": "Nieuw", "photos": (io.BytesIO(b"geen foto"), "podium.png")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422 and "JPEG- of PNG" in fake.get_data(as_text=True)
    assert _booking(world, booking_id).status == "goedgekeurd"
    ok = client.post(
        url,
        data={"action": "afhalen", "condition": "Nieuw", "photos": [(io.BytesIO(PNG), "voor.png")]},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    with _as(world, "owner"):
        own = db.session.scalars(select(HandoverPhoto).where(HandoverPhoto.booking_id == booking_id)).all()
        own_ids = [p.id for p in own]
        assert [(p.stage, p.filename, p.content_type) for p in own] == [("afhalen", "voor.png", "image/png")]
    with _as(world, "partner"):
        copy = db.session.scalars(select(HandoverPhoto).where(HandoverPhoto.reservation_id == res_id)).all()
        copy_ids = [p.id for p in copy]
        assert len(copy) == 1 and copy[0].storage_key == own[0].storage_key
    page = client.get(f"/owner/verhuur/aanvragen/{booking_id}").get_data(as_text=True)
    assert f"/owner/verhuur/aanvragen/{booking_id}/fotos/{own_ids[0]}" in page
    image = client.get(f"/owner/verhuur/aanvragen/{booking_id}/fotos/{own_ids[0]}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    assert client.get(f"/owner/verhuur/aanvragen/{booking_id}/fotos/{copy_ids[0]}").status_code == 404
    requester = login_as(world.user("partner", "dienst"))
    shown = requester.get(f"/partner/verhuur/reservaties/{res_id}").get_data(as_text=True)
    assert f"/partner/verhuur/reservaties/{res_id}/fotos/{copy_ids[0]}" in shown
    assert requester.get(f"/partner/verhuur/reservaties/{res_id}/fotos/{copy_ids[0]}").data == PNG
    assert requester.get(f"/partner/verhuur/reservaties/{res_id}/fotos/{own_ids[0]}").status_code == 404


def test_api_pick_up_needs_acceptance_and_a_condition_report(world):
    from flask import current_app

    _rid, res_id, booking_id = _approved(world)
    client = current_app.test_client()
    headers = token_headers(world.user("owner", "dienst"))
    url = f"/api/v1/rentals/bookings/{booking_id}/decision"
    early = client.post(url, headers=headers, json={"action": "afhalen", "condition": "ok"})
    assert early.status_code == 409 and "aanvaard" in early.json["detail"]
    accept(world, res_id)
    missing = client.post(url, headers=headers, json={"action": "afhalen"})
    assert missing.status_code == 422
    done = client.post(url, headers=headers, json={"action": "afhalen", "condition": "Zonder schade"})
    assert done.status_code == 200 and done.json["pickup_report"] == "Zonder schade"
    assert done.json["status"] == "afgehaald" and done.json["picked_up_at"]
