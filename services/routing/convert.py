"""Routing domain ⇄ protobuf."""

from __future__ import annotations

from docai.schemas.routing import Route
from docai.services.pb.routing.v1 import routing_service_pb2 as pb


def route_to_pb(document_id: str, route: Route) -> pb.Route:
    return pb.Route(
        name=f"documents/{document_id}/route",
        department=route.department,
        cost_centre=route.cost_centre,
        approver=route.approver,
        confidence=route.confidence,
        reasons=route.reasons,
        covered=route.covered,
    )
