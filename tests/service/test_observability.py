"""Logs, metrics and traces of a real suite on loopback (issue 15): the RPC's JSON line with the
client's request id echoed back, a failure's reason, /metrics scraped over HTTP, and one trace
from the upload through the pipeline."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from docai.services.common import observability
from docai.services.common.settings import Settings
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as pb_grpc
from docai.services.testing import ScriptedReader, SuiteThread, scripted_backend
from docai.training.synthetic import generate_invoice

from .conftest import metadata, reason_of, wait_for_state

UPLOAD = "/docai.ingest.v1.IngestService/UploadDocument"
GET = "/docai.ingest.v1.IngestService/GetDocument"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GatedReader(ScriptedReader):
    """Reads only once ``gate`` is set, so a test can see a document wait in the queue."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()

    def read(self, document: Any, **options: Any) -> Any:
        assert self.gate.wait(60), "the test never opened the gate"
        return super().read(document, **options)


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = observability.configure_logging(log_format="json", stream=stream)
    try:
        yield stream
    finally:
        observability.remove_logging(handler)


def records(stream: io.StringIO, **match: Any) -> list[dict[str, Any]]:
    found = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [r for r in found if all(r.get(k) == v for k, v in match.items())]


def start(tmp_path: Path, **options: Any) -> tuple[SuiteThread, GatedReader]:
    reader = GatedReader()
    settings = Settings(
        home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'docai.db'}", backend="fake", **options
    )
    return SuiteThread(settings, backend=scripted_backend(lambda request: "{}"), reader=reader), reader


def upload(stub: Any, token: str, *, seed: int = 7, request_id: str = "") -> tuple[pb.UploadDocumentResponse, Any]:
    data = generate_invoice(seed).pdf

    def parts() -> Iterator[pb.UploadDocumentRequest]:
        yield pb.UploadDocumentRequest(
            metadata=pb.UploadMetadata(request_id=f"up-{seed}", filename="a.pdf", content_type="application/pdf")
        )
        yield pb.UploadDocumentRequest(chunk=data)

    extra = (("x-request-id", request_id),) if request_id else ()
    return stub.UploadDocument.with_call(parts(), metadata=metadata(token) + extra)


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_an_rpc_writes_one_json_line_and_echoes_the_clients_request_id(tmp_path, lines):
    suite, _ = start(tmp_path)
    with suite, grpc.insecure_channel(suite.address) as channel:
        token = suite.tenant("acme")
        stub = pb_grpc.IngestServiceStub(channel)
        response, call = upload(stub, token, request_id="client-req-42")
        document_id = response.document.name.split("/")[1]
        assert ("x-request-id", "client-req-42") in call.initial_metadata()
        # No id from the client: the server makes one and says which.
        _, call = stub.GetDocument.with_call(
            pb.GetDocumentRequest(name=response.document.name), metadata=metadata(token)
        )
        generated = dict(call.initial_metadata())["x-request-id"]
        wait_until(lambda: len(records(lines, event="rpc", method=GET)) == 1)
    uploads = records(lines, event="rpc", method=UPLOAD)
    assert len(uploads) == 1, uploads
    line = uploads[0]
    assert (line["request_id"], line["code"], line["tenant"], line["document"]) == (
        "client-req-42",
        "OK",
        "acme",
        document_id,
    )
    assert line["reason"] == "" and line["level"] == "INFO" and line["logger"] == "docai.rpc"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    parse = records(lines, event="step", step="parse")
    assert [p["request_id"] for p in parse] == ["client-req-42"]  # the parse, in its worker thread, knows the call
    (get,) = records(lines, event="rpc", method=GET)
    assert (get["request_id"], get["document"], get["code"]) == (generated, document_id, "OK")
    # The pipeline's lines of the document carry the upload's request id (kept with its work item).
    steps = records(lines, event="step", document=document_id)
    assert {s["step"] for s in steps} >= {"extract", "route"}
    assert {s["request_id"] for s in steps} == {"client-req-42"}


def test_a_failed_rpc_line_has_its_code_and_reason(tmp_path, lines):
    suite, _ = start(tmp_path)
    with suite, grpc.insecure_channel(suite.address) as channel:
        token = suite.tenant("acme")
        stub = pb_grpc.IngestServiceStub(channel)
        with pytest.raises(grpc.RpcError) as failed:
            stub.GetDocument(
                pb.GetDocumentRequest(name="documents/nosuchdocument"),
                metadata=metadata(token) + (("x-request-id", "r-404"),),
            )
        assert failed.value.code() == grpc.StatusCode.NOT_FOUND
        assert ("x-request-id", "r-404") in failed.value.trailing_metadata()
        with pytest.raises(grpc.RpcError) as refused:
            stub.GetDocument(pb.GetDocumentRequest(name="documents/x"), metadata=metadata("not-a-token"))
        wait_until(lambda: len(records(lines, event="rpc", method=GET)) == 2)
    missing, unauthenticated = records(lines, event="rpc", method=GET)
    assert (missing["code"], missing["reason"], missing["request_id"]) == (
        "NOT_FOUND",
        reason_of(failed.value),
        "r-404",
    )
    assert missing["document"] == "nosuchdocument" and missing["tenant"] == "acme"
    assert (unauthenticated["code"], unauthenticated["reason"]) == ("UNAUTHENTICATED", reason_of(refused.value))
    assert unauthenticated["tenant"] == ""


def test_metrics_show_rpc_counts_and_the_queue_after_an_upload(tmp_path):
    port = free_port()
    suite, reader = start(tmp_path, metrics_port=port)
    reader.gate.clear()  # the pipeline takes the upload but cannot finish it: it stays queued
    key = ("docai_rpc_requests_total", (("code", "OK"), ("method", UPLOAD)))
    with suite, grpc.insecure_channel(suite.address) as channel:
        token = suite.tenant("acme")
        stub = pb_grpc.IngestServiceStub(channel)
        before = scrape(port)
        assert before[("docai_queue_depth", ())] == 0
        response, _ = upload(stub, token)
        after = scrape(port)
        assert after[key] == before.get(key, 0) + 1
        assert after[("docai_rpc_duration_seconds_count", (("code", "OK"), ("method", UPLOAD)))] >= 1
        assert after[("docai_queue_depth", ())] == 1
        assert after[("docai_queue_oldest_age_seconds", ())] > 0
        reader.gate.set()
        wait_for_state(stub, response.document.name, token)
        done = scrape(port)
        assert done[("docai_queue_depth", ())] == 0
        assert done[("docai_review_backlog", (("state", "open"),))] == 1
        decided = sum(done.get(("docai_decisions_total", (("outcome", o),)), 0) for o in ("auto_approve", "review"))
        assert decided >= 1
        for stage in ("parse", "extract", "route"):
            assert done[("docai_stage_duration_seconds_count", (("stage", stage),))] >= 1
    with pytest.raises(OSError):  # the endpoint went away with the suite
        scrape(port)


@pytest.fixture
def spans() -> Iterator[Any]:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    observability.add_span_exporter(exporter)
    try:
        yield exporter
    finally:
        observability.disable_tracing()


def test_tracing_follows_an_upload_into_the_pipeline(tmp_path, spans):
    suite, _ = start(tmp_path, tracing="file")
    with suite, grpc.insecure_channel(suite.address) as channel:
        token = suite.tenant("acme")
        stub = pb_grpc.IngestServiceStub(channel)
        response, _ = upload(stub, token, request_id="traced-1")
        document_id = response.document.name.split("/")[1]
        wait_for_state(stub, response.document.name, token)
        wait_until(lambda: any(s.name == "docai.route" for s in spans.get_finished_spans()))
    observability.flush_traces()
    finished = spans.get_finished_spans()
    (server,) = [s for s in finished if s.name == UPLOAD]
    assert server.kind.name == "SERVER" and server.attributes["docai.request_id"] == "traced-1"
    assert server.attributes["docai.document"] == document_id
    by_name = {s.name: s for s in finished if s.context.trace_id == server.context.trace_id}
    assert {"docai.parse", "docai.pipeline.process", "docai.extract", "docai.route"} <= set(by_name)
    assert by_name["docai.parse"].parent.span_id == server.context.span_id
    process = by_name["docai.pipeline.process"]
    assert process.parent.span_id == server.context.span_id  # through the work item's traceparent
    assert process.attributes["docai.document"] == document_id and process.attributes["docai.request_id"] == "traced-1"
    for name in ("docai.extract", "docai.route"):
        assert by_name[name].parent.span_id == process.context.span_id
        assert by_name[name].attributes["docai.document"] == document_id
    # DOCAI_TRACING=file wrote the same trace, one span a line.
    written = [json.loads(line) for line in (tmp_path / "home" / "traces.jsonl").read_text().splitlines()]
    trace_id = f"0x{server.context.trace_id:032x}"
    assert {w["name"] for w in written if w["context"]["trace_id"] == trace_id} >= {UPLOAD, "docai.pipeline.process"}
