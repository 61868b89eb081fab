"""Rental pages: catalogue, availability search, reservations and the owner's requests.

One file per concern; each registers its routes on ``bp`` from ``_blueprint``.
"""

from __future__ import annotations

from portal.rentals.views import (  # noqa: F401  (importing a concern registers its routes)
    agreement,
    availability,
    basket,
    calendar,
    catalogue,
    photos,
    reservations,
    settlement,
)
from portal.rentals.views._blueprint import bp

__all__ = ["bp"]
