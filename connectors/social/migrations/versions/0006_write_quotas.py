"""Write quotas: mentions notify once per comment, one open report per reporter per item.

``mention_notices`` records who has been told of a mention in each comment; it starts
with everyone a ``mention`` notification already told. Open reports that repeat an
earlier open report by the same person of the same item are dismissed (with a note
saying so; the first stays open) before the unique partial index goes on. The comments
quota needs no new index: ``ix_comments_author`` (author, created_at) serves it.

Revision ID: 0006
Revises: 0005
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REPEAT_NOTE = "Already reported by you: your first report of this item stays open."


def upgrade() -> None:
    op.create_table(
        "mention_notices",
        sa.Column("comment_id", sa.String(36), nullable=False),
        sa.Column("person", sa.String(36), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name="fk_mention_notices_comment_id_comments"
        ),
        sa.PrimaryKeyConstraint("comment_id", "person", name="pk_mention_notices"),
    )
    op.execute(
        "INSERT INTO mention_notices (comment_id, person, notified_at) "
        "SELECT a.object_id, n.recipient, MIN(n.created_at) "
        "FROM notifications n "
        "JOIN activity a ON a.id = n.activity_id "
        "JOIN comments c ON c.id = a.object_id "
        "WHERE n.kind = 'mention' AND a.object_kind = 'comment' "
        "GROUP BY a.object_id, n.recipient"
    )
    op.get_bind().execute(
        sa.text(
            "UPDATE reports SET status = 'dismissed', decided_at = :at, note = :note "
            "WHERE status = 'open' AND EXISTS ("
            " SELECT 1 FROM reports earlier WHERE earlier.status = 'open'"
            " AND earlier.reporter = reports.reporter"
            " AND earlier.item_kind = reports.item_kind"
            " AND earlier.item_id = reports.item_id"
            " AND (earlier.created_at < reports.created_at"
            "      OR (earlier.created_at = reports.created_at AND earlier.id < reports.id)))"
        ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True))),
        {"at": datetime.now(UTC), "note": REPEAT_NOTE},
    )
    op.create_index(
        "uq_reports_open",
        "reports",
        ["reporter", "item_kind", "item_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_reports_open", table_name="reports")
    op.drop_table("mention_notices")
