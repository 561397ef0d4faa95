"""E-invoices are read from their XML, exactly; the visible page is still read beside it.

The XML states every field, so its values are taken as they are (confidence 1). The page
is read all the same, for two reasons:

* **to place each value**: the review page draws a box where the value is printed, and the
  vendor memory learns the layout from those boxes (an e-invoice is a free labelled example);
* **to cross-check**: an XML that pays a different account, or bills a different total, than
  the page a person would read is a known fraud. A critical field *disagrees* when the XML's
  value is printed nowhere on the page (nor follows from printed totals) and the page reader
  read another value for it, or, for what every invoice prints (gross total, number, date),
  when the page does not show the XML's value at all. A value the page reader misread is not
  a disagreement as long as the XML's value is printed. A field the page does not show at
  all (an IBAN only in the XML) cannot be contradicted; the vendor's account on file guards it.

XML-only uploads have no page of their own (their pages are docai's rendering of the XML),
so they are not cross-checked.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import AMOUNT_FIELDS, Extraction
from docai.schemas.parsed import ParsedDocument
from docai.services.common.errors import DocAIError
from docai.services.einvoice.read import read_einvoice
from docai.services.extraction.candidates import Candidate
from docai.services.extraction.checks import run_checks
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.layout import fold
from docai.services.extraction.normalize import parse_amount
from docai.services.extraction.provenance import DocumentLocator
from docai.services.extraction.reader import InvoiceReader, PageReading, Recall
from docai.services.extraction.steering import FLAG_CHECKS, flag_checks

__all__ = ["CROSS_CHECKED", "XML_CHECKS", "EInvoiceReader"]

# The fields whose disagreement moves money or hides a forged invoice.
CROSS_CHECKED: tuple[str, ...] = (
    "iban",
    "total_net",
    "total_tax",
    "total_gross",
    "amount_due",
    "invoice_number",
    "invoice_date",
    "vendor_tax_id",
)
# What every invoice page prints: when the XML's value is not on the page, the two disagree.
ALWAYS_SHOWN = frozenset({"total_gross", "invoice_number", "invoice_date"})
# Page arithmetic that EN 16931 defines otherwise: a line's amount is net of its own allowances
# (not quantity × price) and the lines sum to the line total (BT-106), not to the net, which
# also holds document-level allowances and charges. The XML's own sums rules check those
# instead (docai.services.einvoice.read.arithmetic_problems, in ``xml_valid``).
PAGE_ONLY_CHECKS = frozenset({"line_items_sum_to_net", "line_quantity_times_price"})
# The checks this module adds, each with the review reason its failure gives.
XML_CHECKS = {
    "xml_matches_page": "XML_PAGE_MISMATCH",
    "xml_valid": "XML_INVALID",
    "xml_readable": "XML_UNREADABLE",
}
MODEL_NAME = "e-invoice XML"
_SEPARATORS = re.compile(r"[\s./\-]+")


@dataclass(frozen=True)
class Disagreement:
    field: str
    xml: str
    page: str

    def __str__(self) -> str:
        return f"{self.field}: the XML says {self.xml}, the page shows {self.page}"


class EInvoiceReader:
    """Reads the XML when the upload carries one, else (or when it is unreadable) the page."""

    def __init__(self, page_reader: InvoiceReader) -> None:
        self.page_reader = page_reader
        self.model_name = page_reader.model_name

    def extract(
        self,
        document: ParsedDocument,
        *,
        adapter: str | None = None,
        recall: Recall | None = None,
        own_names: Sequence[str] = (),
    ) -> ExtractionOutcome:
        """Reads `document`: the XML's values placed on the page and cross-checked, or the page alone."""
        reading = self.page_reader.read(document, adapter=adapter, recall=recall, own_names=own_names)
        page = reading.outcome
        attachment = document.einvoice
        if attachment is None:
            return page
        if attachment.error:
            return _page_with(page, _unreadable(attachment.filename, attachment.error))
        started = time.perf_counter()
        try:
            einvoice = read_einvoice(attachment.xml)
        except DocAIError as exc:
            return _page_with(page, _unreadable(attachment.filename, exc.reason, exc.message))
        extraction = einvoice.extraction.model_copy(deep=True, update={"model": MODEL_NAME, "adapter": ""})
        place(extraction, reading, document)
        checks = [check for check in run_checks(extraction) if check.name not in PAGE_ONLY_CHECKS]
        checks.append(
            CheckResult(
                name="xml_valid",
                passed=not einvoice.problems,
                detail="; ".join(einvoice.problems)
                or f"{einvoice.flavor} XML, valid against its schema; its sums add up",
                reason=XML_CHECKS["xml_valid"],
            )
        )
        if not document.xml_only:
            checks.append(cross_check(extraction, reading))
        checks += _flags(reading, extraction)
        page.timings.validation_s += time.perf_counter() - started
        return ExtractionOutcome(extraction=extraction, checks=checks, timings=page.timings, path="xml")


def place(extraction: Extraction, reading: PageReading, document: ParsedDocument) -> None:
    """Gives each XML header value the page and box where the page prints it, when it does."""
    locator = DocumentLocator(document)
    for name, field in extraction.fields.items():
        found = _printed(name, field.value, reading, locator)
        if found is not None:
            extraction.fields[name] = field.model_copy(
                update={
                    "provenance": field.provenance.model_copy(
                        update={"page": found[0], "bbox": found[1], "source_text": found[2]}
                    )
                }
            )


def cross_check(extraction: Extraction, reading: PageReading) -> CheckResult:
    """Whether the page supports the XML's critical fields (see the module docstring).

    A value is supported when the page prints it, or when it follows from printed values
    (a tax of gross − net, an amount due equal to the printed gross): a page without VAT
    prints no "0.00" tax. A page without any text cannot support anything, so it fails.
    """
    if not reading.layout.lines:
        return CheckResult(
            name="xml_matches_page",
            passed=False,
            detail="the page has no text to compare with the XML",
            fields=[name for name in CROSS_CHECKED if name in extraction.fields],
            reason=XML_CHECKS["xml_matches_page"],
        )
    read = reading.outcome.extraction
    checked: list[str] = []
    unshown: list[str] = []
    disagreements: list[Disagreement] = []
    for name in CROSS_CHECKED:
        field = extraction.fields.get(name)
        if field is None:
            continue
        checked.append(name)
        if field.provenance.bbox is not None or _follows(name, extraction):
            continue
        page_value = read.value(name)
        if page_value and not _same(name, field.value, page_value):
            disagreements.append(Disagreement(name, field.value, page_value))
        elif name in ALWAYS_SHOWN:
            disagreements.append(Disagreement(name, field.value, "it nowhere"))
        else:
            unshown.append(name)
    if disagreements:
        return CheckResult(
            name="xml_matches_page",
            passed=False,
            detail="; ".join(str(d) for d in disagreements),
            fields=[d.field for d in disagreements],
            reason=XML_CHECKS["xml_matches_page"],
        )
    detail = f"the page shows the XML's {', '.join(n for n in checked if n not in unshown)}"
    if unshown:
        detail += f"; it does not show {', '.join(unshown)}, so nothing contradicts the XML there"
    return CheckResult(name="xml_matches_page", passed=True, detail=detail, fields=checked)


def _follows(name: str, extraction: Extraction) -> bool:
    """The value follows from printed totals: tax = gross − net, net = gross − tax, due = gross."""

    def printed_amount(field: str) -> Decimal | None:
        value = extraction.fields.get(field)
        if value is None or value.provenance.bbox is None:
            return None
        return parse_amount(value.value, decimal=".")

    own = parse_amount(extraction.fields[name].value, decimal=".")
    net, tax, gross = printed_amount("total_net"), printed_amount("total_tax"), printed_amount("total_gross")
    if own is None:
        return False
    if name == "total_tax" and net is not None and gross is not None:
        return gross - net == own
    if name == "total_net" and tax is not None and gross is not None:
        return gross - tax == own
    return name == "amount_due" and gross is not None and gross == own


def _printed(
    name: str, value: str, reading: PageReading, locator: DocumentLocator
) -> tuple[int, tuple[float, float, float, float], str] | None:
    """Where the page prints `value`: the reader's best candidate of that value (a labelled one
    before a bare pattern; of this field before others), else wherever the locator finds it
    (as it finds a reviewer's correction)."""
    by_field = reading.candidates.by_field
    ordered: list[Candidate] = sorted(by_field.get(name, []), key=lambda c: -c.score)
    ordered += [c for other, cs in by_field.items() if other != name for c in cs]
    for candidate in ordered:
        if candidate.how not in ("default", "gross") and candidate.raw and _same(name, value, candidate.value):
            return candidate.page, candidate.box.as_tuple(), candidate.raw
    if name == "document_type":
        return None  # "invoice" is a word on every invoice, not where its type is stated
    found = locator.locate(value, field=name)
    if found is None or found.page is None or found.bbox is None:
        return None
    return found.page, found.bbox, found.source_text


def _same(name: str, a: str, b: str) -> bool:
    if name in AMOUNT_FIELDS:
        x, y = parse_amount(a, decimal="."), parse_amount(b, decimal=".")
        return x is not None and y is not None and abs(x) == abs(y)
    return _compact(a) == _compact(b)


def _compact(text: str) -> str:
    """Folded, without spaces and the punctuation printed inside ids ("DE 123 456" = "de123456")."""
    return _SEPARATORS.sub("", fold(text))


def _unreadable(filename: str, reason: str, message: str = "") -> CheckResult:
    detail = (
        f"the attached e-invoice {filename!r} could not be read ({reason}{': ' + message if message else ''}); "
        "the page was read instead"
    )
    return CheckResult(name="xml_readable", passed=False, detail=detail, reason=XML_CHECKS["xml_readable"])


def _flags(reading: PageReading, extraction: Extraction) -> list[CheckResult]:
    """The page's flags (hidden text, revisions, instruction-like text...), with look-alike letters
    and unreadable bank details judged on the XML's values rather than the page reader's."""
    if reading.guard is not None:
        return flag_checks(reading.guard, extraction)
    return [check for check in reading.outcome.checks if check.name in FLAG_CHECKS]


def _page_with(page: ExtractionOutcome, check: CheckResult) -> ExtractionOutcome:
    return ExtractionOutcome(extraction=page.extraction, checks=[*page.checks, check], timings=page.timings)
