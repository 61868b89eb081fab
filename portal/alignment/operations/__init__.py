"""Alignment operations, by concern: registers, comparison, harmonisation, import.

Every function validates, changes state and flushes; the caller commits once.
"""

from portal.alignment.operations.common import chosen_tenants, normalise_subject
from portal.alignment.operations.comparison import (
    application_table,
    compare_applications,
    compare_items,
    compare_tariffs,
    risk_heatmaps,
    risk_level,
    risk_table,
    subjects,
    swot_overview,
    swot_table,
    tariff_table,
)
from portal.alignment.operations.harmonisation import (
    compared_items,
    create_proposal,
    link_meeting,
    linked_meeting,
    record_decision,
    submit,
    to_agreement,
    to_dossier,
    visible_meetings,
    visible_proposals,
    withdraw,
)
from portal.alignment.operations.imports import import_items, template_header
from portal.alignment.operations.registers import (
    attach_map,
    count_by_kind,
    create_item,
    delete_item,
    register_header,
    register_rows,
    share_item,
    update_item,
    visible_items,
)

__all__ = [
    "application_table",
    "attach_map",
    "chosen_tenants",
    "compare_applications",
    "compare_items",
    "compare_tariffs",
    "compared_items",
    "count_by_kind",
    "create_item",
    "create_proposal",
    "delete_item",
    "import_items",
    "link_meeting",
    "linked_meeting",
    "normalise_subject",
    "record_decision",
    "register_header",
    "register_rows",
    "risk_heatmaps",
    "risk_level",
    "risk_table",
    "share_item",
    "subjects",
    "submit",
    "swot_overview",
    "swot_table",
    "tariff_table",
    "template_header",
    "to_agreement",
    "to_dossier",
    "update_item",
    "visible_items",
    "visible_meetings",
    "visible_proposals",
    "withdraw",
]
