"""HR records as last seen on the HR change feed (staff-visible fields only).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hr_seen",
        sa.Column("record", sa.String(64), nullable=False),
        sa.Column("guid", sa.String(36), nullable=True),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("work_location", sa.Text(), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record", name="pk_hr_seen"),
    )
    op.create_index("ix_hr_seen_guid", "hr_seen", ["guid"])


def downgrade() -> None:
    op.drop_index("ix_hr_seen_guid", table_name="hr_seen")
    op.drop_table("hr_seen")
