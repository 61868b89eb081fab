"""Afstemming subjects: users see what they typed; comparisons, suggestions and notices match on the key."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from portal.alignment import operations as ops
from portal.alignment.models import AlignmentItem, Proposal
from portal.alignment.subjects import spelling, tidy_subject
from portal.core.notifications import Notification
from portal.extensions import db
from portal.procurement.models import Dossier
from tenants.context import tenant_context
from tests.alignment_helpers import as_user, item_of, tariff
from tests.conftest import login

API = "/api/v1/alignment"


def _client(app: Any, world: Any, tenant: str = "owner", role: str = "dienst") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def _item(world: Any, tenant: str, item_id: int) -> AlignmentItem:
    with tenant_context(world.tenants[tenant].id):
        item = db.session.get(AlignmentItem, item_id)
        assert item is not None
        db.session.expunge(item)
        return item


def _second_homes(world: Any) -> tuple[int, int]:
    own = tariff(world, "owner", "400.00", subject="Tweede verblijven", title="Belasting tweede verblijven owner")
    partner = tariff(world, "partner", "450.00", subject="tweede-verblijven", title="Belasting verblijven partner")
    return own, partner


def test_a_user_sees_their_spelling_in_register_comparison_and_dossier(app, world):
    """ "Tweede verblijven" is shown to its municipality; the partner's "tweede-verblijven" is compared with it."""
    _second_homes(world)
    client = _client(app, world)
    register = client.get("/owner/afstemming").get_data(as_text=True)
    assert "Tweede verblijven" in register and "tweedeverblijven" not in register
    page = client.get("/owner/afstemming/vergelijken/tarieven?subject=tweede-verblijven")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<option value="Tweede verblijven" selected>Tweede verblijven</option>' in html
    assert '<h2 class="h4">Tweede verblijven</h2>' in html
    assert "Gemeente Partner" in html and "450" in html and "400" in html
    assert "tweedeverblijven" not in html
    # The partner sees its own spelling of the same comparison.
    partner = _client(app, world, "partner").get("/partner/afstemming/vergelijken/tarieven?subject=Tweede+verblijven")
    assert '<h2 class="h4">tweede-verblijven</h2>' in partner.get_data(as_text=True)
    # A proposal carries the typed subject into the dossier's lot title.
    with as_user(world, "owner", "ad"):
        proposal = ops.create_proposal(
            {
                "title": "Belasting tweede verblijven afstemmen",
                "kind": "reglement",
                "subject": " Tweede  verblijven ",
                "partner_ids": [world.tenants["partner"].id],
            }
        )
        db.session.commit()
        proposal_id = proposal.id
        assert (proposal.subject, proposal.subject_key) == ("Tweede verblijven", "tweedeverblijven")
    shown = _client(app, world, "owner", "ad").get(f"/owner/afstemming/voorstellen/{proposal_id}")
    assert "Tweede verblijven" in shown.get_data(as_text=True)
    buyer = _client(app, world, "owner", "aankoper")
    assert buyer.post(f"/owner/afstemming/voorstellen/{proposal_id}/aankoopdossier").status_code == 303
    with tenant_context(world.tenants["owner"].id):
        dossier = db.session.scalar(select(Dossier))
        assert [lot.title for lot in dossier.lots] == ["Tweede verblijven"]


def test_without_an_own_spelling_the_most_common_one_is_shown():
    assert spelling([("tweede-verblijven", False), ("Tweede verblijven", False), ("Tweede verblijven", False)]) == (
        "Tweede verblijven"
    )
    # Ties go alphabetically; the own spelling wins even when it is rarer.
    assert spelling([("tweede-verblijven", False), ("Tweede verblijven", False)]) == "Tweede verblijven"
    assert spelling([("tweedeverblijven", True), ("Tweede verblijven", False), ("Tweede verblijven", False)]) == (
        "tweedeverblijven"
    )
    assert spelling([]) == ""
    assert tidy_subject("  Tweede \t verblijven\n") == "Tweede verblijven"


def test_a_comparison_without_an_own_item_shows_the_partners_spelling(app, world):
    tariff(world, "partner", "3.00", subject="Nadar-hekken")
    body = _client(app, world, "owner", "ad").get(f"{API}/comparisons/tariffs?subject=nadarhekken").get_json()
    assert (body["subject"], body["subject_key"]) == ("Nadar-hekken", "nadarhekken")


def test_suggestions_show_one_typed_spelling_per_key(app, world):
    _second_homes(world)
    tariff(world, "partner", "3.00", subject="Nadar-hekken", title="Nadar partner")
    suggested = _client(app, world, "owner", "ad").get(f"{API}/subjects?kind=reglement").get_json()["subjects"]
    assert suggested == ["Nadar-hekken", "Tweede verblijven"]
    page = _client(app, world).get("/owner/afstemming/items/nieuw?kind=reglement").get_data(as_text=True)
    assert '<option value="Nadar-hekken"><option value="Tweede verblijven"></datalist>' in page


def test_applications_are_grouped_by_key_and_shown_as_typed(app, world):
    item_of(world, "owner", {"kind": "toepassing", "title": "Burgerzaken", "subject": "E-loket"})
    item_of(world, "partner", {"kind": "toepassing", "title": "Loket", "subject": "e loket"})
    groups = _client(app, world, "owner", "ad").get(f"{API}/comparisons/applications").get_json()
    assert [(g["subject"], g["subject_key"], len(g["rows"])) for g in groups] == [("E-loket", "eloket", 2)]


def test_the_key_is_set_on_create_update_and_through_the_api(app, world):
    client = _client(app, world)
    created = client.post(
        f"{API}/items",
        json={"kind": "beveiliging", "title": "Informatieveiligheid", "subject": "  Informatie-veiligheid "},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["subject"], body["subject_key"]) == ("Informatie-veiligheid", "informatieveiligheid")
    item_id = body["id"]
    changed = client.put(
        f"{API}/items/{item_id}",
        json={"kind": "beveiliging", "title": "Informatieveiligheid", "subject": "Privacy en GDPR", "subject_key": "x"},
    )
    # The key is read-only: a caller sending one is refused, and nothing changes.
    assert changed.status_code == 422
    assert _item(world, "owner", item_id).subject_key == "informatieveiligheid"
    changed = client.put(
        f"{API}/items/{item_id}",
        json={"kind": "beveiliging", "title": "Informatieveiligheid", "subject": "Privacy en GDPR"},
    )
    assert changed.status_code == 200
    assert (changed.get_json()["subject"], changed.get_json()["subject_key"]) == ("Privacy en GDPR", "privacyengdpr")
    item = _item(world, "owner", item_id)
    assert (item.subject, item.subject_key) == ("Privacy en GDPR", "privacyengdpr")
    # Through the form as well.
    response = client.post(
        f"/owner/afstemming/items/{item_id}/bewerken",
        data={"title": "Informatieveiligheid", "subject": "Informatie veiligheid", "status": "actief"},
    )
    assert response.status_code == 303
    item = _item(world, "owner", item_id)
    assert (item.subject, item.subject_key) == ("Informatie veiligheid", "informatieveiligheid")
    shown = client.get(f"{API}/items/{item_id}").get_json()
    assert (shown["subject"], shown["subject_key"]) == ("Informatie veiligheid", "informatieveiligheid")


def test_an_import_keeps_the_typed_subject_and_sets_the_key(app, world):
    csv = (
        "titel;onderwerp;soort_heffing;tarief_omschrijving;tarief_bedrag;tarief_eenheid\n"
        "Belasting tweede verblijven;Tweede verblijven;belasting;Verblijf;500;per jaar\n"
        "Belasting tweede verblijven;tweede-verblijven;belasting;Studentenkamer;150;per jaar\n"
    )
    client = _client(app, world)
    response = client.post(f"{API}/items/import?kind=reglement", data={"file": (io.BytesIO(csv.encode()), "r.csv")})
    assert response.status_code == 201, response.get_json()
    (item_id,) = response.get_json()["item_ids"]
    item = _item(world, "owner", item_id)
    assert (item.subject, item.subject_key) == ("Tweede verblijven", "tweedeverblijven")
    assert len(item.tariff_lines) == 2


def test_a_partner_spelling_it_differently_is_told_of_a_change(world):
    tariff(world, "partner", "450.00", subject="tweede-verblijven")
    tariff(world, "owner", "400.00", subject="Tweede verblijven", title="Belasting tweede verblijven Owner")
    user = world.user("partner", "ad")
    with tenant_context(user.tenant_id):
        notes = list(db.session.scalars(select(Notification.body).where(Notification.user_id == user.id)))
    # Told, with the subject as the sharing municipality typed it.
    assert "Je vergelijkt met dit item: Tweede verblijven." in notes


def test_the_model_sets_the_key_and_the_database_wants_one(world):
    with as_user(world, "owner", "dienst"):
        item = AlignmentItem(kind="beveiliging", title="Beleid", subject="  Informatie\u00a0veiligheid ")
        assert (item.subject, item.subject_key) == ("Informatie veiligheid", "informatieveiligheid")
        proposal = Proposal(kind="beveiliging", title="Voorstel", subject="GDPR")
        assert proposal.subject_key == "gdpr"
        db.session.add(item)
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE alignment_items SET subject_key = '' WHERE id = :i"), {"i": item.id})
            db.session.flush()
        db.session.rollback()
