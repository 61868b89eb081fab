"""The meerjarenplan API: versions, nodes, budgets, indicators and measurements of the own plan."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portal.core.audit import AuditEntry
from portal.extensions import db
from portal.plans.models import PlanBudget, PlanIndicator, PlanNode, PlanVersion
from tenants.context import tenant_context
from tests import clock
from tests.matrix import token_headers
from tests.plans_edit_helpers import build_plan

API = "/api/v1/plans"


def _api(app: Any, world: Any, role: str = "ad", tenant: str = "owner") -> tuple[Any, dict[str, str]]:
    return app.test_client(), token_headers(world.user(tenant, role))


def _read(world: Any, model: Any, object_id: int) -> Any:
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        return db.session.get(model, object_id)


def test_versions_and_the_nodes_of_a_version_in_pages(app, world):
    plan = build_plan(world)
    client, headers = _api(app, world, "raadslid")
    versions = client.get(f"{API}/versions", headers=headers)
    assert versions.status_code == 200
    assert [v["id"] for v in versions.json["items"]] == [plan.version_id]
    assert versions.json["items"][0]["owner"]["slug"] == "owner"
    one = client.get(f"{API}/versions/{plan.version_id}", headers=headers).json
    assert (one["first_year"], one["last_year"], one["number"]) == (2026, 2028, 1)
    nodes = client.get(f"{API}/versions/{plan.version_id}/nodes?per_page=2", headers=headers).json
    assert nodes["pagination"]["total"] == 4 and len(nodes["items"]) == 2
    assert [n["level"] for n in nodes["items"]] == ["beleidsdomein", "beleidsdoelstelling"]
    rest = client.get(f"{API}/versions/{plan.version_id}/nodes?per_page=2&page=2", headers=headers).json["items"]
    action = rest[-1]
    assert action["code"] == "A1.1.1" and action["budgets"][0] == {
        "year": 2026,
        "expense": "12500.00",
        "income": "0.00",
        "actual_expense": None,
    }
    assert action["indicators"][0]["name"] == "Vacatures ingevuld"
    assert client.get(f"{API}/nodes/{plan.action_id}", headers=headers).json["progress_percent"] == 20


def test_create_change_and_delete_nodes(app, world):
    plan = build_plan(world)
    client, headers = _api(app, world)
    body = {
        "level": "actie",
        "parent_id": plan.plan_id,
        "code": "A1.1.2",
        "title": "Samen vormen",
        "progress_percent": 10,
    }
    created = client.post(f"{API}/versions/{plan.version_id}/nodes", headers=headers, json=body)
    assert created.status_code == 201, created.json
    node_id = created.json["id"]
    assert created.json["parent_id"] == plan.plan_id and created.json["status"] == "niet_gestart"
    again = client.post(f"{API}/versions/{plan.version_id}/nodes", headers=headers, json=body)
    assert again.status_code == 422 and "De code A1.1.2 bestaat al in deze versie." in again.get_data(as_text=True)
    wrong_parent = client.post(
        f"{API}/versions/{plan.version_id}/nodes",
        headers=headers,
        json={**body, "code": "X", "parent_id": plan.goal_id},
    )
    assert wrong_parent.status_code == 422 and "Kies als bovenliggend niveau een actieplan" in wrong_parent.get_data(
        as_text=True
    )
    on_top = client.post(
        f"{API}/versions/{plan.version_id}/nodes",
        headers=headers,
        json={"level": "beleidsdomein", "parent_id": plan.domain_id, "code": "BD8", "title": "Te hoog"},
    )
    assert on_top.status_code == 422 and "Een beleidsdomein staat bovenaan" in on_top.get_data(as_text=True)
    put = client.put(
        f"{API}/nodes/{node_id}",
        headers=headers,
        json={
            "code": "A1.1.2",
            "title": "Samen vormen met de regio",
            "starts_on": "2026-03-01",
            "due_on": "2026-09-30",
        },
    )
    assert put.status_code == 200 and put.json["title"] == "Samen vormen met de regio"
    status = client.put(f"{API}/nodes/{node_id}/status", headers=headers, json={"status": "afgerond"})
    assert status.status_code == 200 and (status.json["status"], status.json["progress_percent"]) == ("afgerond", 100)
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.object_type == "plan_nodes", AuditEntry.object_id == node_id, AuditEntry.action == "update"
            )
        )
    assert client.delete(f"{API}/nodes/{node_id}", headers=headers).status_code == 204
    assert _read(world, PlanNode, node_id) is None


def test_bad_input_answers_422_in_dutch_and_changes_nothing(app, world):
    plan = build_plan(world)
    client, headers = _api(app, world)
    cases = [
        ({"code": "A1.1.1", "title": "Werving", "progress_percent": 150}, "Geef een vordering van 0 tot 100 %."),
        ({"code": "A1.1.1", "title": "Werving", "status": "klaar"}, "Kies een stand uit de lijst."),
        (
            {"code": "A1.1.1", "title": "Werving", "starts_on": "2026-05-01", "due_on": "2026-04-01"},
            "De einddatum ligt voor de startdatum.",
        ),
        ({"code": "BD1", "title": "Werving"}, "De code BD1 bestaat al in deze versie."),
    ]
    for body, message in cases:
        response = client.put(f"{API}/nodes/{plan.action_id}", headers=headers, json=body)
        assert response.status_code == 422, body
        assert message in response.get_data(as_text=True), body
    node = _read(world, PlanNode, plan.action_id)
    assert (node.code, node.title, node.status, node.progress_percent) == (
        "A1.1.1",
        "Gezamenlijke externe werving",
        "lopend",
        20,
    )


def test_budgets_are_replaced_per_year_inside_the_version(app, world):
    plan = build_plan(world)
    client, headers = _api(app, world, "beheerder")
    rows = [
        {"year": 2026, "expense": "1000.50", "income": "200", "actual_expense": "300"},
        {"year": 2027, "expense": 2000},
    ]
    response = client.put(f"{API}/nodes/{plan.action_id}/budgets", headers=headers, json={"budgets": rows})
    assert response.status_code == 200
    assert [(b["year"], b["expense"]) for b in response.json["budgets"]] == [(2026, "1000.50"), (2027, "2000.00")]
    outside = client.put(
        f"{API}/nodes/{plan.action_id}/budgets", headers=headers, json={"budgets": [{"year": 2031, "expense": 1}]}
    )
    assert outside.status_code == 422 and "valt buiten het meerjarenplan (2026-2028)" in outside.get_data(as_text=True)
    twice = client.put(
        f"{API}/nodes/{plan.action_id}/budgets",
        headers=headers,
        json={"budgets": [{"year": 2026, "expense": 1}, {"year": 2026, "expense": 2}]},
    )
    assert twice.status_code == 422 and "staat twee keer" in twice.get_data(as_text=True)
    negative = client.put(
        f"{API}/nodes/{plan.action_id}/budgets", headers=headers, json={"budgets": [{"year": 2026, "expense": -1}]}
    )
    assert negative.status_code == 422 and "Geef een bedrag van 0 of meer" in negative.get_data(as_text=True)
    with tenant_context(world.tenants["owner"].id):
        kept = db.session.execute(
            select(PlanBudget.year, PlanBudget.expense).where(PlanBudget.node_id == plan.action_id)
        ).all()
    assert sorted(map(tuple, kept)) == [(2026, Decimal("1000.50")), (2027, Decimal("2000.00"))]


def test_indicators_and_a_measurement(app, world):
    plan = build_plan(world)
    client, headers = _api(app, world)
    created = client.post(
        f"{API}/nodes/{plan.action_id}/indicators",
        headers=headers,
        json={"name": "Doorlooptijd", "unit": "dagen", "target_value": "30"},
    )
    assert created.status_code == 201 and created.json["target_value"] == "30.00"
    indicator_id = created.json["id"]
    duplicate = client.post(
        f"{API}/nodes/{plan.action_id}/indicators", headers=headers, json={"name": "doorlooptijd", "target_value": 1}
    )
    assert duplicate.status_code == 422 and "Deze indicator bestaat al bij dit item." in duplicate.get_data(
        as_text=True
    )
    changed = client.put(
        f"{API}/indicators/{indicator_id}",
        headers=headers,
        json={"name": "Doorlooptijd aanwerving", "unit": "dagen", "target_value": 25},
    )
    assert changed.status_code == 200 and changed.json["name"] == "Doorlooptijd aanwerving"
    measured = client.post(f"{API}/indicators/{indicator_id}/measurement", headers=headers, json={"measured_value": 41})
    assert measured.status_code == 200
    assert (measured.json["measured_value"], measured.json["measured_on"]) == ("41.00", clock.today().isoformat())
    future = client.post(
        f"{API}/indicators/{indicator_id}/measurement",
        headers=headers,
        json={"measured_value": 1, "measured_on": (clock.today() + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 422 and "De meting ligt in de toekomst" in future.get_data(as_text=True)
    bad = client.post(f"{API}/indicators/{indicator_id}/measurement", headers=headers, json={"measured_value": "veel"})
    assert bad.status_code == 422 and "Geef een getal" in bad.get_data(as_text=True)
    assert client.get(f"{API}/indicators/{indicator_id}", headers=headers).json["measured_value"] == "41.00"
    assert client.delete(f"{API}/indicators/{indicator_id}", headers=headers).status_code == 204
    assert _read(world, PlanIndicator, indicator_id) is None


def test_an_adjustment_leaves_the_old_version_read_only(app, world):
    plan = build_plan(world)
    client, headers = _api(app, world)
    edited = client.put(
        f"{API}/versions/{plan.version_id}",
        headers=headers,
        json={"title": "Meerjarenplan (vastgesteld)", "adopted_on": "2025-12-18"},
    )
    assert edited.status_code == 200 and edited.json["adopted_on"] == "2025-12-18"
    made = client.post(f"{API}/versions/{plan.version_id}/adjustment", headers=headers, json={"reason": "Budget 2027"})
    assert made.status_code == 201 and made.json["number"] == 2 and made.json["title"] == "Meerjarenplan (vastgesteld)"
    old = [
        ("put", f"/versions/{plan.version_id}", {"title": "Oude versie"}),
        ("post", f"/versions/{plan.version_id}/adjustment", {"reason": "Nog een"}),
        ("post", f"/versions/{plan.version_id}/nodes", {"level": "beleidsdomein", "code": "BD5", "title": "Nieuw"}),
        ("put", f"/nodes/{plan.action_id}", {"code": "A1.1.1", "title": "Oud gewijzigd"}),
        ("put", f"/nodes/{plan.action_id}/status", {"status": "afgerond"}),
        ("put", f"/nodes/{plan.action_id}/budgets", {"budgets": []}),
        ("delete", f"/nodes/{plan.action_id}", None),
        ("post", f"/nodes/{plan.action_id}/indicators", {"name": "Nieuw", "target_value": 1}),
        ("put", f"/indicators/{plan.indicator_id}", {"name": "Nieuw", "target_value": 1}),
        ("post", f"/indicators/{plan.indicator_id}/measurement", {"measured_value": 1}),
        ("delete", f"/indicators/{plan.indicator_id}", None),
    ]
    for method, path, body in old:
        response = getattr(client, method)(API + path, headers=headers, json=body)
        assert response.status_code == 409, (method, path, response.status_code)
        assert "is niet meer van kracht" in response.get_data(as_text=True)
    assert client.get(f"{API}/nodes/{plan.action_id}", headers=headers).json["title"] == "Gezamenlijke externe werving"
    assert _read(world, PlanVersion, plan.version_id).title == "Meerjarenplan (vastgesteld)"
    assert len(client.get(f"{API}/versions", headers=headers).json["items"]) == 2


def test_a_reader_may_read_but_not_write(app, world):
    plan = build_plan(world)
    client, headers = _api(app, world, "dienst")
    assert client.get(f"{API}/nodes/{plan.action_id}", headers=headers).status_code == 200
    writes = [
        client.put(f"{API}/nodes/{plan.action_id}", headers=headers, json={"code": "A1.1.1", "title": "Niet"}),
        client.delete(f"{API}/indicators/{plan.indicator_id}", headers=headers),
        client.post(
            f"{API}/versions/{plan.version_id}/adjustment", headers=headers, json={"reason": "Niet toegelaten"}
        ),
    ]
    assert [w.status_code for w in writes] == [403, 403, 403]
    assert _read(world, PlanNode, plan.action_id).title == "Gezamenlijke externe werving"


def test_another_municipality_gets_404_and_sees_no_plan(app, world):
    plan = build_plan(world, action="Geheime API-actie 3z")
    for viewer in ("partner", "outsider", "former"):
        client, headers = _api(app, world, tenant=viewer)
        assert client.get(f"{API}/versions", headers=headers).json["items"] == []
        for path in (
            f"/nodes/{plan.action_id}",
            f"/versions/{plan.version_id}/nodes",
            f"/indicators/{plan.indicator_id}",
        ):
            response = client.get(API + path, headers=headers)
            assert response.status_code == 404 and "Geheime API-actie 3z" not in response.get_data(as_text=True)
        refused = client.put(
            f"{API}/nodes/{plan.action_id}", headers=headers, json={"code": "X1", "title": "Overgenomen"}
        )
        assert refused.status_code == 404
    assert _read(world, PlanNode, plan.action_id).code == "A1.1.1"


def test_the_openapi_document_lists_the_plan_endpoints(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/plans/versions",
        "/api/v1/plans/versions/{version_id}",
        "/api/v1/plans/versions/{version_id}/adjustment",
        "/api/v1/plans/versions/{version_id}/nodes",
        "/api/v1/plans/nodes/{node_id}",
        "/api/v1/plans/nodes/{node_id}/status",
        "/api/v1/plans/nodes/{node_id}/budgets",
        "/api/v1/plans/nodes/{node_id}/indicators",
        "/api/v1/plans/indicators/{indicator_id}",
        "/api/v1/plans/indicators/{indicator_id}/measurement",
    ):
        assert path in paths, path
