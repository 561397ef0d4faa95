"""review task and tuning job states get CHECK constraints: the database refuses any other state

The states are enums in code (docai.schemas.review.ReviewTaskState, docai.schemas.tuning.JobState)
and VARCHAR(20) columns with a CHECK constraint in the database (models.state_column), so a
stray write (a typo, a script, another client) cannot leave a task or job in a state nothing
handles. SQLite cannot add a constraint to a table: batch mode copies the table (rows included).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-11 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The states as of this revision (a migration must not change when the enums do later).
_CHECKS = {
    ("review_tasks", "ck_review_tasks_state"): ("open", "claimed", "approved", "rejected"),
    ("tuning_jobs", "ck_tuning_jobs_state"): ("PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"),
}


def upgrade() -> None:
    for (table, name), states in _CHECKS.items():
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(name, sa.column("state").in_(states))


def downgrade() -> None:
    for table, name in _CHECKS:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="check")
