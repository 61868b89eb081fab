"""gezamenlijke aankoop: documents per dossier (bestek, sjablonen) for knowledge exchange

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:10:00

A Shareable tenant table with row-level security on PostgreSQL, like the other procurement
tables: a document is owned by the uploading tenant and mirrors its dossier's audience.
"""

import sqlalchemy as sa
from alembic import op

import portal.core.models
from tenants import rls


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


SHAREABLE = [("procurement_documents", "procurement_document", "aankoop")]


def upgrade():
    op.create_table(
        "procurement_documents",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("author_name", sa.String(length=160), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_procurement_documents_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_procurement_documents_audience")),
        sa.CheckConstraint("kind IN ('bestek', 'sjabloon', 'andere')", name=op.f("ck_procurement_documents_kind")),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_procurement_documents_size_positive")),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["procurement_dossiers.id"],
            name=op.f("fk_procurement_documents_dossier_id_procurement_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_procurement_documents_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_procurement_documents_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurement_documents")),
        sa.UniqueConstraint(
            "tenant_id", "dossier_id", "sha256", name=op.f("uq_procurement_documents_tenant_id_dossier_id_sha256")
        ),
    )
    with op.batch_alter_table("procurement_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procurement_documents_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_procurement_documents_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_procurement_documents_tenant_id"), ["tenant_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table, share_type, domain in SHAREABLE:
            for statement in rls.shareable_policies(table, share_type, domain):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, _share_type, _domain in SHAREABLE:
            for statement in rls.drop_policies(table):
                op.execute(statement)
    with op.batch_alter_table("procurement_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procurement_documents_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_procurement_documents_region_id"))
        batch_op.drop_index(batch_op.f("ix_procurement_documents_dossier_id"))

    op.drop_table("procurement_documents")
