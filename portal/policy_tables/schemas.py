"""Marshmallow schemas of policy tables, meetings, agenda items and actions (forms and API)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from portal.core.schemas import TenantRefSchema
from portal.policy_tables.models import ACTION_STATUSES, FOLLOW_UP_STATUSES, ITEM_KINDS, THEMES


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


class UpdateTableSchema(Schema):
    """Load a partial update of a table."""

    name = fields.String(validate=validate.Length(min=3, max=200))
    theme = fields.String(validate=validate.OneOf(list(THEMES)))
    description_html = fields.String(validate=validate.Length(max=20000))
    secretary_name = fields.String(validate=validate.Length(max=200))
    secretary_email = fields.Email(allow_none=True, validate=validate.Length(max=254))


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
    chair = fields.Nested(TenantRefSchema, attribute="tenant")


class AgendaItemSchema(Schema):
    """Dump an agenda item."""

    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    title = fields.String()
    description_html = fields.String()
    owner = fields.Nested(TenantRefSchema, attribute="owner_tenant")


class MeetingSchema(Schema):
    """Dump a meeting with its agenda."""

    id = fields.Integer()
    table_id = fields.Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    location = fields.String()
    online_url = fields.String()
    agenda_published_at = fields.DateTime(allow_none=True)
    agenda = fields.Method("get_agenda")

    def get_agenda(self, obj: Any) -> Any:
        """Return the ordered agenda items."""
        from portal.policy_tables.operations import agenda_of

        return AgendaItemSchema(many=True).dump(agenda_of(obj))


class ActionSchema(Schema):
    """Dump an action item."""

    id = fields.Integer()
    table_id = fields.Integer()
    meeting_id = fields.Integer()
    title = fields.String()
    owner = fields.Nested(TenantRefSchema, attribute="owner_tenant")
    owner_person = fields.String()
    due_on = fields.Date(allow_none=True)
    status = fields.String()
