"""Server-side sessions in the database instead of Redis (ADR 0016)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 20:15:00

"""

import sqlalchemy as sa
from alembic import op

import portal.core.models

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # Not tenant data (sessions exist before anyone signs in): no row-level security; the runtime
    # role's DML grant comes from migration 0002's default privileges.
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))
    op.drop_table("web_sessions")
