"""IngestService against a real in-process server: states, idempotency, auth, tenancy, bad input."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from docai.services.client import DocaiClient
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as pb_grpc
from docai.training.synthetic import generate_invoice

from .conftest import metadata, reason_of, wait_for_state


def test_upload_walks_through_the_states_to_a_decision(running, answers):
    invoice = generate_invoice(7)
    answers.add(invoice.truth)
    token = running.tenant("acme")
    with DocaiClient(running.address, token) as client:
        document = client.upload(invoice.pdf, filename="inv.pdf", request_id="r-1")
        assert document.name.startswith("documents/")
        states = []
        for event in client.watch(document.name):
            states.append(event.document.state)
            if event.document.state in (pb.DOCUMENT_STATE_APPROVED, pb.DOCUMENT_STATE_IN_REVIEW):
                break
        response = client.get(document.name)
    assert states[:4] == [
        pb.DOCUMENT_STATE_RECEIVED,
        pb.DOCUMENT_STATE_PARSED,
        pb.DOCUMENT_STATE_EXTRACTED,
        pb.DOCUMENT_STATE_ROUTED,
    ]
    fields = {f.name: f for f in response.extraction.fields}
    assert fields["invoice_number"].value == invoice.truth["invoice_number"]
    assert fields["invoice_number"].provenance.page == 1
    assert len(fields["invoice_number"].provenance.bbox) == 4
    assert 0.0 <= fields["total_gross"].confidence <= 1.0
    assert {c.name for c in response.extraction.checks} >= {"net_plus_tax_equals_gross"}
    assert response.route.department


def test_retry_with_the_same_request_id_returns_the_first_document(running, answers):
    token = running.tenant("acme")
    first, other = generate_invoice(1), generate_invoice(2)
    with DocaiClient(running.address, token) as client:
        a = client.upload(first.pdf, filename="a.pdf", request_id="same")
        b = client.upload(first.pdf, filename="a.pdf", request_id="same")
        assert a.name == b.name
        with pytest.raises(grpc.RpcError) as refused:
            client.upload(other.pdf, filename="a.pdf", request_id="same")
        listed = client.ingest.ListDocuments(pb.ListDocumentsRequest(), metadata=client.metadata)
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert reason_of(refused.value) == "REQUEST_ID_REUSED"
    assert len(listed.documents) == 1


@pytest.mark.parametrize(
    ("auth", "reason"), [((), "MISSING_TOKEN"), ((("authorization", "Bearer docai_wrong"),), "INVALID_TOKEN")]
)
def test_calls_without_a_valid_token_are_unauthenticated(running, auth, reason):
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    with pytest.raises(grpc.RpcError) as error:
        stub.ListDocuments(pb.ListDocumentsRequest(), metadata=auth)
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert reason_of(error.value) == reason


def test_a_tenant_cannot_see_another_tenants_document(running):
    owner, stranger = running.tenant("acme"), running.tenant("globex")
    with DocaiClient(running.address, owner) as client:
        document = client.upload(generate_invoice(3).pdf, request_id="x")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    answers = []
    for name in (document.name, "documents/doesnotexist"):
        with pytest.raises(grpc.RpcError) as error:
            stub.GetDocument(pb.GetDocumentRequest(name=name), metadata=metadata(stranger))
        answers.append((error.value.code(), reason_of(error.value), error.value.details().replace(name, "")))
    assert answers[0] == answers[1]
    assert answers[0][0] == grpc.StatusCode.NOT_FOUND
    listed = stub.ListDocuments(pb.ListDocumentsRequest(), metadata=metadata(stranger))
    assert list(listed.documents) == []


def _encrypted_pdf() -> bytes:
    import io

    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner"))
    page.drawString(72, 720, "Invoice 42")
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code", "reason"),
    [
        (b"hello, not a pdf", grpc.StatusCode.INVALID_ARGUMENT, "NOT_A_PDF"),
        (b"", grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_DOCUMENT"),
        (b"%PDF-1.7\n" + b"0" * 2_100_000, grpc.StatusCode.RESOURCE_EXHAUSTED, "DOCUMENT_TOO_LARGE"),
        (None, grpc.StatusCode.INVALID_ARGUMENT, "ENCRYPTED_DOCUMENT"),
        ("truncated", grpc.StatusCode.INVALID_ARGUMENT, None),
    ],
    ids=["not-a-pdf", "empty", "too-large", "encrypted", "truncated"],
)
def test_bad_files_get_a_mapped_error_and_the_server_keeps_serving(running, data, code, reason):
    token = running.tenant("acme")
    if data is None:
        data = _encrypted_pdf()
    elif data == "truncated":
        whole = generate_invoice(4).pdf
        data = whole[: len(whole) // 3]
    with DocaiClient(running.address, token) as client:
        with pytest.raises(grpc.RpcError) as error:
            client.upload(data, filename="bad.pdf", request_id="bad")
        assert error.value.code() == code
        got = reason_of(error.value)
        assert got == reason if reason else got in {"MALFORMED_DOCUMENT", "EMPTY_DOCUMENT"}
        assert "Traceback" not in (error.value.details() or "")
        # The next caller is served as usual.
        assert client.upload(generate_invoice(5).pdf, request_id="good").name.startswith("documents/")


def test_invalid_names_are_invalid_arguments(running):
    token = running.tenant("acme")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    with pytest.raises(grpc.RpcError) as error:
        stub.GetDocument(pb.GetDocumentRequest(name="invoices/../../etc"), metadata=metadata(token))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(error.value) == "INVALID_NAME"


def test_health_and_reflection_list_every_service(running):
    channel = grpc.insecure_channel(running.address)
    health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    reply = next(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = {service.name for service in reply.list_services_response.service}
    assert names >= {
        "docai.ingest.v1.IngestService",
        "docai.extraction.v1.ExtractionService",
        "docai.routing.v1.RoutingService",
        "docai.review.v1.ReviewService",
        "docai.generation.v1.GenerationService",
    }


def test_export_only_after_approval(running, answers):
    invoice = generate_invoice(11)
    answers.add(invoice.truth, total_gross=1.0)  # a wrong total fails a check: the invoice goes to review
    token = running.tenant("acme")
    stub = pb_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    with DocaiClient(running.address, token) as client:
        document = client.upload(invoice.pdf, request_id="e")
    response = wait_for_state(stub, document.name, token)
    assert response.document.state == pb.DOCUMENT_STATE_IN_REVIEW
    with pytest.raises(grpc.RpcError) as error:
        stub.ExportDocument(pb.ExportDocumentRequest(name=document.name, request_id="x"), metadata=metadata(token))
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(error.value) == "NOT_APPROVED"
