"""The social layer: revisions, reactions, tags, mentions, activity, notifications,
profiles, endorsements, reports and idempotency keys.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("deleted_by", sa.String(36), nullable=True))
        batch.add_column(sa.Column("hidden_at", _TS, nullable=True))
        batch.add_column(sa.Column("document", sa.String(1024), nullable=True))
    op.create_index("ix_comments_parent", "comments", ["parent_id"])
    # Comments before this revision were all on documents.
    op.execute("UPDATE comments SET document = target WHERE target_kind = 'document'")

    op.create_table(
        "comment_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("comment_id", sa.String(36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", _TS, nullable=False),
        sa.Column("replaced_at", _TS, nullable=False),
        sa.Column("replaced_by", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comment_revisions"),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name="fk_comment_revisions_comment_id_comments"
        ),
    )
    op.create_index("ix_comment_revisions_comment", "comment_revisions", ["comment_id", "id"])

    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person", sa.String(36), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(1024), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("document", sa.String(1024), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reactions"),
        sa.UniqueConstraint(
            "person", "target_kind", "target", "kind", name="uq_reactions_one_each"
        ),
    )
    op.create_index("ix_reactions_target", "reactions", ["target_kind", "target", "kind"])

    op.create_table(
        "item_tags",
        sa.Column("item_kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("item_kind", "item_id", "tag", name="pk_item_tags"),
    )
    op.create_index("ix_item_tags_tag", "item_tags", ["tag", "item_kind"])

    op.create_table(
        "mentions",
        sa.Column("comment_id", sa.String(36), nullable=False),
        sa.Column("person", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("comment_id", "person", name="pk_mentions"),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name="fk_mentions_comment_id_comments"
        ),
    )
    op.create_index("ix_mentions_person", "mentions", ["person"])

    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("actor", sa.String(36), nullable=False),
        sa.Column("verb", sa.String(32), nullable=False),
        sa.Column("object_kind", sa.String(16), nullable=False),
        sa.Column("object_id", sa.String(1024), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=True),
        sa.Column("target_id", sa.String(1024), nullable=True),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("document", sa.String(1024), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("hidden_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_activity"),
    )
    op.create_index("ix_activity_actor", "activity", ["actor", "id"])
    op.create_index("ix_activity_document", "activity", ["document", "id"])
    op.create_index("ix_activity_target", "activity", ["target_kind", "target_id", "id"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.String(36), nullable=True),
        sa.Column("actor", sa.String(36), nullable=True),
        sa.Column("document", sa.String(1024), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("read_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name="fk_notifications_activity_id_activity"
        ),
    )
    op.create_index("ix_notifications_recipient", "notifications", ["recipient", "id"])
    op.create_index("ix_notifications_unread", "notifications", ["recipient", "read_at"])

    op.create_table(
        "profile_fields",
        sa.Column("person", sa.String(36), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("changed_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("person", "field", name="pk_profile_fields"),
    )
    op.create_table(
        "profile_tags",
        sa.Column("person", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("person", "kind", "tag", name="pk_profile_tags"),
    )
    op.create_index("ix_profile_tags_tag", "profile_tags", ["kind", "tag"])
    op.create_table(
        "endorsements",
        sa.Column("endorser", sa.String(36), nullable=False),
        sa.Column("person", sa.String(36), nullable=False),
        sa.Column("skill", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("endorser", "person", "skill", name="pk_endorsements"),
    )
    op.create_index("ix_endorsements_person", "endorsements", ["person", "skill"])

    op.create_table(
        "reports",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("reporter", sa.String(36), nullable=False),
        sa.Column("item_kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("document", sa.String(1024), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(36), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
    )
    op.create_index("ix_reports_status", "reports", ["status", "created_at"])

    op.create_table(
        "idempotency_keys",
        sa.Column("actor", sa.String(36), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(1024), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name="pk_idempotency_keys"),
    )


def downgrade() -> None:
    for table in (
        "idempotency_keys",
        "reports",
        "endorsements",
        "profile_tags",
        "profile_fields",
        "notifications",
        "activity",
        "mentions",
        "item_tags",
        "reactions",
        "comment_revisions",
    ):
        op.drop_table(table)
    op.drop_index("ix_comments_parent", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("document")
        batch.drop_column("hidden_at")
        batch.drop_column("deleted_by")
