"""Afstemming: a comparison key next to the subject of items and proposals

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 13:00:00

The subject stays as the user typed it (what users see: "Tweede verblijven"); the new
``subject_key`` column holds its comparison key ("tweedeverblijven"), on which comparisons,
notifications and suggestions match, indexed with the kind (replacing the index on kind and
subject). The app sets it on every save; here it is filled with the rules of
``portal.alignment.subjects.normalise_subject``, copied as ``subject_key`` so this migration
stays frozen when the app's rules change later. A subject without any letter or digit ("?!",
which the app refuses today) gets its case-folded text as key: it meets only its own spelling,
and the CHECK (a subject that is not empty has a key that is not empty) holds.

On PostgreSQL the tables FORCE row-level security, which binds their owner too (the owner
role has no BYPASSRLS): without a tenant in ``app.tenant_id`` every UPDATE would silently
touch no row. The migration lifts FORCE for its two tables inside its own transaction and
puts it back before it ends; the runtime role is bound by RLS throughout.

The downgrade drops the key columns, their index and CHECK, and restores the index on kind
and subject; the subjects themselves were never changed.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLES = ("alignment_items", "alignment_proposals")
#: The longest key the column holds.
SUBJECT_MAX = 120
#: Rows updated per statement.
BATCH = 500
CHECK = "subject_key <> '' OR subject = ''"


def subject_key(subject):
    """Return the comparison key: letters and digits only, case-folded, without accents (frozen copy)."""
    decomposed = unicodedata.normalize("NFKD", subject.casefold())
    kept = "".join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))
    return kept[:SUBJECT_MAX]


def _fill(bind, name):
    table = sa.table(name, sa.column("id", sa.Integer), sa.column("subject", sa.String), sa.column("subject_key"))
    changes = []
    for row_id, subject in bind.execute(sa.select(table.c.id, table.c.subject).order_by(table.c.id)):
        subject = subject or ""
        changes.append({"row_id": row_id, "key": subject_key(subject) or subject.casefold()[:SUBJECT_MAX]})
    statement = table.update().where(table.c.id == sa.bindparam("row_id")).values(subject_key=sa.bindparam("key"))
    for start in range(0, len(changes), BATCH):
        bind.execute(statement, changes[start : start + BATCH])
    return len(changes)


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("subject_key", sa.String(length=SUBJECT_MAX), nullable=True))
        if postgres:
            op.execute(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY")
        _fill(bind, name)
        if postgres:
            op.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column("subject_key", existing_type=sa.String(length=SUBJECT_MAX), nullable=False)
            batch_op.create_check_constraint(op.f(f"ck_{name}_subject_key"), CHECK)
            if name == "alignment_items":
                batch_op.drop_index("ix_alignment_items_kind_subject")
            batch_op.create_index(f"ix_{name}_kind_subject_key", ["kind", "subject_key"], unique=False)


def downgrade():
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{name}_kind_subject_key")
            batch_op.drop_constraint(op.f(f"ck_{name}_subject_key"), type_="check")
            batch_op.drop_column("subject_key")
            if name == "alignment_items":
                batch_op.create_index("ix_alignment_items_kind_subject", ["kind", "subject"], unique=False)
