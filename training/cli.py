"""The offline commands of ``docai``: ``eval``, ``calibrate``, ``eval-compare``, ``bench``,
``train``, ``adapters list|promote|rollback`` and ``train-synthetic`` (added through
:mod:`docai.training.extension`).

``eval``, ``calibrate`` and ``bench`` run the extraction path in this process; ``train`` and
``adapters`` talk to a running suite through the TrainingService (token in
``DOCAI_TOKEN`` or ``--token``); ``train-synthetic`` trains an adapter from synthetic invoices
in this process and writes a PEFT directory, the way the shipped ``adapters/extraction`` was made.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

__all__ = ["register"]


def _stub(args: argparse.Namespace) -> tuple[Any, tuple[tuple[str, str], ...]]:
    import grpc

    from docai.services.pb.training.v1 import training_service_pb2_grpc as pb_grpc

    token = args.token or os.environ.get("DOCAI_TOKEN", "")
    if not token:
        raise SystemExit("an API token is needed: --token or DOCAI_TOKEN")
    channel = grpc.insecure_channel(args.address)
    return pb_grpc.TrainingServiceStub(channel), (("authorization", f"Bearer {token}"),)


class StepProgress:
    """Training steps as a tqdm bar with an ETA on stderr when it is a terminal; in logs and pipes
    (no bar) a plain line at each new stage and every tenth of the steps instead."""

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self.bar: Any = None
        self.stage = ""
        self.logged = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def show(self, stage: str, step: int, total: int, *, loss: float, eta_s: float) -> None:
        from docai.services.common.progress_bar import progress_bar

        if self.bar is None:
            self.bar = progress_bar(total=total or None, desc=self.desc, unit="step")
        bar = self.bar
        if total and bar.total != total:
            bar.total = total
        if bar.disable:
            tenth = step * 10 // total if total else 0
            if stage != self.stage or tenth > self.logged:
                self.logged = tenth
                print(f"{stage or self.desc} step {step}/{total} loss {loss:.4f} eta {eta_s:.0f}s", flush=True)
        else:
            if stage and stage != self.stage:
                bar.set_description_str(f"{self.desc} {stage}", refresh=False)
            bar.set_postfix_str(f"loss {loss:.4f}", refresh=False)
            if step >= bar.n:
                bar.update(step - bar.n)
            else:  # a new stage counts from 0 again
                bar.reset(total=total or None)
                bar.update(step)
        self.stage = stage


def cmd_train(args: argparse.Namespace) -> int:
    from docai.services.pb.training.v1 import training_service_pb2 as pb

    stub, metadata = _stub(args)
    config = pb.TuningJobConfig(
        max_steps=args.steps,
        synthetic_examples=args.synthetic,
        auto_promote=args.promote,
        dev_documents=args.dev_documents,
        learning_rate=args.learning_rate,
    )
    job = stub.CreateTuningJob(
        pb.CreateTuningJobRequest(task=args.task, config=config, request_id=args.request_id or uuid.uuid4().hex),
        metadata=metadata,
    ).tuning_job
    print(f"{job.name} created (dataset {job.dataset_sha256[:12]})")
    with StepProgress("train") as steps:
        for update in stub.WatchTuningJob(pb.WatchTuningJobRequest(name=job.name), metadata=metadata):
            job = update.tuning_job
            progress = job.progress
            steps.show(
                progress.stage, progress.step, progress.total_steps, loss=progress.loss, eta_s=progress.eta_seconds
            )
    state = pb.TuningJobState.Name(job.state)
    print(f"{job.name}: {state}")
    if job.error.reason:
        print(f"error: {job.error.reason}: {job.error.message}")
    if job.gate_summary:
        print(f"gate: {job.gate_summary}")
        print(f"adapter: {job.adapter} ({'promoted' if job.promoted else 'not promoted'})")
    return 0 if job.state == pb.TUNING_JOB_STATE_SUCCEEDED else 1


def cmd_adapters_list(args: argparse.Namespace) -> int:
    from google.protobuf.json_format import MessageToDict

    from docai.services.pb.training.v1 import training_service_pb2 as pb

    stub, metadata = _stub(args)
    response = stub.ListAdapters(pb.ListAdaptersRequest(parent=f"adapters/{args.task}"), metadata=metadata)
    for adapter in response.adapters:
        metrics = MessageToDict(adapter.metrics)
        aliases = ",".join(adapter.aliases)
        print(
            f"{adapter.name:<40} {aliases:<18} base={adapter.base_model} dataset={adapter.dataset_sha256[:12]} "
            f"metrics={json.dumps(metrics, sort_keys=True)[:120]}"
        )
    return 0


def cmd_adapters_promote(args: argparse.Namespace) -> int:
    from docai.services.pb.training.v1 import training_service_pb2 as pb

    stub, metadata = _stub(args)
    name = args.name if args.name.startswith("adapters/") else f"adapters/{args.task}/versions/{args.name}"
    adapter = stub.PromoteAdapter(
        pb.PromoteAdapterRequest(name=name, request_id=uuid.uuid4().hex), metadata=metadata
    ).adapter
    print(f"champion is now {adapter.name}")
    return 0


def cmd_adapters_rollback(args: argparse.Namespace) -> int:
    from docai.services.pb.training.v1 import training_service_pb2 as pb

    stub, metadata = _stub(args)
    request = pb.RollbackAdapterRequest(parent=f"adapters/{args.task}", request_id=uuid.uuid4().hex)
    adapter = stub.RollbackAdapter(request, metadata=metadata).adapter
    print(f"champion is now {adapter.name}")
    return 0


def _synthetic_records(
    task: str, count: int, *, seed: int, workers: int, work: Path, layouts: Sequence[int] = ()
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Training records and a dataset summary: synthetic invoices for extraction, the synthetic
    catalogue for a brand."""
    from docai.training.tasks import resolve

    return resolve(task).synthetic_records(count, seed=seed, workers=workers, work=work, layouts=layouts)


def cmd_train_synthetic(args: argparse.Namespace) -> int:
    """Build a synthetic dataset, train, write the adapter (and its docai_adapter.json) to --out."""
    from dataclasses import asdict

    from docai.schemas.tuning import TuningSpec
    from docai.services.common.settings import Settings
    from docai.services.models.base_model import ensure_base_model
    from docai.training.trainer import train_adapter

    settings = Settings()
    model_dir = ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)
    modules = ("q_proj", "k_proj", "v_proj", "o_proj") + (
        ("gate_proj", "up_proj", "down_proj") if args.modules == "all" else ()
    )
    spec = TuningSpec(
        task=args.task,
        method=args.method,
        max_steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        lora_r=args.rank,
        lora_alpha=2 * args.rank,
        seed=args.seed,
        logging_steps=max(1, args.steps // 20 or 1),
        lora_layers=args.layers,
        target_modules=modules,
        max_length=args.max_length,
        gradient_accumulation_steps=args.grad_accum,
        init_adapter=args.init_adapter,
        gradient_checkpointing=args.gradient_checkpointing,
    )
    work = Path(tempfile.mkdtemp(prefix="docai-train-"))
    try:
        print(f"building {args.count} synthetic examples for {args.task}...", flush=True)
        records, dataset = _synthetic_records(
            args.task,
            args.count,
            seed=args.seed,
            workers=args.workers,
            work=work,
            layouts=_layout_indices(args.layouts),
        )
        print(f"dataset {dataset['sha256'][:12]}: {dataset}", flush=True)

        with StepProgress("train-synthetic") as steps:

            def show(progress: Any) -> None:
                steps.show("training", progress.step, progress.total_steps, loss=progress.loss, eta_s=progress.eta_s)

            result = train_adapter(spec, train=records, model_dir=model_dir, out_dir=work / "adapter", on_progress=show)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name in ("adapter_config.json", "adapter_model.safetensors"):
            shutil.copy2(work / "adapter" / name, out / name)
        meta = adapter_metadata(
            spec,
            dataset=dataset,
            training=asdict(result),
            base_model=model_dir.name,
            command=" ".join(["docai", *sys.argv[1:]]),
        )
        history = Path(args.init_adapter) / "docai_adapter.json"
        if args.init_adapter and history.is_file():  # keep the adapter's history
            meta["continued_from"] = json.loads(history.read_text())
        (out / "docai_adapter.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
        print(f"adapter written to {out} ({result.method}, {result.steps} steps, {result.tokens_per_s:.0f} tokens/s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _layout_indices(names: str) -> list[int]:
    """``--layouts a,b,b`` as layout indices; an unknown name is an error that lists the known ones."""
    from docai.training.synthetic.layouts import LAYOUTS

    index = {spec.name: i for i, spec in enumerate(LAYOUTS)}
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in index]
    if unknown:
        raise SystemExit(f"unknown layouts {unknown}; known: {', '.join(index)}")
    return [index[name] for name in chosen]


def adapter_metadata(
    spec: Any, *, dataset: dict[str, Any], training: dict[str, Any], base_model: str, command: str
) -> dict[str, Any]:
    """The ``docai_adapter.json`` of a shipped adapter: how it was trained, on what, and at what cost."""
    return {
        "task": spec.task,
        "base_model": base_model,
        "dataset_sha256": dataset["sha256"],
        "dataset": {k: v for k, v in dataset.items() if k != "sha256"},
        "method": training.get("method"),
        "steps": training.get("steps"),
        "spec": spec.model_dump(),
        "training": {k: v for k, v in training.items() if k not in ("adapter_dir", "event")},
        "command": command,
    }


def cmd_eval(args: argparse.Namespace) -> int:
    from docai.training.evaluate import evaluate_directory

    report = evaluate_directory(
        data=Path(args.data),
        out=Path(args.out),
        settings=args.settings_of(args),
        adapter=args.adapter,
        limit=args.limit,
        resume=args.resume,
        path=args.path,
    )
    through = report["straight_through"]
    rate = f"{through['rate']:.3f}@{through['threshold']:.3f}" if through["threshold"] is not None else "none"
    print(
        f"documents={report['documents']} path={report['path']} micro_f1={report['micro_f1']:.3f} "
        f"exact={report['document_exact_rate']:.3f} line_cell_f1={report['line_items']['f1']:.3f} "
        f"ece={report['calibration']['_all']['ece']:.3f} straight_through={rate} "
        f"p50={report['latency_s']['p50']:.1f}s -> {args.out}"
    )
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from docai.training.calibration import calibrate_directory

    result = calibrate_directory(
        data=Path(args.data),
        out=Path(args.out),
        settings=args.settings_of(args),
        adapter=args.adapter,
        path=args.path,
        limit=args.limit,
        min_support=args.min_support,
        report=Path(args.report) if args.report else None,
    )
    raw, fitted = result["straight_through_raw"], result["straight_through_calibrated_in_sample"]
    print(json.dumps(result, indent=2))
    print(
        f"documents={result['documents']} fields fitted apart={len(result['fitted_fields'])} "
        f"ece raw={result['ece_raw']:.3f} calibrated (in sample)={result['ece_calibrated_in_sample']:.3f} "
        f"straight-through rate raw={raw['rate']:.3f} calibrated={fitted['rate']:.3f} -> {args.out}"
    )
    return 0


def cmd_eval_compare(args: argparse.Namespace) -> int:
    from docai.training.evaluate import compare_reports, comparison_table

    before, after = (json.loads(Path(path).read_text()) for path in (args.before, args.after))
    print(comparison_table(compare_reports(before, after, data=Path(args.data))))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from docai.training.bench.suite import run_benchmarks

    run_benchmarks(
        settings=args.settings_of(args),
        out=Path(args.out),
        which=args.which,
        invoices=args.invoices,
        generative_invoices=args.generative_invoices,
        einvoice_data=Path(args.einvoice_data) if args.einvoice_data else None,
    )
    return 0


def register(subparsers: Any, settings: Callable[[argparse.Namespace], Any]) -> None:
    """Add the offline commands to the ``docai`` command's subparsers; ``settings`` makes a command's settings."""
    p = subparsers.add_parser("eval", help="evaluate extraction on PDFs with ground-truth JSON beside them")
    p.add_argument(
        "--data", required=True, help="folder of *.pdf with ground-truth *.json beside them (eval/README.md)"
    )
    p.add_argument("--out", required=True, help="the report (JSON), rewritten as the run goes")
    p.add_argument("--adapter", default="", help="adapter alias or name, or 'none' for the base model")
    p.add_argument("--limit", type=int, default=0, help="evaluate at most this many documents")
    p.add_argument("--resume", action="store_true", help="keep the documents an unfinished report at --out holds")
    p.add_argument(
        "--path",
        choices=["reader", "generative"],
        default=None,
        help="extraction path: reader (chooses among page candidates; the default once it exists) "
        "or generative (the model writes the JSON)",
    )
    p.set_defaults(settings_of=settings, func=cmd_eval)

    p = subparsers.add_parser(
        "calibrate", help="fit per-field confidence calibration on held-out invoices (not the dev set)"
    )
    p.add_argument(
        "--data",
        required=True,
        help="PDFs with truth JSON; synthetic ones from seeds 700000..799999 "
        "(python -m docai.training.synthetic DIR --count 400 --seed 700000)",
    )
    p.add_argument(
        "--out", required=True, help="calibration JSON (the shipped one: services/extraction/calibration.json)"
    )
    p.add_argument("--adapter", default="", help="adapter alias or name, or 'none' for the base model")
    p.add_argument("--path", choices=["reader", "generative"], default=None, help="extraction path (as for eval)")
    p.add_argument("--limit", type=int, default=0, help="read at most this many documents")
    p.add_argument("--min-support", type=int, default=50, help="fields with fewer values use the pooled map")
    p.add_argument("--report", default="", help="also write the raw-confidence eval report here")
    p.set_defaults(settings_of=settings, func=cmd_calibrate)

    p = subparsers.add_parser(
        "eval-compare", help="compare two eval reports on their common documents (paired bootstrap)"
    )
    p.add_argument("before", help="report of the baseline (say, --adapter none)")
    p.add_argument("after", help="report of the system under test")
    p.add_argument("--data", required=True, help="the directory both reports evaluated")
    p.set_defaults(settings_of=settings, func=cmd_eval_compare)

    p = subparsers.add_parser("bench", help="measure speed and memory; writes a section of docs/BENCHMARKS.md")
    p.add_argument("--out", default="docs/BENCHMARKS.md", help="the Markdown file whose section is (re)written")
    p.add_argument(
        "--which",
        default="extraction,throughput",
        help="comma-separated: extraction (stages of one invoice vs plain generate), "
        "throughput (reader vs generative path, invoices per minute), "
        "einvoice (the XML path, the page cross-check, tampered copies)",
    )
    p.add_argument("--invoices", type=int, default=12, help="throughput: invoices the reader path reads")
    p.add_argument(
        "--generative-invoices",
        type=int,
        default=3,
        help="throughput: the first of those the generative path reads too (~50 s each on CPU)",
    )
    p.add_argument(
        "--einvoice-data",
        default="",
        help="einvoice: e-invoice PDFs with truth JSON beside them (../shared/eval/einvoice)",
    )
    p.set_defaults(settings_of=settings, func=cmd_bench)

    def connection(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--address",
            default=os.environ.get("DOCAI_ADDRESS", "127.0.0.1:50051"),
            help="host:port of the running suite (default DOCAI_ADDRESS, else 127.0.0.1:50051)",
        )
        p.add_argument(
            "--token",
            default="",
            help="an API token (default DOCAI_TOKEN): a person admin of the tenant, "
            "or the operator for the shared adapters",
        )
        p.add_argument("--task", default="extraction", help="extraction or brand-<brand>")

    p = subparsers.add_parser(
        "train", help="retrain an adapter from approved corrections or seller feedback (a tuning job)"
    )
    connection(p)
    p.add_argument("--steps", type=int, default=0, help="optimiser steps (0 = one epoch)")
    p.add_argument(
        "--synthetic",
        type=int,
        default=0,
        help="synthetic invoices (catalogue items for --task brand-<brand>) to add to the corrections or feedback",
    )
    p.add_argument(
        "--learning-rate", type=float, default=0.0, help="optimiser learning rate (0 = the trainer's default)"
    )
    p.add_argument(
        "--dev-documents",
        type=int,
        default=0,
        help="dev-set documents in the gate (0 none, -1 all); brand tasks: benchmark held-out products (-1: 40)",
    )
    p.add_argument("--promote", action="store_true", help="promote when the gate passes")
    p.add_argument("--request-id", default="", help="makes a retried call create one job, not two (default: a new one)")
    p.set_defaults(func=cmd_train)

    adapters = subparsers.add_parser("adapters", help="list, promote and roll back adapter versions")
    actions = adapters.add_subparsers(dest="action", required=True)
    p = actions.add_parser("list", help="the task's adapter versions and which one is champion")
    connection(p)
    p.set_defaults(func=cmd_adapters_list)
    p = actions.add_parser("promote", help="make a version the champion (hot-swapped, no restart)")
    connection(p)
    p.add_argument("name", help="version (v0003) or adapters/{task}/versions/{version}")
    p.set_defaults(func=cmd_adapters_promote)
    p = actions.add_parser("rollback", help="make the previous champion the champion again")
    connection(p)
    p.set_defaults(func=cmd_adapters_rollback)

    p = subparsers.add_parser(
        "train-synthetic", help="train an adapter from synthetic data (reproduces the shipped ones)"
    )
    p.add_argument("--out", required=True, help="directory the PEFT adapter is written to")
    p.add_argument(
        "--task", default="extraction", help="extraction (synthetic invoices) or brand-<brand> (synthetic catalogue)"
    )
    p.add_argument("--count", type=int, default=4000, help="synthetic examples to generate")
    p.add_argument("--steps", type=int, default=450, help="optimiser steps")
    p.add_argument(
        "--method",
        default="auto",
        choices=["auto", "qlora", "lora"],
        help="qlora (4-bit base), lora, or auto (qlora on a GPU, else lora)",
    )
    p.add_argument("--batch-size", type=int, default=8, help="examples per micro-batch")
    p.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimiser step (saves memory)")
    p.add_argument("--gradient-checkpointing", action="store_true", help="recompute activations (saves memory)")
    p.add_argument("--learning-rate", type=float, default=3e-4, help="optimiser learning rate")
    p.add_argument("--rank", type=int, default=16, help="LoRA rank (alpha is twice the rank)")
    p.add_argument("--layers", type=int, default=0, help="adapt only the top N transformer layers (0: all)")
    p.add_argument(
        "--modules", default="attention", choices=["attention", "all"], help="attention projections, or MLP too"
    )
    p.add_argument("--max-length", type=int, default=3072, help="longest training example in tokens")
    p.add_argument("--seed", type=int, default=0, help="first synthetic seed (examples use seed .. seed+count-1)")
    p.add_argument("--layouts", default="", help="extraction: layout names to cycle through (repeat one to weight it)")
    p.add_argument("--init-adapter", default="", help="continue training this adapter directory instead of a new one")
    p.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes generating examples (default: CPUs)"
    )
    p.set_defaults(func=cmd_train_synthetic)
