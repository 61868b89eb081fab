"""Beleidstafels API: meetings, agenda items and proposals with the same rules as the pages."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.policy_tables.models import AgendaProposal, Meeting
from tenants.context import tenant_context
from tests.matrix import token_headers
from tests.test_policy_tables_core import make_meeting, make_table


def test_api_plans_meetings_builds_the_agenda_and_takes_proposals(app, world):
    table_id = make_table(world, "API-planning")
    client = app.test_client()
    owner, partner = token_headers(world.user("owner")), token_headers(world.user("partner"))
    outsider = token_headers(world.user("outsider"))
    url = f"/api/v1/policy-tables/{table_id}/meetings"
    body = {"day": "2099-03-02", "start_time": "14:00", "end_time": "16:00", "location": "Zaal"}
    assert client.post(url, headers=owner, json={**body, "end_time": "13:00"}).status_code == 422
    assert client.post(url, headers=partner, json=body).status_code == 404
    assert client.post(url, headers=outsider, json=body).status_code == 404
    created = client.post(url, headers=owner, json={**body, "repeat": "wekelijks", "count": 3})
    assert created.status_code == 201 and len(created.get_json()) == 3
    meeting_id = created.get_json()[0]["id"]
    items = f"/api/v1/policy-tables/meetings/{meeting_id}/agenda-items"
    assert client.post(items, headers=owner, json={"kind": "stemming", "title": "Fout"}).status_code == 422
    bad_owner = {"kind": "informatie", "title": "Vreemd", "owner_tenant_id": world.tenants["outsider"].id}
    assert client.post(items, headers=owner, json=bad_owner).status_code == 422
    item = client.post(items, headers=owner, json={"kind": "beslissing", "title": "Budget 2099"})
    assert item.status_code == 201 and item.get_json()["owner"]["id"] == world.tenants["owner"].id
    assert client.post(items, headers=partner, json={"kind": "informatie", "title": "Overname"}).status_code == 404
    past = make_meeting(world, table_id, days=-2)
    late = client.post(
        f"/api/v1/policy-tables/meetings/{past}/agenda-items",
        headers=owner,
        json={"kind": "informatie", "title": "Te laat"},
    )
    assert late.status_code == 409
    proposals = f"/api/v1/policy-tables/meetings/{meeting_id}/proposals"
    proposal = client.post(proposals, headers=partner, json={"kind": "bespreking", "title": "Voorstel partner"})
    assert proposal.status_code == 201
    assert client.post(proposals, headers=outsider, json={"kind": "bespreking", "title": "Vreemd"}).status_code == 404
    with tenant_context(world.tenants["partner"].id):
        row = db.session.scalar(select(AgendaProposal))
        assert row.tenant_id == world.tenants["partner"].id
    listed = client.get(proposals, headers=owner).get_json()
    assert [p["title"] for p in listed] == ["Voorstel partner"]
    assert client.get(proposals, headers=outsider).status_code == 404
    with tenant_context(world.tenants["owner"].id):
        assert len(db.session.scalars(select(Meeting).where(Meeting.table_id == table_id)).all()) == 4
