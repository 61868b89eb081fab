"""Mijn meerjarenplan pages: the plan and its import/export, editing, and links to cooperation.

One module per concern registers its routes on ``bp`` (from ``_blueprint``); importing them here
registers every route, so ``portal.plans.views.bp`` is the whole blueprint.
"""

from __future__ import annotations

from portal.plans.views import (
    edit,  # noqa: F401  (imported for its routes)
    links,  # noqa: F401  (imported for its routes)
    objects,  # noqa: F401  (imported for its template function)
    pages,  # noqa: F401  (imported for its routes)
    reports,  # noqa: F401  (imported for its routes)
)
from portal.plans.views._blueprint import bp

__all__ = ["bp"]
