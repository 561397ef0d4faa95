"""Tuning tasks come from one registry: a new kind of task is one registration, and jobs only call it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import save_file

from docai.services.adapters.registry import AdapterRegistry
from docai.services.common.errors import InvalidArgumentError
from docai.services.models.fake_backend import FakeTextGenerator
from docai.services.tuning.jobs import TERMINAL_STATES, JobOptions, JobStage, JobState
from docai.training import tasks
from docai.training.dataset import DatasetBuild, SFTExample
from docai.training.gate import GateReport
from docai.training.jobs import JobManager


def _example(i: int) -> SFTExample:
    return SFTExample(
        prompt=[{"role": "user", "content": f"text {i}"}],
        completion=[{"role": "assistant", "content": f"sum {i}"}],
        vendor=f"v{i}",
        source={"kind": "synthetic", "seed": i},
    )


@dataclass(frozen=True)
class Summaries:
    """A task the suite does not have, with everything a task decides."""

    name: str = "summaries"
    calls: list[str] = field(default_factory=list, compare=False, hash=False)

    @property
    def spec_defaults(self) -> dict[str, Any]:
        return {"max_length": 512}

    def check(self, jobs: Any, tenant_id: str, *, shared: bool = False) -> None:
        self.calls.append(f"check {tenant_id} shared={shared}")

    def dataset(self, jobs: Any, *, tenant_id: str, options: JobOptions, seed: int) -> DatasetBuild:
        self.calls.append(f"dataset {tenant_id}")
        return DatasetBuild(train=[_example(i) for i in range(8)], heldout=[_example(99)])

    def gate(self, jobs: Any, *, challenger: str, build: DatasetBuild, options: JobOptions, owner: str) -> GateReport:
        self.calls.append(f"gate {challenger.split('@')[0]} heldout={len(build.heldout)}")
        return GateReport(
            promote=True,
            reasons=[],
            champion={"micro_f1": 0.5},
            challenger={"micro_f1": 0.7},
            bootstrap={"ci_low": 0.1, "ci_high": 0.3},
        )

    def synthetic_records(self, count: int, **_: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return [], {"sha256": ""}


def _train(spec: Any, train: Path, model_dir: Path, out_dir: Path, on_event: Any, register: Any) -> dict[str, Any]:
    assert spec.max_length == 512 and spec.task == "summaries", "the task's spec defaults are applied"
    out_dir.mkdir(parents=True)
    (out_dir / "adapter_config.json").write_text(
        json.dumps({"peft_type": "LORA", "base_model_name_or_path": "SmolLM2-135M-Instruct"})
    )
    save_file(
        {"base_model.model.q_proj.lora_A.weight": np.zeros((2, 8), dtype=np.float32)},
        str(out_dir / "adapter_model.safetensors"),
    )
    return {"train_loss": 0.4, "seconds": 0.1, "steps": 1, "method": "lora"}


def test_a_registered_task_is_trained_gated_and_promoted_by_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = Summaries()
    monkeypatch.setitem(tasks._TASKS, "summaries", task)
    registry = AdapterRegistry(tmp_path / "adapters", shipped=None)
    jobs = JobManager(
        db=None,
        registry=registry,
        backend=FakeTextGenerator(lambda request: "{}"),
        work_dir=tmp_path / "work",
        model_dir=lambda: tmp_path / "model",
        train_fn=_train,
    )
    job = jobs.create(tenant_id="acme", options=JobOptions(task="summaries", auto_promote=True), request_id="r1")
    deadline = time.monotonic() + 30
    while (
        job := jobs.get(tenant_id="acme", job_id=job.id)
    ).state not in TERMINAL_STATES and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (job.state, job.stage, job.promoted) == (JobState.SUCCEEDED, JobStage.DONE, True), job.error_message
    assert task.calls == ["check acme shared=False", "dataset acme", "gate summaries heldout=1"]
    assert registry.champion("summaries", tenant="acme") is not None


def test_unknown_names_list_what_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tasks._TASKS, "summaries", Summaries())
    monkeypatch.setitem(tasks._FAMILIES, "shop-", lambda key: Summaries(name=f"shop-{key}"))
    assert tasks.resolve("shop-berlin").name == "shop-berlin"
    with pytest.raises(InvalidArgumentError) as raised:
        tasks.resolve("shop-")
    assert raised.value.reason == "UNKNOWN_TASK"
    assert raised.value.message == (
        "task must be 'extraction' or 'summaries' or 'brand-<brand>' or 'shop-<shop>', not 'shop-'"
    )
