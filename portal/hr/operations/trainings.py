"""Trainings (vormingen): planning, sessions in Brussels time, places, attendance and the iCal feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from portal.core import ical
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.extensions import db
from portal.hr.models import EnrolmentStatus, SeatStatus, Training, TrainingSeat, TrainingSession, TrainingStatus
from tenants.context import acting_for, current_tenant_id
from tenants.sharing import readable_prefilter, set_audience, today

BRUSSELS = ZoneInfo("Europe/Brussels")
ACTIVE_ENROLMENTS = (EnrolmentStatus.AANGEVRAAGD, EnrolmentStatus.INGESCHREVEN, EnrolmentStatus.WACHTLIJST)


def brussels_moment(day: date, clock: time) -> datetime:
    """Return the UTC moment of ``clock`` on ``day`` in Brussels (summer and winter time alike)."""
    return datetime.combine(day, clock, tzinfo=BRUSSELS).astimezone(UTC)


def visible_trainings() -> Select[Any]:
    """Return trainings the acting tenant may read: own ones and those partners share with it."""
    stmt = select(Training).where(readable_prefilter(Training, current_tenant_id()))
    return stmt.order_by(Training.starts_at.desc(), Training.id.desc())


def upcoming_sessions(limit: int = 60) -> list[tuple[date, list[tuple[TrainingSession, Training]]]]:
    """Return the coming sessions of the visible, planned trainings, grouped per month (Brussels)."""
    now = utcnow()
    stmt = (
        select(Training)
        .where(readable_prefilter(Training, current_tenant_id()))
        .where(Training.status == TrainingStatus.GEPLAND, Training.ends_at >= now)
        .order_by(Training.starts_at, Training.id)
        .limit(limit)
    )
    sessions = sorted(
        ((s, t) for t in db.session.scalars(stmt) for s in t.sessions if s.ends_at >= now),
        key=lambda pair: pair[0].starts_at,
    )[:limit]
    months: dict[date, list[tuple[TrainingSession, Training]]] = {}
    for session, training in sessions:
        local = session.starts_at.astimezone(BRUSSELS)
        months.setdefault(local.date().replace(day=1), []).append((session, training))
    return list(months.items())


class SessionInput(TypedDict):
    """One session as TrainingSessionInputSchema loads it: a day and its hours in Brussels time."""

    day: date
    starts: time
    ends: time


def _set_sessions(obj: Training, sessions: list[SessionInput]) -> None:
    if not sessions:
        raise DomainError(_("Plan minstens één sessie."), field="sessions", status_code=422)
    moments = []
    for s in sessions:
        starts_at, ends_at = brussels_moment(s["day"], s["starts"]), brussels_moment(s["day"], s["ends"])
        if ends_at <= starts_at:
            raise DomainError(_("Een sessie eindigt na haar beginuur."), field="sessions", status_code=422)
        if s["day"] < today():
            raise DomainError(_("Een sessie mag niet in het verleden liggen."), field="sessions", status_code=422)
        moments.append((starts_at, ends_at))
    moments.sort()
    obj.session_list = [{"starts_at": a.isoformat(), "ends_at": b.isoformat()} for a, b in moments]
    obj.starts_at = moments[0][0]
    obj.ends_at = max(b for _a, b in moments)


def create_training(data: dict[str, Any], *, author_id: int | None) -> Training:
    """Plan a training of the acting tenant with its sessions and audience (open to the region or not)."""
    obj = Training(
        title=data["title"].strip(),
        organiser=data["organiser"].strip(),
        description=data.get("description", "").strip(),
        location=data["location"].strip(),
        seats=data["seats"],
        price_partner=data.get("price_partner") or Decimal(0),
        status=TrainingStatus.GEPLAND,
        created_by_id=author_id,
    )
    _set_sessions(obj, data.get("sessions") or [])
    db.session.add(obj)
    db.session.flush()
    set_audience(
        obj, data.get("audience", "own"), region_id=data.get("region_id"), partner_ids=data.get("partner_ids", [])
    )
    db.session.flush()
    return obj


def seat_counts(training: Training) -> dict[str, int]:
    """Return how many places are taken and how many people wait (numbers only leave the organiser)."""
    with acting_for(training.tenant_id):
        rows = db.session.execute(
            select(TrainingSeat.status, func.count())
            .where(TrainingSeat.training_id == training.id, TrainingSeat.status != SeatStatus.GEANNULEERD)
            .group_by(TrainingSeat.status)
        ).all()
    counts = {str(status): int(n) for status, n in rows}
    taken = counts.get(SeatStatus.INGESCHREVEN, 0)
    return {"taken": taken, "waiting": counts.get(SeatStatus.WACHTLIJST, 0), "free": max(training.seats - taken, 0)}


def is_open(training: Training) -> bool:
    """Tell whether a training still takes enrolments (planned, first session not begun)."""
    return training.status == TrainingStatus.GEPLAND and training.starts_at > utcnow()


def attendance_list(training: Training) -> list[TrainingSeat]:
    """Return the organiser's participants (places first, then the waitlist in order)."""
    return list(
        db.session.scalars(
            select(TrainingSeat)
            .where(TrainingSeat.training_id == training.id, TrainingSeat.status != SeatStatus.GEANNULEERD)
            .order_by(TrainingSeat.status, TrainingSeat.participant_name, TrainingSeat.id)
        )
    )


def set_attendance(training: Training, present_ids: set[int]) -> int:
    """Mark who attended (only participants with a place); return how many were present."""
    count = 0
    for seat in attendance_list(training):
        seat.is_present = seat.status == SeatStatus.INGESCHREVEN and seat.id in present_ids
        count += seat.is_present
    training.attendance_saved_at = utcnow()
    db.session.flush()
    return count


def trainings_ical(trainings: list[Training], link: Any) -> bytes:
    """Return an iCalendar document with one event per session; ``link(training)`` gives its URL."""
    events = []
    for training in trainings:
        url = link(training)
        for index, session in enumerate(training.sessions, start=1):
            events.append(
                ical.IcalEvent(
                    uid=f"hr-training-{training.id}-{index}@samenwerkingsportaal",
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    summary=training.title,
                    url=url,
                    location=training.location or "",
                    description=f"{training.organiser}\n{url}",
                )
            )
    return ical.calendar(_("Vormingen"), "-//Samenwerkingsportaal//Vormingen//NL", events, now=utcnow())
