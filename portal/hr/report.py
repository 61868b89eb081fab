"""The shared-HR section of the council report: vacancies, shared staff and trainings."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.core.report import ReportPeriod, Section, date_cell, figure, table
from portal.extensions import db
from portal.hr.models import (
    Enrolment,
    EnrolmentStatus,
    SeatStatus,
    SharingStatus,
    StaffSharing,
    StaffSharingApproval,
    Training,
    TrainingSeat,
    TrainingStatus,
    Vacancy,
    VacancyKind,
    VacancyShare,
    VacancyStatus,
)


def section(period: ReportPeriod) -> Section:
    """Return the vacancies, the FTE shared with partners and the trainings of the period."""
    tenant_id = period.tenant_id
    vacancies = list(db.session.scalars(select(Vacancy).order_by(Vacancy.published_at, Vacancy.id)))
    own = [v for v in vacancies if v.tenant_id == tenant_id]
    posted = [v for v in own if period.contains(v.published_at)]
    filled = [v for v in own if v.status == VacancyStatus.INGEVULD and period.contains(v.closed_at or v.updated_at)]
    partner_posted = [v for v in vacancies if v.tenant_id != tenant_id and period.contains(v.published_at)]
    kinds: dict[str, str] = {
        VacancyKind.EXTERN: _("externe werving"),
        VacancyKind.INTERN: _("interne mobiliteit"),
        VacancyKind.GEDEELD: _("gedeelde functie"),
    }
    shares = list(db.session.scalars(select(VacancyShare)))
    shared_fte = (
        sum(s.share_percent * s.vacancy.percentage for s in shares if s.vacancy.status == VacancyStatus.INGEVULD)
        / 10000
    )

    # Only counts and municipalities: the employees' names are personal data.
    per_partner: dict[str, list[float]] = {}
    for row in db.session.scalars(select(StaffSharing).where(StaffSharing.status == SharingStatus.GOEDGEKEURD)):
        if period.overlaps(row.starts_on, row.ends_on):
            per_partner.setdefault(row.host_tenant.name, [0.0, 0.0])[0] += row.share_percent / 100
    for hosted in db.session.scalars(
        select(StaffSharingApproval).where(StaffSharingApproval.status == SharingStatus.GOEDGEKEURD)
    ):
        if period.overlaps(hosted.starts_on, hosted.ends_on):
            per_partner.setdefault(hosted.home_tenant.name, [0.0, 0.0])[1] += hosted.share_percent / 100

    since, until = period.moments()
    own_trainings = list(
        db.session.scalars(
            select(Training)
            .where(Training.tenant_id == tenant_id, Training.status != TrainingStatus.GEANNULEERD)
            .where(Training.starts_at >= since, Training.starts_at < until)
            .order_by(Training.starts_at)
        )
    )
    seats = list(db.session.scalars(select(TrainingSeat).where(TrainingSeat.status == SeatStatus.INGESCHREVEN)))
    training_rows = []
    for training in own_trainings:
        taken = [seat for seat in seats if seat.training_id == training.id]
        partners = sum(1 for seat in taken if seat.participant_tenant_id != tenant_id)
        training_rows.append([training.title, date_cell(training.starts_at), len(taken), partners])
    abroad = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.status == EnrolmentStatus.INGESCHREVEN, Enrolment.training_tenant_id != tenant_id)
    )
    return {
        "key": "hr",
        "title": _("Gedeelde HR"),
        "key_figures": [figure(_("Vacatures gepubliceerd"), len(posted))],
        "figures": [
            figure(_("Eigen vacatures gepubliceerd"), len(posted)),
            figure(_("Eigen vacatures ingevuld"), len(filled)),
            figure(_("Interne mobiliteit (vacatures)"), sum(1 for v in posted if v.kind == VacancyKind.INTERN)),
            figure(_("Interne mobiliteit ingevuld"), sum(1 for v in filled if v.kind == VacancyKind.INTERN)),
            figure(_("Gedeelde functies (vacatures)"), sum(1 for v in posted if v.kind == VacancyKind.GEDEELD)),
            figure(_("Vacatures van partners gedeeld met ons"), len(partner_posted)),
            figure(_("Gedeelde VTE in ingevulde gedeelde functies"), round(shared_fte, 2)),
            figure(_("VTE ter beschikking gesteld aan partners"), round(sum(v[0] for v in per_partner.values()), 2)),
            figure(_("VTE ter beschikking gekregen van partners"), round(sum(v[1] for v in per_partner.values()), 2)),
            figure(_("Vormingen georganiseerd"), len(own_trainings)),
            figure(_("Deelnemers van partners aan onze vormingen"), sum(r[3] for r in training_rows)),
            figure(_("Eigen medewerkers in vormingen van partners"), abroad or 0),
        ],
        "tables": [
            table(
                _("Eigen vacatures in de periode"),
                [_("Vacature"), _("Soort"), _("Graad"), _("Gepubliceerd"), _("Status")],
                [[v.title, kinds.get(v.kind, v.kind), v.grade, date_cell(v.published_at), v.status] for v in posted],
                _("Geen vacatures gepubliceerd in deze periode."),
            ),
            table(
                _("Gedeeld personeel per partner (VTE)"),
                [_("Partner"), _("Gegeven"), _("Ontvangen")],
                [[name, round(v[0], 2), round(v[1], 2)] for name, v in sorted(per_partner.items())],
                _("Geen gedeeld personeel in deze periode."),
            ),
            table(
                _("Vormingen van onze gemeente"),
                [_("Vorming"), _("Datum"), _("Deelnemers"), _("Waarvan van partners")],
                training_rows,
                _("Geen vormingen in deze periode."),
            ),
        ],
    }
