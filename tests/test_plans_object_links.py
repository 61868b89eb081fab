"""The "Mijn meerjarenplan" block on the cooperation objects' own pages: whose links, the button, its cost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.plans import operations as ops
from portal.plans.models import LinkType, PlanNode
from tenants.context import tenant_context
from tests.conftest import login
from tests.matrix import _policy_world, _proc_dossier_id, make_agreement, secret
from tests.matrix_plans_links import add_link, make_plan
from tests.statements import Statements
from tests.test_hr_sharing import make_sharing
from tests.test_hr_trainings import make_training
from tests.test_rentals_agreement import _lend, _period

BLOCK = "Mijn meerjarenplan"
BUTTON = "Koppelen aan mijn meerjarenplan"


@dataclass(frozen=True)
class Page:
    """One object and where its page is, for the owner and for the partner municipality."""

    object_type: str
    object_id: int
    owner_url: str
    partner_type: str
    partner_id: int
    partner_url: str


def _objects(world: Any) -> list[Page]:
    """Create one object of every linkable kind that both "owner" and "partner" see on their own page."""
    agreement_id = make_agreement(world, secret("Overeenkomst"), status="ter_goedkeuring")
    dossier_id = _proc_dossier_id(world)
    training_id = make_training(world, secret("Vorming"), audience="region")
    sharing_id, approval_id = make_sharing(world)
    policy = _policy_world(world, True)
    start = _lend(world, "Podium plan")
    first, last = _period(start)
    settlement = f"verhuur/afrekening?van={first.isoformat()}&tot={last.isoformat()}"
    meeting = f"beleidstafels/vergaderingen/{policy['meeting']}"
    owner_id, partner_id = world.tenants["owner"].id, world.tenants["partner"].id
    return [
        Page(
            "agreement",
            agreement_id,
            f"/owner/overeenkomsten/{agreement_id}",
            "agreement",
            agreement_id,
            f"/partner/overeenkomsten/{agreement_id}",
        ),
        Page(
            "procurement_dossier",
            dossier_id,
            f"/owner/aankoop/dossiers/{dossier_id}",
            "procurement_dossier",
            dossier_id,
            f"/partner/aankoop/dossiers/{dossier_id}",
        ),
        Page(
            "training",
            training_id,
            f"/owner/hr/vormingen/{training_id}",
            "training",
            training_id,
            f"/partner/hr/vormingen/{training_id}",
        ),
        Page(
            "staff_sharing",
            sharing_id,
            f"/owner/hr/terbeschikkingstellingen/{sharing_id}",
            "staff_hosting",
            approval_id,
            f"/partner/hr/terbeschikkingstellingen/ontvangen/{approval_id}",
        ),
        Page(
            "policy_decision",
            policy["decision"],
            f"/owner/{meeting}",
            "policy_decision",
            policy["decision"],
            f"/partner/{meeting}",
        ),
        Page(
            "policy_action",
            policy["action"],
            f"/owner/{meeting}",
            "policy_action",
            policy["action"],
            f"/partner/{meeting}",
        ),
        Page(
            "rental_partner",
            partner_id,
            f"/owner/{settlement}",
            "rental_partner",
            owner_id,
            f"/partner/{settlement}",
        ),
    ]


def _client(app: Any, world: Any, tenant: str = "owner", role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return str(response.get_data(as_text=True))


def _block(text: str, object_type: str, object_id: int) -> str:
    """Return the object's block of the page ('' when the page shows none for it)."""
    marker = f'data-plan-links="{object_type}-{object_id}"'
    if marker not in text:
        return ""
    start = text.index(marker)
    return text[start : text.index("</aside>", start)]


def test_the_owner_sees_the_linked_action_on_every_object_page(app, world):
    title = secret("Samen aankopen")
    _version, node_id = make_plan(world, title=title)
    pages = _objects(world)
    for page in pages:
        add_link(world, node_id, page.object_type, page.object_id)
    client = _client(app, world)
    assert {p.object_type for p in pages} == set(LinkType) - {LinkType.STAFF_HOSTING}
    for page in pages:
        block = _block(_page(client, page.owner_url), page.object_type, page.object_id)
        assert BLOCK in block, page
        assert f'href="/owner/meerjarenplan/acties/{node_id}"' in block and f"A1 {title}" in block, page
        link = f'href="/owner/meerjarenplan/koppelen?type={page.object_type}&amp;id={page.object_id}"'
        assert BUTTON in block and link in block, page


def test_the_partner_sees_only_its_own_plan_and_links(app, world):
    owner_title = secret("Actie van owner")
    _version, owner_node = make_plan(world, title=owner_title)
    partner_title = secret("Actie van partner")
    _partner_version, partner_node = make_plan(world, "partner", title=partner_title)
    pages = _objects(world)
    for page in pages:
        add_link(world, owner_node, page.object_type, page.object_id)
    # The partner links only the agreement (its staff hosting row is its own object).
    agreement = next(p for p in pages if p.object_type == "agreement")
    add_link(world, partner_node, "agreement", agreement.object_id, tenant="partner")
    client = _client(app, world, "partner")
    for page in pages:
        text = _page(client, page.partner_url)
        assert owner_title not in text and f"/meerjarenplan/acties/{owner_node}" not in text, page
        block = _block(text, page.partner_type, page.partner_id)
        assert BUTTON in block, page  # the partner's AD keeps its own plan
        assert f"/partner/meerjarenplan/koppelen?type={page.partner_type}&amp;id={page.partner_id}" in block
        if page is agreement:
            assert partner_title in block and f'href="/partner/meerjarenplan/acties/{partner_node}"' in block
        else:
            assert partner_title not in block and "Nog aan geen actie" in block, page


def test_only_plan_keepers_get_the_button_and_readers_see_only_linked_objects(app, world):
    title = secret("Leesactie")
    _version, node_id = make_plan(world, title=title)
    linked_id = make_training(world, secret("Gekoppelde vorming"))
    loose_id = make_training(world, secret("Losse vorming"))
    add_link(world, node_id, "training", linked_id)
    for role in ("ad", "beheerder", "schepen"):
        client = _client(app, world, "owner", role)
        assert BUTTON in _block(_page(client, f"/owner/hr/vormingen/{loose_id}"), "training", loose_id), role
    for role in ("dienst", "raadslid", "hr"):
        client = _client(app, world, "owner", role)
        block = _block(_page(client, f"/owner/hr/vormingen/{linked_id}"), "training", linked_id)
        assert title in block and BUTTON not in block, role
        assert _block(_page(client, f"/owner/hr/vormingen/{loose_id}"), "training", loose_id) == "", role


def test_no_block_without_a_plan_in_force(app, world):
    training_id = make_training(world, secret("Vorming zonder plan"))
    text = _page(_client(app, world), f"/owner/hr/vormingen/{training_id}")
    assert "data-plan-links" not in text and BUTTON not in text


def test_only_the_version_in_force_is_shown(app, world):
    title = secret("Versieactie")
    _version, old_node = make_plan(world, title=title)
    training_id = make_training(world, secret("Vorming met versies"))
    add_link(world, old_node, "training", training_id)
    ad = world.user("owner", "ad")
    with tenant_context(ad.tenant_id, user_id=ad.id):
        ops.copy_version(ops.current_version(), {"reason": "Aanpassing"})  # copies the links too
        db.session.commit()
        new_node = db.session.scalar(select(PlanNode.id).where(PlanNode.code == "A1", PlanNode.id != old_node))
    block = _block(_page(_client(app, world), f"/owner/hr/vormingen/{training_id}"), "training", training_id)
    assert block.count(title) == 1
    assert f"/meerjarenplan/acties/{new_node}" in block and f"/meerjarenplan/acties/{old_node}" not in block


def test_the_include_renders_nothing_without_the_plans_module(app):
    # Rendered bare (no context processor, as when the plans feature is not installed).
    template = app.jinja_env.get_template("plans/_object_links.html")
    assert template.render(object_type="training", object_id=1).strip() == ""


def test_the_block_costs_one_statement_per_page(app, world):
    policy = _policy_world(world, True)
    url = f"/owner/beleidstafels/vergaderingen/{policy['meeting']}"
    client = _client(app, world)
    _page(client, url)  # warm up the session and the templates
    with Statements(only="plan_") as without_plan:
        text = _page(client, url)
    assert "data-plan-links" not in text
    # The one statement that reads the plan in force with its links is also the one that finds none.
    assert without_plan.count == 1
    _version, node_id = make_plan(world)
    add_link(world, node_id, "policy_decision", policy["decision"])
    with Statements(only="plan_") as with_plan:
        text = _page(client, url)
    # Two blocks (the decision and the action item) from one statement.
    assert _block(text, "policy_decision", policy["decision"]) and _block(text, "policy_action", policy["action"])
    assert with_plan.count == 1
    expert = _client(app, world, "owner", "expert")
    with Statements(only="plan_") as guest:
        expert.get(url)
    assert guest.count == 0
