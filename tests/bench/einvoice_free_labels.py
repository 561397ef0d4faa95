"""Benchmark: e-invoices as free labels. Page reading of a vendor's PDFs before and after docai saw its e-invoices.

For each of several unseen synthetic vendors (the vendor-memory curve's ten: different layouts
and languages), docai reads N of the vendor's invoices as e-invoices: the page with the
invoice's CII XML (written from its truth by ``docai.services.einvoice.export.to_cii``). Each
one whose XML and page agree teaches the vendor memory, exactly as the pipeline does on
auto-approval (``docai.services.pipeline.free_labels``); no person corrects anything. Then 5
further invoices of the vendor are read from the page alone (no XML), once without memory
(before) and once with what the e-invoices taught (after), and scored with the evaluation's
rules (header micro-F1, ``docai.training.scoring``).

    .venv/bin/python tests/bench/einvoice_free_labels.py [--vendors 10] [--learn 3] [--read 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from docai.schemas.invoice import HEADER_FIELDS, ExtractedField, Extraction
from docai.schemas.parsed import EInvoiceXml
from docai.services.common.errors import FailedPreconditionError
from docai.services.einvoice.export import to_cii
from docai.services.extraction.einvoice_reader import EInvoiceReader
from docai.services.extraction.reader import InvoiceReader
from docai.services.extraction.vendor_memory import VendorTemplate, apply_template, memory_candidates, update_template
from docai.services.pipeline.free_labels import printed, teaches
from docai.training.calibration import load_calibrator
from docai.training.scoring import score_documents
from docai.services.common.settings import Settings

from vendor_memory_curve import VENDORS, sample, truth_text  # type: ignore[import-not-found]


def truth_extraction(truth: dict[str, Any], *, country: str) -> Extraction:
    """The invoice's truth as docai's canonical fields: what its e-invoice XML states.

    The XML states what the page may leave out: the amount due, and the vendor's country
    (at the end of its address, where EN 16931's writer looks for it).
    """
    fields = {
        name: ExtractedField(value=truth_text(name, truth[name]), confidence=1.0)
        for name in HEADER_FIELDS if name in truth
    }
    if "amount_due" not in fields and "total_gross" in fields:  # the truth holds only what the page prints
        fields["amount_due"] = fields["total_gross"]
    address = fields.get("vendor_address")
    fields["vendor_address"] = ExtractedField(value=f"{address.value}, {country}" if address else country, confidence=1.0)
    return Extraction(fields=fields)


def run(vendors: Sequence[tuple[int, int, str]], *, learn: int, read: int) -> dict[str, Any]:
    page_reader = InvoiceReader(calibrate=load_calibrator(Settings()).apply)
    reader = EInvoiceReader(page_reader)
    truths: dict[str, Any] = {}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    taught = agreed = unwritable = 0
    for vendor in vendors:
        template: VendorTemplate | None = None
        for index in range(learn):
            s = sample(*vendor, index)
            try:
                xml = to_cii(truth_extraction(s.invoice.truth, country=s.invoice.vendor.country)).decode("utf-8")
            except FailedPreconditionError:  # the page omits what EN 16931 requires (say, the vendor's country)
                unwritable += 1
                continue
            parsed = s.parsed.model_copy(update={"einvoice": EInvoiceXml(filename="factur-x.xml", xml=xml)})
            outcome = reader.extract(parsed)
            if teaches(outcome, parsed):
                agreed += 1
                template = update_template(template, s.layout, printed(outcome.extraction))
        taught += template is not None
        for index in range(learn, learn + read):
            s = sample(*vendor, index)
            key = f"{vendor[0]}/{index}"
            truths[key] = {k: v for k, v in s.invoice.truth.items() if k in HEADER_FIELDS}
            before[key] = page_reader.extract(s.parsed).extraction.flat()
            hits = apply_template(template, s.layout) if template is not None else {}
            after[key] = page_reader.extract(s.parsed, recall=lambda _d, _l, h=hits: memory_candidates(h)).extraction.flat()
    scored_before = score_documents(before, truths)
    scored_after = score_documents(after, truths)
    return {
        "vendors": len(vendors),
        "einvoices_read": len(vendors) * learn,
        "einvoices_agreeing": agreed,
        "einvoices_not_writable": unwritable,
        "vendors_taught": taught,
        "invoices_read_from_page": len(truths),
        "micro_f1_before": scored_before["micro_f1"],
        "micro_f1_after": scored_after["micro_f1"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=len(VENDORS))
    parser.add_argument("--learn", type=int, default=3, help="e-invoices of each vendor read first")
    parser.add_argument("--read", type=int, default=5, help="further invoices of each vendor read from the page")
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    report = run(VENDORS[: args.vendors], learn=args.learn, read=args.read)
    print(json.dumps(report, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
