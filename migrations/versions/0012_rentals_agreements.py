"""rentals: loan agreements and insurance, handover/return reports and photos, waitlist, iCal tokens; RLS

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import portal.core.models
from sqlalchemy.dialects import postgresql

from tenants import rls

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

RESOURCE_COLUMNS = [
    ("insured_by", sa.String(length=20), "eigenaar"),
    ("insurer", sa.String(length=200), ""),
    ("policy_number", sa.String(length=100), ""),
    ("insurance_notes", sa.String(length=1000), ""),
    ("required_certificate", sa.String(length=200), ""),
]


def _agreement_columns():
    text = [
        ("accepted_by_name", sa.String(length=200)),
        ("requester_policy_number", sa.String(length=100)),
        ("operator_name", sa.String(length=200)),
        ("operator_certificate", sa.String(length=200)),
        ("pickup_report", sa.Text()),
        ("return_report", sa.Text()),
        ("damage_report", sa.Text()),
    ]
    return [
        sa.Column(
            "agreement_terms",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("accepted_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("picked_up_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("returned_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("has_damage", sa.Boolean(), server_default=sa.false(), nullable=False),
        *[sa.Column(name, type_, server_default="", nullable=False) for name, type_ in text],
    ]


OLD_STATUS = (
    "status IN ('aangevraagd', 'goedgekeurd', 'geweigerd', 'afgehaald', 'teruggebracht', 'afgerekend', 'geannuleerd')"
)
# 'wachtlijst': a request waiting for a free slot; it occupies nothing (not in the exclusion constraint).
NEW_STATUS = (
    "status IN ('wachtlijst', 'aangevraagd', 'goedgekeurd', 'geweigerd', 'afgehaald', 'teruggebracht', "
    "'afgerekend', 'geannuleerd')"
)


def _status_check(table, expression):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_status"), expression)


def upgrade():
    for table in ("rental_reservations", "rental_bookings"):
        _status_check(table, NEW_STATUS)
    with op.batch_alter_table("rental_resources", schema=None) as batch_op:
        for name, type_, default in RESOURCE_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, server_default=default, nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_rental_resources_insured_by"), "insured_by IN ('eigenaar', 'ontlener')"
        )
    for table in ("rental_reservations", "rental_bookings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _agreement_columns():
                batch_op.add_column(column)
    with op.batch_alter_table("rental_reservations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_rental_reservations_accepted_by_id_users"),
            "users",
            ["accepted_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "rental_calendar_tokens",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_rental_calendar_tokens_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rental_calendar_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_calendar_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rental_calendar_tokens_token_hash")),
    )
    with op.batch_alter_table("rental_calendar_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rental_calendar_tokens_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_rental_calendar_tokens_user", ["tenant_id", "user_id"], unique=False)

    op.create_table(
        "rental_photos",
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("reservation_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("stage IN ('afhalen', 'terugbrengen')", name=op.f("ck_rental_photos_stage")),
        sa.CheckConstraint(
            "(booking_id IS NULL) <> (reservation_id IS NULL)", name=op.f("ck_rental_photos_one_parent")
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_rental_photos_size_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["rental_bookings.id"],
            name=op.f("fk_rental_photos_booking_id_rental_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["rental_reservations.id"],
            name=op.f("fk_rental_photos_reservation_id_rental_reservations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_rental_photos_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_photos")),
    )
    with op.batch_alter_table("rental_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rental_photos_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_rental_photos_booking", ["tenant_id", "booking_id"], unique=False)
        batch_op.create_index("ix_rental_photos_reservation", ["tenant_id", "reservation_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in ("rental_calendar_tokens", "rental_photos"):
            for statement in rls.owner_policies(table):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("rental_photos", "rental_calendar_tokens"):
            for statement in rls.drop_policies(table):
                op.execute(statement)
    with op.batch_alter_table("rental_photos", schema=None) as batch_op:
        batch_op.drop_index("ix_rental_photos_reservation")
        batch_op.drop_index("ix_rental_photos_booking")
        batch_op.drop_index(batch_op.f("ix_rental_photos_tenant_id"))
    op.drop_table("rental_photos")
    with op.batch_alter_table("rental_calendar_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_rental_calendar_tokens_user")
        batch_op.drop_index(batch_op.f("ix_rental_calendar_tokens_tenant_id"))
    op.drop_table("rental_calendar_tokens")
    with op.batch_alter_table("rental_reservations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_rental_reservations_accepted_by_id_users"), type_="foreignkey")
        batch_op.drop_column("accepted_by_id")
    for table in ("rental_bookings", "rental_reservations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(_agreement_columns()):
                batch_op.drop_column(column.name)
    for table in ("rental_bookings", "rental_reservations"):
        op.execute(f"UPDATE {table} SET status = 'geannuleerd' WHERE status = 'wachtlijst'")
        _status_check(table, OLD_STATUS)
    with op.batch_alter_table("rental_resources", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_rental_resources_insured_by"), type_="check")
        for name, _type, _default in reversed(RESOURCE_COLUMNS):
            batch_op.drop_column(name)
