"""Count and record the SQL statements the database receives inside a block (statement budgets)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from portal.extensions import db


class Statements:
    """Record the statements sent to the app's engine inside the ``with`` block.

    ``only`` keeps just the statements that contain it (e.g. ``"plan_"`` for one module's tables).
    """

    def __init__(self, only: str | None = None) -> None:
        self.only = only
        self.sql: list[str] = []

    @property
    def count(self) -> int:
        """Return how many statements were recorded."""
        return len(self.sql)

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.only is None or self.only in statement:
            self.sql.append(statement)

    def __enter__(self) -> Statements:
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(db.engine, "before_cursor_execute", self._record)
