"""Indexes that erasure (and deleting a comment) reads by: activity events by their object,
and notifications by the activity event they tell of.

Erasing a person deletes their activity events and the events about what they wrote; each
deleted event is checked against ``notifications.activity_id`` (its foreign key), which had
no index, so every one scanned the whole notifications table (4,000 events against 8,000
notifications: 1.4 s). Events were found by object (``_hide_events_about`` on every comment
deletion, and erasure) by scanning the whole activity table.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_activity_object", "activity", ["object_kind", "object_id"])
    op.create_index("ix_notifications_activity", "notifications", ["activity_id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_activity", table_name="notifications")
    op.drop_index("ix_activity_object", table_name="activity")
