"""The municipality's logo: upload by the beheerder, the portal header, and council reports."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.reports import rendering
from portal.reports.models import CouncilReport
from tenants.context import tenant_context
from tests.conftest import login
from tests.test_reports import load, make_report

PDF_IMAGE = re.compile(rb"/Subtype\s*/Image")


def picture(size=(1200, 400), fmt="PNG", mode="RGBA", colour=(11, 83, 148, 255), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour if mode == "RGBA" else colour[:3]).save(out, format=fmt, **save)
    return out.getvalue()


def upload(client, data: bytes, name: str = "logo.png", tenant: str = "owner"):
    return client.post(
        f"/{tenant}/beheer/instellingen/logo",
        data={"action": "upload", "logo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_beheerder_uploads_a_logo_that_the_portal_shows_resized_and_clean(world, login_as):
    exif = Image.Exif()
    exif[0x010F] = "Camera van de schepen"  # Make: metadata that must not survive
    client = login_as(world.user("owner", "beheerder"))
    response = upload(client, picture(size=(2400, 600), fmt="JPEG", mode="RGB", exif=exif.tobytes()), "logo.jpg")
    assert response.status_code == 302
    assert "Het logo is bewaard." in client.get("/owner/beheer/instellingen").get_data(as_text=True)
    tenant = world.tenants["owner"]
    db.session.refresh(tenant)
    assert tenant.logo_path and tenant.logo_path.startswith(f"{tenant.id}/") and tenant.logo_path.endswith(".png")

    served = client.get("/owner/beheer/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "PNG" and image.size == (600, 150)  # within 600 x 240, aspect kept
    assert b"Camera van de schepen" not in served.data and not image.getexif()
    assert "private" in served.headers["Cache-Control"]
    assert client.get("/owner/beheer/logo", headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    # Every user of the municipality sees it in the header.
    page = login_as(world.user("owner", "dienst")).get("/owner/").get_data(as_text=True)
    assert 'class="portal-tenant-logo" src="/owner/beheer/logo"' in page


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"%PDF-1.7 geen afbeelding", 422, "Een logo moet een PNG-, JPEG- of WebP-afbeelding zijn."),
        (b"\x89PNG\r\n\x1a\n" + b"stuk" * 40, 422, "Dit bestand is geen leesbare afbeelding."),
        (b"", 422, "Kies een afbeelding voor het logo."),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024 + 10), 413, "Het logo is groter dan 2 MB."),
    ],
    ids=["pdf", "broken-png", "empty", "too-large"],
)
def test_bad_logos_are_refused_in_dutch_and_change_nothing(world, login_as, data, status, message):
    client = login_as(world.user("owner", "beheerder"))
    assert upload(client, picture()).status_code == 302
    tenant = world.tenants["owner"]
    db.session.refresh(tenant)
    before = tenant.logo_path
    response = upload(client, data)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and 'lang="nl-BE"' in html
    assert 'id="brand_colour"' in html  # the settings page, with its other form intact
    db.session.refresh(tenant)
    assert tenant.logo_path == before


def test_a_decompression_bomb_is_refused_before_decoding(world, login_as):
    out = io.BytesIO()
    Image.new("1", (8000, 4000)).save(out, format="PNG")  # 32 megapixel in a few kilobytes
    client = login_as(world.user("owner", "beheerder"))
    response = upload(client, out.getvalue())
    assert response.status_code == 422
    assert "te veel beeldpunten" in response.get_data(as_text=True)
    db.session.refresh(world.tenants["owner"])
    assert world.tenants["owner"].logo_path is None


def test_only_the_beheerder_changes_the_logo_and_nobody_sees_another_municipalitys(world, login_as, app):
    owner = login_as(world.user("owner", "beheerder"))
    assert upload(owner, picture()).status_code == 302
    for role in ("ad", "dienst", "raadslid"):
        other = app.test_client()
        login(other, world.user("owner", role))
        assert upload(other, picture(colour=(200, 0, 0, 255))).status_code == 403
        assert other.get("/owner/beheer/logo").status_code == 200
    for tenant in ("partner", "outsider", "former"):
        stranger = app.test_client()
        login(stranger, world.user(tenant, "beheerder"))
        assert stranger.get("/owner/beheer/logo").status_code == 404
        assert upload(stranger, picture(), tenant="owner").status_code == 404
        # Their own portal shows no logo: they never uploaded one.
        assert stranger.get(f"/{tenant}/beheer/logo").status_code == 404
        assert "portal-tenant-logo" not in stranger.get(f"/{tenant}/").get_data(as_text=True)
    assert app.test_client().get("/owner/beheer/logo").status_code in (302, 401)


def test_removing_the_logo_hides_it(world, login_as):
    client = login_as(world.user("owner", "beheerder"))
    assert upload(client, picture()).status_code == 302
    response = client.post("/owner/beheer/instellingen/logo", data={"action": "remove"})
    assert response.status_code == 302
    assert client.get("/owner/beheer/logo").status_code == 404
    assert "portal-tenant-logo" not in client.get("/owner/").get_data(as_text=True)


def test_the_council_report_carries_the_logo_it_was_approved_with(world, login_as, app):
    plain = make_report(world)
    report = load(world, plain)
    assert report is not None and report.content["tenant"]["logo"] is None
    assert not PDF_IMAGE.search(rendering.render_pdf(report))  # charts are vector: no image yet

    client = login_as(world.user("owner", "beheerder"))
    assert upload(client, picture(colour=(0, 120, 60, 255))).status_code == 302
    report_id = make_report(world, approve=True)
    report = load(world, report_id)
    assert report is not None
    logo = report.content["tenant"]["logo"]
    assert logo.startswith("data:image/png;base64,")
    document = rendering.report_document(report)
    assert f'<img class="report-logo" src="{logo}" alt="Logo van {world.tenants["owner"].name}">' in document
    pdf = rendering.render_pdf(report)
    assert PDF_IMAGE.search(pdf)
    ad = app.test_client()
    login(ad, world.user("owner", "ad"))
    assert 'class="report-logo"' in ad.get(f"/owner/rapporten/{report_id}").get_data(as_text=True)

    # A new logo later does not change the approved snapshot.
    assert upload(client, picture(colour=(200, 0, 0, 255))).status_code == 302
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        again = db.session.scalar(select(CouncilReport).where(CouncilReport.id == report_id))
        assert again is not None and again.content["tenant"]["logo"] == logo
