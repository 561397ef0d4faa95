"""E-invoices: exact reading of CII, UBL and ZUGFeRD 1.0, schema and arithmetic checks, PDF
rendering and CII export.

The CII and UBL samples are written by factur-x from one set of business terms, so every
syntax must read back to the same canonical fields; the ZUGFeRD 1.0 sample is hand-written.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from facturx.generate_xml import generate_xml  # type: ignore[import-untyped]

from docai.schemas.invoice import ExtractedField, Extraction, LineItem, TaxDetail
from docai.services.common.errors import FailedPreconditionError, MalformedXmlError, NotAnEInvoiceError
from docai.services.einvoice.export import to_cii
from docai.services.einvoice.read import EInvoice, read_einvoice, zugferd1_to_cii
from docai.services.einvoice.render import render_pdf
from docai.services.einvoice.safe_xml import parse_xml
from docai.services.einvoice.validate import schema_problems

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "einvoice"

LINES = [
    {
        "description": "Consulting hour",
        "quantity": "10",
        "unit": "HUR",
        "unit_price": "85.00",
        "amount": "850.00",
        "tax_rate": "20",
        "product_code": "CONS-1",
    },
    {
        "description": "USB-C cable 2 m",
        "quantity": "3",
        "unit": "C62",
        "unit_price": "7.50",
        "amount": "22.50",
        "tax_rate": "20",
        "product_code": "CAB-2",
    },
]
EXPECTED: dict[str, object] = {
    "vendor_name": "Acme Tools SAS",
    "vendor_address": "5 Rue du Test, Bâtiment B, 75002 Paris, FR",
    "vendor_tax_id": "FR12345678901",
    "customer_name": "Client Example GmbH",
    "customer_tax_id": "DE123456789",
    "invoice_number": "INV-2025-042",
    "invoice_date": "2025-03-14",
    "due_date": "2025-04-13",
    "purchase_order": "PO-9917",
    "payment_terms": "Net 30 days",
    "currency": "EUR",
    "total_net": "872.50",
    "total_tax": "174.50",
    "total_gross": "1047.00",
    "amount_due": "1047.00",
    "iban": "FR7630006000011234567890189",
    "bic": "BNPAFRPPXXX",
    "document_type": "invoice",
    "line_items": LINES,
    "tax_details": [{"rate": "20", "base": "872.50", "amount": "174.50"}],
}
ZUGFERD1_EXPECTED: dict[str, object] = {
    "vendor_name": "Nordlicht Werkstatt GmbH",
    "vendor_address": "Hafenstraße 12, 20457 Hamburg, DE",
    "vendor_tax_id": "DE298765432",
    "customer_name": "Beispiel Handel AG",
    "customer_tax_id": "DE287654321",
    "invoice_number": "ZF1-2014-0815",
    "invoice_date": "2014-03-12",
    "due_date": "2014-04-11",
    "purchase_order": "BEST-7781",
    "payment_terms": "Zahlbar innerhalb 30 Tagen ohne Abzug",
    "currency": "EUR",
    "total_net": "68.90",
    "total_tax": "10.82",
    "total_gross": "79.72",
    "amount_due": "79.72",
    "iban": "DE02120300000000202051",
    "bic": "BYLADEM1001",
    "document_type": "invoice",
    "line_items": [
        {
            "description": "Schraubendreher-Satz",
            "quantity": "4",
            "unit": "H87",
            "unit_price": "12.50",
            "amount": "50.00",
            "tax_rate": "19",
            "product_code": "SD-100",
        },
        {
            "description": "Kaffee gemahlen 500 g",
            "quantity": "3",
            "unit": "H87",
            "unit_price": "6.30",
            "amount": "18.90",
            "tax_rate": "7",
            "product_code": "KF-500",
        },
    ],
    "tax_details": [
        {"rate": "19", "base": "50.00", "amount": "9.50"},
        {"rate": "7", "base": "18.90", "amount": "1.32"},
    ],
}


def business_terms(*, type_code: str = "380") -> dict[str, Any]:
    """One invoice as EN 16931 business terms, for factur-x to write in any syntax."""
    line_terms = {
        "description": "BT-153",
        "quantity": "BT-129",
        "unit": "BT-130",
        "unit_price": "BT-146",
        "amount": "BT-131",
        "tax_rate": "BT-152",
        "product_code": "BT-155",
    }
    return {
        "BT-1": "INV-2025-042",
        "BT-2": "2025-03-14",
        "BT-3": type_code,
        "BT-5": "EUR",
        "BT-9": "2025-04-13",
        "BT-13": "PO-9917",
        "BT-20": "Net 30 days",
        "BT-72": "2025-03-10",
        "BG-4": {
            "name": "Acme Tools SAS",
            "vat_identifier": "FR12345678901",
            "addr_l1": "5 Rue du Test",
            "addr_l2": "Bâtiment B",
            "postcode": "75002",
            "city": "Paris",
            "country_code": "FR",
        },
        "BG-7": {
            "name": "Client Example GmbH",
            "vat_identifier": "DE123456789",
            "city": "Berlin",
            "country_code": "DE",
        },
        "BT-81": "58",
        "BT-84": "FR7630006000011234567890189",
        "BT-86": "BNPAFRPPXXX",
        "BG-25": [
            {"BT-126": str(n), "BT-151": "S", **{term: line[name] for name, term in line_terms.items()}}
            for n, line in enumerate(LINES, 1)
        ],
        "BG-23": [{"BT-116": "872.50", "BT-117": "174.50", "BT-118": "S", "BT-119": "20"}],
        "BT-106": "872.50",
        "BT-109": "872.50",
        "BT-110": "174.50",
        "BT-112": "1047.00",
        "BT-115": "1047.00",
    }


def written(flavor: str, *, type_code: str = "380") -> bytes:
    xml: bytes = generate_xml(
        business_terms(type_code=type_code),
        flavor=flavor,
        level="en16931",
        check_xsd=False,
        check_schematron=False,
    )
    return xml


@pytest.fixture(scope="module")
def cii() -> bytes:
    return written("factur-x")


@pytest.fixture(scope="module")
def zugferd1() -> bytes:
    return (FIXTURES / "zugferd1.xml").read_bytes()


# --- reading ------------------------------------------------------------------------------------


def test_cii_reads_every_field_exactly(cii: bytes) -> None:
    einvoice = read_einvoice(cii)
    assert (einvoice.syntax, einvoice.flavor, einvoice.level) == ("CII", "factur-x", "en16931")
    assert einvoice.profile == "urn:cen.eu:en16931:2017"
    assert einvoice.extraction.flat() == EXPECTED
    assert einvoice.problems == ()


def test_ubl_invoice_reads_the_same_fields() -> None:
    einvoice = read_einvoice(written("ubl-2.1"))
    assert (einvoice.syntax, einvoice.flavor) == ("UBL", "ubl-invoice")
    assert einvoice.extraction.flat() == EXPECTED
    assert einvoice.problems == ()


def test_ubl_credit_note_is_a_credit_note() -> None:
    einvoice = read_einvoice(written("ubl-2.1", type_code="381"))
    assert (einvoice.syntax, einvoice.flavor) == ("UBL", "ubl-creditnote")
    assert einvoice.extraction.flat() == {**EXPECTED, "document_type": "credit_note"}
    assert einvoice.problems == ()


@pytest.mark.parametrize(("code", "kind"), [("381", "credit_note"), ("384", "invoice"), ("389", "invoice")])
def test_document_type_follows_the_type_code(code: str, kind: str) -> None:
    assert read_einvoice(written("factur-x", type_code=code)).extraction.value("document_type") == kind


def test_zugferd1_is_read_through_cii(zugferd1: bytes) -> None:
    einvoice = read_einvoice(zugferd1)
    assert (einvoice.syntax, einvoice.flavor, einvoice.level) == ("CII", "zugferd-1", "comfort")
    assert einvoice.profile == "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort"
    assert einvoice.extraction.flat() == ZUGFERD1_EXPECTED
    assert einvoice.problems == ()


def test_zugferd1_to_cii_renames_by_context(zugferd1: bytes) -> None:
    root = parse_xml(zugferd1)
    converted = zugferd1_to_cii(root)
    names = {element.tag.split("}")[1] for element in converted.iter()}
    assert converted.tag == "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
    assert {
        "SpecifiedTradeSettlementHeaderMonetarySummation",
        "SpecifiedTradeSettlementLineMonetarySummation",
    } <= names
    assert {"RateApplicablePercent", "SpecifiedLineTradeSettlement", "IssuerAssignedID"} <= names
    assert "SpecifiedTradeSettlementMonetarySummation" not in names
    assert root.tag.endswith("CrossIndustryDocument")  # the original is left alone


def test_provenance_is_the_xml_text(cii: bytes, zugferd1: bytes) -> None:
    fields = read_einvoice(cii).extraction.fields
    assert all(f.confidence == 1.0 and f.provenance.source == "xml" for f in fields.values())
    assert fields["invoice_date"].provenance.source_text == "20250314"
    assert fields["total_gross"].provenance.source_text == "1047.00"
    assert fields["document_type"].provenance.source_text == "380"
    zf1 = read_einvoice(zugferd1).extraction.fields
    assert zf1["iban"].provenance.source_text == "DE02 1203 0000 0000 2020 51"


def test_an_element_parsed_before_is_accepted(cii: bytes) -> None:
    assert read_einvoice(parse_xml(cii)).extraction.flat() == EXPECTED
    assert read_einvoice(cii.decode("utf-8")).extraction.flat() == EXPECTED


# --- problems -----------------------------------------------------------------------------------


def test_a_tampered_total_is_a_problem(cii: bytes) -> None:
    tampered = cii.replace(b"<ram:GrandTotalAmount>1047.00<", b"<ram:GrandTotalAmount>1057.00<")
    assert tampered != cii
    problems = read_einvoice(tampered).problems
    assert any("gross total (BT-112) 1057.00" in problem for problem in problems)
    assert any("amount due (BT-115)" in problem for problem in problems)


def test_a_tampered_line_amount_is_a_problem(cii: bytes) -> None:
    tampered = cii.replace(b"<ram:LineTotalAmount>22.50<", b"<ram:LineTotalAmount>32.50<")
    assert tampered != cii
    assert read_einvoice(tampered).problems == ("line amounts sum to 882.50, not the line total (BT-106) 872.50",)


def test_a_tampered_vat_breakdown_is_a_problem(zugferd1: bytes) -> None:
    tampered = zugferd1.replace(b">1.32<", b">1.42<")
    assert read_einvoice(tampered).problems == ("the VAT breakdown sums to 10.92, not the VAT total (BT-110) 10.82",)


def test_a_schema_violation_is_a_problem(cii: bytes) -> None:
    invalid = cii.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Colour>red</ram:Colour>")
    einvoice = read_einvoice(invalid)
    assert len(einvoice.problems) == 1
    assert einvoice.problems[0].startswith("schema: line ")
    assert "'Colour'" in einvoice.problems[0]
    # Still read: everything the XML does state.
    assert einvoice.extraction.value("invoice_number") == "INV-2025-042"


def test_a_zugferd1_schema_violation_is_a_problem(zugferd1: bytes) -> None:
    invalid = zugferd1.replace(b">68.90</ram:TaxBasisTotalAmount>", b">68,90</ram:TaxBasisTotalAmount>")
    problems = read_einvoice(invalid).problems
    assert any(problem.startswith("schema:") and "decimal" in problem for problem in problems)


def test_schema_problems_are_capped(cii: bytes) -> None:
    root = parse_xml(cii)
    for element in list(root.iter())[5:40]:
        element.text = "not a number" if element.text and element.text.strip() else element.text
    problems = schema_problems(root, "factur-x", "en16931")
    assert len(problems) == 5
    assert problems[-1].endswith("more violations")


def test_an_unknown_level_is_checked_against_extended(cii: bytes) -> None:
    assert schema_problems(parse_xml(cii), "factur-x", "") == []


@pytest.mark.parametrize(
    "xml",
    [
        b"<html><body>invoice</body></html>",
        b'<Invoice xmlns="urn:example:not-ubl"><ID>1</ID></Invoice>',
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>',
    ],
)
def test_other_xml_is_not_an_einvoice(xml: bytes) -> None:
    with pytest.raises(NotAnEInvoiceError):
        read_einvoice(xml)


def test_hostile_or_broken_xml_is_refused(cii: bytes) -> None:
    with pytest.raises(MalformedXmlError):
        read_einvoice(b"<rsm:CrossIndustryInvoice")
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(MalformedXmlError):
        read_einvoice(dtd)
    with pytest.raises(MalformedXmlError, match="date"):
        read_einvoice(cii.replace(b">20250314<", b">2025-03-14<"))


# --- export -------------------------------------------------------------------------------------


def test_to_cii_round_trips_and_is_valid(cii: bytes) -> None:
    extraction = read_einvoice(cii).extraction
    back = read_einvoice(to_cii(extraction))
    assert back.extraction.flat() == extraction.flat()
    assert (back.flavor, back.level, back.problems) == ("factur-x", "en16931", ())


def test_to_cii_round_trips_zugferd1_and_a_credit_note(zugferd1: bytes) -> None:
    for xml in (zugferd1, written("ubl-2.1", type_code="381")):
        extraction = read_einvoice(xml).extraction
        back = read_einvoice(to_cii(extraction))
        assert back.extraction.flat() == extraction.flat()
        assert back.problems == ()


def test_to_cii_without_lines_is_basic_wl(cii: bytes) -> None:
    extraction = read_einvoice(cii).extraction.model_copy(update={"line_items": []})
    back = read_einvoice(to_cii(extraction))
    assert (back.level, back.problems) == ("basicwl", ())
    # BASIC WL carries no BIC; every other header field comes back.
    expected = {name: field.value for name, field in extraction.fields.items() if name != "bic"}
    assert {name: field.value for name, field in back.extraction.fields.items()} == expected


def test_to_cii_writes_what_a_page_reading_gives() -> None:
    """A page reading: no unit, no address, no VAT breakdown, a prepayment."""
    fields = {
        "invoice_number": "R-17",
        "invoice_date": "2025-06-01",
        "currency": "EUR",
        "vendor_name": "Musterbau GmbH",
        "vendor_tax_id": "DE123456789",
        "customer_name": "Kunde KG",
        "total_net": "100.00",
        "total_tax": "19.00",
        "total_gross": "119.00",
        "amount_due": "69.00",
    }
    line = {
        "description": "Montage",
        "quantity": "2",
        "unit_price": "50.00",
        "amount": "100.00",
        "tax_rate": "19",
    }
    extraction = Extraction(
        fields={name: ExtractedField(value=value, confidence=0.9) for name, value in fields.items()},
        line_items=[
            LineItem(fields={name: ExtractedField(value=value, confidence=0.9) for name, value in line.items()})
        ],
    )
    back = read_einvoice(to_cii(extraction))
    assert back.problems == ()
    assert {name: back.extraction.value(name) for name in fields} == fields
    assert back.extraction.value("vendor_address") == "DE"  # the country, from the VAT id
    assert back.extraction.flat()["line_items"] == [{**line, "unit": "C62"}]
    assert back.extraction.flat()["tax_details"] == [{"rate": "19", "base": "100.00", "amount": "19.00"}]


def test_to_cii_writes_header_fields_alone() -> None:
    """No lines, no VAT breakdown: BASIC WL, with one VAT category holding the totals."""
    fields = {
        "invoice_number": "2025-118",
        "invoice_date": "2025-07-02",
        "due_date": "2025-08-01",
        "currency": "EUR",
        "vendor_name": "Atelier Lumière SARL",
        "vendor_address": "12 Quai Voltaire, 69002 Lyon, FR",
        "vendor_tax_id": "FR12345678901",
        "customer_name": "Studio Nord BV",
        "customer_tax_id": "NL123456789B01",
        "total_net": "1000.00",
        "total_tax": "200.00",
        "total_gross": "1200.00",
        "amount_due": "1200.00",
        "iban": "FR7630006000011234567890189",
        "document_type": "invoice",
    }
    extraction = Extraction(
        fields={name: ExtractedField(value=value, confidence=1.0) for name, value in fields.items()}
    )
    back = read_einvoice(to_cii(extraction))
    assert (back.level, back.problems) == ("basicwl", ())
    assert {name: field.value for name, field in back.extraction.fields.items()} == fields
    # One VAT category holding the totals, without a rate: it is not guessed.
    assert back.extraction.flat()["tax_details"] == [{"base": "1000.00", "amount": "200.00"}]


def test_to_cii_names_what_is_missing() -> None:
    extraction = Extraction(
        fields={"invoice_number": ExtractedField(value="R-1", confidence=1.0)},
        line_items=[LineItem(fields={"description": ExtractedField(value="Thing", confidence=1.0)})],
        tax_details=[TaxDetail(fields={"rate": ExtractedField(value="19", confidence=1.0)})],
    )
    with pytest.raises(FailedPreconditionError) as raised:
        to_cii(extraction)
    assert raised.value.reason == "EXPORT_INCOMPLETE"
    missing = raised.value.metadata["missing"].split(",")
    for name in (
        "invoice_date",
        "currency",
        "total_gross",
        "vendor_name",
        "customer_name",
        "line_items[1].amount",
    ):
        assert name in missing
    assert "tax_details[1].base" in missing
    assert any(name.startswith("vendor country") for name in missing)


def test_to_cii_refuses_an_unknown_currency(cii: bytes) -> None:
    extraction = read_einvoice(cii).extraction
    extraction.fields["currency"] = ExtractedField(value="XYZ", confidence=1.0)
    with pytest.raises(FailedPreconditionError) as raised:
        to_cii(extraction)
    assert raised.value.reason == "EXPORT_INVALID"


# --- rendering ----------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_render_pdf_prints_every_value_verbatim(cii: bytes) -> None:
    einvoice = read_einvoice(cii)
    pdf = render_pdf(einvoice)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    lines = text.splitlines()
    assert lines[0] == "Invoice INV-2025-042"
    for label, name in [
        ("Invoice number", "invoice_number"),
        ("Invoice date", "invoice_date"),
        ("Due date", "due_date"),
        ("Currency", "currency"),
        ("Purchase order", "purchase_order"),
        ("Seller", "vendor_name"),
        ("Seller VAT ID", "vendor_tax_id"),
        ("Buyer", "customer_name"),
        ("Buyer VAT ID", "customer_tax_id"),
        ("Payment terms", "payment_terms"),
        ("IBAN", "iban"),
        ("BIC", "bic"),
        ("Net total", "total_net"),
        ("VAT total", "total_tax"),
        ("Gross total", "total_gross"),
        ("Amount due", "amount_due"),
    ]:
        assert f"{label} {einvoice.extraction.value(name)}" in lines
    assert "Consulting hour 10 HUR 85.00 20 850.00" in lines
    assert "USB-C cable 2 m 3 C62 7.50 20 22.50" in lines
    assert "20 872.50 174.50" in lines
    assert "Rendered by docai from factur-x XML (urn:cen.eu:en16931:2017)" in lines


def test_render_pdf_is_deterministic_and_names_credit_notes(zugferd1: bytes) -> None:
    einvoice = read_einvoice(written("ubl-2.1", type_code="381"))
    assert render_pdf(einvoice) == render_pdf(einvoice)
    assert pdf_text(render_pdf(einvoice)).startswith("Credit note INV-2025-042")
    text = pdf_text(render_pdf(read_einvoice(zugferd1)))
    assert "Seller address Hafenstraße 12, 20457 Hamburg, DE" in text
    assert "Kaffee gemahlen 500 g 3 H87 6.30 7 18.90" in text


def test_render_pdf_runs_to_more_pages() -> None:
    item = LineItem(fields={"description": ExtractedField(value="Item", confidence=1.0)})
    einvoice = EInvoice(
        syntax="CII",
        flavor="factur-x",
        profile="",
        level="",
        extraction=Extraction(line_items=[item] * 120),
        problems=(),
    )
    with pdfplumber.open(io.BytesIO(render_pdf(einvoice))) as doc:
        assert len(doc.pages) >= 2
        assert "Description" in (doc.pages[1].extract_text() or "")  # the heading repeats


# --- speed --------------------------------------------------------------------------------------


def test_read_time(cii: bytes, zugferd1: bytes) -> None:
    """Prints the time per read (warm schema cache); no assertion on speed."""
    for name, xml in (("cii", cii), ("zugferd1", zugferd1)):
        read_einvoice(xml)
        start = time.perf_counter()
        for _ in range(20):
            read_einvoice(xml)
        print(f"read_einvoice {name}: {(time.perf_counter() - start) / 20 * 1000:.1f} ms")
