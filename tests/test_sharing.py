"""Sharing with a real model (Announcement): who sees what, on every surface.

Owner / partner in the same region / outsider in another region / former region member /
revoked and expired grants / domain grants: visibility in ORM queries, the HTML list (titles
and count badge), search, detail pages, the dashboard and the API (items, totals, detail),
and writes by a partner that can read the object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from portal.auth.operations import create_user
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.dashboard.models import Announcement
from portal.dashboard.operations import create_announcement
from portal.extensions import db
from tenants.context import TenantContext, reset_context, set_context, tenant_context
from tenants.models import ShareGrant, Tenant
from tenants.operations import add_member, create_tenant, remove_member
from tenants.scoping import TenantViolation
from tenants.sharing import grant_domain, revoke_source
from tests import clock
from tests.conftest import PASSWORD, login
from tests.matrix import announce, token_headers

COUNT = re.compile(r'id="aantal">(\d+)<')
LINK = re.compile(r'<a href="/[^"/]+/mededelingen/(\d+)">([^<]*)</a>')
MARK = "Zwaluw"


@dataclass
class Viewer:
    """A user of one tenant with a logged-in browser and an API token."""

    user: Any
    client: Any  # logged in with the session cookie
    api_client: Any  # no cookie: the bearer token alone authenticates
    headers: dict[str, str]

    @property
    def slug(self) -> str:
        return str(self.user.tenant.slug)

    def page(self, path: str) -> Any:
        return self.client.get(f"/{self.slug}{path}")

    def api(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        return self.api_client.open(f"/api/v1{path}", method=method, headers=self.headers, **kwargs)


def viewer(app: Flask, world: Any, tenant: str, role: str = "ad") -> Viewer:
    user = world.user(tenant, role)
    client = app.test_client()
    login(client, user)
    return Viewer(user=user, client=client, api_client=app.test_client(), headers=token_headers(user))


def orm_titles(tenant_id: int | None) -> set[str]:
    with tenant_context(tenant_id):
        return set(db.session.scalars(select(Announcement.title)))


def listed(html: str) -> dict[str, int]:
    """Return the announcements a page links to (title -> id); the search box echo is no hit."""
    return {title: int(ann_id) for ann_id, title in LINK.findall(html)}


def count_badge(html: str) -> int:
    found = COUNT.search(html)
    assert found, "count badge id=aantal missing"
    return int(found.group(1))


def assert_visibility(v: Viewer, title: str, ann_id: int, visible: bool) -> None:
    """Check every surface agrees on whether ``v`` sees the announcement."""
    tenant_id = v.user.tenant_id
    assert (title in orm_titles(tenant_id)) is visible, "ORM select"

    listing = v.page("/mededelingen")
    assert listing.status_code == 200
    assert (title in listed(listing.text)) is visible, "HTML list"
    with tenant_context(tenant_id):
        orm_count = db.session.scalar(
            select(func.count()).select_from(Announcement).where(Announcement.published_at.is_not(None))
        )
    assert count_badge(listing.text) == orm_count, "HTML count badge"

    found = v.page(f"/mededelingen?q={title}")
    assert (title in listed(found.text)) is visible, "HTML search"
    assert count_badge(found.text) == (1 if visible else 0), "HTML search count"

    detail = v.page(f"/mededelingen/{ann_id}")
    assert detail.status_code == (200 if visible else 404), "HTML detail"
    assert (title in detail.text) is visible

    dashboard = v.page("/")
    assert dashboard.status_code == 200
    assert (title in listed(dashboard.text)) is visible, "dashboard"
    if not visible:
        assert title not in dashboard.text and title not in listing.text

    api_list = v.api("/announcements")
    assert api_list.status_code == 200
    assert (title in {i["title"] for i in api_list.json["items"]}) is visible, "API items"
    assert api_list.json["pagination"]["total"] == orm_count, "API total"

    api_search = v.api(f"/announcements?q={title}")
    assert api_search.json["pagination"]["total"] == (1 if visible else 0), "API search total"

    api_detail = v.api(f"/announcements/{ann_id}")
    assert api_detail.status_code == (200 if visible else 404), "API detail"
    assert (title in api_detail.get_data(as_text=True)) is visible


# -- who sees what ---------------------------------------------------------------------------

OBJECTS = {
    # key: (owner tenant, audience, partners)
    "owner-own": ("owner", "own", ()),
    "owner-region": ("owner", "region", ()),
    "owner-partners": ("owner", "partners", ("partner",)),
    "partner-own": ("partner", "own", ()),
    "outsider-region": ("outsider", "region", ()),
    "former-own": ("former", "own", ()),
}
SEES = {
    "owner": {"owner-own", "owner-region", "owner-partners"},
    "partner": {"owner-region", "owner-partners", "partner-own"},
    "outsider": {"outsider-region"},
    "former": {"former-own"},
}


def _title(key: str) -> str:
    return f"Mededeling {key} {MARK}"


@pytest.fixture
def board(world: Any) -> dict[str, int]:
    """Announcements of every tenant with every audience; return their ids by key."""
    ids = {}
    for key, (tenant, audience, partners) in OBJECTS.items():
        region = "b" if tenant == "outsider" else "a"
        ids[key] = announce(world, _title(key), tenant=tenant, audience=audience, partners=partners, region=region)
    return ids


@pytest.mark.parametrize("who", list(SEES))
def test_each_viewer_sees_exactly_own_and_shared(app, world, board, who):
    v = viewer(app, world, who)
    for key, ann_id in board.items():
        assert_visibility(v, _title(key), ann_id, key in SEES[who])
    # The whole board at once: list, search, API and the badge agree on the set.
    expected = {_title(k) for k in SEES[who]}
    assert {t for t in orm_titles(v.user.tenant_id) if MARK in t} == expected
    listing = v.page(f"/mededelingen?q={MARK}")
    assert count_badge(listing.text) == len(expected)
    assert set(listed(listing.text)) == expected
    api = v.api(f"/announcements?q={MARK}&per_page=1")
    assert api.json["pagination"]["total"] == len(expected)
    assert len(api.json["items"]) == 1


def test_code_outside_any_tenant_context_sees_no_tenant_rows(world, board):
    assert orm_titles(None) == set()
    with tenant_context(None, is_platform=True):
        assert db.session.scalars(select(Announcement)).all() == []
        assert db.session.scalar(select(func.count(Announcement.id))) == 0
    # Without any context at all (no `with` block): nothing either.
    assert db.session.scalars(select(Announcement.id)).all() == []


def test_former_member_saw_region_shares_while_a_member(world, board):
    """Membership periods count: the same query 20 days ago (still a member) sees the share."""
    former = world.tenants["former"].id
    token = set_context(TenantContext(tenant_id=former, started_at=utcnow() - timedelta(days=20)))
    try:
        earlier = set(db.session.scalars(select(Announcement.title)))
    finally:
        reset_context(token)
    assert _title("owner-region") in earlier
    assert _title("owner-region") not in orm_titles(former)


def test_owner_leaving_the_region_ends_its_region_shares(app, world, board):
    partner = viewer(app, world, "partner")
    assert_visibility(partner, _title("owner-region"), board["owner-region"], True)
    with tenant_context(None, is_platform=True):
        remove_member(world.regions["a"], world.tenants["owner"], clock.today())
        db.session.commit()
    assert_visibility(partner, _title("owner-region"), board["owner-region"], False)
    # The per-object grant does not depend on the region membership.
    assert_visibility(partner, _title("owner-partners"), board["owner-partners"], True)


# -- grants: revoked, replaced, expired, per domain ----------------------------------------


def test_revoked_object_grant_hides_the_object_everywhere(app, world):
    title = f"Ingetrokken {MARK}"
    ann_id = announce(world, title, audience="partners", partners=("partner",))
    partner = viewer(app, world, "partner")
    assert_visibility(partner, title, ann_id, True)
    with tenant_context(world.tenants["owner"].id):
        revoked = db.session.execute(
            update(ShareGrant)
            .where(ShareGrant.object_type == "announcement", ShareGrant.object_id == ann_id)
            .values(revoked_at=utcnow())
        )
        assert revoked.rowcount == 1
        db.session.commit()
        # The audience is still "partners": only the grant decides.
        assert db.session.scalar(select(Announcement.audience).where(Announcement.id == ann_id)) == "partners"
    assert_visibility(partner, title, ann_id, False)


def test_changing_the_chosen_partners_revokes_the_old_grant(app, world):
    """The owner edits the audience in the form; the dropped partner loses access at once."""
    with tenant_context(None, is_platform=True):
        buur = create_tenant("Gemeente Buur", nis_code="91005", slug="buur")
        add_member(world.regions["a"], buur, clock.today() - timedelta(days=30))
        world.users["ad@buur"] = create_user(
            buur, email="ad@buur.test", full_name="ad buur", roles=["algemeen_directeur"], password=PASSWORD
        )
        db.session.commit()
    title = f"Wisselende partners {MARK}"
    ann_id = announce(world, title, audience="partners", partners=("partner",))
    partner, neighbour = viewer(app, world, "partner"), viewer(app, world, "buur")
    assert_visibility(partner, title, ann_id, True)
    assert_visibility(neighbour, title, ann_id, False)

    owner = viewer(app, world, "owner")
    response = owner.client.post(
        f"/owner/mededelingen/{ann_id}/bewerken",
        data={"title": title, "audience": "partners", "partner_ids": [str(buur.id)], "publish": "1"},
    )
    assert response.status_code == 302
    assert_visibility(partner, title, ann_id, False)
    assert_visibility(neighbour, title, ann_id, True)
    with tenant_context(world.tenants["owner"].id):
        grants = db.session.execute(
            select(ShareGrant.grantee_tenant_id, ShareGrant.revoked_at).where(ShareGrant.object_id == ann_id)
        ).all()
    # History is kept: the old grant is revoked, not deleted.
    assert {(g, r is None) for g, r in grants} == {(world.tenants["partner"].id, False), (buur.id, True)}


@pytest.mark.real_clock  # PostgreSQL's now() (row-level security, relay age) reads the host
def test_expired_grant_hides_and_a_running_one_shows(app, world):
    gone = f"Verlopen deling {MARK}"
    running = f"Lopende deling {MARK}"
    gone_id = announce(world, gone, partners=("partner",), expires_at=utcnow() - timedelta(minutes=1))
    running_id = announce(world, running, partners=("partner",), expires_at=utcnow() + timedelta(days=1))
    partner = viewer(app, world, "partner")
    assert_visibility(partner, gone, gone_id, False)
    assert_visibility(partner, running, running_id, True)


def test_domain_grant_shares_the_domain_until_its_source_is_revoked(app, world):
    shared = f"Partnerdomein {MARK}"
    own = f"Enkel eigen {MARK}"
    region = f"Enkel regio {MARK}"
    shared_id = announce(world, shared, audience="partners", partners=("partner",))
    own_id = announce(world, own)
    region_id = announce(world, region, audience="region")
    outsider = viewer(app, world, "outsider")
    owner_id, outsider_id = world.tenants["owner"].id, world.tenants["outsider"].id
    assert_visibility(outsider, shared, shared_id, False)

    with tenant_context(owner_id):
        # A grant for another domain opens nothing of "algemeen".
        grant_domain(owner_id, outsider_id, "personeel", source="overeenkomst:7")
        db.session.commit()
    assert_visibility(outsider, shared, shared_id, False)

    with tenant_context(owner_id):
        grant_domain(owner_id, outsider_id, "algemeen", source="overeenkomst:7")
        db.session.commit()
    assert_visibility(outsider, shared, shared_id, True)
    # Only objects the owner shares with partners: own-only and region-only stay hidden.
    assert_visibility(outsider, own, own_id, False)
    assert_visibility(outsider, region, region_id, False)

    # Only the owner revokes its grants: the grantee's context changes nothing.
    with tenant_context(outsider_id):
        assert revoke_source("overeenkomst:7") == 0
        db.session.commit()
    assert_visibility(outsider, shared, shared_id, True)

    with tenant_context(owner_id):
        assert revoke_source("overeenkomst:7", owner_id=owner_id) == 2
        db.session.commit()
    assert_visibility(outsider, shared, shared_id, False)


def test_grants_are_read_by_owner_and_grantee_and_written_by_the_owner_only(world):
    owner_id = world.tenants["owner"].id
    partner_id = world.tenants["partner"].id
    outsider_id = world.tenants["outsider"].id
    with tenant_context(owner_id):
        grant_domain(owner_id, outsider_id, "algemeen", source="overeenkomst:9")
        db.session.commit()
    for tenant_id, sees in ((owner_id, True), (outsider_id, True), (partner_id, False), (None, False)):
        with tenant_context(tenant_id):
            found = db.session.scalars(select(ShareGrant.id).where(ShareGrant.source == "overeenkomst:9")).all()
        assert bool(found) is sees, tenant_id
    # A tenant cannot grant itself access to another tenant's objects.
    with tenant_context(partner_id), pytest.raises(TenantViolation):
        grant_domain(owner_id, partner_id, "algemeen", source="diefstal")
    db.session.rollback()
    # Nor edit the owner's grant it can read as grantee.
    with tenant_context(outsider_id):
        grant = db.session.scalar(select(ShareGrant).where(ShareGrant.source == "overeenkomst:9"))
        assert grant is not None
        grant.expires_at = utcnow() + timedelta(days=3650)
        with pytest.raises(TenantViolation):
            db.session.flush()
    db.session.rollback()
    with tenant_context(owner_id):
        assert db.session.scalar(select(ShareGrant.expires_at).where(ShareGrant.source == "overeenkomst:9")) is None


# -- a partner that can read cannot write -----------------------------------------------------


def _row(world: Any, ann_id: int) -> Any:
    with tenant_context(world.tenants["owner"].id):
        return db.session.execute(
            select(Announcement.title, Announcement.audience, Announcement.body_html).where(Announcement.id == ann_id)
        ).one_or_none()


def test_partner_cannot_patch_or_delete_a_shared_announcement_via_the_api(app, world):
    title = f"Alleen lezen {MARK}"
    ann_id = announce(world, title, audience="region")
    before = _row(world, ann_id)
    partner = viewer(app, world, "partner")
    assert partner.api(f"/announcements/{ann_id}").status_code == 200
    patch = partner.api(f"/announcements/{ann_id}", "PATCH", json={"title": "Overgenomen", "audience": "own"})
    assert patch.status_code == 404 and patch.mimetype == "application/problem+json"
    assert title not in patch.get_data(as_text=True)
    assert partner.api(f"/announcements/{ann_id}", "DELETE").status_code == 404
    assert _row(world, ann_id) == before
    # Positive control: the owner can.
    owner = viewer(app, world, "owner")
    assert owner.api(f"/announcements/{ann_id}", "PATCH", json={"title": "Door eigenaar"}).status_code == 200
    assert _row(world, ann_id)[0] == "Door eigenaar"


def test_partner_cannot_edit_or_delete_a_shared_announcement_via_the_pages(app, world):
    title = f"Alleen lezen HTML {MARK}"
    ann_id = announce(world, title, audience="region")
    before = _row(world, ann_id)
    partner = viewer(app, world, "partner")
    shown = partner.page(f"/mededelingen/{ann_id}")
    assert shown.status_code == 200 and "bewerken" not in shown.text
    assert partner.page(f"/mededelingen/{ann_id}/bewerken").status_code == 404
    post = partner.client.post(f"/partner/mededelingen/{ann_id}/bewerken", data={"title": "Overgenomen"})
    assert post.status_code == 404
    assert partner.client.post(f"/partner/mededelingen/{ann_id}/verwijderen").status_code == 404
    assert _row(world, ann_id) == before


# -- the owner can only share with its own region and partners --------------------------------


def _announcement_count(world: Any) -> int:
    with tenant_context(world.tenants["owner"].id):
        return db.session.scalar(select(func.count(Announcement.id))) or 0


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"audience": "region", "region_id": "<b>"},
            "region_id",
            "Je kan enkel delen met een samenwerkingsverband waarvan je bestuur lid is.",
        ),
        (
            {"audience": "partners", "partner_ids": ["<outsider>"]},
            "partner_ids",
            "Je kan enkel delen met partnerbesturen uit je samenwerkingsverbanden.",
        ),
        (
            {"audience": "partners", "partner_ids": ["<former>"]},
            "partner_ids",
            "Je kan enkel delen met partnerbesturen uit je samenwerkingsverbanden.",
        ),
    ],
    ids=["region-not-a-member", "non-partner-outsider", "former-member"],
)
def test_owner_cannot_share_outside_its_regions(app, world, form, field, message):
    refs = {
        "<b>": str(world.regions["b"].id),
        "<outsider>": str(world.tenants["outsider"].id),
        "<former>": str(world.tenants["former"].id),
    }
    data = {k: ([refs[x] for x in v] if isinstance(v, list) else refs.get(v, v)) for k, v in form.items()}
    before = _announcement_count(world)
    owner = viewer(app, world, "owner")

    page = owner.client.post(
        "/owner/mededelingen/nieuw", data={"title": "Mijn eigen titel", "body_html": "Tekst blijft", **data}
    )
    assert page.status_code == 422
    assert message in page.text
    assert 'value="Mijn eigen titel"' in page.text  # the user's input is kept
    assert "Tekst blijft" in page.text
    assert f'id="audience-{form["audience"]}" value="{form["audience"]}" checked' in page.text

    api_body: dict[str, Any] = {"title": "Via de API", "audience": form["audience"]}
    if "region_id" in data:
        api_body["region_id"] = int(data["region_id"])
    if "partner_ids" in data:
        api_body["partner_ids"] = [int(x) for x in data["partner_ids"]]
    api = owner.api("/announcements", "POST", json=api_body)
    assert api.status_code == 422
    assert api.json["detail"] == message
    assert _announcement_count(world) == before

    # Changing an existing announcement to that audience is refused the same way.
    ann_id = announce(world, "Bestaande mededeling")
    patch = owner.api(f"/announcements/{ann_id}", "PATCH", json={k: v for k, v in api_body.items() if k != "title"})
    assert patch.status_code == 422 and patch.json["detail"] == message
    assert _row(world, ann_id)[1] == "own"


def test_former_member_cannot_share_with_the_region_it_left(world):
    former = world.user("former")
    with tenant_context(former.tenant_id, user_id=former.id), pytest.raises(DomainError) as err:
        create_announcement(
            {"title": "Nog even delen", "audience": "region", "region_id": world.regions["a"].id},
            author_id=former.id,
        )
    assert err.value.status_code == 422 and err.value.field == "region_id"
    db.session.rollback()


def test_a_tenant_cannot_share_with_itself(world):
    owner_id = world.tenants["owner"].id
    with tenant_context(owner_id), pytest.raises(DomainError):
        grant_domain(owner_id, owner_id, "algemeen", source="zelf")
    db.session.rollback()
    assert db.session.scalar(select(Tenant.id).where(Tenant.id == owner_id)) == owner_id
