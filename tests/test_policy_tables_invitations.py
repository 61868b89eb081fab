"""Beleidstafels: members answer the invitation (RSVP), experts get guest access to one meeting, attendance."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables.models import Meeting, MeetingAttendance, MeetingGuest, MeetingResponse
from tenants.context import tenant_context
from tests.conftest import body_of, login
from tests.test_policy_tables_core import make_meeting, make_table


def client_for(app: Any, world: Any, tenant: str, role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def test_members_answer_with_their_own_row(app, world):
    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id, days=7)
    partner = client_for(app, world, "partner", "schepen")
    url = f"/partner/beleidstafels/vergaderingen/{meeting_id}/antwoord"
    assert partner.post(url, data={"answer": "vielleicht"}).status_code == 422
    assert partner.post(url, data={"answer": "misschien"}).status_code == 302
    assert partner.post(url, data={"answer": "ja", "note": "met de diensthoofd"}).status_code == 302
    with tenant_context(world.tenants["owner"].id):
        rows = db.session.scalars(select(MeetingResponse)).all()
        assert [(r.tenant_id, r.user_id, r.answer) for r in rows] == [
            (world.tenants["partner"].id, world.user("partner", "schepen").id, "ja")
        ]
    page = (
        client_for(app, world, "owner").get(f"/owner/beleidstafels/vergaderingen/{meeting_id}").get_data(as_text=True)
    )
    assert "Ik kom" in page and "met de diensthoofd" in page
    for viewer in ("former", "outsider"):
        other = client_for(app, world, viewer)
        assert (
            other.post(
                f"/{viewer}/beleidstafels/vergaderingen/{meeting_id}/antwoord", data={"answer": "ja"}
            ).status_code
            == 404
        )
    past = make_meeting(world, table_id, days=-3)
    response = partner.post(f"/partner/beleidstafels/vergaderingen/{past}/antwoord", data={"answer": "ja"})
    assert response.status_code == 409 and "al begonnen" in response.get_data(as_text=True)


def test_expert_reaches_only_the_invited_meeting(app, world, mailbox):
    table_id = make_table(world, "Expertentafel")
    meeting_id = make_meeting(world, table_id, days=10)
    other_meeting = make_meeting(world, table_id, days=20)
    with tenant_context(world.tenants["owner"].id):
        meeting = db.session.get(Meeting, meeting_id)
        ops.add_agenda_item(
            meeting, {"kind": "bespreking", "title": "Waterbeheer", "owner_tenant_id": world.tenants["owner"].id}
        )
        ops.publish_agenda(meeting, path="/x")
        other = db.session.get(Meeting, other_meeting)
        ops.add_agenda_item(
            other, {"kind": "bespreking", "title": "Geheim ander punt", "owner_tenant_id": world.tenants["owner"].id}
        )
        db.session.commit()
    chair = client_for(app, world, "owner")
    url = f"/owner/beleidstafels/vergaderingen/{meeting_id}/experts"
    bad = chair.post(url, data={"name": "Dr. Janssens", "email": "geen-adres"})
    assert bad.status_code == 422 and "Dr. Janssens" in bad.get_data(as_text=True)
    assert (
        client_for(app, world, "partner")
        .post(
            f"/partner/beleidstafels/vergaderingen/{meeting_id}/experts", data={"name": "X", "email": "x@expert.test"}
        )
        .status_code
        == 404
    )
    assert (
        chair.post(
            url, data={"name": "Dr. Janssens", "email": "Janssens@Expert.test", "organisation": "VMM"}
        ).status_code
        == 302
    )
    assert chair.post(url, data={"name": "Dr. Janssens", "email": "janssens@expert.test"}).status_code == 409
    mails = [m for m in mailbox.wait(5) if "janssens@expert.test" in (m["To"] or "")]
    assert mails and "Expertentafel" in mails[0]["Subject"]
    link = re.search(r"http://[^\s]+/gast/owner/[^\s]+", body_of(mails[0])).group(0).replace("http://localhost", "")
    guest = app.test_client()
    page = guest.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Waterbeheer" in text and "Geheim ander punt" not in text
    assert guest.post(link, data={"answer": "weet-niet"}).status_code == 422
    assert guest.post(link, data={"answer": "ja"}).status_code == 302
    with tenant_context(world.tenants["owner"].id):
        row = db.session.scalar(select(MeetingGuest))
        assert row.answer == "ja" and row.email == "janssens@expert.test"
        guest_id = row.id
    # The link does not work under another municipality's name, nor guessed, nor after revocation.
    assert guest.get(link.replace("/gast/owner/", "/gast/partner/")).status_code == 404
    assert guest.get("/gast/owner/geraden").status_code == 404
    assert guest.get(f"/owner/beleidstafels/vergaderingen/{meeting_id}").status_code in (302, 401)
    assert chair.post(f"/owner/beleidstafels/experts/{guest_id}/intrekken").status_code == 302
    assert guest.get(link).status_code == 404


def test_attendance_per_person_and_municipality_feeds_the_minutes(app, world):
    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id, days=-1)
    chair = client_for(app, world, "owner")
    url = f"/owner/beleidstafels/vergaderingen/{meeting_id}/aanwezigheden"
    outsider_user = world.user("outsider", "ad").id
    bad = chair.post(url, data={"user_ids": [outsider_user]})
    assert bad.status_code == 422 and "Onbekende deelnemer" in bad.get_data(as_text=True)
    present = [world.user("partner", "schepen").id, world.user("owner", "ad").id]
    assert chair.post(url, data={"user_ids": present}).status_code == 302
    with tenant_context(world.tenants["owner"].id):
        rows = db.session.scalars(select(MeetingAttendance)).all()
        assert sorted(r.user_id for r in rows) == sorted(present)
        assert {r.attendee_tenant_id for r in rows} == {world.tenants["owner"].id, world.tenants["partner"].id}
    page = (
        client_for(app, world, "partner")
        .get(f"/partner/beleidstafels/vergaderingen/{meeting_id}")
        .get_data(as_text=True)
    )
    assert "Per bestuur:" in page
    assert (
        client_for(app, world, "partner")
        .post(f"/partner/beleidstafels/vergaderingen/{meeting_id}/aanwezigheden", data={"user_ids": present})
        .status_code
        == 404
    )
    # Draft minutes propose the municipalities that were present as the attendees.
    response = chair.post(
        f"/owner/beleidstafels/vergaderingen/{meeting_id}/notulen", data={"body_html": "<p>Tekst</p>"}
    )
    page = chair.get(response.headers["Location"]).get_data(as_text=True)
    partner_id = world.tenants["partner"].id
    assert re.search(rf'id="attendee-{partner_id}"[^>]*checked', page)
    # Registering again replaces the list.
    assert chair.post(url, data={"user_ids": [world.user("owner", "ad").id]}).status_code == 302
    with tenant_context(world.tenants["owner"].id):
        assert db.session.scalars(select(MeetingAttendance.user_id)).all() == [world.user("owner", "ad").id]


def test_expert_accounts_see_no_table_pages(app, world):
    table_id = make_table(world, "Tafel zonder experts")
    meeting_id = make_meeting(world, table_id, days=4)
    for tenant in ("owner", "partner"):
        expert = client_for(app, world, tenant, "expert")
        for url in (
            f"/{tenant}/beleidstafels/",
            f"/{tenant}/beleidstafels/{table_id}",
            f"/{tenant}/beleidstafels/vergaderingen/{meeting_id}",
            f"/{tenant}/beleidstafels/vergaderingen/{meeting_id}.ics",
            f"/{tenant}/beleidstafels/kalender",
            f"/{tenant}/beleidstafels/inventaris",
        ):
            response = expert.get(url)
            # The role gate refuses before any table is looked up.
            assert response.status_code == 403, url
            assert "Je rol laat dit niet toe." in response.get_data(as_text=True)
            assert "Tafel zonder experts" not in response.get_data(as_text=True)
    from tests.matrix import token_headers

    api = app.test_client().get("/api/v1/policy-tables", headers=token_headers(world.user("partner", "expert")))
    assert api.status_code == 403 and "Tafel zonder experts" not in api.get_data(as_text=True)
    # A raadslid still reads the tables of the region (read only).
    assert client_for(app, world, "partner", "raadslid").get(f"/partner/beleidstafels/{table_id}").status_code == 200
