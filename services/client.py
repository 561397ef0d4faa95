"""A small Python client for ERP integrations (and the suite's own seeding and tests)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import grpc

from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc

CHUNK = 256 * 1024


class DocaiClient:
    """Blocking client: `with DocaiClient("localhost:50051", token) as c: c.upload(Path("inv.pdf"))`.

    Who calls is what ``token`` says (an ERP system's token, or a person's); no header names anyone else.
    """

    def __init__(self, address: str, token: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {token}"),)
        self.ingest = ingest_grpc.IngestServiceStub(self.channel)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.channel.close()

    def upload(
        self, data: bytes | Path, *, filename: str = "", request_id: str = "", external_id: str = ""
    ) -> ingest_pb.Document:
        if isinstance(data, Path):
            filename = filename or data.name
            data = data.read_bytes()

        def parts() -> Iterator[ingest_pb.UploadDocumentRequest]:
            yield ingest_pb.UploadDocumentRequest(
                metadata=ingest_pb.UploadMetadata(
                    request_id=request_id or uuid.uuid4().hex,
                    filename=filename or "document.pdf",
                    external_id=external_id,
                    content_type="application/pdf",
                )
            )
            for start in range(0, len(data), CHUNK):
                yield ingest_pb.UploadDocumentRequest(chunk=data[start : start + CHUNK])

        response: ingest_pb.UploadDocumentResponse = self.ingest.UploadDocument(parts(), metadata=self.metadata)
        return response.document

    def get(self, name: str) -> ingest_pb.GetDocumentResponse:
        response: ingest_pb.GetDocumentResponse = self.ingest.GetDocument(
            ingest_pb.GetDocumentRequest(name=name), metadata=self.metadata
        )
        return response

    def watch(self, name: str = "", *, after_event_id: int = 0) -> Iterator[ingest_pb.WatchDocumentsResponse]:
        stream: Iterator[ingest_pb.WatchDocumentsResponse] = self.ingest.WatchDocuments(
            ingest_pb.WatchDocumentsRequest(name=name, after_event_id=after_event_id), metadata=self.metadata
        )
        return stream
