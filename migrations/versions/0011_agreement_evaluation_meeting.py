"""agreements: an evaluation optionally links the beleidstafel meeting where it was discussed

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# No new table: agreement_evaluations keeps the row-level security policies of 0003 (read by the
# parties, written by the trekker); the meeting itself stays behind the policies of 0006.


def upgrade():
    with op.batch_alter_table("agreement_evaluations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_agreement_evaluations_meeting_id_policy_meetings"),
            "policy_meetings",
            ["meeting_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("agreement_evaluations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_agreement_evaluations_meeting_id_policy_meetings"), type_="foreignkey")
        batch_op.drop_column("meeting_id")
