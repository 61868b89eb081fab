"""The plans blueprint ``bp`` and who keeps the plan."""

from __future__ import annotations

from portal.core.access import roles
from portal.core.roles import ALGEMEEN_DIRECTEUR, BEHEERDER, BELEIDSVERANTWOORDELIJKE
from portal.core.web import tenant_blueprint

bp = tenant_blueprint("plans", __name__, "/meerjarenplan")

#: Who keeps the plan: the AD, the beheerder and the college member responsible.
PLAN_KEEPERS = roles(ALGEMEEN_DIRECTEUR, BEHEERDER, BELEIDSVERANTWOORDELIJKE)
