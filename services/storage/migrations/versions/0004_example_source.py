"""approved examples say where their labels came from: a person's review, or an e-invoice

An e-invoice whose XML and page agree is a labelled example that no person reviewed
(docai.services.pipeline.free_labels); its source keeps it apart from reviewers' work.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approved_examples") as batch:
        batch.add_column(sa.Column("source", sa.String(length=32), nullable=False, server_default="review"))


def downgrade() -> None:
    with op.batch_alter_table("approved_examples") as batch:
        batch.drop_column("source")
