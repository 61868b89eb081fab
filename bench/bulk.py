"""Fast bulk loading for the modules' benchmark generators: PostgreSQL COPY with ids handed out here.

``copy_rows`` fills the columns a generator leaves out from the model's Python defaults (so a
column added later with a default needs no change in the generators), gives every row an id
from the table's sequence up front (so the two rows of a cross-tenant pair can point at each
other before either is written) and streams the rows with COPY, which is an order of magnitude
faster than INSERT for hundreds of thousands of rows.

``defer_indexes`` does what ``pg_restore`` does: the secondary indexes and exclusion constraints
are dropped before the load and built once afterwards from their own definitions (one sorted
build instead of millions of single-row insertions; at scale 10 the GiST exclusion constraint of
the rental bookings was most of the load). Primary keys and unique constraints stay in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, text

from portal.core.models import Base


def reserve_ids(conn: Connection, table: str, n: int) -> list[int]:
    """Take ``n`` consecutive ids from the sequence of ``table`` and return them."""
    if n <= 0:
        return []
    seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar_one()
    last = conn.execute(text("SELECT nextval(:s)"), {"s": seq}).scalar_one()
    # setval moves the sequence past the whole block: nextval above took the first id.
    conn.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": last + n - 1})
    return list(range(last, last + n))


def _default(column: Any) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    if default.is_scalar:
        return default.arg
    return None


def _filler(table: str) -> dict[str, Any]:
    """Return the columns of ``table`` that have a Python-side default."""
    t = Base.metadata.tables[table]
    return {c.name: c for c in t.columns if c.default is not None and c.name != "id"}


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def copy_rows(conn: Connection, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """COPY ``rows`` (dicts with an ``id``) into ``table``; missing columns get the model default.

    Columns with only a server default, or nullable ones, are left to the database. Returns
    the number of rows written.
    """
    rows = list(rows)
    if not rows:
        return 0
    t = Base.metadata.tables[table]
    given = list(dict.fromkeys(k for row in rows[:50] for k in row))
    unknown = [k for k in given if k not in t.columns]
    assert not unknown, f"{table} has no column {unknown}"
    # A column a model has but the migrated schema not yet (a module being written) is left out.
    existing = set(
        conn.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"), {"t": table}
        ).scalars()
    )
    fill = {name: col for name, col in _filler(table).items() if name not in given and name in existing}
    defaults = {name: _default(col) for name, col in fill.items()}
    columns = [*given, *fill]
    names = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    # Like pg_restore --disable-triggers: the generators write consistent rows (the tests check the
    # pairs and references), so the per-row foreign-key triggers only cost time at scale 10.
    # Check and exclusion constraints are not triggers and still hold.
    # bench.data.generate(check_foreign_keys=True) (the generators' test) keeps every check on.
    skip_fk = not conn.info.get("bench_check_foreign_keys", False)
    if skip_fk:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    # Only JSON columns need converting; doing it per cell instead doubles the time at scale 10.
    json_at = [i for i, c in enumerate(columns) if c in t.columns and isinstance(t.columns[c].type, JSON)]
    tail = tuple(defaults.values())
    # itemgetter picks a row's values in C: a quarter of the client's time at scale 10 was this loop.
    pick = itemgetter(*given)
    single = len(given) == 1
    with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
        for row in rows:
            try:
                picked = pick(row)
            except KeyError:  # a row without some of the columns: those are NULL
                picked = tuple(row.get(c) for c in given) if not single else row.get(given[0])
            values: tuple[Any, ...] = ((picked,) if single else picked) + tail
            if json_at:
                cells = list(values)
                for i in json_at:
                    cells[i] = _cell(cells[i])
                values = tuple(cells)
            copy.write_row(values)
    if skip_fk:
        conn.execute(text("SET LOCAL session_replication_role = DEFAULT"))
    return len(rows)


def defer_indexes(conn: Connection) -> list[str]:
    """Drop the non-unique indexes and the exclusion constraints of the schema; return the DDL rebuilding them.

    Primary keys and unique indexes stay (foreign keys and duplicates are still checked row by
    row); ``restore_indexes`` builds the rest again, which checks every exclusion constraint
    over the loaded rows, so a generator breaking one still fails the load.
    """
    rows = conn.execute(
        text(
            "SELECT 'x', format('ALTER TABLE %I DROP CONSTRAINT %I', t.relname, k.conname),"
            " format('ALTER TABLE %I ADD CONSTRAINT %I ', t.relname, k.conname) || pg_get_constraintdef(k.oid)"
            " FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
            " WHERE k.contype = 'x' AND t.relnamespace = current_schema()::regnamespace"
            " UNION ALL"
            " SELECT 'i', format('DROP INDEX %I', x.relname), pg_get_indexdef(i.indexrelid)"
            " FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
            " WHERE t.relnamespace = current_schema()::regnamespace AND NOT i.indisunique AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            " ORDER BY 1"
        )
    ).all()
    for _kind, drop, _create in rows:
        conn.execute(text(drop))
    return [create for _kind, _drop, create in rows]


def restore_indexes(conn: Connection, ddl: list[str]) -> None:
    """Build the indexes and constraints ``defer_indexes`` dropped."""
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for statement in ddl:
        conn.execute(text(statement))
