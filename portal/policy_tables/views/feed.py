"""The meeting calendar, iCal downloads and the personal feed (its public route on ``feed_bp``)."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.access import MEMBERS, PUBLIC, STAFF, allow
from portal.core.loading import get_visible_or_404
from portal.core.models import utcnow
from portal.extensions import limiter
from portal.policy_tables import operations as ops
from portal.policy_tables.models import Meeting
from portal.policy_tables.views._blueprint import bp, feed_bp
from tenants.context import BRUSSELS, acting_for
from tenants.sharing import today


def _month(value: str) -> tuple[int, int]:
    """Parse ``YYYY-MM`` (default: the current month in Brussels)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if match and 2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    now = today()
    return now.year, now.month


@bp.route("/kalender")
@allow(MEMBERS)
def calendar() -> Any:
    """Show the meetings the user may see in one month, as a grid and as a list."""
    year, month = _month(request.args.get("maand", ""))
    start, end = ops.month_bounds(year, month)
    meetings = ops.visible_meetings(start, end)
    by_day: dict[int, list[Meeting]] = {}
    for m in meetings:
        by_day.setdefault(m.starts_at.astimezone(BRUSSELS).day, []).append(m)
    first_weekday, days = monthrange(year, month)
    previous = (start - timedelta(days=1)).strftime("%Y-%m")
    following = end.strftime("%Y-%m")
    feed_url = session.pop("policy_calendar_feed_url", None)
    week = None
    if request.args.get("weergave") == "week":
        week = _week(request.args.get("dag", ""))
    return render_template(
        "policy_tables/calendar.html",
        week=week,
        month_start=start.date(),
        weeks=_weeks(first_weekday, days),
        by_day=by_day,
        meetings=meetings,
        previous=previous,
        following=following,
        feed_url=feed_url,
        has_feed=ops.has_calendar_token(current_user.id),
    )


def _week(value: str) -> dict[str, Any]:
    """Return the days of the week around ``value`` (YYYY-MM-DD, default today) with their meetings."""
    try:
        day = date.fromisoformat(value) if value else today()
    except ValueError:
        day = today()
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, datetime.min.time(), tzinfo=BRUSSELS)
    meetings = ops.visible_meetings(start, start + timedelta(days=7))
    days = [
        (
            monday + timedelta(days=i),
            [m for m in meetings if m.starts_at.astimezone(BRUSSELS).date() == monday + timedelta(days=i)],
        )
        for i in range(7)
    ]
    return {
        "days": days,
        "previous": (monday - timedelta(days=7)).isoformat(),
        "following": (monday + timedelta(days=7)).isoformat(),
    }


def _weeks(first_weekday: int, days: int) -> list[list[int | None]]:
    cells: list[int | None] = [None] * first_weekday + list(range(1, days + 1))
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def _meeting_url(meeting: Meeting, slug: str) -> str:
    return url_for("policy_tables.meeting", tenant=slug, meeting_id=meeting.id, _external=True)


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/vergaderingen/<int:meeting_id>.ics")
@allow(MEMBERS)
def meeting_ics(meeting_id: int) -> Any:
    """Download one meeting as an iCalendar event."""
    meeting = get_visible_or_404(Meeting, meeting_id)
    slug = current_user.tenant.slug
    return _ics_response(ops.ical([meeting], lambda m: _meeting_url(m, slug)), f"vergadering-{meeting.id}.ics")


@bp.route("/kalender/feed", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def create_feed() -> Any:
    """Issue (or replace) the user's secret personal iCal feed address."""
    raw = ops.issue_calendar_token(current_user.id)
    session["policy_calendar_feed_url"] = url_for("policy_tables_feed.feed", token=raw, _external=True)
    flash(_("Je persoonlijke agenda-feed is aangemaakt; een vorig adres werkt niet meer."), "success")
    return redirect(url_for("policy_tables.calendar"))


@bp.route("/kalender/feed/intrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def revoke_feed() -> Any:
    """Revoke the user's personal iCal feed address."""
    ops.revoke_calendar_tokens(current_user.id)
    flash(_("Je persoonlijke agenda-feed is ingetrokken."), "success")
    return redirect(url_for("policy_tables.calendar"))


@feed_bp.route("/<token>.ics")
@allow(PUBLIC)
@limiter.limit("120 per hour")
def feed(token: str) -> Any:
    """Serve a user's personal feed: the meetings that user may see, from a year back on."""
    with acting_for(None, is_platform=True):
        user = ops.user_for_calendar_token(token)
        if user is None:
            abort(404)
        tenant_id, slug = user.tenant_id, user.tenant.slug
        # A feed answers with its owner's rights: an expert's token lists no meetings.
        guest_only = not MEMBERS.admits(user)
    with acting_for(tenant_id):
        start = utcnow() - timedelta(days=365)
        meetings = [] if guest_only else ops.visible_meetings(start, start + timedelta(days=365 * 3))
        body = ops.ical(meetings, lambda m: _meeting_url(m, slug))
    return _ics_response(body, "beleidstafels.ics")
