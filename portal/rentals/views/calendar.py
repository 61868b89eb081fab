"""Calendars: the secret iCal feeds and the free/busy calendar page of a resource."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth.models import User
from portal.core.access import MEMBERS, PUBLIC, STAFF, allow, refuse_role
from portal.core.errors import problem
from portal.core.loading import get_visible_or_404
from portal.core.web import PAGE_CSP
from portal.extensions import db
from portal.rentals import operations as ops
from portal.rentals import permissions
from portal.rentals.models import Resource
from portal.rentals.views._blueprint import bp
from tenants.context import BRUSSELS, acting_for
from tenants.models import Tenant
from tenants.sharing import today


def _ics(body: bytes, stem: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'inline; filename="{stem}.ics"', "Cache-Control": "private, max-age=300"},
    )


def _calendar_page(feed_url: str | None = None, token: str | None = None) -> Any:
    return render_template(
        "rentals/calendar.html", feed_url=feed_url, token=token, has_token=ops.has_calendar_token(current_user)
    )


@bp.route("/agenda")
@allow(MEMBERS)
def calendar() -> Any:
    """Explain the iCal feeds and manage the own secret feed address."""
    return _calendar_page()


@bp.route("/agenda/nieuw", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def new_calendar_token() -> Any:
    """Create a new secret feed address (shown once); an older one stops working."""
    raw = ops.issue_calendar_token(current_user)
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return _calendar_page(f"{base}/{current_user.tenant.slug}/verhuur/agenda/{raw}.ics", raw)


@bp.route("/agenda/intrekken", methods=["POST"])
@allow(MEMBERS, write=STAFF)
def revoke_calendar_token() -> Any:
    """Revoke the own secret feed address."""
    ops.revoke_calendar_tokens(current_user)
    flash(_("Het agenda-adres is ingetrokken: agenda's die het gebruiken krijgen niets meer."), "success")
    return redirect(url_for("rentals.calendar"))


def _token_tenant() -> Tenant:
    """Return the tenant of the URL for a request without a session (calendar apps), else 404."""
    slug = g.get("url_tenant")
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug)) if slug else None
    if tenant is None:
        abort(404)
    return tenant


def _token_user(tenant: Tenant, token: str) -> User:
    with acting_for(tenant.id):
        user = ops.user_for_calendar_token(token)
    # A feed answers with its owner's rights: an expert's token opens no reservations.
    if user is None or not MEMBERS.admits(user):
        abort(404)
    return user


@bp.route("/agenda/<token>.ics")
@allow(PUBLIC)
def calendar_feed(token: str) -> Any:
    """Serve the tenant's reservations as iCal to whoever holds the secret address (calendar apps)."""
    tenant = _token_tenant()
    _token_user(tenant, token)  # refuses (404) a token that is not a member's
    with acting_for(tenant.id):
        body = ops.reservations_ical(tenant, current_app.config["PORTAL_BASE_URL"].rstrip("/"))
    return _ics(body, f"reservaties-{tenant.slug}")


@bp.route("/materieel/<int:resource_id>/agenda.ics")
@allow(PUBLIC)
def resource_calendar(resource_id: int) -> Any:
    """Serve free/busy of a visible resource as iCal (no requester details for partners).

    Signed in, or for calendar apps with ``?token=`` (the user's secret feed token): public for
    the token, so a signed-in caller passes the members' rule here.
    """
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    if current_user.is_authenticated:
        if not MEMBERS.admits(current_user):
            return refuse_role()
        obj = get_visible_or_404(Resource, resource_id)
        return _ics(ops.resource_ical(obj, base), f"bezetting-{obj.id}")
    token = request.args.get("token", "")
    if not token:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    tenant = _token_tenant()
    _token_user(tenant, token)  # refuses (404) a token that is not a member's
    with acting_for(tenant.id):
        obj = get_visible_or_404(Resource, resource_id)
        body = ops.resource_ical(obj, base)
    return _ics(body, f"bezetting-{obj.id}")


def _calendar_day(raw: str) -> date | None:
    """Return the Brussels day of a FullCalendar bound (a date or an ISO moment with offset), else None."""
    raw = raw.strip()[:40]
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        moment = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        return None
    return moment.astimezone(BRUSSELS).date() if moment.tzinfo else moment.date()


def _calendar_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the calendar events as table rows (the view without JavaScript), in time order."""
    rows = []
    for event in events:
        if event.get("allDay"):
            start: date | datetime = date.fromisoformat(event["start"])
            end: date | datetime = date.fromisoformat(event["end"]) - timedelta(days=1)
            moment = ops.brussels(start)  # type: ignore[arg-type]
        else:
            start, end = datetime.fromisoformat(event["start"]), datetime.fromisoformat(event["end"])
            moment = start
        kind = event["extendedProps"]["kind"]
        rows.append(
            {
                "start": start,
                "end": end,
                "all_day": bool(event.get("allDay")),
                "title": event["title"],
                "url": event.get("url"),
                "kind": kind,
                "key": moment,
            }
        )
    return sorted(rows, key=lambda row: row["key"])


@bp.route("/materieel/<int:resource_id>/kalender")
@allow(MEMBERS)
def resource_calendar_page(resource_id: int) -> Any:
    """Show the free/busy calendar of a visible resource (month, week, list), with a table for no-JS."""
    obj = get_visible_or_404(Resource, resource_id)
    first = today()
    response = current_app.make_response(
        render_template(
            "rentals/resource_calendar.html",
            obj=obj,
            rows=_calendar_rows(ops.calendar_events(obj, first, first + timedelta(weeks=8))),
            can_reserve=permissions.can_reserve(current_user),
        )
    )
    # FullCalendar injects its stylesheet as a <style> element carrying this request's nonce; that
    # stylesheet brings its icon font as a data: URL.
    response.headers["Content-Security-Policy"] = PAGE_CSP.replace(
        "style-src 'self'", f"style-src 'self' 'nonce-{g.csp_nonce}'", 1
    ).replace("font-src 'self'", "font-src 'self' data:", 1)
    return response


@bp.route("/materieel/<int:resource_id>/kalender.json")
@allow(MEMBERS)
def resource_calendar_events(resource_id: int) -> Any:
    """Return the calendar events of a visible resource between ``start`` and ``end`` (FullCalendar's feed)."""
    obj = get_visible_or_404(Resource, resource_id)
    raw_start, raw_end = request.args.get("start", ""), request.args.get("end", "")
    first = _calendar_day(raw_start) if raw_start else today()
    # Years far off are refused too: nothing is booked there and date arithmetic would overflow.
    if first is not None and not 2000 <= first.year <= 2200:
        first = None
    last = _calendar_day(raw_end) if raw_end else (first + timedelta(weeks=6) if first else None)
    if first is None or last is None or not 2000 <= last.year <= 2200:
        return problem(400, _("Ongeldige datum: gebruik JJJJ-MM-DD of een ISO 8601-tijdstip."))
    if not ops.ends_after_start(first, last):
        return problem(422, _("Het einde van de periode moet na het begin liggen."))
    if (last - first).days > ops.CALENDAR_MAX_DAYS:
        return problem(422, _("Vraag hoogstens %(n)s dagen tegelijk op.", n=ops.CALENDAR_MAX_DAYS))
    response = jsonify(
        {
            "resource": {"id": obj.id, "name": obj.name, "owner": obj.tenant.name},
            "events": ops.calendar_events(obj, first, last),
        }
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
