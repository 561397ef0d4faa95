"""Benchmarks of the learning loop (figures for docs/BENCHMARKS.md, not timed tests).

- :func:`training_cost`: tokens/s and peak memory of QLoRA, LoRA and full fine-tuning for a
  few steps, each in a fresh subprocess so peak memory is the run's own.
- :func:`hot_swap`: loading a new adapter version into a running backend vs reloading the model.
- :func:`learning_curve`: field accuracy on one unseen vendor's invoices after N = 0, 1, 3, 5...
  corrections, with retrieval (few-shot) alone and after retraining.

Run: ``python -m docai.training.bench.learning cost|swap|curve --out FILE.json``.
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


def training_cost(
    *, methods: Sequence[str] = ("lora", "qlora", "full"), steps: int = 2, examples: int = 4
) -> dict[str, Any]:
    """Train ``steps`` steps (batch 1) of each method on real synthetic examples in a subprocess each."""
    from docai.schemas.tuning import TuningSpec
    from docai.training.dataset import synthetic_examples

    work = Path(tempfile.mkdtemp(prefix="docai-bench-"))
    rows = synthetic_examples(examples, seed=123)
    train = work / "train.jsonl"
    train.write_text("".join(json.dumps({"prompt": e.prompt, "completion": e.completion}) + "\n" for e in rows))
    results: dict[str, Any] = {}
    for method in methods:
        spec = TuningSpec(
            method=method, max_steps=steps, batch_size=1, learning_rate=2e-5 if method == "full" else 2e-4
        )
        (work / f"{method}.json").write_text(spec.model_dump_json())
        command = [
            sys.executable,
            "-m",
            "docai.training.trainer",
            "--spec",
            str(work / f"{method}.json"),
            "--train",
            str(train),
            "--model",
            str(_model_dir()),
            "--out",
            str(work / method),
            "--device",
            "cpu",
        ]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        done = [json.loads(line) for line in run.stdout.splitlines() if line.startswith('{"event": "done"')]
        results[method] = done[0] if done else {"error": run.stderr[-800:]}
    return results


def hot_swap(*, repeats: int = 3) -> dict[str, Any]:
    """Seconds to load an adapter version into a running HF backend vs to load the base model."""
    from docai.services.adapters.registry import SHIPPED_ADAPTERS
    from docai.services.models.hf_backend import HFTextGenerator

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
    return {
        "model_load_s": reload_s,
        "adapter_swap_s": sorted(swaps)[len(swaps) // 2],
        "ratio": reload_s / max(sorted(swaps)[len(swaps) // 2], 1e-9),
    }


def learning_curve(
    *,
    vendor: str = "Lieferant GmbH",
    ns: Sequence[int] = (0, 1, 3, 5),
    test_documents: int = 6,
    retrain: Sequence[int] = (5,),
    retrain_steps: int = 15,
    adapter: str = "champion",
    corrections: int = 5,
    out: Path | None = None,
) -> dict[str, Any]:
    """Accuracy on one unseen vendor after N corrections: few-shot retrieval alone, and after retraining.

    The vendor is a real one of ``shared/eval/dev`` (a layout no training data comes from).
    Its first ``corrections`` invoices (by file name) play the accountant's corrections, with
    their ground truth as the corrected labels; the next ``test_documents`` are scored, never
    used as corrections. Retrieval shows the correction most alike in layout to the invoice
    as the few-shot example, as :func:`docai.training.retrieval.examples_for` does.
    Retraining continues the shipped adapter on the N corrections (CPU LoRA,
    ``retrain_steps`` steps) and reads without examples, then with retrieval as the service
    would. Field accuracy is the share of the truth's fields read exactly (recall).
    """
    from docai.schemas.tuning import TuningSpec
    from docai.services.adapters.registry import SHIPPED_ADAPTERS
    from docai.services.common.settings import Settings
    from docai.services.extraction.extractor import Extractor
    from docai.services.extraction.prompt import FewShotExample, document_text
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.services.models.hf_backend import HFTextGenerator
    from docai.training.dataset import printed_values, truth_example
    from docai.training.evaluate import pairs
    from docai.training.retrieval import EXAMPLE_MAX_CHARS, most_alike
    from docai.training.scoring import score_documents
    from docai.training.trainer import train_adapter

    dev_set = Settings().dev_set
    found = [(pdf, json.loads(truth.read_text())) for pdf, truth in pairs(dev_set)]
    mine = [(pdf, truth) for pdf, truth in found if truth.get("vendor_name") == vendor]
    if max([*ns, *retrain], default=0) > corrections:
        raise ValueError(f"N is at most corrections={corrections}")
    if len(mine) < corrections + 1:
        raise ValueError(f"{vendor!r} has {len(mine)} invoices in {dev_set}, fewer than {corrections + 1}")
    mine = mine[: corrections + test_documents]
    parsed = [parse_pdf(pdf.read_bytes()) for pdf, _ in mine]
    truths = [truth for _, truth in mine]
    tests = range(corrections, len(mine))
    test_truths = {str(i): truths[i] for i in tests}
    backend = HFTextGenerator.load(_model_dir(), device="cpu")
    backend.load_adapter(adapter, SHIPPED_ADAPTERS / "extraction")
    extractor = Extractor(backend=backend)
    report: dict[str, Any] = {
        "vendor": vendor,
        "corrections_from": [str(p.relative_to(dev_set)) for p, _ in mine[:corrections]],
        "tested_on": [str(mine[i][0].relative_to(dev_set)) for i in tests],
        "retrieval": {},
        "retrained": {},
    }

    def score(predictions: dict[str, Any]) -> dict[str, Any]:
        scored = score_documents(predictions, test_truths)
        fields = {name: f for name, f in scored["fields"].items() if f["tp"] + f["fn"]}
        tp = sum(f["tp"] for f in fields.values())
        support = sum(f["tp"] + f["fn"] for f in fields.values())
        return {
            "micro_f1": round(scored["micro_f1"], 4),
            "field_accuracy": round(tp / support, 4) if support else 0.0,
            "read_exactly": {name: f"{f['tp']}/{f['tp'] + f['fn']}" for name, f in sorted(fields.items())},
        }

    def record(kind: str, n: int, figures: dict[str, Any]) -> None:
        report[kind][n] = figures
        print(kind, n, figures, flush=True)
        if out is not None:
            out.write_text(json.dumps(report, indent=2, default=str))

    solved = [
        FewShotExample(document_text(parsed[i], max_chars=EXAMPLE_MAX_CHARS), printed_values(truths[i], parsed[i]))
        for i in range(corrections)
    ]

    def read(name: str, n: int) -> dict[str, Any]:
        """The test invoices read by adapter ``name``, shown the closest of the first ``n`` corrections."""
        shown = solved[:n][::-1]  # newest first, as examples_for sees them
        return {
            str(i): extractor.extract(
                parsed[i],
                adapter=name,
                examples=most_alike(shown, document_text(parsed[i], max_chars=EXAMPLE_MAX_CHARS), 1),
            ).extraction.flat()
            for i in tests
        }

    for n in ns:
        record("retrieval", n, score(read(adapter, n)))
    for n in retrain:
        rows = [row for i in range(n) if (row := truth_example(parsed[i], truths[i], vendor=vendor)) is not None]
        work = Path(tempfile.mkdtemp(prefix="docai-curve-"))
        spec = TuningSpec(
            method="lora",
            max_steps=retrain_steps,
            batch_size=1,
            learning_rate=1e-4,
            min_examples=1,
            init_adapter=str(SHIPPED_ADAPTERS / "extraction"),
        )
        started = time.perf_counter()
        train_adapter(
            spec,
            train=[{"prompt": r.prompt, "completion": r.completion} for r in rows],
            model_dir=_model_dir(),
            out_dir=work / "a",
        )
        seconds = time.perf_counter() - started
        backend.load_adapter(f"curve-{n}", work / "a")
        alone, with_retrieval = score(read(f"curve-{n}", 0)), score(read(f"curve-{n}", n))
        record(
            "retrained",
            n,
            alone | {"with_retrieval": with_retrieval, "training_s": round(seconds, 1), "steps": retrain_steps},
        )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docai.training.bench.learning")
    parser.add_argument("which", choices=["cost", "swap", "curve"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--ns", default="0,1,3,5", help="curve: corrections read with retrieval, e.g. 0,1,3,5")
    parser.add_argument("--retrain", default="5", help="curve: corrections retrained on, e.g. 1,3,5 ('' for none)")
    parser.add_argument(
        "--corrections",
        type=int,
        default=5,
        help="curve: invoices that may serve as corrections; the test set follows them",
    )
    args = parser.parse_args(argv)
    if args.which == "curve":
        counts = [int(n) for n in args.ns.split(",") if n]
        retrain = [int(n) for n in args.retrain.split(",") if n]
        result = learning_curve(ns=counts, retrain=retrain, corrections=args.corrections, out=args.out)
    else:
        result = training_cost() if args.which == "cost" else hot_swap()
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
