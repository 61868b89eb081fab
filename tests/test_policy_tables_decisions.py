"""Beleidstafels: decisions over the API, each municipality keeping its own follow-up; demo content."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables.models import (
    Cooperation,
    CooperationEvaluation,
    Decision,
    DecisionFollowUp,
    Meeting,
    MeetingAttendance,
    MeetingResponse,
    Minutes,
    PolicyTable,
)
from tenants.context import tenant_context
from tests.matrix import token_headers
from tests.test_policy_tables_core import make_meeting, make_table


def test_decision_api_and_own_follow_up_rows(app, world):
    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id, days=2)
    with tenant_context(world.tenants["owner"].id):
        item = ops.add_agenda_item(
            db.session.get(Meeting, meeting_id),
            {"kind": "beslissing", "title": "Gezamenlijke aankoop", "owner_tenant_id": world.tenants["owner"].id},
        )
        db.session.commit()
        item_id = item.id
    client = app.test_client()
    owner, partner = token_headers(world.user("owner")), token_headers(world.user("partner"))
    outsider = token_headers(world.user("outsider"))
    url = f"/api/v1/policy-tables/agenda-items/{item_id}/decision"
    assert client.put(url, headers=owner, json={"text_html": ""}).status_code == 422
    assert client.put(url, headers=partner, json={"text_html": "Overgenomen"}).status_code == 404
    created = client.put(url, headers=owner, json={"text_html": "<p>Akkoord</p><script>x</script>"})
    assert created.status_code == 200 and created.get_json()["text_html"] == "<p>Akkoord</p>"
    decision_id = created.get_json()["id"]
    follow = f"/api/v1/policy-tables/decisions/{decision_id}/follow-up"
    bad = client.put(follow, headers=partner, json={"status": "uitgevoerd"})
    assert bad.status_code == 422
    assert client.put(follow, headers=partner, json={"status": "voor_te_leggen"}).status_code == 200
    done = client.put(
        follow, headers=partner, json={"status": "uitgevoerd", "done_on": "2026-12-12", "reference": "CBS-12"}
    )
    assert done.status_code == 200 and done.get_json()["municipality"]["id"] == world.tenants["partner"].id
    assert client.put(follow, headers=owner, json={"status": "niet_van_toepassing"}).status_code == 200
    assert client.put(follow, headers=outsider, json={"status": "voorgelegd"}).status_code == 404
    with tenant_context(world.tenants["owner"].id):
        rows = db.session.execute(
            select(DecisionFollowUp.tenant_id, DecisionFollowUp.status, DecisionFollowUp.reference).order_by(
                DecisionFollowUp.tenant_id
            )
        ).all()
    # One row per municipality, each written by that municipality only; the decision itself unchanged.
    assert sorted(rows) == sorted(
        [
            (world.tenants["owner"].id, "niet_van_toepassing", ""),
            (world.tenants["partner"].id, "uitgevoerd", "CBS-12"),
        ]
    )
    listed = client.get(f"/api/v1/policy-tables/meetings/{meeting_id}/decisions", headers=partner).get_json()
    assert [d["id"] for d in listed] == [decision_id]
    assert {f["status"] for f in listed[0]["follow_ups"]} == {"uitgevoerd", "niet_van_toepassing"}
    assert client.get(f"/api/v1/policy-tables/decisions/{decision_id}", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/policy-tables/meetings/{meeting_id}/decisions", headers=outsider).status_code == 404


def test_demo_fills_minutes_and_decisions_for_both_regions(app):
    from portal.demo import load_demo
    from tenants.models import Tenant

    load_demo()
    with tenant_context(None, is_platform=True):
        chairs = {t.slug: t.id for t in db.session.scalars(select(Tenant).where(Tenant.slug.in_(["ranst", "lier"])))}
    for slug, tenant_id in chairs.items():
        with tenant_context(tenant_id):
            tables = db.session.scalar(select(func.count(PolicyTable.id)).where(PolicyTable.tenant_id == tenant_id))
            assert tables and tables >= 1, slug
            assert db.session.scalar(select(func.count(Minutes.id)).where(Minutes.tenant_id == tenant_id)), slug
            assert db.session.scalar(select(func.count(Decision.id)).where(Decision.tenant_id == tenant_id)), slug
            # Members' own follow-ups are shared with the region, so the chair reads them.
            assert db.session.scalar(select(func.count(DecisionFollowUp.id))), slug
            assert db.session.scalar(select(func.count(Cooperation.id))), slug
            assert db.session.scalar(select(func.count(CooperationEvaluation.id))), slug
            assert db.session.scalar(select(func.count(MeetingAttendance.id))), slug
            assert db.session.scalar(select(func.count(MeetingResponse.id))), slug
