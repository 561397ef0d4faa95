"""`docai eval`: the full extraction path (parse → prompt → model → normalise) on a directory of PDFs."""

from __future__ import annotations

import json
import logging
import statistics
import time
from pathlib import Path
from typing import Any

from docai.services.common.errors import DocAIError
from docai.services.common.settings import Settings
from docai.training.scoring import score_documents

log = logging.getLogger("docai.eval")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def pairs(data: Path) -> list[tuple[Path, Path]]:
    """Every PDF under `data` with a ground-truth JSON beside it."""
    found = []
    for pdf in sorted(data.rglob("*.pdf")):
        truth = pdf.with_suffix(".json")
        if truth.exists():
            found.append((pdf, truth))
    return found


def evaluate_directory(
    *, data: Path, out: Path, settings: Settings, adapter: str = "", limit: int = 0, backend: Any = None,
    resume: bool = False,
) -> dict[str, Any]:
    """Extracts every document in `data`, scores it against its ground truth and writes the report.

    With ``resume``, the documents an unfinished report at ``out`` (``complete`` false, same
    adapter) already holds are kept and only the rest are read: a run cut short on a slow
    machine goes on where it stopped. Latency figures then cover the new documents only.
    """
    from docai.services.app import AdapterChoice, load_backend
    from docai.services.extraction.extractor import Extractor
    from docai.services.ingest.pdf_parse import parse_pdf

    backend = backend or load_backend(settings)
    if adapter and adapter != "none":
        from docai.training.registry import AdapterRegistry

        AdapterRegistry(settings.adapter_dir).load_into(backend, adapter)
    chosen = AdapterChoice(backend, configured=adapter or settings.adapter)(tenant_id="")
    extractor = Extractor(backend=backend, max_new_tokens=settings.max_new_tokens)
    documents = pairs(data)[: limit or None]
    predictions: dict[str, dict[str, Any]] = {}
    truths: dict[str, dict[str, Any]] = {}
    latencies: list[float] = []
    errors: dict[str, str] = {}
    stages: dict[str, list[float]] = {"parse_s": [], "prompt_s": [], "prefill_s": [], "decode_s": [], "validation_s": []}
    def write_report(*, complete: bool) -> dict[str, Any]:
        # Written after every document, so a long run on a slow machine leaves figures behind.
        report = score_documents(predictions, truths)
        report.update(
            {
                "complete": complete,
                "latency_s": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95)},
                "stages_mean_s": {k: statistics.fmean(v) if v else 0.0 for k, v in stages.items()},
                "model": backend.model_name,
                "adapter": chosen or "none",
                "errors": errors,
                "predictions": predictions,
            }
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, default=str))
        return report

    earlier = _unfinished_report(out, adapter=chosen or "none") if resume else {}
    for pdf, truth_path in documents:
        key = str(pdf.relative_to(data))
        truths[key] = json.loads(truth_path.read_text())
        if key in earlier.get("predictions", {}):
            predictions[key] = earlier["predictions"][key]
            if key in earlier.get("errors", {}):
                errors[key] = earlier["errors"][key]
            continue
        started = time.perf_counter()
        try:
            parsed = parse_pdf(pdf.read_bytes())
            parse_s = time.perf_counter() - started
            outcome = extractor.extract(parsed, adapter=chosen)
        except DocAIError as exc:
            errors[key] = exc.reason
            predictions[key] = {}
            continue
        except Exception as exc:  # noqa: BLE001 - one bad document must not end a long evaluation
            log.exception("extracting %s failed", key)
            errors[key] = f"INTERNAL_ERROR: {type(exc).__name__}"
            predictions[key] = {}
            continue
        latencies.append(time.perf_counter() - started)
        predictions[key] = outcome.extraction.flat()
        stages["parse_s"].append(parse_s)
        for stage in ("prompt_s", "prefill_s", "decode_s", "validation_s"):
            stages[stage].append(getattr(outcome.timings, stage))
        print(f"{len(predictions):3d}/{len(documents)} {key} {latencies[-1]:.1f}s", flush=True)
        write_report(complete=False)
    return write_report(complete=True)


def _unfinished_report(out: Path, *, adapter: str) -> dict[str, Any]:
    """The report at ``out`` when it is an unfinished run of the same adapter, else {}."""
    if not out.is_file():
        return {}
    report = json.loads(out.read_text())
    if report.get("complete") or report.get("adapter") != adapter:
        return {}
    return report
