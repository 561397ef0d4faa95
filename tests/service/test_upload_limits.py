"""Bounded uploads (issue 13, defect 5): spooled to disk, closed when idle, capped, deadlines honoured.

A small server runs the real IngestServicer and interceptor on a SQLite database; the parse
is the real sandboxed one unless a test needs a slow one.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Self

import grpc
import pytest

from docai.services.common.errors import UnauthenticatedError
from docai.services.common.server import MAX_RECEIVE_MESSAGE_BYTES, start_server, stop_server
from docai.services.common.tenants import Caller, create_tenant
from docai.services.ingest import grpc_api as ingest_api
from docai.services.ingest.documents import DocumentStore
from docai.services.ingest.grpc_api import MAX_CHUNK_BYTES
from docai.services.ingest.pdf_limits import ParseLimits
from docai.services.ingest.pdf_parse import parse_pdf, parse_upload
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as pb_grpc
from docai.services.storage import tables
from docai.services.storage.blobs import LocalBlobStore
from docai.services.storage.database import open_database
from docai.training.synthetic import generate_invoice

from .conftest import reason_of

LIMITS = ParseLimits(max_bytes=8_000_000)
CHUNK = 256 * 1024


class IngestServer:
    """The IngestService alone on a loopback port; the bearer token is the tenant id."""

    def __init__(self, tmp_path: Path, *, parse: Callable[..., Any] | None = None, **options: Any) -> None:
        self.db = open_database(f"sqlite:///{tmp_path / 'docai.db'}")
        for tenant in ("acme", "globex", "initech"):
            create_tenant(self.db, tenant_id=tenant)
        self.upload_dir = tmp_path / "uploads"
        self.store = DocumentStore(db=self.db, blobs=LocalBlobStore(tmp_path / "blobs"))
        self.options = {
            "parse": parse or partial(parse_upload, limits=LIMITS),
            "max_bytes": LIMITS.max_bytes,
            "upload_dir": self.upload_dir,
            "limits": LIMITS,
            **options,
        }
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()

        async def start() -> tuple[Any, int]:
            async def auth(token: str | None, tenant: str | None) -> Caller:
                if not token:
                    raise UnauthenticatedError("no token", reason="MISSING_TOKEN")
                return Caller(tenant_id=token)

            self.servicer = ingest_api.IngestServicer(store=self.store, **self.options)
            return await start_server(
                [ingest_api.registration(self.servicer)], authenticate=auth, address="127.0.0.1:0"
            )

        self.server, port = self.call(start())
        self.address = f"127.0.0.1:{port}"
        self.channel = grpc.insecure_channel(self.address)
        self.stub = pb_grpc.IngestServiceStub(self.channel)
        return self

    def __exit__(self, *exc: object) -> None:
        self.channel.close()
        self.call(stop_server(self.server, 0.5))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.db.dispose()

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def documents(self) -> int:
        with self.db.transaction() as session:
            return session.query(tables.Document).count()

    def spooled(self) -> list[Path]:
        return sorted(self.upload_dir.glob("*"))


def auth(tenant: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {tenant}"),)


def parts(
    data: bytes,
    *,
    request_id: str,
    hold: threading.Event | None = None,
    hold_after: int = 0,
    chunk: int = CHUNK,
    pause: float = 0.0,
) -> Iterator[pb.UploadDocumentRequest]:
    """An upload's messages; with ``hold``, the client stalls after ``hold_after`` chunks until it is set."""
    yield pb.UploadDocumentRequest(
        metadata=pb.UploadMetadata(request_id=request_id, filename="a.pdf", content_type="application/pdf")
    )
    for index, start in enumerate(range(0, len(data), chunk)):
        if hold is not None and index == hold_after:
            hold.wait(30)
        if pause:
            time.sleep(pause)
        yield pb.UploadDocumentRequest(chunk=data[start : start + chunk])


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def padded_pdf(size: int, seed: int = 1) -> bytes:
    """A real invoice PDF grown to ``size`` bytes with a trailing comment (still a valid PDF)."""
    pdf = generate_invoice(seed).pdf
    return pdf + b"\n%" + b"x" * max(0, size - len(pdf) - 3) + b"\n"


def test_an_upload_goes_to_disk_as_it_arrives_and_a_stalled_one_is_closed(tmp_path):
    with IngestServer(tmp_path, idle_seconds=1.0) as server:
        hold = threading.Event()
        data = padded_pdf(2 * 1024 * 1024)
        call = server.stub.UploadDocument.future(
            parts(data, request_id="r", hold=hold, hold_after=4), metadata=auth("acme")
        )
        # Four chunks in, the client stalls: what it sent is in a file under the upload dir, not in memory.
        wait_until(lambda: any(p.stat().st_size == 4 * CHUNK for p in server.spooled()))
        with pytest.raises(grpc.RpcError) as error:
            call.result(timeout=10)
        hold.set()
        assert error.value.code() == grpc.StatusCode.ABORTED
        assert reason_of(error.value) == "UPLOAD_IDLE"
        wait_until(lambda: not server.spooled())
        assert server.documents() == 0
        # A whole upload afterwards is stored, and leaves no spool file behind.
        document = server.stub.UploadDocument(parts(data, request_id="r2"), metadata=auth("acme")).document
        assert document.size_bytes == len(data)
        assert server.spooled() == []


def test_too_many_uploads_at_once_are_refused_with_an_error_info(tmp_path):
    with IngestServer(tmp_path, max_uploads=2, max_uploads_per_tenant=1, idle_seconds=30) as server:
        data = generate_invoice(2).pdf
        hold = threading.Event()
        first = server.stub.UploadDocument.future(parts(data, request_id="a", hold=hold), metadata=auth("acme"))
        wait_until(lambda: server.servicer.slots.in_progress == 1)
        with pytest.raises(grpc.RpcError) as same_tenant:
            server.stub.UploadDocument(parts(data, request_id="b"), metadata=auth("acme"))
        assert same_tenant.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert reason_of(same_tenant.value) == "TOO_MANY_UPLOADS"
        second = server.stub.UploadDocument.future(parts(data, request_id="c", hold=hold), metadata=auth("globex"))
        wait_until(lambda: server.servicer.slots.in_progress == 2)
        with pytest.raises(grpc.RpcError) as in_total:
            server.stub.UploadDocument(parts(data, request_id="d"), metadata=auth("initech"))
        assert in_total.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert reason_of(in_total.value) == "TOO_MANY_UPLOADS"
        hold.set()
        assert first.result(timeout=30).document.name and second.result(timeout=30).document.name
        assert server.servicer.slots.in_progress == 0 and server.servicer.slots.by_tenant == {}
        assert server.stub.UploadDocument(parts(data, request_id="e"), metadata=auth("acme")).document.name


def test_a_chunk_over_the_documented_size_gets_an_error_info(tmp_path):
    with IngestServer(tmp_path) as server:
        data = padded_pdf(MAX_CHUNK_BYTES + 10)
        with pytest.raises(grpc.RpcError) as error:
            server.stub.UploadDocument(parts(data, request_id="r", chunk=len(data)), metadata=auth("acme"))
        assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert reason_of(error.value) == "CHUNK_TOO_LARGE"
        wait_until(lambda: not server.spooled())
        # At exactly the documented size, a chunk is fine.
        exact = padded_pdf(MAX_CHUNK_BYTES)
        assert server.stub.UploadDocument(
            parts(exact, request_id="r2", chunk=MAX_CHUNK_BYTES), metadata=auth("acme")
        ).document.name


def test_a_message_past_the_transport_limit_stores_nothing(tmp_path):
    # gRPC refuses it before docai reads it (RESOURCE_EXHAUSTED, no ErrorInfo: documented in the
    # proto); the handler then sees the stream end early and must not store the part it received.
    with IngestServer(tmp_path) as server:
        pdf = generate_invoice(3).pdf

        def messages() -> Iterator[pb.UploadDocumentRequest]:
            yield from parts(pdf, request_id="r")
            yield pb.UploadDocumentRequest(chunk=b"x" * (MAX_RECEIVE_MESSAGE_BYTES + 1))

        with pytest.raises(grpc.RpcError) as error:
            server.stub.UploadDocument(messages(), metadata=auth("acme"))
        assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        time.sleep(2.0)
        assert server.documents() == 0
        wait_until(lambda: not server.spooled())


def test_a_call_past_its_deadline_stops_and_stores_nothing(tmp_path):
    walls: list[float] = []
    parsed = parse_pdf(generate_invoice(4).pdf)

    def slow_parse(data: bytes, *, content_type: str, filename: str, limits: ParseLimits = LIMITS) -> Any:
        walls.append(limits.wall_seconds)
        time.sleep(1.0)  # the sandbox's wall clock would stop a real parse at ``limits.wall_seconds``
        return parsed

    with IngestServer(tmp_path, parse=slow_parse, max_uploads_per_tenant=1) as server:
        data = generate_invoice(4).pdf
        with pytest.raises(grpc.RpcError) as error:
            server.stub.UploadDocument(parts(data, request_id="r"), metadata=auth("acme"), timeout=0.4)
        assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        # The parse was given no more time than the caller had left, and once it returned
        # nothing was stored: nobody was waiting for the answer.
        assert len(walls) == 1 and walls[0] <= 0.4
        time.sleep(1.5)
        assert server.documents() == 0
        assert server.spooled() == []
        # A tiny deadline: refused, and the upload's slot is free again (the cap is 1 per tenant).
        with pytest.raises(grpc.RpcError) as tiny:
            server.stub.UploadDocument(parts(data, request_id="r2"), metadata=auth("acme"), timeout=0.001)
        assert tiny.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        wait_until(lambda: server.servicer.slots.in_progress == 0)
        time.sleep(1.2)
        assert server.documents() == 0
        record = server.stub.UploadDocument(parts(data, request_id="r3"), metadata=auth("acme"), timeout=30).document
        assert record.name.startswith("documents/")
        assert server.documents() == 1


def test_spool_files_left_by_a_crashed_process_are_removed_at_start(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    dead = uploads / "upload-999999999-abc.part"  # no such process
    live = uploads / "upload-1-def.part"  # pid 1 is alive: another server sharing the directory
    dead.write_bytes(b"x")
    live.write_bytes(b"x")
    with IngestServer(tmp_path):
        assert not dead.exists()
        assert live.exists()
