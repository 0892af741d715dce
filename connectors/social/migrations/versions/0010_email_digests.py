"""Email digests: each person's choice of digest, and the ledger of digests sent.

``digest_preferences`` (person -> never | daily | weekly; no row: the gateway's
default) and ``digest_deliveries`` (one row per person and period, claimed, then sent or
skipped; its primary key is what lets only one sender claim a period). Notifications get
an index by creation time: each round of the digest sender looks for the people with
unread notifications made within one period.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_preferences",
        sa.Column("person", sa.String(36), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person", name="pk_digest_preferences"),
    )
    op.create_table(
        "digest_deliveries",
        sa.Column("person", sa.String(36), nullable=False),
        sa.Column("period", sa.String(24), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("claim", sa.String(32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notifications", sa.Integer, nullable=False, server_default="0"),
        sa.Column("note", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("person", "period", name="pk_digest_deliveries"),
    )
    op.create_index("ix_digest_deliveries_period", "digest_deliveries", ["period", "status"])
    op.create_index("ix_notifications_created", "notifications", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_created", table_name="notifications")
    op.drop_index("ix_digest_deliveries_period", table_name="digest_deliveries")
    op.drop_table("digest_deliveries")
    op.drop_table("digest_preferences")
