"""Council reports (rapporten aan de gemeenteraad): versions, snapshot + PDF, immutable once approved; RLS

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import portal.core.models
from tenants import rls

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FROZEN_COLUMNS = (
    "tenant_id",
    "period",
    "version",
    "period_kind",
    "starts_on",
    "ends_on",
    "content",
    "content_sha256",
    "pdf_data",
    "pdf_sha256",
    "foreword",
    "remarks",
    "approved_at",
    "approved_by_id",
)
_FROZEN = "('goedgekeurd', 'verzonden')"


def _run(statements):
    for statement in statements:
        op.execute(statement)


def _triggers(dialect):
    """Refuse changing or deleting an approved version, in the database itself (even by its owner)."""
    if dialect == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS)
        return [
            "CREATE OR REPLACE FUNCTION council_reports_frozen() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN IF OLD.status IN {_FROZEN} THEN"
            " IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'council report % is approved and immutable', OLD.id"
            " USING ERRCODE = 'insufficient_privilege'; END IF;"
            f" IF NEW.status NOT IN {_FROZEN} OR {changed} THEN"
            " RAISE EXCEPTION 'council report % is approved and immutable', OLD.id"
            " USING ERRCODE = 'insufficient_privilege'; END IF; END IF;"
            " IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER council_reports_frozen BEFORE UPDATE OR DELETE ON council_reports"
            " FOR EACH ROW EXECUTE FUNCTION council_reports_frozen()",
        ]
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS)
    return [
        "CREATE TRIGGER council_reports_frozen_update BEFORE UPDATE ON council_reports"
        f" WHEN OLD.status IN {_FROZEN} AND (NEW.status NOT IN {_FROZEN} OR {changed})"
        " BEGIN SELECT RAISE(ABORT, 'council report is approved and immutable'); END",
        "CREATE TRIGGER council_reports_frozen_delete BEFORE DELETE ON council_reports"
        f" WHEN OLD.status IN {_FROZEN}"
        " BEGIN SELECT RAISE(ABORT, 'council report is approved and immutable'); END",
    ]


def upgrade():
    op.create_table(
        "council_reports",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column(
            "content", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_data", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("foreword", sa.Text(), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("generated_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('wordt_gemaakt', 'mislukt', 'concept', 'goedgekeurd', 'verzonden')",
            name=op.f("ck_council_reports_status"),
        ),
        sa.CheckConstraint(
            "period_kind IN ('semester', 'kwartaal', 'jaar')", name=op.f("ck_council_reports_period_kind")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_council_reports_version")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_council_reports_period_dates")),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name=op.f("ck_council_reports_progress")),
        sa.CheckConstraint(
            "status NOT IN ('goedgekeurd', 'verzonden') OR (content IS NOT NULL AND pdf_data IS NOT NULL"
            " AND pdf_sha256 IS NOT NULL AND content_sha256 IS NOT NULL AND approved_at IS NOT NULL)",
            name=op.f("ck_council_reports_approved_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_council_reports_approved_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_council_reports_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_council_reports_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_reports")),
        sa.UniqueConstraint("tenant_id", "period", "version", name=op.f("uq_council_reports_tenant_id_period_version")),
    )
    with op.batch_alter_table("council_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_reports_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_council_reports_tenant_status", ["tenant_id", "status"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _run(rls.owner_policies("council_reports"))
    if dialect in ("postgresql", "sqlite"):
        _run(_triggers(dialect))


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS council_reports_frozen ON council_reports")
        op.execute("DROP FUNCTION IF EXISTS council_reports_frozen()")
        _run(rls.drop_policies("council_reports"))
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS council_reports_frozen_update")
        op.execute("DROP TRIGGER IF EXISTS council_reports_frozen_delete")
    with op.batch_alter_table("council_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_council_reports_tenant_status")
        batch_op.drop_index(batch_op.f("ix_council_reports_tenant_id"))
    op.drop_table("council_reports")
