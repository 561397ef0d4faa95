"""A database that is locked, full or unreachable is answered UNAVAILABLE / RESOURCE_EXHAUSTED, never INTERNAL."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from docai.services.common.server import _status_for, database_error


def _reason(status: grpc.Status) -> str:
    detail = dict(status.trailing_metadata)["grpc-status-details-bin"]
    parsed = status_pb2.Status.FromString(detail)
    info = error_details_pb2.ErrorInfo()
    assert parsed.details[0].Unpack(info)
    return info.reason


def _raised(engine_url: str, *statements: str, setup: str = "") -> BaseException:
    engine = create_engine(engine_url)
    try:
        with engine.begin() as connection:
            if setup:
                connection.exec_driver_sql(setup)
            for statement in statements:
                connection.execute(text(statement))
    except BaseException as exc:  # noqa: BLE001
        return exc
    finally:
        engine.dispose()
    raise AssertionError("nothing was raised")


def test_a_full_database_is_resource_exhausted(tmp_path):
    url = f"sqlite:///{tmp_path / 'full.db'}"
    exc = _raised(
        url, "CREATE TABLE t (x BLOB)", "INSERT INTO t VALUES (zeroblob(100000))", setup="PRAGMA max_page_count=3"
    )
    assert isinstance(exc, OperationalError)
    status = _status_for(exc)
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert _reason(status) == "DATABASE_FULL"


def test_a_locked_database_is_unavailable(tmp_path):
    import sqlite3

    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        exc = _raised(f"sqlite:///{path}?timeout=0.1", "INSERT INTO t VALUES (1)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in str(exc)
    status = _status_for(exc)
    assert status.code == grpc.StatusCode.UNAVAILABLE
    assert _reason(status) == "DATABASE_UNAVAILABLE"
    assert "sqlite" not in status.details.lower()  # the driver's words stay in the log


def test_a_database_that_refuses_connections_is_unavailable():
    pytest.importorskip("psycopg")
    exc = _raised("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2", "SELECT 1")
    mapped = database_error(exc)
    assert mapped is not None and mapped.code == grpc.StatusCode.UNAVAILABLE and mapped.reason == "DATABASE_UNAVAILABLE"


def test_other_errors_are_left_alone(tmp_path):
    exc = _raised(
        f"sqlite:///{tmp_path / 'x.db'}",
        "CREATE TABLE t (x INTEGER UNIQUE)",
        "INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES (1)",
    )
    assert isinstance(exc, IntegrityError)
    assert database_error(exc) is None
    assert database_error(ValueError("x")) is None
    assert _status_for(exc).code == grpc.StatusCode.INTERNAL
