"""Routing on demand: route a stored document again with the current policy."""

from __future__ import annotations

import hashlib

from docai.schemas.parsed import ParsedDocument
from docai.schemas.routing import Route
from docai.services.common import idempotency
from docai.services.common.errors import FailedPreconditionError
from docai.services.documents import store
from docai.services.routing.policy import RoutingPolicy
from docai.services.storage.database import Database
from docai.services.vendors.resolve import master_route, resolve


class RoutingService:
    def __init__(self, *, db: Database, policy: RoutingPolicy) -> None:
        self.db = db
        self.policy = policy

    def current(self, *, tenant_id: str, document_id: str) -> Route:
        with self.db.transaction() as session:
            route = store.route_of(store.load(session, tenant_id=tenant_id, document_id=document_id))
            if route is None:
                raise FailedPreconditionError("the document has not been routed yet", reason="NOT_ROUTED")
            return route

    def reroute(self, *, tenant_id: str, document_id: str, request_id: str) -> Route:
        key = {
            "tenant_id": tenant_id,
            "method": "RouteDocument",
            "request_id": request_id,
            "fingerprint": hashlib.sha256(document_id.encode()).hexdigest(),
        }
        with self.db.transaction() as session:
            row = store.load(session, tenant_id=tenant_id, document_id=document_id)
            if idempotency.recall(session, **key) is not None:
                return Route.model_validate(row.route)
            if row.extraction is None:
                raise FailedPreconditionError("the document has not been extracted yet", reason="NOT_EXTRACTED")
            text = ParsedDocument.model_validate(row.parsed).text if row.parsed else ""
            extraction = store.extraction_of(row)
            route = self.policy.route(extraction, text=text)
            # An uncovered route is filled from the vendor master's default route, as the pipeline does.
            vendor = resolve(
                session,
                tenant_id,
                name=extraction.value("vendor_name") or "",
                tax_id=extraction.value("vendor_tax_id") or "",
                iban=extraction.value("iban") or "",
            )
            route = master_route(route, vendor, policy=self.policy, extraction=extraction)
            old = row.route or {}
            store.set_route(row, route)
            store.audit(
                session,
                row,
                actor="system",
                action="rerouted",
                old_value=str(old.get("department", "")),
                new_value=route.department,
            )
            idempotency.remember(session, **key, resource=document_id)
            return route
