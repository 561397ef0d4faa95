"""documents get indexed search columns and a duplicate key, derived from their extraction

The pipeline flags an invoice whose vendor, number and gross match an earlier one of the tenant
(or whose file is the same) with DUPLICATE_INVOICE, by one indexed lookup on ``duplicate_key``
(or ``sha256``); ListDocuments filters by vendor, number, gross and invoice date on indexed
columns instead of the extraction's JSON (issue 16, items 5 and 6). The columns of documents
extracted before this revision are filled here, from their extraction.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from docai.services.storage.document_index import index_values

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_documents_tenant_id_duplicate_key": ["tenant_id", "duplicate_key"],
    "ix_documents_tenant_id_sha256": ["tenant_id", "sha256"],
    "ix_documents_tenant_id_search_number": ["tenant_id", "search_number"],
    "ix_documents_tenant_id_search_gross": ["tenant_id", "search_gross"],
    "ix_documents_tenant_id_search_date": ["tenant_id", "search_date"],
    "ix_documents_tenant_id_create_time": ["tenant_id", "create_time"],
}


def upgrade() -> None:
    op.add_column("documents", sa.Column("search_vendor", sa.String(length=300), server_default="", nullable=False))
    op.add_column("documents", sa.Column("search_number", sa.String(length=100), server_default="", nullable=False))
    op.add_column("documents", sa.Column("search_gross", sa.String(length=40), server_default="", nullable=False))
    op.add_column("documents", sa.Column("search_date", sa.Date(), nullable=True))
    op.add_column("documents", sa.Column("duplicate_key", sa.String(length=64), nullable=True))
    documents = sa.table(
        "documents",
        sa.column("id", sa.String()),
        sa.column("extraction", sa.JSON()),
        sa.column("search_vendor", sa.String()),
        sa.column("search_number", sa.String()),
        sa.column("search_gross", sa.String()),
        sa.column("search_date", sa.Date()),
        sa.column("duplicate_key", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(documents.c.id, documents.c.extraction).where(documents.c.extraction.is_not(None))
    ).all()
    for document_id, extraction in rows:
        connection.execute(documents.update().where(documents.c.id == document_id).values(**index_values(extraction)))
    for name, columns in _INDEXES.items():
        op.create_index(name, "documents", columns, unique=False)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("duplicate_key")
        batch.drop_column("search_date")
        batch.drop_column("search_gross")
        batch.drop_column("search_number")
        batch.drop_column("search_vendor")
