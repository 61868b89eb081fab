"""row-level security, runtime-role grants, append-only audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:00:00

On PostgreSQL: the runtime role (PORTAL_DB_APP_ROLE, default portal_app; or
``-x app_role=...``) gets DML on every table but owns none; the tenant tables get
ENABLE + FORCE ROW LEVEL SECURITY with policies mirroring ``tenants.scoping``; the
audit log is append-only (no UPDATE/DELETE grant, no policy, and a trigger that stops
even the owner). On SQLite: triggers that make the audit log append-only.
"""
import os

from alembic import context, op
from sqlalchemy import text

from tenants import rls

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SHAREABLE = [("announcements", "announcement", "algemeen")]
GRANTS = "share_grants"
AUDIT = "audit_entries"


def _runtime_role():
    """Return the runtime role to grant to, or None when it does not exist (or is us)."""
    bind = op.get_bind()
    role = context.get_x_argument(as_dictionary=True).get("app_role") or os.environ.get("PORTAL_DB_APP_ROLE")
    role = role or rls.DEFAULT_RUNTIME_ROLE
    if not bind.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).scalar():
        return None
    if role == bind.execute(text("SELECT current_user")).scalar():
        # The app runs as the owner (a development shortcut): nothing to grant, and
        # revoking from ourselves would only lock the migrations out.
        return None
    return role


def _schema():
    return op.get_bind().execute(text("SELECT current_schema()")).scalar()


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table, share_type, domain in SHAREABLE:
            _run(rls.shareable_policies(table, share_type, domain))
        _run(rls.share_grant_policies(GRANTS))
        _run(rls.append_only_policies(AUDIT))
        role = _runtime_role()
        if role:
            _run(rls.grant_runtime(role, _schema()))
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {AUDIT} FROM {rls.quote_ident(role)}")
    _run(rls.append_only_triggers(AUDIT, dialect))


def downgrade():
    dialect = op.get_bind().dialect.name
    _run(rls.drop_append_only_triggers(AUDIT, dialect))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS portal_refuse_change()")
        role = _runtime_role()
        if role:
            _run(rls.revoke_runtime(role, _schema()))
        for table in (AUDIT, GRANTS, *(t for t, _, _ in SHAREABLE)):
            _run(rls.drop_policies(table))
