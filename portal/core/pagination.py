"""One pagination convention for pages and the API: ?page=1&per_page=25."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request
from sqlalchemy import Select, func, select

from portal.extensions import db

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of results with the totals the UI and the API show."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    def meta(self) -> dict[str, Any]:
        """Return the pagination block of an API response."""
        return {"page": self.page, "per_page": self.per_page, "total": self.total, "pages": self.pages}


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def paginate(stmt: Select[Any], *, per_page: int = 25, max_per_page: int = 100) -> Page[Any]:
    """Run ``stmt`` for the page named in the query string; bad numbers fall back safely."""
    page = _int_arg("page", 1, 1, 100_000)
    size = _int_arg("per_page", per_page, 1, max_per_page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(size).offset((page - 1) * size)))
    return Page(items=items, page=page, per_page=size, total=total)


def paginate_list(items: list[T], *, per_page: int = 25, max_per_page: int = 100) -> Page[T]:
    """Cut the page named in the query string out of an already computed list (same convention)."""
    page = _int_arg("page", 1, 1, 100_000)
    size = _int_arg("per_page", per_page, 1, max_per_page)
    return Page(items=items[(page - 1) * size : page * size], page=page, per_page=size, total=len(items))
