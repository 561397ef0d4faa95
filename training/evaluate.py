"""`docai eval`: the full extraction path (parse → read → validate) on a directory of PDFs.

Two extraction paths can be measured side by side: ``reader`` (``services/extraction/reader.py``,
the model chooses among candidates read from the page) and ``generative`` (the model writes the
invoice as JSON, :class:`~docai.services.extraction.extractor.Extractor`). Both take
``extract(parsed, *, adapter=...) -> ExtractionOutcome``; the reader is imported only when chosen,
so this module works before and after it exists.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import statistics
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docai.services.common.errors import DocAIError, InvalidArgumentError
from docai.services.common.progress_bar import line, progress_bar
from docai.services.common.settings import Settings
from docai.services.extraction.calibration import (
    POOLED,
    Calibrator,
    default_calibration_path,
    load_calibrator,
)
from docai.training.calibration import expected_calibration_error, straight_through
from docai.training.scoring import field_outcomes, paired_bootstrap, score_documents

log = logging.getLogger("docai.eval")

PATHS = ("reader", "generative")
PARTIAL_REPORT_S = 20.0


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


def documents_in(data: Path, *, limit: int = 0) -> list[tuple[Path, Path]]:
    """:func:`pairs`, but a missing or empty folder is an error: a report of 0 documents says nothing.

    Raises:
        InvalidArgumentError: ``EVAL_DATA_MISSING`` when ``data`` is not a directory, ``NO_DOCUMENTS``
            when it holds no PDF with truth beside it.
    """
    if not data.is_dir():
        raise InvalidArgumentError(f"{data} is not a directory", reason="EVAL_DATA_MISSING")
    found = pairs(data)[: limit or None]
    if not found:
        raise InvalidArgumentError(f"{data} holds no *.pdf with a ground-truth *.json beside it", reason="NO_DOCUMENTS")
    return found


def build_extractor(
    path: str, *, backend: Any, settings: Settings, calibrator: Calibrator | None = None
) -> tuple[Any, str]:
    """The extractor of ``path`` and where its confidences' calibration comes from.

    The reader is built as the suite builds it (:func:`docai.services.extraction.readers.reader_from_settings`), with
    ``calibrator`` (else the settings' calibration file) applied to its confidences.

    Returns:
        ``(extractor, calibration)``: calibration is the file loaded, ``"given"`` (a calibrator
        passed in), ``"identity"`` or ``"none"`` (the generative path is not calibrated).

    Raises:
        InvalidArgumentError: For an unknown path.
    """
    if path == "generative":
        from docai.services.extraction.extractor import Extractor

        return Extractor(backend=backend, max_new_tokens=settings.max_new_tokens), "none"
    if path != "reader":
        raise InvalidArgumentError(f"unknown extraction path {path!r}; known: {', '.join(PATHS)}")
    from docai.services.extraction.readers import reader_from_settings

    if calibrator is None:
        calibrator = load_calibrator(settings)
        source = "identity" if calibrator.is_identity else str(settings.calibration_path or default_calibration_path())
    else:
        source = "identity" if calibrator.is_identity else "given"
    return reader_from_settings(settings, backend, calibrate=calibrator.apply), source


def stage_seconds(timings: Any) -> dict[str, float]:
    """The ``*_s`` stage durations of a ``ExtractionTimings`` (whatever stages the extractor records)."""
    if dataclasses.is_dataclass(timings) and not isinstance(timings, type):
        values = {f.name: getattr(timings, f.name) for f in dataclasses.fields(timings)}
    else:
        values = dict(vars(timings)) if hasattr(timings, "__dict__") else {}
    return {
        name: float(value)
        for name, value in values.items()
        if name.endswith("_s")
        and "per_s" not in name
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    }


def read_path(outcome: Any) -> str:
    """Which path read a document, as the outcome or its extraction says (``page`` when silent)."""
    for holder in (outcome, getattr(outcome, "extraction", None)):
        value = getattr(holder, "path", None)
        if isinstance(value, str) and value:
            return value
    return "page"


def _folder(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else "."


def calibration_section(
    predictions: Mapping[str, Mapping[str, Any]],
    confidences: Mapping[str, Mapping[str, float]],
    truths: Mapping[str, Mapping[str, Any]],
    *,
    precision: float = 0.995,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(calibration, straight_through)`` of a report, over the documents that have confidences.

    ``calibration`` is ``{field: {"ece", "support"}, "_all": {...}}`` over the values read (a
    missing value has no confidence to calibrate). Straight-through is judged as the routing
    decision would: a document missing one of the default required fields never goes through.
    """
    from docai.schemas.routing import DEFAULT_REQUIRED_FIELDS

    by_field: dict[str, list[tuple[float, bool]]] = {}
    documents: dict[str, dict[str, tuple[float | None, bool]]] = {}
    for key, truth in truths.items():
        if key not in confidences:
            continue
        outcomes = field_outcomes(predictions.get(key) or {}, confidences[key], truth)
        documents[key] = {name: (conf, ok) for name, conf, ok in outcomes}
        for name, conf, ok in outcomes:
            if conf is not None:
                by_field.setdefault(name, []).append((conf, ok))
    everything = [pair for values in by_field.values() for pair in values]
    calibration = {
        name: {"ece": expected_calibration_error(values), "support": len(values)}
        for name, values in sorted(by_field.items())
    }
    calibration[POOLED] = {"ece": expected_calibration_error(everything), "support": len(everything)}
    return calibration, straight_through(documents, precision=precision, required=DEFAULT_REQUIRED_FIELDS)


def evaluate_directory(
    *,
    data: Path,
    out: Path | None,
    settings: Settings,
    adapter: str = "",
    limit: int = 0,
    backend: Any = None,
    resume: bool = False,
    path: str | None = None,
    calibrator: Calibrator | None = None,
) -> dict[str, Any]:
    """Extracts every document in `data`, scores it against its ground truth and writes the report.

    With ``resume``, the documents an unfinished report at ``out`` (``complete`` false, same
    adapter and path) already holds are kept and only the rest are read: a run cut short on a slow
    machine goes on where it stopped. Latency figures then cover the new documents only.

    Args:
        data: PDFs with ground-truth JSON beside them (``eval/README.md``).
        out: Where the report goes (rewritten as the run goes); None writes nothing.
        settings: Process settings.
        adapter: Adapter alias or name, "none" for the base model, "" for the configured one.
        limit: Read at most this many documents (0: all).
        backend: An inference backend instead of the configured one (tests pass a fake).
        resume: See above.
        path: ``reader`` (default) or ``generative`` (today's baseline: the model writes the JSON).
        calibrator: For the reader: this calibrator instead of the configured file
            (``docai calibrate`` passes the identity to get raw confidences).

    Returns:
        The report: the contract keys (documents, micro_f1, fields, document_exact_rate,
        latency_s, model, adapter, predictions), ``line_items`` (cell F1), ``per_document``,
        ``per_folder``, ``path``, ``paths``, ``confidences``, ``calibration``,
        ``straight_through``, ``stages_mean_s``, ``errors``, ``complete``.

    Raises:
        InvalidArgumentError: For a missing or empty ``data`` folder or an unknown path.
    """
    from docai.services.adapters.choice import AdapterChoice
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.services.models.engines import backend_from_settings

    documents = documents_in(data, limit=limit)
    path = path or "reader"
    backend = backend or backend_from_settings(settings)
    if adapter and adapter != "none":
        from docai.services.adapters.registry import AdapterRegistry

        AdapterRegistry.from_settings(settings).load_into(backend, adapter)
    chosen = AdapterChoice(backend, configured=adapter or settings.adapter)(tenant_id="")
    extractor, calibration_file = build_extractor(path, backend=backend, settings=settings, calibrator=calibrator)
    predictions: dict[str, dict[str, Any]] = {}
    confidences: dict[str, dict[str, float]] = {}
    paths: dict[str, str] = {}
    truths: dict[str, dict[str, Any]] = {}
    latencies: list[float] = []
    errors: dict[str, str] = {}
    stages: dict[str, list[float]] = {}

    def write_report(*, complete: bool) -> dict[str, Any]:
        # Written as the run goes (see below), so a long run on a slow machine leaves figures behind.
        report = score_documents(predictions, truths)
        folders: dict[str, list[str]] = {}
        for key in truths:
            folders.setdefault(_folder(key), []).append(key)
        calibration, through = calibration_section(predictions, confidences, truths)
        # micro-F1 is over header fields: the folders skip aligning line items a second time.
        header = {key: {k: v for k, v in truth.items() if k != "line_items"} for key, truth in truths.items()}
        report.update(
            {
                "complete": complete,
                "latency_s": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95)},
                "stages_mean_s": {k: statistics.fmean(v) if v else 0.0 for k, v in stages.items()},
                "model": getattr(extractor, "model_name", None) or backend.model_name,
                "adapter": chosen or "none",
                "path": path,
                "calibration_file": calibration_file,
                "errors": errors,
                "per_folder": {
                    name: {
                        "micro_f1": score_documents(predictions, {k: header[k] for k in keys})["micro_f1"],
                        "documents": len(keys),
                    }
                    for name, keys in sorted(folders.items())
                },
                "calibration": calibration,
                "straight_through": through,
                "paths": paths,
                "confidences": confidences,
                "predictions": predictions,
            }
        )
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=2, default=str))
        return report

    # Scoring all documents so far costs seconds at a few hundred documents: a fast path
    # writes its unfinished report every PARTIAL_REPORT_S, a slow one after every document.
    last_written = time.perf_counter()

    earlier = _unfinished_report(out, adapter=chosen or "none", path=path) if resume and out is not None else {}
    kept_keys = set(earlier.get("predictions", {}))
    # A bar with an ETA on stderr when it is a terminal; the documents a resumed run keeps are not counted.
    to_read = sum(str(pdf.relative_to(data)) not in kept_keys for pdf, _ in documents)
    with progress_bar(total=to_read, desc=f"eval {path}") as bar:
        for pdf, truth_path in documents:
            key = str(pdf.relative_to(data))
            truths[key] = json.loads(truth_path.read_text())
            if key in kept_keys:
                predictions[key] = earlier["predictions"][key]
                for kept, holder in (
                    (earlier.get("confidences", {}), confidences),
                    (earlier.get("paths", {}), paths),
                    (earlier.get("errors", {}), errors),
                ):
                    if key in kept:
                        holder[key] = kept[key]
                continue
            started = time.perf_counter()
            try:
                parsed = parse_pdf(pdf.read_bytes())
                parse_s = time.perf_counter() - started
                outcome = extractor.extract(parsed, adapter=chosen)
            except DocAIError as exc:
                errors[key] = exc.reason
                predictions[key], confidences[key], paths[key] = {}, {}, "error"
                bar.update(1)
                continue
            except Exception as exc:  # noqa: BLE001 - one bad document must not end a long evaluation
                log.exception("extracting %s failed", key)
                errors[key] = f"INTERNAL_ERROR: {type(exc).__name__}"
                predictions[key], confidences[key], paths[key] = {}, {}, "error"
                bar.update(1)
                continue
            latencies.append(time.perf_counter() - started)
            predictions[key] = outcome.extraction.flat()
            confidences[key] = {name: f.confidence for name, f in outcome.extraction.fields.items()}
            paths[key] = read_path(outcome)
            for stage, seconds in {"parse_s": parse_s, **stage_seconds(outcome.timings)}.items():
                stages.setdefault(stage, []).append(seconds)
            line(bar, f"{len(predictions):3d}/{len(documents)} {key} {latencies[-1]:.1f}s")
            bar.update(1)
            if out is not None and time.perf_counter() - last_written >= PARTIAL_REPORT_S:
                write_report(complete=False)
                last_written = time.perf_counter()
    return write_report(complete=True)


def _unfinished_report(out: Path, *, adapter: str, path: str) -> dict[str, Any]:
    """The report at ``out`` when it is an unfinished run of the same adapter and path, else {}."""
    if not out.is_file():
        return {}
    report: dict[str, Any] = json.loads(out.read_text())
    # Reports from before the reader existed name no path: they were generative.
    if report.get("complete") or report.get("adapter") != adapter or report.get("path", "generative") != path:
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
        "bootstrap": paired_bootstrap(
            [first["per_document"][k] for k in common], [second["per_document"][k] for k in common]
        ),
        "groups": {
            name: {
                "documents": len(keys),
                "before": scored(before, keys)["micro_f1"],
                "after": scored(after, keys)["micro_f1"],
            }
            for name, keys in sorted(groups.items())
        },
    }


def comparison_table(comparison: dict[str, Any]) -> str:
    """The comparison as Markdown: headline, bootstrap, per field and per folder."""
    before, after, boot = comparison["before"], comparison["after"], comparison["bootstrap"]
    lines = [
        (
            f"{comparison['documents']} documents; "
            f"micro-F1 (header fields) {before['micro_f1']:.3f} → {after['micro_f1']:.3f}; "
            f"paired bootstrap (after − before) {boot['mean_diff']:+.3f}, "
            f"95% interval [{boot['ci_low']:+.3f}, {boot['ci_high']:+.3f}]"
        ),
        "",
        "| field | support | before F1 | after F1 |",
        "|---|---|---|---|",
    ]
    for name in sorted(after["fields"]):
        lines.append(
            f"| {name} | {after['fields'][name]['support']} | "
            f"{before['fields'][name]['f1']:.2f} | {after['fields'][name]['f1']:.2f} |"
        )
    lines += ["", "| folder | documents | before micro-F1 | after micro-F1 |", "|---|---|---|---|"]
    for name, group in comparison["groups"].items():
        lines.append(f"| {name} | {group['documents']} | {group['before']:.3f} | {group['after']:.3f} |")
    return "\n".join(lines)
