"""The HR blueprint ``bp``; the public job pages come along with it."""

from __future__ import annotations

from portal.core.web import tenant_blueprint
from portal.hr.public import public_bp, region_bp

bp = tenant_blueprint("hr", __name__, "/hr")
# The public job pages (no login, no tenant prefix) come along with the module's blueprint.
bp.record_once(lambda state: state.app.register_blueprint(public_bp))
bp.record_once(lambda state: state.app.register_blueprint(region_bp))
