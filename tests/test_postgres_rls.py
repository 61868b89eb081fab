"""PostgreSQL row-level security, the second wall: raw SQL as the runtime role.

Every statement here bypasses the ORM scoping (plain ``text()`` on the test's connection,
which the app opened as the runtime role), so only the database's policies stand between
one tenant and another's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from portal.core.models import Base, Shareable, TenantScoped, utcnow
from portal.dashboard.models import Announcement
from portal.extensions import db
from tenants.context import tenant_context
from tenants.sharing import set_audience
from tests import clock
from tests.conftest import PG_OWNER_URL, PG_URL, World

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PORTAL_TEST_DATABASE_URL)"),
]

# Tables that carry a tenant_id but are platform reference data, not tenant-owned rows:
# users (the platform identity; a user's home tenant) and region memberships (who is in
# which samenwerkingsverband, read by the sharing policies themselves).
REFERENCE_TABLES = {"users", "region_memberships"}
# Tenant tables outside the TenantScoped mixins, with their own policies (migration 0002).
OTHER_RLS_TABLES = {"share_grants", "audit_entries"}


@pytest.fixture(autouse=True)
def _runtime_role_obeys_rls(app: Any) -> None:
    """Skip (or, in CI, fail) when the app's role could not be held by RLS at all."""
    with app.app_context(), db.engine.connect() as conn:
        bypass = conn.scalar(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"))
    if bypass:
        message = "the runtime role in PORTAL_TEST_DATABASE_URL is a superuser or bypasses RLS"
        if os.environ.get("PORTAL_TEST_REQUIRE_RLS"):
            pytest.fail(message)
        pytest.skip(message)


def act(conn: Connection, tenant_id: int | None, today: date | None = None) -> None:
    """Set the acting tenant (and date) for the rest of the transaction, as ``tenants.rls`` does."""
    conn.execute(
        text("SELECT set_config('app.tenant_id', :tenant, true), set_config('app.today', :today, true)"),
        {"tenant": "" if tenant_id is None else str(tenant_id), "today": today.isoformat() if today else ""},
    )
    # The ORM hook caches what it set on this connection; make it set its own value again.
    conn.info.pop("portal_rls", None)


def visible(conn: Connection, table: str = "announcements") -> set[int]:
    return set(conn.scalars(text(f"SELECT id FROM {table}")))


def refused(conn: Connection, statement: str, **params: Any) -> str:
    """Run ``statement`` in a savepoint; return the database's error message (fail if none)."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(text(statement), params)
    except DBAPIError as exc:
        savepoint.rollback()
        return str(exc.orig)
    savepoint.rollback()
    pytest.fail(f"the database accepted: {statement}")


@dataclass
class Rows:
    """Announcements of the test world, by who owns them and whom they are shared with."""

    world: World
    owner_private: int
    owner_region: int
    owner_partners: int
    former_region: int
    partner_private: int

    def tenant(self, slug: str) -> int:
        return int(self.world.tenants[slug].id)


def _announcement(world: World, slug: str, title: str, audience: str = "own", **share: Any) -> int:
    tenant = world.tenants[slug]
    with tenant_context(tenant.id, user_id=world.user(slug).id):
        obj = Announcement(title=title, body_html="<p>Inhoud</p>", published_at=utcnow())
        db.session.add(obj)
        db.session.flush()
        if audience != "own":
            set_audience(obj, audience, **share)
        db.session.flush()
        return int(obj.id)


def _former_region_row(world: World) -> int:
    # Shared with region A while Former was a member; set_audience would refuse it now.
    former = world.tenants["former"]
    with tenant_context(former.id, user_id=world.user("former").id):
        obj = Announcement(
            title="Oud nieuws van Former", audience="region", region_id=world.regions["a"].id, published_at=utcnow()
        )
        db.session.add(obj)
        db.session.flush()
        return int(obj.id)


@pytest.fixture
def rows(world: World) -> Rows:
    region_a = world.regions["a"].id
    partner = world.tenants["partner"].id
    result = Rows(
        world=world,
        owner_private=_announcement(world, "owner", "Intern"),
        owner_region=_announcement(world, "owner", "Voor de regio", "region", region_id=region_a),
        owner_partners=_announcement(world, "owner", "Voor Partner", "partners", partner_ids=[partner]),
        former_region=_former_region_row(world),
        partner_private=_announcement(world, "partner", "Intern bij Partner"),
    )
    db.session.commit()
    return result


@pytest.fixture
def conn(rows: Rows) -> Iterator[Connection]:
    """The test's own connection (runtime role), inside the test transaction."""
    connection = db.session.connection()
    yield connection
    connection.info.pop("portal_rls", None)


def expected(rows: Rows) -> dict[str, set[int]]:
    return {
        "owner": {rows.owner_private, rows.owner_region, rows.owner_partners},
        "partner": {rows.owner_region, rows.owner_partners, rows.partner_private},
        # Former left region A ten days ago: it sees only its own row, not Owner's region share.
        "former": {rows.former_region},
        "outsider": set(),
    }


# -- reads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["owner", "partner", "former", "outsider"])
def test_each_tenant_reads_exactly_its_own_and_shared_rows(rows, conn, viewer):
    act(conn, rows.tenant(viewer))
    mine = expected(rows)[viewer]
    all_rows = {rows.owner_private, rows.owner_region, rows.owner_partners, rows.former_region, rows.partner_private}
    assert visible(conn) & all_rows == mine
    # Counting and searching go through the same wall.
    assert conn.scalar(text("SELECT count(*) FROM announcements WHERE id = :id"), {"id": rows.owner_private}) == (
        1 if viewer == "owner" else 0
    )
    # The ORM scope (on top of RLS here) agrees.
    with tenant_context(rows.tenant(viewer)):
        assert set(db.session.scalars(select(Announcement.id))) & all_rows == mine


def test_private_row_of_another_tenant_is_invisible_even_by_id(rows, conn):
    act(conn, rows.tenant("partner"))
    found = conn.execute(text("SELECT * FROM announcements WHERE id = :id"), {"id": rows.owner_private}).all()
    assert found == []


def test_no_tenant_set_sees_no_tenant_rows(rows, conn):
    act(conn, None)
    assert visible(conn) == set()
    assert conn.scalar(text("SELECT count(*) FROM announcements")) == 0
    assert conn.scalar(text("SELECT count(*) FROM share_grants")) == 0
    assert conn.scalar(text("SELECT count(*) FROM audit_entries")) == 0


def test_garbage_tenant_setting_is_an_error_not_a_bypass(rows, conn):
    conn.execute(text("SELECT set_config('app.tenant_id', '1 OR true', true)"))
    assert "invalid input syntax" in refused(conn, "SELECT count(*) FROM announcements")


def test_region_share_needs_viewer_and_owner_to_be_current_members(rows, conn):
    act(conn, rows.tenant("partner"))
    assert rows.owner_region in visible(conn)
    # Owner's region share after Former left: Former no longer sees it...
    act(conn, rows.tenant("former"))
    assert rows.owner_region not in visible(conn)
    # ...but did while it was a member (app.today is the acting context's date).
    act(conn, rows.tenant("former"), today=clock.today() - timedelta(days=30))
    assert rows.owner_region in visible(conn)
    # Former's own region share is invisible to the remaining members since it left...
    act(conn, rows.tenant("owner"))
    assert rows.former_region not in visible(conn)
    act(conn, rows.tenant("partner"))
    assert rows.former_region not in visible(conn)
    # ...and was visible before.
    act(conn, rows.tenant("partner"), today=clock.today() - timedelta(days=30))
    assert rows.former_region in visible(conn)
    # A tenant of another region never sees it.
    act(conn, rows.tenant("outsider"))
    assert rows.owner_region not in visible(conn)


def test_revoked_or_expired_grant_hides_the_row(rows, conn):
    act(conn, rows.tenant("partner"))
    assert rows.owner_partners in visible(conn)

    act(conn, rows.tenant("owner"))
    conn.execute(
        text("UPDATE share_grants SET expires_at = now() - interval '1 minute' WHERE object_id = :id"),
        {"id": rows.owner_partners},
    )
    act(conn, rows.tenant("partner"))
    assert rows.owner_partners not in visible(conn)

    act(conn, rows.tenant("owner"))
    conn.execute(
        text("UPDATE share_grants SET expires_at = NULL, revoked_at = now() WHERE object_id = :id"),
        {"id": rows.owner_partners},
    )
    act(conn, rows.tenant("partner"))
    assert rows.owner_partners not in visible(conn)


def test_domain_grant_opens_partner_shared_rows_of_that_domain_only(rows, conn):
    outsider = rows.tenant("outsider")
    act(conn, outsider)
    assert rows.owner_partners not in visible(conn)

    act(conn, rows.tenant("owner"))
    grant = (
        "INSERT INTO share_grants (tenant_id, grantee_tenant_id, domain, source, created_at)"
        " VALUES (:owner, :grantee, :domain, 'test', now())"
    )
    conn.execute(text(grant), {"owner": rows.tenant("owner"), "grantee": outsider, "domain": "hr"})
    act(conn, outsider)
    assert rows.owner_partners not in visible(conn)

    act(conn, rows.tenant("owner"))
    conn.execute(text(grant), {"owner": rows.tenant("owner"), "grantee": outsider, "domain": "algemeen"})
    act(conn, outsider)
    seen = visible(conn)
    assert rows.owner_partners in seen
    # A domain grant opens rows shared with partners, not the owner's private or region rows.
    assert rows.owner_private not in seen
    assert rows.owner_region not in seen


def test_grants_are_read_by_owner_and_grantee_only(rows, conn):
    act(conn, rows.tenant("owner"))
    grant_ids = visible(conn, "share_grants")
    assert grant_ids
    act(conn, rows.tenant("partner"))
    assert visible(conn, "share_grants") == grant_ids
    act(conn, rows.tenant("outsider"))
    assert visible(conn, "share_grants") == set()


def test_tenant_setting_survives_a_rolled_back_savepoint(rows):
    """A savepoint rollback undoes set_config(); the ORM hook must set it again afterwards."""
    partner = rows.tenant("partner")
    db.session.execute(text("SELECT 1"))  # the transaction starts outside any tenant
    with tenant_context(partner):
        with pytest.raises(RuntimeError), db.session.begin_nested():
            # The first statement in this context sets app.tenant_id, inside the savepoint.
            assert rows.partner_private in set(db.session.scalars(select(Announcement.id)))
            raise RuntimeError("rolled back")
        assert db.session.scalar(text("SELECT current_setting('app.tenant_id', true)")) == str(partner)
        assert rows.partner_private in set(db.session.scalars(select(Announcement.id)))


# -- writes -----------------------------------------------------------------------------------


def test_cannot_update_or_delete_another_tenants_rows(rows, conn):
    act(conn, rows.tenant("partner"))
    for row in (rows.owner_private, rows.owner_region, rows.owner_partners):
        changed = conn.execute(text("UPDATE announcements SET title = 'Gekaapt' WHERE id = :id"), {"id": row})
        assert changed.rowcount == 0
        deleted = conn.execute(text("DELETE FROM announcements WHERE id = :id"), {"id": row})
        assert deleted.rowcount == 0
    # Partner sees Owner's grant to it, but cannot revoke, extend or delete it.
    assert conn.execute(text("UPDATE share_grants SET revoked_at = now()")).rowcount == 0
    assert conn.execute(text("DELETE FROM share_grants")).rowcount == 0
    # Its own row it can change.
    own = conn.execute(text("UPDATE announcements SET title = 'Nieuw' WHERE id = :id"), {"id": rows.partner_private})
    assert own.rowcount == 1

    act(conn, rows.tenant("owner"))
    titles = dict(conn.execute(text("SELECT id, title FROM announcements")).all())
    assert titles[rows.owner_private] == "Intern"
    assert titles[rows.owner_region] == "Voor de regio"
    assert titles[rows.owner_partners] == "Voor Partner"
    assert conn.scalar(text("SELECT count(*) FROM share_grants WHERE revoked_at IS NULL")) == 1


def test_cannot_insert_or_move_rows_into_another_tenant(rows, conn):
    owner, partner = rows.tenant("owner"), rows.tenant("partner")
    act(conn, partner)
    insert = (
        "INSERT INTO announcements (tenant_id, title, body_html, audience, created_at, updated_at)"
        " VALUES (:tenant, 'Untergeschoben', '', 'own', now(), now())"
    )
    assert "row-level security" in refused(conn, insert, tenant=owner)
    # Giving one's own row away is refused too (WITH CHECK on UPDATE).
    moved = "UPDATE announcements SET tenant_id = :tenant WHERE id = :id"
    assert "row-level security" in refused(conn, moved, tenant=owner, id=rows.partner_private)
    # Nor can a tenant forge a grant on another tenant's behalf.
    forged = (
        "INSERT INTO share_grants (tenant_id, grantee_tenant_id, domain, created_at)"
        " VALUES (:owner, :grantee, 'algemeen', now())"
    )
    assert "row-level security" in refused(conn, forged, owner=owner, grantee=partner)
    # Without a tenant nothing can be inserted at all.
    act(conn, None)
    assert "row-level security" in refused(conn, insert, tenant=partner)
    # Its own rows it can insert.
    act(conn, partner)
    conn.execute(text(insert), {"tenant": partner})


# -- the audit log ----------------------------------------------------------------------------


def test_runtime_role_cannot_change_the_audit_log(rows, conn):
    act(conn, rows.tenant("owner"))
    assert conn.scalar(text("SELECT count(*) FROM audit_entries")) > 0
    for statement in (
        "UPDATE audit_entries SET action = 'delete'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries",
    ):
        assert "permission denied" in refused(conn, statement)
    # Appending is how the log grows: own tenant or platform (NULL), never another tenant's.
    entry = (
        "INSERT INTO audit_entries (tenant_id, action, object_type, changes, created_at)"
        " VALUES (:tenant, 'create', 'test', '{}', now())"
    )
    conn.execute(text(entry), {"tenant": rows.tenant("owner")})
    conn.execute(text(entry), {"tenant": None})
    assert "row-level security" in refused(conn, entry, tenant=rows.tenant("partner"))
    # A tenant reads only its own entries.
    act(conn, rows.tenant("partner"))
    tenants = set(conn.scalars(text("SELECT DISTINCT tenant_id FROM audit_entries")))
    assert tenants == {rows.tenant("partner")}


@pytest.mark.skipif(not PG_OWNER_URL, reason="needs PORTAL_TEST_OWNER_DATABASE_URL")
def test_even_the_owner_cannot_edit_the_audit_log():
    # No fixture data: the test's runtime connection holds no lock on audit_entries.
    owner = create_engine(PG_OWNER_URL or "")
    try:
        with owner.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(
                text(
                    "INSERT INTO audit_entries (tenant_id, action, object_type, changes, created_at)"
                    " VALUES (NULL, 'create', 'test', '{}', now())"
                )
            )
            # Lift RLS for the owner (deliberately, visibly), as a careless fix-up would.
            conn.execute(text("ALTER TABLE audit_entries NO FORCE ROW LEVEL SECURITY"))
            for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
                message = refused(conn, statement)
                assert "append-only" in message
            assert "append-only" in refused(conn, "TRUNCATE audit_entries")
            conn.rollback()
    finally:
        owner.dispose()


# -- the shape of the wall --------------------------------------------------------------------


def test_runtime_role_owns_nothing(app):
    with app.app_context(), db.engine.connect() as conn:
        owned_tables = conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user")
        ).all()
        owned_relations = conn.scalars(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relowner = (SELECT oid FROM pg_roles"
                " WHERE rolname = current_user)"
            )
        ).all()
        tables = conn.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"))
    assert owned_tables == []
    assert owned_relations == []
    assert tables >= 10


def _tenant_scoped_tables() -> dict[str, type]:
    found: dict[str, type] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, TenantScoped) and mapper.local_table is not None:
            found[str(mapper.local_table.name)] = cls
    return found


def _policies(conn: Connection, table: str) -> dict[str, str]:
    rows = conn.execute(
        text(
            "SELECT cmd, coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies"
            " WHERE schemaname = current_schema() AND tablename = :table"
        ),
        {"table": table},
    ).all()
    return dict(rows)


def test_every_tenant_table_has_forced_rls_with_tenant_policies(app):
    """Fails for a module whose migration forgot ``tenants.rls.*_policies`` for its table."""
    scoped = _tenant_scoped_tables()
    assert "announcements" in scoped, "the walk over the mapped classes found no TenantScoped model"
    with app.app_context(), db.engine.connect() as conn:
        flags = {
            name: (enabled, forced)
            for name, enabled, forced in conn.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                )
            )
        }
        with_tenant_id = set(
            conn.scalars(
                text(
                    "SELECT table_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND column_name = 'tenant_id'"
                )
            )
        )
        problems = []
        for table in sorted(set(scoped) | OTHER_RLS_TABLES):
            if flags.get(table) != (True, True):
                problems.append(f"{table}: row-level security not enabled and forced {flags.get(table)}")
                continue
            policies = _policies(conn, table)
            wanted = {"SELECT", "INSERT"} if table == "audit_entries" else {"SELECT", "INSERT", "UPDATE", "DELETE"}
            if set(policies) != wanted:
                problems.append(f"{table}: policies for {sorted(policies)}, expected {sorted(wanted)}")
            for cmd, expr in policies.items():
                if "app.tenant_id" not in expr:
                    problems.append(f"{table}: {cmd} policy does not read app.tenant_id")
            cls = scoped.get(table)
            if cls is not None and issubclass(cls, Shareable):
                select_policy = policies.get("SELECT", "")
                for value in (cls.__share_type__, cls.__share_domain__):
                    if f"'{value}'" not in select_policy:
                        problems.append(f"{table}: SELECT policy does not mention {value!r} ({cls.__name__})")
        unexplained = with_tenant_id - set(scoped) - OTHER_RLS_TABLES - REFERENCE_TABLES
        for table in sorted(unexplained):
            problems.append(
                f"{table}: has tenant_id but its model is neither TenantOwned nor Shareable"
                " (or list it in REFERENCE_TABLES with the reason)"
            )
    assert not problems, "\n".join(problems)


def test_share_grants_and_audit_log_rls_is_forced_too(app):
    with app.app_context(), db.engine.connect() as conn:
        forced = dict(
            conn.execute(
                text(
                    "SELECT relname, relforcerowsecurity FROM pg_class"
                    " WHERE relname IN ('share_grants', 'audit_entries', 'announcements')"
                    " AND relnamespace = current_schema()::regnamespace"
                )
            ).all()
        )
    assert forced == {"share_grants": True, "audit_entries": True, "announcements": True}
