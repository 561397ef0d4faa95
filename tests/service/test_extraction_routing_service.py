"""ExtractionService and RoutingService against a real server: re-runs, idempotency, errors."""

from __future__ import annotations

import grpc
import pytest

from docai.services.client import DocaiClient
from docai.services.pb.extraction.v1 import extraction_service_pb2 as ext_pb
from docai.services.pb.extraction.v1 import extraction_service_pb2_grpc as ext_grpc
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc
from docai.services.pb.routing.v1 import routing_service_pb2 as route_pb
from docai.services.pb.routing.v1 import routing_service_pb2_grpc as route_grpc
from docai.training.synthetic import generate_invoice

from .conftest import metadata, reason_of, wait_for_state


@pytest.fixture
def extracted(running, answers):
    invoice = generate_invoice(31)
    answers.add(invoice.truth)
    token = running.tenant("acme")
    with DocaiClient(running.address, token) as client:
        document = client.upload(invoice.pdf, request_id="x")
    wait_for_state(ingest_grpc.IngestServiceStub(grpc.insecure_channel(running.address)), document.name, token)
    return invoice, document, token


def test_extraction_can_be_read_and_rerun_idempotently(running, answers, extracted):
    invoice, document, token = extracted
    stub = ext_grpc.ExtractionServiceStub(grpc.insecure_channel(running.address))
    current = stub.GetExtraction(
        ext_pb.GetExtractionRequest(name=f"{document.name}/extraction"), metadata=metadata(token)
    )
    assert {f.name: f.value for f in current.extraction.fields}["invoice_number"] == invoice.truth["invoice_number"]
    calls = answers.calls
    request = ext_pb.ExtractDocumentRequest(name=document.name, adapter="none", request_id="again")
    first = stub.ExtractDocument(request, metadata=metadata(token))
    second = stub.ExtractDocument(request, metadata=metadata(token))
    assert answers.calls == calls + 1  # the retry returns the stored result
    assert first.extraction.adapter == "" and second.extraction.fields == first.extraction.fields


def test_an_unknown_adapter_is_not_found(running, extracted):
    _, document, token = extracted
    stub = ext_grpc.ExtractionServiceStub(grpc.insecure_channel(running.address))
    with pytest.raises(grpc.RpcError) as error:
        stub.ExtractDocument(
            ext_pb.ExtractDocumentRequest(name=document.name, adapter="nope", request_id="n"), metadata=metadata(token)
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert reason_of(error.value) == "ADAPTER_NOT_FOUND"


def test_routing_can_be_read_and_rerun(running, extracted):
    _, document, token = extracted
    stub = route_grpc.RoutingServiceStub(grpc.insecure_channel(running.address))
    current = stub.GetRoute(route_pb.GetRouteRequest(name=f"{document.name}/route"), metadata=metadata(token)).route
    again = stub.RouteDocument(
        route_pb.RouteDocumentRequest(name=document.name, request_id="r"), metadata=metadata(token)
    ).route
    assert (again.department, again.approver, list(again.reasons)) == (
        current.department,
        current.approver,
        list(current.reasons),
    )
    with pytest.raises(grpc.RpcError) as error:
        stub.GetRoute(route_pb.GetRouteRequest(name="documents/nope/route"), metadata=metadata(token))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
