"""Beleidstafels: notulen from draft over remarks and approval to publication, with every version kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.core.notifications import Notification
from portal.extensions import db
from portal.policy_tables import operations as ops
from portal.policy_tables.models import Meeting, Minutes, MinutesRemark, MinutesVersion
from tenants.context import tenant_context
from tests.conftest import login
from tests.matrix import token_headers
from tests.test_policy_tables_core import make_meeting, make_table


def pdf_text(data: bytes) -> str | None:
    """Return the text of a PDF with poppler's pdftotext, or None when it is not installed."""
    import shutil
    import subprocess

    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    return subprocess.run([tool, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def client_for(app: Any, world: Any, tenant: str, role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def draft(world: Any, meeting_id: int, text: str = "<p>Ontwerptekst</p>") -> int:
    with tenant_context(world.tenants["owner"].id, user_id=world.user("owner").id):
        minutes = ops.create_minutes(db.session.get(Meeting, meeting_id), {"body_html": text}, user_id=None)
        db.session.commit()
        return minutes.id


def minutes_state(world: Any, minutes_id: int) -> tuple[str, int]:
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        m = db.session.get(Minutes, minutes_id)
        return m.status, m.current_version


def test_draft_minutes_are_read_by_the_chair_only(app, world):
    table_id = make_table(world)
    meeting_id = make_meeting(world, table_id, days=-7)
    chair = client_for(app, world, "owner")
    # An empty text: clear message, nothing created; the text typed stays in the form.
    response = chair.post(f"/owner/beleidstafels/vergaderingen/{meeting_id}/notulen", data={"body_html": " "})
    assert response.status_code == 422 and "Vul de tekst van de notulen in." in response.get_data(as_text=True)
    response = chair.post(
        f"/owner/beleidstafels/vergaderingen/{meeting_id}/notulen",
        data={"body_html": "<p>Geheim ontwerp</p><script>x()</script>"},
    )
    assert response.status_code == 302
    with tenant_context(world.tenants["owner"].id):
        minutes = db.session.scalar(select(Minutes))
        assert minutes.status == "ontwerp" and minutes.audience == "own"
        minutes_id = minutes.id
        assert db.session.scalar(select(MinutesVersion.body_html)) == "<p>Geheim ontwerp</p>"
    assert (
        chair.post(
            f"/owner/beleidstafels/vergaderingen/{meeting_id}/notulen", data={"body_html": "<p>Tweede</p>"}
        ).status_code
        == 409
    )
    assert "Geheim ontwerp" in chair.get(f"/owner/beleidstafels/notulen/{minutes_id}").get_data(as_text=True)
    for viewer in ("partner", "former", "outsider"):
        other = client_for(app, world, viewer)
        for url in (
            f"/{viewer}/beleidstafels/notulen/{minutes_id}",
            f"/{viewer}/beleidstafels/notulen/{minutes_id}/versies/1",
        ):
            response = other.get(url)
            assert response.status_code == 404, (viewer, url)
            assert "Geheim ontwerp" not in response.get_data(as_text=True)
        # The meeting itself is shared with the region, its draft minutes are not.
        page = other.get(f"/{viewer}/beleidstafels/vergaderingen/{meeting_id}")
        assert "Geheim ontwerp" not in page.get_data(as_text=True)
    api = app.test_client().get(
        f"/api/v1/policy-tables/minutes/{minutes_id}", headers=token_headers(world.user("partner"))
    )
    assert api.status_code == 404


def test_minutes_journey_versions_remarks_approval_and_publication(app, world, mailbox):
    table_id = make_table(world, "Tafel Notulen")
    first = make_meeting(world, table_id, days=-14)
    minutes_id = draft(world, first, "<p>Versie een</p>")
    chair = client_for(app, world, "owner")
    # A new version keeps the first one readable.
    url = f"/owner/beleidstafels/notulen/{minutes_id}"
    assert chair.post(url + "/versies", data={"body_html": "<p>Versie een</p>"}).status_code == 409
    assert (
        chair.post(url + "/versies", data={"body_html": "<p>Versie twee</p>", "change_note": "typfout"}).status_code
        == 302
    )
    assert minutes_state(world, minutes_id) == ("ontwerp", 2)
    # Approval needs remarks first, and publication needs approval.
    assert chair.post(url + "/goedkeuren").status_code == 409
    assert chair.post(url + "/publiceren").status_code == 409
    # Sending to an outsider is refused; to the partner it works and notifies the partner only.
    bad = chair.post(url + "/ter-opmerking", data={"attendee_ids": [world.tenants["outsider"].id]})
    assert bad.status_code == 422 and "Onbekend lid" in bad.get_data(as_text=True)
    assert minutes_state(world, minutes_id) == ("ontwerp", 2)
    assert chair.post(url + "/ter-opmerking", data={"attendee_ids": [world.tenants["partner"].id]}).status_code == 302
    assert minutes_state(world, minutes_id) == ("ter_opmerking", 2)
    with tenant_context(None, is_platform=True):
        users = sorted(
            db.session.scalars(select(Notification.user_id).where(Notification.title.like("Notulen ter opmerking%")))
        )
    assert users == sorted([world.user("partner", "ad").id, world.user("partner", "schepen").id])
    assert mailbox.wait(2)
    partner = client_for(app, world, "partner", "schepen")
    page = partner.get(f"/partner/beleidstafels/notulen/{minutes_id}").get_data(as_text=True)
    assert "Versie twee" in page and "Ter opmerking" in page
    assert "Versie een" in partner.get(f"/partner/beleidstafels/notulen/{minutes_id}/versies/1").get_data(as_text=True)
    assert partner.get(f"/partner/beleidstafels/notulen/{minutes_id}/versies/9").status_code == 404
    # The partner remarks (its own row); the partner cannot revise or approve the chair's minutes.
    assert (
        partner.post(f"/partner/beleidstafels/notulen/{minutes_id}/opmerkingen", data={"body": ""}).status_code == 422
    )
    assert (
        partner.post(
            f"/partner/beleidstafels/notulen/{minutes_id}/opmerkingen", data={"body": "Punt 3 aanvullen"}
        ).status_code
        == 302
    )
    assert (
        partner.post(f"/partner/beleidstafels/notulen/{minutes_id}/versies", data={"body_html": "x"}).status_code == 404
    )
    assert partner.post(f"/partner/beleidstafels/notulen/{minutes_id}/goedkeuren").status_code == 404
    with tenant_context(world.tenants["partner"].id):
        remark = db.session.scalar(select(MinutesRemark))
        assert remark.tenant_id == world.tenants["partner"].id and remark.version_number == 2
    assert "Punt 3 aanvullen" in chair.get(url).get_data(as_text=True)
    # Still hidden from the region member that did not attend, the former member and the outsider.
    for viewer in ("former", "outsider"):
        assert client_for(app, world, viewer).get(f"/{viewer}/beleidstafels/notulen/{minutes_id}").status_code == 404
    # No next meeting yet: approval waits for it.
    response = chair.post(url + "/goedkeuren")
    assert response.status_code == 409 and "volgende vergadering" in response.get_data(as_text=True)
    second = make_meeting(world, table_id, days=14)
    # The next agenda shows the minutes up for approval; an earlier meeting is refused.
    page = chair.get(f"/owner/beleidstafels/vergaderingen/{second}").get_data(as_text=True)
    assert "Goedkeuring notulen vorige vergadering" in page
    assert chair.post(url + "/goedkeuren", data={"approved_at_meeting_id": first}).status_code == 422
    assert chair.post(url + "/goedkeuren", data={"approved_at_meeting_id": second}).status_code == 302
    assert minutes_state(world, minutes_id) == ("goedgekeurd", 2)
    assert chair.post(url + "/versies", data={"body_html": "<p>Te laat</p>"}).status_code == 409
    assert chair.post(url + "/publiceren").status_code == 302
    with tenant_context(world.tenants["owner"].id):
        m = db.session.get(Minutes, minutes_id)
        assert m.status == "gepubliceerd" and m.approved_at_meeting_id == second and m.audience == "region"
        assert {v.audience for v in db.session.scalars(select(MinutesVersion))} == {"region"}
    # Published: the whole current region reads it (and every version), the former member still not.
    assert (
        client_for(app, world, "partner", "dienst").get(f"/partner/beleidstafels/notulen/{minutes_id}").status_code
        == 200
    )
    assert client_for(app, world, "former").get(f"/former/beleidstafels/notulen/{minutes_id}").status_code == 404
    api = app.test_client().get(
        f"/api/v1/policy-tables/minutes/{minutes_id}", headers=token_headers(world.user("partner"))
    )
    assert api.status_code == 200
    assert [v["number"] for v in api.get_json()["versions"]] == [2, 1] and api.get_json()["status"] == "gepubliceerd"


def test_minutes_link_to_the_previous_meetings_minutes(app, world):
    table_id = make_table(world)
    first = make_meeting(world, table_id, days=-30)
    second = make_meeting(world, table_id, days=-2)
    first_minutes = draft(world, first, "<p>Eerste</p>")
    second_minutes = draft(world, second, "<p>Tweede</p>")
    chair = client_for(app, world, "owner")
    page = chair.get(f"/owner/beleidstafels/notulen/{second_minutes}").get_data(as_text=True)
    assert f"/owner/beleidstafels/notulen/{first_minutes}" in page
    page = chair.get(f"/owner/beleidstafels/notulen/{first_minutes}").get_data(as_text=True)
    assert "eerste vergadering van deze tafel" in page


def test_agenda_and_minutes_as_pdf(app, world):
    table_id = make_table(world, "Pdf-tafel")
    meeting_id = make_meeting(world, table_id, days=3)
    minutes_id = draft(world, meeting_id, "<p>Tekst voor de pdf</p>")
    chair = client_for(app, world, "owner")
    agenda = chair.get(f"/owner/beleidstafels/vergaderingen/{meeting_id}/agenda.pdf")
    assert agenda.status_code == 200 and agenda.mimetype == "application/pdf" and agenda.data.startswith(b"%PDF")
    assert pdf_text(agenda.data) is None or "Pdf-tafel" in (pdf_text(agenda.data) or "")
    minutes = chair.get(f"/owner/beleidstafels/notulen/{minutes_id}.pdf")
    assert minutes.status_code == 200 and minutes.data.startswith(b"%PDF")
    assert pdf_text(minutes.data) is None or "Tekst voor de pdf" in (pdf_text(minutes.data) or "")
    partner = client_for(app, world, "partner")
    assert partner.get(f"/partner/beleidstafels/vergaderingen/{meeting_id}/agenda.pdf").status_code == 200
    assert partner.get(f"/partner/beleidstafels/notulen/{minutes_id}.pdf").status_code == 404  # still a draft
    outsider = client_for(app, world, "outsider")
    assert outsider.get(f"/outsider/beleidstafels/vergaderingen/{meeting_id}/agenda.pdf").status_code == 404
