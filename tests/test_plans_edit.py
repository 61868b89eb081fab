"""Editing the own meerjarenplan by hand: versions, node pages, budgets, indicators, the stand, old versions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from portal.core.audit import AuditEntry
from portal.extensions import db
from portal.plans import operations as ops
from portal.plans.models import PlanBudget, PlanIndicator, PlanNode, PlanVersion
from tenants.context import tenant_context
from tests import clock
from tests.conftest import login
from tests.plans_edit_helpers import build_plan, start_adjustment

BASE = "/owner/meerjarenplan"


def _client(app: Any, world: Any, role: str = "ad", tenant: str = "owner") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def _read(world: Any, model: Any, object_id: int) -> Any:
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        return db.session.get(model, object_id)


def _node_form(**changes: str) -> dict[str, str]:
    form = {
        "code": "A1.1.1",
        "title": "Gezamenlijke externe werving",
        "responsible": "HR-dienst",
        "description": "",
        "status": "lopend",
        "progress_percent": "40",
        "starts_on": "2026-01-01",
        "due_on": "2026-12-31",
    }
    form.update(changes)
    return form


def test_the_tree_links_each_node_to_its_page_with_code_budgets_and_indicators(app, world):
    plan = build_plan(world)
    client = _client(app, world)
    index = client.get(BASE).get_data(as_text=True)
    assert f"{BASE}/acties/{plan.action_id}" in index
    assert f"{BASE}/acties/{plan.action_id}/bewerken" in index
    assert f"{BASE}/acties/{plan.plan_id}/nieuw" in index and "Nieuwe actie" in index
    response = client.get(f"{BASE}/acties/{plan.action_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("A1.1.1", "Gezamenlijke externe werving", "Algemeen directeur", "Lopend", "20%"):
        assert text in page
    assert "12.500,00" in page and "2027" in page and "2028" in page
    assert "Vacatures ingevuld" in page and "Budget bewerken" in page


def test_create_a_child_node_and_a_domain(app, world):
    plan = build_plan(world)
    client = _client(app, world, "schepen")
    response = client.post(
        f"{BASE}/acties/{plan.plan_id}/nieuw", data=_node_form(code="A1.1.2", title="Gezamenlijke vorming")
    )
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        made = db.session.scalar(select(PlanNode).where(PlanNode.code == "A1.1.2"))
        assert made is not None and made.parent_id == plan.plan_id and made.level == "actie"
        assert response.headers["Location"].endswith(f"/acties/{made.id}")
        audit = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.object_type == "plan_nodes", AuditEntry.object_id == made.id, AuditEntry.action == "create"
            )
        )
        assert audit is not None and audit.actor_user_id == world.user("owner", "schepen").id
    response = client.post(
        f"{BASE}/versies/{plan.version_id}/nieuw-domein", data=_node_form(code="BD9", title="Facility")
    )
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        domain = db.session.scalar(select(PlanNode).where(PlanNode.code == "BD9"))
        assert domain is not None and domain.parent_id is None and domain.level == "beleidsdomein"
    # An action has nothing below it.
    response = client.get(f"{BASE}/acties/{plan.action_id}/nieuw")
    assert response.status_code == 409 and "Onder een actie" in response.get_data(as_text=True)


def test_edit_a_node_and_bad_input_keeps_what_was_typed(app, world):
    plan = build_plan(world)
    client = _client(app, world)
    response = client.post(f"{BASE}/acties/{plan.action_id}/bewerken", data=_node_form(title="Werving met de regio"))
    assert response.status_code == 303
    node = _read(world, PlanNode, plan.action_id)
    assert (node.title, node.responsible, node.progress_percent) == ("Werving met de regio", "HR-dienst", 40)

    bad = _node_form(title="Getypte titel 7q", progress_percent="150", due_on="2025-12-31", status="klaar")
    response = client.post(f"{BASE}/acties/{plan.action_id}/bewerken", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Geef een vordering van 0 tot 100 %." in page
    assert "Kies een stand uit de lijst." in page
    assert 'value="Getypte titel 7q"' in page and 'value="150"' in page
    response = client.post(
        f"{BASE}/acties/{plan.action_id}/bewerken", data=_node_form(title="Getypte titel 7q", due_on="2025-12-31")
    )
    assert response.status_code == 422 and "De einddatum ligt voor de startdatum." in response.get_data(as_text=True)
    response = client.post(f"{BASE}/acties/{plan.action_id}/bewerken", data=_node_form(code="AP1.1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "De code AP1.1 bestaat al in deze versie." in page
    assert 'value="AP1.1"' in page
    assert _read(world, PlanNode, plan.action_id).title == "Werving met de regio"


def test_update_the_stand(app, world):
    plan = build_plan(world)
    client = _client(app, world)
    response = client.post(
        f"{BASE}/acties/{plan.action_id}/stand", data={"status": "vertraagd", "progress_percent": "55"}
    )
    assert response.status_code == 303
    node = _read(world, PlanNode, plan.action_id)
    assert (node.status, node.progress_percent) == ("vertraagd", 55)
    response = client.post(f"{BASE}/acties/{plan.action_id}/stand", data={"status": "afgerond", "progress_percent": ""})
    assert response.status_code == 303
    node = _read(world, PlanNode, plan.action_id)
    assert (node.status, node.progress_percent) == ("afgerond", 100)
    response = client.post(f"{BASE}/acties/{plan.action_id}/stand", data={"status": "lopend", "progress_percent": "-3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Geef een vordering van 0 tot 100 %." in page and 'value="-3"' in page
    assert _read(world, PlanNode, plan.action_id).status == "afgerond"


def test_budgets_per_year_in_one_form(app, world):
    plan = build_plan(world)
    client = _client(app, world)
    page = client.get(f"{BASE}/acties/{plan.action_id}/budget").get_data(as_text=True)
    assert 'name="expense_2026"' in page and 'name="actual_expense_2028"' in page and "12500,00" in page
    form = {
        "expense_2026": "12.500,50",
        "income_2026": "1000",
        "actual_expense_2026": "3000,25",
        "expense_2027": "9000",
        "expense_2028": "",
    }
    assert client.post(f"{BASE}/acties/{plan.action_id}/budget", data=form).status_code == 303
    with tenant_context(world.tenants["owner"].id):
        rows = db.session.execute(
            select(PlanBudget.year, PlanBudget.expense, PlanBudget.income, PlanBudget.actual_expense)
            .where(PlanBudget.node_id == plan.action_id)
            .order_by(PlanBudget.year)
        ).all()
    assert [tuple(r) for r in rows] == [
        (2026, Decimal("12500.50"), Decimal("1000.00"), Decimal("3000.25")),
        (2027, Decimal("9000.00"), Decimal("0.00"), None),
    ]
    bad = {**form, "expense_2027": "-5", "income_2028": "veel"}
    response = client.post(f"{BASE}/acties/{plan.action_id}/budget", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Geef een bedrag van 0 of meer, met hoogstens twee decimalen." in page
    assert 'value="-5"' in page and 'value="veel"' in page
    with tenant_context(world.tenants["owner"].id):
        count = db.session.scalar(select(func.count(PlanBudget.id)).where(PlanBudget.node_id == plan.action_id))
    assert count == 2


def test_a_budget_year_outside_the_version_is_refused(app, world):
    plan = build_plan(world)
    with tenant_context(world.tenants["owner"].id, user_id=world.user("owner", "ad").id):
        node = db.session.get(PlanNode, plan.action_id)
        try:
            ops.set_budgets(node, [{"year": 2031, "expense": Decimal(1)}])
        except Exception as exc:
            assert "valt buiten het meerjarenplan (2026-2028)" in str(exc)
        else:
            raise AssertionError("a year outside the plan was accepted")
        db.session.rollback()


def test_indicators_add_edit_measure_delete(app, world):
    plan = build_plan(world)
    client = _client(app, world)
    response = client.post(
        f"{BASE}/acties/{plan.action_id}/indicatoren/nieuw",
        data={"name": "Tevredenheid", "unit": "%", "target_value": "75,5", "measured_value": "", "measured_on": ""},
    )
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        made = db.session.scalar(select(PlanIndicator).where(PlanIndicator.name == "Tevredenheid"))
        assert made is not None and made.target_value == Decimal("75.50")
        made_id = made.id
    response = client.post(
        f"{BASE}/acties/{plan.action_id}/indicatoren/nieuw",
        data={"name": "vacatures ingevuld", "unit": "%", "target_value": "veel"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Geef een getal, met hoogstens twee decimalen." in page
    assert 'value="vacatures ingevuld"' in page
    response = client.post(
        f"{BASE}/acties/{plan.action_id}/indicatoren/nieuw",
        data={"name": "vacatures ingevuld", "unit": "%", "target_value": "10"},
    )
    assert response.status_code == 422 and "Deze indicator bestaat al bij dit item." in response.get_data(as_text=True)
    response = client.post(
        f"{BASE}/indicatoren/{made_id}/bewerken",
        data={
            "name": "Tevredenheid inwoners",
            "unit": "%",
            "target_value": "80",
            "measured_value": "",
            "measured_on": "",
        },
    )
    assert response.status_code == 303 and _read(world, PlanIndicator, made_id).name == "Tevredenheid inwoners"
    response = client.post(f"{BASE}/indicatoren/{made_id}/meting", data={"measured_value": "62,5", "measured_on": ""})
    assert response.status_code == 303
    measured = _read(world, PlanIndicator, made_id)
    assert (measured.measured_value, measured.measured_on) == (Decimal("62.50"), clock.today())
    later = (clock.today() + timedelta(days=3)).isoformat()
    response = client.post(f"{BASE}/indicatoren/{made_id}/meting", data={"measured_value": "70", "measured_on": later})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "De meting ligt in de toekomst" in page and f'value="{later}"' in page
    assert _read(world, PlanIndicator, made_id).measured_value == Decimal("62.50")
    response = client.post(f"{BASE}/indicatoren/{made_id}/meting", data={"measured_value": "zestig", "measured_on": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Geef een getal" in page and 'value="zestig"' in page
    assert client.post(f"{BASE}/indicatoren/{made_id}/verwijderen").status_code == 303
    assert _read(world, PlanIndicator, made_id) is None


def test_delete_asks_first_and_takes_what_is_below(app, world):
    plan = build_plan(world)
    client = _client(app, world)
    page = client.get(f"{BASE}/acties/{plan.goal_id}/verwijderen").get_data(as_text=True)
    assert "Definitief verwijderen" in page and "A1.1.1" in page
    assert _read(world, PlanNode, plan.goal_id) is not None
    response = client.post(f"{BASE}/acties/{plan.goal_id}/verwijderen")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/acties/{plan.domain_id}")
    for node_id in (plan.goal_id, plan.plan_id, plan.action_id):
        assert _read(world, PlanNode, node_id) is None
    assert _read(world, PlanIndicator, plan.indicator_id) is None
    assert _read(world, PlanNode, plan.domain_id) is not None


def test_edit_a_version_and_start_an_adjustment(app, world):
    plan = build_plan(world)
    client = _client(app, world)
    response = client.post(
        f"{BASE}/versies/{plan.version_id}/bewerken",
        data={"title": "Meerjarenplan 2026-2028 (goedgekeurd)", "adopted_on": "2025-12-18", "reason": "Raad"},
    )
    assert response.status_code == 303
    version = _read(world, PlanVersion, plan.version_id)
    assert (version.title, version.adopted_on) == ("Meerjarenplan 2026-2028 (goedgekeurd)", date(2025, 12, 18))
    response = client.post(f"{BASE}/versies/{plan.version_id}/bewerken", data={"title": "x", "adopted_on": "gisteren"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "De titel moet tussen 3 en 200 tekens lang zijn." in page
    assert 'value="gisteren"' in page

    response = client.post(f"{BASE}/versies/{plan.version_id}/aanpassing", data={"title": "", "reason": ""})
    assert response.status_code == 422 and "Geef de reden van de aanpassing" in response.get_data(as_text=True)
    response = client.post(
        f"{BASE}/versies/{plan.version_id}/aanpassing", data={"title": "", "reason": "Budgetwijziging 2027"}
    )
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        current = ops.current_version()
        assert current is not None and current.id != plan.version_id and current.reason == "Budgetwijziging 2027"
        assert len(ops.nodes_of(current)) == 4
        new_id = current.id
    assert response.headers["Location"].endswith(f"/versies/{new_id}")
    page = client.get(f"{BASE}/versies/{new_id}").get_data(as_text=True)
    assert "Versie 1" in page and "Versie 2" in page and "Aanpassing starten" in page


def test_an_older_version_stays_readable_and_refuses_every_write(app, world):
    plan = build_plan(world)
    start_adjustment(world)
    client = _client(app, world)
    page = client.get(f"{BASE}/versies/{plan.version_id}").get_data(as_text=True)
    assert "niet meer van kracht" in page and "Nieuw beleidsdomein" not in page
    node_page = client.get(f"{BASE}/acties/{plan.action_id}")
    assert node_page.status_code == 200 and "Budget bewerken" not in node_page.get_data(as_text=True)
    writes = [
        (f"/versies/{plan.version_id}/bewerken", {"title": "Oude versie gewijzigd"}),
        (f"/versies/{plan.version_id}/aanpassing", {"reason": "Nog een"}),
        (f"/versies/{plan.version_id}/nieuw-domein", _node_form(code="BD7")),
        (f"/acties/{plan.plan_id}/nieuw", _node_form(code="A9")),
        (f"/acties/{plan.action_id}/bewerken", _node_form(title="Oud gewijzigd")),
        (f"/acties/{plan.action_id}/stand", {"status": "afgerond"}),
        (f"/acties/{plan.action_id}/budget", {"expense_2026": "1"}),
        (f"/acties/{plan.action_id}/verwijderen", {}),
        (f"/acties/{plan.action_id}/indicatoren/nieuw", {"name": "Nieuw", "target_value": "1"}),
        (f"/indicatoren/{plan.indicator_id}/bewerken", {"name": "Nieuw", "target_value": "1"}),
        (f"/indicatoren/{plan.indicator_id}/meting", {"measured_value": "5"}),
        (f"/indicatoren/{plan.indicator_id}/verwijderen", {}),
    ]
    for path, form in writes:
        response = client.post(BASE + path, data=form)
        assert response.status_code == 409, path
        assert "is niet meer van kracht en kan niet meer gewijzigd worden" in response.get_data(as_text=True), path
    node = _read(world, PlanNode, plan.action_id)
    assert (node.title, node.status, node.progress_percent) == ("Gezamenlijke externe werving", "lopend", 20)
    assert _read(world, PlanIndicator, plan.indicator_id).measured_value is None
    assert _read(world, PlanVersion, plan.version_id).title == "Meerjarenplan 2026-2028"


def test_a_reader_sees_the_pages_but_may_not_write(app, world):
    plan = build_plan(world)
    for role in ("dienst", "raadslid"):
        client = _client(app, world, role)
        page = client.get(f"{BASE}/acties/{plan.action_id}")
        assert page.status_code == 200 and "Budget bewerken" not in page.get_data(as_text=True)
        assert "Bewerken" not in client.get(BASE).get_data(as_text=True)
        assert client.post(f"{BASE}/acties/{plan.action_id}/bewerken", data=_node_form(title="Niet")).status_code == 403
        assert client.get(f"{BASE}/acties/{plan.action_id}/bewerken").status_code == 403
        assert client.post(f"{BASE}/acties/{plan.action_id}/stand", data={"status": "afgerond"}).status_code == 403
        assert client.post(f"{BASE}/indicatoren/{plan.indicator_id}/verwijderen").status_code == 403
    assert _read(world, PlanNode, plan.action_id).title == "Gezamenlijke externe werving"


def test_another_municipality_reaches_no_node_page(app, world):
    plan = build_plan(world, action="Geheime actie 4k")
    for viewer in ("partner", "outsider", "former"):
        client = _client(app, world, tenant=viewer)
        for path in (f"/acties/{plan.action_id}", f"/versies/{plan.version_id}", f"/acties/{plan.action_id}/bewerken"):
            response = client.get(f"/{viewer}/meerjarenplan{path}")
            assert response.status_code == 404 and "Geheime actie 4k" not in response.get_data(as_text=True)
