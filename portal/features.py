"""Find the feature modules that are installed and plug them into the app, API, worker and demo."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from flask import Flask

#: Feature packages under ``portal/`` in navigation order. A package that exists is plugged in
#: by convention, so a new module touches no shared file to register itself:
#:   portal/<name>/views.py  ``bp``: Blueprint named <name> with an ``index`` endpoint (navigation);
#:                           a large module's views/ package re-exports it (ADR 0024)
#:   portal/<name>/api.py    ``blp``: flask-smorest Blueprint under /api/v1
#:   portal/<name>/demo.py   ``load() -> int``: idempotent demo content (runs after the core demo)
#:   portal/<name>/report.py ``section(period) -> Section``: its part of the council report
#:   portal/<name>/dashboard.py ``card() -> Card | None``: its card on the dashboard (for the signed-in user)
#:   tasks/<name>.py         Celery tasks; an optional ``SCHEDULE`` dict joins the beat schedule
FEATURES = ("policy_tables", "hr", "rentals", "procurement", "agreements", "alignment", "plans", "reports")


def _exists(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def installed() -> list[str]:
    """Return the feature packages that exist, in navigation order."""
    return [name for name in FEATURES if _exists(f"portal.{name}")]


def _optional(name: str) -> ModuleType | None:
    return importlib.import_module(name) if _exists(name) else None


def register_views(app: Flask) -> None:
    """Register every installed feature's HTML blueprint (its ``index`` becomes its menu entry's link)."""
    # The menu reads the app's endpoints (portal.core.templating.navigation): nothing to set here.
    for name in installed():
        views = _optional(f"portal.{name}.views")
        if views is not None:
            app.register_blueprint(views.bp)


def api_blueprints() -> list[Any]:
    """Return the flask-smorest blueprints of the installed features."""
    found = []
    for name in installed():
        api = _optional(f"portal.{name}.api")
        if api is not None:
            found.append(api.blp)
    return found


def task_modules() -> list[str]:
    """Return the Celery task modules of the installed features."""
    return [f"tasks.{name}" for name in installed() if _exists(f"tasks.{name}")]


def beat_schedule() -> dict[str, Any]:
    """Merge the ``SCHEDULE`` of every feature task module."""
    schedule: dict[str, Any] = {}
    for module_name in task_modules():
        schedule.update(getattr(importlib.import_module(module_name), "SCHEDULE", {}))
    return schedule


def demo_loaders() -> list[tuple[str, Callable[[], int]]]:
    """Return ``(name, load)`` for every installed feature with demo content."""
    loaders = []
    for name in installed():
        demo = _optional(f"portal.{name}.demo")
        if demo is not None:
            loaders.append((name, demo.load))
    return loaders


def report_sections() -> list[tuple[str, Callable[[Any], Any]]]:
    """Return ``(key, build)`` for every section the installed features offer to the council report.

    ``portal/<name>/report.py`` offers ``section(period) -> Section`` under the key ``<name>``
    and may offer more in ``MORE_SECTIONS`` (key -> build), listed right after it.
    """
    found: list[tuple[str, Callable[[Any], Any]]] = []
    for name in installed():
        report = _optional(f"portal.{name}.report")
        if report is None:
            continue
        found.append((name, report.section))
        found.extend(getattr(report, "MORE_SECTIONS", {}).items())
    return found


@dataclass(frozen=True)
class CardFigure:
    """One counted thing on a dashboard card, optionally a link."""

    label: str
    value: Any
    url: str | None = None
    #: Bootstrap colour of the number's badge: secondary (neutral), warning, danger, success.
    tone: str = "secondary"


@dataclass(frozen=True)
class CardItem:
    """One line of a dashboard card's list, optionally a link, with a short note."""

    text: str
    url: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Card:
    """What a feature shows on the dashboard: a title with a link, a few figures, a short list."""

    key: str
    title: str
    url: str
    link_label: str
    figures: list[CardFigure] = field(default_factory=list)
    items: list[CardItem] = field(default_factory=list)
    empty: str = ""


def dashboard_cards() -> list[Card]:
    """Return the cards the installed features offer the signed-in user, in navigation order.

    ``portal/<name>/dashboard.py`` offers ``card() -> Card | None``; it answers None for a user
    who may not read the feature, and must stay cheap: the dashboard is every user's first page.
    """
    cards = []
    for name in installed():
        module = _optional(f"portal.{name}.dashboard")
        if module is None:
            continue
        card = module.card()
        if card is not None:
            cards.append(card)
    return cards
