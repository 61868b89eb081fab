"""Enrolments: a staff member's request, the own HR's decision, the waitlist, cancellations."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify
from portal.core.roles import HR
from portal.extensions import db
from portal.hr.models import Enrolment, EnrolmentStatus, SeatStatus, Training, TrainingSeat, TrainingStatus
from portal.hr.operations._common import _slug, _users_with_role
from portal.hr.operations.trainings import ACTIVE_ENROLMENTS, is_open
from tenants.context import acting_for


def enrol(training: Training, user: User) -> Enrolment:
    """Ask to take part in a training; the participant's own HR approves (the row is the participant's)."""
    if not is_open(training):
        raise DomainError(_("Voor deze vorming kan je je niet (meer) inschrijven."))
    existing = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.training_id == training.id,
            Enrolment.user_id == user.id,
            Enrolment.status.in_(ACTIVE_ENROLMENTS),
        )
    )
    if existing is not None:
        raise DomainError(_("Je bent al ingeschreven voor deze vorming."))
    row = Enrolment(
        user_id=user.id,
        training_tenant_id=training.tenant_id,
        training_id=training.id,
        training_title=training.title,
        status=EnrolmentStatus.AANGEVRAAGD,
    )
    db.session.add(row)
    db.session.flush()
    for hr in _users_with_role(user.tenant_id, HR):
        notify(
            hr,
            category="hr",
            title=_("Inschrijving goed te keuren: %(title)s", title=training.title),
            body=_("%(name)s wil deelnemen aan %(title)s.", name=user.full_name, title=training.title),
            link=f"/{user.tenant.slug}/hr/inschrijvingen/{row.id}",
            dedupe_key=f"hr-enrolment:{row.id}:asked:{hr.id}",
            source_tenant_id=user.tenant_id,
        )
    return row


def _tell_participant(row: Enrolment, status: str) -> None:
    user = db.session.get(User, row.user_id)
    if user is None:
        return
    titles: dict[str, str] = {
        EnrolmentStatus.INGESCHREVEN: _("Inschrijving bevestigd: %(title)s", title=row.training_title),
        EnrolmentStatus.WACHTLIJST: _("Op de wachtlijst: %(title)s", title=row.training_title),
        EnrolmentStatus.GEWEIGERD: _("Inschrijving niet goedgekeurd: %(title)s", title=row.training_title),
        "opgeschoven": _("Van de wachtlijst naar ingeschreven: %(title)s", title=row.training_title),
        EnrolmentStatus.GEANNULEERD: _("Vorming geannuleerd: %(title)s", title=row.training_title),
    }
    notify(
        user,
        category="hr",
        title=titles[status],
        link=f"/{_slug(row.tenant_id)}/hr/inschrijvingen/{row.id}",
        dedupe_key=f"hr-enrolment:{row.id}:{status}",
        source_tenant_id=row.training_tenant_id,
    )


def decide_enrolment(row: Enrolment, approve: bool, *, user: User) -> Enrolment:
    """Approve (take a place or a waitlist place with the organiser) or refuse an own staff member's enrolment."""
    if row.status != EnrolmentStatus.AANGEVRAAGD:
        raise DomainError(_("Over deze inschrijving is al beslist."))
    row.decided_by_id = user.id
    if not approve:
        row.status = EnrolmentStatus.GEWEIGERD
        db.session.flush()
        _tell_participant(row, EnrolmentStatus.GEWEIGERD)
        return row
    participant = row.user
    # Flush our own row now: what is dirty must not be flushed inside the organiser's context.
    db.session.flush()
    enrolment_id, participant_tenant = row.id, row.tenant_id
    with acting_for(row.training_tenant_id):
        # Lock the training so two approvals at once cannot both take the last place (FOR NO KEY
        # UPDATE OF trainings: the joined tenant is an outer join, and seats' foreign keys only take KEY SHARE).
        training = db.session.scalar(
            select(Training).where(Training.id == row.training_id).with_for_update(of=Training, key_share=True)
        )
        if training is None or not is_open(training):
            raise DomainError(_("Voor deze vorming kan je je niet (meer) inschrijven."))
        taken = db.session.scalar(
            select(func.count())
            .select_from(TrainingSeat)
            .where(TrainingSeat.training_id == training.id, TrainingSeat.status == SeatStatus.INGESCHREVEN)
        )
        status = SeatStatus.INGESCHREVEN if (taken or 0) < training.seats else SeatStatus.WACHTLIJST
        seat = TrainingSeat(
            training_id=training.id,
            participant_tenant_id=participant_tenant,
            participant_user_id=participant.id,
            enrolment_id=enrolment_id,
            participant_name=participant.full_name,
            participant_email=participant.email,
            status=status,
        )
        db.session.add(seat)
        db.session.flush()
        seat_id = seat.id
    row.seat_id = seat_id
    row.status = status
    db.session.flush()
    _tell_participant(row, status)
    return row


def waitlist_position(row: Enrolment) -> int | None:
    """Return the participant's place on the waitlist (1 = next), read in the organiser's context."""
    if row.status != EnrolmentStatus.WACHTLIJST or row.seat_id is None:
        return None
    with acting_for(row.training_tenant_id):
        return db.session.scalar(
            select(func.count())
            .select_from(TrainingSeat)
            .where(
                TrainingSeat.training_id == row.training_id,
                TrainingSeat.status == SeatStatus.WACHTLIJST,
                TrainingSeat.id <= row.seat_id,
            )
        )


def _promote(training_id: int) -> tuple[int, int] | None:
    """Give a freed place to the first on the waitlist (organiser's context); return its enrolment."""
    first = db.session.scalar(
        select(TrainingSeat)
        .where(TrainingSeat.training_id == training_id, TrainingSeat.status == SeatStatus.WACHTLIJST)
        .order_by(TrainingSeat.id)
        .limit(1)
    )
    if first is None:
        return None
    first.status = SeatStatus.INGESCHREVEN
    db.session.flush()
    return first.participant_tenant_id, first.enrolment_id


def cancel_enrolment(row: Enrolment) -> Enrolment:
    """Cancel an enrolment; a freed place goes automatically to the first on the waitlist."""
    if row.status not in ACTIVE_ENROLMENTS:
        raise DomainError(_("Deze inschrijving is al afgesloten."))
    row.status = EnrolmentStatus.GEANNULEERD
    db.session.flush()
    promoted = None
    if row.seat_id is not None:
        with acting_for(row.training_tenant_id):
            db.session.scalar(select(Training.id).where(Training.id == row.training_id).with_for_update(key_share=True))
            seat = db.session.scalar(select(TrainingSeat).where(TrainingSeat.id == row.seat_id))
            if seat is not None:
                was = seat.status
                seat.status = SeatStatus.GEANNULEERD
                db.session.flush()
                if was == SeatStatus.INGESCHREVEN:
                    promoted = _promote(row.training_id)
    if promoted is not None:
        tenant_id, enrolment_id = promoted
        with acting_for(tenant_id):
            other = db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id))
            if other is not None:
                other.status = EnrolmentStatus.INGESCHREVEN
                db.session.flush()
                _tell_participant(other, "opgeschoven")
    return row


def cancel_training(obj: Training) -> Training:
    """Cancel a planned training; every place and enrolment is cancelled with it."""
    if obj.status != TrainingStatus.GEPLAND:
        raise DomainError(_("Deze vorming is al geannuleerd."))
    obj.status = TrainingStatus.GEANNULEERD
    seats = list(db.session.scalars(select(TrainingSeat).where(TrainingSeat.training_id == obj.id)))
    for seat in seats:
        seat.status = SeatStatus.GEANNULEERD
    db.session.flush()
    for seat in seats:
        with acting_for(seat.participant_tenant_id):
            db.session.execute(
                update(Enrolment)
                .where(Enrolment.id == seat.enrolment_id)
                .values(status=EnrolmentStatus.GEANNULEERD, updated_at=utcnow())
            )
            row = db.session.scalar(select(Enrolment).where(Enrolment.id == seat.enrolment_id))
            if row is not None:
                _tell_participant(row, EnrolmentStatus.GEANNULEERD)
    return obj
