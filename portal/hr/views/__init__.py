"""Gedeelde HR pages: vacancies, applications, staff sharing, trainings, function catalogue, reserves.

One module per concern registers its routes on ``bp`` (from ``_blueprint``); importing them here
registers every route, so ``portal.hr.views.bp`` is the whole blueprint.
"""

from __future__ import annotations

from portal.hr.views import (  # noqa: F401  (imported for their routes and the labels' context processor)
    _common,
    applications,
    enrolments,
    functions,
    reserves,
    settings,
    sharing,
    trainings,
    vacancies,
)
from portal.hr.views._blueprint import bp

__all__ = ["bp"]
