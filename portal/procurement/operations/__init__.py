"""Joint procurement operations, a package by concern (ADR 0022); every public name is re-exported here.

Callers keep ``from portal.procurement import operations as ops``; the modules are an inner layout.
"""

from __future__ import annotations

from portal.procurement.operations._common import CATEGORY
from portal.procurement.operations.award import Saving, award_lot, contract_register, contract_table, savings
from portal.procurement.operations.documents import (
    add_document,
    delete_document,
    dossier_documents,
    may_share_documents,
)
from portal.procurement.operations.dossiers import (
    add_lot,
    create_dossier,
    open_dossier,
    set_stage,
    update_dossier,
    visible_dossiers,
)
from portal.procurement.operations.participations import (
    LotNeeds,
    consolidated_needs,
    dossier_participations,
    join,
    joining_open,
    needs_table,
    own_participation,
    own_participations,
    per_lot_needs,
    record_mandate,
    set_lines,
    withdraw,
)
from portal.procurement.operations.plans import (
    Suggestion,
    bundling_suggestions,
    create_plan,
    delete_plan,
    notify_bundling,
    update_plan,
    visible_plans,
)
from portal.procurement.operations.questions import dossier_questions, post_question
from portal.procurement.operations.reminders import deadline_reminders, remind_expiring, send_reminders

__all__ = [
    "CATEGORY",
    "LotNeeds",
    "Saving",
    "Suggestion",
    "add_document",
    "add_lot",
    "award_lot",
    "bundling_suggestions",
    "consolidated_needs",
    "contract_register",
    "contract_table",
    "create_dossier",
    "create_plan",
    "deadline_reminders",
    "delete_document",
    "delete_plan",
    "dossier_documents",
    "dossier_participations",
    "dossier_questions",
    "join",
    "joining_open",
    "may_share_documents",
    "needs_table",
    "notify_bundling",
    "open_dossier",
    "own_participation",
    "own_participations",
    "per_lot_needs",
    "post_question",
    "record_mandate",
    "remind_expiring",
    "savings",
    "send_reminders",
    "set_lines",
    "set_stage",
    "update_dossier",
    "update_plan",
    "visible_dossiers",
    "visible_plans",
    "withdraw",
]
