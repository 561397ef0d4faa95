"""Engine, sessions and migrations. SQLite (WAL, synchronous=FULL) by default, PostgreSQL to scale."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
# PostgreSQL advisory lock key that serialises migrations of processes sharing a database.
MIGRATION_LOCK = 0x646F6361_69  # "docai"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout: float = 30.0) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; FULL fsyncs every commit, so an
    # acknowledged upload survives a power cut.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # How long a transaction waits for another's write lock; past it the call is answered
    # UNAVAILABLE DATABASE_UNAVAILABLE (docai.services.common.server), not left hanging.
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cursor.close()


class Database:
    """One engine and session factory per process."""

    def __init__(self, url: str, *, busy_timeout: float = 30.0) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            options["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
        else:
            options["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **options)
        if self.is_sqlite:
            event.listen(self.engine, "connect", partial(_sqlite_pragmas, busy_timeout=busy_timeout))
            # SQLite takes the write lock at BEGIN IMMEDIATE, so two writers queue instead of deadlocking.
            event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection_url"] = self.url
        with self.engine.begin() as connection:
            if not self.is_sqlite:
                # api and worker processes starting together on a fresh database: one migrates, the
                # others wait here (the lock is held until this transaction commits), then find it done.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together, or not at all."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, busy_timeout: float = 30.0) -> Database:
    """Opens the database at `url` and migrates it.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:////var/docai/docai.db`` or
            ``postgresql+psycopg://docai@127.0.0.1:5432/docai``.
        busy_timeout: SQLite only: seconds a transaction waits for another's lock.
    """
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    database = Database(url, busy_timeout=busy_timeout)
    database.migrate()
    return database
