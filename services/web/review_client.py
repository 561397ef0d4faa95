"""The review page's side of the ReviewService: one grpc.aio channel, per-user call metadata.

The page holds a service-scope token; every call names the signed-in user's tenant
(``x-docai-tenant``) so the server scopes the data, and the user (``x-docai-actor``) so the
audit log records the person. gRPC failures become :class:`ReviewCallError` with the
ErrorInfo reason and metadata (for example the ``holder`` of a lease).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from google.rpc import error_details_pb2, status_pb2

from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as pb_grpc
from docai.services.web.users import User

_R = TypeVar("_R")
_S = TypeVar("_S")

_STATUS_KEY = "grpc-status-details-bin"
TIMEOUT_S = 20.0


@dataclass
class ReviewCallError(Exception):
    """A failed ReviewService call, with its status code and ErrorInfo reason."""

    code: grpc.StatusCode
    reason: str
    message: str
    metadata: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason}: {self.message}"


def _error_from(exc: grpc.aio.AioRpcError) -> ReviewCallError:
    reason, metadata = "", {}
    for key, value in exc.trailing_metadata() or ():
        if key == _STATUS_KEY and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    reason, metadata = info.reason, dict(info.metadata)
    return ReviewCallError(code=exc.code(), reason=reason, message=exc.details() or "", metadata=metadata)


def request_id(candidate: str | None = None) -> str:
    """The browser's idempotency key when it is sane, else a fresh one."""
    if candidate and 8 <= len(candidate) <= 64 and all(c.isalnum() or c == "-" for c in candidate):
        return candidate
    return uuid.uuid4().hex


class ReviewClient:
    """Async calls to the ReviewService on behalf of one signed-in user at a time."""

    def __init__(self, *, address: str, service_token: str) -> None:
        self._channel = grpc.aio.insecure_channel(
            address, options=[("grpc.max_receive_message_length", 16 * 1024 * 1024)]
        )
        self._stub = pb_grpc.ReviewServiceStub(self._channel)
        self._token = service_token

    async def close(self) -> None:
        await self._channel.close()

    def _metadata(self, user: User) -> tuple[tuple[str, str], ...]:
        return (
            ("authorization", f"Bearer {self._token}"),
            ("x-docai-tenant", user.tenant),
            ("x-docai-actor", user.username),
            ("x-docai-role", user.role),
        )

    def stub(self, stub_class: Callable[[grpc.aio.Channel], _S]) -> _S:
        """Another service's stub on this client's channel (one channel per page process)."""
        return stub_class(self._channel)

    async def call(self, stub: Any, method: str, request: Any, user: User, returns: type[_R]) -> _R:
        """Calls ``stub``'s unary RPC ``method`` for ``user``; `returns` names its response type (the
        generated stubs are untyped). A failure raises :class:`ReviewCallError`."""
        try:
            response: _R = await getattr(stub, method)(request, metadata=self._metadata(user), timeout=TIMEOUT_S)
            return response
        except grpc.aio.AioRpcError as exc:
            raise _error_from(exc) from None

    async def _call(self, method: str, request: Any, user: User, returns: type[_R]) -> _R:
        return await self.call(self._stub, method, request, user, returns)

    async def reopen(self, user: User, doc_id: str, *, reason: str, request_id: str) -> pb.ReviewTask:
        request = pb.ReopenDocumentRequest(name=f"documents/{doc_id}", reason=reason, request_id=request_id)
        return (await self._call("ReopenDocument", request, user, pb.ReopenDocumentResponse)).review_task

    async def list_tasks(
        self,
        user: User,
        *,
        reason_code: str = "",
        vendor: str = "",
        order_by: str = "",
        page_token: str = "",
        page_size: int = 50,
    ) -> pb.ListReviewTasksResponse:
        request = pb.ListReviewTasksRequest(
            page_size=page_size,
            page_token=page_token,
            reason_code=reason_code,
            vendor_contains=vendor,
            order_by=order_by,
        )
        return await self._call("ListReviewTasks", request, user, pb.ListReviewTasksResponse)

    async def list_open(self, user: User) -> list[pb.ReviewTask]:
        request = pb.ListReviewTasksRequest(page_size=200, state=pb.REVIEW_TASK_STATE_OPEN)
        return list((await self._call("ListReviewTasks", request, user, pb.ListReviewTasksResponse)).review_tasks)

    async def get(self, user: User, task_id: str) -> pb.GetReviewTaskResponse:
        return await self._call(
            "GetReviewTask", pb.GetReviewTaskRequest(name=f"reviewTasks/{task_id}"), user, pb.GetReviewTaskResponse
        )

    async def claim(self, user: User, task_id: str = "") -> pb.ReviewTask:
        name = f"reviewTasks/{task_id}" if task_id else ""
        return (
            await self._call("ClaimReviewTask", pb.ClaimReviewTaskRequest(name=name), user, pb.ClaimReviewTaskResponse)
        ).review_task

    async def release(self, user: User, task_id: str) -> pb.ReviewTask:
        request = pb.ReleaseReviewTaskRequest(name=f"reviewTasks/{task_id}")
        return (await self._call("ReleaseReviewTask", request, user, pb.ReleaseReviewTaskResponse)).review_task

    async def correct(
        self,
        user: User,
        task_id: str,
        *,
        etag: str,
        fields: dict[str, str],
        line_items: list[dict[str, str]] | None,
        route: dict[str, str] | None,
        request_id: str,
        tax_details: list[dict[str, str]] | None = None,
    ) -> pb.SubmitCorrectionsResponse:
        request = pb.SubmitCorrectionsRequest(
            name=f"reviewTasks/{task_id}",
            etag=etag,
            fields=[pb.FieldCorrection(name=k, value=v) for k, v in fields.items()],
            request_id=request_id,
        )
        if line_items is not None:
            request.replace_line_items = True
            for row in line_items:
                item = request.line_items.add()
                for key, value in row.items():
                    item.fields.add(name=key, value=value)
        if tax_details is not None:
            request.replace_tax_details = True
            for row in tax_details:
                tax = request.tax_details.add()
                for key, value in row.items():
                    tax.fields.add(name=key, value=value)
        if route is not None:
            request.route.CopyFrom(pb.RouteCorrection(**route))
        return await self._call("SubmitCorrections", request, user, pb.SubmitCorrectionsResponse)

    async def approve(self, user: User, task_id: str, *, etag: str, request_id: str) -> pb.ReviewTask:
        request = pb.ApproveReviewTaskRequest(name=f"reviewTasks/{task_id}", etag=etag, request_id=request_id)
        return (await self._call("ApproveReviewTask", request, user, pb.ApproveReviewTaskResponse)).review_task

    async def reject(self, user: User, task_id: str, *, etag: str, reason: str, request_id: str) -> pb.ReviewTask:
        request = pb.RejectReviewTaskRequest(
            name=f"reviewTasks/{task_id}", etag=etag, reason=reason, request_id=request_id
        )
        return (await self._call("RejectReviewTask", request, user, pb.RejectReviewTaskResponse)).review_task

    async def bank_details_unconfirmed(self, user: User) -> list[pb.ReviewTask]:
        """Approved invoices whose changed bank details wait for a second person."""
        request = pb.ListReviewTasksRequest(page_size=50, bank_details_unconfirmed=True)
        return list((await self._call("ListReviewTasks", request, user, pb.ListReviewTasksResponse)).review_tasks)

    async def confirm_bank_details(self, user: User, task_id: str, *, request_id: str) -> pb.ReviewTask:
        request = pb.ConfirmBankDetailsRequest(name=f"reviewTasks/{task_id}", request_id=request_id)
        return (await self._call("ConfirmBankDetails", request, user, pb.ConfirmBankDetailsResponse)).review_task

    async def audit(self, user: User, document: str) -> list[pb.AuditEntry]:
        request = pb.ListAuditEntriesRequest(parent=document)
        return list((await self._call("ListAuditEntries", request, user, pb.ListAuditEntriesResponse)).audit_entries)

    async def pipeline_status(self, user: User) -> pb.GetPipelineStatusResponse:
        """The user's tenant's documents still in processing, and about how long until they are done."""
        return await self._call("GetPipelineStatus", pb.GetPipelineStatusRequest(), user, pb.GetPipelineStatusResponse)

    async def render(self, user: User, document: str, page: int, dpi: int) -> pb.RenderPageResponse:
        request = pb.RenderPageRequest(document=document, page=page, dpi=dpi)
        return await self._call("RenderPage", request, user, pb.RenderPageResponse)
