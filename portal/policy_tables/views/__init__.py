"""Beleidstafel pages, a package by concern: importing the modules registers their routes on ``bp``.

``_blueprint`` defines ``bp`` (and the feed and guest blueprints it registers); endpoint names stay
``policy_tables.<function>``.
"""

from __future__ import annotations

from portal.policy_tables.views import (  # noqa: F401  (imported for their routes)
    actions,
    challenges,
    decisions,
    feed,
    guest,
    inventory,
    invitations,
    library,
    meetings,
    minutes,
    pdf,
    tables,
)
from portal.policy_tables.views._blueprint import bp

__all__ = ["bp"]
