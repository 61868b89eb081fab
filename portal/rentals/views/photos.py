"""Photos: handover photos of a request and the catalogue photos of a resource."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, STAFF, allow
from portal.core.errors import DomainError
from portal.core.files import path_of
from portal.core.loading import get_owned_or_404, get_visible_or_404
from portal.core.unitofwork import fail
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.models import Booking, HandoverPhoto, Reservation, Resource
from portal.rentals.views._blueprint import bp


def _photo_response(photo: HandoverPhoto) -> Any:
    path = path_of(photo.storage_key)
    if not path.exists():
        abort(404)
    # Read whole (at most 10 MB): no file handle outlives the request.
    return send_file(io.BytesIO(path.read_bytes()), mimetype=photo.content_type, download_name=photo.filename)


@bp.route("/aanvragen/<int:booking_id>/fotos/<int:photo_id>")
@allow(MEMBERS)
def booking_photo(booking_id: int, photo_id: int) -> Any:
    """Show a pick-up or return photo of a request for an own resource."""
    obj = get_owned_or_404(Booking, booking_id, current_user.tenant_id)
    photo = get_owned_or_404(HandoverPhoto, photo_id, current_user.tenant_id)
    if photo.booking_id != obj.id:
        abort(404)
    return _photo_response(photo)


@bp.route("/reservaties/<int:reservation_id>/fotos/<int:photo_id>")
@allow(MEMBERS)
def reservation_photo(reservation_id: int, photo_id: int) -> Any:
    """Show a pick-up or return photo of an own reservation."""
    obj = get_owned_or_404(Reservation, reservation_id, current_user.tenant_id)
    photo = get_owned_or_404(HandoverPhoto, photo_id, current_user.tenant_id)
    if photo.reservation_id != obj.id:
        abort(404)
    return _photo_response(photo)


@bp.context_processor
def _photo_helpers() -> dict[str, Any]:
    # Every page that shows resources (lists, detail, its re-render after a refused form) gets their photos.
    return {"resource_photos": ops.resource_photos, "main_photos": ops.main_photos}


def _editable_resource(resource_id: int) -> Resource:
    obj = get_owned_or_404(Resource, resource_id, current_user.tenant_id)
    if not permissions.can_edit(current_user, obj):
        abort(403)
    return obj


def _photos_page(obj: Resource, errors: dict[str, Any], status: int = 200) -> Any:
    return render_template(
        "rentals/resource_photos.html",
        obj=obj,
        photos=ops.resource_photos(obj),
        errors=errors,
        max_photos=ops.MAX_RESOURCE_PHOTOS,
    ), status


@bp.route("/materieel/<int:resource_id>/fotos", methods=["GET", "POST"])
@allow(MEMBERS, write=STAFF)
def resource_photos(resource_id: int) -> Any:
    """Show and add the catalogue photos of an own resource (JPEG, PNG or WebP)."""
    obj = _editable_resource(resource_id)
    if request.method == "GET":
        return _photos_page(obj, {})
    try:
        added = ops.add_resource_photos(obj, request.files.getlist("photos"), author_id=current_user.id)
    except DomainError as err:
        fail()
        return _photos_page(_editable_resource(resource_id), {"photos": [err.message]}, err.status_code)
    flash(_("%(n)s foto('s) toegevoegd.", n=len(added)), "success")
    return redirect(url_for("rentals.resource_photos", resource_id=resource_id))


def _own_photo(resource_id: int, photo_id: int) -> tuple[Resource, Any]:
    obj = _editable_resource(resource_id)
    photo = ops.resource_photo(obj, photo_id)
    if photo is None:
        abort(404)
    return obj, photo


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>/hoofdfoto", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def main_photo(resource_id: int, photo_id: int) -> Any:
    """Make a photo the main photo of an own resource (shown in the catalogue)."""
    obj, photo = _own_photo(resource_id, photo_id)
    ops.make_main_photo(obj, photo)
    flash(_("De hoofdfoto is gewijzigd."), "success")
    return redirect(url_for("rentals.resource_photos", resource_id=resource_id))


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>/verplaatsen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def move_photo(resource_id: int, photo_id: int) -> Any:
    """Move a photo of an own resource one place up or down."""
    obj, photo = _own_photo(resource_id, photo_id)
    step = {"omhoog": -1, "omlaag": 1}.get(request.form.get("richting", ""))
    if step is None:
        raise DomainError(_("Kies omhoog of omlaag."), field="richting", status_code=422)
    ops.move_photo(obj, photo, step)
    return redirect(url_for("rentals.resource_photos", resource_id=resource_id))


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>/verwijderen", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def delete_photo(resource_id: int, photo_id: int) -> Any:
    """Delete a photo of an own resource."""
    obj, photo = _own_photo(resource_id, photo_id)
    orphans = ops.delete_photo(obj, photo)
    ops.remove_stored_files(orphans)
    flash(_("De foto is verwijderd."), "success")
    return redirect(url_for("rentals.resource_photos", resource_id=resource_id))


def _catalogue_image(resource_id: int, photo_id: int, thumbnail: bool) -> Any:
    obj = get_visible_or_404(Resource, resource_id)
    photo = ops.resource_photo(obj, photo_id)
    if photo is None:
        abort(404)
    key = photo.thumbnail_key if thumbnail else photo.storage_key
    path = path_of(key)
    if not path.exists():
        abort(404)
    # The key is the file's checksum: a photo id always serves the same bytes, so browsers may keep it,
    # but only privately (it is not public, and a shared cache must not hand it to someone else).
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=photo.content_type,
        download_name=f"foto-{photo.id}{'-klein' if thumbnail else ''}.jpg",
        etag=key.rsplit("/", 1)[-1].split(".", 1)[0],
        conditional=True,
        max_age=86400,
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>")
@allow(MEMBERS)
def resource_photo(resource_id: int, photo_id: int) -> Any:
    """Serve the large version of a catalogue photo to whoever may see the resource."""
    return _catalogue_image(resource_id, photo_id, thumbnail=False)


@bp.route("/materieel/<int:resource_id>/fotos/<int:photo_id>/klein")
@allow(MEMBERS)
def resource_thumbnail(resource_id: int, photo_id: int) -> Any:
    """Serve the thumbnail (320 px wide) of a catalogue photo to whoever may see the resource."""
    return _catalogue_image(resource_id, photo_id, thumbnail=True)
