"""The feeds' indexes cover what a feed filters by, so a feed page is read from the
indexes alone (PostgreSQL).

A page of the home, person or document feed reads, per source, the newest events by a
backward scan of ``ix_activity_actor``, ``ix_activity_document`` or ``ix_activity_target``,
and filters each event by whether it is hidden, its verb and (home feed) its actor. With
those columns carried in the index (``INCLUDE``), PostgreSQL answers from the index
without visiting each event's row: at 1,000,000 events a home feed's first page touched
about 4,000 buffers, one per event read, and now about 700. The key columns are unchanged.
SQLite has no ``INCLUDE``: nothing changes there.

On a large store the upgrade rebuilds the three indexes (a few seconds per million
events), and writes to ``activity`` wait meanwhile.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (index, key columns, columns carried): as connectors/social/tables.py defines them.
_INDEXES = (
    ("ix_activity_actor", ["actor", "id"], ["verb", "hidden_at"]),
    ("ix_activity_document", ["document", "id"], ["actor", "verb", "hidden_at"]),
    ("ix_activity_target", ["target_kind", "target_id", "id"], ["actor", "verb", "hidden_at"]),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns, carried in _INDEXES:
        op.drop_index(name, table_name="activity")
        op.create_index(name, "activity", columns, postgresql_include=carried)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns, _ in _INDEXES:
        op.drop_index(name, table_name="activity")
        op.create_index(name, "activity", columns)
