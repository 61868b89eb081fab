"""PDF of agendas and notulen, rendered without fetching anything."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from portal.core.errors import DomainError


def render_pdf(html: str) -> bytes:
    """Render self-contained HTML to PDF; WeasyPrint may fetch nothing (no files, no network)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError):
        raise DomainError(_("De PDF kan op deze server niet gemaakt worden."), status_code=503) from None

    class BlockingFetcher(URLFetcher):  # type: ignore[misc]
        """Refuse every URL: the document carries its CSS inline and loads nothing else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"blocked: {url[:80]}")

    return bytes(HTML(string=html, base_url=None, url_fetcher=BlockingFetcher()).write_pdf())
