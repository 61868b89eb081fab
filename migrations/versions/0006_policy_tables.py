"""policy_tables: beleidstafels, members, meetings, agenda items, proposals, action items

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 00:43:47

On PostgreSQL every new table gets forced row-level security with the Shareable policies
(owner writes; region members and grantees read) and DML grants for the runtime role.
"""

import os

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy import text

import portal.core.models
from tenants import rls

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = '0005'
branch_labels = None
depends_on = None

SHAREABLE = [
    ("policy_tables", "policy_table", "beleidstafels"),
    ("policy_table_members", "policy_table_member", "beleidstafels"),
    ("policy_meetings", "policy_meeting", "beleidstafels"),
    ("policy_agenda_proposals", "policy_agenda_proposal", "beleidstafels"),
    ("policy_agenda_items", "policy_agenda_item", "beleidstafels"),
    ("policy_action_items", "policy_action_item", "beleidstafels"),
    ("policy_decisions", "policy_decision", "beleidstafels"),
    ("policy_decision_follow_ups", "policy_decision_follow_up", "beleidstafels"),
]


def _runtime_role():
    """Return the runtime role to grant to, or None when it does not exist (or is us)."""
    bind = op.get_bind()
    role = context.get_x_argument(as_dictionary=True).get("app_role") or os.environ.get("PORTAL_DB_APP_ROLE")
    role = role or rls.DEFAULT_RUNTIME_ROLE
    if not bind.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).scalar():
        return None
    if role == bind.execute(text("SELECT current_user")).scalar():
        return None
    return role


def upgrade():
    _create_tables()
    if op.get_bind().dialect.name == "postgresql":
        role = _runtime_role()
        for table, share_type, domain in SHAREABLE:
            for statement in rls.shareable_policies(table, share_type, domain):
                op.execute(statement)
            if role:
                op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {rls.quote_ident(role)}")
                op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {rls.quote_ident(role)}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, _share_type, _domain in SHAREABLE:
            for statement in rls.drop_policies(table):
                op.execute(statement)
    _drop_tables()


def _create_tables():
    op.create_table(
        "policy_tables",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("secretary_name", sa.String(length=200), nullable=False),
        sa.Column("secretary_email", sa.String(length=254), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_tables_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_tables_audience")),
        sa.CheckConstraint(
            "theme IN ('burger_welzijn', 'mobiliteit_openbare_werken', 'omgeving_klimaat_milieu', 'vrije_tijd', 'eigen')",  # noqa: E501
            name=op.f("ck_policy_tables_theme"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_tables_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_tables_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_tables")),
        sa.UniqueConstraint("tenant_id", "region_id", "name", name=op.f("uq_policy_tables_tenant_id_region_id_name")),
    )
    with op.batch_alter_table("policy_tables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_tables_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_tables_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_meetings",
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column("agenda_published_at", portal.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_meetings_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_meetings_audience")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_policy_meetings_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_meetings_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["policy_tables.id"],
            name=op.f("fk_policy_meetings_table_id_policy_tables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_meetings_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_meetings")),
    )
    with op.batch_alter_table("policy_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_meetings_region_id"), ["region_id"], unique=False)
        batch_op.create_index("ix_policy_meetings_table_starts", ["table_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_meetings_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_table_members",
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("policy_contact", sa.String(length=300), nullable=False),
        sa.Column("admin_contact", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_table_members_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_table_members_audience")),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_table_members_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["policy_tables.id"],
            name=op.f("fk_policy_table_members_table_id_policy_tables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_table_members_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_table_members")),
        sa.UniqueConstraint("tenant_id", "table_id", name=op.f("uq_policy_table_members_tenant_id_table_id")),
    )
    with op.batch_alter_table("policy_table_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_table_members_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_table_members_table_id"), ["table_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_table_members_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_agenda_proposals",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_agenda_proposals_audience_region")
        ),
        sa.CheckConstraint(
            "audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_agenda_proposals_audience")
        ),
        sa.CheckConstraint(
            "kind IN ('informatie', 'bespreking', 'beslissing')", name=op.f("ck_policy_agenda_proposals_kind")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_agenda_proposals_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["users.id"],
            name=op.f("fk_policy_agenda_proposals_proposed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_policy_agenda_proposals_region_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_agenda_proposals_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_agenda_proposals")),
    )
    with op.batch_alter_table("policy_agenda_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_agenda_proposals_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_agenda_proposals_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_agenda_proposals_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_agenda_items",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("owner_tenant_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_agenda_items_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_agenda_items_audience")),
        sa.CheckConstraint(
            "kind IN ('informatie', 'bespreking', 'beslissing')", name=op.f("ck_policy_agenda_items_kind")
        ),
        sa.CheckConstraint("position >= 1", name=op.f("ck_policy_agenda_items_position")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_agenda_items_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_agenda_items_owner_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["policy_agenda_proposals.id"],
            name=op.f("fk_policy_agenda_items_proposal_id_policy_agenda_proposals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_agenda_items_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_agenda_items_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_agenda_items")),
        sa.UniqueConstraint("tenant_id", "proposal_id", name=op.f("uq_policy_agenda_items_tenant_id_proposal_id")),
    )
    with op.batch_alter_table("policy_agenda_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_agenda_items_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_agenda_items_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_agenda_items_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_action_items",
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_tenant_id", sa.Integer(), nullable=False),
        sa.Column("owner_person", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_action_items_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_action_items_audience")),
        sa.CheckConstraint(
            "status IN ('open', 'bezig', 'klaar', 'geannuleerd')", name=op.f("ck_policy_action_items_status")
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["policy_agenda_items.id"],
            name=op.f("fk_policy_action_items_agenda_item_id_policy_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_action_items_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_action_items_owner_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_action_items_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["policy_tables.id"],
            name=op.f("fk_policy_action_items_table_id_policy_tables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_action_items_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_action_items")),
    )
    with op.batch_alter_table("policy_action_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_action_items_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_action_items_region_id"), ["region_id"], unique=False)
        batch_op.create_index("ix_policy_action_items_table_status", ["table_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_action_items_tenant_id"), ["tenant_id"], unique=False)


    op.create_table(
        "policy_decisions",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_decisions_audience_region")
        ),
        sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_decisions_audience")),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["policy_agenda_items.id"],
            name=op.f("fk_policy_decisions_agenda_item_id_policy_agenda_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["policy_meetings.id"],
            name=op.f("fk_policy_decisions_meeting_id_policy_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_policy_decisions_region_id_regions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_policy_decisions_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_decisions")),
        sa.UniqueConstraint("tenant_id", "agenda_item_id", name=op.f("uq_policy_decisions_tenant_id_agenda_item_id")),
    )
    with op.batch_alter_table("policy_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_decisions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_decisions_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_decisions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "policy_decision_follow_ups",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("audience", sa.String(length=16), server_default="own", nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience <> 'region' OR region_id IS NOT NULL", name=op.f("ck_policy_decision_follow_ups_audience_region")
        ),
        sa.CheckConstraint(
            "audience IN ('own', 'region', 'partners')", name=op.f("ck_policy_decision_follow_ups_audience")
        ),
        sa.CheckConstraint(
            "status <> 'uitgevoerd' OR done_on IS NOT NULL", name=op.f("ck_policy_decision_follow_ups_done_has_date")
        ),
        sa.CheckConstraint(
            "status IN ('voor_te_leggen', 'voorgelegd', 'uitgevoerd', 'niet_van_toepassing')",
            name=op.f("ck_policy_decision_follow_ups_status"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["policy_decisions.id"],
            name=op.f("fk_policy_decision_follow_ups_decision_id_policy_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_policy_decision_follow_ups_region_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_policy_decision_follow_ups_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_decision_follow_ups")),
        sa.UniqueConstraint(
            "tenant_id", "decision_id", name=op.f("uq_policy_decision_follow_ups_tenant_id_decision_id")
        ),
    )
    with op.batch_alter_table("policy_decision_follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_decision_follow_ups_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_decision_follow_ups_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_decision_follow_ups_tenant_id"), ["tenant_id"], unique=False)


def _drop_tables():
    with op.batch_alter_table("policy_decision_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_decision_follow_ups_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_decision_follow_ups_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_decision_follow_ups_decision_id"))

    op.drop_table("policy_decision_follow_ups")
    with op.batch_alter_table("policy_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_decisions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_decisions_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_decisions_meeting_id"))

    op.drop_table("policy_decisions")
    with op.batch_alter_table("policy_action_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_action_items_tenant_id"))
        batch_op.drop_index("ix_policy_action_items_table_status")
        batch_op.drop_index(batch_op.f("ix_policy_action_items_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_action_items_meeting_id"))

    op.drop_table("policy_action_items")
    with op.batch_alter_table("policy_agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_agenda_items_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_agenda_items_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_agenda_items_meeting_id"))

    op.drop_table("policy_agenda_items")
    with op.batch_alter_table("policy_agenda_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_agenda_proposals_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_agenda_proposals_region_id"))
        batch_op.drop_index(batch_op.f("ix_policy_agenda_proposals_meeting_id"))

    op.drop_table("policy_agenda_proposals")
    with op.batch_alter_table("policy_table_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_table_members_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_table_members_table_id"))
        batch_op.drop_index(batch_op.f("ix_policy_table_members_region_id"))

    op.drop_table("policy_table_members")
    with op.batch_alter_table("policy_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_meetings_tenant_id"))
        batch_op.drop_index("ix_policy_meetings_table_starts")
        batch_op.drop_index(batch_op.f("ix_policy_meetings_region_id"))

    op.drop_table("policy_meetings")
    with op.batch_alter_table("policy_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_tables_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_policy_tables_region_id"))

    op.drop_table("policy_tables")
