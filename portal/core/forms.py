"""Helpers to feed HTML form posts through marshmallow schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict


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
    raw = form_to_dict(form, schema)
    try:
        return schema.load(raw), {}
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return None, messages
