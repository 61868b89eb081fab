"""Beleidstafels: the challenges and opportunities register and the documents library per table."""

from __future__ import annotations

import gc
import io
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.policy_tables.models import Challenge, TableDocument
from tenants.context import tenant_context
from tests.conftest import login
from tests.test_policy_tables_core import make_table

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office(marker: str, mimetype: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype is not None:
            archive.writestr("mimetype", mimetype)
        archive.writestr(marker, "<xml/>")
    return buffer.getvalue()


DOCX = office("word/document.xml")
XLSX = office("xl/workbook.xml")
ODT = office("content.xml", b"application/vnd.oasis.opendocument.text")


def client_for(app: Any, world: Any, tenant: str, role: str = "ad") -> Any:
    client = app.test_client()
    login(client, world.user(tenant, role))
    return client


def count(model: Any, world: Any) -> int:
    with tenant_context(world.tenants["owner"].id):
        return int(db.session.scalar(select(func.count(model.id))) or 0)


def test_challenges_move_from_idea_to_a_started_cooperation(app, world):
    table_id = make_table(world)
    partner = client_for(app, world, "partner", "schepen")
    url = f"/partner/beleidstafels/{table_id}/uitdagingen"
    assert partner.post(url, data={"title": "x"}).status_code == 422
    assert partner.post(url, data={"title": "Gedeelde mobiliteitsambtenaar"}).status_code == 302
    with tenant_context(world.tenants["partner"].id):
        challenge = db.session.scalar(select(Challenge))
        assert challenge.tenant_id == world.tenants["partner"].id and challenge.status == "idee"
        cid = challenge.id
    move = f"/partner/beleidstafels/uitdagingen/{cid}/status"
    # Not straight to "opgestart", and "opgestart" needs the resulting cooperation; bad links refused.
    assert partner.post(move, data={"status": "opgestart", "result_kind": "personeel"}).status_code == 409
    assert partner.post(move, data={"status": "onderzocht"}).status_code == 302
    response = partner.post(move, data={"status": "opgestart"})
    assert response.status_code == 422 and "samenwerking is opgestart" in response.get_data(as_text=True)
    bad = partner.post(move, data={"status": "opgestart", "result_kind": "personeel", "result_link": "javascript:x"})
    assert bad.status_code == 422
    ok = partner.post(
        move,
        data={
            "status": "opgestart",
            "result_kind": "personeel",
            "result_link": "/hr/vacatures/3",
            "result_note": "Vacature",
        },
    )
    assert ok.status_code == 302
    # The chair reads it with its own slug in the link but cannot change the partner's row.
    chair = client_for(app, world, "owner")
    page = chair.get(f"/owner/beleidstafels/{table_id}").get_data(as_text=True)
    assert "Gedeelde mobiliteitsambtenaar" in page and 'href="/owner/hr/vacatures/3"' in page
    assert chair.post(f"/owner/beleidstafels/uitdagingen/{cid}/status", data={"status": "afgevoerd"}).status_code == 404
    for viewer in ("former", "outsider"):
        text = client_for(app, world, viewer).get(f"/{viewer}/beleidstafels/{table_id}").get_data(as_text=True)
        assert "Gedeelde mobiliteitsambtenaar" not in text


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("nota.docx", XLSX, "past niet bij de extensie"),
        ("nota.pdf", b"MZ\x90\x00 not a pdf", "Enkel PDF-, DOCX-, ODT-, XLSX-, PNG- of JPEG-bestanden"),
        ("foto.png", PDF, "Enkel PDF-, DOCX-, ODT-, XLSX-, PNG- of JPEG-bestanden"),
        ("tekst.odt", DOCX, "past niet bij de extensie"),
        ("leeg.pdf", b"", "leeg"),
    ],
)
def test_disguised_or_empty_uploads_are_refused(app, world, name, data, message):
    table_id = make_table(world)
    client = client_for(app, world, "owner")
    response = client.post(
        f"/owner/beleidstafels/{table_id}/documenten",
        data={"title": "Nota", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(TableDocument, world) == 0


def test_library_accepts_office_files_and_images_and_is_searchable(app, world):
    table_id = make_table(world)
    partner = client_for(app, world, "partner")
    url = f"/partner/beleidstafels/{table_id}/documenten"
    for title, name, data in [
        ("Visienota fietsbeleid", "visie.pdf", PDF),
        ("Begroting 2027", "begroting.xlsx", XLSX),
        ("Verslag werkgroep", "verslag.docx", DOCX),
        ("Open document", "tekst.odt", ODT),
        ("Kaart", "kaart.png", PNG),
    ]:
        response = partner.post(
            url, data={"title": title, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
        )
        assert response.status_code == 302, name
    with tenant_context(world.tenants["partner"].id):
        docs = {d.title: d for d in db.session.scalars(select(TableDocument))}
        assert docs["Begroting 2027"].content_type.endswith("spreadsheetml.sheet")
        assert all(d.tenant_id == world.tenants["partner"].id for d in docs.values())
        pdf_id = docs["Visienota fietsbeleid"].id
    chair = client_for(app, world, "owner")
    page = chair.get(f"/owner/beleidstafels/{table_id}/documenten?q=begroting").get_data(as_text=True)
    assert "Begroting 2027" in page and "Visienota" not in page
    download = chair.get(f"/owner/beleidstafels/documenten/{pdf_id}")
    assert (
        download.status_code == 200 and download.data == PDF and "attachment" in download.headers["Content-Disposition"]
    )
    for viewer in ("former", "outsider"):
        other = client_for(app, world, viewer)
        assert other.get(f"/{viewer}/beleidstafels/documenten/{pdf_id}").status_code == 404
        assert other.get(f"/{viewer}/beleidstafels/{table_id}/documenten").status_code == 404


def test_oversized_upload_is_413_in_dutch(app, world):
    table_id = make_table(world)
    client = client_for(app, world, "owner")
    response = client.post(
        f"/owner/beleidstafels/{table_id}/documenten",
        data={"file": (io.BytesIO(PDF + b"0" * (10 * 1024 * 1024)), "groot.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)
    assert count(TableDocument, world) == 0
    gc.collect()  # an unclosed spool file would warn here, under filterwarnings = error


def test_members_attach_files_to_agenda_items(app, world):
    from portal.policy_tables import operations as ops
    from portal.policy_tables.models import Meeting
    from tests.test_policy_tables_core import make_meeting

    table_id = make_table(world)
    coming = make_meeting(world, table_id, days=5)
    past = make_meeting(world, table_id, days=-5)
    with tenant_context(world.tenants["owner"].id):
        item = ops.add_agenda_item(
            db.session.get(Meeting, coming),
            {"kind": "bespreking", "title": "Fietsplan", "owner_tenant_id": world.tenants["owner"].id},
        )
        db.session.commit()
        item_id = item.id
    partner = client_for(app, world, "partner", "schepen")
    url = f"/partner/beleidstafels/punten/{item_id}/bijlagen"
    bad = partner.post(url, data={"file": (io.BytesIO(XLSX), "plan.docx")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "past niet bij de extensie" in bad.get_data(as_text=True)
    ok = partner.post(
        url,
        data={"title": "Kaart fietsroutes", "file": (io.BytesIO(PNG), "kaart.png")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    with tenant_context(world.tenants["partner"].id):
        doc = db.session.scalar(select(TableDocument))
        assert doc.agenda_item_id == item_id and doc.tenant_id == world.tenants["partner"].id
    page = client_for(app, world, "owner").get(f"/owner/beleidstafels/vergaderingen/{coming}").get_data(as_text=True)
    assert "Kaart fietsroutes" in page
    outsider = client_for(app, world, "outsider")
    response = outsider.post(
        f"/outsider/beleidstafels/punten/{item_id}/bijlagen",
        data={"file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    # Items of a meeting that is over take no attachments.
    with tenant_context(world.tenants["owner"].id):
        from portal.policy_tables.models import AgendaItem

        old = AgendaItem(
            meeting_id=past, position=1, kind="informatie", title="Oud punt", owner_tenant_id=world.tenants["owner"].id
        )
        db.session.add(old)
        db.session.flush()
        from tenants.sharing import set_audience

        set_audience(old, "region", region_id=world.regions["a"].id)
        db.session.commit()
        old_id = old.id
    late = partner.post(
        f"/partner/beleidstafels/punten/{old_id}/bijlagen",
        data={"file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert late.status_code == 409
    assert count(TableDocument, world) == 1
