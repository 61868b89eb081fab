"""HR operations, a package by concern (ADR 0022); every public name is re-exported here.

Callers keep ``from portal.hr import operations as ops``; the modules are an inner layout.
"""

from __future__ import annotations

# Callers (views, tests) reach these through the old module's namespace.
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.hr.operations.applications import (
    APPLICATION_FLOW,
    CV_MAX_BYTES,
    add_note,
    check_cv,
    export_application,
    move_application,
    own_application,
    submit_internal_application,
    submit_public_application,
)
from portal.hr.operations.enrolments import (
    cancel_enrolment,
    cancel_training,
    decide_enrolment,
    enrol,
    waitlist_position,
)
from portal.hr.operations.functions import (
    FUNCTION_FIELDS,
    create_function,
    function_comparison,
    grade_label,
    set_grade,
    update_function,
)
from portal.hr.operations.interests import interest_of, set_interest
from portal.hr.operations.reserves import (
    OfferedCandidate,
    add_candidate,
    create_reserve,
    decide_reserve_request,
    is_valid,
    offered_candidates,
    request_candidate,
    set_candidate_status,
    withdraw_reserve_request,
)
from portal.hr.operations.retention import (
    DEFAULT_RETENTION_MONTHS,
    anonymise,
    anonymise_expired,
    retention_months,
    set_retention_months,
)
from portal.hr.operations.sharing import (
    SHARING_TERMS,
    SharingRow,
    create_staff_sharing,
    decide_staff_sharing,
    staff_sharing_overview,
    withdraw_staff_sharing,
)
from portal.hr.operations.trainings import (
    ACTIVE_ENROLMENTS,
    BRUSSELS,
    attendance_list,
    brussels_moment,
    create_training,
    is_open,
    seat_counts,
    set_attendance,
    trainings_ical,
    upcoming_sessions,
    visible_trainings,
)
from portal.hr.operations.vacancies import (
    FIELDS,
    VACANCY_FLOW,
    change_vacancy_status,
    create_vacancy,
    public_vacancies,
    update_vacancy,
    visible_vacancies,
)
from tenants.sharing import today

__all__ = [
    "ACTIVE_ENROLMENTS",
    "APPLICATION_FLOW",
    "BRUSSELS",
    "CV_MAX_BYTES",
    "DEFAULT_RETENTION_MONTHS",
    "FIELDS",
    "FUNCTION_FIELDS",
    "SHARING_TERMS",
    "VACANCY_FLOW",
    "DomainError",
    "OfferedCandidate",
    "SharingRow",
    "add_candidate",
    "add_note",
    "anonymise",
    "anonymise_expired",
    "attendance_list",
    "brussels_moment",
    "cancel_enrolment",
    "cancel_training",
    "change_vacancy_status",
    "check_cv",
    "create_function",
    "create_reserve",
    "create_staff_sharing",
    "create_training",
    "create_vacancy",
    "decide_enrolment",
    "decide_reserve_request",
    "decide_staff_sharing",
    "enrol",
    "export_application",
    "function_comparison",
    "grade_label",
    "interest_of",
    "is_open",
    "is_valid",
    "move_application",
    "offered_candidates",
    "own_application",
    "public_vacancies",
    "request_candidate",
    "retention_months",
    "seat_counts",
    "set_attendance",
    "set_candidate_status",
    "set_grade",
    "set_interest",
    "set_retention_months",
    "staff_sharing_overview",
    "submit_internal_application",
    "submit_public_application",
    "today",
    "trainings_ical",
    "upcoming_sessions",
    "update_function",
    "update_vacancy",
    "utcnow",
    "visible_trainings",
    "visible_vacancies",
    "waitlist_position",
    "withdraw_reserve_request",
    "withdraw_staff_sharing",
]
