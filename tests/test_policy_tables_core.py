"""Beleidstafels: visibility per region, meetings, agenda builder, proposals, publishing, actions."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables.models import (
    ActionItem,
    AgendaItem,
    AgendaProposal,
    Decision,
    DecisionFollowUp,
    Meeting,
    PolicyTable,
    TableMember,
)
from tenants.context import tenant_context
from tests import clock
from tests.conftest import body_of, login
from tests.matrix import token_headers


def make_table(world: Any, name: str = "Tafel Vrije Tijd", tenant: str = "owner") -> int:
    """Create a table chaired by ``tenant`` in region A; return its id."""
    tid = world.tenants[tenant].id
    with tenant_context(tid, user_id=world.user(tenant).id):
        table = ops.create_table(
            {"name": name, "theme": "vrije_tijd", "region_id": world.regions["a"].id}, tenant_id=tid
        )
        db.session.commit()
        return table.id


def make_meeting(world: Any, table_id: int, days: int = 7) -> int:
    """Plan a meeting of the owner's table ``days`` from today; return its id."""
    with tenant_context(world.tenants["owner"].id):
        table = db.session.get(PolicyTable, table_id)
        meeting = ops.create_meeting(
            table,
            {
                "day": clock.today() + timedelta(days=days),
                "start_time": time(14),
                "end_time": time(16),
                "location": "Zaal 1",
            },
        )
        db.session.commit()
        return meeting.id


def count(model: Any, tenant: Any, *where: Any) -> int:
    with tenant_context(tenant.id):
        return int(db.session.scalar(select(func.count(model.id)).where(*where)) or 0)


def test_table_visible_to_current_members_only(app, world):
    table_id = make_table(world, "Tafel Burger & Welzijn")
    for viewer, status in [("owner", 200), ("partner", 200), ("former", 404), ("outsider", 404)]:
        client = app.test_client()
        login(client, world.user(viewer))
        response = client.get(f"/{viewer}/beleidstafels/{table_id}")
        assert response.status_code == status, viewer
        listing = client.get(f"/{viewer}/beleidstafels/").get_data(as_text=True)
        assert ("Tafel Burger &amp; Welzijn" in listing) == (status == 200), viewer


def test_create_table_by_form_and_refusals(app, world, login_as):
    client = login_as(world.user("owner", "schepen"))
    response = client.post(
        "/owner/beleidstafels/nieuw",
        data={
            "name": "Mobiliteitstafel",
            "theme": "mobiliteit_openbare_werken",
            "region_id": world.regions["a"].id,
            "description_html": "<p>Ok</p><script>alert(1)</script>",
            "secretary_email": "",
        },
    )
    assert response.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        table = db.session.scalar(select(PolicyTable).where(PolicyTable.name == "Mobiliteitstafel"))
        assert table is not None and table.audience == "region" and table.region_id == world.regions["a"].id
        assert "<script>" not in table.description_html and "<p>Ok</p>" in table.description_html
    # A region the municipality is not a member of: clear message, nothing created.
    response = client.post(
        "/owner/beleidstafels/nieuw",
        data={"name": "Vreemde tafel", "theme": "vrije_tijd", "region_id": world.regions["b"].id},
    )
    assert response.status_code == 422
    assert "samenwerkingsverband waarvan je bestuur lid is" in response.get_data(as_text=True)
    response = client.post("/owner/beleidstafels/nieuw", data={"name": "x", "theme": "onbekend"})
    assert response.status_code == 422
    assert count(PolicyTable, world.tenants["owner"]) == 1
    # Duplicate name: 409 message, still one.
    response = client.post(
        "/owner/beleidstafels/nieuw",
        data={"name": "Mobiliteitstafel", "theme": "vrije_tijd", "region_id": world.regions["a"].id},
    )
    assert response.status_code == 422
    assert "bestaat al" in response.get_data(as_text=True)


@pytest.mark.parametrize("role,status", [("raadslid", 403), ("expert", 403), ("dienst", 200), ("ad", 200)])
def test_roles_that_may_start_a_table(app, world, login_as, role, status):
    client = login_as(world.user("owner", role))
    assert client.get("/owner/beleidstafels/nieuw").status_code == status


def test_members_record_their_own_seat(app, world, login_as):
    table_id = make_table(world)
    client = login_as(world.user("partner", "schepen"))
    response = client.post(
        f"/partner/beleidstafels/{table_id}/zetel", data={"policy_contact": "Schepen Peeters", "admin_contact": "Els"}
    )
    assert response.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        seats = db.session.scalars(select(TableMember).where(TableMember.table_id == table_id)).all()
        assert [(s.tenant_id, s.policy_contact) for s in seats] == [(world.tenants["partner"].id, "Schepen Peeters")]
    page = login_as(world.user("owner")).get(f"/owner/beleidstafels/{table_id}").get_data(as_text=True)
    assert "Schepen Peeters" in page


def test_meeting_end_before_start_and_without_place_change_nothing(app, world, login_as):
    table_id = make_table(world)
    client = login_as(world.user("owner"))
    url = f"/owner/beleidstafels/{table_id}/vergaderingen/nieuw"
    response = client.post(
        url, data={"day": "2099-03-01", "start_time": "16:00", "end_time": "14:00", "location": "Zaal"}
    )
    assert response.status_code == 422
    assert "Het einde moet na het begin liggen." in response.get_data(as_text=True)
    response = client.post(url, data={"day": "2099-03-01", "start_time": "14:00", "end_time": "16:00"})
    assert response.status_code == 422
    assert "locatie of een link" in response.get_data(as_text=True)
    response = client.post(
        url, data={"day": "2099-03-01", "start_time": "14:00", "end_time": "16:00", "online_url": "javascript:alert(1)"}
    )
    assert response.status_code == 422
    assert count(Meeting, world.tenants["owner"]) == 0
    response = client.post(
        url, data={"day": "2099-07-01", "start_time": "14:00", "end_time": "16:00", "location": "Raadzaal"}
    )
    assert response.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        meeting = db.session.scalar(select(Meeting))
        # 14:00 in Brussels summer time is 12:00 UTC.
        assert meeting.starts_at.hour == 12 and meeting.starts_at.utcoffset() == timedelta(0)
    # Partners and others cannot plan on the chair's table.
    other = app.test_client()
    login(other, world.user("partner"))
    assert other.get(f"/partner/beleidstafels/{table_id}/vergaderingen/nieuw").status_code == 404


def test_proposal_accepted_by_chair_and_agenda_published(app, world, login_as, mailbox):
    table_id = make_table(world, "Tafel Omgeving")
    meeting_id = make_meeting(world, table_id)
    partner = app.test_client()
    login(partner, world.user("partner", "schepen"))
    response = partner.post(
        f"/partner/beleidstafels/vergaderingen/{meeting_id}/voorstellen",
        data={
            "kind": "beslissing",
            "title": "Gezamenlijke fietsroute",
            "description_html": "<b>Ja</b><img src=x onerror=alert(1)>",
        },
    )
    assert response.status_code == 302
    with tenant_context(world.tenants["partner"].id):
        proposal = db.session.scalar(select(AgendaProposal))
        assert proposal.tenant_id == world.tenants["partner"].id and "onerror" not in proposal.description_html
        proposal_id = proposal.id
    # The partner cannot accept its own proposal on the chair's agenda.
    assert partner.post(f"/partner/beleidstafels/voorstellen/{proposal_id}/aanvaarden").status_code == 404
    chair = login_as(world.user("owner"))
    page = chair.get(f"/owner/beleidstafels/vergaderingen/{meeting_id}").get_data(as_text=True)
    assert "Gezamenlijke fietsroute" in page and "Aanvaarden" in page
    assert chair.post(f"/owner/beleidstafels/voorstellen/{proposal_id}/aanvaarden").status_code == 302
    assert chair.post(f"/owner/beleidstafels/voorstellen/{proposal_id}/aanvaarden").status_code == 409
    with tenant_context(world.tenants["owner"].id):
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.proposal_id == proposal_id))
        assert item.tenant_id == world.tenants["owner"].id
        assert item.owner_tenant_id == world.tenants["partner"].id and item.kind == "beslissing"
    # Once on the agenda the proposer can no longer withdraw it.
    assert partner.post(f"/partner/beleidstafels/voorstellen/{proposal_id}/intrekken").status_code == 409
    # Publishing notifies the members (AD and schepen of owner and partner), not the former member.
    assert chair.post(f"/owner/beleidstafels/vergaderingen/{meeting_id}/publiceren").status_code == 302
    assert chair.post(f"/owner/beleidstafels/vergaderingen/{meeting_id}/publiceren").status_code == 409
    with tenant_context(None, is_platform=True):
        notes = db.session.scalars(select(Notification).where(Notification.category == "policy_tables")).all()
        recipients = sorted(n.user_id for n in notes)
    expected = sorted(world.user(t, r).id for t in ("owner", "partner") for r in ("ad", "schepen"))
    assert recipients == expected
    mails = mailbox.wait(4)
    assert "Tafel Omgeving" in mails[0]["Subject"]
    assert not mailbox.to("ad@former.test")
    assert f"/partner/beleidstafels/vergaderingen/{meeting_id}" in body_of(mailbox.to("ad@partner.test")[0])
    page = partner.get(f"/partner/beleidstafels/vergaderingen/{meeting_id}").get_data(as_text=True)
    assert "Agenda gepubliceerd" in page


def test_chair_builds_and_orders_the_agenda(app, world, login_as):
    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id)
    chair = login_as(world.user("owner"))
    url = f"/owner/beleidstafels/vergaderingen/{meeting_id}/punten"
    for title in ("Eerste punt", "Tweede punt"):
        assert chair.post(url, data={"kind": "informatie", "title": title}).status_code == 302
    # Unknown member as owner municipality, and a bad type: clear message, nothing added.
    response = chair.post(
        url, data={"kind": "informatie", "title": "Vreemd", "owner_tenant_id": world.tenants["outsider"].id}
    )
    assert response.status_code == 422 and "Onbekend lid" in response.get_data(as_text=True)
    assert chair.post(url, data={"kind": "stemming", "title": "Fout"}).status_code == 422
    with tenant_context(world.tenants["owner"].id):
        items = db.session.scalars(select(AgendaItem).order_by(AgendaItem.position)).all()
        assert [i.title for i in items] == ["Eerste punt", "Tweede punt"]
        second = items[1].id
    assert chair.post(f"/owner/beleidstafels/punten/{second}/verplaatsen", data={"direction": "up"}).status_code == 302
    assert chair.post(f"/owner/beleidstafels/punten/{second}/verplaatsen", data={"direction": "up"}).status_code == 409
    with tenant_context(world.tenants["owner"].id):
        titles = db.session.scalars(select(AgendaItem.title).order_by(AgendaItem.position)).all()
        assert titles == ["Tweede punt", "Eerste punt"]


def test_no_agenda_changes_on_a_past_meeting(app, world, login_as):
    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id, days=-3)
    chair = login_as(world.user("owner"))
    response = chair.post(
        f"/owner/beleidstafels/vergaderingen/{meeting_id}/punten", data={"kind": "informatie", "title": "Te laat"}
    )
    assert response.status_code == 409
    assert "voorbij" in response.get_data(as_text=True)
    assert count(AgendaItem, world.tenants["owner"]) == 0


def test_open_actions_appear_on_the_next_agenda(app, world, login_as):
    table_id = make_table(world)
    first = make_meeting(world, table_id, days=-14)
    second = make_meeting(world, table_id, days=14)
    chair = login_as(world.user("owner"))
    url = f"/owner/beleidstafels/vergaderingen/{first}/actiepunten"
    data = {
        "title": "Subsidiedossier voorbereiden",
        "owner_tenant_id": world.tenants["partner"].id,
        "owner_person": "Jan",
        "due_on": "2099-01-01",
    }
    assert chair.post(url, data=data).status_code == 302
    assert chair.post(url, data={"title": "Afgewerkte actie"}).status_code == 302
    bad = chair.post(url, data={"title": "Vreemd bestuur", "owner_tenant_id": world.tenants["outsider"].id})
    assert bad.status_code == 422
    with tenant_context(world.tenants["owner"].id):
        done = db.session.scalar(select(ActionItem).where(ActionItem.title == "Afgewerkte actie"))
        done_id = done.id
    assert chair.post(f"/owner/beleidstafels/actiepunten/{done_id}/status", data={"status": "klaar"}).status_code == 302
    assert chair.post(f"/owner/beleidstafels/actiepunten/{done_id}/status", data={"status": "weg"}).status_code == 422
    page = chair.get(f"/owner/beleidstafels/vergaderingen/{second}").get_data(as_text=True)
    follow_up = page.split("Opvolging actiepunten", 1)[1].split("</ul>", 1)[0]
    assert "Subsidiedossier voorbereiden" in follow_up and "Afgewerkte actie" not in follow_up
    # The responsible municipality was told; the partner reads but cannot change the status.
    with tenant_context(None, is_platform=True):
        users = db.session.scalars(
            select(Notification.user_id).where(Notification.title.contains("Subsidiedossier"))
        ).all()
    assert sorted(users) == sorted([world.user("partner", "ad").id, world.user("partner", "schepen").id])
    partner = app.test_client()
    login(partner, world.user("partner"))
    with tenant_context(world.tenants["owner"].id):
        open_id = db.session.scalar(select(ActionItem.id).where(ActionItem.title.contains("Subsidie")))
    assert (
        partner.post(f"/partner/beleidstafels/actiepunten/{open_id}/status", data={"status": "klaar"}).status_code
        == 404
    )


def test_overdue_reminders_are_idempotent(app, world):
    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id, days=-20)
    with tenant_context(world.tenants["owner"].id):
        meeting = db.session.get(Meeting, meeting_id)
        ops.create_action(
            meeting,
            {
                "title": "Te laat actiepunt",
                "owner_tenant_id": world.tenants["partner"].id,
                "due_on": clock.today() - timedelta(days=2),
            },
            path="/x",
        )
        ops.create_action(
            meeting,
            {
                "title": "Nog op tijd",
                "owner_tenant_id": world.tenants["partner"].id,
                "due_on": clock.today() + timedelta(days=2),
            },
            path="/x",
        )
        db.session.commit()
    from tasks.policy_tables import remind_overdue

    assert remind_overdue.delay().get() == 2  # AD and schepen of the partner
    assert remind_overdue.delay().get() == 0
    with tenant_context(None, is_platform=True):
        titles = db.session.scalars(
            select(Notification.title).where(Notification.title.like("Actiepunt over tijd%"))
        ).all()
    assert len(titles) == 2 and all("Te laat actiepunt" in t for t in titles)


def test_api_tables_meetings_and_actions(app, world):
    table_id = make_table(world, "API-tafel")
    meeting_id = make_meeting(world, table_id)
    client = app.test_client()
    owner = token_headers(world.user("owner"))
    partner = token_headers(world.user("partner"))
    outsider = token_headers(world.user("outsider"))
    names = [t["name"] for t in client.get("/api/v1/policy-tables", headers=partner).get_json()["items"]]
    assert names == ["API-tafel"]
    assert client.get("/api/v1/policy-tables", headers=outsider).get_json()["items"] == []
    assert client.get(f"/api/v1/policy-tables/{table_id}", headers=outsider).status_code == 404
    meetings = client.get(f"/api/v1/policy-tables/{table_id}/meetings", headers=partner).get_json()
    assert [m["id"] for m in meetings] == [meeting_id]
    created = client.post(
        "/api/v1/policy-tables",
        headers=partner,
        json={"name": "Partnertafel", "theme": "eigen", "region_id": world.regions["a"].id},
    )
    assert created.status_code == 201 and created.get_json()["chair"]["id"] == world.tenants["partner"].id
    bad = client.post(
        "/api/v1/policy-tables",
        headers=partner,
        json={"name": "Te ver", "theme": "eigen", "region_id": world.regions["b"].id},
    )
    assert bad.status_code == 422
    with tenant_context(world.tenants["owner"].id):
        action = ops.create_action(
            db.session.get(Meeting, meeting_id),
            {"title": "API-actie", "owner_tenant_id": world.tenants["owner"].id},
            path="/x",
        )
        db.session.commit()
        action_id = action.id
    assert (
        client.patch(
            f"/api/v1/policy-tables/actions/{action_id}", headers=partner, json={"status": "klaar"}
        ).status_code
        == 404
    )
    response = client.patch(f"/api/v1/policy-tables/actions/{action_id}", headers=owner, json={"status": "bezig"})
    assert response.status_code == 200 and response.get_json()["status"] == "bezig"
    assert (
        client.patch(f"/api/v1/policy-tables/actions/{action_id}", headers=owner, json={"status": "weg"}).status_code
        == 422
    )
    listed = client.get("/api/v1/policy-tables/actions", headers=partner).get_json()["items"]
    assert [a["title"] for a in listed] == ["API-actie"]
    assert client.get("/api/v1/policy-tables/actions", headers=outsider).get_json()["items"] == []


def test_demo_content_loads_idempotently(app):
    from portal.demo import load_demo
    from portal.policy_tables.demo import load
    from tenants.models import Tenant

    load_demo()  # runs the module's load() by convention
    assert load() == 0
    with tenant_context(None, is_platform=True):
        lier = db.session.scalar(select(Tenant).where(Tenant.slug == "lier"))
    with tenant_context(lier.id):
        names = db.session.scalars(select(PolicyTable.name)).all()
        assert "Beleidstafel Vrije Tijd Lier-Herenthout" in names
        assert "Beleidstafel Burger & Welzijn" not in names  # another region
        assert db.session.scalar(select(func.count(Meeting.id))) >= 2


def test_decision_with_follow_up_per_municipality(app, world, login_as):
    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id, days=3)
    with tenant_context(world.tenants["owner"].id):
        item = ops.add_agenda_item(
            db.session.get(Meeting, meeting_id),
            {"kind": "beslissing", "title": "Gezamenlijke aankoop", "owner_tenant_id": world.tenants["owner"].id},
        )
        db.session.commit()
        item_id = item.id
    chair = login_as(world.user("owner"))
    assert chair.post(f"/owner/beleidstafels/punten/{item_id}/besluit", data={"text_html": ""}).status_code == 422
    response = chair.post(
        f"/owner/beleidstafels/punten/{item_id}/besluit", data={"text_html": "<p>Akkoord</p><script>x</script>"}
    )
    assert response.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        decision = db.session.scalar(select(Decision).where(Decision.agenda_item_id == item_id))
        assert decision.text_html == "<p>Akkoord</p>"
        decision_id = decision.id
    partner = app.test_client()
    login(partner, world.user("partner", "schepen"))
    url = f"/partner/beleidstafels/besluiten/{decision_id}/opvolging"
    # Done without a date: clear message, nothing stored.
    response = partner.post(url, data={"status": "uitgevoerd"})
    assert response.status_code == 422 and "datum" in response.get_data(as_text=True)
    assert partner.post(url, data={"status": "voor_te_leggen", "note": "College 12/12"}).status_code == 302
    assert (
        partner.post(
            url, data={"status": "uitgevoerd", "done_on": "2026-12-12", "reference": "CBS-2026-77"}
        ).status_code
        == 302
    )
    assert partner.post(f"/partner/beleidstafels/punten/{item_id}/besluit", data={"text_html": "x"}).status_code == 404
    with tenant_context(world.tenants["owner"].id):
        rows = db.session.scalars(select(DecisionFollowUp)).all()
        assert [(r.tenant_id, r.status, r.reference) for r in rows] == [
            (world.tenants["partner"].id, "uitgevoerd", "CBS-2026-77")
        ]
    page = chair.get(f"/owner/beleidstafels/vergaderingen/{meeting_id}").get_data(as_text=True)
    assert "CBS-2026-77" in page and "Akkoord" in page
    # The former member and the outsider cannot record a follow-up.
    for viewer in ("former", "outsider"):
        other = app.test_client()
        login(other, world.user(viewer))
        assert (
            other.post(
                f"/{viewer}/beleidstafels/besluiten/{decision_id}/opvolging", data={"status": "voorgelegd"}
            ).status_code
            == 404
        )


def test_the_meeting_page_reads_its_own_rows_and_the_open_ones_of_earlier_meetings_only(app, world):
    """``meeting_actions`` / ``meeting_minutes``: own rows in any state; earlier meetings' still open ones."""
    from portal.policy_tables.models import Minutes, MinutesStatus

    table_id = make_table(world)
    other_table = make_table(world, name="Tafel Omgeving")
    earlier, current, later = (make_meeting(world, table_id, days=d) for d in (-28, -7, 14))
    elsewhere = make_meeting(world, other_table, days=-14)
    owner = world.tenants["owner"]
    with tenant_context(owner.id, user_id=world.user("owner").id):
        for meeting_id in (earlier, current, later, elsewhere):
            meeting = db.session.get(Meeting, meeting_id)
            for state in ("open", "klaar"):
                action = ops.create_action(
                    meeting, {"title": f"{meeting_id}-{state}", "owner_tenant_id": owner.id}, path="/"
                )
                action.status = state
            minutes = ops.create_minutes(meeting, {"body_html": "<p>Tekst</p>"}, user_id=None)
            minutes.status = MinutesStatus.TER_OPMERKING if meeting_id != current else MinutesStatus.ONTWERP
        db.session.commit()
        page = db.session.get(Meeting, current)
        follow_up, own = ops.meeting_actions(page)
        assert [a.title for a in follow_up] == [f"{earlier}-open"]
        assert sorted(a.title for a in own) == [f"{current}-klaar", f"{current}-open"]
        minutes_of, to_approve = ops.meeting_minutes(page)
        assert minutes_of is not None and minutes_of.meeting_id == current
        assert [m.meeting_id for m in to_approve] == [earlier]
        assert {m.meeting_id for m in db.session.scalars(select(Minutes))} >= {earlier, later, elsewhere}
