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
from docai.training.scoring import paired_bootstrap, score_documents

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


def compare_reports(before: dict[str, Any], after: dict[str, Any], *, data: Path) -> dict[str, Any]:
    """Two ``docai eval`` reports scored on the documents both hold, with a paired bootstrap.

    Returns:
        ``{"documents", "before", "after", "bootstrap", "groups"}``: both scorings of the
        common documents (as :func:`score_documents` gives), the bootstrap of the per-document
        header F1 (after minus before), and micro-F1 of both per top-level folder of ``data``.
    """
    truths = {str(pdf.relative_to(data)): json.loads(truth.read_text()) for pdf, truth in pairs(data)}
    common = sorted(set(before["predictions"]) & set(after["predictions"]) & set(truths))
    if not common:
        raise ValueError("the reports share no document of the data set")

    def scored(report: dict[str, Any], keys: list[str]) -> dict[str, Any]:
        return score_documents({k: report["predictions"][k] for k in keys}, {k: truths[k] for k in keys})

    first, second = scored(before, common), scored(after, common)
    groups: dict[str, list[str]] = {}
    for key in common:
        groups.setdefault(key.split("/", 1)[0], []).append(key)
    return {
        "documents": len(common),
        "before": first,
        "after": second,
        "bootstrap": paired_bootstrap([first["per_document"][k] for k in common], [second["per_document"][k] for k in common]),
        "groups": {
            name: {"documents": len(keys), "before": scored(before, keys)["micro_f1"], "after": scored(after, keys)["micro_f1"]}
            for name, keys in sorted(groups.items())
        },
    }


def comparison_table(comparison: dict[str, Any]) -> str:
    """The comparison as Markdown: headline, bootstrap, per field and per folder."""
    before, after, boot = comparison["before"], comparison["after"], comparison["bootstrap"]
    lines = [
        f"{comparison['documents']} documents; micro-F1 (header fields) {before['micro_f1']:.3f} → {after['micro_f1']:.3f}; "
        f"paired bootstrap (after − before) {boot['mean_diff']:+.3f}, 95% interval [{boot['ci_low']:+.3f}, {boot['ci_high']:+.3f}]",
        "",
        "| field | support | before F1 | after F1 |",
        "|---|---|---|---|",
    ]
    for name in sorted(after["fields"]):
        lines.append(f"| {name} | {after['fields'][name]['support']} | {before['fields'][name]['f1']:.2f} | {after['fields'][name]['f1']:.2f} |")
    lines += ["", "| folder | documents | before micro-F1 | after micro-F1 |", "|---|---|---|---|"]
    for name, group in comparison["groups"].items():
        lines.append(f"| {name} | {group['documents']} | {group['before']:.3f} | {group['after']:.3f} |")
    return "\n".join(lines)
