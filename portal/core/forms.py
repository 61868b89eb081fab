"""Helpers to feed HTML form posts through marshmallow schemas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from portal.core.unitofwork import attempt, fail
from portal.core.validation import messages_as_text

T = TypeVar("T")


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


def submit(
    schema: Schema, action: Callable[[dict[str, Any]], T], data: dict[str, Any] | None = None
) -> tuple[T | None, dict[str, Any]]:
    """Load the posted form (or ``data``, already shaped) with ``schema`` and run ``action`` on it.

    Return ``(result, {})``, or ``(None, errors)`` with nothing kept (the request's unit of work
    is marked failed): the caller shows the form again with what was typed and the errors, 422.
    """
    loaded, errors = load_data(schema, data) if data is not None else load_form(schema, request.form)
    if loaded is not None:
        valid = loaded
        result, errors, _status = attempt(lambda: action(valid))
        if result is not None:
            return result, {}
    fail()
    return None, errors


def _flatten(value: Any) -> list[str]:
    """Return every message below one form field (list items and nested fields included)."""
    if isinstance(value, dict):
        return [m for inner in value.values() for m in _flatten(inner)]
    return list(dict.fromkeys(value))
