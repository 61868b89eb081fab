"""Beleidstafels: inventory of existing cooperations (art. 8 Regiodecreet) and their evaluations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables.models import Cooperation, CooperationEvaluation
from tenants.context import tenant_context
from tests.conftest import login
from tests.matrix import token_headers
from tests.test_policy_tables_core import make_meeting, make_table


def client_for(app: Any, world: Any, tenant: str, role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def count(model: Any, tenant: str, world: Any) -> int:
    with tenant_context(world.tenants[tenant].id):
        return int(db.session.scalar(select(func.count(model.id))) or 0)


def register(world: Any, name: str = "Intercommunale Water") -> int:
    tid = world.tenants["owner"].id
    with tenant_context(tid):
        obj = ops.create_cooperation(
            {
                "name": name,
                "legal_form": "intercommunale",
                "region_id": world.regions["a"].id,
                "partner_ids": [world.tenants["partner"].id],
                "kbo_number": "0206.123.416",
            },
            tenant_id=tid,
        )
        db.session.commit()
        return obj.id


def test_register_with_kbo_check_and_region_visibility(app, world):
    chair = client_for(app, world, "owner")
    base = {
        "name": "Politiezone Voorkempen",
        "legal_form": "politiezone",
        "region_id": world.regions["a"].id,
        "domain": "Veiligheid",
        "partner_ids": [world.tenants["partner"].id],
        "started_on": "2015-01-01",
        "contact": "korpschef@pz.test",
    }
    # A KBO number with a wrong check digit: clear message, what was typed stays, nothing stored.
    response = chair.post("/owner/beleidstafels/inventaris/nieuw", data={**base, "kbo_number": "0206.123.417"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "controlegetal" in text and "Politiezone Voorkempen" in text
    response = chair.post("/owner/beleidstafels/inventaris/nieuw", data={**base, "kbo_number": "12345"})
    assert response.status_code == 422 and "tien cijfers" in response.get_data(as_text=True)
    response = chair.post("/owner/beleidstafels/inventaris/nieuw", data={**base, "legal_form": "vzw"})
    assert response.status_code == 422
    outsider = {**base, "partner_ids": [world.tenants["outsider"].id]}
    response = chair.post("/owner/beleidstafels/inventaris/nieuw", data=outsider)
    assert response.status_code == 422 and "lid zijn van het samenwerkingsverband" in response.get_data(as_text=True)
    assert count(Cooperation, "owner", world) == 0
    response = chair.post("/owner/beleidstafels/inventaris/nieuw", data={**base, "kbo_number": "BE 0206.123.416"})
    assert response.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        obj = db.session.scalar(select(Cooperation))
        assert obj.kbo_number == "0206123416" and obj.audience == "region"
        assert sorted(obj.partner_ids) == sorted([world.tenants["owner"].id, world.tenants["partner"].id])
        obj_id = obj.id
    assert chair.post("/owner/beleidstafels/inventaris/nieuw", data=base).status_code == 422  # same name: 409 msg
    for viewer, status in [("partner", 200), ("former", 404), ("outsider", 404)]:
        client = client_for(app, world, viewer)
        response = client.get(f"/{viewer}/beleidstafels/inventaris/{obj_id}")
        assert response.status_code == status, viewer
        listing = client.get(f"/{viewer}/beleidstafels/inventaris?rechtsvorm=politiezone").get_data(as_text=True)
        assert ("Politiezone Voorkempen" in listing) == (status == 200), viewer
    page = client_for(app, world, "partner").get(f"/partner/beleidstafels/inventaris/{obj_id}").get_data(as_text=True)
    assert "0206.123.416" in page and "Politiezone" in page
    # Only the registering municipality edits it.
    edit = f"/partner/beleidstafels/inventaris/{obj_id}/bewerken"
    assert client_for(app, world, "partner").post(edit, data={"name": "Overgenomen"}).status_code == 404
    response = chair.post(
        f"/owner/beleidstafels/inventaris/{obj_id}/bewerken",
        data={"name": "Politiezone Voorkempen", "legal_form": "politiezone", "kbo_number": "", "domain": "Politie"},
    )
    assert response.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        obj = db.session.get(Cooperation, obj_id)
        assert obj.domain == "Politie" and obj.kbo_number == "" and obj.partner_ids == [world.tenants["owner"].id]


def test_evaluations_at_a_chaired_meeting_keep_history(app, world):
    coop_id = register(world)
    table_id = make_table(world)
    first = make_meeting(world, table_id, days=-60)
    second = make_meeting(world, table_id, days=-5)
    chair = client_for(app, world, "owner")
    url = f"/owner/beleidstafels/inventaris/{coop_id}/evaluaties"
    scores = {"score_effectiveness": 4, "score_efficiency": 3, "score_service": 5, "score_governance": 2}
    bad = chair.post(url, data={**scores, "score_service": 9, "meeting_id": first, "recommendation": "bijsturen"})
    assert bad.status_code == 422 and "score van 1 tot 5" in bad.get_data(as_text=True)
    assert chair.post(url, data={**scores, "meeting_id": first, "recommendation": "weg"}).status_code == 422
    assert count(CooperationEvaluation, "owner", world) == 0
    assert chair.post(url, data={**scores, "meeting_id": first, "recommendation": "bijsturen"}).status_code == 302
    data = {**scores, "score_governance": 4, "meeting_id": second, "recommendation": "voortzetten", "notes": "Beter"}
    assert chair.post(url, data=data).status_code == 302
    # The partner reads the history but cannot evaluate at a meeting it does not chair.
    partner = client_for(app, world, "partner")
    response = partner.post(
        f"/partner/beleidstafels/inventaris/{coop_id}/evaluaties",
        data={**scores, "meeting_id": first, "recommendation": "stopzetten"},
    )
    assert response.status_code == 422 and "voorzit" in response.get_data(as_text=True)
    api = app.test_client().get(
        f"/api/v1/policy-tables/cooperations/{coop_id}/evaluations", headers=token_headers(world.user("partner"))
    )
    assert [e["recommendation"] for e in api.get_json()] == ["voortzetten", "bijsturen"]
    page = partner.get(f"/partner/beleidstafels/inventaris/{coop_id}").get_data(as_text=True)
    assert "Voortzetten" in page and "Bijsturen" in page and "Stopzetten" not in page


def test_inventory_api(app, world):
    client = app.test_client()
    partner, outsider = token_headers(world.user("partner")), token_headers(world.user("outsider"))
    created = client.post(
        "/api/v1/policy-tables/cooperations",
        headers=partner,
        json={
            "name": "Projectvereniging Erfgoed",
            "legal_form": "projectvereniging",
            "region_id": world.regions["a"].id,
            "kbo_number": "0412345614",
        },
    )
    assert created.status_code == 201 and created.get_json()["registered_by"]["id"] == world.tenants["partner"].id
    coop_id = created.get_json()["id"]
    bad = client.post(
        "/api/v1/policy-tables/cooperations",
        headers=partner,
        json={
            "name": "Fout",
            "legal_form": "informeel",
            "region_id": world.regions["a"].id,
            "kbo_number": "0412345615",
        },
    )
    assert bad.status_code == 422
    assert client.get(f"/api/v1/policy-tables/cooperations/{coop_id}", headers=outsider).status_code == 404
    assert client.get("/api/v1/policy-tables/cooperations", headers=outsider).get_json()["items"] == []
    owner = token_headers(world.user("owner"))
    assert [c["id"] for c in client.get("/api/v1/policy-tables/cooperations", headers=owner).get_json()["items"]] == [
        coop_id
    ]
    assert (
        client.patch(f"/api/v1/policy-tables/cooperations/{coop_id}", headers=owner, json={"domain": "x"}).status_code
        == 404
    )
    patched = client.patch(f"/api/v1/policy-tables/cooperations/{coop_id}", headers=partner, json={"domain": "Erfgoed"})
    assert patched.status_code == 200 and patched.get_json()["domain"] == "Erfgoed"
