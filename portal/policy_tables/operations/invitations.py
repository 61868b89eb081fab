"""Invitations of members and external experts, answers (RSVP) and attendance."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User, UserRole
from portal.core.errors import DomainError
from portal.core.models import utcnow
from portal.core.outbox import notify, queue_mail
from portal.extensions import db
from portal.policy_tables.models import NO_ANSWER, Meeting, MeetingAttendance, MeetingGuest, MeetingResponse
from portal.policy_tables.operations._common import POLICY_STAFF, _check_member, _digest, member_users
from tenants.context import BRUSSELS
from tenants.sharing import set_audience

GUEST_ACCESS_AFTER_MEETING = timedelta(days=30)


def guests_of(meeting: Meeting) -> list[MeetingGuest]:
    """Return the experts invited to the meeting (the chair reads them), by name."""
    return list(
        db.session.scalars(
            select(MeetingGuest)
            .where(MeetingGuest.meeting_id == meeting.id, MeetingGuest.revoked_at.is_(None))
            .order_by(MeetingGuest.name, MeetingGuest.id)
        )
    )


def invite_guest(meeting: Meeting, data: dict[str, Any], *, link: Callable[[str], str]) -> tuple[MeetingGuest, str]:
    """Invite an external expert by e-mail to this meeting only; return the row and the raw token.

    ``link(raw)`` builds the absolute URL of the guest page; the mail goes through the outbox.
    """
    if meeting.ends_at <= utcnow():
        raise DomainError(_("Deze vergadering is voorbij: nodig geen experts meer uit."), status_code=409)
    email = data["email"].strip().lower()
    taken = db.session.scalar(
        select(MeetingGuest.id).where(
            MeetingGuest.meeting_id == meeting.id, MeetingGuest.email == email, MeetingGuest.revoked_at.is_(None)
        )
    )
    if taken is not None:
        raise DomainError(_("Deze expert is al uitgenodigd."), field="email", status_code=409)
    raw = secrets.token_urlsafe(32)
    guest = db.session.scalar(
        select(MeetingGuest).where(MeetingGuest.meeting_id == meeting.id, MeetingGuest.email == email)
    )
    if guest is None:
        guest = MeetingGuest(meeting_id=meeting.id, email=email, token_hash=_digest(raw))
        db.session.add(guest)
    guest.token_hash = _digest(raw)
    guest.revoked_at = None
    guest.answer = NO_ANSWER
    guest.name = data["name"].strip()
    guest.organisation = (data.get("organisation") or "").strip()
    db.session.flush()
    table = meeting.table
    queue_mail(
        to=email,
        subject=_("Uitnodiging: %(table)s", table=table.name),
        template="policy_guest_invitation",
        dedupe_key=f"policy-guest:{guest.id}:{guest.token_hash[:16]}",
        guest=guest,
        table=table,
        meeting=meeting,
        when=meeting.starts_at.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M"),
        link=link(raw),
    )
    return guest, raw


def revoke_guest(guest: MeetingGuest) -> None:
    """End an expert's access to the meeting."""
    guest.revoked_at = utcnow()
    db.session.flush()


def guest_for_token(raw: str) -> MeetingGuest | None:
    """Return the invitation behind a guest link of the acting (chair) tenant, while it is valid."""
    guest = db.session.scalar(select(MeetingGuest).where(MeetingGuest.token_hash == _digest(raw[:100])))
    if guest is None or guest.revoked_at is not None:
        return None
    if guest.meeting.ends_at + GUEST_ACCESS_AFTER_MEETING <= utcnow():
        return None
    return guest


def answer_as_guest(guest: MeetingGuest, answer: str) -> MeetingGuest:
    """Record the expert's answer (the chair's row, written in the chair's context by the guest page)."""
    if guest.meeting.starts_at <= utcnow():
        raise DomainError(_("De vergadering is al begonnen."), status_code=409)
    guest.answer = answer
    guest.answered_at = utcnow()
    db.session.flush()
    return guest


def responses_of(meeting: Meeting) -> list[MeetingResponse]:
    """Return the members' answers the acting tenant can read."""
    return list(
        db.session.scalars(
            select(MeetingResponse).where(MeetingResponse.meeting_id == meeting.id).order_by(MeetingResponse.id)
        )
    )


def respond(meeting: Meeting, data: dict[str, Any], *, tenant_id: int, user_id: int) -> MeetingResponse:
    """Record or change a member user's own answer to the invitation (the responder's own row)."""
    _check_member(meeting, tenant_id)
    if meeting.starts_at <= utcnow():
        raise DomainError(_("De vergadering is al begonnen."), status_code=409)
    row = db.session.scalar(
        select(MeetingResponse).where(
            MeetingResponse.meeting_id == meeting.id,
            MeetingResponse.tenant_id == tenant_id,
            MeetingResponse.user_id == user_id,
        )
    )
    if row is None:
        row = MeetingResponse(meeting_id=meeting.id, user_id=user_id, answer=data["answer"])
        db.session.add(row)
        db.session.flush()
        if meeting.region_id is not None:
            set_audience(row, "region", region_id=meeting.region_id)
    row.answer = data["answer"]
    row.note = (data.get("note") or "").strip()[:300]
    db.session.flush()
    return row


def attendance_of(meeting: Meeting) -> list[MeetingAttendance]:
    """Return the people registered as present, by name."""
    return list(
        db.session.scalars(
            select(MeetingAttendance)
            .where(MeetingAttendance.meeting_id == meeting.id)
            .order_by(MeetingAttendance.name, MeetingAttendance.id)
        )
    )


def attendance_per_municipality(meeting: Meeting, rows: list[MeetingAttendance] | None = None) -> list[tuple[str, int]]:
    """Return (municipality, people present) for the members present, by name (``rows``: attendance already read)."""
    counts: dict[str, int] = {}
    for row in attendance_of(meeting) if rows is None else rows:
        if row.attendee_tenant is not None:
            counts[row.attendee_tenant.name] = counts.get(row.attendee_tenant.name, 0) + 1
    return sorted(counts.items())


def present_municipalities(meeting: Meeting) -> set[int]:
    """Return the ids of the municipalities with someone present."""
    return {r.attendee_tenant_id for r in attendance_of(meeting) if r.attendee_tenant_id is not None}


def register_attendance(meeting: Meeting, user_ids: list[int], guest_ids: list[int]) -> int:
    """Replace the list of people present (member users of the region, invited experts); return how many."""
    members = {u.id: u for u in member_users(meeting.region_id)} if meeting.region_id is not None else {}
    chair_users = db.session.scalars(
        select(User).where(
            User.tenant_id == meeting.tenant_id,
            User.is_active.is_(True),
            User.role_rows.any(UserRole.role.in_(POLICY_STAFF)),
        )
    )
    members.update({u.id: u for u in chair_users if u.has_role(*POLICY_STAFF)})
    guests = {g.id: g for g in guests_of(meeting)}
    if not set(user_ids) <= set(members) or not set(guest_ids) <= set(guests):
        raise DomainError(_("Onbekende deelnemer aan deze vergadering."), field="user_ids", status_code=422)
    for row in attendance_of(meeting):
        db.session.delete(row)
    db.session.flush()
    rows: list[MeetingAttendance] = []
    for uid in sorted(set(user_ids)):
        user = members[uid]
        rows.append(
            MeetingAttendance(
                meeting_id=meeting.id, user_id=uid, attendee_tenant_id=user.tenant_id, name=user.full_name
            )
        )
    for gid in sorted(set(guest_ids)):
        guest = guests[gid]
        label = f"{guest.name} ({guest.organisation})" if guest.organisation else guest.name
        rows.append(MeetingAttendance(meeting_id=meeting.id, guest_id=gid, name=label[:200]))
    db.session.add_all(rows)
    db.session.flush()
    if meeting.region_id is not None:
        for row in rows:
            set_audience(row, "region", region_id=meeting.region_id)
    return len(rows)


def invitees_of(meeting: Meeting) -> list[User]:
    """Return the member users invited to the meeting (the policy staff of every current member)."""
    users = member_users(meeting.region_id) if meeting.region_id is not None else []
    if not any(u.tenant_id == meeting.tenant_id for u in users):
        chair = db.session.scalars(
            select(User).where(
                User.tenant_id == meeting.tenant_id,
                User.is_active.is_(True),
                User.role_rows.any(UserRole.role.in_(POLICY_STAFF)),
            )
        )
        users += [u for u in chair if u.has_role(*POLICY_STAFF)]
    return sorted(users, key=lambda u: (u.tenant.name, u.full_name))


def invite_members(meetings: list[Meeting], *, path: Callable[[Meeting], str]) -> int:
    """Tell the members' policy staff about newly planned meetings (one message for a series)."""
    if not meetings:
        return 0
    first = meetings[0]
    table = first.table
    when = first.starts_at.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")
    body = (
        _("Gevolgd door nog %(count)s vergaderingen in deze reeks.", count=len(meetings) - 1)
        if len(meetings) > 1
        else ""
    )
    sent = 0
    for user in invitees_of(first):
        note = notify(
            user,
            category="policy_tables",
            title=_("Uitnodiging: %(table)s op %(when)s", table=table.name, when=when),
            body=body,
            link=f"/{user.tenant.slug}{path(first)}",
            dedupe_key=f"policy-invite:{first.id}:{user.id}",
            source_tenant_id=first.tenant_id,
        )
        sent += note is not None
    return sent
