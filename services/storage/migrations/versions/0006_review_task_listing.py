"""review tasks are listed, counted and claimed by tenant and state, oldest first, in SQL

ListReviewTasks used to read every task of the tenant and filter in Python; it now filters
and pages in the database and needs an index in the order it reads (issue 13, defect 8).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 05:00:00.000000
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_review_tasks_tenant_id_state_create_time",
        "review_tasks",
        ["tenant_id", "state", "create_time", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_review_tasks_tenant_id_state_create_time", table_name="review_tasks")
