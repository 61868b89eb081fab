"""Rentals: delivery by the owner with its cost, frozen on both rows of a reservation

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

RESOURCE_CHECK = "delivery_cost >= 0 AND (delivery_available OR delivery_cost = 0)"
ROW_CHECK = "delivery_cost >= 0 AND (handover_mode = 'levering' OR delivery_cost = 0)"
ROWS = ("rental_reservations", "rental_bookings")


def upgrade():
    with op.batch_alter_table("rental_resources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_available", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(
            sa.Column("delivery_cost", sa.Numeric(precision=10, scale=2), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(op.f("ck_rental_resources_delivery_cost"), RESOURCE_CHECK)
    for table in ROWS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("delivery_cost", sa.Numeric(precision=10, scale=2), server_default="0", nullable=False)
            )
            batch_op.create_check_constraint(op.f(f"ck_{table}_delivery_cost"), ROW_CHECK)


def downgrade():
    for table in reversed(ROWS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_delivery_cost"), type_="check")
            batch_op.drop_column("delivery_cost")
    with op.batch_alter_table("rental_resources", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_rental_resources_delivery_cost"), type_="check")
        batch_op.drop_column("delivery_cost")
        batch_op.drop_column("delivery_available")
