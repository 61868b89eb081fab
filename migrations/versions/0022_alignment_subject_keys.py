"""Afstemming: normalise the stored subject keys of items and proposals (letters and digits only)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 13:00:00

A data migration. Subjects saved before the key was normalised (and those saved with the
earlier rules, which kept spaces: "tweede verblijven") are rewritten with the rules of
``portal.alignment.operations.common.normalise_subject``, copied here as ``subject_key`` so
this migration stays frozen when the app's rules change later.

No unique constraint covers a subject column (only the index on kind and subject), so two
rows that now share a key both stay: that they meet in a comparison is the point. A subject
without any letter or digit ("?!") keeps its stored value: an empty key would make such rows
meet each other and the column holds no empty subject elsewhere.

On PostgreSQL the tables FORCE row-level security, which binds their owner too (the owner
role has no BYPASSRLS): without a tenant in ``app.tenant_id`` every UPDATE would silently
touch no row. The migration lifts FORCE for its two tables inside its own transaction and
puts it back before it ends; the runtime role is bound by RLS throughout.

The downgrade changes nothing: the earlier spelling is not kept, and the normalised keys are
valid under every earlier revision.
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


def subject_key(subject):
    """Return the comparison key: letters and digits only, case-folded, without accents (frozen copy)."""
    decomposed = unicodedata.normalize("NFKD", subject.casefold())
    kept = "".join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))
    return kept[:SUBJECT_MAX]


def _normalise(bind, name):
    table = sa.table(name, sa.column("id", sa.Integer), sa.column("subject", sa.String))
    changes = []
    for row_id, subject in bind.execute(sa.select(table.c.id, table.c.subject).order_by(table.c.id)):
        key = subject_key(subject or "")
        if key and key != subject:
            changes.append({"row_id": row_id, "key": key})
    statement = table.update().where(table.c.id == sa.bindparam("row_id")).values(subject=sa.bindparam("key"))
    for start in range(0, len(changes), BATCH):
        bind.execute(statement, changes[start : start + BATCH])
    return len(changes)


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for name in TABLES:
        if postgres:
            op.execute(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY")
        _normalise(bind, name)
        if postgres:
            op.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")


def downgrade():
    pass
