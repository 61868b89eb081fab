"""The beleidstafel blueprints: ``bp`` under the tenant, the public feed and guest pages registered with it."""

from __future__ import annotations

from flask import Blueprint

from portal.core.web import tenant_blueprint

bp = tenant_blueprint("policy_tables", __name__, "/beleidstafels")

#: The personal iCal feed: no tenant in the path and no session, the token says who asks.
feed_bp = Blueprint("policy_tables_feed", __name__, url_prefix="/kalender")
bp.record_once(lambda state: state.app.register_blueprint(feed_bp))

#: The invited expert's page: the chair's slug and a secret token, no account.
guest_bp = Blueprint("policy_tables_guest", __name__, url_prefix="/gast/<slug>")
bp.record_once(lambda state: state.app.register_blueprint(guest_bp))
