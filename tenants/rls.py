"""PostgreSQL row-level security: the second wall behind the ORM scoping.

The runtime role owns no table; every tenant table has ``FORCE ROW LEVEL SECURITY`` and
policies that read the acting tenant from ``current_setting('app.tenant_id')``, set per
transaction with ``set_config(..., true)`` when a session begins and whenever the tenant
context changes inside it.

This module also generates the DDL the migrations run (policies, runtime grants, the
append-only trigger), so every table gets the same wall. How a module adds RLS for a new
table, in the migration that creates it (after ``op.create_table``)::

    from alembic import op
    from tenants import rls

    def upgrade():
        ...  # op.create_table("vacancies", ...)
        if op.get_bind().dialect.name == "postgresql":
            for statement in rls.shareable_policies("vacancies", "vacancy", "hr"):
                op.execute(statement)
            # or, for a TenantOwned model: rls.owner_policies("applications")

    def downgrade():
        if op.get_bind().dialect.name == "postgresql":
            for statement in rls.drop_policies("vacancies"):
                op.execute(statement)
        ...  # op.drop_table("vacancies")

Use ``shareable_policies(table, __share_type__, __share_domain__)`` for a ``Shareable``
model (the values of its class attributes, written out literally so the migration stays
frozen) and ``owner_policies(table)`` for a ``TenantOwned`` one. Grants need nothing: the
runtime role receives SELECT/INSERT/UPDATE/DELETE on new tables through the default
privileges migration 0002 set for the owner role. ``tests/test_postgres_rls.py`` fails for
any ``TenantScoped`` model whose table lacks enabled and forced RLS.

On SQLite a batch migration that rebuilds ``audit_entries`` drops its triggers: run
``append_only_triggers("audit_entries", "sqlite")`` again after it.

Writes obey the same rule as the ORM: only the owner tenant inserts, changes or deletes its
rows; code that must write rows of several tenants (e.g. grants of every party of an
agreement) enters each owner's tenant context in turn. Change these generators only in
backward-compatible ways: earlier migrations call them too.
"""

from __future__ import annotations

import os
import re
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session

from tenants.context import current_context

_SET = text("SELECT set_config('app.tenant_id', :tenant, true), set_config('app.today', :today, true)")


def _wanted(session: Session) -> tuple[int, str, str]:
    # The record names the session: two sessions can share one connection (the test harness binds
    # every app's session to one connection), and one's savepoint rollback undoes what the other set.
    ctx = current_context()
    if ctx is None or ctx.tenant_id is None:
        return session.hash_key, "", ""
    return session.hash_key, str(ctx.tenant_id), ctx.today.isoformat()


def _apply(session: Session, connection: Any) -> None:
    wanted = _wanted(session)
    if session.info.pop("portal_rls_stale", False):
        connection.info.pop("portal_rls", None)
    if connection.info.get("portal_rls") != wanted:
        connection.execute(_SET, {"tenant": wanted[1], "today": wanted[2]})
        connection.info["portal_rls"] = wanted


def _after_begin(session: Session, transaction: Any, connection: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.info.pop("portal_rls", None)
        if _wanted(session)[1:] == ("", "") and not transaction.nested:
            # No tenant: nothing to set, the settings are transaction-local (set_config(..., true))
            # and a new transaction starts without them. Saves a round trip per such transaction
            # (the session read at the start of every request, tasks outside a tenant).
            connection.info["portal_rls"] = (session.hash_key, "", "")
            return
        _apply(session, connection)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    # Rolling back a SAVEPOINT also undoes a set_config() made inside it: forget what we set.
    if transaction.nested:
        session.info["portal_rls_stale"] = True


def _before_execute(state: ORMExecuteState) -> None:
    # The tenant context can change inside one transaction (tasks, CLI loops).
    if state.session.get_bind().dialect.name == "postgresql":
        _apply(state.session, state.session.connection())


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.get_bind().dialect.name == "postgresql":
        _apply(session, session.connection())


def preset_columns(tenant_id: Any, today: str) -> list[Any]:
    """Return SELECT columns that set the RLS settings to ``tenant_id`` (a SQL column) and ``today``.

    For the first statement of a request that reads the acting tenant anyway (the user loader):
    it then needs no ``set_config`` round trip of its own. The statement must read no table with
    row-level security (the settings change while it runs); call :func:`mark_preset` after it.
    """
    from sqlalchemy import String, cast, func, literal

    return [
        func.set_config("app.tenant_id", cast(tenant_id, String), True),
        func.set_config("app.today", literal(today), True),
    ]


def mark_preset(session: Session, tenant_id: int | None, today: str) -> None:
    """Record what a statement with :func:`preset_columns` set on the session's connection.

    Only a record: ``_apply`` compares it with the tenant context before the next statement and
    sends ``set_config`` when they differ (another tenant, no tenant, another day).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql" and not session.info.get("portal_rls_stale"):
        connection.info["portal_rls"] = (session.hash_key, "" if tenant_id is None else str(tenant_id), today)


def enabled(session: Session) -> bool:
    """Tell whether ``session``'s PostgreSQL connections keep the RLS settings (see :func:`install`)."""
    return session.get_bind().dialect.name == "postgresql" and event.contains(Session, "after_begin", _after_begin)


def install(engine: Engine) -> None:
    """Keep ``app.tenant_id`` in step with the tenant context on every PostgreSQL session."""
    if engine.dialect.name != "postgresql":
        return
    if not event.contains(Session, "after_begin", _after_begin):
        event.listen(Session, "after_begin", _after_begin)
        event.listen(Session, "do_orm_execute", _before_execute)
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_transaction_end", _after_transaction_end)


# -- DDL for the migrations -------------------------------------------------------------------

#: The acting tenant, or NULL outside any tenant context (then no tenant row matches).
TENANT_SQL = "NULLIF(current_setting('app.tenant_id', true), '')::int"
#: The acting context's date in Brussels (memberships are dated); today's date if unset.
TODAY_SQL = "COALESCE(NULLIF(current_setting('app.today', true), '')::date, current_date)"
DEFAULT_RUNTIME_ROLE = "portal_app"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_COMMANDS = ("select", "insert", "update", "delete")


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"not a plain lower-case SQL name: {value!r}")
    return value


def quote_ident(value: str) -> str:
    """Quote an identifier (role or schema name) for DDL."""
    return '"' + value.replace('"', '""') + '"'


def runtime_role() -> str:
    """Return the runtime role's name (``PORTAL_DB_APP_ROLE``, default ``portal_app``)."""
    return os.environ.get("PORTAL_DB_APP_ROLE") or DEFAULT_RUNTIME_ROLE


def _enable(table: str) -> list[str]:
    return [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY", f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"]


def _owner_writes(table: str) -> list[str]:
    own = f"{table}.tenant_id = {TENANT_SQL}"
    return [
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({own})",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({own}) WITH CHECK ({own})",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({own})",
    ]


def owner_policies(table: str) -> list[str]:
    """Return DDL that lets only the owner tenant read and write rows of ``table`` (TenantOwned)."""
    table = _name(table)
    return [
        *_enable(table),
        f"CREATE POLICY {table}_select ON {table} FOR SELECT USING ({table}.tenant_id = {TENANT_SQL})",
        *_owner_writes(table),
    ]


def shareable_visibility_sql(table: str, share_type: str, domain: str) -> str:
    """Return the SQL twin of ``tenants.scoping.shareable_visibility`` for rows of ``table``.

    Own rows; region-shared rows while viewer and owner are both current members of the
    row's region; partner-shared rows with an active grant for the row or its domain.
    """
    t, share_type, domain = _name(table), _name(share_type), _name(domain)
    # Names are checked by _name(), so interpolating them is safe.
    return (
        f"({t}.tenant_id = {TENANT_SQL}"  # noqa: S608
        f" OR ({t}.audience = 'region' AND EXISTS ("
        f"SELECT 1 FROM region_memberships AS m_viewer, region_memberships AS m_owner"
        f" WHERE m_viewer.region_id = {t}.region_id AND m_viewer.tenant_id = {TENANT_SQL}"
        f" AND m_viewer.joined_on <= {TODAY_SQL}"
        f" AND (m_viewer.left_on IS NULL OR m_viewer.left_on > {TODAY_SQL})"
        f" AND m_owner.region_id = {t}.region_id AND m_owner.tenant_id = {t}.tenant_id"
        f" AND m_owner.joined_on <= {TODAY_SQL}"
        f" AND (m_owner.left_on IS NULL OR m_owner.left_on > {TODAY_SQL})))"
        f" OR ({t}.audience = 'partners' AND EXISTS ("
        f"SELECT 1 FROM share_grants AS g"
        f" WHERE g.tenant_id = {t}.tenant_id AND g.grantee_tenant_id = {TENANT_SQL}"
        f" AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > now())"
        f" AND ((g.object_type = '{share_type}' AND g.object_id = {t}.id) OR g.domain = '{domain}'))))"
    )


def shareable_policies(table: str, share_type: str, domain: str) -> list[str]:
    """Return DDL for a Shareable table: reads own + shared, writes owner only."""
    table = _name(table)
    visible = shareable_visibility_sql(table, share_type, domain)
    return [
        *_enable(table),
        f"CREATE POLICY {table}_select ON {table} FOR SELECT USING {visible}",
        *_owner_writes(table),
    ]


def child_policies(
    table: str,
    parent: str,
    fk: str,
    *,
    readers: str | None = None,
    parent_writes: bool = True,
    own_column: str | None = None,
    own_commands: tuple[str, ...] = (),
) -> list[str]:
    """Return DDL for rows that belong to a parent row (e.g. the parties of an agreement).

    A row is readable while its parent is readable (the parent's own policies apply inside the
    check), narrowed by ``readers`` (SQL over ``{t}``, the child table) when given. The parent's
    owner writes the rows (unless ``parent_writes`` is false); with ``own_column``, the tenant
    named in that column also runs ``own_commands`` on its own rows (e.g. a party recording its
    own decision), on visible parents and within ``readers``.
    """
    t, p, f = _name(table), _name(parent), _name(fk)
    parent_visible = f"EXISTS (SELECT 1 FROM {p} WHERE {p}.id = {t}.{f})"  # noqa: S608
    parent_owned = f"EXISTS (SELECT 1 FROM {p} WHERE {p}.id = {t}.{f} AND {p}.tenant_id = {TENANT_SQL})"  # noqa: S608
    narrowed = parent_visible if readers is None else f"{parent_visible} AND ({readers.format(t=t)})"
    statements = [*_enable(t), f"CREATE POLICY {t}_select ON {t} FOR SELECT USING ({narrowed})"]
    for command in ("insert", "update", "delete"):
        allowed = [parent_owned] if parent_writes else []
        if own_column is not None and command in own_commands:
            allowed.append(f"({narrowed} AND {t}.{_name(own_column)} = {TENANT_SQL})")
        check = " OR ".join(allowed) or "false"
        if command == "insert":
            statements.append(f"CREATE POLICY {t}_insert ON {t} FOR INSERT WITH CHECK ({check})")
        elif command == "update":
            statements.append(f"CREATE POLICY {t}_update ON {t} FOR UPDATE USING ({check}) WITH CHECK ({check})")
        else:
            statements.append(f"CREATE POLICY {t}_delete ON {t} FOR DELETE USING ({check})")
    return statements


def share_grant_policies(table: str = "share_grants") -> list[str]:
    """Return DDL for grants: owner and grantee read them, only the owner writes them."""
    table = _name(table)
    return [
        *_enable(table),
        f"CREATE POLICY {table}_select ON {table} FOR SELECT"
        f" USING ({table}.tenant_id = {TENANT_SQL} OR {table}.grantee_tenant_id = {TENANT_SQL})",
        *_owner_writes(table),
    ]


def append_only_policies(table: str) -> list[str]:
    """Return DDL for a log: the tenant reads its rows, appends own or platform (NULL) rows; no edits."""
    table = _name(table)
    return [
        *_enable(table),
        f"CREATE POLICY {table}_select ON {table} FOR SELECT USING ({table}.tenant_id = {TENANT_SQL})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT"
        f" WITH CHECK ({table}.tenant_id = {TENANT_SQL} OR {table}.tenant_id IS NULL)",
    ]


def drop_policies(table: str) -> list[str]:
    """Return DDL that removes what the ``*_policies`` generators created on ``table``."""
    table = _name(table)
    return [
        *(f"DROP POLICY IF EXISTS {table}_{command} ON {table}" for command in _COMMANDS),
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


def grant_runtime(role: str, schema: str) -> list[str]:
    """Return DDL giving the runtime role DML (not ownership) on every table, now and later."""
    r, s = quote_ident(role), quote_ident(schema)
    return [
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        # Tables later migrations create (as this same owner role) get the same grants.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]


def revoke_runtime(role: str, schema: str) -> list[str]:
    """Return DDL undoing ``grant_runtime``."""
    r, s = quote_ident(role), quote_ident(schema)
    return [
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE USAGE, SELECT ON SEQUENCES FROM {r}",  # noqa: S608
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"REVOKE USAGE ON SCHEMA {s} FROM {r}",
    ]


def append_only_triggers(table: str, dialect: str) -> list[str]:
    """Return DDL for triggers that refuse UPDATE and DELETE on ``table``, even by its owner."""
    table = _name(table)
    message = f"{table} is append-only"
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION portal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME"
            " USING ERRCODE = 'insufficient_privilege'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_change()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    raise ValueError(f"unsupported dialect {dialect}")


def drop_append_only_triggers(table: str, dialect: str) -> list[str]:
    """Return DDL undoing ``append_only_triggers`` (the shared PG function stays while in use)."""
    table = _name(table)
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        ]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]
    raise ValueError(f"unsupported dialect {dialect}")
