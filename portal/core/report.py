"""The shape every module's council-report section takes, and the cells and figures it is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NotRequired, TypedDict

from tenants.context import BRUSSELS


@dataclass(frozen=True)
class ReportPeriod:
    """The municipality and period a section is gathered for (inside that tenant's context)."""

    tenant_id: int
    start: date
    end: date
    #: Sections of the previous report by key (its stored snapshot), for "since last time" figures.
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)

    def moments(self) -> tuple[datetime, datetime]:
        """Return the period as aware moments: from start 00:00 to the day after end, in Brussels."""
        return (
            datetime.combine(self.start, time(0), BRUSSELS).astimezone(UTC),
            datetime.combine(self.end + timedelta(days=1), time(0), BRUSSELS).astimezone(UTC),
        )

    def contains(self, value: date | datetime | None) -> bool:
        """Tell whether a date (or a moment, by its date in Brussels) falls in the period."""
        if value is None:
            return False
        if isinstance(value, datetime):
            value = value.astimezone(BRUSSELS).date()
        return self.start <= value <= self.end

    def overlaps(self, starts_on: date, ends_on: date) -> bool:
        """Tell whether [starts_on, ends_on] overlaps the period."""
        return starts_on <= self.end and ends_on >= self.start


class Figure(TypedDict):
    """One labelled number (kind number or money)."""

    label: str
    value: Any
    kind: str


class Table(TypedDict):
    """A captioned table; cells are plain values or {"date": iso} / {"money": amount}."""

    caption: str
    headers: list[str]
    rows: list[list[Any]]
    empty: str


class Section(TypedDict):
    """One section of the report snapshot, as stored (schema 1)."""

    key: str
    title: str
    key_figures: list[Figure]
    figures: NotRequired[list[Figure]]
    tables: NotRequired[list[Table]]
    chart: NotRequired[dict[str, Any]]
    levels: NotRequired[dict[str, int]]


def figure(label: str, value: Any, kind: str = "number") -> Figure:
    """Return a figure."""
    return {"label": label, "value": value, "kind": kind}


def table(caption: str, headers: list[str], rows: list[list[Any]], empty: str) -> Table:
    """Return a table."""
    return {"caption": caption, "headers": headers, "rows": rows, "empty": empty}


def date_cell(value: date | datetime | None) -> Any:
    """Return a table cell holding a date (a moment is shown as its date in Brussels)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(BRUSSELS).date()
    return {"date": value.isoformat()}


def names(tenants: Any) -> str:
    """Return the tenants' names, sorted and comma-separated."""
    return ", ".join(sorted(t.name for t in tenants))
