"""Benchmark: how well vendor memory reads a vendor's next invoices after N approved ones.

For each of several unseen vendors (different layouts and languages), learn a template from
N = 1, 3, 5 approved invoices, read 5 further invoices of the vendor with it and score every
header field the truth holds (the evaluation's rules: ``docai.training.scoring.values_equal``;
an address's separators, "62 · 2511" or "62, 2511", do not count). A field memory does not
return counts as missed; a wrong value as wrong. The approved invoices are the truth, each
value boxed where ``provenance.locate`` finds it on the page, as the review page would keep it.

    .venv/bin/python -m docai.training.bench.vendor_memory [--vendors 10] [--read 5] [--all-layouts]
        [--misses] [--json FILE]

``--all-layouts`` adds 26 more vendors, one per synthetic layout (languages in turn).

Prints a table: per N, accuracy over all truth fields, precision over the fields memory
answered, the coverage (answered / truth fields) and the accuracy over the fields the N
learned invoices showed at all (acc|known: a field no approved invoice printed yet, such as
an order number, cannot be remembered); then the counts per field at the largest N.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache

from docai.schemas.invoice import HEADER_FIELDS, ExtractedField, Extraction
from docai.schemas.parsed import ParsedDocument
from docai.services.extraction.layout import Layout
from docai.services.extraction.provenance import DocumentLocator
from docai.services.extraction.vendor_memory import (
    MemoryHit,
    VendorTemplate,
    apply_template,
    update_template,
)
from docai.services.ingest.pdf_parse import parse_pdf
from docai.training.scoring import values_equal
from docai.training.synthetic import LAYOUT_COUNT, SyntheticInvoice, Vendor, generate_invoice, make_vendor

# (vendor seed, layout, language): unseen vendors across layouts and the three languages.
VENDORS: tuple[tuple[int, int, str], ...] = (
    (9101, 0, "de"),  # classic: label boxes, totals lines
    (9102, 2, "en"),  # modern band: labels over values, symbol currency
    (9103, 3, "fr"),  # sidebar: vendor and bank in a side column
    (9104, 6, "de"),  # minimal right: inline meta
    (9105, 10, "en"),  # centred rows
    (9106, 12, "fr"),  # DIN with a tax table
    (9107, 15, "en"),  # side, zebra, product codes
    (9108, 18, "fr"),  # inline, currency in the column headers
    (9109, 21, "de"),  # side grid, tax id in the meta block
    (9110, 24, "en"),  # e-invoice viewer: a labelled list
)
STEPS = (1, 3, 5)


@dataclass
class Sample:
    invoice: SyntheticInvoice
    parsed: ParsedDocument
    layout: Layout


@cache
def sample(vendor_seed: int, layout: int, language: str, index: int) -> Sample:
    """The vendor's `index`-th invoice, parsed (cached: the curve reads each one several times)."""
    vendor = vendor_of(vendor_seed, layout, language)
    invoice = generate_invoice(vendor_seed * 1000 + index, vendor=vendor)
    parsed = parse_pdf(invoice.pdf)
    return Sample(invoice=invoice, parsed=parsed, layout=Layout(parsed))


@cache
def vendor_of(vendor_seed: int, layout: int, language: str) -> Vendor:
    return make_vendor(vendor_seed, layout=layout % LAYOUT_COUNT, language=language)


def truth_text(name: str, value: object) -> str:
    """A truth value in canonical string form ('1234.50' for amounts)."""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def approved_extraction(invoice: SyntheticInvoice, parsed: ParsedDocument) -> Extraction:
    """What a person approves: the truth, each value with the box where the page prints it."""
    locator = DocumentLocator(parsed)
    fields: dict[str, ExtractedField] = {}
    for name in HEADER_FIELDS:
        if name not in invoice.truth:
            continue
        value = truth_text(name, invoice.truth[name])
        raw = invoice.printed.get(name)
        provenance = locator.locate(value, raw, field=name)
        for separator in (" ", " · "):  # an address printed over several lines, or on one with dots
            if provenance is None and raw and ", " in raw:
                provenance = locator.locate(value, raw.replace(", ", separator), field=name)
        fields[name] = ExtractedField(value=value, confidence=1.0, **({"provenance": provenance} if provenance else {}))
    return Extraction(fields=fields)


@dataclass
class Score:
    """Header-field counts: truth fields, answered fields, correct answers; per field too."""

    truth: int = 0
    answered: int = 0
    correct: int = 0
    known: int = 0
    known_correct: int = 0
    per_field: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    misses: list[str] = field(default_factory=list)

    def add(
        self,
        invoice: SyntheticInvoice,
        hits: dict[str, MemoryHit],
        *,
        known: Collection[str] = (),
        label: str = "",
    ) -> None:
        """Scores one read invoice; `known` are the fields the template had learned at all."""
        for name in HEADER_FIELDS:
            if name not in invoice.truth:
                continue
            counts = self.per_field[name]
            self.truth += 1
            counts[0] += 1
            self.known += name in known
            hit = hits.get(name)
            if hit is None:
                self.misses.append(f"{label} {name}: missed (truth {invoice.printed.get(name)!r})")
                continue
            self.answered += 1
            counts[1] += 1
            if correct(name, hit.value, invoice.truth[name]):
                self.correct += 1
                self.known_correct += name in known
                counts[2] += 1
            else:
                self.misses.append(
                    f"{label} {name}: read {hit.raw_text!r} via {hit.how}, truth {invoice.printed.get(name)!r}"
                )

    @property
    def accuracy(self) -> float:
        return self.correct / self.truth if self.truth else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def known_accuracy(self) -> float:
        """Accuracy over the fields the learned invoices showed (what memory could know)."""
        return self.known_correct / self.known if self.known else 0.0

    @property
    def coverage(self) -> float:
        return self.answered / self.truth if self.truth else 0.0


def correct(name: str, value: str, truth: object) -> bool:
    """The evaluation's rule; an address's separators ("62 · 2511", "62, 2511") do not count."""
    if name == "vendor_address":
        return re.findall(r"\w+", value.casefold()) == re.findall(r"\w+", str(truth).casefold())
    return values_equal(value, truth, field=name)


def learn(vendor: tuple[int, int, str], count: int) -> VendorTemplate:
    """A template merged from the vendor's first `count` approved invoices."""
    template: VendorTemplate | None = None
    for index in range(count):
        s = sample(*vendor, index)
        template = update_template(template, s.layout, approved_extraction(s.invoice, s.parsed))
    assert template is not None
    return template


def curve(
    vendors: Sequence[tuple[int, int, str]] = VENDORS, *, steps: Sequence[int] = STEPS, read: int = 5
) -> dict[int, Score]:
    """For each N, the score of reading `read` unseen invoices per vendor after learning N."""
    first_unseen = max(steps)
    scores: dict[int, Score] = {}
    for n in steps:
        score = Score()
        for vendor in vendors:
            template = learn(vendor, n)
            for index in range(first_unseen, first_unseen + read):
                s = sample(*vendor, index)
                hits = apply_template(template, s.layout)
                score.add(s.invoice, hits, known=set(template.fields), label=f"vendor {vendor} #{index}")
        scores[n] = score
    return scores


def table(scores: dict[int, Score]) -> str:
    lines = [f"{'N':>3}  {'accuracy':>8}  {'precision':>9}  {'coverage':>8}  {'acc|known':>9}  {'fields':>6}"]
    for n, s in scores.items():
        lines.append(
            f"{n:>3}  {s.accuracy:8.3f}  {s.precision:9.3f}  {s.coverage:8.3f}  {s.known_accuracy:9.3f}  {s.truth:6d}"
        )
    last = scores[max(scores)]
    lines.append("")
    lines.append(f"per field after N={max(scores)}: {'field':<16} {'truth':>5} {'answered':>8} {'correct':>7}")
    for name, (truth, answered, correct) in sorted(last.per_field.items()):
        lines.append(f"{'':>27}{name:<16} {truth:>5} {answered:>8} {correct:>7}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=len(VENDORS))
    parser.add_argument("--read", type=int, default=5)
    parser.add_argument("--all-layouts", action="store_true", help="one more vendor per synthetic layout")
    parser.add_argument("--misses", action="store_true", help="list every missed or wrong field")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args(argv)
    vendors = VENDORS[: args.vendors]
    if args.all_layouts:
        languages = ("en", "de", "fr")
        vendors += tuple((7000 + i, i, languages[i % 3]) for i in range(LAYOUT_COUNT))
    scores = curve(vendors, read=args.read)
    print(f"vendor memory: {len(vendors)} vendors, learn from N approved invoices, read {args.read} more each")
    print(table(scores))
    if args.misses:
        for n, s in scores.items():
            print(f"\n-- N={n}: {len(s.misses)} misses")
            print("\n".join(s.misses))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {
                    str(n): {
                        "accuracy": s.accuracy,
                        "precision": s.precision,
                        "coverage": s.coverage,
                        "fields": s.truth,
                    }
                    for n, s in scores.items()
                },
                out,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
