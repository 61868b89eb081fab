"""Jinja filters and globals: Belgian dates and money, navigation, notifications badge."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    format_currency,
    format_date,
    format_decimal,
    format_time,
    get_locale,
    get_translations,
    to_user_timezone,
)
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from portal.core.roles import ROLE_LABELS


def _entry(key: str, label: Any, endpoint: str, match: tuple[str, ...] | None = None) -> Mapping[str, Any]:
    """Return one read-only menu entry."""
    return MappingProxyType({"key": key, "label": label, "endpoint": endpoint, "match": match})


# The menu in navigation order, read-only: each app shows it through navigation(app), where an
# entry whose page that app has not registered (a module that has not landed) is "binnenkort".
# ``match``: endpoint prefixes that mark the entry as the current page (default: the key's blueprint).
MODULES: tuple[Mapping[str, Any], ...] = (
    _entry("dashboard", _l("Overzicht"), "dashboard.index", ("dashboard.index",)),
    _entry(
        "announcements",
        _l("Mededelingen"),
        "dashboard.announcements",
        ("dashboard.announcement", "dashboard.new_announcement", "dashboard.edit_announcement"),
    ),
    _entry("policy_tables", _l("Beleidstafels"), "policy_tables.index"),
    _entry("hr", _l("Gedeelde HR"), "hr.index"),
    _entry("rentals", _l("Materieel en zalen"), "rentals.index"),
    _entry("procurement", _l("Gezamenlijke aankoop"), "procurement.index"),
    _entry("agreements", _l("Overeenkomsten"), "agreements.index"),
    _entry("alignment", _l("Afstemming"), "alignment.index"),
    _entry("plans", _l("Mijn meerjarenplan"), "plans.index"),
    _entry("reports", _l("Rapporten"), "reports.index"),
)

DEFAULT_BRAND_COLOUR = "#0b5394"


# Lists print the same days and amounts again and again, and a CLDR pattern costs tens of
# microseconds per call: the texts are kept per (value, format, language); the app's formats
# never change while it runs.
@lru_cache(maxsize=8192)
def _date_text(day: date, fmt: str, language: str) -> str:
    return str(format_date(day, fmt))


@lru_cache(maxsize=8192)
def _money_text(value: Decimal | float | int, language: str) -> str:
    return str(format_currency(value, "EUR"))


def _language() -> str:
    return str(get_locale() or "")


def fmt_date(value: date | datetime | None, fmt: str = "medium") -> str:
    """Format a date the Belgian way (CLDR nl_BE: 22 nov 2026; a moment is first put in Europe/Brussels)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return _date_text(value, fmt, _language())


def fmt_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """Format a moment in Europe/Brussels (nl_BE: 22 nov 2026 14:30; en: Nov 22, 2026 2:30 PM)."""
    if value is None:
        return ""
    local = to_user_timezone(value)
    return f"{format_date(local.date(), fmt)} {format_time(local, 'short')}"


def fmt_money(value: Decimal | float | int | None) -> str:
    """Format an amount in euro the Belgian way (e.g. € 1.234,50)."""
    if value is None:
        return ""
    return _money_text(value, _language())


def fmt_number(value: Decimal | float | int | None) -> str:
    """Format a number with Belgian separators."""
    if value is None:
        return ""
    return format_decimal(value)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a #RRGGBB colour."""
    hexa = colour.lstrip("#")
    r, g_, b = (int(hexa[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g_) + 0.0722 * _linear(b)


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio (1 to 21) between two #RRGGBB colours."""
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def brand_scheme(colour: str | None) -> str:
    """Return "dark" (white text) or "light" (black text) for a bar in the tenant's colour.

    One of white and black always reaches at least 4.5:1 (WCAG AA) on any colour, since the
    two ratios multiply to 21; white is preferred because most municipal colours are dark.
    """
    colour = colour if colour and _is_hex(colour) else DEFAULT_BRAND_COLOUR
    return "dark" if contrast_ratio("#ffffff", colour) >= 4.5 else "light"


def _is_hex(colour: str) -> bool:
    return len(colour) == 7 and colour[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in colour[1:])


def _active_module() -> str:
    endpoint = (request.endpoint or "") if has_request_context() else ""
    for module in MODULES:
        prefixes = module.get("match") or (f"{module['key']}.",)
        if any(endpoint.startswith(prefix) for prefix in prefixes):
            return str(module["key"])
    return ""


def navigation(app: Flask) -> tuple[Mapping[str, Any], ...]:
    """Return ``app``'s menu: an entry whose page the app lacks has no endpoint ("binnenkort")."""
    # Computed from the app itself, not stored in a shared list: two apps in one process (the
    # tests build several) each show their own modules.
    return tuple(
        entry if entry["endpoint"] in app.view_functions else MappingProxyType({**entry, "endpoint": None})
        for entry in MODULES
    )


def _modules() -> list[Mapping[str, Any]]:
    """Return the menu entries whose page the current user's roles admit (the expert sees none)."""
    from portal.core.access import rule_for

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    user = current_user._get_current_object() if has_request_context() else None  # type: ignore[attr-defined]
    if user is None or not user.is_authenticated:
        return list(navigation(app))
    # The menu depends on the app and the user's roles only: computed once per role set.
    menus: dict[frozenset[str], list[Mapping[str, Any]]] = app.extensions.setdefault("portal_menus", {})
    roles = frozenset(getattr(user, "roles", ()))
    menu = menus.get(roles)
    if menu is None:
        menu = []
        for module in navigation(app):
            rule = rule_for(app, module["endpoint"], "GET") if module.get("endpoint") else None
            if rule is None or rule.admits(user):
                menu.append(module)
        menus[roles] = menu
    return list(menu)


_CORE_LABELS = {"role_labels": ROLE_LABELS}


def _context() -> dict[str, Any]:
    unread = 0
    user = current_user._get_current_object() if has_request_context() else None  # type: ignore[attr-defined]
    if user is not None and user.is_authenticated:
        from portal.core.notifications import request_unread_count
        from portal.extensions import db

        unread = request_unread_count(db.session(), user.id)
    locale = str(get_locale() or "nl_BE")
    return {
        "modules": _modules(),
        **translated_labels(_CORE_LABELS),
        "unread_count": unread,
        "current_locale": locale,
        "html_lang": "nl-BE" if locale.startswith("nl") else "en",
        "active_module": _active_module(),
        "active_blueprint": (request.blueprint or "") if has_request_context() else "",
        # Read once per rendering by the templates' gettext below (instead of once per string).
        TRANSLATIONS_KEY: get_translations(),
    }


#: Label groups already translated, by (id of the group, language): the group itself (to tell a
#: reused id apart) and its translation. Groups are module constants, so this stays small; bounded
#: all the same.
_LABELS: dict[tuple[int, str], tuple[Mapping[str, Any], dict[str, Any]]] = {}
_LABELS_MAX = 256


def translated_labels(groups: Mapping[str, Any]) -> dict[str, Any]:
    """Return a blueprint's template labels with every lazy label translated, once per language.

    ``groups`` (a module constant) maps template names to label mappings (code to lazy label) or
    to anything else, passed as is. A lazy label costs a catalogue lookup each time a template
    prints it: a matrix or plan tree prints the same few labels hundreds of times per page.
    """
    language = str(get_locale() or "")
    key = (id(groups), language)
    found = _LABELS.get(key)
    if found is not None and found[0] is groups:
        return found[1]
    translated = {name: _translate_values(value) for name, value in groups.items()}
    if len(_LABELS) >= _LABELS_MAX:
        _LABELS.clear()
    _LABELS[key] = (groups, translated)
    return translated


def _translate_values(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {code: str(label) if isinstance(label, LazyString) else label for code, label in value.items()}
    return value


#: The template variable holding the rendering's translations.
TRANSLATIONS_KEY = "_portal_translations"


def _translations(context: Any) -> Any:
    found = context.get(TRANSLATIONS_KEY)
    return found if found is not None else get_translations()


@pass_context
def _template_gettext(context: Any, string: str) -> str:
    return str(_translations(context).ugettext(string))


@pass_context
def _template_ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    return str(_translations(context).ungettext(singular, plural, n))


@pass_context
def _template_pgettext(context: Any, ctx: str, string: str) -> str:
    return str(_translations(context).upgettext(ctx, string))


@pass_context
def _template_npgettext(context: Any, ctx: str, singular: str, plural: str, n: int) -> str:
    return str(_translations(context).unpgettext(ctx, singular, plural, n))


def _install_gettext(app: Flask) -> None:
    """Give the templates gettext callables that look the catalogue up once per rendering.

    Flask-Babel's own look the request's locale, domain and catalogue up again for every string
    (three context lookups and a locale formatted each time), a page has dozens. Same Jinja
    "newstyle" semantics (autoescaping, %-formatting with the keyword arguments).
    """
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        newstyle=True,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )


def init_templating(app: Flask) -> None:
    """Register filters and the template context."""
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["datetime"] = fmt_datetime
    app.jinja_env.filters["money"] = fmt_money
    app.jinja_env.filters["number"] = fmt_number
    app.jinja_env.globals["Markup"] = Markup
    app.jinja_env.globals["brand_scheme"] = brand_scheme
    app.context_processor(_context)
    _install_gettext(app)
