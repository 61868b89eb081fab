"""Helpers to feed HTML form posts through marshmallow schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from portal.core.validation import messages_as_text


def form_to_dict(form: MultiDict[str, str], schema: Schema) -> dict[str, Any]:
    """Turn a posted form into schema input: lists for List fields, booleans for checkboxes."""
    from marshmallow import fields

    data: dict[str, Any] = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if isinstance(field, fields.List):
            data[key] = [v for v in form.getlist(key) if v != ""]
        elif isinstance(field, fields.Boolean):
            data[key] = key in form and form.get(key) not in ("", "0", "false", "off")
        elif key in form:
            value = form.get(key)
            data[key] = None if value == "" and field.allow_none else value
    return data


def load_form(schema: Schema, form: MultiDict[str, str]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Return (data, {}) when valid, or (None, errors) with one message list per field."""
    return load_data(schema, form_to_dict(form, schema))


def load_data(schema: Schema, data: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Load already shaped input (e.g. a dict built from several form fields) like ``load_form``."""
    try:
        return schema.load(data), {}
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return None, {field: _flatten(value) for field, value in messages_as_text(messages).items()}


def _flatten(value: Any) -> list[str]:
    """Return every message below one form field (list items and nested fields included)."""
    if isinstance(value, dict):
        return [m for inner in value.values() for m in _flatten(inner)]
    return list(dict.fromkeys(value))
