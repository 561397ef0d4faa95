"""Alembic environment: runs on the connection handed over by Database.migrate()."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from docai.services.storage.tables import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: take the URL from the ini or -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("no database URL: set sqlalchemy.url in the ini or pass -x url=...")
    connection = create_engine(url).connect()
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
