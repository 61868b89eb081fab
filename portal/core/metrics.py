"""Count the SQL statements of each request (benchmarks and query-count tests)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

HEADER = "X-SQL-Statements"


def _count(*_args: Any) -> None:
    if has_request_context():
        g.sql_statements = g.get("sql_statements", 0) + 1


def _header(response: Response) -> Response:
    response.headers[HEADER] = str(g.get("sql_statements", 0))
    return response


def count_statements(app: Flask) -> None:
    """Add the ``X-SQL-Statements`` header to every response of ``app``."""
    if not event.contains(Engine, "before_cursor_execute", _count):
        event.listen(Engine, "before_cursor_execute", _count)
    app.after_request(_header)
