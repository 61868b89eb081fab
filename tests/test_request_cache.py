"""The request-scoped cache of regions, partners and prefilter ids never leaks.

Not between requests (a test client reusing one app context included), not between tenants,
not across a tenant switch with ``acting_for``, not past a write to memberships or grants,
and outside a request nothing is cached at all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from portal.dashboard.models import Announcement
from portal.extensions import db
from tenants import request_cache
from tenants.context import TenantContext, acting_for, reset_context, set_context
from tenants.models import Region, RegionMembership
from tenants.operations import add_member, create_region, create_tenant
from tenants.sharing import current_regions, is_member, partner_tenants, readable_prefilter, region_members
from tests import clock
from tests.conftest import login
from tests.statements import Statements


def _act(tenant_id: int) -> object:
    return set_context(TenantContext(tenant_id=tenant_id))


def test_second_call_in_a_request_answers_from_the_cache(app: Flask, world: Any) -> None:
    owner = world.tenants["owner"]
    with app.test_request_context("/"):
        token = _act(owner.id)
        try:
            partners = partner_tenants(owner.id)
            region_a, region_b = world.regions["a"].id, world.regions["b"].id
            with Statements() as seen:
                again = partner_tenants(owner.id)
                regions = current_regions(owner.id)
                assert is_member(owner.id, region_a)
                assert not is_member(owner.id, region_b)
            assert seen.count == 0
            assert [t.slug for t in again] == [t.slug for t in partners] == ["partner"]
            assert [r.slug for r in regions] == ["regio-a"]
            # Callers get their own lists: changing one does not change the cache.
            again.clear()
            assert [t.slug for t in partner_tenants(owner.id)] == ["partner"]
        finally:
            reset_context(token)


def test_nothing_is_cached_outside_a_request(app: Flask, world: Any) -> None:
    owner = world.tenants["owner"]
    with app.app_context(), acting_for(owner.id):
        partner_tenants(owner.id)
        with Statements() as seen:
            partner_tenants(owner.id)
        assert seen.count == 1


def test_acting_for_another_tenant_does_not_answer_from_the_acting_tenants_entries(app: Flask, world: Any) -> None:
    owner, outsider = world.tenants["owner"], world.tenants["outsider"]
    with app.test_request_context("/"):
        token = _act(owner.id)
        try:
            assert [t.slug for t in partner_tenants(owner.id)] == ["partner"]
            with acting_for(outsider.id), Statements() as seen:
                # Same arguments, other acting tenant: read again, not the owner's entry.
                assert [t.slug for t in partner_tenants(owner.id)] == ["partner"]
                assert [r.slug for r in current_regions(outsider.id)] == ["regio-b"]
                assert partner_tenants(outsider.id) == []
            assert seen.count >= 2
            # Back in the owner's context the owner's entries answer; the outsider's stay apart.
            with Statements() as seen:
                assert [t.slug for t in partner_tenants(owner.id)] == ["partner"]
            assert seen.count == 0
        finally:
            reset_context(token)


def test_prefilter_ids_are_per_tenant(app: Flask, world: Any) -> None:
    owner, outsider = world.tenants["owner"], world.tenants["outsider"]
    with app.test_request_context("/"):
        token = _act(owner.id)
        try:
            mine = str(readable_prefilter(Announcement, owner.id).compile(compile_kwargs={"literal_binds": True}))
            with acting_for(outsider.id):
                theirs = str(
                    readable_prefilter(Announcement, outsider.id).compile(compile_kwargs={"literal_binds": True})
                )
            assert str(world.regions["a"].id) in mine
            assert mine != theirs
        finally:
            reset_context(token)


def test_a_membership_written_in_the_request_is_read_again(app: Flask, world: Any) -> None:
    owner = world.tenants["owner"]
    with app.test_request_context("/"):
        token = set_context(TenantContext(tenant_id=None, is_platform=True))
        try:
            assert [t.slug for t in partner_tenants(owner.id)] == ["partner"]
            newcomer = create_tenant("Gemeente Nieuw", nis_code="91099", slug="nieuw")
            add_member(world.regions["a"], newcomer, clock.today() - timedelta(days=1))
            db.session.flush()
            assert [t.slug for t in partner_tenants(owner.id)] == ["nieuw", "partner"]
            assert "nieuw" in [t.slug for t in region_members(world.regions["a"].id)]
            region = create_region("Regio C", slug="regio-c")
            db.session.add(RegionMembership(region=region, tenant=owner, joined_on=clock.today()))
            db.session.flush()
            assert [r.slug for r in current_regions(owner.id)] == ["regio-a", "regio-c"]
            db.session.rollback()
            assert [r.slug for r in current_regions(owner.id)] == ["regio-a"]
        finally:
            reset_context(token)


def test_a_commit_empties_the_cache_so_no_detached_rows_are_answered(app: Flask, world: Any) -> None:
    owner = world.tenants["owner"]
    region_id = world.regions["a"].id
    with app.test_request_context("/"):
        token = _act(owner.id)
        try:
            assert "owner" in [t.slug for t in region_members(region_id)]
            db.session.commit()
            # A unit of work closes the session after its commit: the rows it loaded are detached.
            db.session.close()
            with Statements() as seen:
                members = region_members(region_id)
            assert seen.count >= 1
            assert "owner" in [t.slug for t in members]
            assert all(t.id for t in members)
        finally:
            reset_context(token)


def test_a_cleared_cache_is_empty_and_clear_outside_a_request_is_harmless(app: Flask, world: Any) -> None:
    owner = world.tenants["owner"]
    request_cache.clear()
    with app.test_request_context("/"):
        token = _act(owner.id)
        try:
            partner_tenants(owner.id)
            request_cache.clear()
            with Statements() as seen:
                partner_tenants(owner.id)
            assert seen.count == 1
        finally:
            reset_context(token)


def test_requests_do_not_share_the_cache(app: Flask, world: Any) -> None:
    """A new partner shows on the next page, even when the client reuses one app context."""
    client = app.test_client()
    region_id = world.regions["a"].id
    login(client, world.user("owner", "ad"))
    with app.app_context():
        first = client.get("/owner/")
        assert "Gemeente Partner" in first.text and "Gemeente Nieuw" not in first.text
        with acting_for(None, is_platform=True):
            newcomer = create_tenant("Gemeente Nieuw", nis_code="91099", slug="nieuw")
            add_member(db.session.get_one(Region, region_id), newcomer, clock.today() - timedelta(days=1))
            db.session.commit()
        second = client.get("/owner/")
        assert "Gemeente Nieuw" in second.text
