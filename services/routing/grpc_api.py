"""RoutingService over gRPC."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from docai.services.common.names import parse_name, require
from docai.services.common.server import caller
from docai.services.pb.routing.v1 import routing_service_pb2 as pb
from docai.services.pb.routing.v1 import routing_service_pb2_grpc as pb_grpc
from docai.services.routing.convert import route_to_pb
from docai.services.routing.service import RoutingService


class RoutingServicer(pb_grpc.RoutingServiceServicer):
    def __init__(self, *, service: RoutingService) -> None:
        self.service = service

    async def RouteDocument(
        self, request: pb.RouteDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.RouteDocumentResponse:
        document_id = parse_name(request.name, collection="documents")
        require(request.request_id, field="request_id")
        route = await asyncio.to_thread(
            self.service.reroute, tenant_id=caller().tenant_id, document_id=document_id, request_id=request.request_id
        )
        return pb.RouteDocumentResponse(route=route_to_pb(document_id, route))

    async def GetRoute(self, request: pb.GetRouteRequest, context: grpc.aio.ServicerContext) -> pb.GetRouteResponse:
        document_id = parse_name(request.name, collection="documents", suffix="/route")
        route = await asyncio.to_thread(self.service.current, tenant_id=caller().tenant_id, document_id=document_id)
        return pb.GetRouteResponse(route=route_to_pb(document_id, route))


def registration(servicer: RoutingServicer) -> tuple[Any, Any, str]:
    return (
        pb_grpc.add_RoutingServiceServicer_to_server,
        servicer,
        pb.DESCRIPTOR.services_by_name["RoutingService"].full_name,
    )
