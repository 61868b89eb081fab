"""The municipality's own settings: its logo (branding next to the colour)."""

from __future__ import annotations

import base64
import io

from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.core.files import path_of, store_bytes
from portal.core.images import ImageRefusedError, open_upright
from tenants.models import Tenant

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000
#: The logo is kept at most this size (width, height): sharp in the header and on an A4 cover.
LOGO_BOX = (600, 240)


def _refused(message: str, status: int = 422) -> DomainError:
    return DomainError(message, field="logo", status_code=status)


def set_logo(tenant: Tenant, data: bytes) -> str:
    """Check the upload, store it as a PNG of at most LOGO_BOX without metadata; return its key."""
    from PIL import Image

    if not data:
        raise _refused(_("Kies een afbeelding voor het logo."))
    if len(data) > LOGO_MAX_BYTES:
        raise _refused(_("Het logo is groter dan %(n)s MB.", n=LOGO_MAX_BYTES // (1024 * 1024)), 413)
    try:
        image = open_upright(data, max_pixels=LOGO_MAX_PIXELS)
    except ImageRefusedError as refused:
        if refused.reason == "format":
            raise _refused(_("Een logo moet een PNG-, JPEG- of WebP-afbeelding zijn.")) from None
        if refused.reason == "pixels":
            raise _refused(
                _("Het logo heeft te veel beeldpunten (hoogstens %(n)s megapixel).", n=LOGO_MAX_PIXELS // 1_000_000)
            ) from None
        raise _refused(_("Dit bestand is geen leesbare afbeelding.")) from None
    # Transparency is kept (logos often have none around them); re-encoding drops EXIF and the rest.
    image = image.convert("RGBA")
    image.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    stored = store_bytes(out.getvalue(), tenant.id, extension=".png", filename="logo.png", content_type="image/png")
    tenant.logo_path = stored.key
    return stored.key


def remove_logo(tenant: Tenant) -> None:
    """Stop showing a logo (the file stays: approved reports embed their own copy)."""
    tenant.logo_path = None


def logo_bytes(tenant: Tenant) -> bytes | None:
    """Return the stored logo's PNG bytes, or None when there is none (or its file is gone)."""
    if not tenant.logo_path:
        return None
    try:
        return path_of(tenant.logo_path).read_bytes()
    except OSError:
        return None


def logo_data_uri(tenant: Tenant) -> str | None:
    """Return the logo as a data: URI, for documents that must carry it (report snapshot, PDF)."""
    data = logo_bytes(tenant)
    return f"data:image/png;base64,{base64.b64encode(data).decode()}" if data else None
