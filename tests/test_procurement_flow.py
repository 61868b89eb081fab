"""Gezamenlijke aankoop: planning and bundling, dossiers, participation, award, contracts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.procurement import operations as ops
from portal.procurement.models import Dossier, Lot, Participation, ParticipationLine, PurchasePlan
from portal.procurement.validators import cpv_error, kbo_error
from tenants.context import tenant_context
from tests.matrix import _proc_dossier_id

TODAY = date.today()


def _as(world: Any, tenant: str, role: str = "aankoper") -> Any:
    user = world.user(tenant, role)
    return tenant_context(user.tenant_id, user_id=user.id)


def _plan(world: Any, tenant: str, subject: str, cpv: str = "09310000-5", shared: bool = True, **kw: Any) -> int:
    with _as(world, tenant):
        plan = ops.create_plan(
            {
                "subject": subject,
                "cpv_code": cpv,
                "estimated_value": Decimal("120000"),
                "expected_from_on": kw.get("start", TODAY + timedelta(days=30)),
                "expected_until_on": kw.get("end", TODAY + timedelta(days=300)),
                "region_id": world.regions["a"].id if shared else None,
            }
        )
        db.session.commit()
        return plan.id


def _notes(user: Any) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)))


def _lot_id(world: Any, dossier_id: int, tenant: str = "owner") -> int:
    with tenant_context(world.tenants[tenant].id):
        return int(db.session.scalar(select(Lot.id).where(Lot.dossier_id == dossier_id)))


# -- validators ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["09310000-5", "45210000-2", "30192700-8", "72200000-7"])
def test_valid_cpv_codes_pass(code):
    assert cpv_error(code) is None


@pytest.mark.parametrize("code", ["0931000-5", "09310000", "0931000A-5", "99000000-1", "01000000-0", ""])
def test_invalid_cpv_codes_are_refused(code):
    assert cpv_error(code)


@pytest.mark.parametrize("number", ["BE 0207.437.468", "0207437468", "207437468", "BE0123456749"])
def test_valid_kbo_numbers_pass(number):
    assert kbo_error(number) is None


@pytest.mark.parametrize("number", ["BE 0207.437.469", "12345", "2207437468", "BE 0207.437.46X"])
def test_invalid_kbo_numbers_are_refused(number):
    assert kbo_error(number)


# -- planning and bundling ----------------------------------------------------------------------


def test_bundling_is_suggested_to_both_current_partners_only(app, world, login_as):
    own = _plan(world, "owner", "Elektriciteit gemeentegebouwen")
    other = _plan(world, "partner", "Groene stroom OCMW", cpv="09300000-2")
    # A former member's plan still marked for region A and an outsider's plan never match.
    with _as(world, "former"):
        stale = PurchasePlan(
            subject="Oude planning former",
            cpv_code="09310000-5",
            estimated_value=Decimal("1"),
            expected_from_on=TODAY,
            expected_until_on=TODAY + timedelta(days=400),
            audience="region",
            region_id=world.regions["a"].id,
        )
        db.session.add(stale)
        db.session.commit()
    _plan(world, "outsider", "Stroom buiten de regio", shared=False)
    with _as(world, "owner"):
        pairs = [(s.own.id, s.other.id) for s in ops.bundling_suggestions(world.tenants["owner"].id)]
    assert pairs == [(own, other)]
    with _as(world, "partner"):
        pairs = [(s.own.id, s.other.id) for s in ops.bundling_suggestions(world.tenants["partner"].id)]
    assert pairs == [(other, own)]
    # Both aankopers got one notification; the former member none.
    assert len([t for t in _notes(world.user("owner", "aankoper")) if t.startswith("Bundelkans")]) == 1
    assert len([t for t in _notes(world.user("partner", "aankoper")) if t.startswith("Bundelkans")]) == 1
    assert not _notes(world.user("former", "aankoper"))
    page = login_as(world.user("partner", "aankoper")).get("/partner/aankoop/planning")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Elektriciteit gemeentegebouwen" in html and "Oude planning former" not in html
    assert "Stroom buiten de regio" not in html


def test_no_suggestion_without_overlap_or_for_another_group_or_unshared(world):
    _plan(world, "owner", "Laptops", cpv="30200000-1")
    _plan(
        world,
        "partner",
        "Laptops later",
        cpv="30200000-1",
        start=TODAY + timedelta(days=400),
        end=TODAY + timedelta(days=500),
    )
    _plan(world, "partner", "Bouwwerken", cpv="45210000-2")
    _plan(world, "partner", "Laptops intern", cpv="30200000-1", shared=False)
    with _as(world, "owner"):
        assert ops.bundling_suggestions(world.tenants["owner"].id) == []


def test_plan_with_bad_cpv_is_refused_with_a_dutch_message(world, login_as):
    client = login_as(world.user("owner", "aankoper"))
    before = _count(world, PurchasePlan)
    response = client.post(
        "/owner/aankoop/planning",
        data={
            "subject": "Foute code",
            "cpv_code": "99000000-1",
            "estimated_value": "10",
            "expected_from_on": "2027-01-01",
            "expected_until_on": "2027-02-01",
        },
    )
    assert response.status_code == 422
    assert "nomenclatuur" in response.get_data(as_text=True)
    api = client.post(
        "/api/v1/procurement/plans",
        json={
            "subject": "Periode omgekeerd",
            "cpv_code": "09310000-5",
            "estimated_value": "10",
            "expected_from_on": "2027-03-01",
            "expected_until_on": "2027-02-01",
        },
    )
    assert api.status_code == 422
    assert "vóór het begin" in str(api.json)
    assert _count(world, PurchasePlan) == before


def test_only_buyers_plan_purchases(world, login_as):
    client = login_as(world.user("owner", "dienst"))
    response = client.post(
        "/owner/aankoop/planning",
        data={
            "subject": "x",
            "cpv_code": "09310000-5",
            "estimated_value": "1",
            "expected_from_on": "2027-01-01",
            "expected_until_on": "2027-01-02",
        },
    )
    assert response.status_code == 403
    assert client.get("/owner/aankoop/").status_code == 200


def _count(world: Any, model: Any, tenant: str = "owner") -> int:
    with tenant_context(world.tenants[tenant].id):
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# -- dossiers, participation, consolidation -------------------------------------------------------


def test_partner_joins_with_mandate_and_the_lead_sees_consolidated_needs(world, login_as, app):
    dossier_id = _proc_dossier_id(world, title="Energie 2027")
    lot_id = _lot_id(world, dossier_id)
    partner = login_as(world.user("partner", "aankoper"))
    page = partner.get(f"/partner/aankoop/dossiers/{dossier_id}")
    assert page.status_code == 200 and "Onze deelname" in page.get_data(as_text=True)
    response = partner.post(
        "/partner/aankoop/deelnemen",
        data={"dossier_id": dossier_id, f"quantity_{lot_id}": "120", f"amount_{lot_id}": "30000"},
    )
    assert response.status_code == 302
    # Interest without a mandate does not count yet.
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        assert [e.total_quantity for e in ops.consolidated_needs(dossier)] == [0]
    partner.post(
        "/partner/aankoop/deelnemen",
        data={
            "dossier_id": dossier_id,
            f"quantity_{lot_id}": "150",
            f"amount_{lot_id}": "36000",
            "mandate_body": "college",
            "mandate_on": TODAY.isoformat(),
            "mandate_reference": "CBS-2026-117",
        },
    )
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        needs = ops.consolidated_needs(dossier)
        assert needs[0].total_quantity == Decimal("150") and needs[0].total_amount == Decimal("36000")
        csv_text = ops.needs_csv(dossier)
    assert "Gemeente Partner" in csv_text and "150" in csv_text


def test_a_participant_sees_only_its_own_participation(world, app):
    from tenants.operations import add_member, create_tenant

    with tenant_context(None, is_platform=True):
        third = create_tenant("Gemeente Derde", nis_code="91005", slug="derde")
        add_member(world.regions["a"], third, TODAY - timedelta(days=5))
        db.session.commit()
    dossier_id = _proc_dossier_id(world)
    lot_id = _lot_id(world, dossier_id)
    for slug, tenant_id in (("partner", world.tenants["partner"].id), ("derde", third.id)):
        with tenant_context(tenant_id):
            dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
            ops.join(
                dossier,
                {
                    "lines": [{"lot_id": lot_id, "quantity": Decimal("5"), "amount": Decimal("100")}],
                    "contact_name": slug,
                },
            )
            db.session.commit()
    with tenant_context(world.tenants["partner"].id):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        assert [p.contact_name for p in ops.dossier_participations(dossier)] == ["partner"]
        assert len(list(db.session.scalars(select(ParticipationLine)))) == 1
    with tenant_context(world.tenants["owner"].id):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        assert sorted(p.contact_name for p in ops.dossier_participations(dossier)) == ["derde", "partner"]
    with tenant_context(world.tenants["outsider"].id):
        assert db.session.scalar(select(func.count()).select_from(Participation)) == 0


def test_joining_after_the_deadline_is_refused_and_changes_nothing(world, login_as):
    dossier_id = _proc_dossier_id(world)
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        dossier.joining_deadline_on = TODAY - timedelta(days=1)
        db.session.commit()
    client = login_as(world.user("partner", "aankoper"))
    response = client.post("/partner/aankoop/deelnemen", data={"dossier_id": dossier_id})
    assert response.status_code == 409
    assert "uiterste datum" in response.get_data(as_text=True)
    assert _count(world, Participation, "partner") == 0
    api = client.post("/api/v1/procurement/participations", json={"dossier_id": dossier_id})
    assert api.status_code == 409
    # An opdrachtencentrale that allows it accepts later joining.
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        dossier.allows_later_joining = True
        db.session.commit()
    assert client.post("/partner/aankoop/deelnemen", data={"dossier_id": dossier_id}).status_code == 302
    assert _count(world, Participation, "partner") == 1


def test_negative_quantities_are_refused(world, login_as):
    dossier_id = _proc_dossier_id(world)
    lot_id = _lot_id(world, dossier_id)
    client = login_as(world.user("partner", "aankoper"))
    response = client.post("/partner/aankoop/deelnemen", data={"dossier_id": dossier_id, f"quantity_{lot_id}": "-3"})
    assert response.status_code == 422
    assert "negatief" in response.get_data(as_text=True)
    api = client.post(
        "/api/v1/procurement/participations",
        json={"dossier_id": dossier_id, "lines": [{"lot_id": lot_id, "quantity": "-1"}]},
    )
    assert api.status_code == 422
    assert _count(world, Participation, "partner") == 0


def test_a_former_member_or_outsider_cannot_join(world, login_as):
    dossier_id = _proc_dossier_id(world)
    for tenant in ("former", "outsider"):
        client = login_as(world.user(tenant, "aankoper"))
        assert client.post(f"/{tenant}/aankoop/deelnemen", data={"dossier_id": dossier_id}).status_code == 404
        assert client.get(f"/{tenant}/aankoop/dossiers/{dossier_id}").status_code == 404
        assert _count(world, Participation, tenant) == 0


def test_withdrawal_before_the_deadline_stops_counting(world):
    dossier_id = _proc_dossier_id(world)
    lot_id = _lot_id(world, dossier_id)
    with _as(world, "partner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        part = ops.join(
            dossier,
            {
                "lines": [{"lot_id": lot_id, "quantity": Decimal("10"), "amount": Decimal("500")}],
                "mandate_body": "gemeenteraad",
                "mandate_on": TODAY,
                "mandate_reference": "GR-1",
            },
        )
        db.session.commit()
        assert part.counts
        ops.withdraw(part)
        db.session.commit()
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        assert ops.consolidated_needs(dossier)[0].rows == []


def test_stage_dates_out_of_order_are_refused(world, login_as):
    dossier_id = _proc_dossier_id(world)
    client = login_as(world.user("owner", "aankoper"))
    ok = client.post(
        f"/owner/aankoop/dossiers/{dossier_id}/fasen", data={"stage": "bestek", "planned_on": "2027-03-01"}
    )
    assert ok.status_code == 302
    bad = client.post(
        f"/owner/aankoop/dossiers/{dossier_id}/fasen", data={"stage": "marktverkenning", "planned_on": "2027-04-01"}
    )
    assert bad.status_code == 422
    assert "volgorde" in bad.get_data(as_text=True)
    done = client.put(
        f"/api/v1/procurement/dossiers/{dossier_id}/stages",
        json={"stage": "behoefteninventaris", "actual_on": "2026-01-10"},
    )
    assert done.status_code == 200
    stages = {s["stage"]: s for s in done.json["stages"]}
    assert stages["marktverkenning"]["planned_on"] is None
    assert stages["bestek"]["planned_on"] == "2027-03-01"


def test_award_notifies_participants_and_computes_savings(world, mailbox):
    dossier_id = _proc_dossier_id(world, title="Stroom")
    lot_id = _lot_id(world, dossier_id)
    with _as(world, "partner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.join(
            dossier,
            {
                "lines": [{"lot_id": lot_id, "quantity": Decimal("300"), "amount": Decimal("60000")}],
                "mandate_body": "college",
                "mandate_on": TODAY,
                "mandate_reference": "CBS-9",
            },
        )
        db.session.commit()
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.join(
            dossier,
            {
                "lines": [{"lot_id": lot_id, "quantity": Decimal("100"), "amount": Decimal("20000")}],
                "mandate_body": "college",
                "mandate_on": TODAY,
                "mandate_reference": "CBS-3",
            },
        )
        db.session.commit()
        lot = db.session.scalar(select(Lot).where(Lot.id == lot_id))
        with pytest.raises(Exception, match="controlegetal"):
            ops.award_lot(lot, {"supplier_name": "X", "supplier_kbo": "0207437469", "awarded_value": Decimal("1")})
        db.session.rollback()
        lot = db.session.scalar(select(Lot).where(Lot.id == lot_id))
        ops.award_lot(
            lot,
            {
                "supplier_name": "Energie nv",
                "supplier_kbo": "BE0207437468",
                "awarded_value": Decimal("64000"),
                "contract_start_on": TODAY,
                "contract_end_on": TODAY + timedelta(days=700),
            },
        )
        db.session.commit()
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        rows = {s.tenant.slug: (s.estimated, s.awarded, s.saving) for s in ops.savings(dossier)}
    assert rows["partner"] == (Decimal("60000"), Decimal("48000.00"), Decimal("12000.00"))
    assert rows["owner"] == (Decimal("20000"), Decimal("16000.00"), Decimal("4000.00"))
    assert any("gegund" in t for t in _notes(world.user("partner", "aankoper")))
    messages = mailbox.wait(1)
    assert any("gegund" in m["Subject"] for m in messages)


def test_bad_kbo_via_http_changes_nothing(world, login_as):
    dossier_id = _proc_dossier_id(world)
    lot_id = _lot_id(world, dossier_id)
    client = login_as(world.user("owner", "aankoper"))
    response = client.post(
        f"/owner/aankoop/percelen/{lot_id}/gunnen",
        data={"supplier_name": "Foutief bv", "supplier_kbo": "BE 0207.437.469", "awarded_value": "10"},
    )
    assert response.status_code == 422
    assert "controlegetal" in response.get_data(as_text=True)
    with _as(world, "owner"):
        assert db.session.scalar(select(Lot.supplier_name).where(Lot.id == lot_id)) is None


def test_partner_cannot_change_the_leads_dossier(world, login_as):
    dossier_id = _proc_dossier_id(world)
    lot_id = _lot_id(world, dossier_id)
    client = login_as(world.user("partner", "aankoper"))
    assert client.post(f"/partner/aankoop/percelen/{lot_id}/gunnen", data={"supplier_name": "X"}).status_code == 404
    assert client.patch(f"/api/v1/procurement/dossiers/{dossier_id}", json={"title": "Overgenomen"}).status_code == 404
    assert client.get(f"/api/v1/procurement/dossiers/{dossier_id}/needs").status_code == 404


def test_contract_expiry_reminder_runs_once(world, app):
    dossier_id = _proc_dossier_id(world, title="Kopiemachines")
    lot_id = _lot_id(world, dossier_id)
    with _as(world, "owner"):
        lot = db.session.scalar(select(Lot).where(Lot.id == lot_id))
        ops.award_lot(
            lot,
            {
                "supplier_name": "Print bv",
                "supplier_kbo": "0207437468",
                "awarded_value": Decimal("9000"),
                "contract_start_on": TODAY - timedelta(days=300),
                "contract_end_on": TODAY + timedelta(days=40),
            },
        )
        db.session.commit()
    from portal.core.taskqueue import enqueue

    enqueue("portal.procurement.reminders")
    enqueue("portal.procurement.reminders")
    titles = [t for t in _notes(world.user("owner", "aankoper")) if t.startswith("Contract Kopiemachines")]
    assert len(titles) == 1
    assert not [t for t in _notes(world.user("outsider", "aankoper")) if "Kopiemachines" in t]


def test_deadline_reminder_goes_to_current_partners_once(world):
    dossier_id = _proc_dossier_id(world, title="Zoutstrooiers")
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        dossier.joining_deadline_on = TODAY + timedelta(days=3)
        db.session.commit()
        assert ops.deadline_reminders(world.tenants["owner"].id) == 1
        assert ops.deadline_reminders(world.tenants["owner"].id) == 0
        db.session.commit()
    assert [t for t in _notes(world.user("partner", "aankoper")) if "Zoutstrooiers" in t and "Toetreden" in t]
    assert not [t for t in _notes(world.user("former", "aankoper")) if "Zoutstrooiers" in t]


def test_questions_are_shared_with_the_dossier_readers(world, login_as):
    dossier_id = _proc_dossier_id(world)
    client = login_as(world.user("partner", "aankoper"))
    assert (
        client.post(
            "/partner/aankoop/vragen", data={"dossier_id": dossier_id, "body": "Is groene stroom verplicht?"}
        ).status_code
        == 302
    )
    assert client.post("/partner/aankoop/vragen", data={"dossier_id": dossier_id, "body": "  "}).status_code == 422
    owner = login_as(world.user("owner", "aankoper"))
    assert "Is groene stroom verplicht?" in owner.get(f"/owner/aankoop/dossiers/{dossier_id}").get_data(as_text=True)
    assert any("Nieuwe vraag" in t for t in _notes(world.user("owner", "aankoper")))


def test_full_flow_over_http_lead_opens_partner_joins_lead_awards(world, app):
    from tests.conftest import login

    lead, partner = app.test_client(), app.test_client()
    login(lead, world.user("owner", "aankoper"))
    login(partner, world.user("partner", "aankoper"))
    created = lead.post(
        "/owner/aankoop/dossiers/nieuw",
        data={
            "title": "Onderhoud groenzones",
            "cpv_code": "77310000-6",
            "legal_form": "opdrachtencentrale",
            "procedure": "openbare_procedure",
            "estimated_value": "80000",
            "joining_deadline_on": (TODAY + timedelta(days=20)).isoformat(),
            "lot_title": ["Maaien", ""],
            "lot_unit": ["ha", ""],
            "lot_value": ["50000", ""],
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    dossier_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    assert partner.get(f"/partner/aankoop/dossiers/{dossier_id}").status_code == 404  # still a concept
    assert lead.post(f"/owner/aankoop/dossiers/{dossier_id}/openen", data={}).status_code == 302
    lot_id = _lot_id(world, dossier_id)
    joined = partner.post(
        "/partner/aankoop/deelnemen",
        data={
            "dossier_id": dossier_id,
            f"quantity_{lot_id}": "12",
            f"amount_{lot_id}": "15000",
            "mandate_body": "college",
            "mandate_on": TODAY.isoformat(),
            "mandate_reference": "CBS-44",
        },
    )
    assert joined.status_code == 302
    page = lead.get(f"/owner/aankoop/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Gemeente Partner" in page and "CBS-44" in page
    csv_response = lead.get(f"/owner/aankoop/dossiers/{dossier_id}/behoeften.csv")
    assert csv_response.status_code == 200 and "Gemeente Partner" in csv_response.get_data(as_text=True)
    awarded = lead.post(
        f"/owner/aankoop/percelen/{lot_id}/gunnen",
        data={
            "supplier_name": "Groen bv",
            "supplier_kbo": "0207.437.468",
            "awarded_value": "13000",
            "contract_end_on": (TODAY + timedelta(days=365)).isoformat(),
        },
    )
    assert awarded.status_code == 302
    register = partner.get("/partner/aankoop/contracten").get_data(as_text=True)
    assert "Groen bv" in register
    assert "Groen bv" not in _outsider_register(app, world)


def _outsider_register(app: Any, world: Any) -> str:
    from tests.conftest import login

    client = app.test_client()
    login(client, world.user("outsider", "aankoper"))
    return client.get("/outsider/aankoop/contracten").get_data(as_text=True)
