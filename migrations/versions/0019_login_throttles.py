"""Sign-in throttling per (account, client) and per client with backoff (ADR 0020)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 03:20:00

"""

import sqlalchemy as sa
from alembic import op

import portal.core.models

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    # Not tenant data (sign-in comes before a tenant is known): no row-level security; the
    # runtime role's DML grant comes from migration 0002's default privileges.
    op.create_table(
        "login_throttles",
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("failures >= 1", name=op.f("ck_login_throttles_failures_positive")),
        sa.CheckConstraint("account_key <> '' OR client_key <> ''", name=op.f("ck_login_throttles_some_key")),
        sa.CheckConstraint(
            "client_key <> '' OR blocked_until IS NULL", name=op.f("ck_login_throttles_account_never_blocked")
        ),
        sa.PrimaryKeyConstraint("account_key", "client_key", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttles_last_failure_at"), ["last_failure_at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttles_last_failure_at"))
    op.drop_table("login_throttles")
