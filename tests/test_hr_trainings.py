"""Gedeelde HR: trainings (vormingen) open to the region, enrolment approved by the own HR, waitlist."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.hr import operations as ops
from portal.hr.models import Enrolment, Training, TrainingSeat
from tenants.context import tenant_context
from tests import clock
from tests.conftest import login
from tests.matrix import token_headers

DAY = clock.today() + timedelta(days=14)


def make_training(world: Any, title: str = "Vorming GDPR", *, seats: int = 2, audience: str = "region") -> int:
    """Plan a training of "owner" (shared with region A unless ``audience`` is "own"); return its id."""
    hr = world.user("owner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {
            "title": title,
            "organiser": "Dienst HR Owner",
            "location": "Raadzaal",
            "seats": seats,
            "price_partner": 45,
            "sessions": [{"day": DAY, "starts": time(9, 0), "ends": time(12, 30)}],
            "audience": audience,
        }
        if audience == "region":
            data["region_id"] = world.regions["a"].id
        obj = ops.create_training(data, author_id=hr.id)
        db.session.commit()
        return obj.id


def enrol_and_approve(world: Any, training_id: int, tenant: str, role: str) -> int:
    """Enrol ``role@tenant`` and let the own HR approve; return the enrolment id."""
    user, hr = world.user(tenant, role), world.user(tenant, "hr")
    with tenant_context(user.tenant_id, user_id=user.id):
        training = db.session.get(Training, training_id)
        row = ops.enrol(training, user)
        db.session.commit()
        enrolment_id = row.id
    with tenant_context(hr.tenant_id, user_id=hr.id):
        ops.decide_enrolment(db.session.get(Enrolment, enrolment_id), True, user=hr)
        db.session.commit()
    return enrolment_id


def status_of(world: Any, tenant: str, enrolment_id: int) -> str:
    with tenant_context(world.tenants[tenant].id):
        db.session.expire_all()
        return db.session.scalar(select(Enrolment.status).where(Enrolment.id == enrolment_id)) or ""


def client_for(app: Any, world: Any, tenant: str, role: str) -> Any:
    c = app.test_client()
    login(c, world.user(tenant, role))
    return c


def training_form(world: Any, **values: Any) -> dict[str, Any]:
    base = {
        "title": "Vorming timemanagement",
        "organiser": "VVSG",
        "location": "Zaal De Schakel",
        "seats": "12",
        "price_partner": "30",
        "session-0-day": DAY.isoformat(),
        "session-0-starts": "13:30",
        "session-0-ends": "16:30",
        "audience": "region",
        "region_id": str(world.regions["a"].id),
    }
    base.update(values)
    return base


def test_training_sessions_are_brussels_time_and_shared_with_the_region(app, world):
    hr = client_for(app, world, "owner", "hr")
    summer = date(clock.today().year + 1, 7, 1)
    response = hr.post(
        "/owner/hr/vormingen/nieuw",
        data=training_form(
            world, **{"session-1-day": summer.isoformat(), "session-1-starts": "09:00", "session-1-ends": "12:00"}
        ),
    )
    assert response.status_code == 302, response.text[:2000]
    with tenant_context(world.tenants["owner"].id):
        training = db.session.scalar(select(Training))
        assert training is not None
        sessions = training.sessions
        # 13:30 in Brussels is 12:30 UTC in winter (CET) and 9:00 is 7:00 UTC in summer (CEST).
        moments = {s.starts_at.astimezone(UTC).replace(tzinfo=None) for s in sessions}
        assert datetime(summer.year, 7, 1, 7, 0) in moments
    page = hr.get(response.headers["Location"])
    assert "13:30" in page.text and "16:30" in page.text and "12 van 12 vrij" in page.text
    partner = client_for(app, world, "partner", "dienst")
    assert "Vorming timemanagement" in partner.get("/partner/hr/vormingen").text
    outsider = client_for(app, world, "outsider", "dienst")
    assert "Vorming timemanagement" not in outsider.get("/outsider/hr/vormingen").text


def test_bad_training_input_keeps_what_was_typed(app, world):
    hr = client_for(app, world, "owner", "hr")
    cases = [
        ({"seats": "0"}, "tussen 1 en 1000"),
        ({"session-0-ends": "12:00"}, "eindigt na haar beginuur"),
        ({"session-0-day": "", "session-0-starts": "", "session-0-ends": ""}, "minstens één sessie"),
        ({"session-0-day": (clock.today() - timedelta(days=1)).isoformat()}, "niet in het verleden"),
        ({"session-0-starts": "25:00"}, "geldig uur"),
        ({"price_partner": "-5"}, "niet negatief"),
        ({"title": ""}, "titel"),
    ]
    for values, message in cases:
        response = hr.post("/owner/hr/vormingen/nieuw", data=training_form(world, **values))
        assert response.status_code == 422, values
        assert message in response.text, values
        assert 'value="Zaal De Schakel"' in response.text
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(select(func.count()).select_from(Training)) == 0


def test_enrolment_needs_the_own_hr_and_a_full_training_puts_on_the_waitlist(app, world):
    training_id = make_training(world, seats=1)
    first = enrol_and_approve(world, training_id, "owner", "dienst")
    assert status_of(world, "owner", first) == "ingeschreven"

    staff = client_for(app, world, "partner", "dienst")
    page = staff.get(f"/partner/hr/vormingen/{training_id}")
    assert "volzet" in page.text and "0 van 1 vrij" in page.text
    response = staff.post(f"/partner/hr/vormingen/{training_id}/inschrijven")
    assert response.status_code == 200
    assert "volzet" in response.text and "Wacht op goedkeuring" in response.text
    with tenant_context(world.tenants["partner"].id):
        enrolment_id = db.session.scalar(select(Enrolment.id))
    assert status_of(world, "partner", enrolment_id) == "aangevraagd"
    # Enrolling twice is refused in Dutch and changes nothing.
    again = staff.post(f"/partner/hr/vormingen/{training_id}/inschrijven")
    assert again.status_code == 409 and "al ingeschreven" in again.text
    # The organiser's HR may not decide for a partner's staff: the enrolment is the partner's row.
    owner_hr = client_for(app, world, "owner", "hr")
    assert owner_hr.post(f"/owner/hr/inschrijvingen/{enrolment_id}", data={"action": "goedkeuren"}).status_code == 404
    # Nor may the participant approve their own enrolment.
    assert staff.post(f"/partner/hr/inschrijvingen/{enrolment_id}", data={"action": "goedkeuren"}).status_code == 403
    partner_hr = client_for(app, world, "partner", "hr")
    assert "dienst partner" in partner_hr.get("/partner/hr/vormingen").text
    decided = partner_hr.post(f"/partner/hr/inschrijvingen/{enrolment_id}", data={"action": "goedkeuren"})
    assert decided.status_code == 302
    assert status_of(world, "partner", enrolment_id) == "wachtlijst"
    page = staff.get(f"/partner/hr/inschrijvingen/{enrolment_id}")
    assert "plaats 1 op de wachtlijst" in page.text
    titles = db.session.scalars(
        select(Notification.title).where(Notification.user_id == world.user("partner", "dienst").id)
    ).all()
    assert any(t.startswith("Op de wachtlijst") for t in titles)


def test_cancellation_promotes_the_first_on_the_waitlist(app, world, mailbox):
    training_id = make_training(world, seats=1)
    first = enrol_and_approve(world, training_id, "owner", "dienst")
    second = enrol_and_approve(world, training_id, "partner", "dienst")
    third = enrol_and_approve(world, training_id, "partner", "schepen")
    assert [status_of(world, t, e) for t, e in (("owner", first), ("partner", second), ("partner", third))] == [
        "ingeschreven",
        "wachtlijst",
        "wachtlijst",
    ]
    staff = client_for(app, world, "owner", "dienst")
    assert staff.post(f"/owner/hr/inschrijvingen/{first}", data={"action": "annuleren"}).status_code == 302
    assert status_of(world, "owner", first) == "geannuleerd"
    assert status_of(world, "partner", second) == "ingeschreven"
    assert status_of(world, "partner", third) == "wachtlijst"
    user = world.user("partner", "dienst")
    titles = db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)).all()
    assert any(t.startswith("Van de wachtlijst naar ingeschreven") for t in titles)
    assert any("Van de wachtlijst" in (m["Subject"] or "") for m in mailbox.wait(1, timeout=2) + mailbox.messages)
    page = client_for(app, world, "partner", "schepen").get(f"/partner/hr/inschrijvingen/{third}")
    assert "plaats 1 op de wachtlijst" in page.text


def test_attendance_list_is_the_organisers_and_records_presence(app, world):
    training_id = make_training(world, seats=2)
    enrol_and_approve(world, training_id, "owner", "dienst")
    enrol_and_approve(world, training_id, "partner", "dienst")
    enrol_and_approve(world, training_id, "partner", "schepen")  # waitlist
    hr = client_for(app, world, "owner", "hr")
    page = hr.get(f"/owner/hr/vormingen/{training_id}/aanwezigheden")
    assert page.status_code == 200
    assert "dienst partner" in page.text and "schepen partner" in page.text
    with tenant_context(world.tenants["owner"].id):
        seats = {s.participant_name: s.id for s in db.session.scalars(select(TrainingSeat))}
    saved = hr.post(f"/owner/hr/vormingen/{training_id}/aanwezigheden",
                    data={"present": [str(seats["dienst partner"]), str(seats["schepen partner"])]})  # fmt: skip
    assert saved.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        present = {s.participant_name for s in db.session.scalars(select(TrainingSeat).where(TrainingSeat.is_present))}
    # Someone on the waitlist cannot be marked present.
    assert present == {"dienst partner"}
    csv = hr.get(f"/owner/hr/vormingen/{training_id}/aanwezigheden?formaat=csv")
    assert csv.mimetype == "text/csv" and "dienst partner" in csv.text and "ja" in csv.text
    # Only the organiser's HR sees the list; the partner (whose staff take part) gets 404.
    assert (
        client_for(app, world, "partner", "hr").get(f"/partner/hr/vormingen/{training_id}/aanwezigheden").status_code
        == 404
    )
    assert (
        client_for(app, world, "owner", "dienst").get(f"/owner/hr/vormingen/{training_id}/aanwezigheden").status_code
        == 404
    )


def test_own_training_is_invisible_to_partners_and_closed_after_start(app, world):
    training_id = make_training(world, "Interne vorming", audience="own")
    partner = client_for(app, world, "partner", "dienst")
    assert partner.get(f"/partner/hr/vormingen/{training_id}").status_code == 404
    assert partner.post(f"/partner/hr/vormingen/{training_id}/inschrijven").status_code == 404
    with tenant_context(world.tenants["owner"].id):
        training = db.session.get(Training, training_id)
        assert training is not None
        training.starts_at = datetime.now(UTC) - timedelta(hours=1)
        db.session.commit()
    staff = client_for(app, world, "owner", "dienst")
    late = staff.post(f"/owner/hr/vormingen/{training_id}/inschrijven")
    assert late.status_code == 409 and "niet (meer) inschrijven" in late.text


def test_cancelling_a_training_cancels_every_enrolment(app, world):
    training_id = make_training(world)
    enrolment_id = enrol_and_approve(world, training_id, "partner", "dienst")
    hr = client_for(app, world, "owner", "hr")
    assert hr.post(f"/owner/hr/vormingen/{training_id}/annuleren").status_code == 302
    assert status_of(world, "partner", enrolment_id) == "geannuleerd"
    told = db.session.scalars(
        select(Notification.title).where(Notification.user_id == world.user("partner", "dienst").id)
    )
    assert any(t.startswith("Vorming geannuleerd") for t in told)
    assert (
        client_for(app, world, "partner", "hr").post(f"/partner/hr/vormingen/{training_id}/annuleren").status_code
        == 404
    )


def test_api_trainings_and_enrolments(client, world):
    hr = token_headers(world.user("owner", "hr"))
    body = {
        "title": "Vorming via API",
        "organiser": "VVSG",
        "location": "Online",
        "seats": 5,
        "sessions": [{"day": DAY.isoformat(), "starts": "10:00", "ends": "11:00"}],
        "audience": "region",
        "region_id": world.regions["a"].id,
    }
    created = client.post("/api/v1/trainings", json=body, headers=hr)
    assert created.status_code == 201, created.json
    training_id = created.json["id"]
    assert created.json["sessions"][0]["starts_at"].startswith(DAY.isoformat())
    bad = client.post("/api/v1/trainings", json={**body, "seats": 0}, headers=hr)
    assert bad.status_code == 422
    staff = token_headers(world.user("partner", "dienst"))
    enrolled = client.post("/api/v1/enrolments", json={"training_id": training_id}, headers=staff)
    assert enrolled.status_code == 201 and enrolled.json["status"] == "aangevraagd"
    enrolment_id = enrolled.json["id"]
    partner_hr = token_headers(world.user("partner", "hr"))
    assert [e["id"] for e in client.get("/api/v1/enrolments", headers=partner_hr).json["items"]] == [enrolment_id]
    decided = client.post(f"/api/v1/enrolments/{enrolment_id}/decision", json={"action": "goedkeuren"},
                          headers=partner_hr)  # fmt: skip
    assert decided.status_code == 200 and decided.json["status"] == "ingeschreven"
    attendance = client.get(f"/api/v1/trainings/{training_id}/attendance", headers=hr).json
    assert [s["participant_name"] for s in attendance["seats"]] == ["dienst partner"]
    assert client.get(f"/api/v1/trainings/{training_id}/attendance", headers=partner_hr).status_code == 404
    outsider = token_headers(world.user("outsider", "hr"))
    assert client.get(f"/api/v1/trainings/{training_id}", headers=outsider).status_code == 404
    assert client.post("/api/v1/enrolments", json={"training_id": training_id}, headers=outsider).status_code == 404
    assert client.get(f"/api/v1/enrolments/{enrolment_id}", headers=outsider).status_code == 404


def test_ical_feed_lists_visible_sessions_only(app, world):
    make_training(world, "Vorming in de regio")
    make_training(world, "Vorming enkel voor Owner", audience="own")
    partner = client_for(app, world, "partner", "dienst")
    feed = partner.get("/partner/hr/vormingen.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in feed.text and "Vorming in de regio" in feed.text
    assert "Vorming enkel voor Owner" not in feed.text
    # 09:00 in Brussels on the session day, written as UTC.
    assert "DTSTART:" in feed.text and "Z" in feed.text.split("DTSTART:")[1].split("\n")[0]
    outsider = client_for(app, world, "outsider", "dienst").get("/outsider/hr/vormingen.ics")
    assert "Vorming in de regio" not in outsider.text


def test_session_calendar_groups_coming_sessions_per_month_for_visible_trainings_only(app, world):
    shared = make_training(world, "Vorming kalender gedeeld")
    own = make_training(world, "Vorming kalender intern", audience="own")
    cancelled = make_training(world, "Vorming kalender geschrapt")
    with tenant_context(world.tenants["owner"].id):
        training = db.session.get(Training, cancelled)
        assert training is not None
        training.status = "geannuleerd"
        db.session.commit()
    month = f'data-month="{DAY.replace(day=1).isoformat()}"'

    owner_page = client_for(app, world, "owner", "dienst").get("/owner/hr/vormingen").text
    calendar = owner_page.split('id="sessiekalender"', 1)[1]
    assert month in calendar
    assert f"/owner/hr/vormingen/{shared}" in calendar and f"/owner/hr/vormingen/{own}" in calendar
    assert "Vorming kalender geschrapt" not in calendar
    assert "09:00" in calendar  # Brussels time, as planned

    partner_calendar = client_for(app, world, "partner", "dienst").get("/partner/hr/vormingen").text
    partner_calendar = partner_calendar.split('id="sessiekalender"', 1)[1]
    assert "Vorming kalender gedeeld" in partner_calendar and "Vorming kalender intern" not in partner_calendar
    outsider = client_for(app, world, "outsider", "dienst").get("/outsider/hr/vormingen").text
    assert "Vorming kalender" not in outsider and "Er zijn geen komende sessies." in outsider
