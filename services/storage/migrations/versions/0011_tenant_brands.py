"""tenant brands: sellers' own brands (voice, examples, banned words and claims, required facts)

Each tenant creates, updates and deletes brands of its own beside the shipped ones, which stay
read-only examples (docai.services.generation.brands.TenantBrands; issue 16, item 11).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_brands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("brand_id", sa.String(length=63), nullable=False),
        sa.Column("guide", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "brand_id"),
    )


def downgrade() -> None:
    op.drop_table("tenant_brands")
