"""SFT data for the extraction adapter: from synthetic invoices and from reviewers' corrections.

Every example is a prompt-completion pair in TRL's conversational format,
``{"prompt": [system, user], "completion": [{"role": "assistant", "content": json}]}``: the
reader's questions about a document (which candidate is each field in doubt), built by the
one prompt builder of inference (:mod:`docai.services.extraction.chooser`), answered with the
letters of the true values (:func:`docai.training.choice_dataset.choice_example`).

Corrections only teach what a person vouched for, and a few rules keep bad labels out:

- only fields a reviewer confirmed or changed are labels;
- an example whose checks fail (totals that do not add up, a bad IBAN checksum) is set aside;
- a change of bank details trains nothing until a second person approved it;
- no reviewer makes up more than ``max_reviewer_share`` of a dataset (a careless or
  malicious reviewer cannot steer the model alone).

A dataset is written as ``train.jsonl``, ``heldout.jsonl`` and ``manifest.json`` (sha256 of each
example and where it came from). The held-out split is cut by vendor, so no vendor of the
held-out split is ever trained on.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docai.schemas.invoice import BANK_FIELDS, HEADER_FIELDS, LINE_ITEM_FIELDS, TAX_DETAIL_FIELDS, Extraction
from docai.schemas.parsed import ParsedDocument
from docai.services.common.errors import FailedPreconditionError
from docai.services.documents.bank import awaits_second_person
from docai.services.documents.vendor import vendor_key as vendor_key_of
from docai.services.extraction.checks import run_checks
from docai.services.extraction.normalize import normalize_field
from docai.services.extraction.provenance import DocumentLocator

__all__ = [
    "BANK_FIELDS",
    "DatasetBuild",
    "SFTExample",
    "SetAside",
    "as_printed",
    "build_dataset",
    "cap_reviewer_share",
    "correction_example",
    "correction_examples",
    "load_split",
    "printed_values",
    "split_by_vendor",
    "synthetic_example",
    "synthetic_examples",
    "truth_example",
    "write_dataset",
]

DEFAULT_MAX_REVIEWER_SHARE = 0.5


@dataclass(frozen=True)
class SFTExample:
    """One training example.

    Attributes:
        prompt: The system and user messages (:func:`build_messages`).
        completion: The answer as a list of one assistant message.
        vendor: Vendor key, for splitting by vendor.
        source: Where it came from: ``{"kind": "synthetic", "seed": ...}`` or
            ``{"kind": "correction", "document": ..., "reviewer": ..., "tenant": ...}``.
        truth: Normalised ground truth for scoring (synthetic examples and held-out use).
        choices: Each asked field's option values in letter order, to score an answer.
    """

    prompt: list[dict[str, str]]
    completion: list[dict[str, str]]
    vendor: str
    source: dict[str, Any] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """Hash of what the model sees (prompt and completion), not of the metadata."""
        body = json.dumps({"prompt": self.prompt, "completion": self.completion}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()

    def record(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "completion": self.completion,
            "vendor": self.vendor,
            "source": self.source,
            "truth": self.truth,
            "choices": self.choices,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SFTExample:
        return cls(
            prompt=list(record["prompt"]),
            completion=list(record["completion"]),
            vendor=str(record.get("vendor", "")),
            source=dict(record.get("source") or {}),
            truth=dict(record.get("truth") or {}),
            choices=dict(record.get("choices") or {}),
        )


@dataclass(frozen=True)
class SetAside:
    """An approved example that trains nothing, and why (``CHECKS_FAILED``, ``NEEDS_SECOND_APPROVAL``, ...)."""

    document: str
    reason: str
    detail: str = ""


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# The model is told document_type is one of two words, and a currency is often printed only
# as a symbol or inside a column header: for these the canonical value is the answer.
_CANONICAL_ANSWER = frozenset({"document_type", "currency"})


def as_printed(name: str, value: str, source_text: str | None) -> str:
    """The printed form of ``value`` when ``source_text`` reads back as the same value, else ``value``.

    Located text can carry neighbouring punctuation (``"27.04.2025."``); trailing
    punctuation is dropped when the value stays the same. A sign is ignored when comparing
    (credit notes print negative amounts, the truth holds them positive).

    Args:
        name: Canonical field name.
        value: The normalised value.
        source_text: Text found on the page for it, or None.

    Returns:
        The text the model should write.

    Example:
        >>> as_printed("due_date", "2025-04-27", "27.04.2025.")
        '27.04.2025'
    """
    if name in _CANONICAL_ANSWER or not source_text:
        return value
    want = normalize_field(name, value, decimal=".")
    if want is None:
        return value
    for candidate in (source_text.strip(".,;:()"), source_text.rstrip(".,;:"), source_text):
        got = normalize_field(name, candidate)
        if got is not None and got.lstrip("-") == want.lstrip("-"):
            return candidate
    return value


def printed_values(truth: Mapping[str, Any], document: ParsedDocument) -> dict[str, Any]:
    """The truth's values as printed on the page, for the completion the model learns to write.

    Each value is located on the page (:class:`DocumentLocator`); its printed text is used
    when found, the normalised value otherwise (document type, a currency given only by
    a symbol). Keys starting with ``_`` are notes and are dropped.

    Args:
        truth: Normalised values by canonical field name, with optional ``line_items`` and
            ``tax_details`` lists.
        document: The parsed page text.

    Returns:
        Values in the shape :func:`completion_json` accepts.
    """
    locator = DocumentLocator(document)

    def printed(name: str, value: Any) -> str:
        text = _value_text(value)
        found = locator.locate(text, None, field=name)
        return as_printed(name, text, found.source_text if found is not None else None)

    out: dict[str, Any] = {}
    for name in HEADER_FIELDS:
        if truth.get(name) not in (None, ""):
            out[name] = printed(name, truth[name])
    for key, names in (("line_items", LINE_ITEM_FIELDS), ("tax_details", TAX_DETAIL_FIELDS)):
        rows = []
        for row in truth.get(key) or []:
            rows.append({name: printed(name, row[name]) for name in names if row.get(name) not in (None, "")})
        if rows:
            out[key] = rows
    return out


def _example(document: ParsedDocument, truth: Mapping[str, Any], **meta: Any) -> SFTExample | None:
    """The reader's questions about `document` answered from `truth`; None when it asks nothing `truth` answers."""
    from docai.training.choice_dataset import choice_example

    choice = choice_example(document, truth)
    if choice is None:
        return None
    return SFTExample(
        prompt=choice.prompt, completion=choice.completion, truth=choice.truth, choices=choice.choices, **meta
    )


def truth_example(document: ParsedDocument, truth: Mapping[str, Any], **meta: Any) -> SFTExample | None:
    """An example from a document and its ground truth (None: the reader has no question it answers)."""
    return _example(document, truth, **meta)


# --- synthetic ----------------------------------------------------------------------------


def synthetic_example(seed: int, **options: Any) -> SFTExample | None:
    """One example from a synthetic invoice (``generate_invoice(seed, **options)``).

    Example:
        >>> example = synthetic_example(3)
        >>> example.completion[0]["role"]
        'assistant'
    """
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.training.synthetic import generate_invoice

    invoice = generate_invoice(seed, **options)
    document = parse_pdf(invoice.pdf)
    truth = {k: v for k, v in invoice.truth.items() if not k.startswith("_")}
    return truth_example(
        document,
        truth,
        vendor=vendor_key_of(invoice.vendor.name),
        source={"kind": "synthetic", "seed": seed, "layout": invoice.layout, "language": invoice.language},
    )


def _synthetic_one(args: tuple[int, dict[str, Any]]) -> SFTExample | None:
    seed, options = args
    return synthetic_example(seed, **options)


def synthetic_examples(
    count: int, *, seed: int = 0, workers: int = 1, layouts: Sequence[int] = (), **options: Any
) -> list[SFTExample]:
    """``count`` synthetic examples with seeds ``seed .. seed + count - 1``.

    Args:
        count: Number of examples.
        seed: First seed.
        workers: Processes to build them with (PDF rendering and parsing dominate).
        layouts: Layout indices to cycle through, one per example (repeat one to weight it);
            empty: each vendor's own random layout.
        **options: Passed to ``generate_invoice`` (vendor, language...).

    Returns:
        The examples in seed order (invoices the reader has no question about are skipped).
    """
    jobs = [
        (seed + index, {**options, "layout": layouts[index % len(layouts)]} if layouts else options)
        for index in range(count)
    ]
    if workers <= 1:
        made = [_synthetic_one(job) for job in jobs]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            made = list(pool.map(_synthetic_one, jobs, chunksize=8))
    return [example for example in made if example is not None]


# --- corrections --------------------------------------------------------------------------


def correction_example(
    *,
    document_id: str,
    parsed: ParsedDocument,
    extraction: Extraction,
    confirmed_fields: Sequence[str],
    changed_fields: Sequence[str],
    reviewer: str,
    needs_second_approval: bool = False,
    second_approver: str = "",
    vendor_key: str = "",
    tenant_id: str = "",
    kind: str = "correction",
) -> SFTExample | SetAside:
    """Turn one approved invoice into an example, or say why it trains nothing.

    ``kind`` marks where the labels came from: ``"correction"`` (a person approved them) or
    ``"einvoice"`` (an e-invoice whose XML and page agreed; no person saw it).

    Only fields a person confirmed or changed become labels: they answer the reader's
    questions about the document (which candidate each field in doubt is).

    Returns:
        The example, or a :class:`SetAside` with reason ``NEEDS_SECOND_APPROVAL`` (bank
        details changed without a second approver), ``CHECKS_FAILED`` (totals or IBAN do
        not check out), ``NO_LABELS`` (nothing was confirmed) or ``NO_CHOICE`` (the reader
        asked nothing about the confirmed fields: there is no choice to learn).
    """
    labelled = set(confirmed_fields) | set(changed_fields)
    if awaits_second_person(
        needs_second_approval=needs_second_approval,
        changed_fields=changed_fields,
        reviewer=reviewer,
        second_approver=second_approver,
    ):
        return SetAside(document_id, "NEEDS_SECOND_APPROVAL", "bank details changed by one person")
    failed = [check.name for check in run_checks(extraction) if not check.passed]
    if failed:
        return SetAside(document_id, "CHECKS_FAILED", ", ".join(failed))
    truth = {name: value.value for name, value in extraction.fields.items() if name in labelled}
    if not truth:
        return SetAside(document_id, "NO_LABELS", "no field was confirmed or changed")
    example = _example(
        parsed,
        truth,
        vendor=vendor_key or vendor_key_of(extraction.value("vendor_name")),
        source={"kind": kind, "document": document_id, "reviewer": reviewer, "tenant": tenant_id},
    )
    if example is None:
        return SetAside(document_id, "NO_CHOICE", "the reader had no doubt about any confirmed field")
    return example


def correction_examples(
    rows: Iterable[Any], parsed_by_document: Mapping[str, ParsedDocument]
) -> tuple[list[SFTExample], list[SetAside]]:
    """Examples from ``ApprovedExample`` rows (or objects with the same attributes).

    Args:
        rows: Approved examples.
        parsed_by_document: The parsed document of each row, by document id.

    Returns:
        The examples and the rows set aside.
    """
    examples: list[SFTExample] = []
    aside: list[SetAside] = []
    for row in rows:
        parsed = parsed_by_document.get(row.document_id)
        if parsed is None:
            aside.append(SetAside(row.document_id, "NO_DOCUMENT_TEXT"))
            continue
        made = correction_example(
            document_id=row.document_id,
            parsed=parsed,
            extraction=Extraction.model_validate(row.extraction),
            confirmed_fields=list(row.confirmed_fields or []),
            changed_fields=list(row.changed_fields or []),
            reviewer=row.reviewer,
            needs_second_approval=bool(row.needs_second_approval),
            second_approver=row.second_approver or "",
            vendor_key=row.vendor_key,
            tenant_id=row.tenant_id,
            kind="einvoice" if getattr(row, "source", "review") == "einvoice" else "correction",
        )
        (aside if isinstance(made, SetAside) else examples).append(made)  # type: ignore[arg-type]
    return examples, aside


def cap_reviewer_share(
    examples: Sequence[SFTExample], *, max_share: float = DEFAULT_MAX_REVIEWER_SHARE, seed: int = 0
) -> tuple[list[SFTExample], list[SetAside]]:
    """Drop corrections so that no reviewer makes up more than ``max_share`` of the dataset.

    Synthetic examples count towards the total but belong to no reviewer. The kept examples
    of an over-represented reviewer are a seeded random subset.

    Args:
        examples: Candidate examples.
        max_share: Largest share of the result one reviewer may have, in (0, 1].
        seed: Seed of which examples are dropped.

    Returns:
        The kept examples (in the input order) and those dropped (reason ``REVIEWER_SHARE``).

    Raises:
        ValueError: ``max_share`` is not in (0, 1].
    """
    if not 0 < max_share <= 1:
        raise ValueError(f"max_share must be in (0, 1], got {max_share}")
    by_reviewer: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        reviewer = example.source.get("reviewer")
        if reviewer:
            by_reviewer[str(reviewer)].append(index)
    dropped: set[int] = set()
    rng = random.Random(seed)
    # Dropping one reviewer's examples shrinks the total, so repeat until every share fits.
    while True:
        total = len(examples) - len(dropped)
        counts = {r: [i for i in idx if i not in dropped] for r, idx in by_reviewer.items()}
        worst = max(counts, key=lambda r: len(counts[r]), default=None)
        if worst is None or len(counts[worst]) <= max_share * total or total == 0:
            break
        others = total - len(counts[worst])
        # keep k with k <= max_share * (others + k)  <=>  k <= max_share * others / (1 - max_share)
        allowed = len(counts[worst]) if max_share >= 1 else int(max_share * others / (1 - max_share))
        keep = set(rng.sample(counts[worst], allowed))
        dropped.update(i for i in counts[worst] if i not in keep)
        if allowed == len(counts[worst]):
            break
    kept = [example for index, example in enumerate(examples) if index not in dropped]
    aside = [
        SetAside(str(examples[i].source.get("document", "")), "REVIEWER_SHARE", str(examples[i].source.get("reviewer")))
        for i in sorted(dropped)
    ]
    return kept, aside


# --- splits and manifests -----------------------------------------------------------------


def split_by_vendor(
    examples: Sequence[SFTExample], *, heldout_share: float = 0.2, seed: int = 0, heldout_vendors: Iterable[str] = ()
) -> tuple[list[SFTExample], list[SFTExample]]:
    """Split into train and held-out so that every vendor lies on one side only.

    Args:
        examples: All examples.
        heldout_share: Share of the vendors (not examples) held out.
        seed: Seed of which vendors are held out.
        heldout_vendors: Vendors that must be held out (e.g. the previous split's, so a
            vendor once held out is never trained on).

    Returns:
        ``(train, heldout)``.
    """
    vendors = sorted({example.vendor for example in examples})
    forced = set(heldout_vendors) & set(vendors)
    rest = [v for v in vendors if v not in forced]
    rng = random.Random(seed)
    rng.shuffle(rest)
    wanted = max(round(heldout_share * len(vendors)), 1 if heldout_share > 0 and len(vendors) > 1 else 0)
    held = forced | set(rest[: max(wanted - len(forced), 0)])
    train = [e for e in examples if e.vendor not in held]
    heldout = [e for e in examples if e.vendor in held]
    return train, heldout


@dataclass
class DatasetBuild:
    """A dataset ready to train: the splits, what was set aside, and its manifest."""

    train: list[SFTExample]
    heldout: list[SFTExample]
    set_aside: list[SetAside] = field(default_factory=list)

    def manifest(self) -> dict[str, Any]:
        """Per-example hashes and sources, plus one hash over the whole dataset."""
        entries = {
            split: [{"sha256": e.sha256, "vendor": e.vendor, "source": e.source} for e in examples]
            for split, examples in (("train", self.train), ("heldout", self.heldout))
        }
        digest = hashlib.sha256(
            json.dumps({s: [e["sha256"] for e in v] for s, v in entries.items()}, sort_keys=True).encode()
        ).hexdigest()
        reviewers = Counter(str(e.source.get("reviewer")) for e in self.train if e.source.get("reviewer"))
        return {
            "sha256": digest,
            "counts": {"train": len(self.train), "heldout": len(self.heldout), "set_aside": len(self.set_aside)},
            "heldout_vendors": sorted({e.vendor for e in self.heldout}),
            "reviewers": dict(reviewers),
            "set_aside": [{"document": s.document, "reason": s.reason, "detail": s.detail} for s in self.set_aside],
            **entries,
        }

    def require(self, *, min_examples: int) -> None:
        """Raise DATASET_TOO_SMALL when fewer than ``min_examples`` examples would train."""
        if len(self.train) < min_examples:
            raise FailedPreconditionError(
                f"the dataset has {len(self.train)} training examples, at least {min_examples} are needed",
                reason="DATASET_TOO_SMALL",
                train=str(len(self.train)),
                required=str(min_examples),
            )


def build_dataset(
    examples: Sequence[SFTExample],
    *,
    set_aside: Sequence[SetAside] = (),
    max_reviewer_share: float = DEFAULT_MAX_REVIEWER_SHARE,
    heldout_share: float = 0.2,
    heldout_vendors: Iterable[str] = (),
    seed: int = 0,
) -> DatasetBuild:
    """Apply the reviewer cap, then split by vendor.

    The cap is applied to the training split (the one that steers the model), after the
    held-out vendors are taken out.
    """
    train, heldout = split_by_vendor(examples, heldout_share=heldout_share, seed=seed, heldout_vendors=heldout_vendors)
    train, dropped = cap_reviewer_share(train, max_share=max_reviewer_share, seed=seed)
    return DatasetBuild(train=train, heldout=heldout, set_aside=[*set_aside, *dropped])


def write_dataset(out_dir: Path, build: DatasetBuild) -> dict[str, Any]:
    """Write ``train.jsonl``, ``heldout.jsonl`` and ``manifest.json`` into ``out_dir``.

    Returns:
        The manifest.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for split, examples in (("train", build.train), ("heldout", build.heldout)):
        with (out_dir / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for example in examples:
                handle.write(json.dumps(example.record(), ensure_ascii=False) + "\n")
    manifest = build.manifest()
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def load_split(path: Path) -> list[SFTExample]:
    """Read one ``*.jsonl`` split written by :func:`write_dataset`."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [SFTExample.from_record(json.loads(line)) for line in lines if line.strip()]
