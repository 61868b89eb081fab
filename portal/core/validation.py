"""Dutch (translatable) defaults for marshmallow's built-in validation messages.

Imported by ``portal/__init__.py`` before any schema class exists: fields copy their class
defaults when they are created, so the defaults must be Dutch before the first field is made.
The messages are lazy strings, rendered in the user's language when they are shown.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

_FIELD_MESSAGES: dict[type[fields.Field], dict[str, Any]] = {
    fields.Field: {
        "required": _l("Dit veld is verplicht."),
        "null": _l("Dit veld mag niet leeg zijn."),
        "validator_failed": _l("Ongeldige waarde."),
    },
    fields.String: {"invalid": _l("Geef een tekst."), "invalid_utf8": _l("Geef een geldige tekst.")},
    fields.Number: {"invalid": _l("Geef een getal."), "too_large": _l("Dit getal is te groot.")},
    fields.Integer: {"invalid": _l("Geef een geheel getal.")},
    fields.Decimal: {"special": _l("Geef een gewoon getal.")},
    fields.Float: {"special": _l("Geef een gewoon getal.")},
    fields.Boolean: {"invalid": _l("Kies ja of nee.")},
    fields.DateTime: {
        "invalid": _l("Geef een geldige datum en tijd."),
        "invalid_awareness": _l("Geef een geldige datum en tijd."),
        "format": _l("Geef een geldige datum en tijd."),
    },
    fields.Date: {
        "invalid": _l("Geef een geldige datum (JJJJ-MM-DD)."),
        "invalid_awareness": _l("Geef een geldige datum (JJJJ-MM-DD)."),
        "format": _l("Geef een geldige datum (JJJJ-MM-DD)."),
    },
    fields.Time: {
        "invalid": _l("Geef een geldig tijdstip (UU:MM)."),
        "invalid_awareness": _l("Geef een geldig tijdstip (UU:MM)."),
        "format": _l("Geef een geldig tijdstip (UU:MM)."),
    },
    # Email and Url insist on a plain str (they hand it to their validator): Dutch only.
    fields.Email: {"invalid": "Geef een geldig e-mailadres."},
    fields.Url: {"invalid": "Geef een geldige URL."},
    fields.List: {"invalid": _l("Geef een lijst.")},
    fields.Mapping: {"invalid": _l("Geef een object.")},
    fields.Nested: {"type": _l("Ongeldig type.")},
    fields.UUID: {"invalid_uuid": _l("Geef een geldige UUID.")},
    fields.Enum: {"unknown": _l("Kies een van de mogelijke waarden.")},
}


#: Control characters no text may hold (C0 but tab and the line breaks, DEL, C1) and lone
#: surrogates (no encoder writes them).
_NEVER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: What a one-line field (a title, a name, an address: it may end up in a mail header) refuses too.
_LINE_BREAKS = re.compile("[\t\n\r\u0085\u2028\u2029]")
#: Fields that are text areas or rich text keep their line breaks; every other string is one line.
MULTILINE_NAMES = frozenset(
    {
        "body",
        "closing_days",
        "condition",
        "damage_report",
        "description",
        "foreword",
        "motivation",
        "note",
        "notes",
        "recommendation",
        "remarks",
        "selection_steps",
        "text",
    }
)
_MULTILINE_SUFFIXES = ("_html", "_note", "_notes", "_description", "_text", "_remarks", "_report", "_steps")


def is_multiline(field: fields.Field) -> bool:
    """Tell whether ``field`` may hold line breaks (``metadata={"multiline": True}`` says so too)."""
    if "multiline" in field.metadata:
        return bool(field.metadata["multiline"])
    name = field.name or ""
    return name in MULTILINE_NAMES or name.endswith(_MULTILINE_SUFFIXES)


def _check_text(field: fields.String, value: str) -> None:
    if _NEVER.search(value):
        raise ValidationError(str(_l("Deze tekst bevat ongeldige tekens.")))
    if not is_multiline(field) and _LINE_BREAKS.search(value):
        raise ValidationError(str(_l("Deze tekst moet op één regel staan (geen regeleinden of tabs).")))


_string_deserialize = fields.String._deserialize


def _deserialize_string(self: fields.String, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
    result = _string_deserialize(self, value, attr, data, **kwargs)
    if isinstance(result, str):
        _check_text(self, result)
    return result


def install() -> None:
    """Replace marshmallow's English default messages by Dutch lazy ones (idempotent)."""
    # Every string field of every schema (UI forms and API alike) refuses unusable text.
    fields.String._deserialize = _deserialize_string  # type: ignore[method-assign]
    for field_class, messages in _FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    Schema._default_error_messages = {
        "type": _l("Ongeldige invoer."),
        "unknown": _l("Onbekend veld."),
    }
    validate.Length.message_min = _l("Minstens {min} tekens.")
    validate.Length.message_max = _l("Hoogstens {max} tekens.")
    validate.Length.message_all = _l("Tussen {min} en {max} tekens.")
    validate.Length.message_equal = _l("Precies {equal} tekens.")
    validate.OneOf.default_message = _l("Kies een van de mogelijke waarden.")
    validate.Email.default_message = _l("Geef een geldig e-mailadres.")
    validate.URL.default_message = _l("Geef een geldige URL.")
    validate.Regexp.default_message = _l("Deze waarde heeft niet de juiste vorm.")
    validate.NoneOf.default_message = _l("Ongeldige waarde.")
    validate.Equal.default_message = _l("Ongeldige waarde.")
    validate.ContainsOnly.default_message = _l("Kies alleen uit de mogelijke waarden.")
    # Range fills in the operator when a validator is made, so the bounds keep doubled braces.
    validate.Range.message_min = _l("Moet {min_op} {{min}} zijn.")
    validate.Range.message_max = _l("Moet {max_op} {{max}} zijn.")
    validate.Range.message_all = _l("Moet {min_op} {{min}} en {max_op} {{max}} zijn.")
    validate.Range.message_gte = _l("minstens")
    validate.Range.message_gt = _l("groter dan")
    validate.Range.message_lte = _l("hoogstens")
    validate.Range.message_lt = _l("kleiner dan")


install()


def messages_as_text(messages: Any) -> Any:
    """Render lazy messages in the current language, each field's messages as a list of text.

    marshmallow wraps only ``str`` messages in a list, so a lazy message arrives bare.
    """
    if isinstance(messages, dict):
        return {key: messages_as_text(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [messages_as_text(m) if isinstance(m, dict) else str(m) for m in messages]
    return [str(messages)]
