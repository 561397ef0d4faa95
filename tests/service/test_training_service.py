"""TrainingService on a real in-process gRPC server, with a scripted trainer and gate."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import torch
from safetensors.torch import save_file

from docai.schemas.invoice import ExtractedField, Extraction, Provenance
from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.server import start_server
from docai.services.common.tenants import Caller, create_tenant
from docai.services.models.fake_backend import FakeTextGenerator
from docai.services.pb.training.v1 import training_service_pb2 as pb
from docai.services.pb.training.v1 import training_service_pb2_grpc as pb_grpc
from docai.services.storage import tables
from docai.services.storage.database import open_database
from docai.services.tuning.grpc_api import TrainingServicer, registration
from docai.training.gate import GateReport
from docai.training.jobs import JobManager
from tests.invoice_pages import invoice_page

from .conftest import reason_of

AUTH = (("authorization", "Bearer t"),)  # acme's admin
# Who each test token is: admins of their tenants, a reviewer, an ERP system, the operator.
CALLERS = {
    "t": Caller(tenant_id="acme", scope="person", actor="ada@acme", role="admin"),
    "empty": Caller(tenant_id="empty", scope="person", actor="eve@empty", role="admin"),
    "reviewer": Caller(tenant_id="acme", scope="person", actor="rita@acme", role="reviewer"),
    "erp": Caller(tenant_id="acme", scope="erp"),
    "operator": Caller(tenant_id="ops", scope="operator"),
}


def _write_adapter(path: Path, seed: int = 0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "adapter_config.json").write_text(
        json.dumps({"peft_type": "LORA", "base_model_name_or_path": "SmolLM2-135M-Instruct"})
    )
    weights = torch.randn(2, 8, generator=torch.Generator().manual_seed(seed))
    save_file({"base_model.model.q_proj.lora_A.weight": weights}, str(path / "adapter_model.safetensors"))
    return path


class Scripted:
    """The trainer and gate of the tests: the trainer waits for `release` so a job can be caught running."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.release.set()
        self.promote = True
        self.trained = 0
        self.continued: list[str] = []

    def train(
        self, spec: Any, train: Path, model_dir: Path, out_dir: Path, on_event: Any, register: Any
    ) -> dict[str, Any]:
        self.continued.append(spec.init_adapter)
        on_event({"step": 1, "total_steps": 2, "loss": 0.5, "eta_s": 1.0})
        assert self.release.wait(20)
        _write_adapter(out_dir, seed=self.trained)
        self.trained += 1
        assert len(train.read_text().splitlines()) >= 8
        return {
            "train_loss": 0.4,
            "seconds": 0.1,
            "tokens_per_s": 100.0,
            "peak_memory_mb": 1.0,
            "steps": 2,
            "method": "lora",
        }

    def gate(self, backend: Any, *, champion: str | None, challenger: str, documents: Any) -> GateReport:
        assert challenger in backend.adapters()
        return GateReport(
            promote=self.promote,
            reasons=[] if self.promote else ["NOT_BETTER: test"],
            champion={"micro_f1": 0.5},
            challenger={"micro_f1": 0.7},
            bootstrap={"ci_low": 0.1, "ci_high": 0.3},
        )


def _seed(db: Any, tenant: str, count: int) -> None:
    for i in range(count):
        doc_id = f"{tenant}-doc-{i}"
        parsed = invoice_page(f"Vendor {'ABCDE'[i % 5]} GmbH", f"INV-{i}")
        fields = {
            "invoice_number": ExtractedField(
                value=f"INV-{i}", confidence=1, provenance=Provenance(source_text=f"INV-{i}")
            ),
            "vendor_name": ExtractedField(value=f"Vendor {'ABCDE'[i % 5]} GmbH", confidence=1),
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
                    vendor_key=f"vendor {i % 5}",
                    extraction=Extraction(fields=fields).model_dump(),
                    confirmed_fields=["invoice_number", "vendor_name"],
                    changed_fields=[],
                    reviewer=f"r{i % 3}",
                )
            )


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[pb_grpc.TrainingServiceStub, Scripted, AdapterRegistry, Any]]:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tenant(db, tenant_id="acme")
    create_tenant(db, tenant_id="empty")
    _seed(db, "acme", 30)
    registry = AdapterRegistry(tmp_path / "adapters", shipped=None)
    first = registry.register("extraction", _write_adapter(tmp_path / "first", seed=9))
    registry.promote("extraction", first.version)
    backend = FakeTextGenerator(lambda request: "{}")
    scripted = Scripted()
    jobs = JobManager(
        db=db,
        registry=registry,
        backend=backend,
        work_dir=tmp_path / "work",
        model_dir=lambda: tmp_path / "model",
        train_fn=scripted.train,
        gate_fn=scripted.gate,
    )
    servicer = TrainingServicer(jobs=jobs, registry=registry, backend=backend)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def auth(token: str | None, tenant: str | None) -> Caller:
        return CALLERS[token or "t"]

    server, port = asyncio.run_coroutine_threadsafe(
        start_server([registration(servicer)], authenticate=auth, address="127.0.0.1:0"), loop
    ).result(10)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield pb_grpc.TrainingServiceStub(channel), scripted, registry, backend
    finally:
        channel.close()
        asyncio.run_coroutine_threadsafe(server.stop(0), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        db.dispose()


def _wait(stub: pb_grpc.TrainingServiceStub, name: str, states: set[int]) -> pb.TuningJob:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = stub.GetTuningJob(pb.GetTuningJobRequest(name=name), metadata=AUTH).tuning_job
        if job.state in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"{name} never reached {states}")


def test_job_trains_gates_promotes_and_hot_swaps(service: Any) -> None:
    stub, scripted, registry, backend = service
    request = pb.CreateTuningJobRequest(
        task="extraction", request_id="r1", config=pb.TuningJobConfig(auto_promote=True)
    )
    job = stub.CreateTuningJob(request, metadata=AUTH).tuning_job
    assert job.name.startswith("tuningJobs/") and job.dataset_sha256
    assert stub.CreateTuningJob(request, metadata=AUTH).tuning_job.name == job.name, "request_id is idempotent"
    states = [u.tuning_job.state for u in stub.WatchTuningJob(pb.WatchTuningJobRequest(name=job.name), metadata=AUTH)]
    assert states[-1] == pb.TUNING_JOB_STATE_SUCCEEDED
    done = stub.GetTuningJob(pb.GetTuningJobRequest(name=job.name), metadata=AUTH).tuning_job
    assert done.promoted and done.adapter == "adapters/extraction/versions/v0001"
    assert "PROMOTE" in done.gate_summary and done.metrics["training"]["train_loss"] == 0.4
    # acme's job trained on acme's corrections: acme's champion moves, the shared one does not.
    assert registry.aliases("extraction", "acme") == {"champion": "v0001", "previous": "v0000"}
    assert registry.aliases("extraction") == {"champion": "v0000"}
    assert backend.adapter_paths["champion@acme"] == registry.get("extraction", "v0001").path
    assert "champion" not in backend.adapter_paths, "what serves the other tenants is left alone"
    assert registry.get("extraction", "v0001").owner == "acme"
    adapters = stub.ListAdapters(pb.ListAdaptersRequest(parent="adapters/extraction"), metadata=AUTH).adapters
    assert [(a.version, list(a.aliases)) for a in adapters] == [("v0000", ["previous"]), ("v0001", ["champion"])]
    assert adapters[1].gate_report["promote"] is True
    listed = stub.ListTuningJobs(pb.ListTuningJobsRequest(), metadata=AUTH).tuning_jobs
    assert [j.name for j in listed] == [job.name]
    assert scripted.continued == [str(registry.get("extraction", "v0000").path)], "the job refines the champion"


def test_rollback_and_promote_move_the_champion(service: Any) -> None:
    stub, scripted, registry, backend = service
    scripted.promote = False
    job = stub.CreateTuningJob(pb.CreateTuningJobRequest(task="extraction", request_id="r2"), metadata=AUTH).tuning_job
    done = _wait(stub, job.name, {pb.TUNING_JOB_STATE_SUCCEEDED})
    assert not done.promoted and registry.aliases("extraction") == {"champion": "v0000"}
    with pytest.raises(grpc.RpcError) as raised:
        stub.RollbackAdapter(pb.RollbackAdapterRequest(parent="adapters/extraction", request_id="x"), metadata=AUTH)
    assert (
        raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION and reason_of(raised.value) == "NO_PREVIOUS_ADAPTER"
    )
    promoted = stub.PromoteAdapter(pb.PromoteAdapterRequest(name=done.adapter, request_id="p1"), metadata=AUTH).adapter
    assert list(promoted.aliases) == ["champion"]
    assert registry.aliases("extraction") == {"champion": "v0000"}, "the shared champion is the operator's"
    back = stub.RollbackAdapter(
        pb.RollbackAdapterRequest(parent="adapters/extraction", request_id="b1"), metadata=AUTH
    ).adapter
    assert (
        back.version == "v0000" and backend.adapter_paths["champion@acme"] == registry.get("extraction", "v0000").path
    )
    got = stub.GetAdapter(pb.GetAdapterRequest(name="adapters/extraction/versions/champion"), metadata=AUTH).adapter
    assert got.version == "v0000"


def test_corrupted_adapter_is_refused_on_promotion(service: Any) -> None:
    stub, _, registry, _ = service
    bad = registry.register("extraction", registry.get("extraction", "v0000").path)
    (bad.path / "adapter_model.safetensors").write_bytes(b"garbage")
    with pytest.raises(grpc.RpcError) as raised:
        stub.PromoteAdapter(pb.PromoteAdapterRequest(name=bad.name, request_id="p9"), metadata=AUTH)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION and reason_of(raised.value) == "ADAPTER_INVALID"
    assert registry.aliases("extraction") == {"champion": "v0000"}


def test_cancel_leaves_the_champion_untouched(service: Any) -> None:
    stub, scripted, registry, _ = service
    scripted.release.clear()
    job = stub.CreateTuningJob(
        pb.CreateTuningJobRequest(task="extraction", request_id="r3", config=pb.TuningJobConfig(auto_promote=True)),
        metadata=AUTH,
    ).tuning_job
    _wait(stub, job.name, {pb.TUNING_JOB_STATE_RUNNING})
    cancelled = stub.CancelTuningJob(pb.CancelTuningJobRequest(name=job.name), metadata=AUTH).tuning_job
    assert cancelled.state == pb.TUNING_JOB_STATE_CANCELLED and cancelled.error.reason == "CANCELLED"
    scripted.release.set()
    time.sleep(0.3)
    assert _wait(stub, job.name, {pb.TUNING_JOB_STATE_CANCELLED}).state == pb.TUNING_JOB_STATE_CANCELLED
    assert registry.aliases("extraction") == {"champion": "v0000"}
    assert len(registry.versions("extraction")) == 1


def test_empty_dataset_is_a_failed_precondition(service: Any) -> None:
    stub = service[0]
    with pytest.raises(grpc.RpcError) as raised:
        stub.CreateTuningJob(
            pb.CreateTuningJobRequest(task="extraction", request_id="e1"), metadata=(("authorization", "Bearer empty"),)
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(raised.value) == "DATASET_TOO_SMALL"


def test_bad_names_and_unknown_jobs(service: Any) -> None:
    stub = service[0]
    with pytest.raises(grpc.RpcError) as raised:
        stub.GetTuningJob(pb.GetTuningJobRequest(name="tuningJobs/nope"), metadata=AUTH)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(raised.value) == "TUNING_JOB_NOT_FOUND"
    with pytest.raises(grpc.RpcError) as raised:
        stub.GetAdapter(pb.GetAdapterRequest(name="extraction/v1"), metadata=AUTH)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
