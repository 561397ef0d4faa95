"""Benchmark: e-invoices as free labels. Page reading of a vendor's PDFs before and after docai saw its e-invoices.

For each of several unseen synthetic vendors (the vendor-memory curve's ten: different layouts
and languages), docai reads N = 1, 3, 5 of the vendor's invoices as e-invoices: the page with the
invoice's CII XML (written from its truth by ``docai.services.einvoice.export.to_cii``). Each
one whose XML and page agree teaches the vendor memory, exactly as the pipeline does on
auto-approval (``docai.services.pipeline.free_labels``); no person corrects anything. Then 5
further invoices of the vendor are read from the page alone (no XML), once without memory
(before) and once with what the e-invoices taught (after), and scored with the evaluation's
rules (header micro-F1, ``docai.training.scoring``).

    .venv/bin/python -m docai.training.bench.free_labels [--vendors 10] [--steps 1,3,5] [--read 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from vendor_memory_curve import VENDORS, sample, truth_text  # type: ignore[import-not-found]

from docai.schemas.invoice import HEADER_FIELDS, ExtractedField, Extraction
from docai.schemas.parsed import EInvoiceXml
from docai.services.common.errors import FailedPreconditionError
from docai.services.common.settings import Settings
from docai.services.einvoice.export import to_cii
from docai.services.extraction.calibration import load_calibrator
from docai.services.extraction.einvoice_reader import EInvoiceReader
from docai.services.extraction.reader import InvoiceReader
from docai.services.extraction.vendor_memory import (
    VendorTemplate,
    apply_template,
    memory_candidates,
    update_template,
)
from docai.services.pipeline.free_labels import printed, teaches
from docai.training.scoring import score_documents


def truth_extraction(truth: dict[str, Any], *, country: str) -> Extraction:
    """The invoice's truth as docai's canonical fields: what its e-invoice XML states.

    The XML states what the page may leave out: the amount due, and the vendor's country
    (at the end of its address, where EN 16931's writer looks for it).
    """
    fields = {
        name: ExtractedField(value=truth_text(name, truth[name]), confidence=1.0)
        for name in HEADER_FIELDS
        if name in truth
    }
    if "amount_due" not in fields and "total_gross" in fields:  # the truth holds only what the page prints
        fields["amount_due"] = fields["total_gross"]
    address = fields.get("vendor_address")
    fields["vendor_address"] = ExtractedField(
        value=f"{address.value}, {country}" if address else country, confidence=1.0
    )
    return Extraction(fields=fields)


def run(vendors: Sequence[tuple[int, int, str]], *, steps: Sequence[int], read: int) -> dict[str, Any]:
    """Reads every vendor's invoices ``max(steps) ..`` from the page, before and after N e-invoices, for each N."""
    page_reader = InvoiceReader(calibrate=load_calibrator(Settings()).apply)
    reader = EInvoiceReader(page_reader)
    first_unseen = max(steps)
    truths: dict[str, Any] = {}
    before: dict[str, Any] = {}
    after: dict[int, dict[str, Any]] = {n: {} for n in steps}
    agreed = unwritable = 0
    templates: dict[int, list[VendorTemplate | None]] = {n: [] for n in steps}
    for vendor in vendors:
        template: VendorTemplate | None = None
        for index in range(first_unseen):
            s = sample(*vendor, index)
            try:
                xml = to_cii(truth_extraction(s.invoice.truth, country=s.invoice.vendor.country)).decode("utf-8")
            except FailedPreconditionError:  # the page omits what EN 16931 requires
                unwritable += 1
            else:
                parsed = s.parsed.model_copy(update={"einvoice": EInvoiceXml(filename="factur-x.xml", xml=xml)})
                outcome = reader.extract(parsed)
                if teaches(outcome, parsed):  # XML and page agree: what the pipeline learns on auto-approval
                    agreed += 1
                    template = update_template(template, s.layout, printed(outcome.extraction))
            if index + 1 in templates:
                templates[index + 1].append(template)
        for index in range(first_unseen, first_unseen + read):
            s = sample(*vendor, index)
            key = f"{vendor[0]}/{index}"
            truths[key] = {k: v for k, v in s.invoice.truth.items() if k in HEADER_FIELDS}
            before[key] = page_reader.extract(s.parsed).extraction.flat()
            for n in steps:
                learned = templates[n][-1]
                hits = apply_template(learned, s.layout) if learned is not None else {}
                after[n][key] = page_reader.extract(s.parsed, recall=_recalling(hits)).extraction.flat()
    return {
        "vendors": len(vendors),
        "einvoices_read": len(vendors) * first_unseen,
        "einvoices_agreeing": agreed,
        "einvoices_not_writable": unwritable,
        "invoices_read_from_page": len(truths),
        "micro_f1_before": score_documents(before, truths)["micro_f1"],
        "micro_f1_after": {n: score_documents(after[n], truths)["micro_f1"] for n in steps},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=len(VENDORS))
    parser.add_argument("--steps", default="1,3,5", help="numbers of e-invoices of each vendor read first")
    parser.add_argument("--read", type=int, default=5, help="further invoices of each vendor read from the page")
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    steps = [int(n) for n in args.steps.split(",")]
    report = run(VENDORS[: args.vendors], steps=steps, read=args.read)
    print(json.dumps(report, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def _recalling(hits: Any) -> Any:
    """A reader's ``recall`` hook that offers ``hits`` (what the vendor memory learned) for any page."""

    def recall(_document: Any, _layout: Any) -> Any:
        return memory_candidates(hits)

    return recall
