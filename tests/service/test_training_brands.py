"""Brand tuning jobs over gRPC: seller feedback -> dataset -> (scripted) training -> description
gate -> served adapter."""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from safetensors.numpy import save_file

from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.server import start_server
from docai.services.common.tenants import Caller
from docai.services.generation.service import DescriptionService
from docai.services.models.fake_backend import FakeTextGenerator
from docai.services.pb.training.v1 import training_service_pb2 as pb
from docai.services.pb.training.v1 import training_service_pb2_grpc as pb_grpc
from docai.services.tuning.grpc_api import TrainingServicer, registration
from docai.training.catalogue import heldout_catalogue
from docai.training.cli import register
from docai.training.jobs import JobManager
from tests.brand_fakes import ScriptedDescriptions, description_service

from .conftest import reason_of

AUTH = (("authorization", "Bearer t"),)
EMPTY = (("authorization", "Bearer empty"),)


def fake_train(spec: Any, train: Path, model_dir: Path, out_dir: Path, on_event: Any, register: Any) -> dict[str, Any]:
    """Writes a valid (random) LoRA adapter instead of training one."""
    assert spec.task == "brand-nordkraft"
    assert all(json.loads(line)["source"]["kind"] == "feedback" for line in train.read_text().splitlines())
    on_event({"step": 1, "total_steps": 1, "loss": 0.5, "eta_s": 0.0})
    out_dir.mkdir(parents=True, exist_ok=True)
    config = {"peft_type": "LORA", "base_model_name_or_path": "SmolLM2-135M-Instruct"}
    (out_dir / "adapter_config.json").write_text(json.dumps(config))
    save_file(
        {"base_model.model.q_proj.lora_A.weight": np.random.default_rng(0).random((2, 8), dtype=np.float32)},
        str(out_dir / "adapter_model.safetensors"),
    )
    return {"train_loss": 0.4, "seconds": 0.1, "steps": 1, "method": "lora"}


@dataclass
class Suite:
    stub: pb_grpc.TrainingServiceStub
    script: ScriptedDescriptions
    registry: AdapterRegistry
    backend: FakeTextGenerator
    descriptions: DescriptionService
    port: int


@pytest.fixture
def suite(tmp_path: Path) -> Iterator[Suite]:
    script = ScriptedDescriptions(count=12, extra=heldout_catalogue(3))
    descriptions, backend = description_service(tmp_path, script)
    for i, product in enumerate(script.products):  # 12 products: 10 train, 2 held out
        descriptions.submit_feedback(
            tenant_id="acme",
            description=f"brands/nordkraft/descriptions/d{i}",
            verdict="accepted",
            request_id=f"f{i}",
            product=product,
            generated_text=script.text(product),
        )
    registry = AdapterRegistry(tmp_path / "adapters", shipped=None)
    jobs = JobManager(
        db=None,
        registry=registry,
        backend=backend,
        work_dir=tmp_path / "work",
        model_dir=lambda: tmp_path / "model",
        train_fn=fake_train,
        descriptions=descriptions,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def auth(token: str | None, tenant: str | None) -> Caller:  # each tenant's admin
        tenant_id = "empty" if token == "empty" else "acme"
        return Caller(tenant_id=tenant_id, scope="person", actor=f"ada@{tenant_id}", role="admin")

    servicer = TrainingServicer(jobs=jobs, registry=registry, backend=backend)
    server, port = asyncio.run_coroutine_threadsafe(
        start_server([registration(servicer)], authenticate=auth, address="127.0.0.1:0"), loop
    ).result(10)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Suite(pb_grpc.TrainingServiceStub(channel), script, registry, backend, descriptions, port)
    finally:
        channel.close()
        asyncio.run_coroutine_threadsafe(server.stop(0), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)


def _run(stub: pb_grpc.TrainingServiceStub, request_id: str, *, dev: int = 0) -> pb.TuningJob:
    config = pb.TuningJobConfig(auto_promote=True, dev_documents=dev)
    request = pb.CreateTuningJobRequest(task="brand-nordkraft", request_id=request_id, config=config)
    job = stub.CreateTuningJob(request, metadata=AUTH).tuning_job
    for update in stub.WatchTuningJob(pb.WatchTuningJobRequest(name=job.name), metadata=AUTH, timeout=60):
        job = update.tuning_job
    return job


def test_feedback_trains_a_brand_adapter_that_is_promoted_and_served(suite: Suite) -> None:
    assert suite.descriptions.adapter_for("nordkraft") is None, "no adapter yet: the base model serves"
    suite.script.inventing = {None}  # the base model makes facts up; the tuned adapter does not

    job = _run(suite.stub, "b1", dev=3)

    assert job.state == pb.TUNING_JOB_STATE_SUCCEEDED, job.error.message
    assert job.task == "brand-nordkraft" and job.adapter == "adapters/brand-nordkraft/versions/v0000" and job.promoted
    assert job.gate_summary.startswith("PROMOTE: description score 0.000 -> ")
    assert job.metrics["dataset"]["train"] == 10 and job.metrics["dataset"]["heldout"] == 2
    assert job.metrics["gate"]["champion_mean_score"] == 0 and job.metrics["gate"]["challenger_mean_score"] > 0.5
    champion = suite.registry.get("brand-nordkraft", "champion", tenant="acme")
    assert champion.version == "v0000" and champion.gate["metric"] == "mean_score"
    assert champion.gate["documents"] == {"total": 5, "heldout": 2, "catalogue": 3}, (
        "dev_documents adds benchmark products"
    )
    assert suite.backend.adapter_paths["brand-nordkraft@acme"] == champion.path, (
        "promotion hot-swaps acme's brand adapter"
    )
    assert "champion" not in suite.backend.adapters(), "extraction's served name is left alone"
    assert suite.descriptions.adapter_for("nordkraft", "acme") == "brand-nordkraft@acme"
    product = suite.script.products[0]
    assert (
        suite.descriptions.generate(product, brand_id="nordkraft", tenant_id="acme").adapter == "brand-nordkraft@acme"
    )
    # acme's sellers' feedback trained acme's adapter: no other tenant is served with it.
    assert suite.registry.aliases("brand-nordkraft") == {} and "brand-nordkraft" not in suite.backend.adapters()
    assert suite.descriptions.generate(product, brand_id="nordkraft", tenant_id="globex").adapter is None

    # A challenger that invents facts is refused; the served adapter stays the champion's.
    suite.script.inventing = {"brand-nordkraft@v0001"}
    second = _run(suite.stub, "b2")
    assert second.state == pb.TUNING_JOB_STATE_SUCCEEDED and not second.promoted
    assert second.gate_summary.startswith("KEEP CHAMPION") and "MORE_INVENTED_FACTS" in second.gate_summary
    assert suite.registry.aliases("brand-nordkraft", "acme") == {"champion": "v0000"}
    assert suite.backend.adapter_paths["brand-nordkraft@acme"] == champion.path


def test_a_brand_without_feedback_is_a_failed_precondition(suite: Suite) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        suite.stub.CreateTuningJob(pb.CreateTuningJobRequest(task="brand-nordkraft", request_id="e1"), metadata=EMPTY)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION and reason_of(raised.value) == "DATASET_TOO_SMALL"


@pytest.mark.parametrize(
    ("task", "code", "reason"),
    [
        ("brand-nope", grpc.StatusCode.NOT_FOUND, "BRAND_NOT_FOUND"),
        ("summaries", grpc.StatusCode.INVALID_ARGUMENT, "UNKNOWN_TASK"),
    ],
)
def test_unknown_tasks_and_brands(suite: Suite, task: str, code: grpc.StatusCode, reason: str) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        suite.stub.CreateTuningJob(pb.CreateTuningJobRequest(task=task, request_id="u1"), metadata=AUTH)
    assert raised.value.code() == code and reason_of(raised.value) == reason


def test_docai_train_takes_a_brand_task(suite: Suite, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(), lambda args: suite.settings)
    args = parser.parse_args(
        ["train", "--address", f"127.0.0.1:{suite.port}", "--token", "t", "--task", "brand-nordkraft", "--promote"]
    )
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "gate: PROMOTE: description score" in out and "adapters/brand-nordkraft/versions/v0000 (promoted)" in out
    assert suite.descriptions.adapter_for("nordkraft", "acme") == "brand-nordkraft@acme"
