"""Tuning jobs outlive the process: a fresh JobManager on the same database reads, dedups and recovers them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import save_file

from docai.schemas.invoice import ExtractedField, Extraction, Provenance
from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.errors import AlreadyExistsError, NotFoundError
from docai.services.common.tenants import create_tenant
from docai.services.models.fake_backend import FakeTextGenerator
from docai.services.storage import tables
from docai.services.storage.database import Database, open_database
from docai.services.tuning.jobs import INTERRUPTED_MESSAGE, TERMINAL_STATES, JobOptions, TuningJob
from docai.training.gate import GateReport
from docai.training.jobs import JobManager
from tests.invoice_pages import invoice_page


def _write_adapter(path: Path, seed: int = 0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "adapter_config.json").write_text(
        json.dumps({"peft_type": "LORA", "base_model_name_or_path": "SmolLM2-135M-Instruct"})
    )
    weights = np.random.default_rng(seed).random((2, 8), dtype=np.float32)
    save_file({"base_model.model.q_proj.lora_A.weight": weights}, str(path / "adapter_model.safetensors"))
    return path


class Scripted:
    """Trainer and gate: the trainer reports ``events`` steps, then waits for ``release``."""

    def __init__(self, events: int = 1) -> None:
        self.release = threading.Event()
        self.release.set()
        self.events = events

    def train(
        self, spec: Any, train: Path, model_dir: Path, out_dir: Path, on_event: Any, register: Any
    ) -> dict[str, Any]:
        for step in range(1, self.events + 1):
            on_event({"step": step, "total_steps": self.events, "loss": 1.0 / step, "eta_s": 0.0})
        assert self.release.wait(30)
        _write_adapter(out_dir, seed=1)
        return {"train_loss": 0.4, "seconds": 0.1, "steps": self.events, "method": "lora"}

    def gate(self, backend: Any, *, champion: str | None, challenger: str, documents: Any) -> GateReport:
        return GateReport(
            promote=True,
            reasons=[],
            champion={"micro_f1": 0.5},
            challenger={"micro_f1": 0.7},
            bootstrap={"ci_low": 0.1, "ci_high": 0.3},
        )


def _seed(db: Database, tenant: str, count: int = 12) -> None:
    create_tenant(db, tenant_id=tenant)
    for i in range(count):
        doc_id = f"{tenant}-doc-{i}"
        parsed = invoice_page(f"Vendor {'ABCDE'[i % 4]} GmbH", f"INV-{i}")
        fields = {
            "invoice_number": ExtractedField(
                value=f"INV-{i}", confidence=1, provenance=Provenance(source_text=f"INV-{i}")
            ),
            "vendor_name": ExtractedField(value=f"Vendor {'ABCDE'[i % 4]} GmbH", confidence=1),
        }
        with db.transaction() as session:
            session.add(
                tables.Document(
                    id=doc_id,
                    tenant_id=tenant,
                    filename="x.pdf",
                    sha256="0" * 64,
                    size_bytes=1,
                    state="approved",
                    parsed=parsed.model_dump(),
                )
            )
            session.flush()
            session.add(
                tables.ApprovedExample(
                    tenant_id=tenant,
                    document_id=doc_id,
                    vendor_key=f"vendor {i % 4}",
                    extraction=Extraction(fields=fields).model_dump(),
                    confirmed_fields=["invoice_number", "vendor_name"],
                    changed_fields=[],
                    reviewer=f"r{i % 3}",
                )
            )


class Restartable:
    """One database and adapter registry, and as many "processes" (JobManagers on their own engine) as a test starts."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url, self.tmp_path = url, tmp_path
        self.registry = AdapterRegistry(tmp_path / "adapters", shipped=None)
        self.registry.promote(
            "extraction", self.registry.register("extraction", _write_adapter(tmp_path / "first")).version
        )
        self.scripted = Scripted()
        self.databases: list[Database] = []

    def start(self) -> JobManager:
        db = open_database(self.url)
        self.databases.append(db)
        return JobManager(
            db=db,
            registry=self.registry,
            backend=FakeTextGenerator(lambda request: "{}"),
            work_dir=self.tmp_path / "work",
            model_dir=lambda: self.tmp_path / "model",
            train_fn=self.scripted.train,
            gate_fn=self.scripted.gate,
        )


@pytest.fixture
def suite(database_url: str, tmp_path: Path) -> Iterator[Restartable]:
    setup = open_database(database_url)
    _seed(setup, "acme")
    _seed(setup, "globex")
    setup.dispose()
    suite = Restartable(database_url, tmp_path)
    try:
        yield suite
    finally:
        suite.scripted.release.set()
        time.sleep(0.2)  # let a released job thread finish before its engine goes
        for db in suite.databases:
            db.dispose()


def _wait(jobs: JobManager, job_id: str, states: set[str], tenant_id: str = "acme") -> TuningJob:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = jobs.get(tenant_id=tenant_id, job_id=job_id)
        if job.state in states:
            return job
        time.sleep(0.02)
    raise AssertionError(f"{job_id} never reached {states}")


def test_a_finished_job_is_read_by_the_next_process(suite: Restartable) -> None:
    first = suite.start()
    job = first.create(tenant_id="acme", options=JobOptions(), request_id="r1")
    done = _wait(first, job.id, TERMINAL_STATES)
    assert done.state == "SUCCEEDED", done.error_message

    second = suite.start()
    assert second.recover() == [], "a finished job is left as it is"
    again = second.get(tenant_id="acme", job_id=job.id)
    assert (again.state, again.stage, again.adapter, again.gate_summary, again.dataset_sha256) == (
        "SUCCEEDED",
        "done",
        done.adapter,
        done.gate_summary,
        done.dataset_sha256,
    )
    assert again.metrics["training"]["train_loss"] == 0.4 and again.metrics["dataset"] == done.metrics["dataset"]
    assert again.step == 1 and again.revision == done.revision
    assert again.create_time == done.create_time and again.end_time == done.end_time and again.start_time is not None
    assert [j.id for j in second.list(tenant_id="acme")] == [job.id]


def test_a_running_job_is_interrupted_by_a_restart_and_the_champion_is_kept(suite: Restartable) -> None:
    first = suite.start()
    suite.scripted.release.clear()
    running = first.create(tenant_id="acme", options=JobOptions(), request_id="r1")
    _wait(first, running.id, {"RUNNING"})
    pending = first.create(tenant_id="acme", options=JobOptions(max_steps=3), request_id="r2", start=False)

    second = suite.start()  # the first process is gone as far as the record is concerned
    assert second.get(tenant_id="acme", job_id=running.id).state == "RUNNING", "state changes are recorded at once"
    assert sorted(second.recover()) == sorted([running.id, pending.id])
    for job_id in (running.id, pending.id):
        job = second.get(tenant_id="acme", job_id=job_id)
        assert (job.state, job.stage, job.error_reason, job.error_message) == (
            "FAILED",
            "done",
            "INTERRUPTED",
            INTERRUPTED_MESSAGE,
        )
        assert job.error_code == 10 and job.end_time is not None
    assert second.recover() == []
    assert second.wait_change(tenant_id="acme", job_id=running.id, after=0, timeout=0.01).state == "FAILED"
    assert suite.registry.aliases("extraction") == {"champion": "v0000"}
    assert not (suite.tmp_path / "work" / running.id).exists(), "an interrupted job's scratch is removed"

    suite.scripted.release.set()  # a late write of the old process must not revive the record
    _wait(first, running.id, TERMINAL_STATES)
    assert second.get(tenant_id="acme", job_id=running.id).error_reason == "INTERRUPTED"
    assert suite.start().get(tenant_id="acme", job_id=running.id).state == "FAILED"


def test_progress_is_recorded_sparingly_and_state_changes_at_once(suite: Restartable) -> None:
    jobs = suite.start()
    suite.scripted.events = 50
    suite.scripted.release.clear()
    job = jobs.create(tenant_id="acme", options=JobOptions(), request_id="r1")
    deadline = time.monotonic() + 30
    while jobs.get(tenant_id="acme", job_id=job.id).step < 50 and time.monotonic() < deadline:
        time.sleep(0.02)
    live = jobs.get(tenant_id="acme", job_id=job.id)
    recorded = jobs.store.get(job.id) if jobs.store is not None else None
    assert live.revision == 51 and recorded is not None and recorded.state == "RUNNING"
    assert recorded.revision < 10, "fifty steps in well under a second are not fifty writes"
    suite.scripted.release.set()
    _wait(jobs, job.id, TERMINAL_STATES)
    final = suite.start().get(tenant_id="acme", job_id=job.id)
    assert (final.state, final.step, final.total_steps) == ("SUCCEEDED", 50, 50)


def test_request_id_is_remembered_across_a_restart(suite: Restartable) -> None:
    first = suite.start()
    job = first.create(tenant_id="acme", options=JobOptions(max_steps=5), request_id="r1", start=False)

    second = suite.start()
    assert second.create(tenant_id="acme", options=JobOptions(max_steps=5), request_id="r1").id == job.id
    with pytest.raises(AlreadyExistsError, match="different request") as raised:
        second.create(tenant_id="acme", options=JobOptions(max_steps=6), request_id="r1")
    assert raised.value.reason == "REQUEST_ID_REUSED"
    other = second.create(tenant_id="globex", options=JobOptions(max_steps=5), request_id="r1", start=False)
    assert other.id != job.id, "request ids are per tenant"
    assert [j.id for j in second.list(tenant_id="acme")] == [job.id]


def test_another_tenants_job_reads_as_not_found(suite: Restartable) -> None:
    job = suite.start().create(tenant_id="acme", options=JobOptions(), request_id="r1", start=False)
    second = suite.start()
    with pytest.raises(NotFoundError, match="does not exist") as raised:
        second.get(tenant_id="globex", job_id=job.id)
    assert raised.value.reason == "TUNING_JOB_NOT_FOUND"
    with pytest.raises(NotFoundError, match="does not exist"):
        second.cancel(tenant_id="globex", job_id=job.id)
    assert second.list(tenant_id="globex") == []
    cancelled = second.cancel(tenant_id="acme", job_id=job.id)  # recorded, but run by no process here
    assert (cancelled.state, cancelled.error_reason) == ("CANCELLED", "CANCELLED")
    assert suite.start().get(tenant_id="acme", job_id=job.id).state == "CANCELLED"
