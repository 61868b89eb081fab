"""Uploaded images: recognised by their first bytes, decoded without bombs, turned upright."""

from __future__ import annotations

import io
import warnings
from typing import Any

#: What an uploaded image may be, recognised by its first bytes (never by its name).
MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}


class ImageRefusedError(Exception):
    """Raise when an upload is not an image we accept; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "format", "pixels" or "unreadable"


def image_format(data: bytes) -> str | None:
    """Return "JPEG", "PNG" or "WEBP" for these bytes, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return next((name for magic, name in MAGIC.items() if data.startswith(magic)), None)


def open_upright(data: bytes, *, max_pixels: int, draft: tuple[int, int] | None = None) -> Any:
    """Decode ``data`` with its EXIF orientation applied; refuse other formats, fakes and bombs.

    ``draft`` lets the JPEG decoder scale down by itself (DCT scaling), several times faster for
    camera photos that are made smaller anyway.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    kind = image_format(data)
    if kind is None:
        raise ImageRefusedError("format")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[kind])
            width, height = opened.size
            # Checked before decoding: a small file can unpack to gigabytes.
            if width * height > max_pixels:
                raise ImageRefusedError("pixels")
            if kind == "JPEG" and draft is not None:
                opened.draft("RGB", draft)
            opened.load()
            return ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefusedError("pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise ImageRefusedError("unreadable") from None


def has_alpha(image: Any) -> bool:
    """Tell whether the image has transparent parts to keep or to flatten."""
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
