"""Meerjarenplan: import with per-line Dutch errors, the own plan only, versions keep old links, money."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.plans import imports, links
from portal.plans import operations as ops
from portal.plans.models import Level, LinkType, PlanLink, PlanNode, PlanVersion
from tenants.context import tenant_context
from tests.conftest import login

HEADER = ";".join(imports.HEADER)
ROWS = (
    "BD1;Personeel en organisatie;BDS1;Een aantrekkelijke werkgever;AP1.1;Samen werven;"
    "A1.1.1;Gezamenlijke externe werving;Algemeen directeur;2026;12500,00;0;2026-12-31;lopend\n"
    "BD1;Personeel en organisatie;BDS1;Een aantrekkelijke werkgever;AP1.1;Samen werven;"
    "A1.1.1;Gezamenlijke externe werving;Algemeen directeur;2027;10000;0;2026-12-31;lopend\n"
    "BD2;Facility;BDS2;Zuinig aankopen;AP2.1;Aankopen bundelen;"
    "A2.1.1;Gezamenlijke aankoop nadarhekken;Aankoopdienst;2026;40000;0;;\n"
)


def _client(app: Any, world: Any, tenant: str = "owner", role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def _csv(text: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode("utf-8-sig")), "meerjarenplan.csv"


def _versions(world: Any, tenant: str = "owner") -> int:
    with tenant_context(world.tenants[tenant].id):
        return int(db.session.scalar(select(func.count()).select_from(PlanVersion)) or 0)


def test_import_builds_the_tree_with_budgets_per_year(app, world):
    client = _client(app, world)
    response = client.post("/owner/meerjarenplan/importeren", data={"file": _csv(HEADER + "\n" + ROWS)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with tenant_context(world.tenants["owner"].id):
        version = ops.current_version()
        assert version is not None and (version.first_year, version.last_year) == (2026, 2027)
        nodes = {n.code: n for n in ops.nodes_of(version)}
        assert nodes["A1.1.1"].level == Level.ACTIE
        assert nodes["A1.1.1"].parent_id == nodes["AP1.1"].id
        assert [(b.year, str(b.expense)) for b in nodes["A1.1.1"].budgets] == [(2026, "12500.00"), (2027, "10000.00")]
        header, rows = imports.export_rows(version)
        assert header == imports.HEADER and len(rows) == 3
    page = client.get("/owner/meerjarenplan").get_data(as_text=True)
    assert "Gezamenlijke externe werving" in page
    assert client.get("/owner/meerjarenplan/export.xlsx").status_code == 200
    assert "A2.1.1" in client.get("/owner/meerjarenplan/export.csv").get_data(as_text=True)


def test_one_bad_row_changes_nothing_and_names_each_line(app, world):
    client = _client(app, world)
    before = _versions(world)
    bad = HEADER + "\n" + ROWS + "BD3;;BDS3;Doel;AP3;Plan;A3;Actie;X;twintig;-5;0;31/12/2026;klaar\n"
    response = client.post("/owner/meerjarenplan/importeren", data={"file": _csv(bad)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Regel 5, beleidsdomein: vul de omschrijving in." in page
    assert "Regel 5, boekjaar" in page and "Regel 5, uitgaven" in page and "Regel 5, einddatum" in page
    assert _versions(world) == before


def test_a_code_with_two_titles_and_missing_columns_are_refused(app, world):
    client = _client(app, world)
    before = _versions(world)
    clash = HEADER + "\n" + ROWS + ROWS.splitlines()[2].replace("Facility", "Iets anders") + "\n"
    page = client.post("/owner/meerjarenplan/importeren", data={"file": _csv(clash)}).get_data(as_text=True)
    assert "de code BD2 heeft op regel 4 een andere omschrijving" in page
    response = client.post("/owner/meerjarenplan/importeren", data={"file": _csv("code;titel\nA;B\n")})
    assert response.status_code == 422 and "Deze kolommen ontbreken" in response.get_data(as_text=True)
    assert _versions(world) == before


def test_xlsx_import(app, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(imports.HEADER)
    for line in ROWS.splitlines():
        sheet.append(line.split(";"))
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    client = _client(app, world, "partner")
    before = _versions(world, "partner")
    response = client.post("/partner/meerjarenplan/importeren", data={"file": (out, "plan.xlsx")})
    assert response.status_code == 302
    assert _versions(world, "partner") == before + 1


def test_a_plan_is_never_seen_by_another_municipality(app, world):
    owner = _client(app, world)
    owner.post(
        "/owner/meerjarenplan/importeren",
        data={"file": _csv(HEADER + "\n" + ROWS.replace("Facility", "Geheim domein 7x"))},
    )
    for viewer in ("partner", "outsider", "former"):
        if viewer not in world.tenants:
            continue
        client = _client(app, world, viewer)
        page = client.get(f"/{viewer}/meerjarenplan").get_data(as_text=True)
        assert "Geheim domein 7x" not in page
        assert "Geheim domein 7x" not in client.get(f"/{viewer}/meerjarenplan/export.csv").get_data(as_text=True)
        assert client.get("/owner/meerjarenplan").status_code in (302, 403, 404)
        with tenant_context(world.tenants[viewer].id):
            titles = set(db.session.scalars(select(PlanNode.title)))
            assert "Geheim domein 7x" not in titles


def test_raadslid_reads_but_does_not_import(app, world):
    client = _client(app, world, role="raadslid")
    assert client.get("/owner/meerjarenplan").status_code == 200
    assert client.post("/owner/meerjarenplan/importeren", data={"file": _csv(HEADER + "\n" + ROWS)}).status_code == 403


def test_new_version_keeps_old_links_and_carries_them_by_code(app, world):
    owner_id = world.tenants["owner"].id
    partner_id = world.tenants["partner"].id
    client = _client(app, world)
    client.post("/owner/meerjarenplan/importeren", data={"file": _csv(HEADER + "\n" + ROWS)})
    ad = world.user("owner", "ad")
    with tenant_context(owner_id, user_id=ad.id):
        first = ops.current_version()
        action = next(n for n in ops.nodes_of(first) if n.code == "A2.1.1")
        links.link_object(action, {"object_type": LinkType.RENTAL_PARTNER, "object_id": partner_id})
        db.session.commit()
    client.post("/owner/meerjarenplan/importeren", data={"file": _csv(HEADER + "\n" + ROWS), "reason": "Aanpassing"})
    with tenant_context(owner_id, user_id=ad.id):
        second = ops.current_version()
        assert second.number == first.number + 1
        carried = db.session.scalars(select(PlanLink).join(PlanNode).where(PlanNode.version_id == second.id)).all()
        old = db.session.scalars(select(PlanLink).join(PlanNode).where(PlanNode.version_id == first.id)).all()
        assert len(carried) == 1 and len(old) == 1
        assert links.resolve(carried[0]).visible
        money = links.MoneyReader().of_link(carried[0])
        assert money.rental_income >= 0
        copy = ops.copy_version(second, {"reason": "Budgetwijziging"})
        assert len(ops.nodes_of(copy)) == len(ops.nodes_of(second))
        db.session.rollback()


def test_a_link_to_an_object_no_longer_visible_shows_nothing(app, world):
    owner_id = world.tenants["owner"].id
    client = _client(app, world)
    client.post("/owner/meerjarenplan/importeren", data={"file": _csv(HEADER + "\n" + ROWS)})
    ad = world.user("owner", "ad")
    with tenant_context(owner_id, user_id=ad.id):
        action = next(n for n in ops.nodes_of(ops.current_version()) if n.level == Level.ACTIE)
        # A link row to an object the owner cannot read (no such dossier): resolved as invisible, no money.
        link = PlanLink(node_id=action.id, object_type=LinkType.PROCUREMENT_DOSSIER, object_id=987654)
        db.session.add(link)
        db.session.flush()
        assert not links.resolve(link).visible
        assert links.MoneyReader().of_link(link).procurement_saving == 0
        try:
            links.link_object(action, {"object_type": LinkType.PROCUREMENT_DOSSIER, "object_id": 987655})
        except Exception as exc:
            assert "mag het niet zien" in str(exc)
        else:
            raise AssertionError("a link to an invisible object was made")
        db.session.rollback()


def test_deviations_flag_late_over_budget_and_stopped(app, world):
    owner_id = world.tenants["owner"].id
    _client(app, world).post("/owner/meerjarenplan/importeren", data={"file": _csv(HEADER + "\n" + ROWS)})
    from datetime import date
    from decimal import Decimal

    with tenant_context(owner_id):
        action = next(n for n in ops.nodes_of(ops.current_version()) if n.code == "A1.1.1")
        assert ops.deviations(action, date(2027, 1, 5)) == ["te laat"]
        action.budgets[0].actual_expense = Decimal("20000")
        assert "over budget" in ops.deviations(action, date(2026, 6, 1))
        action.status = "stopgezet"
        assert ops.deviations(action, date(2026, 6, 1))[0] == "stopgezet"
        db.session.rollback()


def test_the_budget_summary_in_sql_equals_the_sums_of_the_budget_rows(app, world):
    """The tree pages read ``budget_summary``; it must give what the rows give one by one."""
    from decimal import Decimal

    owner_id = world.tenants["owner"].id
    _client(app, world).post("/owner/meerjarenplan/importeren", data={"file": _csv(HEADER + "\n" + ROWS)})
    with tenant_context(owner_id):
        version = ops.current_version()
        nodes = ops.nodes_of(version)
        overspent = next(n for n in nodes if n.budgets)
        overspent.budgets[0].actual_expense = overspent.budgets[0].expense + Decimal("0.01")
        db.session.flush()
        summary = ops.budget_summary(version)
        assert any(not n.budgets for n in nodes)  # parents have none: the zero summary
        for node in nodes:
            totals = ops.budget_totals([node])
            got = summary[node.id]
            assert (got.expense, got.income, got.actual_expense) == (
                totals["expense"],
                totals["income"],
                totals["actual_expense"],
            ), node.code
            assert got.over_budget == ("over budget" in ops.deviations(node)), node.code
        assert summary[overspent.id].over_budget
        assert sum(summary[n.id].expense for n in nodes) > 0
        db.session.rollback()


def test_demo_builds_linked_plans_for_ranst_zandhoven_and_lier(app, monkeypatch):
    from portal import features
    from portal.agreements import demo as agreements_demo
    from portal.demo import load_demo
    from portal.hr import demo as hr_demo
    from portal.plans import demo
    from portal.procurement import demo as procurement_demo
    from tenants.models import Tenant

    loaders = [
        ("hr", hr_demo.load),
        ("procurement", procurement_demo.load),
        ("agreements", agreements_demo.load),
        ("plans", demo.load),
    ]
    monkeypatch.setattr(features, "demo_loaders", lambda: loaders)
    assert load_demo()["plans"] > 0
    for slug in ("ranst", "zandhoven", "lier"):
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        with tenant_context(tenant.id):
            version = ops.current_version()
            assert version is not None and (version.first_year, version.last_year) == (2026, 2031)
            nodes = ops.nodes_of(version)
            assert {n.title for n in nodes if n.level == Level.DOMEIN} >= {"Personeelsbeleid", "Aankoop"}
            actions = [n for n in nodes if n.level == Level.ACTIE]
            assert actions and all(len(n.budgets) == 6 and n.responsible for n in actions)
            found = [link for ls in links.links_of(nodes).values() for link in ls]
            assert found and all(links.resolve(link).visible for link in found)
    assert demo.load() == 0


def test_each_key_figure_opens_its_actions_with_their_branches(app, world):
    from tests.plans_semester_helpers import make_plan as make_linked_plan

    make_linked_plan(world)
    client = _client(app, world)

    def codes(query: str = "") -> set[str]:
        page = client.get(f"/owner/meerjarenplan{query}")
        assert page.status_code == 200, query
        text = page.get_data(as_text=True)
        return {
            code
            for code in ("BD1", "BDS1", "AP1.1", "AP1.2", "A1.1.1", "A1.1.2", "A1.2.1")
            if f"<strong>{code}</strong>" in text
        }

    every = {"BD1", "BDS1", "AP1.1", "AP1.2", "A1.1.1", "A1.1.2", "A1.2.1"}
    assert codes() == every
    assert codes("?toon=alles") == every
    # A1.1.1 is late and over budget: it needs a decision too; A1.1.2 is linked and on time.
    assert codes("?toon=te-laat") == {"BD1", "BDS1", "AP1.1", "A1.1.1"}
    assert codes("?toon=beslissing") == {"BD1", "BDS1", "AP1.1", "A1.1.1"}
    assert codes("?toon=samenwerking") == {"BD1", "BDS1", "AP1.1", "A1.1.1", "A1.1.2"}
    page = client.get("/owner/meerjarenplan").get_data(as_text=True)
    assert 'href="/owner/meerjarenplan?toon=te-laat"' in page and 'aria-current="page"' in page
    bad = client.get("/owner/meerjarenplan?toon=alles-en-meer")
    assert bad.status_code == 400
    assert "Kies een van de weergaven" in bad.get_data(as_text=True)
