"""work items keep the upload's request id and trace context

The pipeline's log lines and spans of a document carry the x-request-id and the W3C
traceparent of the UploadDocument call that queued it, also when a worker process takes the
document (issue 15, logs and traces).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("work_items", sa.Column("request_id", sa.String(length=128), server_default="", nullable=False))
    op.add_column("work_items", sa.Column("traceparent", sa.String(length=128), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.drop_column("traceparent")
        batch.drop_column("request_id")
