"""Linking the own meerjarenplan to cooperation objects: pages and API, for owner, partner, outsider and former."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.plans import operations as ops
from portal.plans.models import LinkType, PlanLink, PlanNode, PlanVersion
from tenants.context import tenant_context
from tenants.operations import remove_member
from tests import clock
from tests.conftest import login
from tests.matrix import make_agreement, secret, token_headers
from tests.matrix_plans_links import GONE_ID, add_link, make_plan
from tests.test_hr_trainings import enrol_and_approve, make_training

DUPLICATE = "Dit object is al aan dit item gekoppeld."
OLD_VERSION = "oudere versie van het meerjarenplan"


def _client(app: Any, world: Any, tenant: str = "owner", role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def _page(tenant: str, node_id: int) -> str:
    return f"/{tenant}/meerjarenplan/acties/{node_id}/koppelingen"


def _links(world: Any, node_id: int, tenant: str = "owner") -> list[tuple[str, int, str]]:
    with tenant_context(world.tenants[tenant].id):
        db.session.expire_all()
        rows = db.session.execute(
            select(PlanLink.object_type, PlanLink.object_id, PlanLink.note).where(PlanLink.node_id == node_id)
        ).all()
        return sorted(map(tuple, rows))


def _new_version(world: Any, tenant: str = "owner") -> int:
    """Make an aanpassing of the plan in force; return the new version's id."""
    ad = world.user(tenant, "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        version = ops.copy_version(ops.current_version(), {"reason": "Aanpassing"})
        db.session.commit()
        return version.id


# -- the node's page ------------------------------------------------------------------------------


def test_owner_links_a_suggestion_in_one_click_and_sees_title_owner_and_unlinks(app, world):
    word = secret("Nadarhekken").split()[-1]
    _version, node_id = make_plan(world, title=f"Gezamenlijke aankoop {word}")
    title = f"Overeenkomst {word}"
    agreement_id = make_agreement(world, title)
    client = _client(app, world)
    page = client.get(_page("owner", node_id))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Voorstellen" in text and title in text and "Dit item is nog aan niets gekoppeld." in text
    response = client.post(_page("owner", node_id), data={"object_type": "agreement", "object_id": agreement_id})
    assert response.status_code == 303
    assert _links(world, node_id) == [("agreement", agreement_id, "")]
    text = client.get(_page("owner", node_id)).get_data(as_text=True)
    assert title in text and "Gemeente Owner" in text and "Ontkoppelen" in text
    assert f'href="/owner/overeenkomsten/{agreement_id}"' in text
    with tenant_context(world.tenants["owner"].id):
        link_id = db.session.scalar(select(PlanLink.id).where(PlanLink.node_id == node_id))
    assert client.post(f"/owner/meerjarenplan/koppelingen/{link_id}/ontkoppelen").status_code == 303
    assert _links(world, node_id) == []


def test_the_form_lists_candidates_per_type_and_keeps_the_note(app, world):
    _version, node_id = make_plan(world)
    client = _client(app, world)
    text = client.get(_page("owner", node_id) + "?type=rental_partner").get_data(as_text=True)
    assert "Gemeente Partner" in text and "Gemeente Outsider" not in text and "Gemeente Former" not in text
    # The search box keeps only matching titles.
    assert "Gemeente Partner" not in client.get(_page("owner", node_id) + "?type=rental_partner&q=zzz").get_data(
        as_text=True
    )
    partner_id = world.tenants["partner"].id
    form = {"object_type": "rental_partner", "object_id": partner_id, "note": "Uitleen nadarhekken"}
    assert client.post(_page("owner", node_id), data=form).status_code == 303
    assert _links(world, node_id) == [("rental_partner", partner_id, "Uitleen nadarhekken")]
    again = client.post(_page("owner", node_id), data={**form, "note": "Nog eens"})
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert DUPLICATE in text and 'value="Nog eens"' in text
    assert _links(world, node_id) == [("rental_partner", partner_id, "Uitleen nadarhekken")]


def test_bad_input_answers_a_dutch_message_never_a_server_error(app, world):
    _version, node_id = make_plan(world)
    client = _client(app, world)
    for form, status, message in (
        ({"object_type": "kasteel", "object_id": "1"}, 422, "Kies een soort uit de lijst."),
        ({"object_type": "agreement", "object_id": "twee"}, 422, "Kies een object uit de lijst."),
        ({"object_type": "agreement", "object_id": "99999999999"}, 422, "Kies een object uit de lijst."),
        ({"object_type": "agreement", "object_id": "1", "note": "x" * 301}, 422, "300 tekens"),
        ({"object_type": "agreement", "object_id": str(GONE_ID)}, 404, "mag het niet zien"),
    ):
        response = client.post(_page("owner", node_id), data=form)
        assert response.status_code == status, form
        assert message in response.get_data(as_text=True), form
    assert _links(world, node_id) == []
    assert client.get(_page("owner", node_id) + "?type=kasteel&q=" + "x" * 500).status_code == 200


def test_only_objects_the_municipality_may_see_can_be_linked(app, world):
    hidden = secret("Vorming intern")
    hidden_id = make_training(world, hidden, audience="own")
    shared_id = make_training(world, secret("Vorming regio"), audience="region")
    _version, node_id = make_plan(world, "partner")
    client = _client(app, world, "partner")
    text = client.get(_page("partner", node_id) + "?type=training").get_data(as_text=True)
    assert hidden not in text
    refused = client.post(_page("partner", node_id), data={"object_type": "training", "object_id": hidden_id})
    assert refused.status_code == 404 and hidden not in refused.get_data(as_text=True)
    assert (
        client.post(_page("partner", node_id), data={"object_type": "training", "object_id": shared_id}).status_code
        == 303
    )
    assert _links(world, node_id, "partner") == [("training", shared_id, "")]
    # Through the API the same answer, without a hint that the object exists.
    api = app.test_client()
    headers = token_headers(world.user("partner", "ad"))
    response = api.post(
        f"/api/v1/plans/nodes/{node_id}/links",
        json={"object_type": "training", "object_id": hidden_id},
        headers=headers,
    )
    assert response.status_code == 404 and hidden not in response.get_data(as_text=True)


def test_a_node_of_another_municipality_answers_404(app, world):
    title = secret("Geheime actie")
    _version, node_id = make_plan(world, title=title)
    for viewer in ("partner", "outsider", "former"):
        client = _client(app, world, viewer)
        for response in (
            client.get(_page(viewer, node_id)),
            client.post(_page(viewer, node_id), data={"object_type": "rental_partner", "object_id": 1}),
        ):
            assert response.status_code == 404 and title not in response.get_data(as_text=True)
    assert _links(world, node_id) == []


def test_only_the_version_in_force_takes_new_links(app, world):
    _version, old_node = make_plan(world)
    partner_id = world.tenants["partner"].id
    add_link(world, old_node, LinkType.RENTAL_PARTNER, partner_id)
    _new_version(world)
    client = _client(app, world)
    text = client.get(_page("owner", old_node)).get_data(as_text=True)
    assert "oudere versie" in text and "Ontkoppelen" not in text and "Nieuwe koppeling" not in text
    response = client.post(_page("owner", old_node), data={"object_type": "agreement", "object_id": "1"})
    # An invisible object is a 404 before anything else; a visible one on an old version is a 409.
    assert response.status_code == 404
    agreement_id = make_agreement(world, "Overeenkomst materieel")
    response = client.post(_page("owner", old_node), data={"object_type": "agreement", "object_id": agreement_id})
    assert response.status_code == 409 and OLD_VERSION in response.get_data(as_text=True)
    with tenant_context(world.tenants["owner"].id):
        link_id = db.session.scalar(select(PlanLink.id).where(PlanLink.node_id == old_node))
    refused = client.post(f"/owner/meerjarenplan/koppelingen/{link_id}/ontkoppelen")
    assert refused.status_code == 409 and OLD_VERSION in refused.get_data(as_text=True)
    assert _links(world, old_node) == [("rental_partner", partner_id, "")]
    headers = token_headers(world.user("owner", "ad"))
    api = app.test_client()
    response = api.post(
        f"/api/v1/plans/nodes/{old_node}/links",
        json={"object_type": "agreement", "object_id": agreement_id},
        headers=headers,
    )
    assert response.status_code == 409 and OLD_VERSION in response.json["detail"]
    assert api.delete(f"/api/v1/plans/links/{link_id}", headers=headers).status_code == 409


def test_readers_see_the_links_but_only_plan_keepers_link(app, world):
    _version, node_id = make_plan(world)
    add_link(world, node_id, LinkType.RENTAL_PARTNER, world.tenants["partner"].id, "Uitleen")
    for role in ("raadslid", "dienst"):
        client = _client(app, world, role=role)
        text = client.get(_page("owner", node_id)).get_data(as_text=True)
        assert "Gemeente Partner" in text and "Ontkoppelen" not in text and "Nieuwe koppeling" not in text
        response = client.post(_page("owner", node_id), data={"object_type": "agreement", "object_id": "1"})
        assert response.status_code == 403
    schepen = _client(app, world, role="schepen")
    form = {"object_type": "rental_partner", "object_id": world.tenants["partner"].id}
    assert schepen.post(_page("owner", node_id), data=form).status_code == 409  # linked already; it may try


# -- objects that are no longer visible ------------------------------------------------------------


def test_a_former_partners_link_shows_only_that_it_is_no_longer_visible(app, world):
    title = secret("Vorming van toen")
    training_id = make_training(world, title, audience="region")
    # "former" linked the training while it was in region A; it left ten days ago.
    _version, node_id = make_plan(world, "former")
    add_link(world, node_id, LinkType.TRAINING, training_id, "uit de tijd van de samenwerking", tenant="former")
    client = _client(app, world, "former")
    text = client.get(_page("former", node_id)).get_data(as_text=True)
    assert "niet meer zichtbaar" in text and "uit de tijd van de samenwerking" in text
    assert title not in text and "Gemeente Owner" not in text
    headers = token_headers(world.user("former", "ad"))
    rows = app.test_client().get(f"/api/v1/plans/nodes/{node_id}/links", headers=headers).json
    assert [(r["visible"], r["title"], r["owner"], r["money"]) for r in rows] == [(False, None, None, None)]
    # Linking it again is refused as for any object it may not see.
    again = client.post(_page("former", node_id), data={"object_type": "training", "object_id": training_id})
    assert again.status_code == 404 and title not in again.get_data(as_text=True)


def test_a_partner_that_leaves_keeps_the_link_without_title_or_money(app, world):
    title = secret("Vorming GDPR")
    training_id = make_training(world, title, audience="region")
    enrol_and_approve(world, training_id, "partner", "dienst")
    _version, node_id = make_plan(world, "partner")
    client = _client(app, world, "partner")
    assert (
        client.post(_page("partner", node_id), data={"object_type": "training", "object_id": training_id}).status_code
        == 303
    )
    headers = token_headers(world.user("partner", "ad"))
    api = app.test_client()
    row = api.get(f"/api/v1/plans/nodes/{node_id}/links", headers=headers).json[0]
    assert row["visible"] and row["title"] == title and row["owner"]["slug"] == "owner"
    assert row["money"]["training_cost"] == "45.00"
    assert "45,00" in client.get(_page("partner", node_id)).get_data(as_text=True)
    with tenant_context(None, is_platform=True):
        remove_member(world.regions["a"], world.tenants["partner"], clock.today())
        db.session.commit()
    text = client.get(_page("partner", node_id)).get_data(as_text=True)
    assert "niet meer zichtbaar" in text and title not in text and "45,00" not in text
    row = api.get(f"/api/v1/plans/nodes/{node_id}/links", headers=headers).json[0]
    assert (row["visible"], row["title"], row["owner"], row["money"]) == (False, None, None, None)
    assert _links(world, node_id, "partner") == [("training", training_id, "")]


def test_an_unshared_object_is_no_longer_shown(app, world):
    from portal.hr.models import Training
    from tenants.sharing import set_audience

    title = secret("Vorming brandveiligheid")
    training_id = make_training(world, title, audience="region")
    _version, node_id = make_plan(world, "partner")
    add_link(world, node_id, LinkType.TRAINING, training_id, tenant="partner")
    client = _client(app, world, "partner")
    assert title in client.get(_page("partner", node_id)).get_data(as_text=True)
    hr = world.user("owner", "hr")
    with tenant_context(hr.tenant_id, user_id=hr.id):
        set_audience(db.session.get(Training, training_id), "own")
        db.session.commit()
    text = client.get(_page("partner", node_id)).get_data(as_text=True)
    assert "niet meer zichtbaar" in text and title not in text


# -- "koppel dit aan mijn meerjarenplan" -----------------------------------------------------------


def test_link_an_object_to_an_action_from_the_objects_side(app, world):
    title = secret("Vorming leidinggeven")
    training_id = make_training(world, title, audience="region")
    _version, node_id = make_plan(world, "partner", title="Leiderschap versterken")
    client = _client(app, world, "partner")
    url = f"/partner/meerjarenplan/koppelen?type=training&id={training_id}"
    text = client.get(url).get_data(as_text=True)
    assert title in text and "A1 Leiderschap versterken" in text and "Al gekoppeld" not in text
    missing = client.post(url, data={"note": "Bewaar mij"})
    assert missing.status_code == 422
    assert "Kies een actie van je meerjarenplan." in missing.get_data(as_text=True)
    assert 'value="Bewaar mij"' in missing.get_data(as_text=True)
    assert client.post(url, data={"node_id": node_id, "note": "Vier leidinggevenden"}).status_code == 303
    assert _links(world, node_id, "partner") == [("training", training_id, "Vier leidinggevenden")]
    text = client.get(url).get_data(as_text=True)
    assert "Gekoppeld aan actie A1 Leiderschap versterken van uw meerjarenplan" in text
    again = client.post(url, data={"node_id": node_id})
    assert again.status_code == 409 and DUPLICATE in again.get_data(as_text=True)
    # The object's side lists the own links through the API too.
    headers = token_headers(world.user("partner", "ad"))
    rows = (
        app.test_client()
        .get(f"/api/v1/plans/object-links?object_type=training&object_id={training_id}", headers=headers)
        .json
    )
    assert [(r["node_id"], r["title"]) for r in rows] == [(node_id, title)]
    # After an aanpassing the object's side names the action of the version in force once.
    _new_version(world, "partner")
    text = client.get(url).get_data(as_text=True)
    assert text.count("Gekoppeld aan actie A1 Leiderschap versterken") == 1


def test_the_objects_side_answers_404_for_what_may_not_be_seen(app, world):
    title = secret("Vorming intern")
    hidden_id = make_training(world, title, audience="own")
    _version, node_id = make_plan(world, "partner")
    _owner_version, owner_node = make_plan(world, "owner")
    shared_id = make_training(world, secret("Vorming regio"), audience="region")
    client = _client(app, world, "partner")
    for query in (f"type=training&id={hidden_id}", "type=kasteel&id=1", "type=training&id=abc", "type=training"):
        response = client.get(f"/partner/meerjarenplan/koppelen?{query}")
        assert response.status_code == 404, query
        assert title not in response.get_data(as_text=True)
    assert (
        client.post(
            f"/partner/meerjarenplan/koppelen?type=training&id={hidden_id}", data={"node_id": node_id}
        ).status_code
        == 404
    )
    # Another municipality's action is never a choice.
    foreign = client.post(f"/partner/meerjarenplan/koppelen?type=training&id={shared_id}", data={"node_id": owner_node})
    assert foreign.status_code == 404
    assert _links(world, node_id, "partner") == [] and _links(world, owner_node) == []
    for viewer in ("outsider", "former"):
        other = _client(app, world, viewer)
        assert other.get(f"/{viewer}/meerjarenplan/koppelen?type=training&id={shared_id}").status_code == 404
    headers = token_headers(world.user("outsider", "ad"))
    response = app.test_client().get(
        f"/api/v1/plans/object-links?object_type=training&object_id={shared_id}", headers=headers
    )
    assert response.status_code == 404


# -- the API -------------------------------------------------------------------------------------


def test_api_lists_creates_refuses_twice_and_deletes(app, world):
    word = secret("Strooizout").split()[-1]
    _version, node_id = make_plan(world, title=f"Strooizout {word} samen aankopen")
    agreement_id = make_agreement(world, f"Overeenkomst strooizout {word}")
    headers = token_headers(world.user("owner", "ad"))
    api = app.test_client()
    base = f"/api/v1/plans/nodes/{node_id}"
    assert api.get(base + "/links", headers=headers).json == []
    suggested = api.get(base + "/suggestions", headers=headers).json
    assert [(s["object_type"], s["object_id"]) for s in suggested] == [("agreement", agreement_id)]
    candidates = api.get("/api/v1/plans/candidates?object_type=rental_partner", headers=headers).json
    assert [c["title"] for c in candidates] == ["Gemeente Partner"]
    assert api.get("/api/v1/plans/candidates?object_type=kasteel", headers=headers).status_code == 422
    body = {"object_type": "agreement", "object_id": agreement_id, "note": "Raamovereenkomst"}
    created = api.post(base + "/links", json=body, headers=headers)
    assert created.status_code == 201
    link = created.json
    assert (link["visible"], link["note"], link["owner"]["slug"]) == (True, "Raamovereenkomst", "owner")
    assert link["title"].startswith("Overeenkomst strooizout")
    twice = api.post(base + "/links", json=body, headers=headers)
    assert twice.status_code == 409 and twice.json["detail"] == DUPLICATE
    assert api.get(base + "/suggestions", headers=headers).json == []
    bad = api.post(base + "/links", json={"object_type": "kasteel", "object_id": 0}, headers=headers)
    assert bad.status_code == 422
    assert api.get(f"/api/v1/plans/links/{link['id']}", headers=headers).json["object_id"] == agreement_id
    assert api.delete(f"/api/v1/plans/links/{link['id']}", headers=headers).status_code == 204
    assert api.get(base + "/links", headers=headers).json == []
    # A raadslid reads through the API but does not link.
    reader = token_headers(world.user("owner", "raadslid"))
    assert api.get(base + "/links", headers=reader).status_code == 200
    assert api.post(base + "/links", json=body, headers=reader).status_code == 403


def test_the_spec_documents_the_link_operations(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/plans/nodes/{node_id}/links",
        "/api/v1/plans/links/{link_id}",
        "/api/v1/plans/nodes/{node_id}/suggestions",
        "/api/v1/plans/candidates",
        "/api/v1/plans/object-links",
    ):
        assert path in spec["paths"], path
    assert "PlanLink" in spec["components"]["schemas"]


def test_versions_of_the_plan_stay_the_owners(app, world):
    make_plan(world)
    with tenant_context(world.tenants["partner"].id):
        assert db.session.scalar(select(PlanVersion.id)) is None


def test_a_concurrent_second_link_of_the_same_object_is_a_409_not_a_server_error(app, world):
    from portal.core.errors import DomainError
    from portal.plans import links

    _version, node_id = make_plan(world)
    partner_id = world.tenants["partner"].id
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        node = db.session.get(PlanNode, node_id)
        with db.session.no_autoflush:
            # Another request's row, not yet flushed: the duplicate check cannot see it, the constraint can.
            db.session.add(PlanLink(node_id=node_id, object_type=LinkType.RENTAL_PARTNER, object_id=partner_id))
            try:
                links.link_object(node, {"object_type": LinkType.RENTAL_PARTNER, "object_id": partner_id})
            except DomainError as exc:
                assert exc.status_code == 409 and exc.message == DUPLICATE
            else:
                raise AssertionError("the second link was kept")
        db.session.rollback()
