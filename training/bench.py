"""Benchmarks of the learning loop (figures for docs/BENCHMARKS.md, not timed tests).

- :func:`training_cost`: tokens/s and peak memory of QLoRA, LoRA and full fine-tuning for a
  few steps, each in a fresh subprocess so peak memory is the run's own.
- :func:`hot_swap`: loading a new adapter version into a running backend vs reloading the model.
- :func:`learning_curve`: field accuracy on one unseen vendor's invoices after N = 0, 1, 3, 5...
  corrections, with retrieval (few-shot) alone and after retraining.

Run: ``python -m docai.training.bench cost|swap|curve --out FILE.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["hot_swap", "learning_curve", "training_cost"]


def _model_dir() -> Path:
    from docai.services.common.settings import Settings
    from docai.services.models.base_model import ensure_base_model

    settings = Settings()
    return ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)


def training_cost(*, methods: Sequence[str] = ("lora", "qlora", "full"), steps: int = 2, examples: int = 4) -> dict[str, Any]:
    """Train ``steps`` steps (batch 1) of each method on real synthetic examples in a subprocess each."""
    from docai.schemas.tuning import TuningSpec
    from docai.training.dataset import synthetic_examples

    work = Path(tempfile.mkdtemp(prefix="docai-bench-"))
    rows = synthetic_examples(examples, seed=123)
    train = work / "train.jsonl"
    train.write_text("".join(json.dumps({"prompt": e.prompt, "completion": e.completion}) + "\n" for e in rows))
    results: dict[str, Any] = {}
    for method in methods:
        spec = TuningSpec(method=method, max_steps=steps, batch_size=1, learning_rate=2e-5 if method == "full" else 2e-4)  # type: ignore[arg-type]
        (work / f"{method}.json").write_text(spec.model_dump_json())
        command = [sys.executable, "-m", "docai.training.trainer", "--spec", str(work / f"{method}.json"), "--train", str(train),
                   "--model", str(_model_dir()), "--out", str(work / method), "--device", "cpu"]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        done = [json.loads(line) for line in run.stdout.splitlines() if line.startswith('{"event": "done"')]
        results[method] = done[0] if done else {"error": run.stderr[-800:]}
    return results


def hot_swap(*, repeats: int = 3) -> dict[str, Any]:
    """Seconds to load an adapter version into a running HF backend vs to load the base model."""
    from docai.services.models.hf_backend import HFTextGenerator
    from docai.training.registry import SHIPPED_ADAPTERS

    model_dir = _model_dir()
    started = time.perf_counter()
    backend = HFTextGenerator.load(model_dir, device="cpu")
    reload_s = time.perf_counter() - started
    swaps = []
    for index in range(repeats):
        started = time.perf_counter()
        backend.load_adapter("champion", SHIPPED_ADAPTERS / "extraction")
        swaps.append(time.perf_counter() - started)
        del index
    return {"model_load_s": reload_s, "adapter_swap_s": sorted(swaps)[len(swaps) // 2], "ratio": reload_s / max(sorted(swaps)[len(swaps) // 2], 1e-9)}


def learning_curve(*, ns: Sequence[int] = (0, 1, 3, 5), test_invoices: int = 10, vendor_seed: int = 987_654,
                   retrain_steps: int = 30, adapter: str | None = "champion") -> dict[str, Any]:
    """Accuracy on one unseen vendor after N corrections: few-shot retrieval alone, and after retraining.

    The vendor's first ``max(ns)`` invoices play the corrections (their truth as labels), the
    next ``test_invoices`` are scored. "Retrained" fine-tunes the champion's LoRA setup on the N
    corrections (CPU, ``retrain_steps`` steps) and reads without few-shot examples.
    """
    from docai.services.extraction.extractor import Extractor
    from docai.services.extraction.prompt import FewShotExample, document_text
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.services.models.hf_backend import HFTextGenerator
    from docai.schemas.tuning import TuningSpec
    from docai.training.dataset import printed_values, synthetic_example
    from docai.training.registry import SHIPPED_ADAPTERS
    from docai.training.scoring import score_documents
    from docai.training.synthetic import generate_invoice, make_vendor
    from docai.training.trainer import train_adapter

    vendor = make_vendor(vendor_seed)
    invoices = [generate_invoice(vendor_seed + i, vendor=vendor) for i in range(max(ns) + test_invoices)]
    parsed = [parse_pdf(inv.pdf) for inv in invoices]
    truths = [{k: v for k, v in inv.truth.items() if not k.startswith("_")} for inv in invoices]
    backend = HFTextGenerator.load(_model_dir(), device="cpu")
    if adapter:
        backend.load_adapter(adapter, SHIPPED_ADAPTERS / "extraction")
    extractor = Extractor(backend=backend)
    tests = range(max(ns), len(invoices))
    out: dict[str, Any] = {"vendor": vendor.name, "layout": vendor.layout, "retrieval": {}, "retrained": {}}
    for n in ns:
        shots = [FewShotExample(document_text(parsed[i], max_chars=2500), printed_values(truths[i], parsed[i])) for i in range(n)][-1:]
        preds = {str(i): extractor.extract(parsed[i], adapter=adapter, examples=shots).extraction.flat() for i in tests}
        out["retrieval"][n] = score_documents(preds, {str(i): truths[i] for i in tests})["micro_f1"]
        if n:
            rows = [synthetic_example(vendor_seed + i, vendor=vendor) for i in range(n)]
            work = Path(tempfile.mkdtemp(prefix="docai-curve-"))
            spec = TuningSpec(method="lora", max_steps=retrain_steps, batch_size=1, learning_rate=2e-4)
            train_adapter(spec, train=[{"prompt": r.prompt, "completion": r.completion} for r in rows], model_dir=_model_dir(), out_dir=work / "a")
            backend.load_adapter(f"curve-{n}", work / "a")
            preds = {str(i): extractor.extract(parsed[i], adapter=f"curve-{n}").extraction.flat() for i in tests}
            out["retrained"][n] = score_documents(preds, {str(i): truths[i] for i in tests})["micro_f1"]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docai.training.bench")
    parser.add_argument("which", choices=["cost", "swap", "curve"])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    result = {"cost": training_cost, "swap": hot_swap, "curve": learning_curve}[args.which]()
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
