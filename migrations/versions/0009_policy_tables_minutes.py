"""policy_tables: minutes, calendar tokens, inventory, invitations, attendance, challenges, documents

Revision ID: 0009
Revises: 0008

On PostgreSQL every new tenant table gets forced row-level security with the Shareable
policies (owner writes; region members and grantees read). The calendar tokens are a
per-user identity table like api_tokens (no tenant), read before a tenant is known.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import portal.core.models
from tenants import rls

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SHAREABLE = [
    ("policy_cooperations", "policy_cooperation", "beleidstafels"),
    ("policy_minutes", "policy_minutes", "beleidstafels"),
    ("policy_minutes_versions", "policy_minutes_version", "beleidstafels"),
    ("policy_minutes_remarks", "policy_minutes_remark", "beleidstafels"),
    ("policy_cooperation_evaluations", "policy_cooperation_evaluation", "beleidstafels"),
    ("policy_meeting_guests", "policy_meeting_guest", "beleidstafels"),
    ("policy_meeting_responses", "policy_meeting_response", "beleidstafels"),
    ("policy_meeting_attendances", "policy_meeting_attendance", "beleidstafels"),
    ("policy_challenges", "policy_challenge", "beleidstafels"),
    ("policy_table_documents", "policy_table_document", "beleidstafels"),
]


def upgrade():
    op.create_table(
        "policy_cooperations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_form", sa.String(length=40), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=False),
        sa.Column(
            "partner_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("other_partners", sa.String(length=500), nullable=False),
        sa.Column("kbo_number", sa.String(length=10), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("contact", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_cooperations_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_cooperations_audience")),
        sa.CheckConstraint(
            "kbo_number = '' OR length(kbo_number) = 10", name=op.f("ck_policy_cooperations_kbo_length")
        ),
        sa.CheckConstraint(
            "legal_form IN ('intercommunale', 'politiezone', 'brandweerzone', 'projectvereniging', 'dienstverlenende_vereniging', 'opdrachthoudende_vereniging', 'interlokale_vereniging', 'informeel')",
            name=op.f("ck_policy_cooperations_legal_form"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_cooperations_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_cooperations_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_cooperations")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_policy_cooperations_tenant_id_name")),
    )
    with op.batch_alter_table("policy_cooperations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_cooperations_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_cooperations_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_calendar_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_policy_calendar_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_calendar_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_policy_calendar_tokens_token_hash")),
    )
    with op.batch_alter_table("policy_calendar_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_calendar_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "policy_minutes",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("sent_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_at_meeting_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_minutes_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_minutes_audience")),
        sa.CheckConstraint(
            "status <> 'gepubliceerd' OR published_at IS NOT NULL", name=op.f("ck_policy_minutes_published_has_date")
        ),
        sa.CheckConstraint(
            "status IN ('ontwerp', 'ter_opmerking') OR approved_at_meeting_id IS NOT NULL",
            name=op.f("ck_policy_minutes_approved_has_meeting"),
        ),
        sa.CheckConstraint(
            "status IN ('ontwerp', 'ter_opmerking', 'goedgekeurd', 'gepubliceerd')",
            name=op.f("ck_policy_minutes_status"),
        ),
        sa.CheckConstraint("current_version >= 1", name=op.f("ck_policy_minutes_current_version")),
        sa.ForeignKeyConstraint(
            ["approved_at_meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_minutes_approved_at_meeting_id_policy_meetings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_minutes_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_minutes_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_minutes_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_minutes")),
        sa.UniqueConstraint("tenant_id", "meeting_id", name=op.f("uq_policy_minutes_tenant_id_meeting_id")),
    )
    with op.batch_alter_table("policy_minutes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_minutes_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_minutes_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_minutes_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_minutes_versions",
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("change_note", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_minutes_versions_audience_region")
        ),
        sa.CheckConstraint(
            "audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_minutes_versions_audience")
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_policy_minutes_versions_number")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_policy_minutes_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["minutes_id"],
            ["policy_minutes.id"],
            name=op.f("fk_policy_minutes_versions_minutes_id_policy_minutes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_policy_minutes_versions_region_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_minutes_versions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_minutes_versions")),
        sa.UniqueConstraint(
            "tenant_id", "minutes_id", "number", name=op.f("uq_policy_minutes_versions_tenant_id_minutes_id_number")
        ),
    )
    with op.batch_alter_table("policy_minutes_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_minutes_versions_minutes_id"), ["minutes_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_minutes_versions_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_minutes_versions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_minutes_remarks",
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_minutes_remarks_audience_region")
        ),
        sa.CheckConstraint(
            "audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_minutes_remarks_audience")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_policy_minutes_remarks_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["minutes_id"],
            ["policy_minutes.id"],
            name=op.f("fk_policy_minutes_remarks_minutes_id_policy_minutes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_minutes_remarks_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_minutes_remarks_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_minutes_remarks")),
    )
    with op.batch_alter_table("policy_minutes_remarks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_minutes_remarks_minutes_id"), ["minutes_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_minutes_remarks_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_minutes_remarks_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_cooperation_evaluations",
        sa.Column("cooperation_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("score_effectiveness", sa.Integer(), nullable=False),
        sa.Column("score_efficiency", sa.Integer(), nullable=False),
        sa.Column("score_service", sa.Integer(), nullable=False),
        sa.Column("score_governance", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL",
            name=op.f("ck_policy_cooperation_evaluations_audience_region"),
        ),
        sa.CheckConstraint(
            "audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_cooperation_evaluations_audience")
        ),
        sa.CheckConstraint(
            "recommendation IN ('voortzetten', 'bijsturen', 'stopzetten')",
            name=op.f("ck_policy_cooperation_evaluations_recommendation"),
        ),
        sa.CheckConstraint(
            "score_effectiveness BETWEEN 1 AND 5", name=op.f("ck_policy_cooperation_evaluations_score_effectiveness")
        ),
        sa.CheckConstraint(
            "score_efficiency BETWEEN 1 AND 5", name=op.f("ck_policy_cooperation_evaluations_score_efficiency")
        ),
        sa.CheckConstraint(
            "score_governance BETWEEN 1 AND 5", name=op.f("ck_policy_cooperation_evaluations_score_governance")
        ),
        sa.CheckConstraint(
            "score_service BETWEEN 1 AND 5", name=op.f("ck_policy_cooperation_evaluations_score_service")
        ),
        sa.ForeignKeyConstraint(
            ["cooperation_id"],
            ["policy_cooperations.id"],
            name=op.f("fk_policy_cooperation_evaluations_cooperation_id_policy_cooperations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_cooperation_evaluations_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_policy_cooperation_evaluations_region_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_cooperation_evaluations_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_cooperation_evaluations")),
    )
    with op.batch_alter_table("policy_cooperation_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_cooperation_evaluations_cooperation_id"), ["cooperation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_policy_cooperation_evaluations_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_cooperation_evaluations_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_cooperation_evaluations_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_meeting_guests",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=False),
        sa.Column("answered_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "answer IN ('open', 'ja', 'nee', 'misschien')", name=op.f("ck_policy_meeting_guests_answer")
        ),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_meeting_guests_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_meeting_guests_audience")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_meeting_guests_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_meeting_guests_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_meeting_guests_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_meeting_guests")),
        sa.UniqueConstraint(
            "tenant_id", "meeting_id", "email", name=op.f("uq_policy_meeting_guests_tenant_id_meeting_id_email")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_policy_meeting_guests_token_hash")),
    )
    with op.batch_alter_table("policy_meeting_guests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_meeting_guests_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_meeting_guests_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_meeting_guests_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_meeting_responses",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("answer IN ('ja', 'nee', 'misschien')", name=op.f("ck_policy_meeting_responses_answer")),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_meeting_responses_audience_region")
        ),
        sa.CheckConstraint(
            "audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_meeting_responses_audience")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_meeting_responses_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_policy_meeting_responses_region_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_meeting_responses_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_policy_meeting_responses_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_meeting_responses")),
        sa.UniqueConstraint(
            "tenant_id", "meeting_id", "user_id", name=op.f("uq_policy_meeting_responses_tenant_id_meeting_id_user_id")
        ),
    )
    with op.batch_alter_table("policy_meeting_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_meeting_responses_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_meeting_responses_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_meeting_responses_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_meeting_attendances",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("guest_id", sa.Integer(), nullable=True),
        sa.Column("attendee_tenant_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_meeting_attendances_audience_region")
        ),
        sa.CheckConstraint(
            "audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_meeting_attendances_audience")
        ),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (guest_id IS NULL)", name=op.f("ck_policy_meeting_attendances_one_person")
        ),
        sa.CheckConstraint(
            "user_id IS NULL OR attendee_tenant_id IS NOT NULL",
            name=op.f("ck_policy_meeting_attendances_member_has_tenant"),
        ),
        sa.ForeignKeyConstraint(
            ["attendee_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_meeting_attendances_attendee_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["guest_id"],
            ["policy_meeting_guests.id"],
            name=op.f("fk_policy_meeting_attendances_guest_id_policy_meeting_guests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_meeting_attendances_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_policy_meeting_attendances_region_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_meeting_attendances_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_policy_meeting_attendances_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_meeting_attendances")),
        sa.UniqueConstraint(
            "tenant_id",
            "meeting_id",
            "guest_id",
            name=op.f("uq_policy_meeting_attendances_tenant_id_meeting_id_guest_id"),
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "meeting_id",
            "user_id",
            name=op.f("uq_policy_meeting_attendances_tenant_id_meeting_id_user_id"),
        ),
    )
    with op.batch_alter_table("policy_meeting_attendances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_meeting_attendances_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_meeting_attendances_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_meeting_attendances_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_challenges",
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result_kind", sa.String(length=20), nullable=False),
        sa.Column("result_link", sa.String(length=500), nullable=False),
        sa.Column("result_note", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_challenges_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_challenges_audience")),
        sa.CheckConstraint(
            "result_kind = '' OR result_kind IN ('overeenkomst', 'aankoop', 'personeel', 'materieel', 'ander')",
            name=op.f("ck_policy_challenges_result_kind"),
        ),
        sa.CheckConstraint(
            "status <> 'opgestart' OR result_kind <> ''", name=op.f("ck_policy_challenges_started_has_result")
        ),
        sa.CheckConstraint(
            "status IN ('idee', 'onderzocht', 'opgestart', 'afgevoerd')", name=op.f("ck_policy_challenges_status")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_challenges_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["policy_tables.id"],
            name=op.f("fk_policy_challenges_table_id_policy_tables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_challenges_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_challenges")),
    )
    with op.batch_alter_table("policy_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_challenges_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_challenges_table_id"), ["table_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_challenges_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_table_documents",
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_table_documents_audience_region")
        ),
        sa.CheckConstraint(
            "audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_table_documents_audience")
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_policy_table_documents_size")),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_table_documents_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["policy_tables.id"],
            name=op.f("fk_policy_table_documents_table_id_policy_tables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_table_documents_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_policy_table_documents_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["policy_agenda_items.id"],
            name=op.f("fk_policy_table_documents_agenda_item_id_policy_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_table_documents")),
    )
    with op.batch_alter_table("policy_table_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_table_documents_agenda_item_id"), ["agenda_item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_table_documents_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_table_documents_table_id"), ["table_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_table_documents_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("policy_meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_key", sa.String(length=32), server_default="", nullable=False))

    with op.batch_alter_table("policy_tables", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publish_days_before", sa.Integer(), server_default="7", nullable=False))
        batch_op.create_check_constraint(
            batch_op.f("ck_policy_tables_publish_days_before"), "publish_days_before BETWEEN 0 AND 60"
        )

    if op.get_bind().dialect.name == "postgresql":
        for table, share_type, domain in SHAREABLE:
            for statement in rls.shareable_policies(table, share_type, domain):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, _share_type, _domain in SHAREABLE:
            for statement in rls.drop_policies(table):
                op.execute(statement)
    with op.batch_alter_table("policy_tables", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_policy_tables_publish_days_before"), type_="check")
        batch_op.drop_column("publish_days_before")

    with op.batch_alter_table("policy_meetings", schema=None) as batch_op:
        batch_op.drop_column("series_key")

    with op.batch_alter_table("policy_table_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_table_documents_agenda_item_id"))
        batch_op.drop_index(batch_op.f("ix_policy_table_documents_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_table_documents_table_id"))
        batch_op.drop_index(batch_op.f("ix_policy_table_documents_region_id"))

    op.drop_table("policy_table_documents")
    with op.batch_alter_table("policy_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_challenges_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_challenges_table_id"))
        batch_op.drop_index(batch_op.f("ix_policy_challenges_region_id"))

    op.drop_table("policy_challenges")
    with op.batch_alter_table("policy_meeting_attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_meeting_attendances_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_meeting_attendances_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_meeting_attendances_meeting_id"))

    op.drop_table("policy_meeting_attendances")
    with op.batch_alter_table("policy_meeting_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_meeting_responses_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_meeting_responses_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_meeting_responses_meeting_id"))

    op.drop_table("policy_meeting_responses")
    with op.batch_alter_table("policy_meeting_guests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_meeting_guests_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_meeting_guests_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_meeting_guests_meeting_id"))

    op.drop_table("policy_meeting_guests")
    with op.batch_alter_table("policy_cooperation_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_cooperation_evaluations_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_cooperation_evaluations_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_cooperation_evaluations_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_policy_cooperation_evaluations_cooperation_id"))

    op.drop_table("policy_cooperation_evaluations")
    with op.batch_alter_table("policy_minutes_remarks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_minutes_remarks_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_minutes_remarks_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_minutes_remarks_minutes_id"))

    op.drop_table("policy_minutes_remarks")
    with op.batch_alter_table("policy_minutes_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_minutes_versions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_minutes_versions_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_minutes_versions_minutes_id"))

    op.drop_table("policy_minutes_versions")
    with op.batch_alter_table("policy_minutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_minutes_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_minutes_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_minutes_meeting_id"))

    op.drop_table("policy_minutes")
    with op.batch_alter_table("policy_calendar_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_calendar_tokens_user_id"))

    op.drop_table("policy_calendar_tokens")
    with op.batch_alter_table("policy_cooperations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_cooperations_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_cooperations_region_id"))

    op.drop_table("policy_cooperations")
