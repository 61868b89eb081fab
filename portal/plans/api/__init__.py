"""REST endpoints of the own meerjarenplan: versions, nodes, budgets, indicators and links.

One module per concern registers its endpoints on ``blp`` (from ``_blueprint``).
"""

from __future__ import annotations

from portal.plans.api import (
    links,  # noqa: F401  (imported for its endpoints)
    plan,  # noqa: F401  (imported for its endpoints)
    reports,  # noqa: F401  (imported for its endpoints)
)
from portal.plans.api._blueprint import blp

__all__ = ["blp"]
