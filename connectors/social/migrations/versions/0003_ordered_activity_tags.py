"""Activity tags in id order: zero-padded activity ids, and the tag index covering them.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE item_tags SET item_id = lpad(item_id, 12, '0') WHERE item_kind = 'activity'"
        )
    else:
        op.execute(
            "UPDATE item_tags SET item_id = substr('000000000000' || item_id, -12) "
            "WHERE item_kind = 'activity'"
        )
    op.drop_index("ix_item_tags_tag", table_name="item_tags")
    op.create_index("ix_item_tags_tag", "item_tags", ["tag", "item_kind", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_item_tags_tag", table_name="item_tags")
    op.create_index("ix_item_tags_tag", "item_tags", ["tag", "item_kind"])
    op.execute(
        "UPDATE item_tags SET item_id = CAST(CAST(item_id AS INTEGER) AS VARCHAR(36)) "
        "WHERE item_kind = 'activity'"
    )
