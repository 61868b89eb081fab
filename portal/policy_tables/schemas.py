"""Marshmallow schemas of policy tables, meetings, agenda items and actions (forms and API)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from portal.core.schemas import dump_with, owner_ref
from portal.policy_tables.models import (
    ACTION_STATUSES,
    CHALLENGE_STATUSES,
    FOLLOW_UP_STATUSES,
    ITEM_KINDS,
    LEGAL_FORMS,
    MEETING_REPEATS,
    RECOMMENDATIONS,
    RESULT_KINDS,
    RSVP_ANSWERS,
    THEMES,
    Decision,
    Minutes,
)


def _msg(text: Any) -> str:
    return str(text)


class CreateTableSchema(Schema):
    """Load a new or edited table."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_msg(_l("De naam moet tussen 3 en 200 tekens lang zijn."))),
        error_messages={"required": _msg(_l("Vul een naam in."))},
    )
    theme = fields.String(
        required=True,
        validate=validate.OneOf(list(THEMES), error=_msg(_l("Kies een thema."))),
        error_messages={"required": _msg(_l("Kies een thema."))},
    )
    region_id = fields.Integer(
        required=True,
        error_messages={
            "required": _msg(_l("Kies het samenwerkingsverband.")),
            "invalid": _msg(_l("Kies het samenwerkingsverband.")),
        },
    )
    description_html = fields.String(load_default="", validate=validate.Length(max=20000))
    secretary_name = fields.String(load_default="", validate=validate.Length(max=200))
    secretary_email = fields.Email(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=254),
        error_messages={"invalid": _msg(_l("Ongeldig e-mailadres."))},
    )
    publish_days_before = fields.Integer(
        load_default=7,
        validate=validate.Range(min=0, max=60, error=_msg(_l("Geef een aantal dagen van 0 tot 60."))),
        error_messages={"invalid": _msg(_l("Geef een aantal dagen van 0 tot 60."))},
    )


class UpdateTableSchema(Schema):
    """Load a partial update of a table."""

    name = fields.String(validate=validate.Length(min=3, max=200))
    theme = fields.String(validate=validate.OneOf(list(THEMES)))
    description_html = fields.String(validate=validate.Length(max=20000))
    secretary_name = fields.String(validate=validate.Length(max=200))
    secretary_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    publish_days_before = fields.Integer(validate=validate.Range(min=0, max=60))


class MembershipSchema(Schema):
    """Load a municipality's contacts at a table."""

    policy_contact = fields.String(load_default="", validate=validate.Length(max=300))
    admin_contact = fields.String(load_default="", validate=validate.Length(max=300))


class CreateMeetingSchema(Schema):
    """Load a new meeting (date and times in Europe/Brussels)."""

    day = fields.Date(
        required=True, error_messages={"required": _msg(_l("Kies een datum.")), "invalid": _msg(_l("Ongeldige datum."))}
    )
    start_time = fields.Time(
        required=True,
        error_messages={"required": _msg(_l("Vul een beginuur in.")), "invalid": _msg(_l("Ongeldig uur."))},
    )
    end_time = fields.Time(
        required=True,
        error_messages={"required": _msg(_l("Vul een einduur in.")), "invalid": _msg(_l("Ongeldig uur."))},
    )
    location = fields.String(load_default="", validate=validate.Length(max=300))
    online_url = fields.URL(
        load_default=None,
        allow_none=True,
        schemes={"https"},
        validate=validate.Length(max=500),
        error_messages={"invalid": _msg(_l("Geef een geldige https-link."))},
    )
    repeat = fields.String(
        load_default="",
        validate=validate.OneOf(["", *MEETING_REPEATS], error=_msg(_l("Kies hoe de vergadering terugkeert."))),
    )
    count = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=12, error=_msg(_l("Een reeks telt 2 tot 12 vergaderingen."))),
        error_messages={"invalid": _msg(_l("Een reeks telt 2 tot 12 vergaderingen."))},
    )


class CreateItemSchema(Schema):
    """Load an agenda item or a proposal."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(ITEM_KINDS), error=_msg(_l("Kies het soort agendapunt."))),
        error_messages={"required": _msg(_l("Kies het soort agendapunt."))},
    )
    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_msg(_l("De titel moet tussen 3 en 200 tekens lang zijn."))),
        error_messages={"required": _msg(_l("Vul een titel in."))},
    )
    description_html = fields.String(load_default="", validate=validate.Length(max=20000))
    owner_tenant_id = fields.Integer(load_default=None, allow_none=True)


class CreateActionSchema(Schema):
    """Load an action item."""

    title = fields.String(
        required=True,
        validate=validate.Length(
            min=3, max=300, error=_msg(_l("De omschrijving moet tussen 3 en 300 tekens lang zijn."))
        ),
        error_messages={"required": _msg(_l("Vul een omschrijving in."))},
    )
    owner_tenant_id = fields.Integer(
        load_default=None,
        allow_none=True,
        error_messages={"invalid": _msg(_l("Kies het verantwoordelijke bestuur."))},
    )
    owner_person = fields.String(load_default="", validate=validate.Length(max=200))
    due_on = fields.Date(load_default=None, allow_none=True, error_messages={"invalid": _msg(_l("Ongeldige datum."))})
    agenda_item_id = fields.Integer(load_default=None, allow_none=True)


class ActionStatusSchema(Schema):
    """Load a new status of an action."""

    status = fields.String(
        required=True,
        validate=validate.OneOf(list(ACTION_STATUSES), error=_msg(_l("Kies een geldige status."))),
        error_messages={"required": _msg(_l("Kies een geldige status."))},
    )


class DecisionFormSchema(Schema):
    """Load a decision on an agenda item."""

    text_html = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20000, error=_msg(_l("Vul de beslissing in."))),
        error_messages={"required": _msg(_l("Vul de beslissing in."))},
    )


class FollowUpSchema(Schema):
    """Load a municipality's follow-up of a decision."""

    status = fields.String(
        required=True,
        validate=validate.OneOf(list(FOLLOW_UP_STATUSES), error=_msg(_l("Kies een geldige status."))),
        error_messages={"required": _msg(_l("Kies een geldige status."))},
    )
    done_on = fields.Date(load_default=None, allow_none=True, error_messages={"invalid": _msg(_l("Ongeldige datum."))})
    reference = fields.String(load_default="", validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class TableSchema(Schema):
    """Dump a table."""

    id = fields.Integer()
    name = fields.String()
    theme = fields.String()
    description_html = fields.String()
    secretary_name = fields.String()
    secretary_email = fields.String()
    region_id = fields.Integer(allow_none=True)
    publish_days_before = fields.Integer()
    chair = owner_ref()


class AgendaItemSchema(Schema):
    """Dump an agenda item."""

    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    title = fields.String()
    description_html = fields.String()
    owner = owner_ref("owner_tenant")


class MeetingSchema(Schema):
    """Dump a meeting with its agenda."""

    id = fields.Integer()
    table_id = fields.Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    location = fields.String()
    online_url = fields.String()
    agenda_published_at = fields.DateTime(allow_none=True)
    # The ordered agenda items (preloaded for lists: ``meetings_of(with_agenda=True)``).
    agenda = fields.Nested(AgendaItemSchema, many=True, attribute="agenda_items")


class ActionSchema(Schema):
    """Dump an action item."""

    id = fields.Integer()
    table_id = fields.Integer()
    meeting_id = fields.Integer()
    title = fields.String()
    owner = owner_ref("owner_tenant")
    owner_person = fields.String()
    due_on = fields.Date(allow_none=True)
    status = fields.String()


class CreateMinutesSchema(Schema):
    """Load a (new version of the) notulen text."""

    body_html = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100000, error=_msg(_l("Vul de tekst van de notulen in."))),
        error_messages={"required": _msg(_l("Vul de tekst van de notulen in."))},
    )
    change_note = fields.String(load_default="", validate=validate.Length(max=300))


class SendMinutesSchema(Schema):
    """Load the attending municipalities the notulen go to for remarks."""

    attendee_ids = fields.List(
        fields.Integer(error_messages={"invalid": _msg(_l("Onbekend lid van deze beleidstafel."))}),
        load_default=list,
    )


class ApproveMinutesSchema(Schema):
    """Load the meeting at which the notulen were approved (default: the next one)."""

    approved_at_meeting_id = fields.Integer(
        load_default=None,
        allow_none=True,
        error_messages={"invalid": _msg(_l("Kies de vergadering van de goedkeuring."))},
    )


class CreateRemarkSchema(Schema):
    """Load an attendee's remark on the notulen."""

    body = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000, error=_msg(_l("Een opmerking telt 1 tot 2000 tekens."))),
        error_messages={"required": _msg(_l("Vul je opmerking in."))},
    )


class MinutesVersionSchema(Schema):
    """Dump one version of the notulen."""

    number = fields.Integer()
    body_html = fields.String()
    change_note = fields.String()
    created_at = fields.DateTime()


class MinutesSchema(Schema):
    """Dump the notulen with their current text and version history."""

    id = fields.Integer()
    meeting_id = fields.Integer()
    status = fields.String()
    current_version = fields.Integer()
    sent_at = fields.DateTime(allow_none=True)
    approved_at_meeting_id = fields.Integer(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    versions = fields.Method("get_versions")

    def get_versions(self, obj: Minutes) -> Any:
        """Return every version, newest first."""
        from portal.policy_tables.operations import versions_of

        return dump_with(MinutesVersionSchema, versions_of(obj), many=True)


class FollowUpDumpSchema(Schema):
    """Dump one municipality's follow-up of a decision."""

    id = fields.Integer()
    municipality = owner_ref()
    status = fields.String()
    done_on = fields.Date(allow_none=True)
    reference = fields.String()
    note = fields.String()


class TableDecisionSchema(Schema):
    """Dump a decision with the follow-ups the caller may read."""

    id = fields.Integer()
    meeting_id = fields.Integer()
    agenda_item_id = fields.Integer()
    text_html = fields.String()
    follow_ups = fields.Method("get_follow_ups")

    def get_follow_ups(self, obj: Decision) -> Any:
        """Return the follow-ups per municipality."""
        from sqlalchemy import select

        from portal.extensions import db
        from portal.policy_tables.models import DecisionFollowUp

        rows = db.session.scalars(
            select(DecisionFollowUp).where(DecisionFollowUp.decision_id == obj.id).order_by(DecisionFollowUp.id)
        )
        return dump_with(FollowUpDumpSchema, rows, many=True)


def _kbo(value: str) -> None:
    """Refuse a KBO number that is not 10 digits with a valid mod-97 check (empty is fine)."""
    from marshmallow import ValidationError

    from portal.procurement.validators import kbo_error

    if value and value.strip():
        message = kbo_error(value)
        if message:
            raise ValidationError(message)


class CreateCooperationSchema(Schema):
    """Load an existing cooperation for the region's inventory."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_msg(_l("De naam moet tussen 3 en 200 tekens lang zijn."))),
        error_messages={"required": _msg(_l("Vul een naam in."))},
    )
    legal_form = fields.String(
        required=True,
        validate=validate.OneOf(list(LEGAL_FORMS), error=_msg(_l("Kies een rechtsvorm."))),
        error_messages={"required": _msg(_l("Kies een rechtsvorm."))},
    )
    region_id = fields.Integer(
        required=True,
        error_messages={
            "required": _msg(_l("Kies het samenwerkingsverband.")),
            "invalid": _msg(_l("Kies het samenwerkingsverband.")),
        },
    )
    domain = fields.String(load_default="", validate=validate.Length(max=200))
    partner_ids = fields.List(
        fields.Integer(error_messages={"invalid": _msg(_l("Onbekend partnerbestuur."))}), load_default=list
    )
    other_partners = fields.String(load_default="", validate=validate.Length(max=500))
    kbo_number = fields.String(load_default="", validate=[validate.Length(max=20), _kbo])
    started_on = fields.Date(
        load_default=None, allow_none=True, error_messages={"invalid": _msg(_l("Ongeldige datum."))}
    )
    contact = fields.String(load_default="", validate=validate.Length(max=300))


class UpdateCooperationSchema(Schema):
    """Load a partial update of a cooperation (the region stays)."""

    name = fields.String(validate=validate.Length(min=3, max=200))
    legal_form = fields.String(validate=validate.OneOf(list(LEGAL_FORMS)))
    domain = fields.String(validate=validate.Length(max=200))
    partner_ids = fields.List(fields.Integer())
    other_partners = fields.String(validate=validate.Length(max=500))
    kbo_number = fields.String(validate=[validate.Length(max=20), _kbo])
    started_on = fields.Date(allow_none=True)
    contact = fields.String(validate=validate.Length(max=300))


def _score() -> Any:
    return fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=5, error=_msg(_l("Geef een score van 1 tot 5."))),
        error_messages={
            "required": _msg(_l("Geef een score van 1 tot 5.")),
            "invalid": _msg(_l("Geef een score van 1 tot 5.")),
        },
    )


class CreateCooperationEvaluationSchema(Schema):
    """Load an evaluation of a cooperation at a table meeting."""

    meeting_id = fields.Integer(
        load_default=None,
        allow_none=True,
        error_messages={"invalid": _msg(_l("Kies de vergadering van de evaluatie."))},
    )
    score_effectiveness = _score()
    score_efficiency = _score()
    score_service = _score()
    score_governance = _score()
    notes = fields.String(load_default="", validate=validate.Length(max=20000))
    recommendation = fields.String(
        required=True,
        validate=validate.OneOf(list(RECOMMENDATIONS), error=_msg(_l("Kies een aanbeveling."))),
        error_messages={"required": _msg(_l("Kies een aanbeveling."))},
    )


class CooperationSchema(Schema):
    """Dump a cooperation of the inventory."""

    id = fields.Integer()
    name = fields.String()
    legal_form = fields.String()
    domain = fields.String()
    region_id = fields.Integer(allow_none=True)
    partner_ids = fields.List(fields.Integer())
    other_partners = fields.String()
    kbo_number = fields.String()
    started_on = fields.Date(allow_none=True)
    contact = fields.String()
    registered_by = owner_ref()


class CooperationEvaluationSchema(Schema):
    """Dump one evaluation of a cooperation."""

    id = fields.Integer()
    cooperation_id = fields.Integer()
    meeting_id = fields.Integer()
    score_effectiveness = fields.Integer()
    score_efficiency = fields.Integer()
    score_service = fields.Integer()
    score_governance = fields.Integer()
    notes = fields.String()
    recommendation = fields.String()
    created_at = fields.DateTime()


class InviteGuestSchema(Schema):
    """Load an external expert invited by e-mail."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error=_msg(_l("Vul de naam van de expert in."))),
        error_messages={"required": _msg(_l("Vul de naam van de expert in."))},
    )
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254),
        error_messages={"required": _msg(_l("Vul een e-mailadres in.")), "invalid": _msg(_l("Ongeldig e-mailadres."))},
    )
    organisation = fields.String(load_default="", validate=validate.Length(max=200))


class RsvpSchema(Schema):
    """Load an answer to a meeting invitation."""

    answer = fields.String(
        required=True,
        validate=validate.OneOf(list(RSVP_ANSWERS), error=_msg(_l("Kies of je komt."))),
        error_messages={"required": _msg(_l("Kies of je komt."))},
    )
    note = fields.String(load_default="", validate=validate.Length(max=300))


class AttendanceSchema(Schema):
    """Load the people present at a meeting."""

    user_ids = fields.List(
        fields.Integer(error_messages={"invalid": _msg(_l("Onbekende deelnemer aan deze vergadering."))}),
        load_default=list,
    )
    guest_ids = fields.List(
        fields.Integer(error_messages={"invalid": _msg(_l("Onbekende deelnemer aan deze vergadering."))}),
        load_default=list,
    )


class CreateChallengeSchema(Schema):
    """Load a common challenge or opportunity."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200, error=_msg(_l("De titel moet tussen 3 en 200 tekens lang zijn."))),
        error_messages={"required": _msg(_l("Vul een titel in."))},
    )
    description_html = fields.String(load_default="", validate=validate.Length(max=20000))


class MoveChallengeSchema(Schema):
    """Load the next status of a challenge (with the resulting cooperation when it started)."""

    status = fields.String(
        required=True,
        validate=validate.OneOf(list(CHALLENGE_STATUSES), error=_msg(_l("Kies een geldige status."))),
        error_messages={"required": _msg(_l("Kies een geldige status."))},
    )
    result_kind = fields.String(
        load_default="",
        validate=validate.OneOf(["", *RESULT_KINDS], error=_msg(_l("Kies het soort samenwerking."))),
    )
    result_link = fields.String(load_default="", validate=validate.Length(max=500))
    result_note = fields.String(load_default="", validate=validate.Length(max=300))


class ChallengeSchema(Schema):
    """Dump a challenge of a table."""

    id = fields.Integer()
    table_id = fields.Integer()
    title = fields.String()
    description_html = fields.String()
    status = fields.String()
    result_kind = fields.String()
    result_link = fields.String()
    result_note = fields.String()
    raised_by = owner_ref()


class CreateDocumentSchema(Schema):
    """Load the title of an uploaded library document (the file comes separately)."""

    title = fields.String(load_default="", validate=validate.Length(max=200))
