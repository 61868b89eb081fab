"""Afstemming: registers per municipality, comparisons, harmonisation, import/export, notifications."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.agreements.models import Agreement
from portal.alignment import operations as ops
from portal.alignment.models import AlignmentItem, Proposal, Risk, TariffLine
from portal.core.errors import DomainError
from portal.core.notifications import Notification
from portal.extensions import db
from portal.procurement.models import Dossier
from tenants.context import tenant_context
from tests import clock
from tests.alignment_helpers import as_user, item_of, meeting_of, proposal_of, tariff
from tests.conftest import login

TODAY = clock.today()


def _client(app: Any, world: Any, tenant: str = "owner", role: str = "dienst") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def _count(model: Any, tenant: Any) -> int:
    with tenant_context(tenant.id):
        return int(db.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant.id)))


# -- registers -------------------------------------------------------------------------------


def test_every_kind_goes_into_one_register_mechanism(world):
    kinds = {
        "reglement": {
            "category": "retributie",
            "tariff_lines": [{"label": "Hek", "amount": Decimal("2"), "unit": "dag"}],
        },
        "financieel_proces": {"steps": ["Bestelbon", "Levering", "Factuur"], "duration_days": 30},
        "toepassing": {
            "supplier": "Cipal Schaubroeck",
            "contract_end_on": TODAY + timedelta(days=200),
            "users_count": 40,
        },
        "beveiliging": {"description": "Informatieveiligheidsbeleid 2026"},
        "dienstverlening": {"channels": ["loket", "e-loket"], "swot": [{"quadrant": "sterkte", "text": "Nabij"}]},
        "beheersing": {"risks": [{"title": "Fraude", "likelihood": 2, "impact": 5, "control_status": "gepland"}]},
    }
    for kind, extra in kinds.items():
        item_of(world, "owner", {"kind": kind, "title": f"Item {kind}", "subject": f"onderwerp {kind}", **extra})
    with tenant_context(world.tenants["owner"].id):
        registers = {i.kind: i.register for i in db.session.scalars(select(AlignmentItem))}
    assert registers == {
        "reglement": "financien",
        "financieel_proces": "financien",
        "toepassing": "ict",
        "beveiliging": "ict",
        "dienstverlening": "dienstverlening",
        "beheersing": "beheersing",
    }


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Risk, {"title": "x", "likelihood": 6, "impact": 1, "control_status": "gepland"}),
        (Risk, {"title": "x", "likelihood": 1, "impact": 0, "control_status": "gepland"}),
        (Risk, {"title": "x", "likelihood": 1, "impact": 1, "control_status": "onbekend"}),
        (TariffLine, {"label": "x", "amount": Decimal("-1"), "unit": "dag"}),
    ],
)
def test_the_database_refuses_impossible_detail_rows(world, model, values):
    item_id = item_of(world, "owner", {"kind": "beheersing", "title": "Proces", "subject": "aankoop"})
    with as_user(world, "owner", "dienst"):
        db.session.add(model(item_id=item_id, **values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_reglement_needs_belasting_or_retributie_in_the_database_too(world):
    with as_user(world, "owner", "dienst"):
        db.session.add(AlignmentItem(kind="reglement", title="Zonder soort", subject="x", category=""))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_staff_create_a_reglement_with_tariff_lines_through_the_form(app, world):
    client = _client(app, world)
    response = client.post(
        "/owner/afstemming/items/nieuw?kind=reglement",
        data={
            "kind": "reglement",
            "title": "Retributiereglement nadarhekken",
            "subject": "Nadarhekken ",
            "category": "retributie",
            "status": "actief",
            "valid_from_on": "2026-01-01",
            "decision_url": "https://ranst.be/besluit/1",
            "tarief_label": ["Nadarhek", "Levering", ""],
            "tarief_amount": ["2,50", "25", ""],
            "tarief_unit": ["per hek per dag", "per levering", ""],
            "audience": "region",
            "region_id": str(world.regions["a"].id),
        },
    )
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        item = db.session.scalar(select(AlignmentItem).where(AlignmentItem.title == "Retributiereglement nadarhekken"))
        # Shown as typed (trimmed), compared by its key.
        assert (item.subject, item.subject_key) == ("Nadarhekken", "nadarhekken")
        assert [(t.label, t.amount) for t in item.tariff_lines] == [
            ("Nadarhek", Decimal("2.50")),
            ("Levering", Decimal("25.00")),
        ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nadarhek" in page and "per hek per dag" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"category": ""}, "Kies belasting of retributie."),
        ({"tarief_amount": "-3"}, "Geef een bedrag van 0 of meer"),
        ({"tarief_amount": "twee"}, "Geef een bedrag van 0 of meer"),
        (
            {"valid_from_on": "2026-05-01", "valid_until_on": "2026-01-01"},
            "Het einde van de geldigheid ligt vóór het begin.",
        ),
        ({"decision_url": "javascript:alert(1)"}, "Geef een geldige URL."),
        ({"title": "x"}, "De titel moet tussen 3 en 200 tekens lang zijn."),
        ({"audience": "partners"}, "Kies minstens één partnerbestuur."),
        ({"subject": "- !"}, "Geef het onderwerp met minstens twee letters of cijfers"),
    ],
)
def test_bad_input_gives_a_dutch_message_and_changes_nothing(app, world, form, message):
    client = _client(app, world)
    data = {
        "kind": "reglement",
        "title": "Reglement",
        "subject": "nadarhekken",
        "category": "retributie",
        "status": "actief",
        "tarief_label": "Hek",
        "tarief_amount": "2",
        "tarief_unit": "dag",
        "audience": "own",
        **form,
    }
    response = client.post("/owner/afstemming/items/nieuw?kind=reglement", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(AlignmentItem, world.tenants["owner"]) == 0


def test_the_form_suggests_the_regions_subjects_and_keeps_what_was_typed(app, world):
    tariff(world, "partner", "3.00", subject="Nadar-hekken")
    tariff(world, "outsider", "3.00", subject="buitenhekken", shared=False)
    client = _client(app, world)
    page = client.get("/owner/afstemming/items/nieuw?kind=reglement").get_data(as_text=True)
    assert '<datalist id="subject-suggesties"><option value="Nadar-hekken">' in page
    assert "buitenhekken" not in page
    refused = client.post(
        "/owner/afstemming/items/nieuw?kind=reglement",
        data={"kind": "reglement", "title": "Reglement podia", "subject": "?!", "category": "retributie"},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'value="Reglement podia"' in html and 'value="?!"' in html
    assert "minstens twee letters of cijfers" in html


def test_the_proposal_form_suggests_the_subjects_of_every_kind_with_their_kind(app, world):
    """The kind can change on the page, so the list holds every kind's subjects, each labelled with its kinds."""
    tariff(world, "partner", "3.00", subject="Nadar-hekken")
    item_of(world, "owner", {"kind": "toepassing", "title": "Mercurius", "subject": "Mercurius"})
    item_of(world, "owner", {"kind": "financieel_proces", "title": "Proces", "subject": "mercurius"})
    tariff(world, "outsider", "3.00", subject="buitenhekken", shared=False)
    item_of(world, "partner", {"kind": "beheersing", "title": "Eigen", "subject": "eigen proces"}, shared=False)
    client = _client(app, world, role="ad")
    page = client.get("/owner/afstemming/voorstellen/nieuw?kind=beheersing").get_data(as_text=True)
    assert 'list="subject-suggesties"' in page
    assert (
        '<datalist id="subject-suggesties">'
        '<option value="Mercurius" label="Mercurius (Financieel proces, Toepassing en ICT-contract)">'
        '<option value="Nadar-hekken" label="Nadar-hekken (Belasting- of retributiereglement)">'
        "</datalist>"
    ) in page
    assert "buitenhekken" not in page and "eigen proces" not in page
    # A refused proposal keeps what was typed and the suggestions.
    refused = client.post(
        "/owner/afstemming/voorstellen/nieuw",
        data={"title": "Voorstel hekken", "kind": "toepassing", "subject": "?!", "partner_ids": []},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'value="Voorstel hekken"' in html and 'value="?!"' in html
    assert '<option value="Nadar-hekken"' in html


def test_the_register_search_finds_a_subject_however_typed(app, world):
    tariff(world, "owner", "2.00", subject="nadarhekken")
    page = _client(app, world).get("/owner/afstemming?q=Nadar-Hekken").get_data(as_text=True)
    assert "Retributie nadarhekken owner" in page


def test_the_raadslid_reads_but_does_not_write(app, world):
    client = _client(app, world, role="raadslid")
    assert client.get("/owner/afstemming").status_code == 200
    assert client.post("/owner/afstemming/items/nieuw", data={"kind": "reglement"}).status_code == 403


def test_editing_keeps_the_kind_and_replaces_the_lines(app, world):
    item_id = tariff(world, "owner", "2.00")
    client = _client(app, world)
    response = client.post(
        f"/owner/afstemming/items/{item_id}/bewerken",
        data={
            "kind": "toepassing",  # ignored: the kind comes from the item
            "title": "Retributie nadarhekken (2027)",
            "subject": "nadarhekken",
            "category": "retributie",
            "status": "actief",
            "tarief_label": "Nadarhek",
            "tarief_amount": "3,10",
            "tarief_unit": "per hek per dag",
        },
    )
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        item = db.session.get(AlignmentItem, item_id)
        assert item.kind == "reglement" and item.audience == "region"
        assert [t.amount for t in item.tariff_lines] == [Decimal("3.10")]


# -- visibility ------------------------------------------------------------------------------


def test_partners_see_only_what_is_shared(app, world):
    shared = tariff(world, "owner", "2.00", title="Gedeeld reglement")
    private = tariff(world, "owner", "2.00", title="Intern reglement", shared=False)
    for viewer, sees_shared in (("partner", True), ("outsider", False), ("former", False)):
        client = _client(app, world, viewer)
        listing = client.get("/owner/afstemming".replace("owner", viewer)).get_data(as_text=True)
        assert ("Gedeeld reglement" in listing) is sees_shared, viewer
        assert "Intern reglement" not in listing
        assert client.get(f"/{viewer}/afstemming/items/{shared}").status_code == (200 if sees_shared else 404)
        assert client.get(f"/{viewer}/afstemming/items/{private}").status_code == 404
        export = client.get(f"/{viewer}/afstemming/export.csv").get_data(as_text=True)
        assert "Intern reglement" not in export
        assert ("Gedeeld reglement" in export) is sees_shared
        api = client.get("/api/v1/alignment/items").get_json()
        assert {i["title"] for i in api["items"]} == ({"Gedeeld reglement"} if sees_shared else set())


def test_a_partner_cannot_change_a_shared_item(app, world):
    item_id = tariff(world, "owner", "2.00")
    client = _client(app, world, "partner")
    assert client.post(f"/partner/afstemming/items/{item_id}/bewerken", data={"title": "x"}).status_code == 404
    assert client.delete(f"/api/v1/alignment/items/{item_id}").status_code == 404
    assert _count(AlignmentItem, world.tenants["owner"]) == 1


def test_an_application_reuses_the_procurement_contract_register(world):
    from tests.matrix import _proc_dossier_id

    dossier_id = _proc_dossier_id(world)
    from portal.procurement.models import Lot

    with as_user(world, "owner", "aankoper"):
        lot = db.session.scalar(select(Lot).where(Lot.dossier_id == dossier_id))
        lot.supplier_name = "Software nv"
        lot.awarded_value = Decimal("40000")
        lot.contract_end_on = TODAY + timedelta(days=300)
        db.session.commit()
        lot_id = lot.id
    item_id = item_of(
        world,
        "owner",
        {"kind": "toepassing", "title": "Mercurius", "subject": "mercurius", "procurement_lot_id": lot_id},
    )
    with tenant_context(world.tenants["owner"].id):
        item = db.session.get(AlignmentItem, item_id)
        assert (item.supplier, item.contract_end_on) == ("Software nv", TODAY + timedelta(days=300))
    with pytest.raises(DomainError, match="contractenregister"), as_user(world, "outsider", "dienst"):
        ops.create_item(
            {"kind": "toepassing", "title": "Mercurius", "subject": "mercurius", "procurement_lot_id": lot_id}
        )


def test_a_process_map_is_a_bpmn_or_pdf_file(app, world):
    item_id = item_of(world, "owner", {"kind": "financieel_proces", "title": "Aankoopproces", "subject": "aankoop"})
    client = _client(app, world)
    bad = client.post(
        f"/owner/afstemming/items/{item_id}/proceskaart", data={"file": (io.BytesIO(b"MZ\x90"), "kaart.exe")}
    )
    assert bad.status_code == 303
    assert "Kies een BPMN- of PDF-bestand" in client.get(bad.headers["Location"]).get_data(as_text=True)
    bpmn = b'<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'
    good = client.post(
        f"/owner/afstemming/items/{item_id}/proceskaart", data={"file": (io.BytesIO(bpmn), "aankoop.bpmn")}
    )
    assert good.status_code == 303
    download = client.get(f"/owner/afstemming/items/{item_id}/proceskaart")
    assert download.status_code == 200 and download.data == bpmn
    assert download.mimetype == "application/octet-stream"  # never rendered inline


# -- comparisons -----------------------------------------------------------------------------


def _five(world: Any) -> list[Any]:
    """Owner, partner and three more members of region A, each with a nadarhekken tariff."""
    from tests.matrix import third_party

    extra = [third_party(world) for _ in range(3)]
    tariff(world, "owner", "2.00")
    tariff(world, "partner", "2.50")
    amounts = ["2.20", "2.40", "9.00"]
    from portal.auth.models import User

    for tenant, amount in zip(extra, amounts, strict=True):
        ad = db.session.scalar(select(User).where(User.email == f"ad@{tenant.slug}.test"))
        with tenant_context(tenant.id, user_id=ad.id):
            ops.create_item(
                {
                    "kind": "reglement",
                    "title": f"Retributie nadarhekken {tenant.name}",
                    "subject": "nadarhekken",
                    "category": "retributie",
                    "status": "actief",
                    "tariff_lines": [{"label": "Hek", "amount": Decimal(amount), "unit": "Per hek per dag"}],
                    "audience": "region",
                    "region_id": world.regions["a"].id,
                }
            )
            db.session.commit()
    return extra


def test_tariffs_side_by_side_with_min_median_max_and_outliers(app, world):
    extra = _five(world)
    with as_user(world, "owner"):
        result = ops.compare_tariffs("Nadarhekken", ops.chosen_tenants([]))
    (stats,) = result["units"]
    assert stats.unit == "per hek per dag"
    assert (stats.minimum, stats.median, stats.maximum) == (Decimal("2.00"), Decimal("2.40"), Decimal("9.00"))
    assert stats.outliers == {extra[2].id}
    client = _client(app, world)
    page = client.get("/owner/afstemming/vergelijken/tarieven?subject=nadarhekken").get_data(as_text=True)
    assert "uitschieter" in page and "mediaan" in page
    csv = client.get("/owner/afstemming/vergelijken/tarieven?subject=nadarhekken&formaat=csv").get_data(as_text=True)
    assert "9,00" in csv and "ja" in csv
    xlsx = client.get("/owner/afstemming/vergelijken/tarieven?subject=nadarhekken&formaat=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 1 + 5
    api = client.get("/api/v1/alignment/comparisons/tariffs?subject=nadarhekken").get_json()
    assert api["units"][0]["outliers"] == [extra[2].id]


def test_a_comparison_with_chosen_partners_leaves_out_the_rest_and_never_a_foreigner(world):
    _five(world)
    tariff(world, "outsider", "1.00") if False else None  # the outsider is in another region
    with as_user(world, "owner"):
        tenants = ops.chosen_tenants([world.tenants["partner"].id, world.tenants["outsider"].id])
        assert [t.slug for t in tenants] == ["owner", "partner"]
        (stats,) = ops.compare_tariffs("nadarhekken", tenants)["units"]
        assert set(stats.values) == {world.tenants["owner"].id, world.tenants["partner"].id}


def test_an_unshared_partner_item_counts_in_no_figure(world):
    tariff(world, "owner", "2.00")
    tariff(world, "partner", "50.00", shared=False)
    with as_user(world, "owner"):
        (stats,) = ops.compare_tariffs("nadarhekken", ops.chosen_tenants([]))["units"]
    assert stats.maximum == Decimal("2.00")


def test_applications_with_contracts_ending_close_together_are_a_rollout_opportunity(app, world):
    for tenant, days in (("owner", 100), ("partner", 300)):
        item_of(
            world,
            tenant,
            {
                "kind": "toepassing",
                "title": "Financieel pakket",
                "subject": "mercurius",
                "supplier": "Cipal",
                "contract_end_on": TODAY + timedelta(days=days),
            },
        )
    item_of(world, "owner", {"kind": "toepassing", "title": "Alleen bij ons", "subject": "eigen tool"})
    with as_user(world, "owner"):
        groups = ops.compare_applications(ops.chosen_tenants([]))
    assert groups[0].subject == "mercurius" and groups[0].opportunity.startswith("Kans op gezamenlijke uitrol")
    assert groups[1].opportunity == ""
    page = _client(app, world).get("/owner/afstemming/vergelijken/toepassingen").get_data(as_text=True)
    assert "Kans op gezamenlijke uitrol" in page


def test_the_risk_heatmap_reads_without_colour(app, world):
    item_of(
        world,
        "owner",
        {
            "kind": "beheersing",
            "title": "Aankoopproces",
            "subject": "aankoop",
            "risks": [
                {"title": "Fraude", "likelihood": 5, "impact": 5},
                {"title": "Fout", "likelihood": 1, "impact": 2},
            ],
        },
    )
    with as_user(world, "owner"):
        maps = ops.risk_heatmaps(ops.chosen_tenants([]))
    assert maps[0].count(5, 5) == 1 and maps[0].count(1, 2) == 1
    assert ops.risk_level(25) == "zeer hoog" and ops.risk_level(2) == "laag"
    page = _client(app, world).get("/owner/afstemming/vergelijken/risicos").get_data(as_text=True)
    assert "zeer hoog" in page and "Fraude" in page and "5 × 5 = 25" in page
    api = _client(app, world).get("/api/v1/alignment/comparisons/risks").get_json()
    assert {"likelihood": 5, "impact": 5, "count": 1, "level": "zeer hoog"} in api[0]["cells"]
    # The level word follows the language; the cell's class is the same key in every language.
    assert 'class="heat-zeer-hoog"' in page and 'class="heat-middel"' in page
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("en"):
        english = ops.risk_level(25)
        assert ops.risk_key(25) == "zeer-hoog" and english != "zeer hoog"
    assert ops.risk_level(25) == "zeer hoog" and ops.risk_level(9) == "middel" and ops.risk_level(10) == "hoog"


def test_swot_and_process_comparisons(app, world):
    item_of(
        world,
        "owner",
        {
            "kind": "dienstverlening",
            "title": "Onthaal",
            "subject": "onthaal",
            "swot": [{"quadrant": "zwakte", "text": "Lange wachttijden"}],
        },
    )
    item_of(
        world,
        "partner",
        {
            "kind": "financieel_proces",
            "title": "Facturatie",
            "subject": "facturatie",
            "steps": ["Ontvangst", "Goedkeuring"],
        },
    )
    client = _client(app, world)
    assert "Lange wachttijden" in client.get("/owner/afstemming/vergelijken/swot").get_data(as_text=True)
    page = client.get("/owner/afstemming/vergelijken/items?kind=financieel_proces&subject=facturatie")
    assert "Goedkeuring" in page.get_data(as_text=True)


# -- harmonisation ---------------------------------------------------------------------------


def test_a_proposal_is_decided_per_municipality_and_closes_when_all_decided(app, world):
    meeting_id = meeting_of(world)
    proposal_id = proposal_of(world, [world.tenants["partner"]])
    owner = _client(app, world, "owner", "ad")
    assert (
        owner.post(
            f"/owner/afstemming/voorstellen/{proposal_id}/vergadering", data={"meeting_id": str(meeting_id)}
        ).status_code
        == 303
    )
    assert owner.post(f"/owner/afstemming/voorstellen/{proposal_id}/voorleggen").status_code == 303
    partner_ad = world.user("partner", "ad")
    with tenant_context(partner_ad.tenant_id):
        notes = list(db.session.scalars(select(Notification.title).where(Notification.user_id == partner_ad.id)))
    assert any("Harmonisatievoorstel ter beslissing" in n for n in notes)
    # The partner's dienstmedewerker sees the proposal but does not decide for the municipality.
    partner_staff = _client(app, world, "partner", "dienst")
    assert partner_staff.get(f"/partner/afstemming/voorstellen/{proposal_id}").status_code == 200
    decision = {"decision": "goedgekeurd", "body": "college", "decided_on": TODAY.isoformat(), "reference": "CBS-7"}
    assert (
        partner_staff.post(f"/partner/afstemming/voorstellen/{proposal_id}/beslissing", data=decision).status_code
        == 403
    )
    partner = _client(app, world, "partner", "ad")
    future = {**decision, "decided_on": (TODAY + timedelta(days=3)).isoformat()}
    refused = partner.post(f"/partner/afstemming/voorstellen/{proposal_id}/beslissing", data=future)
    assert refused.status_code == 422 and "De beslissingsdatum ligt in de toekomst." in refused.get_data(as_text=True)
    assert partner.post(f"/partner/afstemming/voorstellen/{proposal_id}/beslissing", data=decision).status_code == 303
    again = partner.post(f"/partner/afstemming/voorstellen/{proposal_id}/beslissing", data=decision)
    assert again.status_code == 409
    with tenant_context(world.tenants["owner"].id):
        proposal = db.session.get(Proposal, proposal_id)
        assert {p.tenant.slug: p.decision for p in proposal.parties} == {"owner": "open", "partner": "goedgekeurd"}
        assert proposal.status == "ter_beslissing"
    assert owner.post(f"/owner/afstemming/voorstellen/{proposal_id}/beslissing", data=decision).status_code == 303
    with tenant_context(world.tenants["owner"].id):
        assert db.session.get(Proposal, proposal_id).status == "afgerond"
    page = owner.get(f"/owner/afstemming/voorstellen/{proposal_id}").get_data(as_text=True)
    assert "CBS-7" in page and "Afgerond" in page


def test_the_outsider_and_former_member_cannot_be_parties(world):
    with as_user(world, "owner"), pytest.raises(DomainError, match="partnerbesturen"):
        ops.create_proposal(
            {"title": "Voorstel", "kind": "reglement", "subject": "x", "partner_ids": [world.tenants["former"].id]}
        )


def test_a_proposal_becomes_an_agreement_with_the_approving_partners_in_one_click(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]], submit=True)
    partner = _client(app, world, "partner", "ad")
    decision = {"decision": "goedgekeurd", "body": "gemeenteraad", "decided_on": TODAY.isoformat(), "reference": "GR-1"}
    partner.post(f"/partner/afstemming/voorstellen/{proposal_id}/beslissing", data=decision)
    owner = _client(app, world, "owner", "ad")
    response = owner.post(f"/owner/afstemming/voorstellen/{proposal_id}/overeenkomst")
    assert response.status_code == 303 and "/overeenkomsten/" in response.headers["Location"]
    with tenant_context(world.tenants["owner"].id):
        proposal = db.session.get(Proposal, proposal_id)
        agreement = db.session.get(Agreement, proposal.agreement_id)
        assert agreement.title == proposal.title and agreement.domains == ["financieel"]
        assert {p.tenant.slug for p in agreement.parties} == {"owner", "partner"}
        assert "2,50 EUR per hek per dag" in agreement.versions[0].text_html
    assert owner.post(f"/owner/afstemming/voorstellen/{proposal_id}/overeenkomst").status_code == 303
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalar(select(func.count()).select_from(Agreement)) == 1


def test_a_proposal_becomes_a_joint_procurement_dossier_in_one_click(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]])
    buyer = _client(app, world, "owner", "aankoper")
    response = buyer.post(f"/owner/afstemming/voorstellen/{proposal_id}/aankoopdossier")
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        dossier = db.session.scalar(select(Dossier))
        assert dossier.title.startswith("Voorstel") and dossier.estimated_value == Decimal("2.50")
        assert [lot.title for lot in dossier.lots] == ["nadarhekken"]
    # A dienstmedewerker may not start a purchase for the municipality.
    other = proposal_of(world, [world.tenants["partner"]])
    assert _client(app, world).post(f"/owner/afstemming/voorstellen/{other}/aankoopdossier").status_code == 403


def test_the_proposal_api_follows_the_same_rules(app, world):
    client = app.test_client()
    login(client, world.user("owner", "ad"))
    body = {
        "title": "Tarief nadarhekken afstemmen",
        "kind": "reglement",
        "subject": "nadarhekken",
        "partner_ids": [world.tenants["partner"].id],
        "target_amount": "2,50",
    }
    created = client.post("/api/v1/alignment/proposals", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["target_amount"] == "2.50"
    bad = client.post("/api/v1/alignment/proposals", json={**body, "partner_ids": []})
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["json"]["partner_ids"] == ["Kies minstens één partnerbestuur."]


# -- import ----------------------------------------------------------------------------------


def _csv(text: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode("utf-8-sig")), "reglementen.csv"


def test_import_reads_every_row_with_child_lines(app, world):
    client = _client(app, world)
    text = (
        "titel;onderwerp;soort_heffing;tarief_omschrijving;tarief_bedrag;tarief_eenheid\n"
        "Retributie nadarhekken;nadarhekken;retributie;Nadarhek;2,50;per hek per dag\n"
        "Retributie nadarhekken;nadarhekken;retributie;Levering;25;per levering\n"
        "Belasting op tweede verblijven;tweede verblijven;belasting;Verblijf;500;per jaar\n"
    )
    response = client.post("/owner/afstemming/importeren", data={"kind": "reglement", "file": _csv(text)})
    assert response.status_code == 303
    with tenant_context(world.tenants["owner"].id):
        items = {i.title: i for i in db.session.scalars(select(AlignmentItem))}
        assert [t.unit for t in items["Retributie nadarhekken"].tariff_lines] == ["per hek per dag", "per levering"]
        assert items["Belasting op tweede verblijven"].category == "belasting"


def test_one_bad_row_keeps_the_whole_file_out_with_dutch_row_errors(app, world):
    client = _client(app, world)
    text = (
        "titel;onderwerp;soort_heffing;tarief_omschrijving;tarief_bedrag;tarief_eenheid\n"
        "Retributie nadarhekken;nadarhekken;retributie;Nadarhek;2,50;per hek per dag\n"
        "Retributie podium;podium;huur;Podium;-4;per dag\n"
    )
    response = client.post("/owner/afstemming/importeren", data={"kind": "reglement", "file": _csv(text)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Er is niets ingelezen." in page
    assert "Rij 3, soort_heffing" in page and "Rij 3, tarief_bedrag" in page
    assert _count(AlignmentItem, world.tenants["owner"]) == 0


def test_a_row_error_names_its_line_in_the_file_also_after_an_empty_row(app, world):
    client = _client(app, world)
    text = (
        "titel;onderwerp;soort_heffing;tarief_omschrijving;tarief_bedrag;tarief_eenheid\n"
        "Retributie nadarhekken;nadarhekken;retributie;Nadarhek;2,50;per hek per dag\n"
        ";;;;;\n"
        "Retributie podium;podium;huur;Podium;5;per dag\n"
    )
    response = client.post("/owner/afstemming/importeren", data={"kind": "reglement", "file": _csv(text)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Rij 4, soort_heffing" in page and "Rij 3" not in page
    assert _count(AlignmentItem, world.tenants["owner"]) == 0


def test_import_from_xlsx_and_refusals_of_unreadable_files(app, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Titel", "Onderwerp", "Risico", "Kans", "Impact", "Maatregel"])
    sheet.append(["Aankoopproces", "aankoop", "Fraude", 3, 4, "Vier-ogen-principe"])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    client = _client(app, world)
    assert (
        client.post(
            "/owner/afstemming/importeren", data={"kind": "beheersing", "file": (out, "risico.xlsx")}
        ).status_code
        == 303
    )
    with tenant_context(world.tenants["owner"].id):
        (risk,) = db.session.scalars(select(Risk))
        assert (risk.likelihood, risk.impact, risk.control) == (3, 4, "Vier-ogen-principe")
    broken = client.post(
        "/owner/afstemming/importeren", data={"kind": "beheersing", "file": (io.BytesIO(b"PK\x03\x04kapot"), "x.xlsx")}
    )
    assert broken.status_code == 422 and "kan niet gelezen worden" in broken.get_data(as_text=True)
    other = client.post(
        "/owner/afstemming/importeren", data={"kind": "beheersing", "file": (io.BytesIO(b"x"), "a.exe")}
    )
    assert other.status_code == 422 and "Kies een CSV- of XLSX-bestand." in other.get_data(as_text=True)


# -- notifications ---------------------------------------------------------------------------


def _notes(world: Any, tenant: str) -> list[str]:
    user = world.user(tenant, "ad")
    with tenant_context(user.tenant_id):
        return list(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)))


def test_partners_comparing_with_an_item_hear_when_it_is_published_or_changed(app, world):
    tariff(world, "partner", "2.50")  # the partner compares nadarhekken too
    item_id = tariff(world, "owner", "2.00", title="Retributie nadarhekken Owner")
    assert any("deelt Retributie nadarhekken Owner" in n for n in _notes(world, "partner"))
    assert not _notes(world, "outsider")
    client = _client(app, world)
    client.post(
        f"/owner/afstemming/items/{item_id}/bewerken",
        data={
            "title": "Retributie nadarhekken Owner",
            "subject": "nadarhekken",
            "category": "retributie",
            "status": "actief",
            "tarief_label": "Hek",
            "tarief_amount": "2,20",
            "tarief_unit": "per hek per dag",
        },
    )
    assert any("wijzigde Retributie nadarhekken Owner" in n for n in _notes(world, "partner"))


def test_a_private_item_tells_nobody(world):
    tariff(world, "partner", "2.50")
    tariff(world, "owner", "2.00", shared=False)
    assert not [n for n in _notes(world, "partner") if "Owner" in n or "owner" in n]


def test_the_register_export_in_xlsx(app, world):
    tariff(world, "owner", "2.00")
    response = _client(app, world).get("/owner/afstemming/export.xlsx?kind=reglement")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(row=2, column=4).value == "nadarhekken"
    assert "Nadarhek: 2.00 EUR per hek per dag" in sheet.cell(row=2, column=10).value
