"""vendor master: the vendors each tenant's ERP knows, and their names as invoices are matched by

An invoice is resolved to a vendor of its tenant's master by tax id, then IBAN, then name or
alias (docai.services.vendors.resolve); its bank details are judged against the master's IBAN,
a vendor not in the master is reviewed, and the master's default route fills an uncovered route
(issue 16, item 8).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("vendor_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("tax_id", sa.String(length=40), nullable=False),
        sa.Column("tax_number", sa.String(length=40), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("cost_centre", sa.String(length=100), nullable=False),
        sa.Column("approver", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "vendor_id"),
    )
    op.create_index("ix_vendors_tenant_id_tax_id", "vendors", ["tenant_id", "tax_id"], unique=False)
    op.create_index("ix_vendors_tenant_id_tax_number", "vendors", ["tenant_id", "tax_number"], unique=False)
    op.create_index("ix_vendors_tenant_id_iban", "vendors", ["tenant_id", "iban"], unique=False)
    op.create_table(
        "vendor_names",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("vendor", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["vendor"], ["vendors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_vendor_names_tenant_id_name_key", "vendor_names", ["tenant_id", "name_key"], unique=False)
    op.create_index("ix_vendor_names_vendor", "vendor_names", ["vendor"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_vendor_names_vendor", table_name="vendor_names")
    op.drop_index("ix_vendor_names_tenant_id_name_key", table_name="vendor_names")
    op.drop_table("vendor_names")
    op.drop_index("ix_vendors_tenant_id_iban", table_name="vendors")
    op.drop_index("ix_vendors_tenant_id_tax_number", table_name="vendors")
    op.drop_index("ix_vendors_tenant_id_tax_id", table_name="vendors")
    op.drop_table("vendors")
