"""Uploaded files: checked by their content (not their name), stored once by checksum.

Files live under ``PORTAL_UPLOAD_DIR`` (default ``instance/uploads``), in a folder per tenant,
named by their SHA-256: the same file uploaded twice is stored once, and a stored name never
comes from user input. The database row that points at a file carries the original name.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from portal.core.errors import DomainError

#: Accepted document types: what the content starts with, and the extensions that go with it.
DOCUMENT_TYPES = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04", (".docx",)),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04", (".odt",)),
}

#: Documents plus spreadsheets and images, for libraries that take more (e.g. a beleidstafel's).
LIBRARY_TYPES = {
    **DOCUMENT_TYPES,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04", (".xlsx",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
}


@dataclass(frozen=True)
class StoredFile:
    """A file written to the upload folder."""

    key: str  # relative path under the upload folder
    filename: str
    content_type: str
    size: int
    sha256: str


def upload_root() -> Path:
    """Return the folder uploads are stored in."""
    configured = current_app.config.get("PORTAL_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def safe_filename(name: str) -> str:
    """Return a display name without paths, control characters or odd punctuation."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w .,()+-]", "_", name).strip(" .")
    return name[:200] or "bestand"


def store_document(
    upload: FileStorage | None,
    tenant_id: int,
    max_bytes: int = 10 * 1024 * 1024,
    *,
    types: dict[str, tuple[bytes, tuple[str, ...]]] | None = None,
    refusal: str | None = None,
) -> StoredFile:
    """Check an uploaded document (PDF, DOCX or ODT by its content, or ``types``) and store it; refuse anything else."""
    if upload is None or not upload.filename:
        raise DomainError(_("Kies een bestand."), field="file", status_code=422)
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(_("Het bestand is groter dan 10 MB."), field="file", status_code=413)
    if not data:
        raise DomainError(_("Het bestand is leeg."), field="file", status_code=422)
    filename = safe_filename(upload.filename)
    extension = Path(filename).suffix.lower()
    content_type = next(
        (
            kind
            for kind, (magic, exts) in (types or DOCUMENT_TYPES).items()
            if data.startswith(magic) and extension in exts
        ),
        None,
    )
    if content_type is None:
        message = refusal or _("Enkel PDF-, DOCX- of ODT-bestanden zijn toegelaten.")
        raise DomainError(message, field="file", status_code=422)
    return store_bytes(data, tenant_id, extension=extension, filename=filename, content_type=content_type)


def store_bytes(data: bytes, tenant_id: int, *, extension: str, filename: str, content_type: str) -> StoredFile:
    """Store bytes the server made itself (e.g. a thumbnail) in the upload folder, once by checksum."""
    digest = hashlib.sha256(data).hexdigest()
    key = f"{tenant_id}/{digest}{extension}"
    path = upload_root() / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary name of this writer's own: two processes storing the same bytes at once
        # would otherwise share one .tmp file, and the second rename would find it gone.
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)  # atomic; the same bytes may replace the same bytes
        finally:
            tmp.unlink(missing_ok=True)
    return StoredFile(key=key, filename=filename, content_type=content_type, size=len(data), sha256=digest)


def path_of(key: str) -> Path:
    """Return the file of a stored key (keys come from the database, never from a request)."""
    root = upload_root().resolve()
    path = (root / key).resolve()
    if root not in path.parents:
        raise DomainError(_("Ongeldig bestand."), status_code=404)
    return path
