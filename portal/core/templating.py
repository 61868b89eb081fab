"""Jinja filters and globals: Belgian dates and money, navigation, notifications badge."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, request
from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal.core.roles import ROLE_LABELS

# Navigation to the modules; a module that has not landed yet shows as "binnenkort".
MODULES: list[dict[str, Any]] = [
    {"key": "dashboard", "label": _l("Overzicht"), "endpoint": "dashboard.index"},
    {"key": "policy_tables", "label": _l("Beleidstafels"), "endpoint": None},
    {"key": "hr", "label": _l("Gedeelde HR"), "endpoint": None},
    {"key": "rentals", "label": _l("Materieel en zalen"), "endpoint": None},
    {"key": "procurement", "label": _l("Gezamenlijke aankoop"), "endpoint": None},
    {"key": "agreements", "label": _l("Overeenkomsten"), "endpoint": None},
    {"key": "reports", "label": _l("Rapporten"), "endpoint": None},
]


def fmt_date(value: date | datetime | None, fmt: str = "medium") -> str:
    """Format a date the Belgian way (e.g. 22 nov. 2026)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "d MMM y" if fmt == "medium" else fmt)
    return format_date(value, fmt)


def fmt_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """Format a moment in Europe/Brussels (e.g. 22 nov. 2026 14:30)."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM y HH:mm" if fmt == "medium" else fmt)


def fmt_money(value: Decimal | float | int | None) -> str:
    """Format an amount in euro the Belgian way (e.g. € 1.234,50)."""
    if value is None:
        return ""
    return format_currency(value, "EUR")


def fmt_number(value: Decimal | float | int | None) -> str:
    """Format a number with Belgian separators."""
    if value is None:
        return ""
    return format_decimal(value)


def _context() -> dict[str, Any]:
    unread = 0
    if current_user and current_user.is_authenticated:
        from portal.core.notifications import unread_count
        from portal.extensions import db

        if "unread_count" not in g:
            g.unread_count = unread_count(db.session(), current_user.id)
        unread = g.unread_count
    return {
        "modules": MODULES,
        "role_labels": ROLE_LABELS,
        "unread_count": unread,
        "current_locale": str(get_locale() or "nl_BE"),
        "html_lang": "nl-BE" if str(get_locale() or "nl_BE").startswith("nl") else "en",
        "active_module": (request.blueprint or "").split(".")[0] if request else "",
    }


def init_templating(app: Flask) -> None:
    """Register filters and the template context."""
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["datetime"] = fmt_datetime
    app.jinja_env.filters["money"] = fmt_money
    app.jinja_env.filters["number"] = fmt_number
    app.jinja_env.globals["Markup"] = Markup
    app.context_processor(_context)
