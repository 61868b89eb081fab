"""Rentals: resource photos with thumbnails

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 16:40:00

"""

import sqlalchemy as sa
from alembic import op

import portal.core.models
from tenants import rls

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rental_resource_photos",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_rental_resource_photos_position_positive")),
        sa.CheckConstraint(
            "size > 0 AND width > 0 AND height > 0", name=op.f("ck_rental_resource_photos_dimensions_positive")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_rental_resource_photos_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["rental_resources.id"],
            name=op.f("fk_rental_resource_photos_resource_id_rental_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_rental_resource_photos_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_resource_photos")),
    )
    with op.batch_alter_table("rental_resource_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rental_resource_photos_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_rental_resource_photos_resource", ["tenant_id", "resource_id", "position"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.owner_policies("rental_resource_photos"):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.drop_policies("rental_resource_photos"):
            op.execute(statement)
    with op.batch_alter_table("rental_resource_photos", schema=None) as batch_op:
        batch_op.drop_index("ix_rental_resource_photos_resource")
        batch_op.drop_index(batch_op.f("ix_rental_resource_photos_tenant_id"))
    op.drop_table("rental_resource_photos")
