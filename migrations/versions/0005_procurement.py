"""gezamenlijke aankoop: plans, dossiers, lots, stages, participations, Q&A

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 00:45:20

Every table is a Shareable tenant table: row-level security policies on PostgreSQL.
Participations and their lines use the share domain "aankoop_deelname", which no
agreement grants: only the per-object grant to the lead municipality opens them.
"""
import sqlalchemy as sa
from alembic import op

import portal.core.models
from tenants import rls


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


SHAREABLE = [
    ("procurement_plans", "procurement_plan", "aankoop"),
    ("procurement_dossiers", "procurement_dossier", "aankoop"),
    ("procurement_lots", "procurement_lot", "aankoop"),
    ("procurement_stages", "procurement_stage", "aankoop"),
    ("procurement_questions", "procurement_question", "aankoop"),
    ("procurement_participations", "procurement_participation", "aankoop_deelname"),
    ("procurement_participation_lines", "procurement_participation_line", "aankoop_deelname"),
]


def upgrade():
    op.create_table('procurement_dossiers',
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('cpv_code', sa.String(length=10), nullable=False),
    sa.Column('legal_form', sa.String(length=30), nullable=False),
    sa.Column('procedure', sa.String(length=40), nullable=False),
    sa.Column('estimated_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('joining_deadline_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('allows_later_joining', sa.Boolean(), nullable=False),
    sa.Column('audience', sa.String(length=16), server_default='own', nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f('ck_procurement_dossiers_audience_region')),
    sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f('ck_procurement_dossiers_audience')),
    sa.CheckConstraint("legal_form IN ('opdrachtencentrale', 'gezamenlijke_opdracht')", name=op.f('ck_procurement_dossiers_legal_form')),
    sa.CheckConstraint("procedure IN ('aanvaarde_factuur', 'onderhandeling_zonder_bekendmaking', 'onderhandeling_met_bekendmaking', 'openbare_procedure', 'niet_openbare_procedure')", name=op.f('ck_procurement_dossiers_procedure')),
    sa.CheckConstraint("stage IN ('behoefteninventaris', 'marktverkenning', 'bestek', 'publicatie', 'gunning', 'uitvoering', 'afgesloten')", name=op.f('ck_procurement_dossiers_stage')),
    sa.CheckConstraint("status IN ('concept', 'open', 'gesloten')", name=op.f('ck_procurement_dossiers_status')),
    sa.CheckConstraint('estimated_value >= 0', name=op.f('ck_procurement_dossiers_value_positive')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_procurement_dossiers_region_id_regions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procurement_dossiers_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_dossiers'))
    )
    with op.batch_alter_table('procurement_dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_dossiers_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_dossiers_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('procurement_plans',
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('cpv_code', sa.String(length=10), nullable=False),
    sa.Column('estimated_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('expected_from_on', sa.Date(), nullable=False),
    sa.Column('expected_until_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=16), server_default='own', nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f('ck_procurement_plans_audience_region')),
    sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f('ck_procurement_plans_audience')),
    sa.CheckConstraint('estimated_value >= 0', name=op.f('ck_procurement_plans_value_positive')),
    sa.CheckConstraint('expected_until_on >= expected_from_on', name=op.f('ck_procurement_plans_period_order')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_procurement_plans_region_id_regions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procurement_plans_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_plans'))
    )
    with op.batch_alter_table('procurement_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_plans_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_plans_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('procurement_lots',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('estimated_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('supplier_name', sa.String(length=200), nullable=True),
    sa.Column('supplier_kbo', sa.String(length=12), nullable=True),
    sa.Column('awarded_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('awarded_at', portal.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contract_start_on', sa.Date(), nullable=True),
    sa.Column('contract_end_on', sa.Date(), nullable=True),
    sa.Column('renewal_options', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.String(length=16), server_default='own', nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f('ck_procurement_lots_audience_region')),
    sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f('ck_procurement_lots_audience')),
    sa.CheckConstraint('(awarded_value IS NULL) = (supplier_name IS NULL)', name=op.f('ck_procurement_lots_award_complete')),
    sa.CheckConstraint('awarded_value IS NULL OR awarded_value >= 0', name=op.f('ck_procurement_lots_awarded_positive')),
    sa.CheckConstraint('contract_end_on IS NULL OR contract_start_on IS NULL OR contract_end_on >= contract_start_on', name=op.f('ck_procurement_lots_contract_order')),
    sa.CheckConstraint('estimated_value >= 0', name=op.f('ck_procurement_lots_value_positive')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_procurement_lots_number_positive')),
    sa.ForeignKeyConstraint(['dossier_id'], ['procurement_dossiers.id'], name=op.f('fk_procurement_lots_dossier_id_procurement_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_procurement_lots_region_id_regions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procurement_lots_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_lots')),
    sa.UniqueConstraint('tenant_id', 'dossier_id', 'number', name=op.f('uq_procurement_lots_tenant_id_dossier_id_number'))
    )
    with op.batch_alter_table('procurement_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_lots_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_lots_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_lots_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('procurement_participations',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('contact_name', sa.String(length=160), nullable=False),
    sa.Column('mandate_body', sa.String(length=60), nullable=True),
    sa.Column('mandate_on', sa.Date(), nullable=True),
    sa.Column('mandate_reference', sa.String(length=100), nullable=True),
    sa.Column('withdrawn_at', portal.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('audience', sa.String(length=16), server_default='own', nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f('ck_procurement_participations_audience_region')),
    sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f('ck_procurement_participations_audience')),
    sa.CheckConstraint("status IN ('interesse', 'deelname', 'ingetrokken')", name=op.f('ck_procurement_participations_status')),
    sa.CheckConstraint('(mandate_body IS NULL AND mandate_on IS NULL AND mandate_reference IS NULL) OR (mandate_body IS NOT NULL AND mandate_on IS NOT NULL AND mandate_reference IS NOT NULL)', name=op.f('ck_procurement_participations_mandate_complete')),
    sa.ForeignKeyConstraint(['dossier_id'], ['procurement_dossiers.id'], name=op.f('fk_procurement_participations_dossier_id_procurement_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_procurement_participations_region_id_regions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procurement_participations_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_participations')),
    sa.UniqueConstraint('tenant_id', 'dossier_id', name=op.f('uq_procurement_participations_tenant_id_dossier_id'))
    )
    with op.batch_alter_table('procurement_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_participations_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_participations_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_participations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('procurement_questions',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_name', sa.String(length=160), nullable=False),
    sa.Column('audience', sa.String(length=16), server_default='own', nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f('ck_procurement_questions_audience_region')),
    sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f('ck_procurement_questions_audience')),
    sa.ForeignKeyConstraint(['dossier_id'], ['procurement_dossiers.id'], name=op.f('fk_procurement_questions_dossier_id_procurement_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_procurement_questions_region_id_regions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procurement_questions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_questions'))
    )
    with op.batch_alter_table('procurement_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_questions_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_questions_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_questions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('procurement_stages',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('actual_on', sa.Date(), nullable=True),
    sa.Column('audience', sa.String(length=16), server_default='own', nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f('ck_procurement_stages_audience_region')),
    sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f('ck_procurement_stages_audience')),
    sa.CheckConstraint("stage IN ('behoefteninventaris', 'marktverkenning', 'bestek', 'publicatie', 'gunning', 'uitvoering', 'afgesloten')", name=op.f('ck_procurement_stages_stage')),
    sa.ForeignKeyConstraint(['dossier_id'], ['procurement_dossiers.id'], name=op.f('fk_procurement_stages_dossier_id_procurement_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_procurement_stages_region_id_regions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procurement_stages_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_stages')),
    sa.UniqueConstraint('tenant_id', 'dossier_id', 'stage', name=op.f('uq_procurement_stages_tenant_id_dossier_id_stage'))
    )
    with op.batch_alter_table('procurement_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_stages_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_stages_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_stages_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('procurement_participation_lines',
    sa.Column('participation_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('audience', sa.String(length=16), server_default='own', nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("audience <> 'region' OR region_id IS NOT NULL", name=op.f('ck_procurement_participation_lines_audience_region')),
    sa.CheckConstraint("audience IN ('own', 'region', 'partners')", name=op.f('ck_procurement_participation_lines_audience')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_procurement_participation_lines_amount_positive')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_procurement_participation_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['lot_id'], ['procurement_lots.id'], name=op.f('fk_procurement_participation_lines_lot_id_procurement_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participation_id'], ['procurement_participations.id'], name=op.f('fk_procurement_participation_lines_participation_id_procurement_participations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_procurement_participation_lines_region_id_regions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procurement_participation_lines_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_participation_lines')),
    sa.UniqueConstraint('tenant_id', 'participation_id', 'lot_id', name=op.f('uq_procurement_participation_lines_tenant_id_participation_id_lot_id'))
    )
    with op.batch_alter_table('procurement_participation_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_participation_lines_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_participation_lines_participation_id'), ['participation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_participation_lines_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_participation_lines_tenant_id'), ['tenant_id'], unique=False)


    if op.get_bind().dialect.name == "postgresql":
        for table, share_type, domain in SHAREABLE:
            for statement in rls.shareable_policies(table, share_type, domain):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, _share_type, _domain in SHAREABLE:
            for statement in rls.drop_policies(table):
                op.execute(statement)
    with op.batch_alter_table('procurement_participation_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_participation_lines_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_participation_lines_region_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_participation_lines_participation_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_participation_lines_lot_id'))

    op.drop_table('procurement_participation_lines')
    with op.batch_alter_table('procurement_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_stages_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_stages_region_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_stages_dossier_id'))

    op.drop_table('procurement_stages')
    with op.batch_alter_table('procurement_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_questions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_questions_region_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_questions_dossier_id'))

    op.drop_table('procurement_questions')
    with op.batch_alter_table('procurement_participations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_participations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_participations_region_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_participations_dossier_id'))

    op.drop_table('procurement_participations')
    with op.batch_alter_table('procurement_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_lots_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_lots_region_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_lots_dossier_id'))

    op.drop_table('procurement_lots')
    with op.batch_alter_table('procurement_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_plans_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_plans_region_id'))

    op.drop_table('procurement_plans')
    with op.batch_alter_table('procurement_dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_dossiers_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_procurement_dossiers_region_id'))

    op.drop_table('procurement_dossiers')
