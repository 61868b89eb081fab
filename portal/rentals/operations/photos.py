"""Rental photos: handover photos of a booking and the catalogue photos of a resource."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select, text

from portal.core.errors import DomainError
from portal.core.files import path_of, safe_filename, store_bytes, store_document
from portal.core.images import ImageRefusedError, has_alpha, open_upright
from portal.extensions import db
from portal.rentals.models import Booking, HandoverPhoto, Resource, ResourcePhoto
from tenants.context import acting_for

#: Handover photos: what the content starts with, and the extensions that go with it.
PHOTO_TYPES = {
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}


MAX_PHOTOS = 6


def _store_photos(booking: Booking, stage: str, uploads: Iterable[Any]) -> None:
    """Store the pick-up or return photos (JPEG/PNG by content) and give both parties a row for each."""
    files = [u for u in uploads if u is not None and getattr(u, "filename", None)]
    if len(files) > MAX_PHOTOS:
        raise DomainError(_("Voeg hoogstens %(n)s foto's toe.", n=MAX_PHOTOS), field="photos", status_code=422)
    stored = []
    for upload in files:
        try:
            stored.append(
                store_document(
                    upload,
                    booking.tenant_id,
                    types=PHOTO_TYPES,
                    refusal=_("Enkel foto's in JPEG- of PNG-formaat zijn toegelaten."),
                )
            )
        except DomainError as err:
            raise DomainError(err.message, field="photos", status_code=err.status_code) from None
    for parent, tenant_id in (
        ({"booking_id": booking.id}, booking.tenant_id),
        ({"reservation_id": booking.reservation_id}, booking.requester_tenant_id),
    ):
        with acting_for(tenant_id):
            for item in stored:
                db.session.add(
                    HandoverPhoto(
                        **parent,
                        stage=stage,
                        storage_key=item.key,
                        filename=item.filename,
                        content_type=item.content_type,
                        size=item.size,
                    )
                )
            db.session.flush()


def photos_of(*, booking_id: int | None = None, reservation_id: int | None = None) -> list[HandoverPhoto]:
    """Return the handover photos of an own booking or reservation, oldest first."""
    stmt = select(HandoverPhoto).order_by(HandoverPhoto.id)
    if booking_id is not None:
        stmt = stmt.where(HandoverPhoto.booking_id == booking_id)
    else:
        stmt = stmt.where(HandoverPhoto.reservation_id == reservation_id)
    return list(db.session.scalars(stmt))


CATALOGUE_PHOTO_MAX_BYTES = 8 * 1024 * 1024


#: More pixels than this is refused before decoding: a small file can unpack to gigabytes.
CATALOGUE_PHOTO_MAX_PIXELS = 40_000_000


MAX_RESOURCE_PHOTOS = 12


THUMBNAIL_WIDTH = 320


LARGE_WIDTH = 1280


def _refused(message: str, status: int = 422) -> DomainError:
    return DomainError(message, field="photos", status_code=status)


def _decode_photo(data: bytes) -> Any:
    """Return the decoded image upright (EXIF orientation applied) in RGB; refuse fakes and bombs."""
    from PIL import Image

    try:
        image = open_upright(data, max_pixels=CATALOGUE_PHOTO_MAX_PIXELS, draft=(LARGE_WIDTH, LARGE_WIDTH))
    except ImageRefusedError as refused:
        if refused.reason == "format":
            raise _refused(_("Enkel foto's in JPEG-, PNG- of WebP-formaat zijn toegelaten.")) from None
        if refused.reason == "pixels":
            raise _refused(
                _(
                    "De foto heeft te veel beeldpunten (hoogstens %(n)s megapixel).",
                    n=CATALOGUE_PHOTO_MAX_PIXELS // 1_000_000,
                )
            ) from None
        raise _refused(_("Dit bestand is geen leesbare foto.")) from None
    if has_alpha(image):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _jpeg(image: Any, width: int) -> tuple[bytes, int, int]:
    """Return ``image`` at most ``width`` wide (and twice that high) as JPEG without metadata."""
    from PIL import Image

    copy = image.copy()
    copy.thumbnail((width, width * 2), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue(), copy.width, copy.height


def resource_photos(resource: Resource) -> list[ResourcePhoto]:
    """Return the photos of a visible resource in their order (main photo first), read in the owner's context."""
    cached = g.get("rental_photos", {}).get(resource.id) if has_request_context() else None
    if cached is not None:
        return list(cached)
    with acting_for(resource.tenant_id):
        return list(
            db.session.scalars(
                select(ResourcePhoto)
                .where(ResourcePhoto.resource_id == resource.id)
                .order_by(ResourcePhoto.position, ResourcePhoto.id)
            )
        )


def resource_photo(resource: Resource, photo_id: int) -> ResourcePhoto | None:
    """Return one photo of a visible resource, or None."""
    with acting_for(resource.tenant_id):
        return db.session.scalar(
            select(ResourcePhoto).where(ResourcePhoto.id == photo_id, ResourcePhoto.resource_id == resource.id)
        )


def main_photos(resources: Iterable[Resource]) -> dict[int, ResourcePhoto]:
    """Return the main photo of each of the given (visible) resources that has one, by resource id."""
    return {rid: photos[0] for rid, photos in photos_by_resource(resources, main_only=True).items()}


_PHOTO_ROWS = text("SELECT * FROM rental_resource_photo_rows(CAST(:ids AS integer[]), CAST(:main_only AS boolean))")


def photos_by_resource(resources: Iterable[Resource], *, main_only: bool = False) -> dict[int, list[ResourcePhoto]]:
    """Return the photos (or only the main photo) of visible resources in their order, by resource id.

    A catalogue page spans many owners: on PostgreSQL one statement reads them all (the
    ``rental_resource_photo_rows`` function reads each owner's rows in that owner's context, see
    ADR 0015) and the photos come back as read-only copies; elsewhere one query per owner.
    """
    resources = list(resources)
    found: dict[int, list[ResourcePhoto]] = {}
    if not resources:
        return found
    if db.session.get_bind().dialect.name == "postgresql":
        columns = set(ResourcePhoto.__table__.columns.keys())
        params = {"ids": [r.id for r in resources], "main_only": main_only}
        for row in db.session.execute(_PHOTO_ROWS, params).mappings():
            photo = ResourcePhoto(**{k: v for k, v in row.items() if k in columns})
            found.setdefault(photo.resource_id, []).append(photo)
        return found
    by_owner: dict[int, list[int]] = {}
    for resource in resources:
        by_owner.setdefault(resource.tenant_id, []).append(resource.id)
    for owner_id, ids in by_owner.items():
        with acting_for(owner_id):
            rows = db.session.scalars(
                select(ResourcePhoto)
                .where(ResourcePhoto.resource_id.in_(ids))
                .order_by(ResourcePhoto.resource_id, ResourcePhoto.position, ResourcePhoto.id)
            )
            for photo in rows:
                if not main_only or photo.resource_id not in found:
                    found.setdefault(photo.resource_id, []).append(photo)
    return found


def prefetch_photos(resources: Iterable[Resource]) -> None:
    """Read the photos of a page of resources at once for ``resource_photos`` (read-only API lists)."""
    resources = list(resources)
    cache = g.setdefault("rental_photos", {})
    cache.update({r.id: [] for r in resources})
    cache.update(photos_by_resource(resources))


def add_resource_photos(resource: Resource, uploads: Iterable[Any], *, author_id: int | None) -> list[ResourcePhoto]:
    """Check, re-encode (no EXIF, upright) and store uploaded photos of an own resource with their thumbnails."""
    files = [u for u in uploads if u is not None and getattr(u, "filename", None)]
    if not files:
        raise _refused(_("Kies een of meer foto's."))
    photos = resource_photos(resource)
    if len(photos) + len(files) > MAX_RESOURCE_PHOTOS:
        raise _refused(_("Een item heeft hoogstens %(n)s foto's.", n=MAX_RESOURCE_PHOTOS))
    # Check and encode every file first: a refused one in the batch leaves nothing behind on disk.
    encoded = []
    for upload in files:
        data = upload.stream.read(CATALOGUE_PHOTO_MAX_BYTES + 1)
        if len(data) > CATALOGUE_PHOTO_MAX_BYTES:
            raise _refused(_("Een foto mag hoogstens %(n)s MB groot zijn.", n=CATALOGUE_PHOTO_MAX_BYTES // 2**20), 413)
        if not data:
            raise _refused(_("Het bestand is leeg."))
        image = _decode_photo(data)
        large, width, height = _jpeg(image, LARGE_WIDTH)
        image.thumbnail((LARGE_WIDTH, LARGE_WIDTH * 2))  # the thumbnail is made from the large version: faster
        thumb, _w, _h = _jpeg(image, THUMBNAIL_WIDTH)
        encoded.append((safe_filename(upload.filename), large, thumb, width, height))
    position = max((p.position for p in photos), default=-1) + 1
    added = []
    for name, large, thumb, width, height in encoded:
        stored = store_bytes(large, resource.tenant_id, extension=".jpg", filename=name, content_type="image/jpeg")
        small = store_bytes(thumb, resource.tenant_id, extension=".jpg", filename=name, content_type="image/jpeg")
        photo = ResourcePhoto(
            resource_id=resource.id,
            position=position,
            storage_key=stored.key,
            thumbnail_key=small.key,
            filename=name,
            content_type="image/jpeg",
            size=stored.size,
            width=width,
            height=height,
            created_by_id=author_id,
        )
        db.session.add(photo)
        added.append(photo)
        position += 1
    db.session.flush()
    return added


def _renumber(photos: list[ResourcePhoto]) -> None:
    for index, photo in enumerate(photos):
        photo.position = index
    db.session.flush()


def make_main_photo(resource: Resource, photo: ResourcePhoto) -> None:
    """Put ``photo`` first: the main photo is the one the catalogue shows."""
    others = [p for p in resource_photos(resource) if p.id != photo.id]
    _renumber([photo, *others])


def move_photo(resource: Resource, photo: ResourcePhoto, step: int) -> None:
    """Move ``photo`` one place earlier (step -1) or later (+1) in the order."""
    photos = resource_photos(resource)
    index = next(i for i, p in enumerate(photos) if p.id == photo.id)
    target = min(max(index + step, 0), len(photos) - 1)
    photos.insert(target, photos.pop(index))
    _renumber(photos)


def delete_photo(resource: Resource, photo: ResourcePhoto) -> list[str]:
    """Delete a photo of an own resource; return the stored keys no row uses any more (remove after commit)."""
    keys = {photo.storage_key, photo.thumbnail_key}
    db.session.delete(photo)
    db.session.flush()
    _renumber([p for p in resource_photos(resource) if p.id != photo.id])
    used: set[str] = set()
    for column in (ResourcePhoto.storage_key, ResourcePhoto.thumbnail_key, HandoverPhoto.storage_key):
        used.update(db.session.scalars(select(column).where(column.in_(keys))))
    return sorted(keys - used)


def remove_stored_files(keys: Iterable[str]) -> None:
    """Remove stored files that no row points at any more (after the commit that dropped the rows)."""
    for key in keys:
        path_of(key).unlink(missing_ok=True)
