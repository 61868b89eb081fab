"""Refuse input no field can hold, before any view or schema sees it (ADR 0018).

One place for every route: NUL characters (PostgreSQL text cannot hold them), lone UTF-16
surrogates (no encoder can write them: the database driver, ``jsonify`` and the mailer all
raise) and JSON nested deeper than any schema of the portal (the parsers recurse and end in a
``RecursionError``). Each is a Dutch 400 problem / error page, and nothing is changed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request
from flask_babel import gettext as _

#: Deeper than any payload the API defines (a list of objects inside an object is depth 3).
MAX_JSON_DEPTH = 32

_SURROGATE = re.compile("[\ud800-\udfff]")


class InputRefused(ValueError):
    """The request's input cannot be processed; the message is Dutch."""


def bad_text(value: str) -> bool:
    """Tell whether ``value`` holds a NUL or a lone surrogate."""
    return "\x00" in value or _SURROGATE.search(value) is not None


def _check_pairs(pairs: Any) -> None:
    for key, value in pairs:
        if bad_text(str(key)) or bad_text(str(value)):
            raise InputRefused(_("De aanvraag bevat ongeldige tekens."))


def check_json(document: Any) -> None:
    """Refuse a decoded JSON document too deep or holding bad text (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise InputRefused(
                    _("De gegevens zijn te diep genest (hoogstens %(max)d niveaus).", max=MAX_JSON_DEPTH)
                )
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                if isinstance(key, str) and bad_text(key):
                    raise InputRefused(_("De aanvraag bevat ongeldige tekens."))
                stack.append((value, depth + 1))
        elif isinstance(node, str) and bad_text(node):
            raise InputRefused(_("De aanvraag bevat ongeldige tekens."))


def load_json(data: bytes | str) -> Any:
    """Decode ``data`` like ``json.loads``; refuse it (InputRefused) when it is too deep or bad."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise InputRefused(
            _("De gegevens zijn te diep genest (hoogstens %(max)d niveaus).", max=MAX_JSON_DEPTH)
        ) from None
    check_json(document)
    return document


def check_request(values: dict[str, Any] | None) -> None:
    """Refuse the current request when its URL, query, form or JSON body holds unusable input."""
    if values:
        _check_pairs(values.items())
    _check_pairs(request.args.items(multi=True))
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_pairs(request.form.items(multi=True))
    elif request.is_json:
        raw = request.get_data(cache=True)
        if not raw.strip():
            return
        try:
            load_json(raw)
        except InputRefused:
            raise
        except ValueError:  # not JSON at all: the view's own parser answers that with its 400
            return
