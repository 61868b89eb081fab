"""Planning meetings, single or as a recurring series, and finding their neighbours."""

from __future__ import annotations

import secrets
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from portal.core.errors import DomainError
from portal.extensions import db
from portal.policy_tables.models import MEETING_REPEATS, Meeting, MeetingRepeat, PolicyTable
from tenants.context import BRUSSELS
from tenants.sharing import set_audience


def brussels_datetime(day: date, at: time) -> datetime:
    """Combine a local Brussels date and time into an aware datetime."""
    return datetime.combine(day, at, tzinfo=BRUSSELS)


def create_meeting(table: PolicyTable, data: dict[str, Any]) -> Meeting:
    """Plan a meeting of a table (the chair's row, shared with the table's region)."""
    starts_at = brussels_datetime(data["day"], data["start_time"])
    ends_at = brussels_datetime(data["day"], data["end_time"])
    if ends_at <= starts_at:
        raise DomainError(_("Het einde moet na het begin liggen."), field="end_time", status_code=422)
    location = (data.get("location") or "").strip()
    online_url = (data.get("online_url") or "").strip()
    if not location and not online_url:
        raise DomainError(_("Geef een locatie of een link voor online deelname."), field="location", status_code=422)
    meeting = Meeting(
        table_id=table.id,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        online_url=online_url,
        series_key=data.get("series_key") or "",
    )
    db.session.add(meeting)
    db.session.flush()
    if table.region_id is not None:
        set_audience(meeting, "region", region_id=table.region_id)
    return meeting


def _shift(day: date, repeat: str, step: int) -> date:
    if repeat == MeetingRepeat.WEKELIJKS:
        return day + timedelta(weeks=step)
    if repeat == MeetingRepeat.TWEEWEKELIJKS:
        return day + timedelta(weeks=2 * step)
    month = day.month - 1 + step
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def create_meetings(table: PolicyTable, data: dict[str, Any]) -> list[Meeting]:
    """Plan one meeting, or a recurring series (weekly, every two weeks or monthly, 2 to 12 times)."""
    repeat = data.get("repeat") or ""
    count = int(data.get("count") or 1) if repeat else 1
    if repeat and repeat not in MEETING_REPEATS:
        raise DomainError(_("Kies hoe de vergadering terugkeert."), field="repeat", status_code=422)
    if repeat and not 2 <= count <= 12:
        raise DomainError(_("Een reeks telt 2 tot 12 vergaderingen."), field="count", status_code=422)
    key = secrets.token_hex(8) if repeat else ""
    return [
        create_meeting(table, {**data, "day": _shift(data["day"], repeat, step), "series_key": key})
        for step in range(count)
    ]


def meetings_of(table: PolicyTable, *, with_agenda: bool = False) -> list[Meeting]:
    """Return the table's meetings, earliest first (``with_agenda``: their agenda items loaded in one query)."""
    stmt = select(Meeting).where(Meeting.table_id == table.id).order_by(Meeting.starts_at)
    if with_agenda:
        stmt = stmt.options(selectinload(Meeting.agenda_items))
    return list(db.session.scalars(stmt))


def this_and_earlier(meeting: Meeting) -> Select[tuple[int]]:
    """Return the ids of the meeting and of its table's earlier meetings, as a subquery for an ``IN``.

    The meeting page reads its own rows and the still open ones of earlier meetings in one
    query: ``x.meeting_id IN (this_and_earlier) AND (x.meeting_id = id OR still open)`` is an index
    range over the table's meetings, where ``x.meeting_id = id OR (... IN earlier AND open)``
    made PostgreSQL filter every row of the whole table.
    """
    return select(Meeting.id).where(
        Meeting.table_id == meeting.table_id,
        or_(Meeting.id == meeting.id, Meeting.starts_at < meeting.starts_at),
    )


def next_meeting(meeting: Meeting) -> Meeting | None:
    """Return the first later meeting of the same table."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.table_id == meeting.table_id, Meeting.starts_at > meeting.starts_at)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """Return the last earlier meeting of the same table."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.table_id == meeting.table_id, Meeting.starts_at < meeting.starts_at)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )
