"""The e-invoice XML of a PDF, found and parsed in the sandbox; XML uploads through the same sandbox.

Every hostile attachment must leave the pages readable: its error travels with them.
"""

from __future__ import annotations

import io
import time
import zlib
from collections.abc import Sequence

import facturx
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from reportlab.pdfgen import canvas

from docai.schemas.parsed import ParsedDocument
from docai.services.common.errors import (
    DocumentTooLargeError,
    EmptyDocumentError,
    MalformedXmlError,
    NotAnEInvoiceError,
    NotAPdfError,
)
from docai.services.einvoice.safe_xml import MAX_XML_BYTES
from docai.services.ingest.pdf_parse import ParseLimits, parse_pdf, parse_upload
from tests.raw_pdf import serialize
from tests.unit.test_einvoice import written

QUICK = 10.0  # seconds: well within the default 15 s wall limit

CII_NS = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)


def cii(number: str = "INV-2024-0042") -> bytes:
    """A minimal Factur-X MINIMUM invoice (CII), enough for factur-x to embed it."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice {CII_NS}>
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:factur-x.eu:1p0:minimum</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20240131</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>
""".encode()


ZUGFERD_1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12">
  <rsm:HeaderExchangedDocument><ram:ID>ZF-1</ram:ID></rsm:HeaderExchangedDocument>
</rsm:CrossIndustryDocument>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rsm:CrossIndustryInvoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
  <rsm:ExchangedDocument>&secret;</rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>
"""
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    + b"]>\n<Invoice>&lol9;</Invoice>\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + b"\0" * 200


# --- PDF builders -------------------------------------------------------------------------------


def page_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595.0, 842.0))
    c.setFont("Helvetica", 12)
    c.drawString(72, 780, "INVOICE INV-2024-0042")
    c.showPage()
    c.save()
    return buf.getvalue()


def facturx_pdf(xml: bytes = b"") -> bytes:
    """factur-x.xml attached the Factur-X way: an associated file (/AF) and in EmbeddedFiles."""
    metadata = {"author": "docai", "keywords": "Factur-X", "title": "Invoice", "subject": "Invoice"}
    return facturx.generate_from_binary(page_pdf(), xml or cii(), check_xsd=False, pdf_metadata=metadata)


def with_attachments(pdf: bytes, files: dict[str, bytes], *, rename: str = "") -> bytes:
    """``pdf`` with ``files`` added to EmbeddedFiles only (no /AF), its /AF file renamed to ``rename``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    if rename:
        name = TextStringObject(rename)
        for ref in writer.root_object["/AF"]:
            spec = ref.get_object()
            spec[NameObject("/F")] = spec[NameObject("/UF")] = name
        tree = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"]
        tree[0] = name
    for filename, data in files.items():
        writer.add_attachment(filename, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hand_pdf(catalog: bytes, extra: Sequence[bytes]) -> bytes:
    """One page saying "Invoice 42"; ``catalog`` goes into the catalog, ``extra`` are objects 6, 7, ..."""
    content = b"BT /F1 12 Tf 72 720 Td (Invoice 42) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
            b" /Contents 4 0 R >>"
        ),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra,
    ]
    return serialize(objects, header=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")


def flate_attachment_pdf(data: bytes, *, size: int | None = None) -> bytes:
    """factur-x.xml as an associated file whose stream is ``data`` Flate-compressed."""
    packed = zlib.compress(data, 9)
    params = b"/Params << /Size %d >>" % (size if size is not None else len(data))
    return hand_pdf(
        b"/AF [6 0 R]",
        [
            (
                b"<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Alternative"
                b" /EF << /F 7 0 R >> >>"
            ),
            b"<< /Type /EmbeddedFile /Subtype /text#2Fxml %s /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
            % (params, len(packed), packed),
        ],
    )


def assert_pages_read(doc: ParsedDocument, text: str = "INVOICE INV-2024-0042") -> None:
    assert len(doc.pages) == 1 and doc.pages[0].text == text
    assert not doc.xml_only


# --- finding the attachment ------------------------------------------------------------------------


def test_factur_x_xml_is_found_as_an_associated_file() -> None:
    doc = parse_pdf(facturx_pdf())
    assert_pages_read(doc)
    assert doc.einvoice is not None
    assert (doc.einvoice.filename, doc.einvoice.error) == ("factur-x.xml", "")
    assert doc.einvoice.xml.startswith("<rsm:CrossIndustryInvoice")
    assert "<ram:ID>INV-2024-0042</ram:ID>" in doc.einvoice.xml
    assert "<?xml" not in doc.einvoice.xml  # re-serialised by the hardened parser


def test_an_associated_xml_is_found_whatever_its_name_and_wins_over_the_embedded_files() -> None:
    pdf = with_attachments(facturx_pdf(), {"xrechnung.xml": cii("DECOY-1")}, rename="invoice-data.xml")
    doc = parse_pdf(pdf)
    assert_pages_read(doc)
    assert doc.einvoice is not None and doc.einvoice.filename == "invoice-data.xml"
    assert "INV-2024-0042" in doc.einvoice.xml and "DECOY-1" not in doc.einvoice.xml


def test_zugferd_1_invoice_in_embedded_files_only_is_found() -> None:
    pdf = with_attachments(page_pdf(), {"notes.txt": b"hello", "ZUGFeRD-invoice.xml": ZUGFERD_1})
    doc = parse_pdf(pdf)
    assert_pages_read(doc)
    assert doc.einvoice is not None
    assert (doc.einvoice.filename, doc.einvoice.error) == ("ZUGFeRD-invoice.xml", "")
    assert "<ram:ID>ZF-1</ram:ID>" in doc.einvoice.xml


def test_a_later_candidate_is_used_when_the_best_one_is_not_an_einvoice() -> None:
    pdf = with_attachments(page_pdf(), {"factur-x.xml": b"<catalog/>", "zz-invoice.xml": cii()})
    doc = parse_pdf(pdf)
    assert doc.einvoice is not None and doc.einvoice.filename == "zz-invoice.xml" and not doc.einvoice.error


def test_a_pdf_without_attachment_has_no_einvoice() -> None:
    doc = parse_pdf(page_pdf())
    assert_pages_read(doc)
    assert doc.einvoice is None


def test_attachments_that_are_not_xml_are_not_candidates() -> None:
    doc = parse_pdf(with_attachments(page_pdf(), {"logo.png": PNG, "terms.pdf": page_pdf()}))
    assert doc.einvoice is None


# --- hostile or broken attachments: the pages are still read ------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (PNG, "ATTACHMENT_NOT_XML"),
        (XXE, "XML_DTD_FORBIDDEN"),
        (BILLION_LAUGHS, "XML_DTD_FORBIDDEN"),
        (b"<rsm:CrossIndustryInvoice><unclosed>", "MALFORMED_XML"),
        (b"<a>" * 100 + b"</a>" * 100, "XML_TOO_DEEP"),
        (b"<catalog/>", "NOT_AN_EINVOICE"),
    ],
    ids=["png", "xxe", "billion-laughs", "malformed", "too-deep", "not-an-invoice"],
)
def test_an_unusable_attachment_reports_why_and_the_pages_are_still_read(data: bytes, reason: str) -> None:
    started = time.monotonic()
    doc = parse_pdf(with_attachments(page_pdf(), {"factur-x.xml": data}))
    assert time.monotonic() - started < QUICK
    assert_pages_read(doc)
    assert doc.einvoice is not None
    assert (doc.einvoice.filename, doc.einvoice.xml, doc.einvoice.error) == ("factur-x.xml", "", reason)


def test_an_attachment_over_the_xml_cap_is_refused_while_decoding() -> None:
    doc = parse_pdf(flate_attachment_pdf(b"<a>" + b" " * MAX_XML_BYTES + b"</a>", size=100))
    assert_pages_read(doc, "Invoice 42")
    assert doc.einvoice is not None and doc.einvoice.error == "DOCUMENT_TOO_LARGE"


def test_an_attachment_declaring_more_than_the_cap_is_refused_unread() -> None:
    doc = parse_pdf(flate_attachment_pdf(cii(), size=MAX_XML_BYTES + 1))
    assert doc.einvoice is not None and doc.einvoice.error == "DOCUMENT_TOO_LARGE"


def test_an_attachment_using_up_the_decode_budget_does_not_make_the_pdf_a_bomb() -> None:
    doc = parse_pdf(
        flate_attachment_pdf(b"<a>" + b" " * 2_000_000 + b"</a>"),
        limits=ParseLimits(max_decompressed_bytes=1_000_000),
    )
    assert_pages_read(doc, "Invoice 42")
    assert doc.einvoice is not None and doc.einvoice.error == "DOCUMENT_TOO_LARGE"


@pytest.mark.parametrize(
    ("catalog", "extra"),
    [
        (b"/AF 6 0 R", [b"6 0 R"]),  # a reference to itself: pdfminer's resolve1 never returns
        (b"/Names << /EmbeddedFiles 6 0 R >>", [b"<< /Kids [6 0 R 7 0 R] >>", b"<< /Kids [6 0 R] >>"]),
        (b"/AF [(factur-x.xml) 6 0 R /Name 42]", [b"(not a file specification)"]),
    ],
    ids=["reference-loop", "name-tree-loop", "junk"],
)
def test_broken_attachment_structures_are_skipped(catalog: bytes, extra: list[bytes]) -> None:
    started = time.monotonic()
    doc = parse_pdf(hand_pdf(catalog, extra))
    assert time.monotonic() - started < QUICK
    assert_pages_read(doc, "Invoice 42")
    assert doc.einvoice is None


def test_a_file_specification_without_an_embedded_stream_is_unreadable() -> None:
    doc = parse_pdf(hand_pdf(b"/AF [6 0 R]", [b"<< /Type /Filespec /F (factur-x.xml) /EF << /F 99 0 R >> >>"]))
    assert_pages_read(doc, "Invoice 42")
    assert doc.einvoice is not None
    assert (doc.einvoice.filename, doc.einvoice.error) == ("factur-x.xml", "ATTACHMENT_UNREADABLE")


# --- XML uploads -----------------------------------------------------------------------------------


def upload(data: bytes, content_type: str = "application/xml", **limits: int) -> ParsedDocument:
    return parse_upload(data, content_type=content_type, filename="invoice.xml", limits=ParseLimits(**limits))


def test_a_cii_upload_is_an_xml_only_document_with_its_rendering_as_pages() -> None:
    doc = upload(written("factur-x"))
    assert (
        doc.xml_only and doc.einvoice is not None and (doc.einvoice.filename, doc.einvoice.error) == ("invoice.xml", "")
    )
    assert "<ram:ID>INV-2025-042</ram:ID>" in doc.einvoice.xml
    assert doc.pages and "INV-2025-042" in doc.text  # the review page shows the rendering, the reader reads it


@pytest.mark.parametrize(
    ("prefix", "content_type"),
    [
        (b"", "text/xml"),
        (b"", "application/xml; charset=utf-8"),
        (b"", "Application/XML"),
        (b"\xef\xbb\xbf", ""),  # no content type: a byte-order mark, then "<"
    ],
)
def test_xml_content_types_and_sniffing(prefix: bytes, content_type: str) -> None:
    doc = upload(prefix + written("factur-x"), content_type)
    assert doc.xml_only and doc.einvoice is not None and "INV-2025-042" in doc.einvoice.xml


def test_xml_without_a_declaration_is_sniffed_after_whitespace() -> None:
    body = written("ubl-2.1").split(b"?>", 1)[1].lstrip()
    doc = upload(b"\r\n  " + body, "")
    assert doc.xml_only and doc.einvoice is not None and doc.einvoice.xml.startswith("<Invoice")


def test_a_ubl_credit_note_is_an_einvoice() -> None:
    doc = upload(written("ubl-2.1", type_code="381"))
    assert doc.einvoice is not None and doc.einvoice.xml.startswith("<CreditNote")


def test_an_invoice_root_without_an_invoice_inside_is_refused() -> None:
    with pytest.raises(NotAnEInvoiceError):
        upload(cii())  # a MINIMUM skeleton without currency or totals: nothing to read or show


@pytest.mark.parametrize("content_type", ["application/pdf", ""])
def test_a_pdf_upload_is_parsed_as_a_pdf(content_type: str) -> None:
    doc = upload(facturx_pdf(), content_type)
    assert_pages_read(doc)
    assert doc.einvoice is not None and doc.einvoice.filename == "factur-x.xml"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (XXE, "XML_DTD_FORBIDDEN"),
        (BILLION_LAUGHS, "XML_DTD_FORBIDDEN"),
        (b"\x00\x01garbage", "MALFORMED_XML"),
    ],
    ids=["xxe", "billion-laughs", "garbage"],
)
def test_hostile_xml_uploads_are_refused(data: bytes, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(MalformedXmlError) as exc_info:
        upload(data)
    assert time.monotonic() - started < QUICK
    assert exc_info.value.reason == reason
    assert "passwd" not in exc_info.value.message


def test_a_deeply_nested_xml_upload_is_refused() -> None:
    with pytest.raises(MalformedXmlError) as exc_info:
        upload(b"<Invoice>" + b"<a>" * 200 + b"</a>" * 200 + b"</Invoice>")
    assert exc_info.value.reason == "XML_TOO_DEEP"


def test_a_50_mb_xml_upload_is_too_large() -> None:
    data = b"<Invoice>" + b" " * (50 << 20) + b"</Invoice>"
    with pytest.raises(DocumentTooLargeError) as exc_info:
        upload(data, max_bytes=64 << 20)  # uploads may be larger: the XML cap still applies
    assert exc_info.value.reason == "DOCUMENT_TOO_LARGE"
    assert exc_info.value.metadata == {"max_bytes": str(MAX_XML_BYTES)}


def test_an_xml_upload_is_capped_by_the_upload_limit_when_that_is_lower() -> None:
    with pytest.raises(DocumentTooLargeError) as exc_info:
        upload(cii(), max_bytes=100)
    assert exc_info.value.metadata == {"max_bytes": "100"}


def test_an_xml_upload_that_is_not_an_einvoice_is_refused() -> None:
    with pytest.raises(NotAnEInvoiceError) as exc_info:
        upload(b'<?xml version="1.0"?><catalog><book id="1"/></catalog>')
    assert exc_info.value.reason == "NOT_AN_EINVOICE"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png"), (cii(), "application/json"), (b"hello", "")],
)
def test_other_uploads_are_refused_naming_the_accepted_types(data: bytes, content_type: str) -> None:
    with pytest.raises(NotAPdfError, match="application/pdf or application/xml"):
        upload(data, content_type)


def test_an_empty_upload_is_an_empty_document() -> None:
    with pytest.raises(EmptyDocumentError):
        upload(b"")
