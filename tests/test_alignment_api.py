"""Afstemming REST API: the endpoints the pages have (sharing, process map, import, proposal steps, conversions).

Each endpoint is tried as the owner, a partner of region A, a municipality of another region
(outsider) and a former member of region A, and with bad input: a Dutch message, a 4xx and
nothing changed. Subjects meet however they are typed, and the suggestions never show what a
non-partner keeps.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select, update

from portal.agreements.models import Agreement
from portal.alignment import operations as ops
from portal.alignment.models import AlignmentItem, Proposal
from portal.auth.models import User
from portal.extensions import db
from portal.procurement.models import Dossier
from tenants.context import tenant_context
from tests import clock
from tests.alignment_helpers import as_user, item_of, meeting_of, proposal_of, tariff
from tests.conftest import login
from tests.matrix import third_party, token_headers

API = "/api/v1/alignment"
FOREIGN = ("outsider", "former")


def _client(app: Any, world: Any, tenant: str = "owner", role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def _item_row(world: Any, item_id: int) -> Any:
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        return db.session.execute(
            select(
                AlignmentItem.audience,
                AlignmentItem.region_id,
                AlignmentItem.map_storage_key,
                AlignmentItem.map_filename,
            ).where(AlignmentItem.id == item_id)
        ).one()


def _proposal_row(world: Any, proposal_id: int) -> Any:
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        return db.session.execute(
            select(Proposal.status, Proposal.meeting_id, Proposal.agreement_id, Proposal.dossier_id).where(
                Proposal.id == proposal_id
            )
        ).one()


def _text(response: Any) -> str:
    """Return the body with its Dutch text readable (JSON escapes é as \\u00e9)."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return str(response.get_data(as_text=True))


def _count(model: Any, tenant: Any) -> int:
    with tenant_context(tenant.id):
        return int(db.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant.id)))


def _pdf(label: str = "kaart") -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"%PDF-1.7 " + label.encode()), "proces.pdf"


def _csv(text: str, name: str = "reglementen.csv") -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode("utf-8-sig")), name


# -- the spec --------------------------------------------------------------------------------


def test_the_openapi_spec_documents_the_new_endpoints(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    expected = {
        f"{API}/items/{{item_id}}/sharing": {"put"},
        f"{API}/items/{{item_id}}/map": {"get", "put"},
        f"{API}/items/import": {"post"},
        f"{API}/subjects": {"get"},
        f"{API}/proposals/{{proposal_id}}/meeting": {"put"},
        f"{API}/proposals/{{proposal_id}}/withdrawal": {"post"},
        f"{API}/proposals/{{proposal_id}}/agreement": {"post"},
        f"{API}/proposals/{{proposal_id}}/dossier": {"post"},
        f"{API}/proposals/{{proposal_id}}/decision": {"post"},
        f"{API}/proposals/{{proposal_id}}/submission": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert "multipart/form-data" in paths[f"{API}/items/import"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in paths[f"{API}/items/{{item_id}}/map"]["put"]["requestBody"]["content"]
    assert "201" in paths[f"{API}/proposals/{{proposal_id}}/agreement"]["post"]["responses"]
    assert "application/pdf" in paths[f"{API}/items/{{item_id}}/map"]["get"]["responses"]["200"]["content"]


# -- sharing ---------------------------------------------------------------------------------


def test_the_owner_shares_an_item_with_the_region_chosen_partners_or_nobody(app, world):
    item_id = tariff(world, "owner", "2.00", shared=False)
    owner = _client(app, world)
    partner = _client(app, world, "partner")
    assert partner.get(f"{API}/items/{item_id}").status_code == 404
    response = owner.put(
        f"{API}/items/{item_id}/sharing", json={"audience": "region", "region_id": world.regions["a"].id}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["audience"] == "region"
    assert partner.get(f"{API}/items/{item_id}").status_code == 200
    chosen = owner.put(
        f"{API}/items/{item_id}/sharing", json={"audience": "partners", "partner_ids": [world.tenants["partner"].id]}
    )
    assert chosen.status_code == 200 and chosen.get_json()["audience"] == "partners"
    assert partner.get(f"{API}/items/{item_id}").status_code == 200
    assert owner.put(f"{API}/items/{item_id}/sharing", json={"audience": "own"}).status_code == 200
    assert partner.get(f"{API}/items/{item_id}").status_code == 404


@pytest.mark.parametrize("viewer", ["partner", *FOREIGN])
def test_nobody_but_the_owner_changes_who_reads_an_item(app, world, viewer):
    item_id = tariff(world, "owner", "2.00", shared=True)
    before = _item_row(world, item_id)
    response = _client(app, world, viewer).put(f"{API}/items/{item_id}/sharing", json={"audience": "own"})
    assert response.status_code == 404
    assert _item_row(world, item_id) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"audience": "iedereen"}, "Kies met wie je dit deelt."),
        ({"audience": "region"}, "Kies het samenwerkingsverband."),
        ({"audience": "partners", "partner_ids": []}, "Kies minstens één partnerbestuur."),
    ],
)
def test_bad_sharing_input_is_refused_in_dutch(app, world, body, message):
    item_id = tariff(world, "owner", "2.00", shared=False)
    before = _item_row(world, item_id)
    response = _client(app, world).put(f"{API}/items/{item_id}/sharing", json=body)
    assert response.status_code == 422
    assert message in _text(response)
    assert _item_row(world, item_id) == before


@pytest.mark.parametrize("foreign", FOREIGN)
def test_an_item_is_never_shared_with_a_foreign_municipality(app, world, foreign):
    item_id = tariff(world, "owner", "2.00", shared=False)
    before = _item_row(world, item_id)
    response = _client(app, world).put(
        f"{API}/items/{item_id}/sharing", json={"audience": "partners", "partner_ids": [world.tenants[foreign].id]}
    )
    assert response.status_code == 422
    assert "partnerbesturen uit je samenwerkingsverbanden" in response.get_json()["detail"]
    region_b = _client(app, world).put(
        f"{API}/items/{item_id}/sharing", json={"audience": "region", "region_id": world.regions["b"].id}
    )
    assert region_b.status_code == 422
    assert _item_row(world, item_id) == before
    assert _client(app, world, foreign).get(f"{API}/items/{item_id}").status_code == 404


# -- process map -----------------------------------------------------------------------------


def test_the_owner_uploads_the_process_map_and_a_partner_downloads_it_once_shared(app, world):
    item_id = tariff(world, "owner", "2.00", shared=True)
    owner = _client(app, world)
    assert owner.get(f"{API}/items/{item_id}/map").status_code == 404  # no map yet
    response = owner.put(f"{API}/items/{item_id}/map", data={"file": _pdf("eerste")})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["has_map"] is True
    download = _client(app, world, "partner").get(f"{API}/items/{item_id}/map")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data == b"%PDF-1.7 eerste"
    bpmn = owner.put(
        f"{API}/items/{item_id}/map",
        data={"file": (io.BytesIO(b'<?xml version="1.0"?><definitions/>'), "proces.bpmn")},
    )
    assert bpmn.status_code == 200
    again = owner.get(f"{API}/items/{item_id}/map")
    assert again.mimetype == "application/octet-stream" and again.data.startswith(b"<?xml")


@pytest.mark.parametrize("viewer", ["partner", *FOREIGN])
def test_only_the_owner_uploads_and_an_unshared_map_is_not_found(app, world, viewer):
    item_id = tariff(world, "owner", "2.00", shared=viewer == "partner")
    with as_user(world, "owner", "dienst"):
        ops.attach_map(db.session.get(AlignmentItem, item_id), _file(*_pdf("geheim")))
        db.session.commit()
    before = _item_row(world, item_id)
    client = _client(app, world, viewer)
    assert client.put(f"{API}/items/{item_id}/map", data={"file": _pdf("vreemd")}).status_code == 404
    assert _item_row(world, item_id) == before
    download = client.get(f"{API}/items/{item_id}/map")
    if viewer == "partner":
        assert download.status_code == 200  # shared with region A
    else:
        assert download.status_code == 404 and b"geheim" not in download.data


def _file(stream: io.BytesIO, name: str) -> Any:
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream, filename=name)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"file": (io.BytesIO(b"MZ\x90\x00"), "proces.exe")}, "Kies een BPMN- of PDF-bestand (hoogstens 10 MB)."),
        ({"file": (io.BytesIO(b"gewone tekst"), "proces.pdf")}, "Kies een BPMN- of PDF-bestand (hoogstens 10 MB)."),
        ({"file": (io.BytesIO(b""), "leeg.pdf")}, "Het bestand is leeg."),
        ({}, "Dit veld is verplicht."),
    ],
)
def test_a_bad_process_map_is_refused_in_dutch_and_the_old_one_stays(app, world, data, message):
    item_id = tariff(world, "owner", "2.00", shared=False)
    owner = _client(app, world)
    assert owner.put(f"{API}/items/{item_id}/map", data={"file": _pdf("oud")}).status_code == 200
    before = _item_row(world, item_id)
    response = owner.put(f"{API}/items/{item_id}/map", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in _text(response)
    assert _item_row(world, item_id) == before
    assert owner.get(f"{API}/items/{item_id}/map").data == b"%PDF-1.7 oud"


def test_the_raadslid_reads_the_map_but_uploads_nothing(app, world):
    item_id = tariff(world, "owner", "2.00", shared=False)
    raadslid = _client(app, world, "owner", "raadslid")
    assert raadslid.put(f"{API}/items/{item_id}/map", data={"file": _pdf()}).status_code == 403
    assert _item_row(world, item_id).map_storage_key is None


# -- import ----------------------------------------------------------------------------------

_GOOD = (
    "titel;onderwerp;soort_heffing;tarief_omschrijving;tarief_bedrag;tarief_eenheid\n"
    "Retributie nadarhekken;Nadar-hekken;retributie;Nadarhek;2,50;per hek per dag\n"
    "Retributie nadarhekken;nadarhekken;retributie;Levering;25;per levering\n"
    "Belasting op tweede verblijven;tweede verblijven;belasting;Verblijf;500;per jaar\n"
)


def test_the_api_imports_every_row_and_shares_with_the_chosen_region(app, world):
    owner = _client(app, world, "owner", "dienst")
    response = owner.post(
        f"{API}/items/import?kind=reglement&region_id={world.regions['a'].id}", data={"file": _csv(_GOOD)}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["count"] == 2 and len(body["item_ids"]) == 2
    with tenant_context(world.tenants["owner"].id):
        items = {i.title: i for i in db.session.scalars(select(AlignmentItem))}
        fences = items["Retributie nadarhekken"]
        # The first row's spelling is kept; both rows were one item by their key.
        assert (fences.subject, fences.subject_key) == ("Nadar-hekken", "nadarhekken")
        assert [t.unit for t in fences.tariff_lines] == ["per hek per dag", "per levering"]
        assert fences.audience == "region"
        fences_id = fences.id
    assert _client(app, world, "partner").get(f"{API}/items/{fences_id}").status_code == 200
    for foreign in FOREIGN:
        assert _client(app, world, foreign).get(f"{API}/items/{fences_id}").status_code == 404


@pytest.mark.parametrize("viewer", ["partner", *FOREIGN])
def test_an_import_goes_into_the_callers_own_register_only(app, world, viewer):
    response = _client(app, world, viewer, "dienst").post(
        f"{API}/items/import?kind=reglement", data={"file": _csv(_GOOD)}
    )
    assert response.status_code == 201
    assert _count(AlignmentItem, world.tenants[viewer]) == 2
    assert _count(AlignmentItem, world.tenants["owner"]) == 0
    # Private by default: the owner reads none of them.
    assert _client(app, world).get(f"{API}/items").get_json()["pagination"]["total"] == 0


def test_one_bad_row_imports_nothing_and_the_422_lists_each_row_in_dutch(app, world):
    text = (
        "titel;onderwerp;soort_heffing;tarief_omschrijving;tarief_bedrag;tarief_eenheid\n"
        "Retributie nadarhekken;nadarhekken;retributie;Nadarhek;2,50;per hek per dag\n"
        "Retributie podium;podium;huur;Podium;-4;per dag\n"
    )
    response = _client(app, world, "owner", "dienst").post(
        f"{API}/items/import?kind=reglement", data={"file": _csv(text)}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert "Er is niets ingelezen" in body["detail"]
    rows = body["errors"]["rows"]
    assert any(r.startswith("Rij 3, soort_heffing") for r in rows)
    assert any(r.startswith("Rij 3, tarief_bedrag") for r in rows)
    assert _count(AlignmentItem, world.tenants["owner"]) == 0


@pytest.mark.parametrize(
    ("query", "data", "status", "message"),
    [
        ("kind=reglementen", {"file": _csv(_GOOD)}, 422, "Kies een soort uit de lijst."),
        ("", {"file": _csv(_GOOD)}, 422, "Dit veld is verplicht."),
        ("kind=reglement", {}, 422, "Dit veld is verplicht."),
        ("kind=reglement", {"file": _csv("titel;onderwerp\n")}, 422, "Het bestand bevat geen rijen."),
        ("kind=reglement", {"file": (io.BytesIO(b"x"), "a.exe")}, 422, "Kies een CSV- of XLSX-bestand."),
        ("kind=reglement", {"file": (io.BytesIO(b"PK\x03\x04kapot"), "x.xlsx")}, 422, "kan niet gelezen worden"),
    ],
)
def test_bad_import_input_is_refused_in_dutch(app, world, query, data, status, message):
    response = _client(app, world, "owner", "dienst").post(
        f"{API}/items/import?{query}", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == status
    assert message in _text(response)
    assert _count(AlignmentItem, world.tenants["owner"]) == 0


def test_an_import_shared_with_a_foreign_region_imports_nothing(app, world):
    response = _client(app, world, "owner", "dienst").post(
        f"{API}/items/import?kind=reglement&region_id={world.regions['b'].id}", data={"file": _csv(_GOOD)}
    )
    assert response.status_code == 422
    assert "samenwerkingsverband waarvan je bestuur lid is" in _text(response)
    assert _count(AlignmentItem, world.tenants["owner"]) == 0


def test_the_raadslid_imports_nothing(app, world):
    response = _client(app, world, "owner", "raadslid").post(
        f"{API}/items/import?kind=reglement", data={"file": _csv(_GOOD)}
    )
    assert response.status_code == 403
    assert _count(AlignmentItem, world.tenants["owner"]) == 0


# -- subjects --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Nadarhekken", "nadarhekken"),
        ("  nadarhekken ", "nadarhekken"),
        ("nadar-hekken", "nadarhekken"),
        ("NÁDARHEKKEN!", "nadarhekken"),
        ("Tweede   Verblijven", "tweedeverblijven"),
        ("tweede-verblijven", "tweedeverblijven"),
        ("tweedeverblijven", "tweedeverblijven"),
        ("Financiële dienst/ICT", "financieledienstict"),
        ("'s-Gravenwezel", "sgravenwezel"),
        ("e_loket", "eloket"),
        ("🚧 nadar 🚧", "nadar"),
        ("", ""),
    ],
)
def test_the_subject_key_ignores_case_whitespace_accents_and_punctuation(typed, key):
    assert ops.normalise_subject(typed) == key


def _literal_subjects(module: Any) -> set[str]:
    """Return the string literals a module writes as the "subject" of a dict (its demo or bench rows)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "subject" and isinstance(value, ast.Constant):
                    found.add(value.value)
    return found


def test_the_demo_and_bench_subjects_keep_distinct_keys():
    """Dropping spaces and hyphens joins no two different subjects of the demo or bench data."""
    from portal.alignment import bench, demo

    subjects = (
        _literal_subjects(demo)
        | _literal_subjects(bench)
        | {subject for subject, _supplier in demo.APPLICATIONS}
        | set(bench.APPLICATIONS)
    )
    assert {"nadarhekken", "tweede verblijven", "mercurius", "e-loket"} <= subjects
    keys = {ops.normalise_subject(s) for s in subjects}
    assert len(keys) == len(subjects)
    assert all(len(key) >= 2 for key in keys)


def test_a_hyphenated_or_spaced_compound_meets_the_joined_one(app, world):
    """ "tweede-verblijven", "Tweede verblijven" and "tweedeverblijven" are one subject in a comparison."""
    tariff(world, "owner", "400.00", subject="Tweede verblijven", unit="per jaar")
    tariff(world, "partner", "450.00", subject="tweede-verblijven", unit="per jaar")
    body = _client(app, world).get(f"{API}/comparisons/tariffs?subject=tweedeverblijven").get_json()
    # Shown as the own municipality typed it, matched by the key.
    assert (body["subject"], body["subject_key"]) == ("Tweede verblijven", "tweedeverblijven")
    (unit,) = body["units"]
    assert unit["amounts"] == {str(world.tenants["owner"].id): "400.00", str(world.tenants["partner"].id): "450.00"}
    suggested = _client(app, world).get(f"{API}/subjects?kind=reglement").get_json()["subjects"]
    assert suggested == ["Tweede verblijven"]


def test_two_municipalities_typing_a_subject_differently_compare_together(app, world):
    tariff(world, "owner", "2.00", subject="Nadarhekken")
    tariff(world, "partner", "3.00", subject="nadar-hekken ")
    response = _client(app, world).get(f"{API}/comparisons/tariffs?subject=NADAR-hekken")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["subject"], body["subject_key"]) == ("Nadarhekken", "nadarhekken")
    (unit,) = body["units"]
    assert unit["amounts"] == {str(world.tenants["owner"].id): "2.00", str(world.tenants["partner"].id): "3.00"}
    # The page compares them too.
    page = _client(app, world).get("/owner/afstemming/vergelijken/tarieven?subject=N%C3%A1dar-hekken")
    assert page.status_code == 200
    assert "Gemeente Partner" in page.get_data(as_text=True)


def test_a_subject_without_letters_is_refused_in_dutch(app, world):
    response = _client(app, world, "owner", "dienst").post(
        f"{API}/items",
        json={
            "kind": "beveiliging",
            "title": "Informatieveiligheid",
            "subject": "-- !!",
        },
    )
    assert response.status_code == 422
    assert "minstens twee letters of cijfers" in _text(response)
    assert _count(AlignmentItem, world.tenants["owner"]) == 0


def _region_item(world: Any, tenant: str, subject: str, region: str) -> None:
    """An item of ``tenant`` shared with ``region`` (for the former member: while it still was one)."""
    item_id = item_of(world, tenant, {"kind": "toepassing", "title": "Toepassing", "subject": subject}, False)
    with tenant_context(world.tenants[tenant].id):
        db.session.execute(
            update(AlignmentItem)
            .where(AlignmentItem.id == item_id)
            .values(audience="region", region_id=world.regions[region].id)
        )
        db.session.commit()


def test_the_suggestions_are_the_regions_subjects_and_never_a_non_partners(app, world):
    item_of(world, "owner", {"kind": "toepassing", "title": "Burgerzaken", "subject": "Mercurius"}, False)
    item_of(world, "partner", {"kind": "toepassing", "title": "Financiën", "subject": "Remmicom"})
    item_of(world, "partner", {"kind": "toepassing", "title": "Geheim", "subject": "Partnergeheim"}, False)
    item_of(world, "partner", {"kind": "beveiliging", "title": "Beleid", "subject": "Anderesoort"})
    _region_item(world, "outsider", "Buitenstaander", "b")
    _region_item(world, "former", "Oudlid", "a")
    response = _client(app, world).get(f"{API}/subjects?kind=toepassing")
    assert response.status_code == 200
    assert response.get_json() == {"kind": "toepassing", "subjects": ["Mercurius", "Remmicom"]}
    # The item form offers the same suggestions in a datalist.
    page = _client(app, world, "owner", "dienst").get("/owner/afstemming/items/nieuw?kind=toepassing")
    html = page.get_data(as_text=True)
    assert 'list="subject-suggesties"' in html and '<option value="Remmicom">' in html
    for hidden in ("Buitenstaander", "Oudlid", "Partnergeheim", "Anderesoort"):
        assert hidden not in html
    # The outsider and the former member see none of region A's subjects.
    for foreign in FOREIGN:
        subjects = _client(app, world, foreign).get(f"{API}/subjects?kind=toepassing").get_json()["subjects"]
        assert "Mercurius" not in subjects and "Remmicom" not in subjects


def test_the_subjects_need_a_known_kind(app, world):
    response = _client(app, world).get(f"{API}/subjects?kind=iets")
    assert response.status_code == 422
    assert "Kies een soort uit de lijst." in _text(response)
    assert _client(app, world).get(f"{API}/subjects").status_code == 422


# -- proposals -------------------------------------------------------------------------------


def test_the_owner_links_a_meeting_and_bad_meetings_are_refused_in_dutch(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]])
    meeting_id = meeting_of(world)
    owner = _client(app, world)
    before = _proposal_row(world, proposal_id)
    missing = owner.put(f"{API}/proposals/{proposal_id}/meeting", json={})
    assert missing.status_code == 422 and "Kies een vergadering." in _text(missing)
    unknown = owner.put(f"{API}/proposals/{proposal_id}/meeting", json={"meeting_id": 99_999_999})
    assert unknown.status_code == 422
    assert "Kies een vergadering van een beleidstafel die je bestuur ziet." in unknown.get_json()["detail"]
    assert _proposal_row(world, proposal_id) == before
    response = owner.put(f"{API}/proposals/{proposal_id}/meeting", json={"meeting_id": meeting_id})
    assert response.status_code == 200
    assert response.get_json()["meeting_id"] == meeting_id


def test_a_foreign_meeting_cannot_be_linked(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]])
    foreign_meeting = _outsider_meeting(world)
    before = _proposal_row(world, proposal_id)
    response = _client(app, world).put(f"{API}/proposals/{proposal_id}/meeting", json={"meeting_id": foreign_meeting})
    assert response.status_code == 422
    assert _proposal_row(world, proposal_id) == before


def _outsider_meeting(world: Any) -> int:
    from datetime import time, timedelta

    from portal.policy_tables import operations as pt_ops

    with as_user(world, "outsider") as ctx:
        table = pt_ops.create_table(
            {"name": "Tafel B", "theme": "vrije_tijd", "region_id": world.regions["b"].id}, tenant_id=ctx.tenant_id
        )
        meeting = pt_ops.create_meeting(
            table,
            {"day": clock.today() + timedelta(days=3), "start_time": time(9), "end_time": time(10), "location": "B"},
        )
        db.session.commit()
        return int(meeting.id)


@pytest.mark.parametrize("viewer", ["partner", *FOREIGN])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "meeting", "meeting"),
        ("POST", "withdrawal", None),
        ("POST", "submission", None),
        ("POST", "agreement", None),
        ("POST", "dossier", None),
    ],
)
def test_only_the_proposer_moves_its_proposal(app, world, viewer, method, suffix, body):
    # The partner is a party: it reads the proposal, yet may not move it.
    proposal_id = proposal_of(world, [world.tenants["partner"]])
    json = {"meeting_id": meeting_of(world)} if body == "meeting" else None
    before = _proposal_row(world, proposal_id)
    client = _client(app, world, viewer)
    response = client.open(f"{API}/proposals/{proposal_id}/{suffix}", method=method, json=json)
    assert response.status_code == 404
    assert _proposal_row(world, proposal_id) == before
    expected = 200 if viewer == "partner" else 404
    assert client.get(f"{API}/proposals/{proposal_id}").status_code == expected


def test_the_owner_withdraws_once(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]], submit=True)
    owner = _client(app, world, "owner", "dienst")
    response = owner.post(f"{API}/proposals/{proposal_id}/withdrawal")
    assert response.status_code == 200 and response.get_json()["status"] == "ingetrokken"
    again = owner.post(f"{API}/proposals/{proposal_id}/withdrawal")
    assert again.status_code == 409
    assert "Een afgerond of ingetrokken voorstel kan je niet meer intrekken." in again.get_json()["detail"]
    linked = owner.put(f"{API}/proposals/{proposal_id}/meeting", json={"meeting_id": meeting_of(world)})
    assert linked.status_code == 409 and "Dit voorstel is ingetrokken." in linked.get_json()["detail"]
    assert _proposal_row(world, proposal_id).meeting_id is None


def test_each_party_records_its_own_decision_through_the_api(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]], submit=True)
    decision = {"decision": "goedgekeurd", "body": "college", "decided_on": "2026-01-05", "reference": "CBS-7"}
    future = _client(app, world, "partner").post(
        f"{API}/proposals/{proposal_id}/decision", json={**decision, "decided_on": "2099-01-01"}
    )
    assert future.status_code == 422 and "De beslissingsdatum ligt in de toekomst." in future.get_json()["detail"]
    dienst = _client(app, world, "partner", "dienst").post(f"{API}/proposals/{proposal_id}/decision", json=decision)
    assert dienst.status_code == 403
    for foreign in FOREIGN:
        assert (
            _client(app, world, foreign).post(f"{API}/proposals/{proposal_id}/decision", json=decision).status_code
            == 404
        )
    response = _client(app, world, "partner").post(f"{API}/proposals/{proposal_id}/decision", json=decision)
    assert response.status_code == 200 and response.get_json()["decision"] == "goedgekeurd"
    assert response.get_json()["tenant"]["id"] == world.tenants["partner"].id


def _approved(world: Any, partners: list[Any]) -> int:
    proposal_id = proposal_of(world, partners, submit=True)
    for tenant in partners:
        ad = db.session.scalar(select(User).where(User.email == f"ad@{tenant.slug}.test"))
        with tenant_context(tenant.id, user_id=ad.id):
            ops.record_decision(
                db.session.get(Proposal, proposal_id),
                {"decision": "goedgekeurd", "body": "college", "decided_on": clock.today(), "reference": "CBS-1"},
            )
            db.session.commit()
    return proposal_id


def test_an_approved_proposal_becomes_an_agreement_answering_201_with_its_id_and_url(app, world):
    proposal_id = _approved(world, [world.tenants["partner"]])
    owner = _client(app, world)
    response = owner.post(f"{API}/proposals/{proposal_id}/agreement")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["url"] == f"/api/v1/agreements/{body['id']}"
    assert body["page_url"].startswith("/owner/")
    assert owner.get(body["url"]).get_json()["title"] == owner.get(f"{API}/proposals/{proposal_id}").get_json()["title"]
    assert _proposal_row(world, proposal_id).agreement_id == body["id"]
    again = owner.post(f"{API}/proposals/{proposal_id}/agreement")
    assert again.status_code == 409
    assert "Van dit voorstel is al een overeenkomst gemaakt." in again.get_json()["detail"]
    assert _count(Agreement, world.tenants["owner"]) == 1


def test_an_agreement_needs_an_approving_partner_and_the_right_role(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]], submit=True)
    before = _proposal_row(world, proposal_id)
    response = _client(app, world).post(f"{API}/proposals/{proposal_id}/agreement")
    assert response.status_code == 409
    assert "minstens één partnerbestuur dat het voorstel goedkeurde" in response.get_json()["detail"]
    approved = _approved(world, [world.tenants["partner"]])
    dienst = _client(app, world, "owner", "dienst").post(f"{API}/proposals/{approved}/agreement")
    assert dienst.status_code == 403
    assert _proposal_row(world, proposal_id) == before
    assert _count(Agreement, world.tenants["owner"]) == 0


def test_a_proposal_becomes_a_procurement_dossier_answering_201(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]])
    aankoper = _client(app, world, "owner", "aankoper")
    response = aankoper.post(f"{API}/proposals/{proposal_id}/dossier")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["url"] == f"/api/v1/procurement/dossiers/{body['id']}"
    dossier = aankoper.get(body["url"]).get_json()
    assert dossier["estimated_value"] in ("2.50", 2.5, "2.5")
    assert _proposal_row(world, proposal_id).dossier_id == body["id"]
    again = aankoper.post(f"{API}/proposals/{proposal_id}/dossier")
    assert again.status_code == 409 and "al een aankoopdossier" in again.get_json()["detail"]
    assert _count(Dossier, world.tenants["owner"]) == 1


def test_a_withdrawn_proposal_becomes_nothing(app, world):
    proposal_id = proposal_of(world, [world.tenants["partner"]])
    owner = _client(app, world)
    assert owner.post(f"{API}/proposals/{proposal_id}/withdrawal").status_code == 200
    response = owner.post(f"{API}/proposals/{proposal_id}/dossier")
    assert response.status_code == 409 and "Dit voorstel is ingetrokken." in response.get_json()["detail"]
    assert _count(Dossier, world.tenants["owner"]) == 0
    assert _client(app, world, "owner", "dienst").post(f"{API}/proposals/{proposal_id}/dossier").status_code == 403


def test_a_third_party_decides_but_never_converts(app, world):
    third = third_party(world)
    proposal_id = _approved(world, [third])
    before = _proposal_row(world, proposal_id)
    client = app.test_client()
    ad = db.session.scalar(select(User).where(User.email == f"ad@{third.slug}.test"))
    headers = token_headers(ad)
    assert client.get(f"{API}/proposals/{proposal_id}", headers=headers).status_code == 200
    assert client.post(f"{API}/proposals/{proposal_id}/agreement", headers=headers).status_code == 404
    assert client.post(f"{API}/proposals/{proposal_id}/dossier", headers=headers).status_code == 404
    assert _proposal_row(world, proposal_id) == before
