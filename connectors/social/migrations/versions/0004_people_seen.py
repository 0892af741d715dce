"""People as last seen on the directory's change feed, and change-feed checkpoints.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people_seen",
        sa.Column("guid", sa.String(36), nullable=False),
        sa.Column("department", sa.String(256), nullable=True),
        sa.Column("title", sa.String(256), nullable=True),
        sa.Column("manager", sa.String(1024), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guid", name="pk_people_seen"),
    )
    op.create_table(
        "feed_checkpoints",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_feed_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("feed_checkpoints")
    op.drop_table("people_seen")
