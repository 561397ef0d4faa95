"""XML uploads against a real in-process server: hostile files get a mapped error, the server keeps serving."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import facturx
import grpc
import pytest
from sqlalchemy import select

from docai.schemas.invoice import HEADER_FIELDS, ExtractedField, Extraction
from docai.services.client import DocaiClient
from docai.services.einvoice.export import to_cii
from docai.services.einvoice.read import read_einvoice
from docai.services.einvoice.tamper import FOREIGN_IBAN, tamper_pdf
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as pb_grpc
from docai.services.pb.review.v1 import review_service_pb2 as review_pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as review_grpc
from docai.services.storage import tables
from docai.training.synthetic import generate_invoice

from .conftest import metadata, reason_of, wait_for_state

CHUNK = 64 * 1024

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&secret;</ID></Invoice>
"""
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    + b"]>\n<Invoice>&lol9;</Invoice>\n"
)
OVERSIZE = b"<Invoice>" + b" " * 2_100_000 + b"</Invoice>"  # the suite accepts 2,000,000 bytes


def upload_xml(stub: pb_grpc.IngestServiceStub, token: str, data: bytes, *, request_id: str) -> pb.Document:
    def parts() -> Iterator[pb.UploadDocumentRequest]:
        yield pb.UploadDocumentRequest(
            metadata=pb.UploadMetadata(request_id=request_id, filename="invoice.xml", content_type="application/xml")
        )
        for start in range(0, len(data), CHUNK):
            yield pb.UploadDocumentRequest(chunk=data[start : start + CHUNK])

    return stub.UploadDocument(parts(), metadata=metadata(token)).document


@pytest.mark.parametrize(
    ("data", "code", "reason"),
    [
        (XXE, grpc.StatusCode.INVALID_ARGUMENT, "XML_DTD_FORBIDDEN"),
        (BILLION_LAUGHS, grpc.StatusCode.INVALID_ARGUMENT, "XML_DTD_FORBIDDEN"),
        (OVERSIZE, grpc.StatusCode.RESOURCE_EXHAUSTED, "DOCUMENT_TOO_LARGE"),
        (b"<catalog><book/></catalog>", grpc.StatusCode.INVALID_ARGUMENT, "NOT_AN_EINVOICE"),
        (b"this is not XML at all", grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_XML"),
    ],
    ids=["xxe", "billion-laughs", "oversize", "not-an-einvoice", "garbage"],
)
def test_hostile_xml_gets_a_mapped_error_and_the_server_keeps_serving(running, data, code, reason):
    token = running.tenant("acme")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    with pytest.raises(grpc.RpcError) as error:
        upload_xml(stub, token, data, request_id="bad")
    assert error.value.code() == code
    assert reason_of(error.value) == reason
    details = error.value.details() or ""
    assert "Traceback" not in details and "passwd" not in details
    with DocaiClient(running.address, token) as client:
        assert client.upload(generate_invoice(5).pdf, request_id="good").name.startswith("documents/")


def einvoice_pdf(seed: int) -> tuple[bytes, bytes]:
    """A synthetic invoice's PDF with the CII XML of its own truth embedded (page and XML agree), and the XML."""
    invoice = generate_invoice(seed, layout=0, language="de", credit_note=False)
    fields = {
        name: ExtractedField(value=f"{value:.2f}" if isinstance(value, float) else str(value), confidence=1.0)
        for name, value in invoice.truth.items()
        if name in HEADER_FIELDS
    }
    xml = to_cii(Extraction(fields=fields))
    return facturx.generate_from_binary(invoice.pdf, xml, check_xsd=False), xml


def reasons(response: Any) -> list[str]:
    return [reason.split(":")[0] for reason in response.document.review_reasons]


def test_an_e_invoice_is_read_from_its_xml_with_boxes_on_the_page(running):
    token = running.tenant("acme")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    pdf, _ = einvoice_pdf(33)
    with DocaiClient(running.address, token) as client:
        name = client.upload(pdf, request_id="einvoice").name
    response = wait_for_state(stub, name, token)
    fields = {f.name: f for f in response.extraction.fields}
    assert fields["iban"].provenance.source == "xml" and fields["iban"].confidence == 1.0
    assert list(fields["total_gross"].provenance.bbox) and fields["total_gross"].provenance.page >= 1
    assert "XML_PAGE_MISMATCH" not in reasons(response)
    assert {c.name: c.passed for c in response.extraction.checks}["xml_matches_page"]


def test_an_iban_changed_in_the_xml_only_waits_in_review(running):
    token = running.tenant("acme")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    pdf, _ = einvoice_pdf(33)
    tampered = tamper_pdf(pdf, "iban")
    assert tampered is not None
    with DocaiClient(running.address, token) as client:
        name = client.upload(tampered, request_id="tampered").name
    response = wait_for_state(stub, name, token)
    assert response.document.state == pb.DOCUMENT_STATE_IN_REVIEW
    assert "XML_PAGE_MISMATCH" in reasons(response)
    check = {c.name: c for c in response.extraction.checks}["xml_matches_page"]
    assert not check.passed and FOREIGN_IBAN in check.detail


def test_an_xml_only_upload_is_read_and_shown_as_a_rendering(running):
    token = running.tenant("acme")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    _, xml = einvoice_pdf(33)
    document = upload_xml(stub, token, xml, request_id="xml")
    assert document.filename == "invoice.xml" and document.page_count >= 1
    response = wait_for_state(stub, document.name, token)
    fields = {f.name: f for f in response.extraction.fields}
    assert fields["invoice_number"].provenance.source == "xml" and list(fields["invoice_number"].provenance.bbox)
    review = review_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    page = review.RenderPage(review_pb.RenderPageRequest(document=document.name, page=1), metadata=metadata(token))
    assert page.png.startswith(b"\x89PNG")


def test_an_approved_e_invoice_is_exported_as_cii_xml(running):
    """An e-invoice that page and XML agree on goes straight through, and the ERP can take it as EN 16931 XML."""
    token = running.tenant("acme")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    pdf, xml = einvoice_pdf(33)
    with DocaiClient(running.address, token) as client:
        name = client.upload(pdf, request_id="to-export").name
    response = wait_for_state(stub, name, token)
    assert response.document.state == pb.DOCUMENT_STATE_APPROVED, list(response.document.review_reasons)
    # Nobody reviewed it, yet it teaches: a labelled example marked as the e-invoice's, and the vendor's layout.
    with running.suite.db.transaction() as session:
        example = session.scalar(
            select(tables.ApprovedExample).where(tables.ApprovedExample.document_id == name.split("/")[1])
        )
        assert example is not None and example.source == "einvoice" and example.reviewer == ""
        assert {"invoice_number", "total_gross", "iban"} <= set(example.confirmed_fields)
        assert session.scalar(
            select(tables.VendorTemplateRecord).where(tables.VendorTemplateRecord.tenant_id == "acme")
        )
    exported = stub.ExportDocument(
        pb.ExportDocumentRequest(name=name, request_id="x-1", format=pb.EXPORT_FORMAT_CII_XML), metadata=metadata(token)
    )
    assert exported.document.state == pb.DOCUMENT_STATE_EXPORTED and exported.content_type == "application/xml"
    sent, back = read_einvoice(xml).extraction, read_einvoice(exported.content)
    assert not back.problems
    for field in ("invoice_number", "invoice_date", "total_gross", "iban", "vendor_tax_id"):
        assert back.extraction.value(field) == sent.value(field)
    again = stub.ExportDocument(
        pb.ExportDocumentRequest(name=name, request_id="x-1", format=pb.EXPORT_FORMAT_CII_XML), metadata=metadata(token)
    )
    assert again.content == exported.content  # a retry hands over the same XML
