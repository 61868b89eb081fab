"""Semester report of the AD to the college and the MAT, and the "Mijn meerjarenplan" dashboard card."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import undefer

from portal.extensions import db
from portal.plans import links, semester
from portal.plans import operations as ops
from portal.plans.models import Level, LinkType, PlanNode, PlanReport
from tenants.context import tenant_context
from tests import clock
from tests.conftest import login
from tests.plans_semester_helpers import make_plan, make_report


def client_for(app: Any, world: Any, tenant: str = "owner", role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def load(world: Any, report_id: int, tenant: str = "owner") -> PlanReport:
    with tenant_context(world.tenants[tenant].id):
        db.session.expire_all()
        found = db.session.scalar(
            select(PlanReport).where(PlanReport.id == report_id).options(undefer(PlanReport.pdf_data))
        )
        assert found is not None
        return found


def pdf_text(data: bytes) -> str:
    """Return the text of a PDF with poppler's pdftotext (the report tests' own reader without it)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        from tests.test_reports import pdf_text as fallback

        return fallback(data)
    return subprocess.run([tool, "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def link_training(world: Any, node_id: int) -> int:
    """Link a partner's training with one enrolled employee of "owner" to a node; return the training id."""
    from datetime import time, timedelta

    from portal.hr import operations as hr_ops
    from portal.hr.models import Enrolment, Training

    hr = world.user("partner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        training = hr_ops.create_training(
            {
                "title": "Vorming brandpreventie",
                "organiser": "HR Partner",
                "location": "Raadzaal",
                "seats": 5,
                "price_partner": 45,
                "sessions": [{"day": clock.today() + timedelta(days=20), "starts": time(9), "ends": time(12)}],
                "audience": "region",
                "region_id": world.regions["a"].id,
            },
            author_id=hr.id,
        )
        db.session.commit()
        training_id = training.id
    user, own_hr = world.user("owner", "dienst"), world.user("owner", "hr")
    with tenant_context(user.tenant_id, user_id=user.id):
        enrolment = hr_ops.enrol(db.session.get(Training, training_id), user)
        db.session.commit()
        enrolment_id = enrolment.id
    with tenant_context(own_hr.tenant_id, user_id=own_hr.id):
        hr_ops.decide_enrolment(db.session.get(Enrolment, enrolment_id), True, user=own_hr)
        db.session.commit()
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        node = db.session.get(PlanNode, node_id)
        links.link_object(node, {"object_type": LinkType.TRAINING, "object_id": training_id})
        db.session.commit()
    return training_id


def link_rental(world: Any) -> None:
    """Let "partner" borrow a stage of "owner" (approved): rental income for the owner in that year."""
    from tests.rentals_helpers import approve, make_reservation, make_resource

    resource_id = make_resource(world, "Podium 6x4")
    _reservation_id, booking_id = make_reservation(world, resource_id)
    approve(world, booking_id)


def link_sharing(app: Any, world: Any, node_id: int) -> None:
    """Link an approved sharing of an "owner" employee with "partner" (40 %, partner bears 75 %) to a node."""
    from tests.test_hr_sharing import make_sharing

    sharing_id, approval_id = make_sharing(world)
    home = client_for(app, world, "owner", "ad")
    host = client_for(app, world, "partner", "ad")
    decided = {"decision": "goedgekeurd"}
    assert home.post(f"/owner/hr/terbeschikkingstellingen/{sharing_id}", data=decided).status_code == 302
    assert host.post(f"/partner/hr/terbeschikkingstellingen/ontvangen/{approval_id}", data=decided).status_code == 302
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        node = db.session.get(PlanNode, node_id)
        links.link_object(node, {"object_type": LinkType.STAFF_SHARING, "object_id": sharing_id})
        db.session.commit()


# -- the content ----------------------------------------------------------------------------------


def test_the_content_figures_equal_the_money_reader(app, world):
    ids = make_plan(world, title="Doel geld")
    link_training(world, ids["A1.1.2"])
    link_sharing(app, world, ids["A1.1.2"])
    link_rental(world)
    report_id = make_report(world)
    report = load(world, report_id)
    content = report.content
    assert content["kind"] == "plan_semester" and content["period"]["code"] == semester.semester_of(clock.today())
    year = report.starts_on.year
    with tenant_context(world.tenants["owner"].id):
        version = ops.current_version()
        nodes = ops.nodes_of(version)
        link_map = links.links_of(nodes)
        reader = links.MoneyReader(year)
        [goal] = content["goals"]
        assert goal["code"] == "BDS1" and [p["code"] for p in goal["action_plans"]] == ["AP1.1"]
        rows = {a["code"]: a for a in goal["action_plans"][0]["actions"]}
        assert set(rows) == {"A1.1.1", "A1.1.2"}  # the action without a link is not in the report
        by_code = {n.code: n for n in nodes}
        for code, row in rows.items():
            money = reader.of_nodes([by_code[code]], link_map)
            for name in semester.MONEY_FIELDS:
                assert row["money"][name] == float(getattr(money, name)), (code, name)
            assert row["money"]["net"] == float(money.net)
        touched = [by_code["A1.1.1"], by_code["A1.1.2"]]
        total = reader.of_nodes(touched, link_map)
        for name in semester.MONEY_FIELDS:
            assert content["totals"]["money"][name] == float(getattr(total, name))
            assert goal["money"][name] == float(getattr(total, name))
    # The partner's training costs its partner price per enrolled employee; the same in the report.
    assert rows["A1.1.2"]["money"]["training_cost"] == 45.0
    staff = rows["A1.1.2"]["money"]
    assert (staff["staff_fte_given"], staff["staff_cost_recovered_fte"]) == (0.4, 0.3)
    late = rows["A1.1.1"]
    assert late["status_label"] == "Lopend" and late["progress_percent"] == 40
    assert late["budget"] == {"expense": 1000.0, "income": 0.0, "actual_expense": 1500.0}  # this year's only
    assert late["indicators"][0]["name"] == "Uitleningen" and late["indicators"][0]["target_value"] == 12.0
    assert set(late["deviations"]) == {"te laat", "over budget"} and late["needs_decision"]
    assert rows["A1.1.2"]["deviations"] == [] and not rows["A1.1.2"]["needs_decision"]
    assert [d["code"] for d in content["decisions"]] == ["A1.1.1"]
    totals = content["totals"]
    assert (totals["touched"], totals["actions"], totals["late"], totals["over_budget"], totals["needs_decision"]) == (
        2,
        3,
        1,
        1,
        1,
    )
    assert totals["budget"]["expense"] == 1500.0 and totals["budget"]["actual_expense"] == 1700.0
    chart = next(c for c in content["charts"] if c["key"] == "budget")
    assert chart["labels"] == ["BDS1"] and chart["values"] == [1500.0] and chart["values2"] == [1700.0]
    assert report.content_sha256 == semester.content_checksum(content)


def test_the_page_shows_chart_and_table_and_the_pdf_is_real(app, world):
    make_plan(world, title="Doel zichtbaar")
    client = client_for(app, world)
    response = client.post("/owner/meerjarenplan/rapporten", data={"period": semester.semester_of(clock.today())})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Doel zichtbaar" in text
    assert 'src="data:image/svg+xml;base64,' in text and "Wat vraagt een beslissing" in text
    report_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    report = load(world, report_id)
    pdf = client.get(f"/owner/meerjarenplan/rapporten/{report_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == report.pdf_data
    assert hashlib.sha256(pdf.data).hexdigest() == report.pdf_sha256
    words = pdf_text(pdf.data)
    assert "Semesterrapport meerjarenplan" in words and "Doel zichtbaar" in words
    assert "Gemeente Owner" in words and "A1.1.1" in words
    listing = client.get("/owner/meerjarenplan/rapporten").get_data(as_text=True)
    assert f"/owner/meerjarenplan/rapporten/{report_id}/pdf" in listing


# -- immutability ---------------------------------------------------------------------------------


def test_a_report_never_changes_after_generation(app, world):
    ids = make_plan(world, title="Doel vooraf")
    report_id = make_report(world)
    before = load(world, report_id)
    content, content_sha, pdf, pdf_sha = before.content, before.content_sha256, before.pdf_data, before.pdf_sha256
    period, number = before.period, before.number
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        goal = db.session.get(PlanNode, ids["BDS1"])
        ops.update_node(goal, {"title": "Doel achteraf"})
        action = db.session.get(PlanNode, ids["A1.1.1"])
        ops.update_node(action, {"status": "afgerond"})
        db.session.commit()
    after = load(world, report_id)
    stored = (after.content, after.content_sha256, after.pdf_data, after.pdf_sha256)
    assert stored == (content, content_sha, pdf, pdf_sha)
    assert semester.content_checksum(after.content) == content_sha
    assert hashlib.sha256(after.pdf_data).hexdigest() == pdf_sha
    # Running the task again changes nothing; changing the row in code is refused.
    from tasks.plans import generate

    assert generate(world.tenants["owner"].id, report_id) == semester.ReportState.KLAAR
    with tenant_context(ad.tenant_id, user_id=ad.id):
        row = db.session.get(PlanReport, report_id)
        row.content = {**row.content, "goals": []}
        with pytest.raises(semester.ImmutablePlanReportError):
            db.session.flush()
        db.session.rollback()
        row = db.session.get(PlanReport, report_id)
        db.session.delete(row)
        with pytest.raises(semester.ImmutablePlanReportError):
            db.session.flush()
        db.session.rollback()
    # A new generation of the same period gets the next number and the plan as it is now.
    second_id = make_report(world, period=period)
    second = load(world, second_id)
    assert (second.period, second.number) == (period, number + 1)
    assert second.content["goals"][0]["title"] == "Doel achteraf"
    assert load(world, report_id).content["goals"][0]["title"] == "Doel vooraf"


def test_a_failed_generation_is_marked_and_a_new_request_makes_a_new_number(app, world, monkeypatch):
    make_plan(world)
    from tasks.plans import generate

    def broken(_report: Any) -> Any:
        raise RuntimeError("kapotte sectie")

    ad = world.user("owner", "ad")
    period = semester.semester_of(clock.today())
    with tenant_context(ad.tenant_id, user_id=ad.id):
        report = semester.request_report(period)
        db.session.commit()
        report_id = report.id
    monkeypatch.setattr(semester, "gather", broken)
    assert generate(ad.tenant_id, report_id) == semester.ReportState.MISLUKT
    failed = load(world, report_id)
    assert semester.state_of(failed) == "mislukt" and "kapotte sectie" in semester.error_of(failed)
    assert failed.pdf_data is None
    failed_number = failed.number
    monkeypatch.undo()
    page = client_for(app, world).get(f"/owner/meerjarenplan/rapporten/{report_id}")
    assert page.status_code == 200 and "kon niet gemaakt worden" in page.get_data(as_text=True)
    assert client_for(app, world).get(f"/owner/meerjarenplan/rapporten/{report_id}/pdf").status_code == 409
    new_id = make_report(world, period=period)
    assert load(world, new_id).number == failed_number + 1


# -- who sees and makes it ----------------------------------------------------------------------------


def test_a_partner_never_sees_the_report(app, world):
    make_plan(world, title="Geheim semesterdoel 5q")
    report_id = make_report(world)
    for viewer in ("partner", "outsider", "former"):
        client = client_for(app, world, viewer)
        for url in (
            f"/{viewer}/meerjarenplan/rapporten/{report_id}",
            f"/{viewer}/meerjarenplan/rapporten/{report_id}/pdf",
            f"/api/v1/plans/reports/{report_id}",
            f"/api/v1/plans/reports/{report_id}/pdf",
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert "Geheim semesterdoel 5q" not in response.get_data(as_text=True)
        assert client.get(f"/owner/meerjarenplan/rapporten/{report_id}").status_code in (302, 403, 404)
        listing = client.get(f"/{viewer}/meerjarenplan/rapporten").get_data(as_text=True)
        assert f"/rapporten/{report_id}" not in listing
        assert client.get("/api/v1/plans/reports").json["pagination"]["total"] == 0
        with tenant_context(world.tenants[viewer].id):
            assert db.session.scalar(select(PlanReport.id).where(PlanReport.id == report_id)) is None


def test_writers_are_the_ad_and_the_beheerder_readers_are_members(app, world):
    make_plan(world)
    period = semester.semester_of(clock.today())
    for role in ("ad", "beheerder"):
        response = client_for(app, world, role=role).post("/owner/meerjarenplan/rapporten", data={"period": period})
        assert response.status_code == 303, role
    for role in ("schepen", "dienst", "raadslid"):
        client = client_for(app, world, role=role)
        assert client.post("/owner/meerjarenplan/rapporten", data={"period": period}).status_code == 403, role
        assert client.get("/owner/meerjarenplan/rapporten").status_code == 200, role
    expert = client_for(app, world, role="expert")
    assert expert.get("/owner/meerjarenplan/rapporten").status_code in (302, 403)


def test_bad_input_is_a_dutch_422_and_creates_nothing(app, world):
    client = client_for(app, world)
    no_plan = client.post("/owner/meerjarenplan/rapporten", data={})
    assert no_plan.status_code == 422 and "nog geen meerjarenplan" in no_plan.get_data(as_text=True)
    make_plan(world)
    for bad in ("2026-S3", "26-S1", "<script>", "2999-S1"):
        response = client.post("/owner/meerjarenplan/rapporten", data={"period": bad})
        assert response.status_code == 422, bad
        assert "semester" in response.get_data(as_text=True).lower()
    later = f"{clock.today().year + 1}-S2"
    response = client.post("/owner/meerjarenplan/rapporten", data={"period": later})
    assert response.status_code == 422 and "nog niet begonnen" in response.get_data(as_text=True)
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(select(PlanReport.id)) is None


def test_api_list_get_pdf_and_request(app, world):
    from tests.matrix import token_headers

    make_plan(world, title="Doel via API")
    headers = token_headers(world.user("owner", "ad"))
    created = app.test_client().post("/api/v1/plans/reports", json={}, headers=headers)
    assert created.status_code == 202, created.json
    assert created.json["period"] == semester.last_finished_semester() and created.json["state"] == "klaar"
    report_id = created.json["id"]
    client = app.test_client()
    listing = client.get("/api/v1/plans/reports", headers=headers).json
    assert listing["pagination"]["total"] == 1 and listing["items"][0]["owner"]["slug"] == "owner"
    one = client.get(f"/api/v1/plans/reports/{report_id}", headers=headers).json
    assert one["content"]["goals"][0]["title"] == "Doel via API" and one["content_sha256"]
    pdf = client.get(f"/api/v1/plans/reports/{report_id}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    bad = client.post("/api/v1/plans/reports", json={"period": "2026-S9"}, headers=headers)
    assert bad.status_code == 422
    raadslid = token_headers(world.user("owner", "raadslid"))
    assert client.post("/api/v1/plans/reports", json={}, headers=raadslid).status_code == 403
    assert client.get(f"/api/v1/plans/reports/{report_id}", headers=raadslid).status_code == 200


# -- the semester default at the year boundary ----------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2027-01-01T00:30:00+01:00", "2026-S2"),  # still 31 December in UTC
        ("2026-12-31T23:30:00+01:00", "2026-S1"),
        ("2026-07-01T00:15:00+02:00", "2026-S1"),  # still 30 June in UTC
        ("2026-06-30T23:45:00+02:00", "2025-S2"),
    ],
)
def test_the_default_semester_is_the_last_finished_one_in_brussels(app, world, frozen_clock, instant, expected):
    frozen_clock.move_to(clock.parse_instant(instant))
    assert semester.last_finished_semester() == expected
    make_plan(world)
    client = client_for(app, world)
    page = client.get("/owner/meerjarenplan/rapporten").get_data(as_text=True)
    assert f'<option value="{expected}" selected>' in page
    response = client.post("/owner/meerjarenplan/rapporten", data={})
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(select(PlanReport.period)) == expected


@pytest.mark.frozen_at("2027-01-01T00:05:00+01:00")
def test_at_new_year_the_report_covers_the_past_year(app, world):
    assert clock.today().isoformat() == "2027-01-01"
    make_plan(world)
    report_id = make_report(world, period=semester.last_finished_semester())
    report = load(world, report_id)
    assert report.period == "2026-S2" and report.content["year"] == 2026
    assert report.content["as_of"] == "2026-12-31"


# -- the dashboard card ---------------------------------------------------------------------------------


def _statements(app: Any, client: Any, url: str) -> tuple[int, str]:
    count = 0

    def counter(*_args: Any) -> None:
        nonlocal count
        count += 1

    engine = db.engines[None] if hasattr(db, "engines") else db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        text = client.get(url).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count, text


def test_the_dashboard_card_shows_touched_late_and_to_decide(app, world, monkeypatch):
    make_plan(world, title="Doel op het dashboard")
    client = client_for(app, world)
    client.get("/owner/")  # warm caches (session, menu)
    with_card, page = _statements(app, client, "/owner/")
    assert "Mijn meerjarenplan" in page and 'href="/owner/meerjarenplan"' in page
    assert "2 / 3" in page  # two of the three actions are linked to the cooperation
    assert "A1.1.1" in page and "vraagt een beslissing" in page
    from portal import features

    monkeypatch.setattr(features, "installed", lambda: [n for n in features.FEATURES if n != "plans"])
    without, page = _statements(app, client, "/owner/")
    assert "A1.1.1" not in page
    assert with_card - without <= 2, (with_card, without)


def test_the_card_flags_an_action_over_budget_only_as_the_plan_page_does(app, world):
    """The card answers "over budget" in SQL; it must agree with ``ops.deviations`` on the budgets."""
    from portal.plans.models import PlanBudget

    ids = make_plan(world)
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        # A1.1.2 is on time; one year overspent makes it need a decision (and nothing else).
        budget = db.session.scalars(
            select(PlanBudget).where(PlanBudget.node_id == ids["A1.1.2"]).order_by(PlanBudget.year)
        ).first()
        assert budget is not None
        budget.actual_expense = budget.expense + 1
        db.session.commit()
        running = db.session.get(PlanNode, ids["A1.1.2"])
        assert ops.deviations(running) == ["over budget"] and not ops.is_late(running)
        flags = dict(
            db.session.execute(select(PlanNode.code, ops.over_budget_clause()).where(PlanNode.level == Level.ACTIE))
            .tuples()
            .all()
        )
        by_python = {
            n.code: "over budget" in ops.deviations(n) for n in ops.nodes_of(ops.current_version(), Level.ACTIE)
        }
        assert flags == by_python == {"A1.1.1": True, "A1.1.2": True, "A1.2.1": False}
    page = client_for(app, world).get("/owner/").get_data(as_text=True)
    assert "A1.1.2 Gedeelde vormingen" in page and "over budget; vraagt een beslissing" in page


def test_no_card_for_the_expert_and_a_card_without_a_plan(app, world):
    expert = client_for(app, world, role="expert")
    page = expert.get("/owner/").get_data(as_text=True)
    assert "kaart-plans" not in page
    raadslid = client_for(app, world, role="raadslid")
    page = raadslid.get("/owner/").get_data(as_text=True)
    assert "kaart-plans" in page and "Nog geen acties in het meerjarenplan." in page
    make_plan(world, tenant="partner", title="Plan van de partner")
    page = client_for(app, world, "owner").get("/owner/").get_data(as_text=True)
    assert "0 / 0" in page  # the partner's plan never counts for the owner


def test_the_card_reads_the_plan_in_force_only(app, world):
    ids = make_plan(world)
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        version = ops.current_version()
        ops.copy_version(version, {"reason": "Aanpassing"})
        db.session.commit()
        assert len([n for n in ops.nodes_of(ops.current_version()) if n.level == Level.ACTIE]) == 3
    page = client_for(app, world).get("/owner/").get_data(as_text=True)
    assert "2 / 3" in page and ids


def test_a_pending_report_polls_a_double_request_reuses_it_and_a_lost_one_is_replaced(app, world, frozen_clock):
    from datetime import timedelta

    make_plan(world)
    ad = world.user("owner", "ad")
    period = semester.semester_of(clock.today())
    with tenant_context(ad.tenant_id, user_id=ad.id):
        first = semester.request_report(period)
        db.session.commit()
        first_id = first.id
        assert semester.request_report(period).id == first_id  # a double click makes one report
        db.session.commit()
    page = client_for(app, world).get(f"/owner/meerjarenplan/rapporten/{first_id}").get_data(as_text=True)
    assert "Het rapport wordt gemaakt." in page and 'hx-trigger="every 3s"' in page
    frozen_clock.shift(semester.STUCK_AFTER + timedelta(minutes=1))
    with tenant_context(ad.tenant_id, user_id=ad.id):
        second = semester.request_report(period)
        db.session.commit()
        assert second.id != first_id and second.number == 2
        lost = db.session.get(PlanReport, first_id)
        assert semester.state_of(lost) == semester.ReportState.MISLUKT
