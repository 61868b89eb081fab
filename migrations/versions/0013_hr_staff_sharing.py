"""HR: staff sharing (two rows per terbeschikkingstelling), trainings, function catalogue, reserve; RLS

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 14:10:00

"""

import sqlalchemy as sa
from alembic import op

import portal.core.models
from tenants import rls

SHAREABLE = [
    ("trainings", "training", "hr"),
    ("job_functions", "job_function", "hr"),
    ("function_grades", "function_grade", "hr"),
    ("reserves", "reserve", "hr"),
]
OWNED = [
    "staff_sharings",
    "staff_sharing_approvals",
    "training_seats",
    "training_enrolments",
    "reserve_candidates",
    "reserve_requests",
    "reserve_request_decisions",
    "vacancy_interests",
]


def _run(statements):
    for statement in statements:
        op.execute(statement)


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_sharings",
        sa.Column("host_tenant_id", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=True),
        sa.Column("employee_name", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("host_cost_percent", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("home_decision", sa.String(length=12), nullable=False),
        sa.Column("host_decision", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "home_decision IN ('open', 'goedgekeurd', 'geweigerd')", name=op.f("ck_staff_sharings_home_decision")
        ),
        sa.CheckConstraint(
            "host_decision IN ('open', 'goedgekeurd', 'geweigerd')", name=op.f("ck_staff_sharings_host_decision")
        ),
        sa.CheckConstraint(
            "status IN ('aangevraagd', 'goedgekeurd', 'geweigerd', 'ingetrokken')",
            name=op.f("ck_staff_sharings_status"),
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_staff_sharings_period")),
        sa.CheckConstraint("host_cost_percent BETWEEN 0 AND 100", name=op.f("ck_staff_sharings_host_cost_percent")),
        sa.CheckConstraint("host_tenant_id <> tenant_id", name=op.f("ck_staff_sharings_two_parties")),
        sa.CheckConstraint("share_percent BETWEEN 1 AND 100", name=op.f("ck_staff_sharings_share_percent")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_staff_sharings_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["host_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_staff_sharings_host_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_sharings_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sharings")),
    )
    with op.batch_alter_table("staff_sharings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sharings_host_tenant_id"), ["host_tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_sharings_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "staff_sharing_approvals",
        sa.Column("home_tenant_id", sa.Integer(), nullable=False),
        sa.Column("sharing_id", sa.Integer(), nullable=False),
        sa.Column("employee_name", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("host_cost_percent", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("home_decision", sa.String(length=12), nullable=False),
        sa.Column("host_decision", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "home_decision IN ('open', 'goedgekeurd', 'geweigerd')",
            name=op.f("ck_staff_sharing_approvals_home_decision"),
        ),
        sa.CheckConstraint(
            "host_decision IN ('open', 'goedgekeurd', 'geweigerd')",
            name=op.f("ck_staff_sharing_approvals_host_decision"),
        ),
        sa.CheckConstraint(
            "status IN ('aangevraagd', 'goedgekeurd', 'geweigerd', 'ingetrokken')",
            name=op.f("ck_staff_sharing_approvals_status"),
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_staff_sharing_approvals_period")),
        sa.CheckConstraint("home_tenant_id <> tenant_id", name=op.f("ck_staff_sharing_approvals_two_parties")),
        sa.CheckConstraint(
            "host_cost_percent BETWEEN 0 AND 100", name=op.f("ck_staff_sharing_approvals_host_cost_percent")
        ),
        sa.CheckConstraint("share_percent BETWEEN 1 AND 100", name=op.f("ck_staff_sharing_approvals_share_percent")),
        sa.ForeignKeyConstraint(
            ["home_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_staff_sharing_approvals_home_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_staff_sharing_approvals_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sharing_approvals")),
        sa.UniqueConstraint(
            "tenant_id",
            "home_tenant_id",
            "sharing_id",
            name=op.f("uq_staff_sharing_approvals_tenant_id_home_tenant_id_sharing_id"),
        ),
    )
    with op.batch_alter_table("staff_sharing_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sharing_approvals_home_tenant_id"), ["home_tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_sharing_approvals_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "trainings",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organiser", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("price_partner", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attendance_saved_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("session_list", sa.JSON(), nullable=False),
        sa.Column("starts_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_trainings_audience_region")),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_trainings_audience")),
        sa.CheckConstraint("status IN ('gepland', 'geannuleerd')", name=op.f("ck_trainings_status")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_trainings_period")),
        sa.CheckConstraint("price_partner >= 0", name=op.f("ck_trainings_price_partner")),
        sa.CheckConstraint("seats BETWEEN 1 AND 1000", name=op.f("ck_trainings_seats")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_trainings_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_trainings_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_trainings_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trainings")),
    )
    with op.batch_alter_table("trainings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trainings_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trainings_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "training_seats",
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("participant_tenant_id", sa.Integer(), nullable=False),
        sa.Column("participant_user_id", sa.Integer(), nullable=True),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("participant_name", sa.String(length=200), nullable=False),
        sa.Column("participant_email", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("is_present", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('ingeschreven', 'wachtlijst', 'geannuleerd')", name=op.f("ck_training_seats_status")
        ),
        sa.ForeignKeyConstraint(
            ["participant_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_training_seats_participant_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["participant_user_id"],
            ["users.id"],
            name=op.f("fk_training_seats_participant_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_training_seats_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["training_id"], ["trainings.id"], name=op.f("fk_training_seats_training_id_trainings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_seats")),
        sa.UniqueConstraint(
            "tenant_id",
            "participant_tenant_id",
            "enrolment_id",
            name=op.f("uq_training_seats_tenant_id_participant_tenant_id_enrolment_id"),
        ),
    )
    with op.batch_alter_table("training_seats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_seats_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_training_seats_training_status", ["tenant_id", "training_id", "status"], unique=False)

    op.create_table(
        "training_enrolments",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("training_tenant_id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("training_title", sa.String(length=200), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('aangevraagd', 'geweigerd', 'ingeschreven', 'wachtlijst', 'geannuleerd')",
            name=op.f("ck_training_enrolments_status"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_training_enrolments_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_training_enrolments_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["training_id"],
            ["trainings.id"],
            name=op.f("fk_training_enrolments_training_id_trainings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["training_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_training_enrolments_training_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_enrolments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_enrolments")),
    )
    with op.batch_alter_table("training_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_enrolments_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_training_enrolments_user", ["tenant_id", "user_id", "training_id"], unique=False)

    op.create_table(
        "job_functions",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("family", sa.String(length=120), nullable=False),
        sa.Column("level", sa.String(length=1), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("competences", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_job_functions_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_job_functions_audience")),
        sa.CheckConstraint("level IN ('A', 'B', 'C', 'D', 'E')", name=op.f("ck_job_functions_level")),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_job_functions_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_job_functions_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_functions")),
        sa.UniqueConstraint("tenant_id", "title", name=op.f("uq_job_functions_tenant_id_title")),
    )
    with op.batch_alter_table("job_functions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_functions_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_functions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "function_grades",
        sa.Column("function_id", sa.Integer(), nullable=False),
        sa.Column("grade_min", sa.String(length=4), nullable=False),
        sa.Column("grade_max", sa.String(length=4), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_function_grades_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_function_grades_audience")),
        sa.CheckConstraint(
            "grade_max IN ('E1', 'E2', 'E3', 'D1', 'D2', 'D3', 'D4', 'C1', 'C2', 'C3', 'C4', 'C5', 'B1', 'B2', 'B3', 'B4', 'B5', 'A1a', 'A1b', 'A2a', 'A2b', 'A3a', 'A4a', 'A4b', 'A5a')",
            name=op.f("ck_function_grades_grade_max"),
        ),
        sa.CheckConstraint(
            "grade_min IN ('E1', 'E2', 'E3', 'D1', 'D2', 'D3', 'D4', 'C1', 'C2', 'C3', 'C4', 'C5', 'B1', 'B2', 'B3', 'B4', 'B5', 'A1a', 'A1b', 'A2a', 'A2b', 'A3a', 'A4a', 'A4b', 'A5a')",
            name=op.f("ck_function_grades_grade_min"),
        ),
        sa.ForeignKeyConstraint(
            ["function_id"],
            ["job_functions.id"],
            name=op.f("fk_function_grades_function_id_job_functions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_function_grades_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_function_grades_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_function_grades")),
        sa.UniqueConstraint("tenant_id", "function_id", name=op.f("uq_function_grades_tenant_id_function_id")),
    )
    with op.batch_alter_table("function_grades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_function_grades_function_id"), ["function_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_function_grades_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_function_grades_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "reserves",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("function_name", sa.String(length=120), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=True),
        sa.Column("selected_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_reserves_audience_region")),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_reserves_audience")),
        sa.CheckConstraint(
            "grade IN ('E1', 'E2', 'E3', 'D1', 'D2', 'D3', 'D4', 'C1', 'C2', 'C3', 'C4', 'C5', 'B1', 'B2', 'B3', 'B4', 'B5', 'A1a', 'A1b', 'A2a', 'A2b', 'A3a', 'A4a', 'A4b', 'A5a')",
            name=op.f("ck_reserves_grade"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_reserves_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_reserves_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_reserves_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_reserves_vacancy_id_vacancies"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserves")),
    )
    with op.batch_alter_table("reserves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reserves_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reserves_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "reserve_candidates",
        sa.Column("reserve_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("may_share", sa.Boolean(), nullable=False),
        sa.Column("consent_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("anonymised_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('actief', 'aangeworven', 'uitgeschreven')", name=op.f("ck_reserve_candidates_status")
        ),
        sa.CheckConstraint("NOT may_share OR consent_at IS NOT NULL", name=op.f("ck_reserve_candidates_consent")),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_reserve_candidates_rank")),
        sa.ForeignKeyConstraint(
            ["reserve_id"], ["reserves.id"], name=op.f("fk_reserve_candidates_reserve_id_reserves"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_reserve_candidates_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserve_candidates")),
        sa.UniqueConstraint(
            "tenant_id", "reserve_id", "rank", name=op.f("uq_reserve_candidates_tenant_id_reserve_id_rank")
        ),
    )
    with op.batch_alter_table("reserve_candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reserve_candidates_reserve_id"), ["reserve_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reserve_candidates_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "reserve_requests",
        sa.Column("reserve_tenant_id", sa.Integer(), nullable=False),
        sa.Column("reserve_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("reserve_title", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("candidate_name", sa.String(length=200), nullable=True),
        sa.Column("candidate_email", sa.String(length=255), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('aangevraagd', 'goedgekeurd', 'geweigerd', 'ingetrokken')",
            name=op.f("ck_reserve_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_reserve_requests_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reserve_id"], ["reserves.id"], name=op.f("fk_reserve_requests_reserve_id_reserves"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reserve_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reserve_requests_reserve_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_reserve_requests_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserve_requests")),
    )
    with op.batch_alter_table("reserve_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reserve_requests_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "reserve_request_decisions",
        sa.Column("requester_tenant_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reserve_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('aangevraagd', 'goedgekeurd', 'geweigerd', 'ingetrokken')",
            name=op.f("ck_reserve_request_decisions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["reserve_candidates.id"],
            name=op.f("fk_reserve_request_decisions_candidate_id_reserve_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_reserve_request_decisions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requester_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reserve_request_decisions_requester_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reserve_id"],
            ["reserves.id"],
            name=op.f("fk_reserve_request_decisions_reserve_id_reserves"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reserve_request_decisions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserve_request_decisions")),
        sa.UniqueConstraint(
            "tenant_id",
            "requester_tenant_id",
            "request_id",
            name=op.f("uq_reserve_request_decisions_tenant_id_requester_tenant_id_request_id"),
        ),
    )
    with op.batch_alter_table("reserve_request_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reserve_request_decisions_reserve_id"), ["reserve_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reserve_request_decisions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "vacancy_interests",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("keywords", sa.String(length=300), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_vacancy_interests_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_vacancy_interests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancy_interests")),
        sa.UniqueConstraint("tenant_id", "user_id", name=op.f("uq_vacancy_interests_tenant_id_user_id")),
    )
    with op.batch_alter_table("vacancy_interests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vacancy_interests_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vacancy_interests_user_id"), ["user_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table, share_type, domain in SHAREABLE:
            _run(rls.shareable_policies(table, share_type, domain))
        for table in OWNED:
            _run(rls.owner_policies(table))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in [*OWNED, *(t for t, _, _ in SHAREABLE)]:
            _run(rls.drop_policies(table))
    with op.batch_alter_table("vacancy_interests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vacancy_interests_user_id"))
        batch_op.drop_index(batch_op.f("ix_vacancy_interests_tenant_id"))

    op.drop_table("vacancy_interests")
    with op.batch_alter_table("reserve_request_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserve_request_decisions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_reserve_request_decisions_reserve_id"))

    op.drop_table("reserve_request_decisions")
    with op.batch_alter_table("reserve_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserve_requests_tenant_id"))

    op.drop_table("reserve_requests")
    with op.batch_alter_table("reserve_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserve_candidates_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_reserve_candidates_reserve_id"))

    op.drop_table("reserve_candidates")
    with op.batch_alter_table("reserves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reserves_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_reserves_region_id"))

    op.drop_table("reserves")
    with op.batch_alter_table("function_grades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_function_grades_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_function_grades_region_id"))
        batch_op.drop_index(batch_op.f("ix_function_grades_function_id"))

    op.drop_table("function_grades")
    with op.batch_alter_table("job_functions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_functions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_job_functions_region_id"))

    op.drop_table("job_functions")
    with op.batch_alter_table("training_enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_training_enrolments_user")
        batch_op.drop_index(batch_op.f("ix_training_enrolments_tenant_id"))

    op.drop_table("training_enrolments")
    with op.batch_alter_table("training_seats", schema=None) as batch_op:
        batch_op.drop_index("ix_training_seats_training_status")
        batch_op.drop_index(batch_op.f("ix_training_seats_tenant_id"))

    op.drop_table("training_seats")
    with op.batch_alter_table("trainings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trainings_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_trainings_region_id"))

    op.drop_table("trainings")
    with op.batch_alter_table("staff_sharing_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sharing_approvals_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_staff_sharing_approvals_home_tenant_id"))

    op.drop_table("staff_sharing_approvals")
    with op.batch_alter_table("staff_sharings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sharings_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_staff_sharings_host_tenant_id"))

    op.drop_table("staff_sharings")
