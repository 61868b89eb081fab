"""ORM-level tenant scoping: every session only reads what the acting tenant may see.

Reads of tenant-owned rows are filtered to the owner tenant; reads of shareable rows also
admit rows shared with the acting tenant (region or grant); share grants are read by their
owner and their grantee. Writes are checked before flush: only the owner tenant may insert,
change or delete its rows (grants included). Statements that bypass the flush are checked
too: bulk and Core-table ``update()``/``delete()`` only touch the acting tenant's rows,
``insert()`` and bulk updates by primary key may not name another tenant's rows. A SELECT
that names a scoped model only in its WHERE clause (an implicit FROM the criteria cannot
reach, e.g. ``exists().where(Model.x == ...)``) is refused. PostgreSQL row-level
security (see ``tenants.rls``) enforces the same rules a second time in the database.

Known gaps of the ORM layer (closed by row-level security on PostgreSQL only): a SELECT
on a Core ``Table`` (``Model.__table__``) or ``text()`` is not filtered, and the legacy
``Session.bulk_*_mappings``/``bulk_save_objects`` methods skip every hook. Use ORM
entities in queries and load tenant rows with ``select()`` (``Session.get`` may answer
from the identity map without a query).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import FromClause, Join, Select, and_, event, exists, inspect, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, aliased, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter, ClauseElement, ColumnElement

from portal.core.models import Shareable, TenantOwned, TenantScoped
from tenants.context import current_context
from tenants.models import RegionMembership, ShareGrant


class TenantViolation(RuntimeError):
    """Raise when code tries to write a row of a tenant it does not act for, or to read around the scope."""


def shareable_visibility(cls: Any, tenant_id: int | None, now: datetime, today: date) -> ColumnElement[bool]:
    """Return SQL true for rows of ``cls`` the tenant may read: own, region-shared or granted."""
    viewer = aliased(RegionMembership)
    owner = aliased(RegionMembership)
    in_region = exists().where(
        viewer.region_id == cls.region_id,
        viewer.tenant_id == tenant_id,
        viewer.joined_on <= today,
        or_(viewer.left_on.is_(None), viewer.left_on > today),
        owner.region_id == cls.region_id,
        owner.tenant_id == cls.tenant_id,
        owner.joined_on <= today,
        or_(owner.left_on.is_(None), owner.left_on > today),
    )
    granted = exists().where(
        ShareGrant.tenant_id == cls.tenant_id,
        ShareGrant.grantee_tenant_id == tenant_id,
        ShareGrant.revoked_at.is_(None),
        or_(ShareGrant.expires_at.is_(None), ShareGrant.expires_at > now),
        or_(
            and_(ShareGrant.object_type == cls.__share_type__, ShareGrant.object_id == cls.id),
            ShareGrant.domain == cls.__share_domain__,
        ),
    )
    return or_(
        cls.tenant_id == tenant_id,
        and_(cls.audience == "region", in_region),
        and_(cls.audience == "partners", granted),
    )


def _owner_written_tables() -> set[str]:
    """Return the names of tables whose rows only their ``tenant_id`` may write."""
    names = {ShareGrant.__tablename__}
    stack: list[type] = [TenantScoped]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        table = getattr(cls, "__table__", None)
        if table is not None:
            names.add(table.name)
    return names


def _key(column: Any) -> str:
    return str(getattr(column, "key", column))


def _plain(value: Any, table: str) -> Any:
    if isinstance(value, BindParameter):
        return value.effective_value
    if isinstance(value, ClauseElement):
        raise TenantViolation(f"tenant_id of {table} computed in SQL; write rows through the ORM")
    return value


def _named_values(state: ORMExecuteState) -> list[dict[str, Any]]:
    """Return the column values an INSERT or UPDATE statement sets, one dict per row."""
    stmt: Any = state.statement
    rows: list[dict[str, Any]] = []
    # The statement's own .values(...) / .ordered_values(...) / .values([...]).
    single = dict(getattr(stmt, "_values", None) or {})
    single.update(dict(getattr(stmt, "_ordered_values", None) or ()))
    if single:
        rows.append({_key(k): v for k, v in single.items()})
    for batch in getattr(stmt, "_multi_values", None) or ():
        rows.extend({_key(k): v for k, v in row.items()} for row in batch)
    # Parameters given to Session.execute(): one dict, or a list for bulk statements.
    params = state.parameters
    if isinstance(params, dict):
        rows.append(dict(params))
    elif isinstance(params, (list, tuple)):
        rows.extend(dict(p) for p in params)
    return rows


def _guard_dml(state: ORMExecuteState, tenant_id: int | None) -> None:
    """Keep INSERT/UPDATE/DELETE statements that bypass the flush to the acting tenant's rows."""
    stmt: Any = state.statement
    table = getattr(stmt, "table", None)
    name = getattr(table, "name", None)
    if table is None or name not in _owner_written_tables():
        return
    if state.is_insert and "tenant_id" in {_key(c) for c in getattr(stmt, "_select_names", None) or ()}:
        raise TenantViolation(f"INSERT ... SELECT into {name} cannot be checked; write rows through the ORM")
    for row in _named_values(state):
        if "tenant_id" in row and _plain(row["tenant_id"], name) != tenant_id:
            raise TenantViolation(f"{name}: statement writes a row of another tenant")
    if state.is_insert:
        return
    entity = stmt.entity_description.get("entity")
    if entity is None or not (isinstance(entity, type) and issubclass(entity, TenantScoped)):
        # A Core table or a non-TenantScoped model (grants): add the owner criterion here.
        column = entity.tenant_id if entity is not None else table.c.tenant_id
        stmt = stmt.where(column == tenant_id)
    if state.is_update and isinstance(state.parameters, (list, tuple)):
        # ORM bulk UPDATE by primary key ignores the loader criteria: check the ids instead.
        ids = {p.get("id") for p in state.parameters}
        owned = set(
            state.session.scalars(select(table.c.id).where(table.c.id.in_(ids), table.c.tenant_id == tenant_id))
        )
        if ids - owned:
            raise TenantViolation(f"{name}: bulk update names rows of another tenant")
    state.statement = stmt


def _refuse_implicit_froms(statement: Any) -> None:
    """Refuse a SELECT that names a scoped model only in a WHERE clause.

    The loader criteria attach to the entities a statement selects, joins or names in
    ``select_from()``; a model that only occurs in a WHERE clause (``exists().where(...)``,
    ``select(func.count()).where(...)``) becomes an implicit FROM that no criteria reach.
    """
    referenced: dict[Any, str] = {}
    explicit: set[Any] = set()
    for element in visitors.iterate(statement):
        if isinstance(element, Select):
            named = [
                *element.columns_clause_froms,
                *element._from_obj,
                *(join[0] for join in element._setup_joins),
            ]
            while named:
                source = named.pop()
                if isinstance(source, Join):
                    named.extend((source.left, source.right))
                elif isinstance(source, FromClause):
                    explicit.add(source._deannotate())
            continue
        entity = getattr(element, "_annotations", {}).get("parententity")
        table = getattr(element, "table", None)
        if entity is None or table is None or not isinstance(element, ColumnElement):
            continue
        cls = getattr(entity, "class_", None)
        if isinstance(cls, type) and issubclass(cls, (TenantScoped, ShareGrant)):
            referenced[table._deannotate()] = cls.__name__
    missing = sorted({name for table, name in referenced.items() if table not in explicit})
    if missing:
        raise TenantViolation(
            f"{', '.join(missing)} only occurs in a WHERE clause, where the tenant scope cannot reach it: "
            "select it, join it, or name it in select_from() (e.g. select(X.id).where(...).exists())"
        )


#: Statement shapes (SQLAlchemy cache keys, which leave out the bound values) that passed
#: ``_refuse_implicit_froms``: the check depends on the shape only, walking the whole statement
#: costs more than computing its key, and a process runs the same few hundred shapes again and
#: again. Bounded: emptied when full.
_CHECKED_SHAPES: dict[Any, None] = {}
_CHECKED_SHAPES_MAX = 4096


def _check_implicit_froms(statement: Any) -> None:
    """Run ``_refuse_implicit_froms`` once per statement shape."""
    key = statement._generate_cache_key()
    if key is None:  # not cacheable (e.g. a custom construct): check every time
        _refuse_implicit_froms(statement)
        return
    if key.key in _CHECKED_SHAPES:
        return
    _refuse_implicit_froms(statement)
    if len(_CHECKED_SHAPES) >= _CHECKED_SHAPES_MAX:
        _CHECKED_SHAPES.clear()
    _CHECKED_SHAPES[key.key] = None


#: The read criteria of one context, by (tenant, now, today): the options are a pure function of
#: these values (they hold them as bound parameters), so statements of the same context share one
#: tuple instead of building three ``with_loader_criteria`` per statement. Only the key's own
#: tenant is ever in its options; bounded: emptied when full.
_READ_OPTIONS: dict[tuple[int | None, datetime, date], tuple[Any, ...]] = {}
_READ_OPTIONS_MAX = 256


def _read_options(tenant_id: int | None, now: datetime, today: date) -> tuple[Any, ...]:
    """Return the loader criteria that scope a SELECT to what ``tenant_id`` may read."""
    key = (tenant_id, now, today)
    options = _READ_OPTIONS.get(key)
    if options is None:
        options = (
            with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True),
            with_loader_criteria(
                Shareable,
                lambda cls: shareable_visibility(cls, tenant_id, now, today),
                include_aliases=True,
            ),
            with_loader_criteria(
                ShareGrant,
                lambda cls: or_(cls.tenant_id == tenant_id, cls.grantee_tenant_id == tenant_id),
                include_aliases=True,
            ),
        )
        if len(_READ_OPTIONS) >= _READ_OPTIONS_MAX:
            _READ_OPTIONS.clear()
        _READ_OPTIONS[key] = options
    return options


def _scope_statement(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        # Options on the originating statement propagate to these loads already.
        return
    ctx = current_context()
    tenant_id = ctx.tenant_id if ctx else None
    if state.is_select:
        now = ctx.started_at if ctx else datetime.min.replace(tzinfo=UTC)
        today = ctx.today if ctx else date.min
        state.statement = state.statement.options(*_read_options(tenant_id, now, today))
        # Checked after the options are added: the check's cache key is memoized on this very
        # statement, which the execution then reuses instead of computing a second key.
        _check_implicit_froms(state.statement)
    elif state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True),
        )
        _guard_dml(state, tenant_id)
    elif state.is_insert:
        _guard_dml(state, tenant_id)


def _check_writes(session: Session, flush_context: Any, instances: Any) -> None:
    ctx = current_context()
    tenant_id = ctx.tenant_id if ctx else None
    for obj in session.new:
        if isinstance(obj, ShareGrant) and obj.tenant_id != tenant_id:
            # Only the owner shares its rows; a grantee cannot grant itself access.
            raise TenantViolation("ShareGrant created for another owner tenant")
        if isinstance(obj, TenantScoped):
            if obj.tenant_id is None:
                if tenant_id is None:
                    raise TenantViolation(f"{type(obj).__name__} created outside a tenant context")
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise TenantViolation(f"{type(obj).__name__} created for another tenant")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, (TenantScoped, ShareGrant)):
            # The loaded owner counts as well: moving a foreign row to the own tenant is a write too.
            state: Any = inspect(obj)
            owners = {obj.tenant_id, *state.attrs.tenant_id.history.deleted}
            if owners != {tenant_id}:
                raise TenantViolation(f"{type(obj).__name__} #{obj.id} belongs to another tenant")


def install(session_class: Any = Session) -> None:
    """Attach the scoping hooks to every session of ``session_class``."""
    from tenants import request_cache

    request_cache.install(session_class)
    if not event.contains(session_class, "do_orm_execute", _scope_statement):
        event.listen(session_class, "do_orm_execute", _scope_statement)
        event.listen(session_class, "before_flush", _check_writes)
