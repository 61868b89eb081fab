"""Mijn meerjarenplan, its export and its reports cost the same statements for 1 or 6 linked actions.

The tree comes with its budgets in two statements, the linked objects per link type in one and
the partners' training enrolments in one (``links.MoneyReader`` given the links up front): the
number of statements does not grow with the number of actions, budgets and links.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask

from portal.core.report import ReportPeriod
from portal.extensions import db
from portal.plans import links, semester
from portal.plans import operations as ops
from portal.plans import report as plan_report
from portal.plans.models import Level, LinkType, PlanNode, PlanVersion
from tenants.context import tenant_context
from tests import clock
from tests.conftest import login
from tests.matrix import make_agreement
from tests.plans_semester_helpers import make_plan
from tests.statements import Statements
from tests.test_hr_trainings import enrol_and_approve, make_training


def _add_actions(world: Any, ids: dict[str, int], first: int, count: int) -> list[str]:
    """Add ``count`` actions to the partner's plan, each with a budget, an agreement and a training linked."""
    titles = []
    trainings = []
    for n in range(first, first + count):
        agreement_id = make_agreement(world, f"Overeenkomst {n}", status="goedgekeurd")
        training_id = make_training(world, f"Vorming {n}")
        enrol_and_approve(world, training_id, "partner", "ad")
        trainings.append((n, agreement_id, training_id))
    ad = world.user("partner", "ad")
    year = clock.today().year
    with tenant_context(ad.tenant_id, user_id=ad.id):
        version = db.session.get(PlanVersion, ids["version"])
        for n, agreement_id, training_id in trainings:
            action = ops.create_node(
                version,
                {
                    "level": Level.ACTIE,
                    "code": f"A1.1.{n + 10}",
                    "title": f"Actie {n}",
                    "parent_id": ids["AP1.1"],
                    "budgets": [{"year": year, "expense": Decimal("100"), "income": Decimal("0")}],
                },
            )
            links.link_object(action, {"object_type": LinkType.AGREEMENT, "object_id": agreement_id})
            links.link_object(action, {"object_type": LinkType.TRAINING, "object_id": training_id})
            titles.append(f"Vorming {n}")
        db.session.commit()
    return titles


def _page(app: Flask, world: Any, path: str) -> tuple[int, str]:
    client = app.test_client()
    login(client, world.user("partner", "ad"))
    client.get(path)
    with Statements() as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return seen.count, response.get_data(as_text=True)


def _report_statements(world: Any, ids: dict[str, int]) -> tuple[int, int, Any]:
    """Count the statements of the semester report's gathering and of the council report section."""
    ad = world.user("partner", "ad")
    today = clock.today()
    with tenant_context(ad.tenant_id, user_id=ad.id):
        report = semester.request_report(semester.semester_of(today))
        db.session.flush()
        db.session.expire_all()  # both runs start from nothing loaded, as a worker's task does
        with Statements() as gathered:
            content = semester.gather(report)
        period = ReportPeriod(tenant_id=ad.tenant_id, start=date(today.year, 1, 1), end=today)
        db.session.expire_all()
        with Statements() as sectioned:
            section = plan_report.section(period)
        db.session.rollback()
    assert content["goals"] and section["tables"][0]["rows"]
    return gathered.count, sectioned.count, section


def test_the_plan_page_export_and_reports_do_not_grow_with_the_links(app: Flask, world: Any) -> None:
    ids = make_plan(world, "partner")
    titles = _add_actions(world, ids, 1, 1)
    small_page, text = _page(app, world, "/partner/meerjarenplan")
    assert all(title in text for title in titles)
    small_export, _csv = _page(app, world, "/partner/meerjarenplan/export.csv")
    small_gather, small_section, _section = _report_statements(world, ids)

    titles += _add_actions(world, ids, 2, 5)
    big_page, text = _page(app, world, "/partner/meerjarenplan")
    assert all(title in text for title in titles)
    # Each partner training costs its partner price (45) for the one enrolled member of staff.
    assert text.count("45,00") >= 6
    big_export, csv_text = _page(app, world, "/partner/meerjarenplan/export.csv")
    assert all(f"Actie {n}" in csv_text for n in range(1, 7))
    big_gather, big_section, _section = _report_statements(world, ids)

    assert big_page == small_page, (small_page, big_page)
    assert big_export == small_export, (small_export, big_export)
    assert big_gather == small_gather, (small_gather, big_gather)
    assert big_section == small_section, (small_section, big_section)
    assert small_page <= 25, small_page


def test_the_batched_reader_reads_the_same_objects_and_money_as_one_by_one(app: Flask, world: Any) -> None:
    ids = make_plan(world, "partner")
    _add_actions(world, ids, 1, 3)
    ad = world.user("partner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        version = db.session.get(PlanVersion, ids["version"])
        nodes = ops.nodes_of(version)
        link_map = links.links_of(nodes)
        every = [link for found in link_map.values() for link in found]
        batched = links.MoneyReader(linked=every)
        single = links.MoneyReader()
        assert len(every) == 8
        for link in every:
            assert batched.object_of(link) is single.object_of(link)
            assert batched.of_link(link) == single.of_link(link)
            assert links.resolve(link, batched) == links.resolve(link)
        assert batched.of_nodes(nodes, link_map).training_cost == Decimal("135.00")
        assert all(isinstance(n, PlanNode) for n in nodes)
