"""ReviewService over gRPC."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from docai.services.common import paging
from docai.services.common.access import require_role
from docai.services.common.names import parse_name, require
from docai.services.common.server import caller
from docai.services.common.tenants import Caller
from docai.services.extraction.convert import extraction_to_pb
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as pb_grpc
from docai.services.pipeline.progress import ProgressReader
from docai.services.review.convert import (
    audit_to_pb,
    corrections_from_pb,
    route_options_to_pb,
    state_from_pb,
    task_to_pb,
)
from docai.services.review.pages import PageRenderer
from docai.services.review.queue import ReviewQueue
from docai.services.review.route_options import route_choices
from docai.services.routing.convert import route_to_pb
from docai.services.routing.policy import RoutingPolicy
from docai.services.vendors.grpc_api import match_to_pb
from docai.services.vendors.resolve import resolve_extraction


def _reader() -> Caller:
    """Anyone of the tenant may read its review tasks, audit trail and pages (ERP systems included)."""
    return caller()


def _person(role: str, action: str) -> Caller:
    """The authenticated person acting, with at least ``role`` (PERMISSION_DENIED ``ROLE_REQUIRED`` otherwise).

    The actor recorded in leases, the audit trail and the four-eyes check is the credential's
    person (a person token, or the one the review page signed in), never a name the client chose.
    """
    return require_role(role, action=action)


class ReviewServicer(pb_grpc.ReviewServiceServicer):
    def __init__(
        self,
        *,
        queue: ReviewQueue,
        pages: PageRenderer,
        progress: ProgressReader | None = None,
        policy: RoutingPolicy | None = None,
    ) -> None:
        self.queue = queue
        self.pages = pages
        self.progress = progress
        self.policy = policy  # the routing policy whose departments a reviewer picks from

    async def ListReviewTasks(
        self, request: pb.ListReviewTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListReviewTasksResponse:
        size = paging.page_size(request.page_size)
        offset = paging.decode_token(request.page_token)
        tasks, total = await asyncio.to_thread(
            self.queue.list,
            tenant_id=_reader().tenant_id,
            state=state_from_pb(request.state),
            reason_code=request.reason_code,
            vendor_contains=request.vendor_contains,
            order_by=request.order_by,
            bank_details_unconfirmed=request.bank_details_unconfirmed,
            page_size=size,
            offset=offset,
        )
        more = offset + size < total
        return pb.ListReviewTasksResponse(
            review_tasks=[task_to_pb(t) for t in tasks],
            next_page_token=paging.encode_token(offset + size) if more else "",
            total_size=total,
        )

    async def GetReviewTask(
        self, request: pb.GetReviewTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetReviewTaskResponse:
        task_id = parse_name(request.name, collection="reviewTasks")
        task, extraction, checks, route = await asyncio.to_thread(
            self.queue.get, tenant_id=_reader().tenant_id, task_id=task_id
        )
        response = pb.GetReviewTaskResponse(
            review_task=task_to_pb(task), extraction=extraction_to_pb(task.document_id, extraction, checks)
        )
        if route is not None:
            response.route.CopyFrom(route_to_pb(task.document_id, route))
        if self.policy is not None:
            response.route_options.CopyFrom(route_options_to_pb(route_choices(self.policy, extraction)))
        # The vendor master's record beside the invoice (its IBAN masked): resolved now, from the current fields.
        vendor = await asyncio.to_thread(resolve_extraction, self.queue.db, _reader().tenant_id, extraction)
        response.vendor_match.CopyFrom(match_to_pb(vendor, mask=True))
        return response

    async def ClaimReviewTask(
        self, request: pb.ClaimReviewTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.ClaimReviewTaskResponse:
        me = _person("reviewer", "claim a review task")
        task_id = parse_name(request.name, collection="reviewTasks") if request.name else ""
        task = await asyncio.to_thread(
            self.queue.claim,
            tenant_id=me.tenant_id,
            actor=me.actor,
            task_id=task_id,
            lease_seconds=request.lease_seconds,
        )
        return pb.ClaimReviewTaskResponse(review_task=task_to_pb(task))

    async def ReleaseReviewTask(
        self, request: pb.ReleaseReviewTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReleaseReviewTaskResponse:
        me = _person("reviewer", "release a review task")
        task_id = parse_name(request.name, collection="reviewTasks")
        task = await asyncio.to_thread(self.queue.release, tenant_id=me.tenant_id, actor=me.actor, task_id=task_id)
        return pb.ReleaseReviewTaskResponse(review_task=task_to_pb(task))

    async def SubmitCorrections(
        self, request: pb.SubmitCorrectionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitCorrectionsResponse:
        me = _person("reviewer", "correct an invoice")
        task_id = parse_name(request.name, collection="reviewTasks")
        require(request.request_id, field="request_id")
        task, extraction, checks = await asyncio.to_thread(
            self.queue.correct,
            tenant_id=me.tenant_id,
            actor=me.actor,
            task_id=task_id,
            etag=request.etag,
            corrections=corrections_from_pb(request),
            request_id=request.request_id,
        )
        return pb.SubmitCorrectionsResponse(
            review_task=task_to_pb(task), extraction=extraction_to_pb(task.document_id, extraction, checks)
        )

    async def ApproveReviewTask(
        self, request: pb.ApproveReviewTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.ApproveReviewTaskResponse:
        me = _person("approver", "approve an invoice")
        task_id = parse_name(request.name, collection="reviewTasks")
        require(request.request_id, field="request_id")
        task = await asyncio.to_thread(
            self.queue.approve,
            tenant_id=me.tenant_id,
            actor=me.actor,
            task_id=task_id,
            etag=request.etag,
            request_id=request.request_id,
        )
        return pb.ApproveReviewTaskResponse(review_task=task_to_pb(task))

    async def RejectReviewTask(
        self, request: pb.RejectReviewTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.RejectReviewTaskResponse:
        me = _person("approver", "reject an invoice")
        task_id = parse_name(request.name, collection="reviewTasks")
        require(request.request_id, field="request_id")
        task = await asyncio.to_thread(
            self.queue.reject,
            tenant_id=me.tenant_id,
            actor=me.actor,
            task_id=task_id,
            etag=request.etag,
            reason=request.reason,
            request_id=request.request_id,
        )
        return pb.RejectReviewTaskResponse(review_task=task_to_pb(task))

    async def ConfirmBankDetails(
        self, request: pb.ConfirmBankDetailsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfirmBankDetailsResponse:
        me = _person("approver", "confirm changed bank details")
        task_id = parse_name(request.name, collection="reviewTasks")
        require(request.request_id, field="request_id")
        task = await asyncio.to_thread(
            self.queue.confirm_bank_details,
            tenant_id=me.tenant_id,
            actor=me.actor,
            task_id=task_id,
            request_id=request.request_id,
        )
        return pb.ConfirmBankDetailsResponse(review_task=task_to_pb(task))

    async def ReopenDocument(
        self, request: pb.ReopenDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReopenDocumentResponse:
        me = _person("approver", "re-open an approved invoice")
        document_id = parse_name(request.name, collection="documents")
        require(request.request_id, field="request_id")
        task = await asyncio.to_thread(
            self.queue.reopen,
            tenant_id=me.tenant_id,
            actor=me.actor,
            document_id=document_id,
            reason=request.reason[:2000],
            request_id=request.request_id,
        )
        return pb.ReopenDocumentResponse(review_task=task_to_pb(task))

    async def ListAuditEntries(
        self, request: pb.ListAuditEntriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAuditEntriesResponse:
        document_id = parse_name(request.parent, collection="documents")
        entries = await asyncio.to_thread(self.queue.audit, tenant_id=_reader().tenant_id, document_id=document_id)
        return pb.ListAuditEntriesResponse(audit_entries=[audit_to_pb(e) for e in entries])

    async def RenderPage(
        self, request: pb.RenderPageRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenderPageResponse:
        document_id = parse_name(request.document, collection="documents")
        rendered = await asyncio.to_thread(
            self.pages.render,
            tenant_id=_reader().tenant_id,
            document_id=document_id,
            page=request.page or 1,
            dpi=request.dpi,
        )
        return pb.RenderPageResponse(
            png=rendered.png,
            width_points=rendered.width,
            height_points=rendered.height,
            page_count=rendered.page_count,
            words=[pb.PageWord(text=w.text, bbox=[w.x0, w.top, w.x1, w.bottom]) for w in rendered.words],
        )

    async def GetPipelineStatus(
        self, request: pb.GetPipelineStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPipelineStatusResponse:
        tenant = _reader().tenant_id
        if self.progress is None:
            return pb.GetPipelineStatusResponse()
        status = await asyncio.to_thread(self.progress.status, tenant_id=tenant)
        return pb.GetPipelineStatusResponse(
            processing_count=status.processing, estimated_seconds=round(status.estimated_seconds, 1)
        )


def registration(servicer: ReviewServicer) -> tuple[Any, Any, str]:
    return (
        pb_grpc.add_ReviewServiceServicer_to_server,
        servicer,
        pb.DESCRIPTOR.services_by_name["ReviewService"].full_name,
    )
