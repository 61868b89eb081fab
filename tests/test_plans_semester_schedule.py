"""The BBC rhythm: after each semester the report of the semester just ended, once per municipality with a plan."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.plans import semester
from portal.plans.models import PlanReport
from tenants.context import tenant_context
from tests.conftest import body_of, login
from tests.plans_semester_helpers import make_plan, make_report

TITLE = "Het semesterrapport van het meerjarenplan"


@pytest.fixture(autouse=True)
def _session_celery(app: Any) -> None:
    # Another test module may have built a second app (with its own, by now closed, SMTP sink)
    # that became Celery's default: the mail would go there and be refused.
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()


def _run() -> int:
    from tasks.plans import schedule_semester_reports

    return int(schedule_semester_reports.apply().get())


def _reports(world: Any, tenant: str) -> list[tuple[str, int, str]]:
    with tenant_context(world.tenants[tenant].id):
        db.session.expire_all()
        rows = db.session.scalars(select(PlanReport).order_by(PlanReport.period, PlanReport.number))
        return [(r.period, r.number, semester.state_of(r)) for r in rows]


def _notes(user: Any) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_the_schedule_is_registered_for_the_first_days_of_january_and_july(app):
    celery = app.extensions["celery"]
    entry = celery.conf.beat_schedule["plans-semester-reports"]
    assert entry["task"] == "portal.plans.semester_schedule" and entry["task"] in celery.tasks
    assert entry["schedule"].month_of_year == {1, 7} and entry["schedule"].day_of_month == {1, 2, 3, 4, 5}
    assert celery.conf.timezone == "Europe/Brussels"


@pytest.mark.frozen_at("2026-07-02T07:00:00+02:00")
def test_on_2_july_every_municipality_with_a_plan_gets_the_first_semester_once(app, world, mailbox):
    make_plan(world, "owner")
    make_plan(world, "partner", title="Samen vooruit")
    assert _run() == 2
    assert _reports(world, "owner") == [("2026-S1", 1, "klaar")]
    assert _reports(world, "partner") == [("2026-S1", 1, "klaar")]
    assert _reports(world, "outsider") == [] and _reports(world, "former") == []  # no plan, no report
    # A second run (or the next days of the window) makes nothing new.
    assert _run() == 0
    assert _reports(world, "owner") == [("2026-S1", 1, "klaar")]
    assert _reports(world, "partner") == [("2026-S1", 1, "klaar")]
    # Each report holds its own municipality's plan only.
    with tenant_context(world.tenants["partner"].id):
        content = db.session.scalars(select(PlanReport)).one().content
    assert content["tenant"]["slug"] == "partner" and content["goals"][0]["title"] == "Samen vooruit"


@pytest.mark.frozen_at("2026-07-02T07:00:00+02:00")
def test_the_ad_is_told_once_in_app_and_by_mail(app, world, mailbox):
    make_plan(world, "owner")
    _run()
    _run()
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id):
        report_id = db.session.scalars(select(PlanReport.id)).one()
    notes = _notes(ad)
    assert len(notes) == 1
    assert TITLE in notes[0].title and "eerste semester 2026" in notes[0].title
    assert notes[0].link == f"/owner/meerjarenplan/rapporten/{report_id}"
    mails = [m for m in mailbox.wait(1) if TITLE in (m["Subject"] or "")]
    assert [m["To"] for m in mails] == [ad.email]
    assert f"/owner/meerjarenplan/rapporten/{report_id}" in body_of(mails[0])
    # Only the AD, and nobody of a municipality without a report.
    assert _notes(world.user("owner", "beheerder")) == [] and _notes(world.user("owner", "dienst")) == []
    assert _notes(world.user("partner", "ad")) == [] and _notes(world.user("outsider", "ad")) == []
    # The AD reads it on the plan's report page.
    client = app.test_client()

    login(client, ad)
    page = client.get(notes[0].link)
    assert page.status_code == 200 and "Klaar" in page.get_data(as_text=True)


@pytest.mark.frozen_at("2026-07-10T07:00:00+02:00")
def test_on_10_july_nothing_is_made(app, world):
    make_plan(world, "owner")
    assert _run() == 0
    assert _reports(world, "owner") == []
    assert _notes(world.user("owner", "ad")) == []


@pytest.mark.frozen_at("2026-07-05T23:30:00+02:00")
def test_the_window_ends_at_midnight_in_brussels(app, world, frozen_clock):
    make_plan(world, "owner")
    frozen_clock.move_to("2026-07-06T00:30:00+02:00")  # still 5 July in UTC: Brussels decides
    assert _run() == 0 and _reports(world, "owner") == []
    frozen_clock.move_to("2026-07-05T23:30:00+02:00")
    assert _run() == 1 and _reports(world, "owner") == [("2026-S1", 1, "klaar")]


@pytest.mark.frozen_at("2027-01-03T09:00:00+01:00")
def test_in_january_the_second_semester_of_last_year_is_made(app, world):
    make_plan(world, "owner")
    assert _run() == 1
    assert _reports(world, "owner") == [("2026-S2", 1, "klaar")]


@pytest.mark.frozen_at("2026-07-01T10:00:00+02:00")
def test_a_report_the_ad_already_asked_for_counts(app, world, frozen_clock):
    make_plan(world, "owner")
    make_report(world, "owner", "2026-S1")
    frozen_clock.move_to("2026-07-03T07:00:00+02:00")
    assert _run() == 0
    assert _reports(world, "owner") == [("2026-S1", 1, "klaar")]
    assert _notes(world.user("owner", "ad")) == []


@pytest.mark.frozen_at("2026-07-02T07:00:00+02:00")
def test_a_failing_municipality_does_not_hold_up_the_others_and_is_retried(app, world, monkeypatch):
    make_plan(world, "owner")
    make_plan(world, "partner", title="Samen vooruit")
    real_fill = semester.fill
    partner_id = world.tenants["partner"].id

    def fill(report: Any) -> None:
        if report.tenant_id == partner_id:
            raise RuntimeError("WeasyPrint even weg")
        real_fill(report)

    monkeypatch.setattr(semester, "fill", fill)
    assert _run() == 1
    assert _reports(world, "owner") == [("2026-S1", 1, "klaar")] and _reports(world, "partner") == []
    monkeypatch.setattr(semester, "fill", real_fill)
    assert _run() == 1  # the next run (the next day) makes it
    assert _reports(world, "partner") == [("2026-S1", 1, "klaar")]
    assert _reports(world, "owner") == [("2026-S1", 1, "klaar")]
