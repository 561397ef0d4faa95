"""Champion vs challenger: a new adapter is promoted only when it is measurably better.

Both adapters answer the reader's questions (which candidate is each field in doubt) about the
same documents: the dataset's held-out split (vendors never trained on) and the shared dev set
(``settings.dev_set``, ``../shared/eval/dev`` beside a checkout: real invoices written by others);
the chosen values are scored against the truth. The challenger passes when

1. its micro-F1 over the pooled documents is higher, with confidence: a paired bootstrap
   over documents puts the lower bound of the 95% interval of the per-document F1
   difference above 0; and
2. no critical field (totals, IBAN, invoice number, dates: ``CRITICAL_FIELDS``) has a
   lower F1 than the champion's.

The second rule is what stops a poisoned dataset: examples that teach the wrong invoice
number or date can raise every other field and still fail the gate on that field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from docai.schemas.invoice import CRITICAL_FIELDS
from docai.services.common.settings import Settings
from docai.services.extraction.chooser import enum_schema, read_letters
from docai.services.models.backend import GenerationRequest
from docai.training.scoring import paired_bootstrap, score_documents

__all__ = [
    "DEV_SET",
    "GateDocument",
    "GateReport",
    "compare",
    "dev_documents",
    "heldout_documents",
    "predict",
    "run_gate",
]

DEV_SET: Path = Settings.model_fields["dev_set"].default  # where it lies beside a checkout; DOCAI_DEV_SET moves it


@dataclass(frozen=True)
class GateDocument:
    """One document both adapters read: its key, the chooser's messages, each asked field's
    options in letter order, and the truth of the asked fields."""

    key: str
    messages: list[dict[str, str]]
    truth: dict[str, Any]
    choices: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class GateReport:
    """The decision and the figures behind it (stored with the adapter as JSON).

    Attributes:
        promote: Whether the challenger may become champion.
        reasons: Why not (empty when it may), as short codes with detail.
        champion: Scores of the champion (``micro_f1``, per-field F1, per set).
        challenger: Scores of the challenger, same shape.
        bootstrap: The paired bootstrap of per-document F1 (challenger minus champion).
        critical: For each critical field scored, ``{"champion": f1, "challenger": f1}``.
        documents: Documents per set.
        metric: The headline figure in ``champion`` and ``challenger``: ``micro_f1`` for
            extraction, ``mean_score`` for descriptions (:mod:`docai.training.description_gate`).
    """

    promote: bool
    reasons: list[str] = field(default_factory=list)
    champion: dict[str, Any] = field(default_factory=dict)
    challenger: dict[str, Any] = field(default_factory=dict)
    bootstrap: dict[str, float] = field(default_factory=dict)
    critical: dict[str, dict[str, float]] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)
    metric: str = "micro_f1"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line for people: decision, the headline figures and the interval."""
        verdict = "PROMOTE" if self.promote else "KEEP CHAMPION"
        label = _METRIC_LABELS.get(self.metric, self.metric)
        line = (
            f"{verdict}: {label} {self.champion.get(self.metric, 0):.3f} -> {self.challenger.get(self.metric, 0):.3f}, "
            f"95% CI of the difference [{self.bootstrap.get('ci_low', 0):+.3f}, "
            f"{self.bootstrap.get('ci_high', 0):+.3f}]"
        )
        grounding = "grounding_violations_per_100"
        if grounding in self.champion or grounding in self.challenger:
            line += (
                f", invented facts per 100 {self.champion.get(grounding, 0):.1f} -> "
                f"{self.challenger.get(grounding, 0):.1f}"
            )
        return line + (f" ({'; '.join(self.reasons)})" if self.reasons else "")


_METRIC_LABELS = {"micro_f1": "micro-F1", "mean_score": "description score"}


# --- documents ----------------------------------------------------------------------------


def heldout_documents(examples: Iterable[Any]) -> list[GateDocument]:
    """Gate documents from held-out :class:`~docai.training.dataset.SFTExample` s (prompt + truth)."""
    out = []
    for index, example in enumerate(examples):
        source = example.source
        key = f"heldout/{source.get('seed', source.get('document', index))}"
        out.append(
            GateDocument(
                key=key, messages=list(example.prompt), truth=dict(example.truth), choices=dict(example.choices)
            )
        )
    return out


def dev_documents(directory: Path = DEV_SET, *, limit: int = 0) -> list[GateDocument]:
    """Gate documents from a directory of PDFs with truth JSON beside them (the shared dev set).

    Returns an empty list when the directory does not exist (a checkout without ``../shared``).
    """
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.training.choice_dataset import choice_example

    if not Path(directory).is_dir():
        return []
    found = [(pdf, pdf.with_suffix(".json")) for pdf in sorted(Path(directory).rglob("*.pdf"))]
    out = []
    for pdf, truth_path in [pair for pair in found if pair[1].exists()][: limit or None]:
        truth = {k: v for k, v in json.loads(truth_path.read_text()).items() if not k.startswith("_")}
        choice = choice_example(parse_pdf(pdf.read_bytes()), truth)
        if choice is not None:
            out.append(
                GateDocument(
                    key=f"dev/{pdf.relative_to(directory)}",
                    messages=choice.prompt,
                    truth=choice.truth,
                    choices=choice.choices,
                )
            )
    return out


# --- predicting and comparing -------------------------------------------------------------


def predict(
    backend: Any,
    adapter: str | None,
    documents: Sequence[GateDocument],
    *,
    max_new_tokens: int = 64,
    on_document: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each document's chosen values by ``adapter`` (None = the base model): one letter per asked field.

    A document whose answer does not parse predicts nothing.
    """
    out: dict[str, dict[str, Any]] = {}
    for index, document in enumerate(documents):
        counts = {name: len(options) for name, options in document.choices.items()}
        result = backend.generate(
            GenerationRequest(
                messages=document.messages,
                adapter=adapter,
                max_new_tokens=max_new_tokens,
                json_schema=enum_schema(counts),
                lane="pipeline",
            )
        )
        picked = read_letters(result.text, counts)
        out[document.key] = {name: document.choices[name][i] for name, i in picked.items()}
        if on_document is not None:
            on_document(index + 1, len(documents))
    return out


def _scores(report: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "micro_f1": report["micro_f1"],
        "fields": {name: metrics["f1"] for name, metrics in report["fields"].items()},
        "document_exact_rate": report["document_exact_rate"],
        "line_items_f1": report["line_items"]["f1"],
    }


def compare(
    champion: Mapping[str, Mapping[str, Any]],
    challenger: Mapping[str, Mapping[str, Any]],
    truths: Mapping[str, Mapping[str, Any]],
    *,
    sets: Mapping[str, Sequence[str]] | None = None,
    critical_fields: Iterable[str] = CRITICAL_FIELDS,
    samples: int = 2000,
    seed: int = 0,
    critical_tolerance: float = 0.0,
) -> GateReport:
    """Decide from both adapters' predictions on the same documents.

    Args:
        champion: The champion's flat predictions by document key.
        challenger: The challenger's, same keys.
        truths: Ground truth by document key; every key is scored.
        sets: Document keys by set name, for per-set figures in the report.
        critical_fields: Fields whose F1 must not drop.
        samples: Bootstrap resamples.
        seed: Bootstrap seed (the gate is reproducible).
        critical_tolerance: F1 a critical field may lose and still pass (0: none).

    Returns:
        The report; ``promote`` says the decision.
    """
    if not truths:
        return GateReport(promote=False, reasons=["NO_DOCUMENTS: nothing to compare on"])
    champ = score_documents(champion, truths)
    chall = score_documents(challenger, truths)
    keys = list(truths)
    boot = paired_bootstrap(
        [champ["per_document"][k] for k in keys], [chall["per_document"][k] for k in keys], samples=samples, seed=seed
    )
    reasons: list[str] = []
    if not boot["ci_low"] > 0:
        reasons.append(
            f"NOT_BETTER: the 95% interval of the F1 difference starts at {boot['ci_low']:+.4f}, not above 0"
        )
    critical: dict[str, dict[str, float]] = {}
    for name in sorted(set(critical_fields)):
        if name not in chall["fields"]:
            continue
        before, after = champ["fields"][name]["f1"], chall["fields"][name]["f1"]
        critical[name] = {"champion": before, "challenger": after}
        if after < before - critical_tolerance - 1e-12:
            reasons.append(f"CRITICAL_FIELD_WORSE: {name} F1 {before:.3f} -> {after:.3f}")
    per_set: dict[str, dict[str, Any]] = {}
    counts = {"total": len(keys)}
    for set_name, set_keys in (sets or {}).items():
        subset = {k: truths[k] for k in set_keys if k in truths}
        if subset:
            per_set[set_name] = {
                "champion": _scores(score_documents(champion, subset)),
                "challenger": _scores(score_documents(challenger, subset)),
            }
            counts[set_name] = len(subset)
    return GateReport(
        promote=not reasons,
        reasons=reasons,
        champion={**_scores(champ), "sets": {k: v["champion"] for k, v in per_set.items()}},
        challenger={**_scores(chall), "sets": {k: v["challenger"] for k, v in per_set.items()}},
        bootstrap=boot,
        critical=critical,
        documents=counts,
    )


def run_gate(
    backend: Any,
    *,
    champion: str | None,
    challenger: str,
    documents: Mapping[str, Sequence[GateDocument]],
    max_new_tokens: int = 64,
    samples: int = 2000,
    seed: int = 0,
    on_document: Callable[[int, int], None] | None = None,
) -> GateReport:
    """Have both adapters read every document and decide (see :func:`compare`).

    Args:
        backend: A :class:`~docai.services.models.backend.TextGenerator` with both loaded.
        champion: The champion's loaded name; None compares against the base model.
        challenger: The challenger's loaded name.
        documents: Gate documents by set name (``heldout``, ``dev``).
        max_new_tokens: Generation budget per document.
        samples: Bootstrap resamples.
        seed: Bootstrap seed.
        on_document: Progress callback ``(done, total)`` over both adapters' reads.

    Returns:
        The report.
    """
    everything = [doc for docs in documents.values() for doc in docs]
    total = 2 * len(everything)

    def progress(offset: int) -> Callable[[int, int], None] | None:
        return None if on_document is None else (lambda done, _: on_document(offset + done, total))

    before = predict(backend, champion, everything, max_new_tokens=max_new_tokens, on_document=progress(0))
    after = predict(
        backend, challenger, everything, max_new_tokens=max_new_tokens, on_document=progress(len(everything))
    )
    truths = {doc.key: doc.truth for doc in everything}
    sets = {name: [doc.key for doc in docs] for name, docs in documents.items()}
    return compare(before, after, truths, sets=sets, samples=samples, seed=seed)
