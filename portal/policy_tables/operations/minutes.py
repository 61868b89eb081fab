"""The notulen: versions, remarks of the attendees, approval and publication."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from portal.core.errors import DomainError
from portal.core.models import Shareable, utcnow
from portal.core.outbox import notify
from portal.core.richtext import sanitise
from portal.extensions import db
from portal.policy_tables.models import Meeting, Minutes, MinutesRemark, MinutesStatus, MinutesVersion
from portal.policy_tables.operations._common import member_users
from portal.policy_tables.operations.meetings import next_meeting, this_and_earlier
from tenants.sharing import object_grantees, region_members, set_audience


def minutes_of(meeting: Meeting) -> Minutes | None:
    """Return the meeting's notulen if the acting tenant may read them."""
    return db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))


def versions_of(minutes: Minutes) -> list[MinutesVersion]:
    """Return every saved version of the notulen, newest first."""
    return list(
        db.session.scalars(
            select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id).order_by(MinutesVersion.number.desc())
        )
    )


def version_of(minutes: Minutes, number: int) -> MinutesVersion | None:
    """Return one version of the notulen (None when it does not exist)."""
    return db.session.scalar(
        select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id, MinutesVersion.number == number)
    )


def attendees_of(minutes: Minutes) -> list[int]:
    """Return the ids of the municipalities the notulen went to (besides the chair)."""
    return sorted(object_grantees(minutes)) if minutes.audience == "partners" else []


def _share_minutes(minutes: Minutes, audience: str, *, partner_ids: list[int] | None = None) -> None:
    """Give the notulen and all their versions the same readers."""
    rows: list[Shareable] = [minutes, *versions_of(minutes)]
    for row in rows:
        if audience == "partners" and partner_ids:
            set_audience(row, "partners", partner_ids=partner_ids)
        elif audience == "region" and minutes.meeting.region_id is not None:
            set_audience(row, "region", region_id=minutes.meeting.region_id)
        else:
            set_audience(row, "own")


def _add_version(minutes: Minutes, body_html: str, change_note: str, user_id: int | None) -> MinutesVersion:
    text = sanitise(body_html)
    if not text.strip():
        raise DomainError(_("Vul de tekst van de notulen in."), field="body_html", status_code=422)
    last = db.session.scalar(select(func.max(MinutesVersion.number)).where(MinutesVersion.minutes_id == minutes.id))
    version = MinutesVersion(
        minutes_id=minutes.id,
        number=(last or 0) + 1,
        body_html=text,
        change_note=change_note.strip()[:300],
        created_by_id=user_id,
    )
    db.session.add(version)
    db.session.flush()
    minutes.current_version = version.number
    if minutes.audience == "partners":
        set_audience(version, "partners", partner_ids=attendees_of(minutes))
    db.session.flush()
    return version


def create_minutes(meeting: Meeting, data: dict[str, Any], *, user_id: int | None) -> Minutes:
    """Start the notulen of a meeting as a draft only the chair reads."""
    if minutes_of(meeting) is not None:
        raise DomainError(_("Deze vergadering heeft al notulen."), status_code=409)
    minutes = Minutes(meeting_id=meeting.id, status=MinutesStatus.ONTWERP, current_version=1)
    db.session.add(minutes)
    db.session.flush()
    _add_version(minutes, data["body_html"], data.get("change_note") or "", user_id)
    return minutes


def revise_minutes(minutes: Minutes, data: dict[str, Any], *, user_id: int | None) -> MinutesVersion:
    """Save a new version of the notulen; earlier versions stay readable."""
    if not minutes.is_editable:
        raise DomainError(_("Goedgekeurde notulen kunnen niet meer wijzigen."), status_code=409)
    current = version_of(minutes, minutes.current_version)
    if current is not None and current.body_html == sanitise(data["body_html"]):
        raise DomainError(_("De tekst is niet gewijzigd."), field="body_html", status_code=409)
    return _add_version(minutes, data["body_html"], data.get("change_note") or "", user_id)


def send_minutes(minutes: Minutes, attendee_ids: list[int], *, path: str) -> int:
    """Send the notulen to the attending municipalities for remarks; return how many users were told."""
    if not minutes.is_editable:
        raise DomainError(_("Goedgekeurde notulen kunnen niet meer ter opmerking gaan."), status_code=409)
    region_id = minutes.meeting.region_id
    allowed = {t.id for t in region_members(region_id)} if region_id is not None else set()
    wanted = sorted(set(attendee_ids) - {minutes.tenant_id})
    if not set(wanted) <= allowed:
        raise DomainError(_("Onbekend lid van deze beleidstafel."), field="attendee_ids", status_code=422)
    minutes.status = MinutesStatus.TER_OPMERKING
    minutes.sent_at = utcnow()
    _share_minutes(minutes, "partners", partner_ids=wanted)
    sent = 0
    table = minutes.meeting.table
    for user in member_users(region_id or 0):
        if user.tenant_id not in wanted:
            continue
        note = notify(
            user,
            category="policy_tables",
            title=_("Notulen ter opmerking: %(table)s", table=table.name),
            body=_("Versie %(number)s van de notulen wacht op je opmerkingen.", number=minutes.current_version),
            link=f"/{user.tenant.slug}{path}",
            dedupe_key=f"policy-minutes:{minutes.id}:{minutes.current_version}:{user.id}",
            source_tenant_id=minutes.tenant_id,
        )
        sent += note is not None
    return sent


def remarks_of(minutes: Minutes) -> list[MinutesRemark]:
    """Return the remarks on the notulen that the acting tenant can read."""
    return list(
        db.session.scalars(
            select(MinutesRemark).where(MinutesRemark.minutes_id == minutes.id).order_by(MinutesRemark.id)
        )
    )


def add_remark(minutes: Minutes, data: dict[str, Any], *, tenant_id: int, user_id: int) -> MinutesRemark:
    """Record an attendee's remark: its own row, shared with the chair only."""
    if minutes.status != MinutesStatus.TER_OPMERKING:
        raise DomainError(_("Opmerkingen kunnen enkel zolang de notulen ter opmerking liggen."), status_code=409)
    if tenant_id != minutes.tenant_id and tenant_id not in attendees_of(minutes):
        raise DomainError(_("Enkel de aanwezigen kunnen opmerkingen maken."), status_code=422)
    body = (data.get("body") or "").strip()
    if not body:
        raise DomainError(_("Vul je opmerking in."), field="body", status_code=422)
    remark = MinutesRemark(
        minutes_id=minutes.id, version_number=minutes.current_version, body=body[:2000], author_id=user_id
    )
    db.session.add(remark)
    db.session.flush()
    if tenant_id != minutes.tenant_id:
        set_audience(remark, "partners", partner_ids=[minutes.tenant_id])
    return remark


def approve_minutes(minutes: Minutes, at_meeting_id: int | None = None) -> Minutes:
    """Approve the notulen at a later meeting of the table (by default the next one)."""
    if minutes.status != MinutesStatus.TER_OPMERKING:
        raise DomainError(_("Enkel notulen die ter opmerking lagen kunnen goedgekeurd worden."), status_code=409)
    meeting = minutes.meeting
    if at_meeting_id is None:
        at = next_meeting(meeting)
        if at is None:
            raise DomainError(
                _("Plan eerst de volgende vergadering: daar worden de notulen goedgekeurd."), status_code=409
            )
    else:
        at = db.session.scalar(select(Meeting).where(Meeting.id == at_meeting_id))
        if at is None or at.table_id != meeting.table_id or at.starts_at <= meeting.starts_at:
            raise DomainError(
                _("Notulen worden goedgekeurd op een latere vergadering van dezelfde tafel."),
                field="approved_at_meeting_id",
                status_code=422,
            )
    minutes.status = MinutesStatus.GOEDGEKEURD
    minutes.approved_at_meeting_id = at.id
    minutes.approved_at = utcnow()
    db.session.flush()
    return minutes


def publish_minutes(minutes: Minutes) -> Minutes:
    """Publish approved notulen to every current member of the region."""
    if minutes.status != MinutesStatus.GOEDGEKEURD:
        raise DomainError(_("Enkel goedgekeurde notulen kunnen gepubliceerd worden."), status_code=409)
    minutes.status = MinutesStatus.GEPUBLICEERD
    minutes.published_at = utcnow()
    _share_minutes(minutes, "region")
    db.session.flush()
    return minutes


def meeting_minutes(meeting: Meeting) -> tuple[Minutes | None, list[Minutes]]:
    """Return ``minutes_of`` and ``minutes_to_approve`` of the meeting page in one query."""
    rows = db.session.scalars(
        select(Minutes).where(
            Minutes.meeting_id.in_(this_and_earlier(meeting)),
            or_(Minutes.meeting_id == meeting.id, Minutes.status == MinutesStatus.TER_OPMERKING),
        )
    ).all()
    own = next((m for m in rows if m.meeting_id == meeting.id), None)
    return own, [m for m in rows if m.meeting_id != meeting.id]


def minutes_to_approve(meeting: Meeting) -> list[Minutes]:
    """Return notulen of earlier meetings of the table that lie ter opmerking (for this agenda)."""
    earlier = select(Meeting.id).where(Meeting.table_id == meeting.table_id, Meeting.starts_at < meeting.starts_at)
    return list(
        db.session.scalars(
            select(Minutes).where(Minutes.meeting_id.in_(earlier), Minutes.status == MinutesStatus.TER_OPMERKING)
        )
    )
