"""Per-field confidence calibration, so that the auto-approve threshold means a precision.

A reader's raw confidence (a token probability, a candidate score) is only a ranking: "0.9"
need not mean right nine times in ten. :func:`fit_calibrator` learns, per field, a monotone map
from raw confidence to the observed share of correct values (isotonic regression) on held-out
documents; :class:`Calibrator` applies it. Fields with too few held-out values use one map
pooled over all fields, so a rare field is neither left raw nor fitted to a handful of points.

The map is stored as the isotonic fit's own piecewise-linear points in a small JSON file
(``numpy.interp`` between them, constant beyond the ends, as ``out_of_bounds="clip"`` predicts),
so the service loads it without scikit-learn and without unpickling anything.

Held-out data: synthetic invoices with seeds in :data:`CALIBRATION_SEEDS`, disjoint from the
seeds the shipped adapters were trained on (0..3999, ``adapters/*/docai_adapter.json``), the
sample invoices of ``make run`` and the tests. Write them with
``python -m docai.training.synthetic DIR --count 400 --seed 700000`` and run
``docai calibrate --data DIR --out services/extraction/calibration.json``. The dev set
(``shared/eval/dev``) is never used: it is what the calibrated figures are judged on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from docai.services.common.errors import InvalidArgumentError
from docai.services.extraction.calibration import Calibrator, Curve, Pair

__all__ = [
    "CALIBRATION_SEEDS",
    "MIN_FIELD_SUPPORT",
    "calibrate_directory",
    "expected_calibration_error",
    "fit_calibrator",
    "straight_through",
]

log = logging.getLogger("docai.calibration")

# Synthetic seeds reserved for calibration: no training run, test or sample uses them.
CALIBRATION_SEEDS = range(700_000, 800_000)
# Below this many held-out values a field uses the pooled map (an isotonic fit on fewer
# points is mostly noise, and a field read right 20 times of 20 would map every score to 1.0).
MIN_FIELD_SUPPORT = 50
# A truth field's (confidence, correct?); confidence None when the reader returned no value.
Outcome = tuple[float | None, bool]


def _isotonic(pairs: Sequence[Pair]) -> Curve:
    from sklearn.isotonic import IsotonicRegression

    x = np.array([conf for conf, _ in pairs], dtype=float)
    y = np.array([1.0 if correct else 0.0 for _, correct in pairs])
    model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(x, y)
    return Curve(x=tuple(model.X_thresholds_.tolist()), y=tuple(model.y_thresholds_.tolist()), support=len(pairs))


def fit_calibrator(
    pairs_by_field: Mapping[str, Sequence[Pair]],
    *,
    min_support: int = MIN_FIELD_SUPPORT,
    meta: Mapping[str, Any] | None = None,
) -> Calibrator:
    """Fit one isotonic map per field with enough data, and a pooled map for the rest.

    Args:
        pairs_by_field: Per field, ``(raw confidence, correct?)`` of every held-out value read.
        min_support: Fields with fewer pairs use the pooled map.
        meta: Stored with the maps (data, model, adapter, seeds), so a file says what it was fit on.

    Returns:
        The calibrator; the identity when there are no pairs at all.

    Example:
        >>> cal = fit_calibrator({"iban": [(0.9, False), (0.95, True)] * 50})
        >>> round(cal.apply("iban", 0.9), 2), round(cal.apply("iban", 0.95), 2)
        (0.0, 1.0)
    """
    everything = [pair for pairs in pairs_by_field.values() for pair in pairs]
    if not everything:
        return Calibrator(meta=dict(meta or {}))
    fields = {name: _isotonic(pairs) for name, pairs in pairs_by_field.items() if len(pairs) >= min_support}
    return Calibrator(fields=fields, pooled=_isotonic(everything), meta={**(meta or {}), "min_support": min_support})


def expected_calibration_error(pairs: Iterable[Pair], bins: int = 10) -> float:
    """ECE: the support-weighted gap between mean confidence and accuracy in equal-width bins.

    0 means the confidences are frequencies; a reader that says 0.95 and is right half the
    time scores about 0.45. 0.0 for no pairs. (A few numpy lines: no installed library's ECE
    takes plain pairs without pulling in a framework.)

    Example:
        >>> expected_calibration_error([(0.9, True), (0.9, False)])
        0.4
    """
    data = list(pairs)
    if not data:
        return 0.0
    conf = np.clip(np.array([c for c, _ in data], dtype=float), 0.0, 1.0)
    correct = np.array([1.0 if ok else 0.0 for _, ok in data])
    index = np.minimum((conf * bins).astype(int), bins - 1)  # 1.0 falls in the top bin
    gap = 0.0
    for b in np.unique(index):
        mask = index == b
        gap += mask.sum() * abs(conf[mask].mean() - correct[mask].mean())
    return round(float(gap / len(data)), 6)


def straight_through(
    documents: Mapping[str, Mapping[str, Outcome]] | Sequence[Mapping[str, Outcome]],
    precision: float = 0.995,
    *,
    required: Collection[str] = (),
) -> dict[str, Any]:
    """The lowest auto-approve threshold at which approved documents keep a field precision.

    A document goes straight through at threshold ``t`` when every field the reader returned
    has confidence ≥ ``t`` and no ``required`` field is missing (as the routing decision sends a
    document without, say, its invoice number to review). Precision is correct over returned
    fields of the straight-through documents; a field the truth holds but the reader did not
    return is not a precision error and does not hold the document back, but is counted in
    ``missed``. Only a document's least confident field matters, so the candidate thresholds
    are those minima.

    Args:
        documents: Per document (a mapping by id, or a sequence), per field of its ground truth,
            ``(confidence, correct?)``; confidence None where the reader returned no value.
        precision: The field precision auto-approval must keep.
        required: Fields without which a document never goes straight through.

    Returns:
        ``{"threshold", "rate", "precision", "documents", "straight_through", "missed", "target"}``:
        the threshold (None when none reaches the target), the share of documents that go
        straight through at it, their field precision (None when none), the number of documents,
        of straight-through ones, and of truth fields those lack.

    Example:
        >>> docs = [{"a": (0.99, True)}, {"a": (0.8, True), "b": (0.9, True)}, {"a": (0.5, False)}]
        >>> straight_through(docs)["threshold"]
        0.8
    """
    docs = list(documents.values()) if isinstance(documents, Mapping) else list(documents)
    eligible = []
    for fields in docs:
        if any(fields[name][0] is None for name in required if name in fields):
            continue
        read = [(conf, ok) for conf, ok in fields.values() if conf is not None]
        missed = sum(conf is None for conf, _ in fields.values())
        eligible.append((min((c for c, _ in read), default=1.0), sum(ok for _, ok in read), len(read), missed))
    eligible.sort(key=lambda d: -d[0])
    best: dict[str, Any] = {"threshold": None, "rate": 0.0, "precision": None, "straight_through": 0, "missed": 0}
    right = total = missed = 0
    for i, (floor, ok, count, lacking) in enumerate(eligible):
        right, total, missed = right + ok, total + count, missed + lacking
        if i + 1 < len(eligible) and eligible[i + 1][0] == floor:
            continue  # documents with the same floor enter together
        if total and right >= precision * total - 1e-12:
            best = {
                "threshold": floor,
                "rate": (i + 1) / len(docs),
                "precision": right / total,
                "straight_through": i + 1,
                "missed": missed,
            }
    return {**best, "documents": len(docs), "target": precision}


def calibrate_directory(
    *,
    data: Path,
    out: Path,
    settings: Any,
    adapter: str = "",
    path: str | None = None,
    limit: int = 0,
    backend: Any = None,
    min_support: int = MIN_FIELD_SUPPORT,
    report: Path | None = None,
) -> dict[str, Any]:
    """``docai calibrate``: read held-out documents with raw confidences, fit, write ``out``.

    Args:
        data: PDFs with ground-truth JSON beside them, not the dev set; synthetic ones must
            carry seeds in :data:`CALIBRATION_SEEDS`.
        out: Where the calibration JSON goes.
        settings: Process settings (backend, adapter, ...).
        adapter: Adapter alias or name, "none", or "" for the configured one.
        path: ``reader`` or ``generative`` (None: the reader when it exists).
        limit: Read at most this many documents (0: all).
        backend: An inference backend instead of the configured one (tests pass a fake).
        min_support: See :func:`fit_calibrator`.
        report: Also write the raw-confidence eval report here.

    Returns:
        ``{"documents", "fields", "ece_raw", "ece_calibrated_in_sample", "straight_through_raw",
        "straight_through_calibrated_in_sample", "out"}``.

    Raises:
        InvalidArgumentError: For the dev set, or synthetic documents outside the reserved seeds.
    """
    from docai.schemas.routing import DEFAULT_REQUIRED_FIELDS
    from docai.training.evaluate import evaluate_directory, pairs
    from docai.training.scoring import field_outcomes

    _check_held_out(data, dev_set=settings.dev_set, documents=pairs(data)[: limit or None])
    scored = evaluate_directory(
        data=data,
        out=report,
        settings=settings,
        adapter=adapter,
        limit=limit,
        backend=backend,
        path=path,
        calibrator=Calibrator.identity(),
    )
    truths = {str(pdf.relative_to(data)): json.loads(truth.read_text()) for pdf, truth in pairs(data)[: limit or None]}
    outcomes = {
        key: field_outcomes(scored["predictions"].get(key, {}), scored["confidences"].get(key, {}), truth)
        for key, truth in truths.items()
    }
    by_field: dict[str, list[Pair]] = {}
    for name, confidence, correct in (outcome for document in outcomes.values() for outcome in document):
        if confidence is not None:
            by_field.setdefault(name, []).append((confidence, correct))
    seeds = sorted(s for t in truths.values() if isinstance(s := t.get("_synthetic", {}).get("seed"), int))
    meta = {
        "data": str(data),
        "documents": len(truths),
        "model": scored["model"],
        "adapter": scored["adapter"],
        "path": scored["path"],
        "seeds": f"{seeds[0]}..{seeds[-1]}" if seeds else None,
    }
    calibrator = fit_calibrator(by_field, min_support=min_support, meta=meta)
    calibrator.save(out)
    everything = [pair for values in by_field.values() for pair in values]
    calibrated = [(calibrator.apply(name, c), ok) for name, values in by_field.items() for c, ok in values]
    per_doc_raw = [{n: (c, ok) for n, c, ok in document} for document in outcomes.values()]
    per_doc_cal = [
        {n: (None if c is None else calibrator.apply(n, c), ok) for n, c, ok in document}
        for document in outcomes.values()
    ]
    return {
        "documents": len(truths),
        "fields": {name: len(p) for name, p in sorted(by_field.items())},
        "fitted_fields": sorted(calibrator.fields),
        "ece_raw": expected_calibration_error(everything),
        # In-sample: the map was fit on these very pairs; judge it on the dev set with `docai eval`.
        "ece_calibrated_in_sample": expected_calibration_error(calibrated),
        "straight_through_raw": straight_through(per_doc_raw, required=DEFAULT_REQUIRED_FIELDS),
        "straight_through_calibrated_in_sample": straight_through(per_doc_cal, required=DEFAULT_REQUIRED_FIELDS),
        "out": str(out),
    }


def _check_held_out(data: Path, *, dev_set: Path, documents: Sequence[tuple[Path, Path]]) -> None:
    """Refuse data a calibration would be judged on, or that a model may have been trained on."""
    resolved = data.resolve()
    if resolved == dev_set.resolve() or dev_set.resolve() in resolved.parents or resolved in dev_set.resolve().parents:
        raise InvalidArgumentError(
            f"{data} holds the dev set, which calibration must not see: use held-out synthetic invoices"
        )
    for _, truth_path in documents:
        seed = json.loads(truth_path.read_text()).get("_synthetic", {}).get("seed")
        if isinstance(seed, int) and seed not in CALIBRATION_SEEDS:
            raise InvalidArgumentError(
                f"{truth_path.name} has synthetic seed {seed}; calibration uses only the held-out seeds "
                f"{CALIBRATION_SEEDS.start}..{CALIBRATION_SEEDS.stop - 1}"
            )
