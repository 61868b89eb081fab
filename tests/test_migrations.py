"""Migrations: they agree with the models, go down and up again, and make the audit log append-only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from portal import create_app
from portal.core.models import utcnow
from portal.extensions import db
from tenants.context import tenant_context
from tests import conftest

MIGRATION_OPTIONS = {"compare_type": True, "render_as_batch": True}


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts=MIGRATION_OPTIONS)
    return list(compare_metadata(context, db.metadata))


def _tables(connection: Any) -> set[str]:
    return set(inspect(connection).get_table_names())


@contextmanager
def other_app(app: Flask, tmp_path: Path, **overrides: Any) -> Iterator[Flask]:
    """Build a second app (another database) that does not take over the session app's Celery."""
    config = {
        **conftest.test_config(str(tmp_path), app.config["MAIL_PORT"]),
        "PORTAL_REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }
    other = create_app(config, mode="test")
    try:
        yield other
    finally:
        main = app.extensions["celery"]
        main.set_current()
        main.set_default()
        other.extensions["celery"].close()
        with other.app_context():
            db.engine.dispose()


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to do on the database the suite runs on (SQLite or PostgreSQL)."""
    with app.app_context(), db.engine.connect() as connection:
        assert {"tenants", "announcements", "audit_entries", "alembic_version"} <= _tables(connection)
        assert _differences(connection) == []


def test_downgrade_to_base_and_upgrade_again_on_sqlite(app, tmp_path):
    database = tmp_path / "migrations.sqlite3"
    url = f"sqlite:///{database}"
    overrides = {"SQLALCHEMY_DATABASE_URI": url, "PORTAL_MIGRATION_DATABASE_URL": None, "PORTAL_RLS": False}
    with other_app(app, tmp_path, **overrides) as other, other.app_context():
        upgrade()
        with db.engine.connect() as connection:
            tables = _tables(connection)
            assert {"tenants", "users", "announcements", "audit_entries"} <= tables
            assert _differences(connection) == []

        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert _tables(connection) <= {"alembic_version"}
            triggers = connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all()
            assert triggers == []

        upgrade()
        with db.engine.connect() as connection:
            assert _tables(connection) == tables
            assert _differences(connection) == []
            version = connection.scalar(text("SELECT version_num FROM alembic_version"))
            triggers = set(connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        head = ScriptDirectory.from_config(other.extensions["migrate"].migrate.get_config()).get_current_head()
    assert version == head
    assert {"audit_entries_no_update", "audit_entries_no_delete"} <= triggers


@pytest.mark.postgres
@pytest.mark.skipif(not (conftest.PG_URL and conftest.PG_OWNER_URL), reason="needs PostgreSQL with an owner role")
def test_downgrade_to_base_and_upgrade_again_on_postgresql(app, tmp_path):
    """The PostgreSQL-only DDL (policies, grants, triggers) reverses cleanly, in a throwaway schema."""
    schema = f"migrations_{uuid.uuid4().hex[:8]}"
    owner_url = make_url(conftest.PG_OWNER_URL or "")
    owner = create_engine(owner_url)
    scoped_url = owner_url.update_query_dict({"options": f"-csearch_path={schema}"})
    runtime = make_url(conftest.PG_URL or "").username

    def state() -> dict[str, Any]:
        with owner.connect() as conn:
            params = {"schema": schema, "role": runtime}
            return {
                "tables": set(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), params)),
                "forced": set(
                    conn.scalars(
                        text(
                            "SELECT relname FROM pg_class WHERE relnamespace = CAST(:schema AS regnamespace)"
                            " AND relrowsecurity AND relforcerowsecurity"
                        ),
                        params,
                    )
                ),
                "policies": conn.scalar(text("SELECT count(*) FROM pg_policies WHERE schemaname = :schema"), params),
                "triggers": set(
                    conn.scalars(
                        text(
                            "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                            " WHERE c.relnamespace = CAST(:schema AS regnamespace) AND NOT t.tgisinternal"
                        ),
                        params,
                    )
                ),
                "default_acl": conn.scalar(
                    text("SELECT count(*) FROM pg_default_acl WHERE defaclnamespace = CAST(:schema AS regnamespace)"),
                    params,
                ),
                "runtime_may_select": conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = :schema AND tablename <> 'alembic_version'"
                        " AND has_table_privilege(:role, format('%I.%I', schemaname, tablename), 'SELECT')"
                    ),
                    params,
                ),
            }

    with owner.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        overrides = {
            "SQLALCHEMY_DATABASE_URI": conftest.PG_URL,
            "PORTAL_MIGRATION_DATABASE_URL": scoped_url.render_as_string(hide_password=False),
        }
        with other_app(app, tmp_path, **overrides) as other, other.app_context():
            x_arg = [f"app_role={runtime}"]
            upgrade(revision="0001", x_arg=x_arg)
            foundation_tables = state()["tables"]
            upgrade(x_arg=x_arg)
            up = state()
            assert {"announcements", "share_grants", "audit_entries"} <= up["forced"]
            assert up["policies"] >= 10
            assert {"audit_entries_append_only", "audit_entries_no_truncate"} <= up["triggers"]
            assert up["default_acl"] == 2
            assert up["runtime_may_select"] == len(up["tables"]) - 1

            downgrade(revision="0001", x_arg=x_arg)
            down = state()
            # Later migrations (the modules) took their tables with them; 0001's remain.
            assert down["tables"] == foundation_tables
            assert (down["forced"], down["policies"], down["triggers"]) == (set(), 0, set())
            assert (down["default_acl"], down["runtime_may_select"]) == (0, 0)

            downgrade(revision="base", x_arg=x_arg)
            assert state()["tables"] <= {"alembic_version"}

            upgrade(x_arg=x_arg)
            again = state()
            assert again == up
    finally:
        with owner.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        owner.dispose()


def test_audit_log_is_append_only_in_the_database(app, world):
    """Beyond the ORM guard: plain SQL cannot change or delete audit entries (trigger / grants)."""
    owner = world.tenants["owner"]
    with tenant_context(owner.id):
        db.session.execute(
            text(
                "INSERT INTO audit_entries (tenant_id, action, object_type, changes, created_at)"
                " VALUES (:tenant, 'create', 'test', '{}', :now)"
            ),
            {"tenant": owner.id, "now": utcnow()},
        )
        connection = db.session.connection()
        assert connection.scalar(text("SELECT count(*) FROM audit_entries WHERE tenant_id = :t"), {"t": owner.id})
        for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
            savepoint = connection.begin_nested()
            with pytest.raises(DBAPIError) as caught:
                connection.execute(text(statement))
            savepoint.rollback()
            message = str(caught.value.orig)
            assert "append-only" in message or "permission denied" in message
        assert connection.scalar(text("SELECT count(*) FROM audit_entries WHERE action = 'x'")) == 0


# -- 0022: the alignment subject keys ---------------------------------------------------------------

#: Inputs the frozen rules of migration 0022 and ``normalise_subject`` must agree on.
TRICKY_SUBJECTS = (
    "Nadarhekken",
    "  nadarhekken ",
    "nadar-hekken",
    "Nadar hekken",
    "NÁDARHEKKEN!",
    "Tweede   Verblijven",
    "tweede-verblijven",
    "tweede\u2011verblijven",
    "Tweede\u00a0verblijven",
    "Financiële dienst/ICT",
    "crèche ’t Kapoentje",
    "'s-Gravenwezel",
    "St.-Job-in-'t-Goor",
    "e_loket",
    "E-LOKET",
    "3P",
    "Ĳzer",
    "straße",
    "ﬁetsenstalling",
    "½ tarief",
    "🚧 nadar 🚧",
    "🚧",
    "- !",
    "",
    "   ",
    "x" * 300,
)


def _migration_0022() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0022_alignment_subject_keys.py"
    spec = importlib.util.spec_from_file_location("migration_0022", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_normalises_subjects_as_the_app_does():
    from portal.alignment.operations import normalise_subject

    frozen = _migration_0022().subject_key
    assert [frozen(s) for s in TRICKY_SUBJECTS] == [normalise_subject(s) for s in TRICKY_SUBJECTS]
    assert frozen("tweede-verblijven") == frozen("Tweede verblijven") == "tweedeverblijven"
    assert frozen("Nádar-hekken") == frozen("nadar hekken") == "nadarhekken"


#: Stored before 0022 (item subjects of one tenant, then a proposal's) -> the key 0022 gives it.
ITEMS_BEFORE_AFTER = (
    ("Tweede verblijven", "tweedeverblijven"),
    ("tweede-verblijven", "tweedeverblijven"),  # the same municipality: both rows stay, one key
    ("Nadar-hekken", "nadarhekken"),
    ("nadarhekken", "nadarhekken"),
    ("?!", "?!"),  # no letter or digit: the case-folded text, never an empty key
)
PROPOSAL_BEFORE_AFTER = ("Tweede  Verblijven", "tweedeverblijven")


def _seed_subjects(conn: Any, slug: str = "migratie") -> int:
    """Insert a tenant with items and a proposal whose subjects predate 0022; return the tenant id."""
    from sqlalchemy import insert

    from portal.alignment.models import AlignmentItem, Proposal
    from tenants.models import Tenant

    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('app.tenant_id', '', true)"))
    tenant_id = conn.execute(
        insert(Tenant.__table__).values(name=f"Gemeente {slug}", slug=slug).returning(Tenant.__table__.c.id)
    ).scalar_one()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
    # Core inserts name only the columns given: the table of revision 0021 has no subject_key yet.
    for n, (before, _after) in enumerate(ITEMS_BEFORE_AFTER):
        conn.execute(
            insert(AlignmentItem.__table__).values(
                tenant_id=tenant_id,
                kind="reglement",
                category="belasting",
                status="actief",
                title=f"Reglement {n}",
                subject=before,
                audience="own",
            )
        )
    conn.execute(
        insert(Proposal.__table__).values(
            tenant_id=tenant_id, kind="reglement", title="Voorstel", subject=PROPOSAL_BEFORE_AFTER[0], audience="own"
        )
    )
    return tenant_id


def _stored_subjects(conn: Any, tenant_id: int, *, keys: bool = True) -> tuple[list[Any], list[Any]]:
    """Return the (subject, subject_key) of the tenant's items and proposals (the subjects alone without keys)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
    params = {"t": tenant_id}
    columns = "subject, subject_key" if keys else "subject"
    items = conn.execute(text(f"SELECT {columns} FROM alignment_items WHERE tenant_id = :t ORDER BY id"), params).all()
    proposals = conn.execute(text(f"SELECT {columns} FROM alignment_proposals WHERE tenant_id = :t"), params).all()
    return [tuple(r) for r in items], [tuple(r) for r in proposals]


#: After 0022: every subject as it was typed, next to its key.
EXPECTED_AFTER_0022 = (list(ITEMS_BEFORE_AFTER), [PROPOSAL_BEFORE_AFTER])
#: Before 0022 (and after its downgrade): the same subjects, without a key.
EXPECTED_BEFORE_0022 = ([(before,) for before, _key in ITEMS_BEFORE_AFTER], [(PROPOSAL_BEFORE_AFTER[0],)])


def _indexes(conn: Any, table: str) -> set[str]:
    return {ix["name"] for ix in inspect(conn).get_indexes(table)}


def test_0022_adds_the_subject_keys_and_keeps_what_was_typed_on_sqlite(app, tmp_path):
    from sqlalchemy.exc import IntegrityError

    url = f"sqlite:///{tmp_path / 'subjects.sqlite3'}"
    overrides = {"SQLALCHEMY_DATABASE_URI": url, "PORTAL_MIGRATION_DATABASE_URL": None, "PORTAL_RLS": False}
    with other_app(app, tmp_path, **overrides) as other, other.app_context():
        upgrade(revision="0021")
        with db.engine.begin() as conn:
            tenant_id = _seed_subjects(conn)
        upgrade(revision="0022")
        with db.engine.connect() as conn:
            assert _stored_subjects(conn, tenant_id) == EXPECTED_AFTER_0022
            items = _indexes(conn, "alignment_items")
            assert "ix_alignment_items_kind_subject_key" in items and "ix_alignment_items_kind_subject" not in items
            assert "ix_alignment_proposals_kind_subject_key" in _indexes(conn, "alignment_proposals")
        # The CHECK: a subject with text has a key.
        with db.engine.connect() as conn, pytest.raises(IntegrityError):
            conn.execute(text("UPDATE alignment_items SET subject_key = '' WHERE tenant_id = :t"), {"t": tenant_id})
        # Down: the keys and their index go, the subjects stay, the old index is back.
        downgrade(revision="0021")
        with db.engine.connect() as conn:
            assert _stored_subjects(conn, tenant_id, keys=False) == EXPECTED_BEFORE_0022
            items = _indexes(conn, "alignment_items")
            assert "ix_alignment_items_kind_subject" in items and "ix_alignment_items_kind_subject_key" not in items
            assert "ix_alignment_proposals_kind_subject_key" not in _indexes(conn, "alignment_proposals")
        # And up again: the same keys.
        upgrade()
        with db.engine.connect() as conn:
            assert _stored_subjects(conn, tenant_id) == EXPECTED_AFTER_0022


@pytest.mark.postgres
@pytest.mark.skipif(not (conftest.PG_URL and conftest.PG_OWNER_URL), reason="needs PostgreSQL with an owner role")
def test_0022_fills_the_subject_keys_of_every_tenant_on_postgresql(app, tmp_path):
    """Under the owner role, through FORCE row-level security, which is back on afterwards."""
    schema = f"migrations_{uuid.uuid4().hex[:8]}"
    owner_url = make_url(conftest.PG_OWNER_URL or "")
    scoped_url = owner_url.update_query_dict({"options": f"-csearch_path={schema}"})
    owner = create_engine(owner_url)
    scoped = create_engine(scoped_url)
    runtime = make_url(conftest.PG_URL or "").username
    with owner.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        overrides = {
            "SQLALCHEMY_DATABASE_URI": conftest.PG_URL,
            "PORTAL_MIGRATION_DATABASE_URL": scoped_url.render_as_string(hide_password=False),
        }
        with other_app(app, tmp_path, **overrides) as other, other.app_context():
            x_arg = [f"app_role={runtime}"]
            upgrade(revision="0021", x_arg=x_arg)
            with scoped.begin() as conn:
                tenant_ids = [_seed_subjects(conn, "migratie"), _seed_subjects(conn, "andere")]
            with scoped.connect() as conn:
                # Without a tenant the owner sees nothing: FORCE binds it as well.
                assert conn.scalar(text("SELECT count(*) FROM alignment_items")) == 0
            upgrade(revision="0022", x_arg=x_arg)
            with scoped.begin() as conn:
                for tenant_id in tenant_ids:
                    assert _stored_subjects(conn, tenant_id) == EXPECTED_AFTER_0022
                forced = conn.execute(
                    text(
                        "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class"
                        " WHERE relnamespace = CAST(:schema AS regnamespace)"
                        " AND relname IN ('alignment_items', 'alignment_proposals')"
                    ),
                    {"schema": schema},
                ).all()
            assert sorted(forced) == [("alignment_items", True), ("alignment_proposals", True)]
            with scoped.connect() as conn:
                assert "ix_alignment_items_kind_subject_key" in _indexes(conn, "alignment_items")
            # Down: the keys go, what was typed stays; and up again gives the same keys.
            downgrade(revision="0021", x_arg=x_arg)
            with scoped.begin() as conn:
                for tenant_id in tenant_ids:
                    assert _stored_subjects(conn, tenant_id, keys=False) == EXPECTED_BEFORE_0022
                assert "ix_alignment_items_kind_subject" in _indexes(conn, "alignment_items")
            upgrade(revision="0022", x_arg=x_arg)
            with scoped.begin() as conn:
                assert _stored_subjects(conn, tenant_ids[1]) == EXPECTED_AFTER_0022
    finally:
        scoped.dispose()
        with owner.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        owner.dispose()
