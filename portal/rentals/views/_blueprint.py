"""The rentals blueprint: every rental page lives under /<tenant>/verhuur."""

from __future__ import annotations

from portal.core.web import tenant_blueprint

bp = tenant_blueprint("rentals", __name__, "/verhuur")
