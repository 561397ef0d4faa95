"""tokens carry who is calling: the person (actor) and role of a person token, and when a token was revoked

Scopes are now erp, person, service and operator (docai.services.common.tenants); a person token
names one person of the tenant and their role, so the server knows who acts from the credential
alone. Existing tokens keep their scope and name no one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("actor", sa.String(length=120), nullable=False, server_default=""))
        batch.add_column(sa.Column("role", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("revoke_time", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoke_time")
        batch.drop_column("role")
        batch.drop_column("actor")
