"""The plans API blueprint ``blp``."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("plans_api", __name__, url_prefix="/api/v1/plans", description="Meerjarenplan")
