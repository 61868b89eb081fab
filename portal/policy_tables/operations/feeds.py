"""The meeting calendar, personal iCal feed tokens and the iCal document."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.auth.models import User
from portal.core.ical import IcalEvent, calendar
from portal.core.models import utcnow
from portal.extensions import db
from portal.policy_tables.models import CalendarToken, Meeting
from portal.policy_tables.operations._common import _digest
from tenants.context import BRUSSELS, current_tenant_id
from tenants.sharing import readable_prefilter


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """Return the first moment of the month and of the next month, in Brussels time."""
    start = datetime(year, month, 1, tzinfo=BRUSSELS)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=BRUSSELS)
    return start, end


def visible_meetings(start: datetime, end: datetime) -> list[Meeting]:
    """Return the meetings the acting tenant may read that start in [start, end)."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                readable_prefilter(Meeting, current_tenant_id()),
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def issue_calendar_token(user_id: int) -> str:
    """Revoke the user's feed tokens and issue a new one; return the raw token (shown once)."""
    revoke_calendar_tokens(user_id)
    raw = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(user_id=user_id, token_hash=_digest(raw)))
    db.session.flush()
    return raw


def revoke_calendar_tokens(user_id: int) -> int:
    """Revoke every active feed token of the user; return how many."""
    result = db.session.execute(
        update(CalendarToken)
        .where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def has_calendar_token(user_id: int) -> bool:
    """Tell whether the user has an active personal feed."""
    found = db.session.scalar(
        select(CalendarToken.id).where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
    )
    return found is not None


def user_for_calendar_token(raw: str) -> User | None:
    """Return the active user behind a valid, unrevoked feed token, or None."""
    token = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == _digest(raw[:100])))
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_active or not user.tenant.is_active:
        return None
    return user


def ical(meetings: list[Meeting], link: Callable[[Meeting], str]) -> bytes:
    """Return an iCalendar document with one event per meeting; ``link(meeting)`` gives its URL."""
    events, summaries = [], {}
    for meeting in meetings:
        url = link(meeting)
        if meeting.table_id not in summaries:  # one translation per table, not per event
            summaries[meeting.table_id] = _("Vergadering %(table)s", table=meeting.table.name)
        events.append(
            IcalEvent(
                uid=f"policy-meeting-{meeting.id}@samenwerkingsportaal",
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                summary=summaries[meeting.table_id],
                location=meeting.location or meeting.online_url,
                url=url,
                description=url,
            )
        )
    return calendar(_("Beleidstafels"), "-//Samenwerkingsportaal//Beleidstafels//NL", events, utcnow())
