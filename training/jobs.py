"""Tuning jobs: dataset → training subprocess → registry → gate → (promotion and hot swap).

A job's dataset is built when the job is created, so an empty or too small dataset fails
the request with FAILED_PRECONDITION ``DATASET_TOO_SMALL`` instead of a job that fails
later. Training runs in a subprocess (``python -m docai.training.trainer``): a crash cannot
take the server down and a cancel kills it. The champion only changes when the gate passes
(and the job asked for promotion), so a cancelled, killed or failed job leaves it as it was.

Jobs are recorded in the database (:class:`~docai.services.tuning.jobs.JobStore`), so nothing a caller was told about is
lost in a restart: the record is written at create and on every change, memory holds the live
view that Watch streams wait on. A job the previous process left unfinished can never finish
(its trainer died with it), so :meth:`JobManager.recover` marks it FAILED ``INTERRUPTED``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from docai.schemas.tuning import TuningSpec
from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.errors import (
    AlreadyExistsError,
    DocAIError,
    NotFoundError,
)
from docai.services.tuning.jobs import TERMINAL_STATES, JobOptions, JobStage, JobState, JobStore, TuningJob
from docai.training.dataset import DatasetBuild, write_dataset
from docai.training.description_gate import run_description_gate
from docai.training.gate import DEV_SET, run_gate
from docai.training.tasks import GateFn, TrainingTask, resolve

__all__ = ["JobManager", "default_work_dir", "subprocess_train"]

log = logging.getLogger("docai.training.jobs")
# Fields every training step changes: written at most once per PROGRESS_WRITE_S, so the database
# stays quiet; any other change (state, stage, results) is written at once.
PROGRESS_FIELDS = frozenset({"step", "total_steps", "loss", "eta_s"})
PROGRESS_WRITE_S = 1.0


# (spec, train.jsonl, model_dir, out_dir, on_event, register_process) -> the trainer's "done" payload
TrainFn = Callable[
    [TuningSpec, Path, Path, Path, Callable[[dict[str, Any]], None], Callable[[Any], None]], dict[str, Any]
]


def subprocess_train(
    spec: TuningSpec,
    train: Path,
    model_dir: Path,
    out_dir: Path,
    on_event: Callable[[dict[str, Any]], None],
    register_process: Callable[[Any], None],
) -> dict[str, Any]:
    """Run ``python -m docai.training.trainer`` and relay its JSON-line events."""
    spec_file = out_dir.parent / "spec.json"
    spec_file.write_text(spec.model_dump_json())
    command = [
        sys.executable,
        "-m",
        "docai.training.trainer",
        "--spec",
        str(spec_file),
        "--train",
        str(train),
        "--model",
        str(model_dir),
        "--out",
        str(out_dir),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    register_process(process)
    done: dict[str, Any] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "done":
            done = event
        else:
            on_event(event)
    stderr = process.stderr.read() if process.stderr is not None else ""
    if process.wait() != 0 or not done:
        log.warning("trainer exited with %s: %s", process.returncode, stderr[-2000:])
        raise DocAIError("the training process failed", reason="TRAINING_CRASHED")
    return done


class JobManager:
    """Creates, runs, cancels and reports tuning jobs; thread-safe.

    Jobs are recorded in ``db`` (the record) and kept in memory while this process runs them
    (the live view Watch streams wait on); jobs of earlier processes are read from the record.

    Args:
        db: The database: approved examples and parsed documents are read from it, jobs recorded
            in it. None keeps jobs in memory only (brand tasks need no database; tests).
        registry: The adapter registry challengers are registered in.
        backend: The serving backend: the gate runs on it and promotion hot-swaps into it.
        work_dir: Scratch space for datasets and adapters in training.
        model_dir: Returns the base model's directory (called in the job's thread).
        train_fn: The training runner; the subprocess runner by default (tests pass a fake).
        gate_fn: The gate; :func:`run_gate` by default.
        spec: Defaults of every job's TuningSpec.
        descriptions: The description service (a ``DescriptionService`` on ``backend``): brand
            tasks (``brand-<brand>``) read its feedback and gate through it; None offers extraction only.
        description_gate_fn: The gate of brand tasks; :func:`run_description_gate` by default.
        dev_set: The evaluation invoices a gate adds when a job asks for dev documents (``settings.dev_set``).
    """

    def __init__(
        self,
        *,
        db: Any,
        registry: AdapterRegistry,
        backend: Any,
        work_dir: Path,
        model_dir: Callable[[], Path],
        train_fn: TrainFn = subprocess_train,
        gate_fn: GateFn = run_gate,
        spec: TuningSpec | None = None,
        descriptions: Any = None,
        description_gate_fn: GateFn = run_description_gate,
        dev_set: Path = DEV_SET,
    ) -> None:
        self.db = db
        self.registry = registry
        self.backend = backend
        self.work_dir = Path(work_dir)
        self.model_dir = model_dir
        self.train_fn = train_fn
        self.gate_fn = gate_fn
        self.spec = spec or TuningSpec()
        self.descriptions = descriptions
        self.description_gate_fn = description_gate_fn
        self.dev_set = dev_set  # the real invoices a gate may add (--dev-documents); never trained on
        self._jobs: dict[str, TuningJob] = {}
        self._requests: dict[tuple[str, str], tuple[str, str]] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._process: dict[str, Any] = {}
        self._cond = threading.Condition()
        self.store = JobStore(db) if db is not None else None
        self._written: dict[str, float] = {}  # job id -> time.monotonic() of its last recorded progress

    # -- queries ---------------------------------------------------------------------------

    def get(self, *, tenant_id: str, job_id: str) -> TuningJob:
        """A job of the tenant: the live view if this process runs it, else its record.

        Raises:
            NotFoundError: ``TUNING_JOB_NOT_FOUND``, also for another tenant's job.
        """
        with self._cond:
            job = self._jobs.get(job_id)
            job = replace(job) if job is not None else None
        if job is None and self.store is not None:
            job = self.store.get(job_id)
        if job is None or job.tenant_id != tenant_id:
            raise NotFoundError(f"tuningJobs/{job_id} does not exist", reason="TUNING_JOB_NOT_FOUND")
        return job

    def list(self, *, tenant_id: str) -> list[TuningJob]:
        """The tenant's jobs, newest first: the record, with the live view of jobs running here."""
        recorded = self.store.list(tenant_id) if self.store is not None else []
        with self._cond:
            live = {j.id: replace(j) for j in self._jobs.values() if j.tenant_id == tenant_id}
        jobs = {j.id: j for j in recorded} | live
        return sorted(jobs.values(), key=lambda j: (j.create_time, j.id), reverse=True)

    def wait_change(self, *, tenant_id: str, job_id: str, after: int, timeout: float) -> TuningJob:
        """The job once its revision is past ``after`` (or as it is after ``timeout`` seconds).

        A job this process does not run only changes in the record, so it is re-read after ``timeout``.
        """
        with self._cond:
            self._cond.wait_for(lambda: job_id in self._jobs and self._jobs[job_id].revision > after, timeout=timeout)
        return self.get(tenant_id=tenant_id, job_id=job_id)

    # -- commands --------------------------------------------------------------------------

    def create(
        self, *, tenant_id: str, options: JobOptions, request_id: str, start: bool = True, shared: bool = False
    ) -> TuningJob:
        """Build the dataset, then start the job in a background thread.

        The job trains on ``tenant_id``'s data, continues the champion that serves that tenant, and
        its adapter belongs to that tenant: a promotion moves the tenant's own champion only. A
        ``shared`` job (the operator's) registers a shared version and moves the shared champion.

        Raises:
            InvalidArgumentError: ``UNKNOWN_TASK`` (no task of :mod:`docai.training.tasks` has the name).
            NotFoundError: ``BRAND_NOT_FOUND`` (also another tenant's own brand).
            FailedPreconditionError: ``DATASET_TOO_SMALL``; ``BRAND_TASKS_UNAVAILABLE`` without a description service;
                ``TENANT_BRAND_NOT_SHARED`` for a shared job of a tenant's own brand.
            AlreadyExistsError: ``REQUEST_ID_REUSED`` (same id, different options).
        """
        task = resolve(options.task)
        task.check(self, tenant_id, shared=shared)
        fingerprint = hashlib.sha256(json.dumps(options.__dict__, sort_keys=True).encode()).hexdigest()
        known = self._recall(tenant_id=tenant_id, request_id=request_id, fingerprint=fingerprint)
        if known is not None:
            return known
        owner = "" if shared else tenant_id
        spec = self._spec(task, options, owner)
        build = task.dataset(self, tenant_id=tenant_id, options=options, seed=spec.seed)
        build.require(min_examples=spec.min_examples)
        job = TuningJob(id=uuid.uuid4().hex[:16], tenant_id=tenant_id, task=options.task)
        directory = self.work_dir / job.id
        manifest = write_dataset(directory / "dataset", build)
        job.dataset_sha256 = manifest["sha256"]
        job.metrics["dataset"] = manifest["counts"]
        if self.store is not None:
            try:
                self.store.insert(job, request_id=request_id, fingerprint=fingerprint)
            except IntegrityError:
                # A concurrent retry recorded the request first: its job is the answer, ours never existed.
                shutil.rmtree(directory, ignore_errors=True)
                known = self._recall(tenant_id=tenant_id, request_id=request_id, fingerprint=fingerprint)
                if known is None:
                    raise
                return known
        with self._cond:
            self._jobs[job.id] = job
            self._requests[(tenant_id, request_id)] = (fingerprint, job.id)
            self._cancel[job.id] = threading.Event()
        if start:
            threading.Thread(
                target=self._run, args=(job.id, task, spec, options, build, owner), name=f"tuning-{job.id}", daemon=True
            ).start()
        return replace(job)

    def _recall(self, *, tenant_id: str, request_id: str, fingerprint: str) -> TuningJob | None:
        """The job an earlier create with ``request_id`` made (in this process or recorded), if any.

        Raises:
            AlreadyExistsError: ``REQUEST_ID_REUSED`` (same id, different options).
        """
        with self._cond:
            known = self._requests.get((tenant_id, request_id))
        if known is None and self.store is not None:
            known = self.store.by_request(tenant_id=tenant_id, request_id=request_id)
        if known is None:
            return None
        if known[0] != fingerprint:
            raise AlreadyExistsError("request_id was already used with a different request", reason="REQUEST_ID_REUSED")
        return self.get(tenant_id=tenant_id, job_id=known[1])

    def recover(self) -> builtins.list[str]:
        """Marks the jobs a previous process left PENDING or RUNNING as FAILED ``INTERRUPTED``.

        Their trainer and thread died with that process, so they can never finish; left as they
        were, Watch streams would wait forever. The champion is not touched: it only changes after
        a gate. Call once at start, before serving (jobs running in this process are kept).

        Returns:
            The ids of the jobs marked.
        """
        if self.store is None:
            return []
        with self._cond:
            live = set(self._jobs)
        interrupted = self.store.interrupt(keep=live)
        for job_id in interrupted:
            log.warning("tuning job %s was interrupted by a restart; marked FAILED (INTERRUPTED)", job_id)
            shutil.rmtree(self.work_dir / job_id, ignore_errors=True)  # its scratch is never used again
        return interrupted

    def cancel(self, *, tenant_id: str, job_id: str) -> TuningJob:
        """Stop a job: kill its trainer; the champion is left untouched."""
        job = self.get(tenant_id=tenant_id, job_id=job_id)
        if job.state in TERMINAL_STATES:
            return job
        if job_id not in self._cancel:  # recorded unfinished, but no process here runs it: close the record
            self._record(replace(job, **_cancelled(), revision=job.revision + 1))
            return self.get(tenant_id=tenant_id, job_id=job_id)
        self._cancel[job_id].set()
        process = self._process.get(job_id)
        if process is not None and process.poll() is None:
            process.kill()
        self._update(job_id, **_cancelled())
        return self.get(tenant_id=tenant_id, job_id=job_id)

    # -- the job ---------------------------------------------------------------------------

    def _spec(self, task: TrainingTask, options: JobOptions, owner: str = "") -> TuningSpec:
        """The job's training setup; it continues the champion serving ``owner`` ("" shared), so
        corrections refine what serves."""
        changes: dict[str, Any] = {**task.spec_defaults, "task": options.task}
        champion = self.registry.champion(options.task, tenant=owner or None)
        if champion is not None:
            changes["init_adapter"] = str(champion.path)
        if options.max_steps:
            changes["max_steps"] = options.max_steps
        if options.learning_rate:
            changes["learning_rate"] = options.learning_rate
        if options.lora_rank:
            changes["lora_r"], changes["lora_alpha"] = options.lora_rank, 2 * options.lora_rank
        return self.spec.model_copy(update=changes)

    def build_dataset(self, *, tenant_id: str, options: JobOptions, seed: int = 0) -> DatasetBuild:
        """The dataset a job of ``options.task`` for ``tenant_id`` trains and is gated on
        (:meth:`TrainingTask.dataset`)."""
        return resolve(options.task).dataset(self, tenant_id=tenant_id, options=options, seed=seed)

    def _cancelled(self, job_id: str) -> bool:
        return self._cancel[job_id].is_set()

    def _run(
        self,
        job_id: str,
        task: TrainingTask,
        spec: TuningSpec,
        options: JobOptions,
        build: DatasetBuild,
        owner: str = "",
    ) -> None:
        directory = self.work_dir / job_id
        try:
            self._update(job_id, state=JobState.RUNNING, stage=JobStage.TRAINING, start_time=dt.datetime.now(dt.UTC))

            def on_event(event: dict[str, Any]) -> None:
                if not self._cancelled(job_id):
                    self._update(
                        job_id,
                        step=int(event.get("step", 0)),
                        total_steps=int(event.get("total_steps", 0)),
                        loss=float(event.get("loss") or 0.0),
                        eta_s=float(event.get("eta_s", 0.0)),
                    )

            done = self.train_fn(
                spec,
                directory / "dataset" / "train.jsonl",
                self.model_dir(),
                directory / "adapter",
                on_event,
                lambda p: self._process.__setitem__(job_id, p),
            )
            if self._cancelled(job_id):
                return
            training = {
                k: done[k]
                for k in ("train_loss", "seconds", "tokens_per_s", "peak_memory_mb", "steps", "method")
                if k in done
            }
            manifest = json.loads((directory / "dataset" / "manifest.json").read_text())
            version = self.registry.register(
                spec.task,
                directory / "adapter",
                dataset_sha256=manifest["sha256"],
                metrics={"training": training},
                extra={
                    "dataset": manifest["counts"],
                    "source": f"tuningJobs/{job_id}",
                    "tenant": self.get_raw(job_id).tenant_id,
                    "owner": owner,
                },
                move=True,
            )
            self._update(
                job_id,
                stage=JobStage.EVALUATING,
                adapter=version.name,
                metrics={**self.get_raw(job_id).metrics, "training": training},
            )
            self.backend.load_adapter(version.loaded_name, version.path)
            report = task.gate(self, challenger=version.loaded_name, build=build, options=options, owner=owner)
            if self._cancelled(job_id):
                return
            self.registry.update_metadata(
                spec.task,
                version.version,
                gate=report.to_dict(),
                metrics={
                    "training": training,
                    "gate": {
                        "champion": report.champion.get(report.metric),
                        "challenger": report.challenger.get(report.metric),
                    },
                },
            )
            promoted = False
            if report.promote and options.auto_promote:
                self.registry.promote(spec.task, version.version, tenant=owner or None)
                self.registry.activate(self.backend, spec.task, tenant=owner or None)
                promoted = True
            self._update(
                job_id,
                state=JobState.SUCCEEDED,
                stage=JobStage.DONE,
                promoted=promoted,
                gate_summary=report.summary(),
                end_time=dt.datetime.now(dt.UTC),
                metrics={
                    **self.get_raw(job_id).metrics,
                    "gate": {
                        "promote": report.promote,
                        "reasons": report.reasons,
                        f"champion_{report.metric}": report.champion.get(report.metric),
                        f"challenger_{report.metric}": report.challenger.get(report.metric),
                        "ci_low": report.bootstrap.get("ci_low"),
                        "ci_high": report.bootstrap.get("ci_high"),
                    },
                },
            )
        except Exception as exc:  # noqa: BLE001 - a job's failure is reported on the job, never raised into the thread
            if self._cancelled(job_id):
                return
            if not isinstance(exc, DocAIError):
                log.exception("tuning job %s failed", job_id)
            code = exc.code.value[0] if isinstance(exc, DocAIError) else 13
            reason = exc.reason if isinstance(exc, DocAIError) else "INTERNAL_ERROR"
            message = exc.message if isinstance(exc, DocAIError) else "the job failed unexpectedly"
            self._update(
                job_id,
                state=JobState.FAILED,
                stage=JobStage.DONE,
                end_time=dt.datetime.now(dt.UTC),
                error_code=code,
                error_reason=reason,
                error_message=message,
            )
        finally:
            self._process.pop(job_id, None)
            self._written.pop(job_id, None)
            shutil.rmtree(directory / ".adapter.trainer", ignore_errors=True)

    def get_raw(self, job_id: str) -> TuningJob:
        with self._cond:
            return self._jobs[job_id]

    def _update(self, job_id: str, **changes: Any) -> None:
        """Changes the live job, wakes its watchers and records the change.

        Progress alone is recorded at most once per ``PROGRESS_WRITE_S``; the next recorded
        change carries whatever progress was skipped, since a record is always the whole job.
        """
        with self._cond:
            job = self._jobs[job_id]
            if job.state in TERMINAL_STATES:
                return  # a finished job is final: a cancelled one stays cancelled
            for key, value in changes.items():
                setattr(job, key, value)
            job.revision += 1
            self._cond.notify_all()
            now = time.monotonic()
            if (
                changes.keys() <= PROGRESS_FIELDS
                and now - self._written.get(job_id, -PROGRESS_WRITE_S) < PROGRESS_WRITE_S
            ):
                return
            self._written[job_id] = now
            snapshot = replace(job)
        self._record(snapshot)

    def _record(self, job: TuningJob) -> None:
        """Writes ``job`` to the record; a failed write is logged, and the next change writes the whole job again."""
        if self.store is None:
            return
        try:
            self.store.save(job)
        except SQLAlchemyError:
            log.exception("could not record tuning job %s at revision %d", job.id, job.revision)


def _cancelled() -> dict[str, Any]:
    """What a job's record says once the caller cancelled it."""
    return {
        "state": JobState.CANCELLED,
        "stage": JobStage.DONE,
        "end_time": dt.datetime.now(dt.UTC),
        "error_code": 1,
        "error_reason": "CANCELLED",
        "error_message": "cancelled by the caller",
    }


def default_work_dir(home: Path) -> Path:
    """Where jobs keep their datasets and adapters in training."""
    path = Path(home) / "tuning"
    os.makedirs(path, exist_ok=True)
    return path
