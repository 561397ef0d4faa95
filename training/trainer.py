"""The SFT trainer of adapters: TRL's SFTTrainer with a PEFT LoRA (QLoRA on CUDA), loss on the answer only.

Run in-process with :func:`train_adapter`, or as a subprocess (what the training service
does, so a crash cannot take the server down and a cancel can kill it)::

    python -m docai.training.trainer --spec spec.json --train train.jsonl --model MODEL_DIR --out ADAPTER_DIR

The subprocess prints one JSON object per line: ``{"event": "progress", ...}`` while it
trains and ``{"event": "done", ...}`` (the :class:`TrainResult`) at the end. This module
imports nothing of docai but the spec, so it also runs on a bare GPU machine.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from docai.schemas.tuning import TuningSpec
from docai.training.spec import resolve_method, to_lora_config, to_quantization_config, to_sft_config

__all__ = ["Progress", "TrainResult", "TrainingCancelled", "main", "read_examples", "train_adapter"]


class TrainingCancelled(Exception):
    """The run was stopped by its ``should_stop`` flag; nothing was saved."""


@dataclass(frozen=True)
class Progress:
    """Where a run is: optimiser step out of total, last logged loss, estimated seconds left."""

    step: int
    total_steps: int
    loss: float | None
    eta_s: float
    epoch: float = 0.0


@dataclass(frozen=True)
class TrainResult:
    """What a finished run produced and what it cost.

    Attributes:
        adapter_dir: The saved PEFT adapter (empty for ``full``, which saves nothing).
        method: ``qlora``, ``lora`` or ``full``.
        steps: Optimiser steps run.
        train_loss: Mean training loss.
        seconds: Wall time of ``trainer.train()``.
        tokens_per_s: Tokens (prompt + completion, padding excluded) trained per second.
        peak_memory_mb: Peak GPU memory on CUDA, peak resident memory of the process on CPU.
        trainable_params: Parameters the optimiser updated.
        device: ``cuda`` or ``cpu``.
    """

    adapter_dir: str
    method: str
    steps: int
    train_loss: float
    seconds: float
    tokens_per_s: float
    peak_memory_mb: float
    trainable_params: int
    device: str


def read_examples(path: Path) -> list[dict[str, Any]]:
    """Prompt-completion records of a ``*.jsonl`` split (other keys are dropped)."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            rows.append({"prompt": record["prompt"], "completion": record["completion"]})
    return rows


def _callback(on_progress: Callable[[Progress], None] | None, should_stop: Callable[[], bool] | None) -> Any:
    from transformers import TrainerCallback

    class _Report(TrainerCallback):
        """Reports progress on every log and stops at the next step once ``should_stop`` says so."""

        def __init__(self) -> None:
            self.started = time.perf_counter()
            self.cancelled = False

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if should_stop is not None and should_stop():
                self.cancelled = True
                control.should_training_stop = True

        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any
        ) -> None:
            if on_progress is None or not logs or "loss" not in logs:
                return
            step, total = state.global_step, max(state.max_steps, 1)
            elapsed = time.perf_counter() - self.started
            eta = elapsed / step * (total - step) if step else 0.0
            on_progress(Progress(step, total, float(logs["loss"]), round(eta, 1), float(state.epoch or 0.0)))

    return _Report()


def train_adapter(
    spec: TuningSpec,
    *,
    train: Sequence[dict[str, Any]],
    model_dir: Path,
    out_dir: Path,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    device: str | None = None,
) -> TrainResult:
    """Fine-tune an adapter on prompt-completion examples and save it as a plain PEFT directory.

    Args:
        spec: The run's configuration.
        train: ``{"prompt": [...], "completion": [...]}`` records (conversational).
        model_dir: The base model's Hugging Face directory.
        out_dir: Where the adapter is written (``adapter_config.json`` +
            ``adapter_model.safetensors``); nothing is written for ``method="full"``.
        on_progress: Called on every logged step.
        should_stop: Polled after every step; when it returns True the run stops and
            :class:`TrainingCancelled` is raised before anything is saved.
        device: ``"cuda"`` or ``"cpu"``; ``None`` picks CUDA when available.

    Returns:
        What was produced and what it cost.

    Raises:
        TrainingCancelled: ``should_stop`` fired.
        ValueError: ``train`` is empty.

    Example:
        >>> result = train_adapter(TuningSpec(max_steps=2), train=rows, model_dir=tiny, out_dir=tmp / "a")
    """
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTTrainer

    if not train:
        raise ValueError("no training examples")
    cuda = (device or ("cuda" if torch.cuda.is_available() else "cpu")) == "cuda"
    method = resolve_method(spec, cuda=cuda)
    torch.manual_seed(spec.seed)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    quantization = to_quantization_config(spec, cuda=cuda) if method == "qlora" else None
    if quantization is not None and not cuda:
        quantization.bnb_4bit_compute_dtype = torch.float32  # bf16 on a CPU without native bf16 is slow
    model: Any = AutoModelForCausalLM.from_pretrained(
        model_dir,
        dtype=torch.bfloat16 if cuda else torch.float32,
        quantization_config=quantization,
        **({"device_map": {"": 0 if cuda else "cpu"}} if quantization is not None else {}),
    )
    if quantization is not None:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=spec.gradient_checkpointing)
    peft_config = None if method == "full" else to_lora_config(spec, num_layers=model.config.num_hidden_layers)
    if spec.init_adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, spec.init_adapter, is_trainable=True)
        peft_config = None
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    scratch = Path(out_dir).parent / f".{Path(out_dir).name}.trainer"
    callback = _callback(on_progress, should_stop)
    trainer = SFTTrainer(
        model=model,
        args=to_sft_config(spec, output_dir=scratch, cuda=cuda),
        train_dataset=Dataset.from_list(list(train)),
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[callback],
    )
    tuned: Any = trainer.model  # transformers types it Optional; SFTTrainer always sets it
    dataset: Any = trainer.train_dataset
    trainable = sum(p.numel() for p in tuned.parameters() if p.requires_grad)
    lengths = [len(ids) for ids in dataset["input_ids"]]
    started = time.perf_counter()
    output = trainer.train()
    seconds = time.perf_counter() - started
    if callback.cancelled:
        raise TrainingCancelled(f"cancelled at step {trainer.state.global_step}")
    steps = int(trainer.state.global_step)
    per_step = spec.batch_size * spec.gradient_accumulation_steps
    mean_len = sum(min(n, spec.max_length) for n in lengths) / len(lengths)
    tokens = steps * per_step * mean_len
    if cuda:
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    adapter_dir = ""
    if method != "full":
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        tuned.save_pretrained(str(out_dir))
        _portable_base_name(out_dir, Path(model_dir).name)
        adapter_dir = str(out_dir)
    loss = float(output.training_loss) if output.training_loss is not None else math.nan
    return TrainResult(
        adapter_dir=adapter_dir,
        method=method,
        steps=steps,
        train_loss=loss,
        seconds=round(seconds, 3),
        tokens_per_s=round(tokens / seconds, 1) if seconds else 0.0,
        peak_memory_mb=round(peak, 1),
        trainable_params=trainable,
        device="cuda" if cuda else "cpu",
    )


def _portable_base_name(adapter_dir: Path, base_name: str) -> None:
    """Record the base model by name, not by this machine's path (a path breaks on every other host)."""
    config_path = adapter_dir / "adapter_config.json"
    config = json.loads(config_path.read_text())
    config["base_model_name_or_path"] = base_name
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True))


def main(argv: Sequence[str] | None = None) -> int:
    """Train one adapter, printing progress as JSON lines (the training service's subprocess)."""
    parser = argparse.ArgumentParser(prog="python -m docai.training.trainer", description=main.__doc__)
    parser.add_argument("--spec", type=Path, required=True, help="TuningSpec as JSON")
    parser.add_argument("--train", type=Path, required=True, help="train.jsonl")
    parser.add_argument("--model", type=Path, required=True, help="base model directory")
    parser.add_argument("--out", type=Path, required=True, help="adapter directory to write")
    parser.add_argument("--device", default=None)
    args = parser.parse_args(argv)
    spec = TuningSpec.model_validate_json(args.spec.read_text())

    def emit(event: str, payload: dict[str, Any]) -> None:
        print(json.dumps({"event": event, **payload}), flush=True)

    result = train_adapter(
        spec,
        train=read_examples(args.train),
        model_dir=args.model,
        out_dir=args.out,
        device=args.device,
        on_progress=lambda p: emit("progress", asdict(p)),
    )
    emit("done", asdict(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
