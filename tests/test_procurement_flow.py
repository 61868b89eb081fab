"""Gezamenlijke aankoop: planning and bundling, dossiers, participation, award, contracts."""

from __future__ import annotations

import gc
import io
import time
from datetime import date, timedelta
from decimal import Decimal
from email.header import decode_header, make_header
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.procurement import operations as ops
from portal.procurement.models import Dossier, Lot, Participation, ParticipationLine, PurchasePlan
from portal.procurement.validators import cpv_error, kbo_error
from tasks.procurement import run_reminders
from tenants.context import tenant_context
from tests import clock
from tests.matrix import _proc_dossier_id

TODAY = clock.today()


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
        # The dossier page builds them from the participations it read already: the same rows.
        preloaded = ops.consolidated_needs(dossier, ops.dossier_participations(dossier))
        assert [[(p.id, line.id) for p, line in e.rows] for e in preloaded] == [
            [(p.id, line.id) for p, line in e.rows] for e in needs
        ]
        header, rows = ops.needs_table(dossier)
    assert header[:3] == ["Dossier", "Perceel", "Bestuur"]
    assert [row[2:] for row in rows] == [
        ["Gemeente Partner", "MWh", Decimal("150"), Decimal("36000")],
        ["Totaal", "MWh", Decimal("150"), Decimal("36000")],
    ]


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
        needs = ops.consolidated_needs(dossier, ops.dossier_participations(dossier))
        again = {s.tenant.slug: (s.estimated, s.awarded, s.saving) for s in ops.savings(dossier, needs=needs)}
        assert again == rows
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
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    csv_lines = csv_response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert csv_lines[0].startswith("Dossier;Perceel;Bestuur;Eenheid;Hoeveelheid")
    assert "Onderhoud groenzones;1. Maaien;Gemeente Partner;ha;12,000;15000,00" in csv_lines
    assert "Onderhoud groenzones;1. Maaien;Totaal;ha;12,000;15000,00" in csv_lines
    xlsx = lead.get(f"/owner/aankoop/dossiers/{dossier_id}/behoeften.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="behoeften-dossier-' in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["Dossier", "Perceel", "Bestuur"]
    assert ["Onderhoud groenzones", "1. Maaien", "Gemeente Partner", "ha", 12.0, 15000.0] in values
    assert lead.get(f"/owner/aankoop/dossiers/{dossier_id}/behoeften.pdf").status_code == 404
    # A participant (not the lead) cannot export the lead's consolidated needs.
    assert partner.get(f"/partner/aankoop/dossiers/{dossier_id}/behoeften.xlsx").status_code == 404
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


# -- documents (knowledge exchange) ---------------------------------------------------------------

PDF = b"%PDF-1.7\n% bestek\n"
DOCX = b"PK\x03\x04 sjabloon"


def _share(client: Any, slug: str, dossier_id: int, name: str, data: bytes, **form: str) -> Any:
    return client.post(
        f"/{slug}/aankoop/documenten",
        data={"dossier_id": str(dossier_id), **form, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _doc_ids(world: Any, tenant: str) -> list[int]:
    from portal.procurement.models import Document

    with tenant_context(world.tenants[tenant].id):
        return list(db.session.scalars(select(Document.id).order_by(Document.id)))


def test_lead_shares_a_bestek_that_exactly_the_dossier_readers_see(world, login_as, app):
    from tests.conftest import login

    dossier_id = _proc_dossier_id(world, open_it=False, title="Schoonmaak")
    lead = login_as(world.user("owner", "aankoper"))
    response = _share(lead, "owner", dossier_id, "bestek.pdf", PDF + b"concept", kind="bestek", title="Bestek v1")
    assert response.status_code == 302
    [doc_id] = _doc_ids(world, "owner")
    # Still a concept: no partner sees the dossier or its document.
    partner = app.test_client()
    login(partner, world.user("partner", "aankoper"))
    assert partner.get(f"/partner/aankoop/documenten/{doc_id}").status_code == 404
    assert _doc_ids(world, "partner") == []
    assert lead.post(f"/owner/aankoop/dossiers/{dossier_id}/openen", data={}).status_code == 302
    page = partner.get(f"/partner/aankoop/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Bestek v1" in page and "Bestek" in page
    download = partner.get(f"/partner/aankoop/documenten/{doc_id}")
    assert download.status_code == 200 and download.data == PDF + b"concept"
    assert download.mimetype == "application/pdf"
    assert "bestek.pdf" in download.headers["Content-Disposition"]
    for tenant in ("outsider", "former"):
        other = app.test_client()
        login(other, world.user(tenant, "aankoper"))
        assert other.get(f"/{tenant}/aankoop/documenten/{doc_id}").status_code == 404
        assert _doc_ids(world, tenant) == []


def test_a_participant_shares_its_own_template_but_no_bestek(world, login_as, app):
    from tests.conftest import login

    dossier_id = _proc_dossier_id(world, title="Wagenpark")
    partner = login_as(world.user("partner", "aankoper"))
    # Not taking part yet: refused in Dutch, nothing stored.
    refused = _share(partner, "partner", dossier_id, "sjabloon.docx", DOCX, kind="sjabloon", title="Ons sjabloon")
    assert refused.status_code == 409
    assert "Toon eerst je interesse" in refused.get_data(as_text=True)
    assert _doc_ids(world, "partner") == []
    assert partner.post("/partner/aankoop/deelnemen", data={"dossier_id": dossier_id}).status_code == 302
    bestek = _share(partner, "partner", dossier_id, "bestek.pdf", PDF, kind="bestek", title="Eigen bestek")
    assert bestek.status_code == 422 and "Enkel de trekker deelt het bestek" in bestek.get_data(as_text=True)
    # The form keeps what was typed.
    assert 'value="Eigen bestek"' in bestek.get_data(as_text=True)
    ok = _share(partner, "partner", dossier_id, "sjabloon.docx", DOCX, kind="sjabloon", title="Ons sjabloon")
    assert ok.status_code == 302
    [doc_id] = _doc_ids(world, "partner")
    lead = app.test_client()
    login(lead, world.user("owner", "aankoper"))
    assert "Ons sjabloon" in lead.get(f"/owner/aankoop/dossiers/{dossier_id}").get_data(as_text=True)
    assert lead.get(f"/owner/aankoop/documenten/{doc_id}").data == DOCX
    # Only the uploading municipality removes its document.
    assert lead.post(f"/owner/aankoop/documenten/{doc_id}/verwijderen").status_code == 404
    assert _doc_ids(world, "owner") == [doc_id]
    assert partner.post(f"/partner/aankoop/documenten/{doc_id}/verwijderen").status_code == 302
    assert _doc_ids(world, "owner") == []


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("bestek.pdf", b"geen pdf", 422, "Enkel PDF-, DOCX- of ODT-bestanden"),
        ("bestek.exe", PDF, 422, "Enkel PDF-, DOCX- of ODT-bestanden"),
        ("leeg.pdf", b"", 422, "Het bestand is leeg."),
        ("", b"", 422, "Kies een bestand."),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_stored(world, login_as, name, data, status, message):
    dossier_id = _proc_dossier_id(world)
    lead = login_as(world.user("owner", "aankoper"))
    response = _share(lead, "owner", dossier_id, name, data, kind="sjabloon", title="Mijn titel")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and 'value="Mijn titel"' in html
    assert _doc_ids(world, "owner") == []


def test_oversized_or_duplicate_documents_are_refused(world, login_as, app):
    dossier_id = _proc_dossier_id(world)
    lead = login_as(world.user("owner", "aankoper"))
    # Larger than the request limit: the portal's own Dutch 413 page.
    huge = _share(lead, "owner", dossier_id, "groot.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert huge.status_code == 413
    assert "De aanvraag of het bestand is te groot." in huge.get_data(as_text=True)
    # Within the request limit but above the document limit: the form with the message.
    app.config["MAX_CONTENT_LENGTH"] = 12 * 1024 * 1024
    try:
        big = _share(lead, "owner", dossier_id, "groot.pdf", PDF + b"0" * (10 * 1024 * 1024), title="Groot")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    assert big.status_code == 413
    assert "groter dan 10 MB" in big.get_data(as_text=True)
    assert _doc_ids(world, "owner") == []
    assert _share(lead, "owner", dossier_id, "a.pdf", PDF, kind="bestek").status_code == 302
    again = _share(lead, "owner", dossier_id, "kopie.pdf", PDF, kind="bestek")
    assert again.status_code == 409 and "al gedeeld" in again.get_data(as_text=True)
    assert len(_doc_ids(world, "owner")) == 1
    gc.collect()  # an unclosed spool file would warn here, under filterwarnings = error


def test_only_buyers_share_documents(world, login_as):
    dossier_id = _proc_dossier_id(world)
    client = login_as(world.user("owner", "dienst"))
    assert _share(client, "owner", dossier_id, "a.pdf", PDF).status_code == 403
    assert _doc_ids(world, "owner") == []


# -- notifications through the outbox and the mail sink ---------------------------------------------


def _subjects(mailbox: Any, address: str, expected: int) -> list[str]:
    deadline = time.monotonic() + 5
    while len(mailbox.to(address)) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return [str(make_header(decode_header(m["Subject"]))) for m in mailbox.to(address)]


def test_every_procurement_notification_reaches_the_aankopers_by_mail(world, mailbox, app):
    partner_mail, owner_mail = "aankoper@partner.test", "aankoper@owner.test"
    # Bundling suggestion: both aankopers.
    _plan(world, "owner", "Strooizout winter")
    _plan(world, "partner", "Zout voor de wegen", cpv="09300000-2")
    assert any(s.startswith("Bundelkans") for s in _subjects(mailbox, partner_mail, 1))
    assert any(s.startswith("Bundelkans") for s in _subjects(mailbox, owner_mail, 1))
    # A new dossier open for joining: the current partners.
    dossier_id = _proc_dossier_id(world, title="Strooizout")
    lot_id = _lot_id(world, dossier_id)
    assert "Nieuw aankoopdossier open voor toetreding: Strooizout" in _subjects(mailbox, partner_mail, 2)
    with _as(world, "partner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.join(
            dossier,
            {
                "lines": [{"lot_id": lot_id, "quantity": Decimal("40"), "amount": Decimal("4000")}],
                "mandate_body": "college",
                "mandate_on": TODAY,
                "mandate_reference": "CBS-7",
            },
        )
        db.session.commit()
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        # The joining deadline approaches.
        dossier.joining_deadline_on = TODAY + timedelta(days=2)
        ops.deadline_reminders(world.tenants["owner"].id)
        db.session.commit()
        # A stage is reached.
        ops.set_stage(dossier, "marktverkenning", None, TODAY)
        db.session.commit()
        # The award, with a contract that ends within the reminder window.
        lot = db.session.scalar(select(Lot).where(Lot.id == lot_id))
        ops.award_lot(
            lot,
            {
                "supplier_name": "Zout nv",
                "supplier_kbo": "0207437468",
                "awarded_value": Decimal("3500"),
                "contract_start_on": TODAY - timedelta(days=300),
                "contract_end_on": TODAY + timedelta(days=20),
            },
        )
        db.session.commit()
    assert run_reminders() >= 2
    subjects = _subjects(mailbox, partner_mail, 6)
    assert any(s.startswith("Toetreden tot Strooizout kan nog tot") for s in subjects)
    assert "Aankoopdossier Strooizout: nieuwe fase marktverkenning" in subjects
    assert "Perceel 1 van Strooizout is gegund aan Zout nv" in subjects
    assert any(s.startswith("Contract Strooizout (perceel 1) loopt af op") for s in subjects)
    assert any(s.startswith("Contract Strooizout (perceel 1) loopt af op") for s in _subjects(mailbox, owner_mail, 2))
    # A second run sends nothing new; non-partners never hear of the dossier.
    before = len(mailbox.messages)
    assert run_reminders() == 0
    assert len(mailbox.wait(before + 1, timeout=0.5)) == before
    for address in ("aankoper@outsider.test", "aankoper@former.test"):
        assert not [s for s in _subjects(mailbox, address, 0) if "Strooizout" in s]


def test_a_withdrawn_participant_hears_no_more_stage_changes(world):
    dossier_id = _proc_dossier_id(world, title="Bermmaaien")
    with _as(world, "partner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.withdraw(ops.join(dossier, {}))
        db.session.commit()
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.set_stage(dossier, "marktverkenning", None, TODAY)
        db.session.commit()
    assert not [t for t in _notes(world.user("partner", "aankoper")) if "nieuwe fase" in t]


# -- REST API: planning, dossiers, lots, participation, award, contracts ---------------------------

API = "/api/v1/procurement"


def _new_dossier_json(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Strooizout via de API",
        "cpv_code": "34927100-2",
        "legal_form": "gezamenlijke_opdracht",
        "procedure": "onderhandeling_zonder_bekendmaking",
        "estimated_value": "30000",
        "joining_deadline_on": (TODAY + timedelta(days=14)).isoformat(),
        "lots": [{"title": "Zout", "unit": "ton", "estimated_value": "30000"}],
        **extra,
    }


def test_the_api_covers_the_whole_procurement_flow(world, app):
    from tests.conftest import login

    lead, partner, outsider = app.test_client(), app.test_client(), app.test_client()
    login(lead, world.user("owner", "aankoper"))
    login(partner, world.user("partner", "aankoper"))
    login(outsider, world.user("outsider", "aankoper"))
    plan = lead.post(
        f"{API}/plans",
        json={
            "subject": "Strooizout 2027",
            "cpv_code": "34927100-2",
            "estimated_value": "30000",
            "expected_from_on": (TODAY + timedelta(days=10)).isoformat(),
            "expected_until_on": (TODAY + timedelta(days=100)).isoformat(),
            "region_id": world.regions["a"].id,
        },
    )
    assert plan.status_code == 201, plan.json
    assert lead.patch(f"{API}/plans/{plan.json['id']}", json={"estimated_value": "32000"}).json["estimated_value"] == (
        "32000.00"
    )
    assert [p["subject"] for p in partner.get(f"{API}/plans").json["items"]] == ["Strooizout 2027"]
    assert outsider.get(f"{API}/plans").json["items"] == []

    created = lead.post(f"{API}/dossiers", json=_new_dossier_json())
    assert created.status_code == 201, created.json
    dossier_id = created.json["id"]
    assert [s["stage"] for s in created.json["stages"]] == [
        "behoefteninventaris",
        "marktverkenning",
        "bestek",
        "publicatie",
        "gunning",
        "uitvoering",
        "afgesloten",
    ]
    lot = lead.post(f"{API}/dossiers/{dossier_id}/lots", json={"title": "Pekel", "unit": "liter"})
    assert lot.status_code == 201 and lot.json["number"] == 2
    staged = lead.put(
        f"{API}/dossiers/{dossier_id}/stages", json={"stage": "behoefteninventaris", "actual_on": TODAY.isoformat()}
    )
    assert staged.status_code == 200
    assert partner.get(f"{API}/dossiers/{dossier_id}").status_code == 404  # a concept
    opened = lead.post(f"{API}/dossiers/{dossier_id}/open", json={"region_id": world.regions["a"].id})
    assert opened.status_code == 200 and opened.json["status"] == "open"
    assert [d["title"] for d in partner.get(f"{API}/dossiers").json["items"]] == ["Strooizout via de API"]
    assert outsider.get(f"{API}/dossiers").json["items"] == []

    zout = created.json["lots"][0]["id"]
    joined = partner.post(
        f"{API}/participations",
        json={"dossier_id": dossier_id, "lines": [{"lot_id": zout, "quantity": "80", "amount": "8000"}]},
    )
    assert joined.status_code == 201 and joined.json["counts"] is False
    part_id = joined.json["id"]
    changed = partner.patch(
        f"{API}/participations/{part_id}",
        json={
            "lines": [{"lot_id": zout, "quantity": "100", "amount": "10000"}],
            "mandate_body": "college",
            "mandate_on": TODAY.isoformat(),
            "mandate_reference": "CBS-API-1",
        },
    )
    assert changed.status_code == 200 and changed.json["counts"] is True
    assert [p["id"] for p in partner.get(f"{API}/participations").json["items"]] == [part_id]
    assert lead.get(f"{API}/participations").json["items"] == []
    needs = lead.get(f"{API}/dossiers/{dossier_id}/needs").json
    assert needs["lots"][0]["total_quantity"] == "100.000"
    assert needs["lots"][0]["participants"] == [
        {"tenant": "Gemeente Partner", "quantity": "100.000", "amount": "10000.00"}
    ]

    awarded = lead.post(
        f"{API}/lots/{zout}/award",
        json={
            "supplier_name": "Zoutziederij nv",
            "supplier_kbo": "BE 0207.437.468",
            "awarded_value": "9000",
            "contract_start_on": TODAY.isoformat(),
            "contract_end_on": (TODAY + timedelta(days=365)).isoformat(),
            "renewal_options": "2 x 1 jaar",
        },
    )
    assert awarded.status_code == 200 and awarded.json["supplier_kbo"] == "0207.437.468"
    savings = lead.get(f"{API}/dossiers/{dossier_id}/savings").json["savings"]
    assert savings == [
        {
            "participant": savings[0]["participant"],
            "estimated": "10000.00",
            "awarded": "9000.00",
            "saving": "1000.00",
        }
    ]
    assert savings[0]["participant"]["name"] == "Gemeente Partner"
    assert partner.get(f"{API}/dossiers/{dossier_id}/savings").status_code == 404
    assert [c["supplier_name"] for c in partner.get(f"{API}/contracts").json["items"]] == ["Zoutziederij nv"]
    assert outsider.get(f"{API}/contracts").json["items"] == []
    assert partner.delete(f"{API}/participations/{part_id}").status_code == 204
    assert partner.get(f"{API}/participations/{part_id}").json["status"] == "ingetrokken"


def _lead_state(world: Any, dossier_id: int) -> Any:
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        assert dossier is not None
        return (
            dossier.title,
            dossier.status,
            [(s.stage, s.planned_on, s.actual_on) for s in sorted(dossier.stages, key=lambda s: s.position)],
            [(lot.supplier_name, lot.awarded_value) for lot in dossier.lots],
        )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", "/dossiers", _new_dossier_json(cpv_code="12345678-9"), 422, "nomenclatuur"),
        ("POST", "/dossiers", _new_dossier_json(cpv_code="3492710-2"), 422, "CPV-code heeft de vorm"),
        ("POST", "/dossiers", _new_dossier_json(estimated_value="-5"), 422, "0 of meer"),
        ("PATCH", "/dossiers/{dossier}", {"cpv_code": "99999999-9"}, 422, "nomenclatuur"),
        (
            "POST",
            "/lots/{lot}/award",
            {**{"supplier_name": "X nv", "awarded_value": "1"}, "supplier_kbo": "0207437469"},
            422,
            "controlegetal",
        ),
        (
            "POST",
            "/lots/{lot}/award",
            {"supplier_name": "X nv", "awarded_value": "1", "supplier_kbo": "12"},
            422,
            "tien cijfers",
        ),
        (
            "POST",
            "/lots/{lot}/award",
            {"supplier_name": "X nv", "supplier_kbo": "0207437468", "awarded_value": "-1"},
            422,
            "0 of meer",
        ),
        (
            "POST",
            "/lots/{lot}/award",
            {
                "supplier_name": "X nv",
                "supplier_kbo": "0207437468",
                "awarded_value": "1",
                "contract_start_on": "2027-05-01",
                "contract_end_on": "2027-04-01",
            },
            422,
            "vóór het begin",
        ),
        ("PUT", "/dossiers/{dossier}/stages", {"stage": "publicatie", "planned_on": "2027-01-01"}, 422, "volgorde"),
        ("PUT", "/dossiers/{dossier}/stages", {"stage": "onbekend"}, 422, "Kies een fase"),
    ],
    ids=[
        "unknown CPV division",
        "CPV format",
        "negative estimate",
        "patch CPV",
        "KBO check digit",
        "KBO length",
        "negative award",
        "contract end before start",
        "stage order",
        "unknown stage",
    ],
)
def test_bad_input_through_the_api_is_refused_in_dutch_and_changes_nothing(
    world, login_as, method, path, body, status, message
):
    dossier_id = _proc_dossier_id(world, title="Stabiel dossier")
    lot_id = _lot_id(world, dossier_id)
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.set_stage(dossier, "bestek", date(2027, 3, 1), None)
        db.session.commit()
    before, count = _lead_state(world, dossier_id), _count(world, Dossier)
    client = login_as(world.user("owner", "aankoper"))
    response = client.open(API + path.format(dossier=dossier_id, lot=lot_id), method=method, json=body)
    assert response.status_code == status, response.json
    assert message in str(response.json)
    assert _lead_state(world, dossier_id) == before
    assert _count(world, Dossier) == count


def test_bad_participation_input_through_the_api_is_refused(world, login_as):
    dossier_id = _proc_dossier_id(world)
    lot_id = _lot_id(world, dossier_id)
    other_lot = _lot_id(world, _proc_dossier_id(world, title="Ander dossier"))
    client = login_as(world.user("partner", "aankoper"))
    future = (TODAY + timedelta(days=3)).isoformat()
    cases = [
        ({"lines": [{"lot_id": other_lot, "quantity": "1"}]}, "hoort niet bij het dossier"),
        ({"lines": [{"lot_id": lot_id, "quantity": "1", "amount": "-2"}]}, "0 of meer"),
        ({"mandate_body": "college", "mandate_on": future, "mandate_reference": "CBS-1"}, "toekomst"),
        ({"mandate_body": "burgemeester", "mandate_on": TODAY.isoformat(), "mandate_reference": "B"}, "orgaan"),
    ]
    for body, message in cases:
        response = client.post(f"{API}/participations", json={"dossier_id": dossier_id, **body})
        assert response.status_code == 422, (body, response.json)
        assert message in str(response.json), response.json
    assert _count(world, Participation, "partner") == 0
    part_id = client.post(f"{API}/participations", json={"dossier_id": dossier_id}).json["id"]
    bad = client.patch(f"{API}/participations/{part_id}", json={"lines": [{"lot_id": lot_id, "quantity": "-4"}]})
    assert bad.status_code == 422 and "negatief" in str(bad.json)
    with _as(world, "partner"):
        assert list(db.session.scalars(select(ParticipationLine))) == []


def test_opening_with_a_past_deadline_is_refused(world, login_as):
    dossier_id = _proc_dossier_id(world, open_it=False)
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        dossier.joining_deadline_on = TODAY - timedelta(days=1)
        db.session.commit()
    client = login_as(world.user("owner", "aankoper"))
    response = client.post(f"/owner/aankoop/dossiers/{dossier_id}/openen", data={})
    assert response.status_code == 422
    assert "uiterste toetredingsdatum" in response.get_data(as_text=True)
    assert _lead_state(world, dossier_id)[1] == "concept"


def test_the_dossier_form_keeps_what_was_typed_on_a_bad_cpv(world, login_as):
    client = login_as(world.user("owner", "aankoper"))
    response = client.post(
        "/owner/aankoop/dossiers/nieuw",
        data={
            "title": "Fietsen voor de diensten",
            "cpv_code": "3443000-0",
            "legal_form": "gezamenlijke_opdracht",
            "procedure": "aanvaarde_factuur",
            "estimated_value": "12000",
            "lot_title": ["Elektrische fietsen", "Onderhoud"],
            "lot_unit": ["stuk", "jaar"],
            "lot_value": ["10000", "2000"],
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "CPV-code heeft de vorm" in html
    for typed in ("Fietsen voor de diensten", "3443000-0", "12000", "Elektrische fietsen", "Onderhoud", "jaar", "2000"):
        assert f'value="{typed}"' in html, typed
    assert 'value="aanvaarde_factuur" selected' in html
    assert _count(world, Dossier) == 0


def test_documents_and_answers_notify_the_dossier_parties_only(world):
    from werkzeug.datastructures import FileStorage

    dossier_id = _proc_dossier_id(world, title="Speeltoestellen")
    with _as(world, "partner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.join(dossier, {"contact_name": "Partner"})
        ops.post_question(dossier, "Zijn de toestellen EN 1176-conform?", "Aankoper Partner")
        upload = FileStorage(io.BytesIO(DOCX), filename="ons-sjabloon.docx")
        ops.add_document(dossier, upload, {"kind": "sjabloon", "title": "Ons sjabloon"}, "Aankoper Partner")
        db.session.commit()
    assert "Nieuw document bij Speeltoestellen: Ons sjabloon" in _notes(world.user("owner", "aankoper"))
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        ops.post_question(dossier, "Ja, dat staat in het bestek.", "Aankoper Owner")
        upload = FileStorage(io.BytesIO(PDF), filename="bestek.pdf")
        ops.add_document(dossier, upload, {"kind": "bestek", "title": "Bestek speeltoestellen"}, "Aankoper Owner")
        db.session.commit()
    partner_notes = _notes(world.user("partner", "aankoper"))
    assert "Nieuw antwoord bij Speeltoestellen" in partner_notes
    assert "Nieuw document bij Speeltoestellen: Bestek speeltoestellen" in partner_notes
    # The lead is not told about its own messages; non-partners hear nothing.
    assert "Nieuw antwoord bij Speeltoestellen" not in _notes(world.user("owner", "aankoper"))
    for tenant in ("outsider", "former"):
        assert not [t for t in _notes(world.user(tenant, "aankoper")) if "Speeltoestellen" in t]


def test_demo_fills_the_module(app, monkeypatch):
    from portal import features
    from portal.demo import load_demo
    from portal.procurement import demo
    from portal.procurement.models import Document
    from tenants.models import Tenant

    # The foundation's demo (regions, municipalities, users) plus this module's content only.
    monkeypatch.setattr(features, "demo_loaders", lambda: [("procurement", demo.load)])
    assert load_demo()["procurement"] >= 3
    zandhoven = db.session.scalar(select(Tenant).where(Tenant.slug == "zandhoven"))
    lier = db.session.scalar(select(Tenant).where(Tenant.slug == "lier"))
    with tenant_context(zandhoven.id):
        energy = db.session.scalar(select(Dossier).where(Dossier.title == "Raamovereenkomst energie 2027-2030"))
        assert energy is not None and energy.status == "open"
        [bestek] = ops.dossier_documents(energy)
        assert bestek.kind == "bestek" and bestek.content_type == "application/pdf"
        from portal.core.files import path_of

        assert path_of(bestek.storage_key).read_bytes().startswith(b"%PDF-1.4")
        assert ops.own_participation(energy, zandhoven.id).counts
        assert ops.bundling_suggestions(zandhoven.id)
        assert db.session.scalar(select(func.count()).select_from(Lot).where(Lot.awarded_value.is_not(None))) >= 1
    with tenant_context(lier.id):
        # Another region: neither the dossier nor its document.
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0
        assert db.session.scalar(select(Dossier.id).where(Dossier.title == energy.title)) is None


def test_dossier_pages_with_documents_are_accessible(app, world):
    from tests.conftest import login
    from tests.test_ui_shell import check_page, unexpected

    dossier_id = _proc_dossier_id(world, title="Toegankelijk dossier")
    lead, partner = app.test_client(), app.test_client()
    login(lead, world.user("owner", "aankoper"))
    login(partner, world.user("partner", "aankoper"))
    assert partner.post("/partner/aankoop/deelnemen", data={"dossier_id": dossier_id}).status_code == 302
    assert _share(lead, "owner", dossier_id, "b.pdf", PDF, kind="bestek", title="Bestek").status_code == 302
    problems = []
    for client, url in (
        (lead, f"/owner/aankoop/dossiers/{dossier_id}"),
        (partner, f"/partner/aankoop/dossiers/{dossier_id}"),
        (lead, "/owner/aankoop/dossiers/nieuw"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        problems += check_page(response.text, url)
    refused = _share(partner, "partner", dossier_id, "b.pdf", b"nope", kind="sjabloon", title="T")
    assert refused.status_code == 422
    problems += check_page(refused.text, "refused upload")
    assert unexpected(problems) == []


def test_the_lead_edits_its_dossier_and_bad_input_keeps_what_was_typed(world, login_as):
    dossier_id = _proc_dossier_id(world, title="Te wijzigen")
    lead = login_as(world.user("owner", "aankoper"))
    form = lead.get(f"/owner/aankoop/dossiers/{dossier_id}/bewerken")
    assert form.status_code == 200 and 'value="Te wijzigen"' in form.get_data(as_text=True)
    data = {
        "title": "Gewijzigde titel",
        "cpv_code": "09310000-5",
        "legal_form": "opdrachtencentrale",
        "procedure": "onderhandeling_met_bekendmaking",
        "estimated_value": "-1",
        "joining_deadline_on": (TODAY + timedelta(days=40)).isoformat(),
        "allows_later_joining": "1",
    }
    bad = lead.post(f"/owner/aankoop/dossiers/{dossier_id}/bewerken", data=data)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "0 of meer" in html and 'value="Gewijzigde titel"' in html and 'value="-1"' in html
    assert _lead_state(world, dossier_id)[0] == "Te wijzigen"
    ok = lead.post(f"/owner/aankoop/dossiers/{dossier_id}/bewerken", data={**data, "estimated_value": "90000"})
    assert ok.status_code == 302
    with _as(world, "owner"):
        dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id))
        assert (dossier.title, dossier.procedure, dossier.estimated_value, dossier.allows_later_joining) == (
            "Gewijzigde titel",
            "onderhandeling_met_bekendmaking",
            Decimal("90000.00"),
            True,
        )
        assert dossier.joining_deadline_on == TODAY + timedelta(days=40)


def test_the_contract_register_exports_what_the_tenant_may_see(world, app):
    from tests.conftest import login

    dossier_id = _proc_dossier_id(world, title="Brandverzekering")
    lot_id = _lot_id(world, dossier_id)
    with _as(world, "owner"):
        lot = db.session.scalar(select(Lot).where(Lot.id == lot_id))
        ops.award_lot(
            lot,
            {
                "supplier_name": "=Verzekeraar nv",
                "supplier_kbo": "0207437468",
                "awarded_value": Decimal("12500.50"),
                "contract_start_on": date(2027, 1, 1),
                "contract_end_on": date(2029, 12, 31),
                "renewal_options": "Stilzwijgend verlengbaar",
            },
        )
        db.session.commit()
    partner, outsider = app.test_client(), app.test_client()
    login(partner, world.user("partner", "dienst"))
    login(outsider, world.user("outsider", "aankoper"))
    page = partner.get("/partner/aankoop/contracten").get_data(as_text=True)
    assert "/partner/aankoop/contracten.xlsx" in page
    lines = partner.get("/partner/aankoop/contracten.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    # A supplier name that starts like a formula is defused.
    assert lines[1] == (
        "Brandverzekering;1. Perceel groene stroom;Gemeente Owner;'=Verzekeraar nv;0207.437.468;"
        "2027-01-01;2029-12-31;Stilzwijgend verlengbaar;12500,50"
    )
    sheet = load_workbook(io.BytesIO(partner.get("/partner/aankoop/contracten.xlsx").data)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Dossier", "Brandverzekering"]
    assert len(outsider.get("/outsider/aankoop/contracten.csv").get_data(as_text=True).splitlines()) == 1
    xlsx = load_workbook(io.BytesIO(outsider.get("/outsider/aankoop/contracten.xlsx").data)).active
    assert sheet.max_row == 2 and xlsx.max_row == 1
