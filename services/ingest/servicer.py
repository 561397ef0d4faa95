"""IngestService: uploads, lookups and the watch stream. Translation only; the work is in the domain."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from docai.schemas.checks import CheckResult
from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.schemas.routing import Route
from docai.services.common import paging
from docai.services.common.errors import DocumentTooLargeError, InvalidArgumentError
from docai.services.common.names import parse_name, require
from docai.services.common.server import caller
from docai.services.einvoice.export import to_cii
from docai.services.extraction.convert import extraction_to_pb
from docai.services.ingest.convert import document_to_pb, state_from_pb
from docai.services.ingest.documents import DocumentStore
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as pb_grpc
from docai.services.routing.convert import route_to_pb

WATCH_POLL_SECONDS = 0.25
# What ExportDocument can hand over besides the Document message: (writer, media type).
EXPORT_FORMATS: dict[int, tuple[Callable[[Extraction], bytes] | None, str]] = {
    pb.EXPORT_FORMAT_UNSPECIFIED: (None, ""),
    pb.EXPORT_FORMAT_CII_XML: (to_cii, "application/xml"),
}
# Each parse may use up to its memory limit (1 GiB by default): bound how many run at once.
MAX_PARALLEL_PARSES = 2


class IngestServicer(pb_grpc.IngestServiceServicer):
    def __init__(
        self,
        *,
        store: DocumentStore,
        parse: Callable[..., ParsedDocument],
        max_bytes: int,
        on_upload: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.parse = parse
        self.max_bytes = max_bytes
        self.on_upload = on_upload
        self._parsing = asyncio.Semaphore(MAX_PARALLEL_PARSES)

    async def UploadDocument(
        self, request_iterator: AsyncIterator[pb.UploadDocumentRequest], context: grpc.aio.ServicerContext
    ) -> pb.UploadDocumentResponse:
        tenant = caller().tenant_id
        metadata: pb.UploadMetadata | None = None
        chunks: list[bytes] = []
        size = 0
        async for message in request_iterator:
            if message.HasField("metadata"):
                if metadata is not None or chunks:
                    raise InvalidArgumentError("metadata must come once, first", reason="METADATA_NOT_FIRST")
                metadata = message.metadata
            else:
                if metadata is None:
                    raise InvalidArgumentError(
                        "the first message must carry metadata", reason="METADATA_NOT_FIRST"
                    )
                size += len(message.chunk)
                if size > self.max_bytes:
                    raise DocumentTooLargeError(
                        f"the document exceeds {self.max_bytes} bytes", limit_bytes=str(self.max_bytes)
                    )
                chunks.append(message.chunk)
        if metadata is None:
            raise InvalidArgumentError("the upload is empty", reason="METADATA_NOT_FIRST")
        require(metadata.request_id, field="request_id")
        require(metadata.filename, field="filename")
        data = b"".join(chunks)
        async with self._parsing:
            # ``parse`` is ``pdf_parse.parse_upload`` with limits bound: it dispatches on the
            # content type (PDF or e-invoice XML) and refuses any other.
            parsed = await asyncio.to_thread(
                self.parse, data, content_type=metadata.content_type, filename=metadata.filename
            )
        record = await asyncio.to_thread(
            self.store.create,
            tenant_id=tenant,
            request_id=metadata.request_id,
            filename=metadata.filename,
            external_id=metadata.external_id,
            data=data,
            parsed=parsed,
        )
        self.on_upload()
        return pb.UploadDocumentResponse(document=document_to_pb(record))

    async def GetDocument(
        self, request: pb.GetDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDocumentResponse:
        document_id = parse_name(request.name, collection="documents")
        record, extraction, checks, route = await asyncio.to_thread(
            self.store.get, tenant_id=caller().tenant_id, document_id=document_id
        )
        response = pb.GetDocumentResponse(document=document_to_pb(record))
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
        state = state_from_pb(request.state) if request.state else None
        records, more = await asyncio.to_thread(
            self.store.list, tenant_id=caller().tenant_id, page_size=size, offset=offset, state=state
        )
        return pb.ListDocumentsResponse(
            documents=[document_to_pb(r) for r in records],
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
            for event in events:
                cursor = event.event_id
                yield pb.WatchDocumentsResponse(
                    event_id=event.event_id, document=document_to_pb(event.document)
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
            raise InvalidArgumentError(f"unknown export format {request.format}", reason="INVALID_FIELD", field="format")
        record, content = await asyncio.to_thread(
            self.store.export,
            tenant_id=caller().tenant_id,
            document_id=document_id,
            request_id=request.request_id,
            render=render,
        )
        return pb.ExportDocumentResponse(document=document_to_pb(record), content=content, content_type=content_type)


def registration(servicer: IngestServicer) -> tuple[Any, Any, str]:
    return (
        pb_grpc.add_IngestServiceServicer_to_server,
        servicer,
        pb.DESCRIPTOR.services_by_name["IngestService"].full_name,
    )
