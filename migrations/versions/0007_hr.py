"""Gedeelde HR: vacancies, time shares, applications, pipeline events, receipts, settings; RLS

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 00:46:51.324008

"""

import sqlalchemy as sa
from alembic import op

import portal.core.models
from tenants import rls

SHAREABLE = [("vacancies", "vacancy", "hr")]
OWNED = ["hr_settings", "application_receipts", "applications", "vacancy_shares", "application_events"]


def _run(statements):
    for statement in statements:
        op.execute(statement)


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hr_settings",
        sa.Column("retention_months", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("retention_months BETWEEN 1 AND 120", name=op.f("ck_hr_settings_retention_months")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hr_settings_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_settings")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_hr_settings_tenant_id")),
    )
    with op.batch_alter_table("hr_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hr_settings_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "vacancies",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=False),
        sa.Column("function_name", sa.String(length=120), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("employment", sa.String(length=12), nullable=False),
        sa.Column("percentage", sa.Integer(), nullable=False),
        sa.Column("salary_min", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("salary_max", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("profile_html", sa.Text(), nullable=False),
        sa.Column("selection_steps", sa.Text(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("published_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_vacancies_audience_region")),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_vacancies_audience")),
        sa.CheckConstraint("employment IN ('statutair', 'contractueel')", name=op.f("ck_vacancies_employment")),
        sa.CheckConstraint(
            "grade IN ('E1', 'E2', 'E3', 'D1', 'D2', 'D3', 'D4', 'C1', 'C2', 'C3', 'C4', 'C5', 'B1', 'B2', 'B3', 'B4', 'B5', 'A1a', 'A1b', 'A2a', 'A2b', 'A3a', 'A4a', 'A4b', 'A5a')",  # noqa: E501
            name=op.f("ck_vacancies_grade"),
        ),
        sa.CheckConstraint("kind IN ('extern', 'intern', 'gedeeld')", name=op.f("ck_vacancies_kind")),
        sa.CheckConstraint(
            "status IN ('concept', 'gepubliceerd', 'afgesloten', 'ingevuld', 'geannuleerd')",
            name=op.f("ck_vacancies_status"),
        ),
        sa.CheckConstraint("percentage BETWEEN 1 AND 100", name=op.f("ck_vacancies_percentage")),
        sa.CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max",
            name=op.f("ck_vacancies_salary_range"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_vacancies_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_vacancies_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_vacancies_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancies")),
    )
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vacancies_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vacancies_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_vacancies_tenant_status", ["tenant_id", "status"], unique=False)

    op.create_table(
        "application_receipts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("vacancy_tenant_id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("vacancy_title", sa.String(length=200), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_application_receipts_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_application_receipts_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_application_receipts_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_application_receipts_vacancy_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_receipts")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "application_id",
            name=op.f("uq_application_receipts_tenant_id_user_id_application_id"),
        ),
    )
    with op.batch_alter_table("application_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_receipts_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_application_receipts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "applications",
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("applicant_user_id", sa.Integer(), nullable=True),
        sa.Column("applicant_tenant_id", sa.Integer(), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("cv_filename", sa.String(length=200), nullable=True),
        sa.Column("cv_data", sa.LargeBinary(), nullable=True),
        sa.Column("consent_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("anonymised_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source = 'extern' OR applicant_user_id IS NOT NULL OR anonymised_at IS NOT NULL",
            name=op.f("ck_applications_intern_user"),
        ),
        sa.CheckConstraint("source IN ('extern', 'intern')", name=op.f("ck_applications_source")),
        sa.CheckConstraint(
            "status IN ('ontvangen', 'screening', 'test', 'gesprek', 'aanbod', 'aangeworven', 'afgewezen')",
            name=op.f("ck_applications_status"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_applications_applicant_tenant_id_tenants"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["applicant_user_id"],
            ["users.id"],
            name=op.f("fk_applications_applicant_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_applications_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_applications_vacancy_id_vacancies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_applications_vacancy", ["tenant_id", "vacancy_id", "status"], unique=False)

    op.create_table(
        "vacancy_shares",
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("share_percent BETWEEN 1 AND 100", name=op.f("ck_vacancy_shares_share_percent")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["tenants.id"],
            name=op.f("fk_vacancy_shares_municipality_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_vacancy_shares_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_vacancy_shares_vacancy_id_vacancies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancy_shares")),
        sa.UniqueConstraint("vacancy_id", "municipality_id", name=op.f("uq_vacancy_shares_vacancy_id_municipality_id")),
    )
    with op.batch_alter_table("vacancy_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vacancy_shares_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vacancy_shares_vacancy_id"), ["vacancy_id"], unique=False)

    op.create_table(
        "application_events",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("to_status IS NOT NULL OR note <> ''", name=op.f("ck_application_events_content")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_events_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_application_events_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_application_events_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_events")),
    )
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_events_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_application_events_tenant_id"), ["tenant_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table, share_type, domain in SHAREABLE:
            _run(rls.shareable_policies(table, share_type, domain))
        for table in OWNED:
            _run(rls.owner_policies(table))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in [*OWNED, *(t for t, _, _ in SHAREABLE)]:
            _run(rls.drop_policies(table))
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_events_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_application_events_application_id"))

    op.drop_table("application_events")
    with op.batch_alter_table("vacancy_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vacancy_shares_vacancy_id"))
        batch_op.drop_index(batch_op.f("ix_vacancy_shares_tenant_id"))

    op.drop_table("vacancy_shares")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_vacancy")
        batch_op.drop_index(batch_op.f("ix_applications_tenant_id"))

    op.drop_table("applications")
    with op.batch_alter_table("application_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_receipts_user_id"))
        batch_op.drop_index(batch_op.f("ix_application_receipts_tenant_id"))

    op.drop_table("application_receipts")
    with op.batch_alter_table("vacancies", schema=None) as batch_op:
        batch_op.drop_index("ix_vacancies_tenant_status")
        batch_op.drop_index(batch_op.f("ix_vacancies_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_vacancies_region_id"))

    op.drop_table("vacancies")
    with op.batch_alter_table("hr_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hr_settings_tenant_id"))

    op.drop_table("hr_settings")
