"""The e-invoice path of extraction: the XML read exactly, placed on the page, and cross-checked against it."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from docai.schemas.invoice import HEADER_FIELDS, ExtractedField, Extraction
from docai.schemas.parsed import EInvoiceXml, ParsedDocument
from docai.schemas.routing import Route, Thresholds
from docai.services.einvoice.export import to_cii
from docai.services.einvoice.tamper import FOREIGN_IBAN, tamper_xml
from docai.services.extraction.einvoice_reader import EInvoiceReader, cross_check
from docai.services.extraction.reader import InvoiceReader
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.pipeline.free_labels import printed, teaches
from docai.services.routing.decision import decide
from docai.training.synthetic import generate_invoice

READER = EInvoiceReader(InvoiceReader())
ROUTE = Route(department="Ops", cost_centre="CC-1", approver="a@x", confidence=1.0, covered=True)


def _text(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


@cache
def _invoice(seed: int) -> tuple[ParsedDocument, dict[str, Any], str]:
    """A synthetic invoice's page, its truth, and the CII XML of that truth (page and XML agree)."""
    invoice = generate_invoice(seed, layout=0, language="de", credit_note=False)
    truth = {k: v for k, v in invoice.truth.items() if k in HEADER_FIELDS}
    extraction = Extraction(fields={k: ExtractedField(value=_text(v), confidence=1.0) for k, v in truth.items()})
    return parse_pdf(invoice.pdf), truth, to_cii(extraction).decode()


def _with_xml(parsed: ParsedDocument, xml: str, **update: Any) -> ParsedDocument:
    return parsed.model_copy(update={"einvoice": EInvoiceXml(filename="factur-x.xml", xml=xml), **update})


def test_an_agreeing_e_invoice_is_read_from_its_xml_and_placed_on_the_page() -> None:
    parsed, truth, xml = _invoice(4201)
    outcome = READER.extract(_with_xml(parsed, xml))
    assert outcome.path == "xml"
    assert "iban" in truth
    for name in ("invoice_number", "total_gross", "iban", "invoice_date"):
        field = outcome.extraction.fields[name]
        assert field.value == _text(truth[name])
        assert field.confidence == 1.0 and field.provenance.source == "xml"
        assert field.provenance.page == 1 and field.provenance.bbox is not None  # the review page can draw it
    checks = {c.name: c for c in outcome.checks}
    assert checks["xml_matches_page"].passed, checks["xml_matches_page"].detail
    assert checks["xml_valid"].passed, checks["xml_valid"].detail
    assert teaches(outcome, _with_xml(parsed, xml))
    assert set(printed(outcome.extraction).fields) >= {"invoice_number", "total_gross", "iban"}


@pytest.mark.parametrize("field", ["iban", "total_gross", "invoice_number"])
def test_a_value_changed_in_the_xml_only_never_auto_approves(field: str) -> None:
    parsed, truth, xml = _invoice(4201)
    tampered = tamper_xml(xml.encode(), field)
    assert tampered is not None
    document = _with_xml(parsed, tampered.decode())
    outcome = READER.extract(document)
    mismatch = next(c for c in outcome.checks if c.name == "xml_matches_page")
    assert not mismatch.passed and field in mismatch.fields
    assert _text(truth[field]) in mismatch.detail  # the page's value, named beside the XML's
    if field == "iban":
        assert FOREIGN_IBAN in mismatch.detail
    decision = decide(extraction=outcome.extraction, checks=outcome.checks, route=ROUTE, thresholds=Thresholds())
    assert decision.outcome == "review"
    assert "XML_PAGE_MISMATCH" in [r.code for r in decision.reasons]
    assert not teaches(outcome, document)


def test_an_unreadable_attachment_reads_the_page_and_goes_to_review() -> None:
    parsed, truth, _ = _invoice(4201)
    document = parsed.model_copy(update={"einvoice": EInvoiceXml(filename="factur-x.xml", error="XML_DTD_FORBIDDEN")})
    outcome = READER.extract(document)
    assert outcome.path == "page"
    assert outcome.extraction.value("invoice_number") == _text(truth["invoice_number"])
    failed = [c for c in outcome.checks if not c.passed]
    assert [c.reason for c in failed if c.name == "xml_readable"] == ["XML_UNREADABLE"]
    assert "XML_DTD_FORBIDDEN" in failed[-1].detail


def test_xml_that_is_not_an_invoice_is_reported_not_raised() -> None:
    parsed, _, _ = _invoice(4201)
    outcome = READER.extract(_with_xml(parsed, "<order><id>1</id></order>"))
    assert outcome.path == "page"
    assert any(c.name == "xml_readable" and not c.passed and "NOT_AN_EINVOICE" in c.detail for c in outcome.checks)


def test_an_xml_only_upload_is_not_cross_checked_against_its_own_rendering() -> None:
    parsed, _, xml = _invoice(4201)
    outcome = READER.extract(_with_xml(parsed, xml, xml_only=True))
    assert outcome.path == "xml"
    assert "xml_matches_page" not in {c.name for c in outcome.checks}
    assert not teaches(outcome, _with_xml(parsed, xml, xml_only=True))


def test_a_page_misread_is_no_disagreement_while_the_xml_value_is_printed() -> None:
    """The cross-check asks whether the page prints the XML's value, not whether the reader chose it."""
    parsed, _, xml = _invoice(4201)
    reading = READER.page_reader.read(parsed)
    xml_read = READER.extract(_with_xml(parsed, xml)).extraction
    reading.outcome.extraction.fields["total_net"] = ExtractedField(value="1.00", confidence=0.4)
    assert cross_check(xml_read, reading).passed
    unprinted = xml_read.model_copy(deep=True)
    unprinted.fields["total_net"] = ExtractedField(value="99999.99", confidence=1.0)
    result = cross_check(unprinted, reading)
    assert not result.passed and result.fields == ["total_net"]
    assert "99999.99" in result.detail and "1.00" in result.detail
