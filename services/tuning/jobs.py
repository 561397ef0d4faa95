"""Tuning jobs as the service sees them: what a caller may choose, what the service shows, the
durable store, and the :class:`JobRunner` that runs them.

The runner is offline work (``docai.training.jobs.JobManager``); the serving side only knows this
contract, so a suite installed without the training tools serves everything but tuning.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select, update

from docai.schemas.tuning import JobState
from docai.services.common.errors import AbortedError
from docai.services.storage import tables

__all__ = [
    "INTERRUPTED_MESSAGE",
    "TERMINAL_STATES",
    "JobOptions",
    "JobRunner",
    "JobStage",
    "JobState",
    "JobStore",
    "TuningJob",
]


class JobStage(StrEnum):
    """Where a job is within its state: what ``TuningProgress.stage`` shows."""

    DATASET = "dataset"
    TRAINING = "training"
    EVALUATING = "evaluating"
    DONE = "done"


TERMINAL_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
# A job of a stopped process in one of these never finishes: recover() marks it FAILED.
UNFINISHED_STATES = frozenset({JobState.PENDING, JobState.RUNNING})
INTERRUPTED_MESSAGE = "the server stopped while the job ran; the champion is unchanged; create a new job"


@dataclass(frozen=True)
class JobOptions:
    """What a caller may choose for one job (zero values mean defaults)."""

    task: str = "extraction"
    max_steps: int = 0
    learning_rate: float = 0.0
    lora_rank: int = 0
    synthetic_examples: int = 0
    auto_promote: bool = False
    max_reviewer_share: float = 0.0
    dev_documents: int = -1


@dataclass
class TuningJob:
    """One job as the service shows it."""

    id: str
    tenant_id: str
    task: str
    state: JobState = JobState.PENDING
    stage: JobStage = JobStage.DATASET
    step: int = 0
    total_steps: int = 0
    loss: float = 0.0
    eta_s: float = 0.0
    metrics: dict[str, Any] = field(default_factory=dict)
    error_code: int = 0
    error_reason: str = ""
    error_message: str = ""
    adapter: str = ""
    promoted: bool = False
    gate_summary: str = ""
    dataset_sha256: str = ""
    create_time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    revision: int = 0

    @property
    def name(self) -> str:
        return f"tuningJobs/{self.id}"


_RECORDED = (
    "tenant_id",
    "task",
    "state",
    "stage",
    "step",
    "total_steps",
    "loss",
    "eta_s",
    "metrics",
    "error_code",
    "error_reason",
    "error_message",
    "adapter",
    "promoted",
    "gate_summary",
    "dataset_sha256",
    "create_time",
    "start_time",
    "end_time",
    "revision",
)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every time the service shows is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class JobStore:
    """The durable record of tuning jobs (table ``tuning_jobs``).

    Args:
        db: The database (``docai.services.storage.database.Database``).
    """

    def __init__(self, db: Any) -> None:
        self.db = db

    @staticmethod
    def _values(job: TuningJob) -> dict[str, Any]:
        values = {key: getattr(job, key) for key in _RECORDED}
        # Metrics come from trainers and gates: keep only JSON values, so a stray type cannot fail the write.
        values["metrics"] = json.loads(json.dumps(job.metrics, default=str))
        return values

    @staticmethod
    def _job(row: tables.TuningJob) -> TuningJob:
        job = TuningJob(id=row.id, **{key: getattr(row, key) for key in _RECORDED})
        job.stage = JobStage(job.stage)  # a plain string column: the set is closed in code only
        job.create_time = _utc(job.create_time) or job.create_time
        job.start_time, job.end_time = _utc(job.start_time), _utc(job.end_time)
        return job

    def insert(self, job: TuningJob, *, request_id: str, fingerprint: str) -> None:
        """Records a new job.

        Raises:
            IntegrityError: another job of the tenant already holds ``request_id``.
        """
        with self.db.transaction() as session:
            session.add(
                tables.TuningJob(
                    id=job.id, request_id=request_id or None, request_fingerprint=fingerprint, **self._values(job)
                )
            )

    def save(self, job: TuningJob) -> None:
        """Writes ``job`` over an older revision of a job that has not finished (else writes nothing).

        The conditions make writes from several threads land in revision order, and keep a
        finished record final (a late write of a process that lost its job cannot revive it).
        """
        with self.db.transaction() as session:
            session.execute(
                update(tables.TuningJob)
                .where(
                    tables.TuningJob.id == job.id,
                    tables.TuningJob.revision < job.revision,
                    tables.TuningJob.state.not_in(TERMINAL_STATES),
                )
                .values(**self._values(job))
            )

    def get(self, job_id: str) -> TuningJob | None:
        with self.db.transaction() as session:
            row = session.get(tables.TuningJob, job_id)
            return None if row is None else self._job(row)

    def list(self, tenant_id: str) -> list[TuningJob]:
        with self.db.transaction() as session:
            rows = session.scalars(select(tables.TuningJob).where(tables.TuningJob.tenant_id == tenant_id)).all()
            return [self._job(row) for row in rows]

    def by_request(self, *, tenant_id: str, request_id: str) -> tuple[str, str] | None:
        """The request fingerprint and job id of an earlier create with ``request_id``, if any."""
        if not request_id:
            return None
        with self.db.transaction() as session:
            row = session.execute(
                select(tables.TuningJob.request_fingerprint, tables.TuningJob.id).where(
                    tables.TuningJob.tenant_id == tenant_id, tables.TuningJob.request_id == request_id
                )
            ).first()
            return None if row is None else (row[0], row[1])

    def interrupt(self, *, keep: set[str]) -> builtins.list[str]:
        """Marks every PENDING or RUNNING job not in ``keep`` FAILED ``INTERRUPTED``; returns their ids."""
        with self.db.transaction() as session:
            rows = session.scalars(
                select(tables.TuningJob)
                .where(tables.TuningJob.state.in_(UNFINISHED_STATES), tables.TuningJob.id.not_in(keep))
                .with_for_update()
            ).all()
            for row in rows:
                row.state, row.stage, row.end_time = JobState.FAILED, JobStage.DONE, dt.datetime.now(dt.UTC)
                row.error_code, row.error_reason = AbortedError.code.value[0], "INTERRUPTED"
                row.error_message = INTERRUPTED_MESSAGE
                row.revision += 1
            return [row.id for row in rows]


class JobRunner(Protocol):
    """Creates, runs and reports tuning jobs; every call sees only ``tenant_id``'s jobs."""

    def create(
        self, *, tenant_id: str, options: JobOptions, request_id: str, start: bool = True, shared: bool = False
    ) -> TuningJob: ...

    def get(self, *, tenant_id: str, job_id: str) -> TuningJob: ...

    def list(self, *, tenant_id: str) -> builtins.list[TuningJob]: ...

    def wait_change(self, *, tenant_id: str, job_id: str, after: int, timeout: float) -> TuningJob: ...

    def cancel(self, *, tenant_id: str, job_id: str) -> TuningJob: ...

    def recover(self) -> builtins.list[str]: ...
