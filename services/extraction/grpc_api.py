"""ExtractionService over gRPC."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from docai.services.common.names import parse_name, require
from docai.services.common.server import caller
from docai.services.extraction.convert import extraction_to_pb
from docai.services.extraction.service import ExtractionService
from docai.services.pb.extraction.v1 import extraction_service_pb2 as pb
from docai.services.pb.extraction.v1 import extraction_service_pb2_grpc as pb_grpc


class ExtractionServicer(pb_grpc.ExtractionServiceServicer):
    def __init__(self, *, service: ExtractionService) -> None:
        self.service = service

    async def ExtractDocument(
        self, request: pb.ExtractDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExtractDocumentResponse:
        document_id = parse_name(request.name, collection="documents")
        require(request.request_id, field="request_id")
        extraction, checks = await asyncio.to_thread(
            self.service.rerun,
            tenant_id=caller().tenant_id,
            document_id=document_id,
            adapter=request.adapter,
            request_id=request.request_id,
        )
        return pb.ExtractDocumentResponse(extraction=extraction_to_pb(document_id, extraction, checks))

    async def GetExtraction(
        self, request: pb.GetExtractionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetExtractionResponse:
        document_id = parse_name(request.name, collection="documents", suffix="/extraction")
        extraction, checks = await asyncio.to_thread(
            self.service.current, tenant_id=caller().tenant_id, document_id=document_id
        )
        return pb.GetExtractionResponse(extraction=extraction_to_pb(document_id, extraction, checks))


def registration(servicer: ExtractionServicer) -> tuple[Any, Any, str]:
    return (
        pb_grpc.add_ExtractionServiceServicer_to_server,
        servicer,
        pb.DESCRIPTOR.services_by_name["ExtractionService"].full_name,
    )
