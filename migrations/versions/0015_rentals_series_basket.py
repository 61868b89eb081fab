"""Rentals: weekly recurring series, request groups per owner, waitlist offers

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:40:00

"""

import sqlalchemy as sa
from alembic import op

import portal.core.models
from tenants import rls

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("rental_reservations", "rental_bookings")
OLD_STATUS = (
    "status IN ('wachtlijst', 'aangevraagd', 'goedgekeurd', 'geweigerd', 'afgehaald', 'teruggebracht', "
    "'afgerekend', 'geannuleerd')"
)
# 'aangeboden': a freed slot held for the first on the waitlist; it occupies the resource.
NEW_STATUS = (
    "status IN ('wachtlijst', 'aangeboden', 'aangevraagd', 'goedgekeurd', 'geweigerd', 'afgehaald', "
    "'teruggebracht', 'afgerekend', 'geannuleerd')"
)
GROUP = "(group_key IS NULL) = (group_kind IS NULL) AND (group_kind IS NULL OR group_kind IN ('mand', 'reeks'))"
HANDOVER = "handover_mode IN ('afhalen', 'levering')"
EXCLUSION = (
    "ALTER TABLE rental_bookings ADD CONSTRAINT ex_rental_bookings_no_overlap "
    "EXCLUDE USING gist (tenant_id WITH =, resource_id WITH =, "
    "tstzrange(starts_at, blocked_until, '[)') WITH &&) "
    "WHERE (is_single_unit AND status IN ({statuses}))"
)


def _exclusion(statuses):
    op.execute("ALTER TABLE rental_bookings DROP CONSTRAINT IF EXISTS ex_rental_bookings_no_overlap")
    op.execute(EXCLUSION.format(statuses=", ".join(f"'{s}'" for s in statuses)))


def _status_check(table, expression):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_status"), expression)


def upgrade():
    for table in TABLES:
        _status_check(table, NEW_STATUS)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("group_key", sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column("group_kind", sa.String(length=10), nullable=True))
            batch_op.add_column(
                sa.Column("handover_mode", sa.String(length=20), server_default="afhalen", nullable=False)
            )
            batch_op.add_column(
                sa.Column("offer_expires_at", portal.core.models.UTCDateTime(timezone=True), nullable=True)
            )
            batch_op.create_check_constraint(op.f(f"ck_{table}_group_kind"), GROUP)
            batch_op.create_check_constraint(op.f(f"ck_{table}_handover_mode"), HANDOVER)
            batch_op.create_index(f"ix_{table}_tenant_group", ["tenant_id", "group_key"], unique=False)

    op.create_table(
        "rental_basket_items",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("resource_name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("handover_mode", sa.String(length=20), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_rental_basket_items_period")),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_rental_basket_items_quantity_positive")),
        sa.CheckConstraint(HANDOVER, name=op.f("ck_rental_basket_items_handover_mode")),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["rental_resources.id"],
            name=op.f("fk_rental_basket_items_resource_id_rental_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_rental_basket_items_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rental_basket_items_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_basket_items")),
    )
    with op.batch_alter_table("rental_basket_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rental_basket_items_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_rental_basket_items_user", ["tenant_id", "user_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.owner_policies("rental_basket_items"):
            op.execute(statement)
        # A held offer occupies the single unit like a request: the database still refuses a double booking.
        _exclusion(("aangeboden", "aangevraagd", "goedgekeurd", "afgehaald"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.drop_policies("rental_basket_items"):
            op.execute(statement)
    with op.batch_alter_table("rental_basket_items", schema=None) as batch_op:
        batch_op.drop_index("ix_rental_basket_items_user")
        batch_op.drop_index(batch_op.f("ix_rental_basket_items_tenant_id"))
    op.drop_table("rental_basket_items")
    for table in TABLES:
        # An open offer goes back to the waitlist it came from.
        op.execute(f"UPDATE {table} SET status = 'wachtlijst' WHERE status = 'aangeboden'")
    if op.get_bind().dialect.name == "postgresql":
        _exclusion(("aangevraagd", "goedgekeurd", "afgehaald"))
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_tenant_group")
            batch_op.drop_constraint(op.f(f"ck_{table}_handover_mode"), type_="check")
            batch_op.drop_constraint(op.f(f"ck_{table}_group_kind"), type_="check")
            batch_op.drop_column("offer_expires_at")
            batch_op.drop_column("handover_mode")
            batch_op.drop_column("group_kind")
            batch_op.drop_column("group_key")
        _status_check(table, OLD_STATUS)
