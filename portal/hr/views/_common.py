"""What the HR pages share: status labels for the templates, loading a form, the HR-only page."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import format_time, to_user_timezone
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError

from portal.core.templating import translated_labels
from portal.hr.models import (
    ApplicationStatus,
    CandidateStatus,
    Decision,
    EnrolmentStatus,
    SharingStatus,
    TrainingStatus,
    VacancyKind,
    VacancyStatus,
)
from portal.hr.views._blueprint import bp

KIND_LABELS: dict[str, Any] = {
    VacancyKind.EXTERN: _l("Externe werving"),
    VacancyKind.INTERN: _l("Interne mobiliteit"),
    VacancyKind.GEDEELD: _l("Gedeelde functie"),
}
STATUS_LABELS: dict[str, Any] = {
    VacancyStatus.CONCEPT: _l("Concept"),
    VacancyStatus.GEPUBLICEERD: _l("Gepubliceerd"),
    VacancyStatus.AFGESLOTEN: _l("Afgesloten"),
    VacancyStatus.INGEVULD: _l("Ingevuld"),
    VacancyStatus.GEANNULEERD: _l("Geannuleerd"),
}
STATUS_ACTIONS: dict[str, Any] = {
    VacancyStatus.GEPUBLICEERD: _l("Publiceren"),
    VacancyStatus.AFGESLOTEN: _l("Afsluiten"),
    VacancyStatus.INGEVULD: _l("Ingevuld"),
    VacancyStatus.GEANNULEERD: _l("Annuleren"),
}
APPLICATION_LABELS: dict[str, Any] = {
    ApplicationStatus.ONTVANGEN: _l("Ontvangen"),
    ApplicationStatus.SCREENING: _l("Screening"),
    ApplicationStatus.TEST: _l("Test"),
    ApplicationStatus.GESPREK: _l("Gesprek"),
    ApplicationStatus.AANBOD: _l("Aanbod"),
    ApplicationStatus.AANGEWORVEN: _l("Aangeworven"),
    ApplicationStatus.AFGEWEZEN: _l("Afgewezen"),
}
SHARING_LABELS: dict[str, Any] = {
    SharingStatus.AANGEVRAAGD: _l("Aangevraagd"),
    SharingStatus.GOEDGEKEURD: _l("Goedgekeurd"),
    SharingStatus.GEWEIGERD: _l("Geweigerd"),
    SharingStatus.INGETROKKEN: _l("Ingetrokken"),
    Decision.OPEN: _l("Nog niet beslist"),
}
CANDIDATE_LABELS: dict[str, Any] = {
    CandidateStatus.ACTIEF: _l("Actief"),
    CandidateStatus.AANGEWORVEN: _l("Aangeworven"),
    CandidateStatus.UITGESCHREVEN: _l("Uitgeschreven"),
}
ENROLMENT_LABELS: dict[str, Any] = {
    EnrolmentStatus.AANGEVRAAGD: _l("Wacht op goedkeuring van je HR-dienst"),
    EnrolmentStatus.GEWEIGERD: _l("Niet goedgekeurd"),
    EnrolmentStatus.INGESCHREVEN: _l("Ingeschreven"),
    EnrolmentStatus.WACHTLIJST: _l("Op de wachtlijst"),
    EnrolmentStatus.GEANNULEERD: _l("Geannuleerd"),
    TrainingStatus.GEPLAND: _l("Gepland"),
}


def _clock(moment: Any) -> str:
    """Format the hour of a moment in Brussels (e.g. 16:30)."""
    return format_time(to_user_timezone(moment), "short")


LABELS = {
    "hr_clock": _clock,
    "sharing_labels": SHARING_LABELS,
    "enrolment_labels": ENROLMENT_LABELS,
    "candidate_labels": CANDIDATE_LABELS,
    "kind_labels": KIND_LABELS,
    "status_labels": STATUS_LABELS,
    "status_actions": STATUS_ACTIONS,
    "application_labels": APPLICATION_LABELS,
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return translated_labels(LABELS)


def load(schema: Schema, raw: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Return (data, {}) or (None, errors per field)."""
    try:
        return schema.load(raw), {}
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return None, messages


def _hr_only_page(title: str) -> Any:
    """Refuse with 403, explaining in Dutch that this personnel data is for HR and the AD only."""
    return render_template("hr/hr_only.html", title=title), 403
