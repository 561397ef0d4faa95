"""XML uploads against a real in-process server: hostile files get a mapped error, the server keeps serving."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from docai.services.client import DocaiClient
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as pb_grpc
from docai.training.synthetic import generate_invoice

from .conftest import metadata, reason_of

CHUNK = 64 * 1024

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&secret;</ID></Invoice>
"""
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n<Invoice>&lol9;</Invoice>\n"
)
OVERSIZE = b"<Invoice>" + b" " * 2_100_000 + b"</Invoice>"  # the suite accepts 2,000,000 bytes
UBL = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>UBL-7</cbc:ID>
  <cbc:IssueDate>2024-01-31</cbc:IssueDate>
</Invoice>
"""


def upload_xml(stub: pb_grpc.IngestServiceStub, token: str, data: bytes, *, request_id: str) -> pb.Document:
    def parts() -> Iterator[pb.UploadDocumentRequest]:
        yield pb.UploadDocumentRequest(
            metadata=pb.UploadMetadata(
                request_id=request_id, filename="invoice.xml", content_type="application/xml"
            )
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


def test_a_valid_xml_upload_is_accepted(running):
    token = running.tenant("acme")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    document = upload_xml(stub, token, UBL, request_id="xml")
    assert document.name.startswith("documents/")
    assert document.filename == "invoice.xml"
