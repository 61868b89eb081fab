"""Gedeelde HR: the shared function catalogue, each municipality's grade and the comparison."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.extensions import db
from portal.hr import operations as ops
from portal.hr.models import FunctionGrade, JobFunction
from tenants.context import tenant_context
from tests.conftest import login
from tests.matrix import token_headers


def make_function(world: Any, title: str = "Deskundige personeel", *, audience: str = "region") -> int:
    hr = world.user("owner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        data: dict[str, Any] = {"title": title, "level": "B", "family": "Ondersteuning", "purpose": "Adviseert.",
                                "tasks": "", "competences": "", "audience": audience}  # fmt: skip
        if audience == "region":
            data["region_id"] = world.regions["a"].id
        obj = ops.create_function(data)
        db.session.commit()
        return obj.id


def grade(world: Any, tenant: str, function_id: int, low: str, high: str | None = None) -> None:
    hr = world.user(tenant, "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        ops.set_grade(db.session.get_one(JobFunction, function_id), {"grade_min": low, "grade_max": high})
        db.session.commit()


def client_for(app: Any, world: Any, tenant: str, role: str = "hr") -> Any:
    c = app.test_client()
    login(c, world.user(tenant, role))
    return c


def test_partner_grades_a_shared_function_in_its_own_row(app, world):
    function_id = make_function(world)
    partner = client_for(app, world, "partner")
    page = partner.get(f"/partner/hr/functies/{function_id}")
    assert page.status_code == 200 and "Deskundige personeel" in page.text
    saved = partner.post(f"/partner/hr/functies/{function_id}/weging", data={"grade_min": "B1", "grade_max": "B3"})
    assert saved.status_code == 200 and "B1-B3" in saved.text
    with tenant_context(world.tenants["partner"].id):
        assert db.session.scalar(select(func.count()).select_from(FunctionGrade)) == 1
    # The owner reads the partner's grade, but the row stays the partner's.
    owner = client_for(app, world, "owner")
    assert "B1-B3" in owner.get(f"/owner/hr/functies/{function_id}").text
    with tenant_context(world.tenants["owner"].id):
        row = db.session.scalar(select(FunctionGrade))
        assert row is not None and row.tenant_id == world.tenants["partner"].id
    # Changing it again updates the same row.
    partner.post(f"/partner/hr/functies/{function_id}/weging", data={"grade_min": "B2", "grade_max": ""})
    with tenant_context(world.tenants["partner"].id):
        db.session.expire_all()
        assert [(g.grade_min, g.grade_max) for g in db.session.scalars(select(FunctionGrade))] == [("B2", "B2")]
    # A partner cannot edit the description itself.
    assert (
        partner.post(f"/partner/hr/functies/{function_id}/bewerken", data={"title": "X", "level": "A"}).status_code
        == 404
    )


def test_comparison_flags_where_grades_differ_and_hides_outsiders(app, world):
    same = make_function(world, "Administratief medewerker")
    differ = make_function(world, "Omgevingsambtenaar")
    grade(world, "owner", same, "C1", "C3")
    grade(world, "partner", same, "C1", "C3")
    grade(world, "owner", differ, "A1a", "A2a")
    grade(world, "partner", differ, "B4", "B5")
    grade(world, "outsider", make_function_of(world, "outsider", "Geheim buiten de regio"), "D1")
    with tenant_context(world.tenants["owner"].id):
        rows = {r["function"].title: r for r in ops.function_comparison()}
    assert rows["Administratief medewerker"]["differs"] is False
    assert rows["Omgevingsambtenaar"]["differs"] is True
    assert "Geheim buiten de regio" not in rows
    page = client_for(app, world, "owner").get("/owner/hr/functies/vergelijking?verschillen=1")
    assert "Omgevingsambtenaar" in page.text and "Administratief medewerker" not in page.text
    assert "A1a-A2a" in page.text and "B4-B5" in page.text
    assert "Geheim buiten de regio" not in page.text
    outsider = client_for(app, world, "outsider")
    assert outsider.get(f"/outsider/hr/functies/{differ}").status_code == 404
    assert "Omgevingsambtenaar" not in outsider.get("/outsider/hr/functies/vergelijking").text


def make_function_of(world: Any, tenant: str, title: str) -> int:
    hr = world.user(tenant, "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        obj = ops.create_function({"title": title, "level": "D", "audience": "own"})
        db.session.commit()
        return obj.id


def test_bad_function_and_grade_input(app, world):
    hr = client_for(app, world, "owner")
    bad = hr.post("/owner/hr/functies/nieuw", data={"title": "Jurist", "level": "Z", "family": "Juridische dienst"})
    assert bad.status_code == 422 and "Kies een niveau" in bad.text and 'value="Juridische dienst"' in bad.text
    function_id = make_function(world)
    dup = hr.post("/owner/hr/functies/nieuw", data={"title": "Deskundige personeel", "level": "B"})
    assert dup.status_code == 422 and "al een functie met deze titel" in dup.text
    reversed_ = hr.post(f"/owner/hr/functies/{function_id}/weging", data={"grade_min": "B3", "grade_max": "B1"})
    assert reversed_.status_code == 422 and "hoogste weddeschaal ligt onder de laagste" in reversed_.text
    unknown = hr.post(f"/owner/hr/functies/{function_id}/weging", data={"grade_min": "Z9"})
    assert unknown.status_code == 422 and "geldige weddeschaal" in unknown.text
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(select(func.count()).select_from(FunctionGrade)) == 0
        assert db.session.scalar(select(func.count()).select_from(JobFunction)) == 1
    # Only HR and the AD grade.
    staff = client_for(app, world, "owner", "dienst")
    assert staff.post(f"/owner/hr/functies/{function_id}/weging", data={"grade_min": "B1"}).status_code == 403


def test_api_function_catalogue(client, world):
    hr = token_headers(world.user("owner", "hr"))
    body = {"title": "Preventieadviseur", "level": "B", "audience": "region", "region_id": world.regions["a"].id}
    created = client.post("/api/v1/functions", json=body, headers=hr)
    assert created.status_code == 201, created.json
    function_id = created.json["id"]
    assert client.post("/api/v1/functions", json={**body, "level": "X"}, headers=hr).status_code == 422
    partner = token_headers(world.user("partner", "hr"))
    put = client.put(f"/api/v1/functions/{function_id}/grade", json={"grade_min": "B1", "grade_max": "B3"},
                     headers=partner)  # fmt: skip
    assert put.status_code == 200 and put.json["municipality"]["slug"] == "partner"
    detail = client.get(f"/api/v1/functions/{function_id}", headers=hr).json
    assert detail["owner"]["slug"] == "owner" and [g["grade_max"] for g in detail["grades"]] == ["B3"]
    comparison = client.get("/api/v1/functions/comparison", headers=hr).json
    assert comparison[0]["function"]["id"] == function_id and comparison[0]["differs"] is False
    outsider = token_headers(world.user("outsider", "hr"))
    assert client.get(f"/api/v1/functions/{function_id}", headers=outsider).status_code == 404
    assert client.put(f"/api/v1/functions/{function_id}/grade", json={"grade_min": "B1"},
                      headers=outsider).status_code == 404  # fmt: skip


def test_vacancy_form_suggests_functions_of_the_shared_catalogue(app, world):
    make_function(world, "Stedenbouwkundige")
    make_function_of(world, "outsider", "Functie buiten de regio")
    page = client_for(app, world, "partner").get("/partner/hr/vacatures/nieuw")
    assert '<option value="Stedenbouwkundige">' in page.text
    assert "Functie buiten de regio" not in page.text
