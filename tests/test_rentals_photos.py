"""Rentals: catalogue photos (upload checked by content, EXIF stripped, thumbnails) and who may see them."""

from __future__ import annotations

import hashlib
import io
from types import SimpleNamespace

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals.models import ResourcePhoto
from tenants.context import tenant_context
from tests.matrix import token_headers
from tests.rentals_helpers import make_resource


def picture(size=(1000, 800), fmt="JPEG", colour=(200, 30, 30), mode="RGB", **save) -> bytes:
    """Return an encoded image drawn in memory."""
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=fmt, **save)
    return out.getvalue()


def exif_jpeg() -> bytes:
    """A 400 x 200 JPEG stored sideways (orientation 6: rotate 90° to show) with a GPS position in EXIF."""
    image = Image.new("RGB", (400, 200), (10, 120, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "Geheim Toestel"  # Make
    exif[0x8825] = {2: (51.0, 11.0, 30.0), 1: "N"}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _upload(client, rid, *files, tenant="owner"):
    return client.post(
        f"/{tenant}/verhuur/materieel/{rid}/fotos",
        data={"photos": [(io.BytesIO(data), name) for data, name in files]},
        content_type="multipart/form-data",
    )


def _photos(world, rid):
    """Return the photos of a resource as plain values (the rows are readable only in the owner's context)."""
    columns = ("id", "filename", "position", "content_type", "width", "height", "storage_key", "thumbnail_key")
    with tenant_context(world.tenants["owner"].id):
        db.session.expire_all()
        rows = db.session.scalars(
            select(ResourcePhoto)
            .where(ResourcePhoto.resource_id == rid)
            .order_by(ResourcePhoto.position, ResourcePhoto.id)
        )
        return [SimpleNamespace(**{name: getattr(p, name) for name in columns}) for p in rows]


def _image(response) -> Image.Image:
    return Image.open(io.BytesIO(response.data))


def test_owner_uploads_jpeg_png_and_webp_and_gets_thumbnails(world, login_as):
    rid = make_resource(world, "Fotopodium")
    client = login_as(world.user("owner", "dienst"))
    assert client.get(f"/owner/verhuur/materieel/{rid}/fotos").status_code == 200
    response = _upload(
        client,
        rid,
        (picture(), "podium.JPG"),
        (picture((640, 480), "PNG", (0, 0, 255, 128), mode="RGBA"), "transparant.png"),
        (picture((2000, 1000), "WEBP"), "breed.webp"),
    )
    assert response.status_code == 302
    photos = _photos(world, rid)
    assert [(p.filename, p.position, p.content_type) for p in photos] == [
        ("podium.JPG", 0, "image/jpeg"),
        ("transparant.png", 1, "image/jpeg"),
        ("breed.webp", 2, "image/jpeg"),
    ]
    # Large version at most 1280 wide, never enlarged; the thumbnail is 320 wide, same proportions.
    assert [(p.width, p.height) for p in photos] == [(1000, 800), (640, 480), (1280, 640)]
    for photo, thumb_size in zip(photos, [(320, 256), (320, 240), (320, 160)], strict=True):
        large = client.get(f"/owner/verhuur/materieel/{rid}/fotos/{photo.id}")
        assert large.status_code == 200 and large.mimetype == "image/jpeg"
        assert _image(large).size == (photo.width, photo.height)
        small = client.get(f"/owner/verhuur/materieel/{rid}/fotos/{photo.id}/klein")
        assert small.status_code == 200 and _image(small).size == thumb_size
        assert small.headers["Cache-Control"] == "private, max-age=86400"
        assert client.get(small.request.path, headers={"If-None-Match": small.headers["ETag"]}).status_code == 304
    # Transparency is flattened on white, not black.
    flat = _image(client.get(f"/owner/verhuur/materieel/{rid}/fotos/{photos[1].id}")).convert("RGB")
    assert flat.getpixel((10, 10))[0] > 100


def test_exif_orientation_is_applied_and_metadata_removed(world, login_as):
    rid = make_resource(world, "Exifpodium")
    client = login_as(world.user("owner", "dienst"))
    assert _upload(client, rid, (exif_jpeg(), "gsm.jpg")).status_code == 302
    (photo,) = _photos(world, rid)
    assert (photo.width, photo.height) == (200, 400)
    for path in (
        f"/owner/verhuur/materieel/{rid}/fotos/{photo.id}",
        f"/owner/verhuur/materieel/{rid}/fotos/{photo.id}/klein",
    ):
        body = client.get(path).data
        image = Image.open(io.BytesIO(body))
        assert image.height > image.width
        assert dict(image.getexif()) == {}
        assert b"Geheim Toestel" not in body and b"Exif" not in body


@pytest.mark.parametrize(
    ("data", "name", "status", "message"),
    [
        (b"Dit is tekst, geen foto.", "podium.jpg", 422, "JPEG-, PNG- of WebP"),
        (b"%PDF-1.7 een pdf met een fotonaam", "podium.png", 422, "JPEG-, PNG- of WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"kapot" * 50, "kapot.png", 422, "geen leesbare foto"),
        (b"\xff\xd8\xff" + b"\x00" * (8 * 1024 * 1024), "groot.jpg", 413, "hoogstens 8 MB"),
        (b"", "leeg.jpg", 422, "leeg"),
    ],
)
def test_fakes_broken_and_oversized_files_are_refused(world, login_as, data, name, status, message):
    rid = make_resource(world, "Weigerpodium")
    client = login_as(world.user("owner", "dienst"))
    good = picture(colour=(17, 99, 201))  # a picture no other test uploads
    response = _upload(client, rid, (good, "goed.jpg"), (data, name))
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _photos(world, rid) == []  # the good one in the same upload is not kept either, not even on disk
    large, _w, _h = ops._jpeg(ops._decode_photo(good), ops.LARGE_WIDTH)
    key = f"{world.tenants['owner'].id}/{hashlib.sha256(large).hexdigest()}.jpg"
    assert not ops.path_of(key).exists()


def test_decompression_bombs_are_refused_before_decoding(world, login_as):
    rid = make_resource(world, "Bompodium")
    client = login_as(world.user("owner", "dienst"))
    # 7000 x 7000 (49 megapixel, above our 40) and 12000 x 12000 (above Pillow's own bomb limit): tiny files.
    for side in (7000, 12000):
        bomb = picture((side, side), "PNG", 0, mode="1", optimize=True)
        assert len(bomb) < 1024 * 1024
        response = _upload(client, rid, (bomb, "bom.png"))
        assert response.status_code == 422
        assert "te veel beeldpunten" in response.get_data(as_text=True)
    assert _photos(world, rid) == []


def test_order_main_photo_and_delete(world, login_as, app):
    rid = make_resource(world, "Volgordepodium")
    client = login_as(world.user("owner", "dienst"))
    _upload(client, rid, (picture(colour=(255, 0, 0)), "a.jpg"), (picture(colour=(0, 255, 0)), "b.jpg"))
    _upload(client, rid, (picture(colour=(0, 0, 255)), "c.jpg"))
    _a, b, c = _photos(world, rid)
    base = f"/owner/verhuur/materieel/{rid}/fotos"
    assert client.post(f"{base}/{c.id}/hoofdfoto").status_code == 302
    assert [p.filename for p in _photos(world, rid)] == ["c.jpg", "a.jpg", "b.jpg"]
    assert client.post(f"{base}/{b.id}/verplaatsen", data={"richting": "omhoog"}).status_code == 302
    assert [p.filename for p in _photos(world, rid)] == ["c.jpg", "b.jpg", "a.jpg"]
    assert client.post(f"{base}/{c.id}/verplaatsen", data={"richting": "omhoog"}).status_code == 302
    assert [p.filename for p in _photos(world, rid)] == ["c.jpg", "b.jpg", "a.jpg"]
    assert client.post(f"{base}/{c.id}/verplaatsen", data={"richting": "opzij"}).status_code == 422
    # The catalogue shows the main photo's thumbnail with the resource name as alt text.
    listing = client.get("/owner/verhuur/").get_data(as_text=True)
    assert f'{base}/{c.id}/klein" alt="Volgordepodium"' in listing
    with tenant_context(world.tenants["owner"].id):
        path = ops.path_of(c.storage_key)
    assert path.exists()
    assert client.post(f"{base}/{c.id}/verwijderen").status_code == 302
    assert [(p.filename, p.position) for p in _photos(world, rid)] == [("b.jpg", 0), ("a.jpg", 1)]
    assert not path.exists()
    assert client.get(f"{base}/{c.id}").status_code == 404
    assert f"{base}/{b.id}/klein" in client.get("/owner/verhuur/").get_data(as_text=True)


def test_at_most_twelve_photos(world, login_as):
    rid = make_resource(world, "Volpodium")
    client = login_as(world.user("owner", "dienst"))
    small = picture((40, 30))
    assert _upload(client, rid, *[(small, f"{n}.jpg") for n in range(12)]).status_code == 302
    response = _upload(client, rid, (small, "13.jpg"))
    assert response.status_code == 422 and "hoogstens 12" in response.get_data(as_text=True)


def test_partner_sees_photos_of_a_shared_resource_others_get_404(world, login_as):
    rid = make_resource(world, "Deelpodium", shared=True)
    own = make_resource(world, "Eigenpodium", shared=False)
    owner = login_as(world.user("owner", "dienst"))
    _upload(owner, rid, (picture(), "deel.jpg"))
    _upload(owner, own, (picture(), "eigen.jpg"))
    (shared_photo,) = _photos(world, rid)
    (own_photo,) = _photos(world, own)
    partner = current_app.test_client()
    from tests.conftest import login

    login(partner, world.user("partner", "dienst"))
    page = partner.get(f"/partner/verhuur/materieel/{rid}").get_data(as_text=True)
    assert f"/partner/verhuur/materieel/{rid}/fotos/{shared_photo.id}" in page
    assert partner.get(f"/partner/verhuur/materieel/{rid}/fotos/{shared_photo.id}/klein").status_code == 200
    assert f"/partner/verhuur/materieel/{rid}/fotos/{shared_photo.id}/klein" in partner.get(
        "/partner/verhuur/"
    ).get_data(as_text=True)
    # Not the owner: no management, and a photo under another resource's id is 404.
    assert partner.get(f"/partner/verhuur/materieel/{rid}/fotos").status_code == 404
    assert partner.post(f"/partner/verhuur/materieel/{rid}/fotos/{shared_photo.id}/verwijderen").status_code == 404
    assert partner.get(f"/partner/verhuur/materieel/{own}/fotos/{own_photo.id}").status_code == 404
    assert partner.get(f"/partner/verhuur/materieel/{rid}/fotos/{own_photo.id}").status_code == 404
    outsider = current_app.test_client()
    login(outsider, world.user("outsider", "dienst"))
    assert outsider.get(f"/outsider/verhuur/materieel/{rid}/fotos/{shared_photo.id}").status_code == 404
    assert len(_photos(world, rid)) == 1
    # A raadslid of the owner may look at the resource, hence its photos, but not manage them.
    council = current_app.test_client()
    login(council, world.user("owner", "raadslid"))
    assert council.get(f"/owner/verhuur/materieel/{rid}/fotos/{shared_photo.id}").status_code == 200
    assert council.get(f"/owner/verhuur/materieel/{rid}/fotos").status_code == 403


def test_api_lists_photo_addresses(world, login_as):
    rid = make_resource(world, "Apipodium", shared=True)
    owner = login_as(world.user("owner", "dienst"))
    _upload(owner, rid, (picture(), "een.jpg"), (picture(), "twee.png"))
    first, second = _photos(world, rid)
    client = current_app.test_client()
    body = client.get(f"/api/v1/rentals/resources/{rid}", headers=token_headers(world.user("partner", "dienst"))).json
    assert body["photos"] == [
        {
            "id": first.id,
            "is_main": True,
            "url": f"/partner/verhuur/materieel/{rid}/fotos/{first.id}",
            "thumbnail_url": f"/partner/verhuur/materieel/{rid}/fotos/{first.id}/klein",
            "width": 1000,
            "height": 800,
            "alt": "Apipodium",
        },
        {
            "id": second.id,
            "is_main": False,
            "url": f"/partner/verhuur/materieel/{rid}/fotos/{second.id}",
            "thumbnail_url": f"/partner/verhuur/materieel/{rid}/fotos/{second.id}/klein",
            "width": 1000,
            "height": 800,
            "alt": "Apipodium",
        },
    ]


def test_demo_items_get_drawn_photos_once(monkeypatch):
    from portal.demo import load_demo
    from portal.rentals import demo
    from portal.rentals.models import Resource
    from tenants.models import Tenant

    monkeypatch.setattr("portal.features.demo_loaders", lambda: [("rentals", demo.load)])
    load_demo()
    assert demo.load() == 0  # photos too are added only once
    zandhoven = db.session.scalar(select(Tenant.id).where(Tenant.slug == "zandhoven"))
    with tenant_context(zandhoven):
        podium = db.session.scalar(select(Resource).where(Resource.name == "Mobiel podium 8 x 6 m"))
        photos = ops.resource_photos(podium)
        assert [(p.width, p.height, p.content_type) for p in photos] == [(800, 600, "image/jpeg")] * 2
        thumb = Image.open(ops.path_of(photos[0].thumbnail_key))
        assert thumb.size == (320, 240)
        # A drawn picture, not a blank: several colours.
        assert len(thumb.convert("RGB").getcolors(maxcolors=100_000) or []) > 3


def test_an_upload_above_the_request_limit_is_a_dutch_413(world, login_as):
    rid = make_resource(world, "Limietpodium")
    client = login_as(world.user("owner", "dienst"))
    response = _upload(client, rid, (b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024), "enorm.jpg"))
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)
    assert _photos(world, rid) == []
