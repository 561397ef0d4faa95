"""Review task and tuning job states are enums in the database too: CHECK constraints (migration 0012)
refuse any other state, on SQLite and PostgreSQL, and the migration keeps the rows it finds."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError, StatementError

from docai.schemas.review import ReviewTaskState
from docai.services.storage import tables
from docai.services.storage.database import MIGRATIONS, open_database
from docai.services.tuning.jobs import JobState

_TENANT = "INSERT INTO tenants (id, name, thresholds, create_time) VALUES ('t', 't', '{}', '2025-01-01')"
_DOCUMENT = (
    "INSERT INTO documents (id, tenant_id, filename, external_id, sha256, size_bytes, page_count, state, "
    "failure_reason, failure_message, decision, review_reasons, checks, create_time, update_time) "
    "VALUES (:id, 't', 'a.pdf', '', 'x', 1, 1, 'review', '', '', '', '[]', '[]', '2025-01-01', '2025-01-01')"
)
_TASK = (
    "INSERT INTO review_tasks (id, tenant_id, document_id, state, reasons, version, claimed_by, "
    "create_time, update_time) "
    "VALUES (:id, 't', :id, :state, '[]', 1, '', '2025-01-01', '2025-01-01')"
)
_JOB = (
    "INSERT INTO tuning_jobs (id, tenant_id, task, state, stage, step, total_steps, loss, eta_s, metrics, error_code, "
    "error_reason, error_message, adapter, promoted, gate_summary, dataset_sha256, "
    "request_fingerprint, revision, create_time) "
    "VALUES (:id, 't', 'extraction', :state, 'training', 1, 2, 0, 0, '{}', 0, '', '', '', false, '', '', '', "
    "1, '2025-01-01')"
)


def _task(connection: Connection, task_id: str, state: str) -> None:
    connection.execute(text(_DOCUMENT), {"id": task_id})
    connection.execute(text(_TASK), {"id": task_id, "state": state})


def _refused(url: str, statement: str, **values: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if statement == _TASK:  # a task needs its document
                connection.execute(text(_DOCUMENT), {"id": values["id"]})
            connection.execute(text(statement), values)
        return False
    except IntegrityError:
        return True
    finally:
        engine.dispose()


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_the_database_refuses_a_review_or_job_state_not_in_the_enum(database_url: str) -> None:
    db = open_database(database_url)
    with db.transaction() as session:
        session.execute(text(_TENANT))
    assert _refused(database_url, _TASK, id="d1", state="lost")
    assert _refused(database_url, _TASK, id="d2", state="OPEN"), "the values are stored, not the names"
    assert _refused(database_url, _JOB, id="j1", state="DONE")
    assert _refused(database_url, _JOB, id="j2", state="running")
    assert not _refused(database_url, _JOB, id="j3", state="RUNNING")
    assert not _refused(database_url, _TASK, id="d4", state="claimed")
    with db.transaction() as session:
        assert session.get(tables.TuningJob, "j3").state is JobState.RUNNING
        assert session.get(tables.ReviewTask, "d4").state is ReviewTaskState.CLAIMED
    # The ORM refuses before the database is asked.
    with pytest.raises(StatementError, match="lost"), db.transaction() as session:
        session.add(tables.TuningJob(id="j5", tenant_id="t", task="extraction", state="lost"))
    db.dispose()


def test_migration_0012_adds_the_state_checks_to_a_database_with_review_tasks_and_jobs(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0011")
        connection.execute(text(_TENANT))
        _task(connection, "open-task", "open")
        _task(connection, "approved-task", "approved")
        connection.execute(text(_JOB), {"id": "job", "state": "SUCCEEDED"})
    engine.dispose()

    db = open_database(database_url)  # migrates to the newest revision
    with db.transaction() as session:
        states = {task.id: task.state for task in session.query(tables.ReviewTask)}
        assert states == {"open-task": ReviewTaskState.OPEN, "approved-task": ReviewTaskState.APPROVED}
        job = session.get(tables.TuningJob, "job")
        assert (job.state, job.stage, job.step) == (JobState.SUCCEEDED, "training", 1)
    found = inspect(db.engine)
    assert {c["name"] for c in found.get_check_constraints("review_tasks")} == {"ck_review_tasks_state"}
    assert {c["name"] for c in found.get_check_constraints("tuning_jobs")} == {"ck_tuning_jobs_state"}
    assert "ix_review_tasks_tenant_id_state_create_time" in {ix["name"] for ix in found.get_indexes("review_tasks")}
    assert _refused(database_url, "UPDATE review_tasks SET state = 'lost'")
    assert _refused(database_url, "UPDATE tuning_jobs SET state = 'DONE'")
    db.dispose()

    engine = create_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0011")
    assert not inspect(engine).get_check_constraints("tuning_jobs")
    engine.dispose()
