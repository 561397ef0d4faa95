"""IngestService: uploads, lookups and the watch stream. Translation only; the work is in the domain.

An upload is spooled to a file under ``settings.upload_dir`` as its chunks arrive (never held
whole in memory while the client is still sending), closed when the client goes quiet for
``upload_idle_seconds`` (ABORTED ``UPLOAD_IDLE``), and refused while too many are in progress
(RESOURCE_EXHAUSTED ``TOO_MANY_UPLOADS``). Its spool file is removed on every path.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format

from docai.schemas.checks import CheckResult
from docai.schemas.document import DocumentRecord
from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.schemas.routing import Route
from docai.services.common import paging
from docai.services.common.errors import (
    AbortedError,
    DeadlineExceededError,
    DocumentTooLargeError,
    InvalidArgumentError,
    ResourceExhaustedError,
)
from docai.services.common.names import parse_name, require
from docai.services.common.observability import annotate, step
from docai.services.common.server import caller
from docai.services.einvoice.export import to_cii
from docai.services.extraction.convert import extraction_to_pb
from docai.services.ingest.archive import list_approved, parse_day
from docai.services.ingest.convert import (
    approved_invoice_to_pb,
    date_field_from_pb,
    document_to_pb,
    filter_from_pb,
)
from docai.services.ingest.documents import DocumentStore
from docai.services.ingest.pdf_limits import ParseLimits
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as pb_grpc
from docai.services.pipeline.progress import Progress, ProgressReader
from docai.services.routing.convert import route_to_pb

WATCH_POLL_SECONDS = 0.25
# What ExportDocument can hand over in `content` besides the structured ApprovedInvoice: (writer of
# the extraction, media type). JSON is the ApprovedInvoice message itself, written by the servicer.
EXPORT_FORMATS: dict[int, tuple[Callable[[Extraction], bytes] | None, str]] = {
    pb.EXPORT_FORMAT_UNSPECIFIED: (None, ""),
    pb.EXPORT_FORMAT_CII_XML: (to_cii, "application/xml"),
    pb.EXPORT_FORMAT_JSON: (None, "application/json"),
}
# Each parse may use up to its memory limit (1 GiB by default), and each holds its upload in
# memory once (up to max_bytes): bound how many run at once.
MAX_PARALLEL_PARSES = 2
# The largest UploadDocumentRequest.chunk (documented in protos/docai/ingest/v1/ingest_service.proto).
# The transport accepts messages up to docai.services.common.server.MAX_RECEIVE_MESSAGE_BYTES, so
# a chunk between the two is answered here, with an ErrorInfo.
MAX_CHUNK_BYTES = 1024 * 1024
SPOOL_PREFIX = "upload-"
SPOOL_SUFFIX = ".part"


class UploadSlots:
    """Uploads in progress, counted in total and per tenant; over either cap a new one is refused.

    All counting happens on the server's event loop, so no lock is needed.
    """

    def __init__(self, *, total: int, per_tenant: int) -> None:
        self.total = total
        self.per_tenant = per_tenant
        self.in_progress = 0
        self.by_tenant: dict[str, int] = {}

    @contextlib.contextmanager
    def hold(self, tenant: str) -> Iterator[None]:
        mine = self.by_tenant.get(tenant, 0)
        if mine >= self.per_tenant or self.in_progress >= self.total:
            scope, limit = ("tenant", self.per_tenant) if mine >= self.per_tenant else ("server", self.total)
            raise ResourceExhaustedError(
                f"too many uploads in progress ({limit} per {scope}); retry when one has finished",
                reason="TOO_MANY_UPLOADS",
                scope=scope,
                limit=str(limit),
            )
        self.in_progress += 1
        self.by_tenant[tenant] = mine + 1
        try:
            yield
        finally:
            self.in_progress -= 1
            left = self.by_tenant[tenant] - 1
            if left:
                self.by_tenant[tenant] = left
            else:
                del self.by_tenant[tenant]


class Spool:
    """One upload's bytes on disk: ``upload-<pid>-<random>.part`` in the upload directory."""

    def __init__(self, directory: Path) -> None:
        fd, name = tempfile.mkstemp(dir=directory, prefix=f"{SPOOL_PREFIX}{os.getpid()}-", suffix=SPOOL_SUFFIX)
        self.path = Path(name)
        self.file = os.fdopen(fd, "w+b")
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.file.flush()  # on disk (the page cache), not in this process's buffers
        self.size += len(chunk)

    def read_all(self) -> bytes:
        self.file.seek(0)
        return self.file.read()

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


def sweep_spools(directory: Path) -> int:
    """Removes spool files left by processes that are gone (a crash skips the cleanup); returns how many.

    A file of a live process other than this one (another server sharing the directory) is kept.
    """
    removed = 0
    for path in directory.glob(f"{SPOOL_PREFIX}*{SPOOL_SUFFIX}"):
        pid_text = path.name[len(SPOOL_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _deadline(context: grpc.aio.ServicerContext) -> float | None:
    """The call's deadline on the monotonic clock, or None when the caller set none."""
    remaining = context.time_remaining()
    return None if remaining is None else time.monotonic() + remaining


def _check_deadline(deadline: float | None, abandoned: threading.Event | None = None) -> None:
    if (deadline is not None and time.monotonic() >= deadline) or (abandoned is not None and abandoned.is_set()):
        raise DeadlineExceededError(
            "the call's deadline passed (or the caller went away) before the document was stored; nothing was stored"
        )


class IngestServicer(pb_grpc.IngestServiceServicer):
    def __init__(
        self,
        *,
        store: DocumentStore,
        parse: Callable[..., ParsedDocument],
        max_bytes: int,
        on_upload: Callable[[], None] = lambda: None,
        upload_dir: Path | None = None,
        idle_seconds: float = 30.0,
        max_uploads: int = 32,
        max_uploads_per_tenant: int = 8,
        limits: ParseLimits | None = None,
        progress: ProgressReader | None = None,
    ) -> None:
        """
        Args:
            store: Where documents are kept.
            parse: ``parse(data, content_type=..., filename=..., limits=...)``: the sandboxed parse.
            max_bytes: The largest upload.
            on_upload: Called after each stored upload (wakes the pipeline).
            upload_dir: Where uploads in progress are spooled; None = the system's temp directory.
            idle_seconds: An upload that sends nothing for this long is closed (ABORTED UPLOAD_IDLE).
            max_uploads, max_uploads_per_tenant: Uploads in progress at once (RESOURCE_EXHAUSTED TOO_MANY_UPLOADS).
            limits: The parse limits; when given, a parse's wall clock is cut to the call's deadline.
            progress: Where documents' queue positions and estimates come from; None reports none.
        """
        self.store = store
        self.parse = parse
        self.max_bytes = max_bytes
        self.on_upload = on_upload
        self.upload_dir = Path(upload_dir or tempfile.gettempdir())
        self.upload_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if upload_dir is not None:  # docai's own directory: what a crashed run left there goes
            sweep_spools(self.upload_dir)
        self.idle_seconds = idle_seconds
        self.limits = limits
        self.progress = progress
        self.slots = UploadSlots(total=max_uploads, per_tenant=max_uploads_per_tenant)
        self._parsing = asyncio.Semaphore(MAX_PARALLEL_PARSES)

    async def UploadDocument(
        self, request_iterator: AsyncIterator[pb.UploadDocumentRequest], context: grpc.aio.ServicerContext
    ) -> pb.UploadDocumentResponse:
        tenant = caller().tenant_id
        deadline = _deadline(context)
        with self.slots.hold(tenant):
            spool = Spool(self.upload_dir)
            handed_over = False
            try:
                metadata = await self._receive(request_iterator, spool)
                require(metadata.request_id, field="request_id")
                require(metadata.filename, field="filename")
                _check_deadline(deadline)
                abandoned = threading.Event()
                await self._parsing.acquire()
                try:
                    # In the call's context (unlike run_in_executor's default): its request id and span
                    # reach the parse's log line and span and the work item.
                    work = asyncio.get_running_loop().run_in_executor(
                        None,
                        contextvars.copy_context().run,
                        partial(self._ingest, spool, metadata, tenant=tenant, deadline=deadline, abandoned=abandoned),
                    )
                except BaseException:
                    self._parsing.release()
                    raise
                handed_over = True  # from here the thread owns the spool and the parse slot
                work.add_done_callback(self._parse_done)
                try:
                    record = await asyncio.shield(work)
                except asyncio.CancelledError:
                    abandoned.set()  # the caller went away or its deadline passed: store nothing
                    raise
            finally:
                if not handed_over:
                    spool.discard()
        self.on_upload()
        progress = await self._progress([record.id])
        return pb.UploadDocumentResponse(document=document_to_pb(record, progress.get(record.id)))

    async def _receive(
        self, request_iterator: AsyncIterator[pb.UploadDocumentRequest], spool: Spool
    ) -> pb.UploadMetadata:
        """Writes the chunks to ``spool`` as they come; returns the metadata."""
        metadata: pb.UploadMetadata | None = None
        messages = request_iterator.__aiter__()
        while True:
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the call's own
                # cancellation when it comes with the end of the stream (gRPC ends the stream and
                # cancels the call when a message is over the transport's limit).
                async with asyncio.timeout(self.idle_seconds):
                    message = await messages.__anext__()
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise AbortedError(
                    f"nothing arrived for {self.idle_seconds:g} s; the upload was closed, send it again",
                    reason="UPLOAD_IDLE",
                    idle_seconds=f"{self.idle_seconds:g}",
                ) from None
            if message.HasField("metadata"):
                if metadata is not None or spool.size:
                    raise InvalidArgumentError("metadata must come once, first", reason="METADATA_NOT_FIRST")
                metadata = message.metadata
                continue
            if metadata is None:
                raise InvalidArgumentError("the first message must carry metadata", reason="METADATA_NOT_FIRST")
            if len(message.chunk) > MAX_CHUNK_BYTES:
                raise ResourceExhaustedError(
                    f"a chunk may hold at most {MAX_CHUNK_BYTES} bytes",
                    reason="CHUNK_TOO_LARGE",
                    limit_bytes=str(MAX_CHUNK_BYTES),
                )
            if spool.size + len(message.chunk) > self.max_bytes:
                raise DocumentTooLargeError(
                    f"the document exceeds {self.max_bytes} bytes", limit_bytes=str(self.max_bytes)
                )
            spool.write(message.chunk)
        if metadata is None:
            raise InvalidArgumentError("the upload is empty", reason="METADATA_NOT_FIRST")
        return metadata

    def _ingest(
        self,
        spool: Spool,
        metadata: pb.UploadMetadata,
        *,
        tenant: str,
        deadline: float | None,
        abandoned: threading.Event,
    ) -> DocumentRecord:
        """Parses and stores a received upload (in a worker thread, holding a parse slot).

        It runs to its end even when the call is cancelled (a thread cannot be stopped), so it
        checks between steps whether anyone still waits, and the parse's wall clock is cut to
        the call's deadline: the work stops instead of storing a document nobody was told of.
        """
        try:
            _check_deadline(deadline, abandoned)
            # The one time the upload is in memory: the sandbox takes it as bytes. At most
            # max_bytes, and at most MAX_PARALLEL_PARSES of them at once.
            data = spool.read_all()
            options: dict[str, Any] = {}
            if self.limits is not None:
                wall = self.limits.wall_seconds
                if deadline is not None:
                    wall = max(0.01, min(wall, deadline - time.monotonic()))
                options["limits"] = dataclasses.replace(self.limits, wall_seconds=wall)
            # ``parse`` is ``pdf_parse.parse_upload`` with limits bound: it dispatches on the
            # content type (PDF or e-invoice XML) and refuses any other.
            with step("parse", tenant=tenant):
                parsed = self.parse(data, content_type=metadata.content_type, filename=metadata.filename, **options)
            _check_deadline(deadline, abandoned)
            record = self.store.create(
                tenant_id=tenant,
                request_id=metadata.request_id,
                filename=metadata.filename,
                external_id=metadata.external_id,
                data=data,
                parsed=parsed,
            )
            annotate(document=record.id)
            return record
        finally:
            spool.discard()

    async def _progress(self, document_ids: list[str]) -> dict[str, Progress]:
        """Queue positions and estimates of these documents (none when the servicer has no reader)."""
        if self.progress is None or not document_ids:
            return {}
        return await asyncio.to_thread(self.progress.of, document_ids)

    def _parse_done(self, future: asyncio.Future[Any]) -> None:
        self._parsing.release()
        if not future.cancelled():
            future.exception()  # retrieved here when the call was cancelled and nobody awaits it

    async def GetDocument(
        self, request: pb.GetDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDocumentResponse:
        document_id = parse_name(request.name, collection="documents")
        record, extraction, checks, route = await asyncio.to_thread(
            self.store.get, tenant_id=caller().tenant_id, document_id=document_id
        )
        progress = await self._progress([record.id])
        response = pb.GetDocumentResponse(document=document_to_pb(record, progress.get(record.id)))
        if extraction is not None:
            response.extraction.CopyFrom(
                extraction_to_pb(
                    document_id,
                    Extraction.model_validate(extraction),
                    [CheckResult.model_validate(c) for c in checks],
                )
            )
        if route is not None:
            response.route.CopyFrom(route_to_pb(document_id, Route.model_validate(route)))
        return response

    async def ListDocuments(
        self, request: pb.ListDocumentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDocumentsResponse:
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        records, more = await asyncio.to_thread(
            self.store.list, tenant_id=caller().tenant_id, page_size=size, offset=offset, where=filter_from_pb(request)
        )
        progress = await self._progress([r.id for r in records])
        return pb.ListDocumentsResponse(
            documents=[document_to_pb(r, progress.get(r.id)) for r in records],
            next_page_token=paging.encode_token(offset + size) if more else "",
        )

    async def WatchDocuments(
        self, request: pb.WatchDocumentsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchDocumentsResponse]:
        tenant = caller().tenant_id
        document_id = parse_name(request.name, collection="documents") if request.name else None
        if document_id:  # fail fast with NOT_FOUND rather than watching nothing forever
            await asyncio.to_thread(self.store.get, tenant_id=tenant, document_id=document_id)
        cursor = request.after_event_id
        if cursor == 0 and not document_id:
            cursor = await asyncio.to_thread(self.store.last_event_id, tenant_id=tenant)
        while True:
            events = await asyncio.to_thread(
                self.store.events_after, tenant_id=tenant, after_id=cursor, document_id=document_id
            )
            # Positions and estimates are as of now, like the rest of the document in an event.
            progress = await self._progress([event.document.id for event in events])
            for event in events:
                cursor = event.event_id
                yield pb.WatchDocumentsResponse(
                    event_id=event.event_id, document=document_to_pb(event.document, progress.get(event.document.id))
                )
            if not events:
                await asyncio.sleep(WATCH_POLL_SECONDS)

    async def ExportDocument(
        self, request: pb.ExportDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportDocumentResponse:
        document_id = parse_name(request.name, collection="documents")
        require(request.request_id, field="request_id")
        render, content_type = EXPORT_FORMATS.get(request.format, (None, None))
        if content_type is None:
            raise InvalidArgumentError(
                f"unknown export format {request.format}", reason="INVALID_FIELD", field="format"
            )
        record, invoice, content = await asyncio.to_thread(
            self.store.export,
            tenant_id=caller().tenant_id,
            document_id=document_id,
            request_id=request.request_id,
            render=render,
        )
        message = approved_invoice_to_pb(invoice)
        if request.format == pb.EXPORT_FORMAT_JSON:
            content = json_format.MessageToJson(message, preserving_proto_field_name=True).encode()
        return pb.ExportDocumentResponse(
            document=document_to_pb(record), content=content, content_type=content_type, invoice=message
        )

    async def ListApprovedInvoices(
        self, request: pb.ListApprovedInvoicesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListApprovedInvoicesResponse:
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        invoices, more = await asyncio.to_thread(
            list_approved,
            self.store.db,
            tenant_id=caller().tenant_id,
            date_field=date_field_from_pb(request.date_field),
            date_from=parse_day(request.date_from, field="date_from"),
            date_to=parse_day(request.date_to, field="date_to"),
            page_size=size,
            offset=offset,
        )
        return pb.ListApprovedInvoicesResponse(
            invoices=[approved_invoice_to_pb(invoice) for invoice in invoices],
            next_page_token=paging.encode_token(offset + size) if more else "",
        )


def registration(servicer: IngestServicer) -> tuple[Any, Any, str]:
    return (
        pb_grpc.add_IngestServiceServicer_to_server,
        servicer,
        pb.DESCRIPTOR.services_by_name["IngestService"].full_name,
    )
