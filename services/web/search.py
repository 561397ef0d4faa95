"""The review page's archive: search every processed invoice, see its history, re-open an approved
one (approvers), and download the approved invoices of a date range as CSV.

Routes (added to the app by :func:`routes`):

==================================  ==========================================================
``GET /search``                     filters (vendor, number, amount, invoice date or upload day
                                    range, state) and the matching documents, newest first
``GET /search/export.csv``          the approved invoices of the range as CSV
                                    (``docai.services.ingest.csv_export``); marks nothing exported
``GET /documents/{doc_id}``         one document: what it says, its route, its history
``POST /documents/{doc_id}/reopen`` re-open an approved invoice with a reason (approvers)
==================================  ==========================================================

The page holds no data of its own: it calls IngestService.ListDocuments / GetDocument /
ListApprovedInvoices and ReviewService.ReopenDocument with the signed-in user's tenant, name and
role, over the review client's channel, so the server checks the role again.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import grpc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from docai.schemas.archive import ApprovedInvoice
from docai.services.ingest.convert import approved_invoice_from_pb
from docai.services.ingest.csv_export import MEDIA_TYPE, write_invoices
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc
from docai.services.web import views
from docai.services.web.errors import friendly
from docai.services.web.review_client import ReviewCallError, ReviewClient, request_id
from docai.services.web.security import csrf_protected
from docai.services.web.users import User

_R = TypeVar("_R")

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STATES: dict[str, ingest_pb.DocumentState] = {
    "": ingest_pb.DOCUMENT_STATE_UNSPECIFIED,
    "in_review": ingest_pb.DOCUMENT_STATE_IN_REVIEW,
    "approved": ingest_pb.DOCUMENT_STATE_APPROVED,
    "exported": ingest_pb.DOCUMENT_STATE_EXPORTED,
    "rejected": ingest_pb.DOCUMENT_STATE_REJECTED,
    "failed": ingest_pb.DOCUMENT_STATE_FAILED,
}
STATE_LABELS = {
    "": "Any state",
    "in_review": "In review",
    "approved": "Approved",
    "exported": "Exported",
    "rejected": "Rejected",
    "failed": "Failed",
}
DATE_FIELDS = {"invoice": ingest_pb.DATE_FIELD_INVOICE_DATE, "upload": ingest_pb.DATE_FIELD_UPLOAD_DATE}
# The CSV download reads at most this many invoices (pages of 500); a longer range: `docai export`.
MAX_CSV_INVOICES = 20_000
_STATE_NAMES = {
    value: ingest_pb.DocumentState.Name(value).removeprefix("DOCUMENT_STATE_").lower()
    for value in ingest_pb.DocumentState.values()
}


class ArchiveClient:
    """IngestService reads for the signed-in user, on the review client's channel and with its
    per-user metadata (the page's service token names the person); re-opening is the ReviewService's."""

    def __init__(self, client: ReviewClient) -> None:
        self._client = client
        self._ingest: ingest_grpc.IngestServiceStub | None = None

    async def _call(self, method: str, request: Any, user: User, returns: type[_R]) -> _R:
        if self._ingest is None:  # made on first use, on the review client's channel
            self._ingest = self._client.stub(ingest_grpc.IngestServiceStub)
        return await self._client.call(self._ingest, method, request, user, returns)

    async def search(self, user: User, request: ingest_pb.ListDocumentsRequest) -> ingest_pb.ListDocumentsResponse:
        return await self._call("ListDocuments", request, user, ingest_pb.ListDocumentsResponse)

    async def document(self, user: User, doc_id: str) -> ingest_pb.GetDocumentResponse:
        return await self._call(
            "GetDocument", ingest_pb.GetDocumentRequest(name=f"documents/{doc_id}"), user, ingest_pb.GetDocumentResponse
        )

    async def approved(
        self, user: User, request: ingest_pb.ListApprovedInvoicesRequest
    ) -> ingest_pb.ListApprovedInvoicesResponse:
        return await self._call("ListApprovedInvoices", request, user, ingest_pb.ListApprovedInvoicesResponse)


def _day(value: str) -> str:
    value = value.strip()[:10]
    return value if _DAY.match(value) else ""


def _when(stamp: Any) -> str:
    return stamp.ToDatetime(tzinfo=dt.UTC).strftime("%Y-%m-%d %H:%M") if stamp.seconds else ""


def document_view(doc: ingest_pb.Document) -> dict[str, Any]:
    doc_id = doc.name.rsplit("/", 1)[-1]
    state = _STATE_NAMES.get(doc.state, "")
    amount = f"{doc.total_gross} {doc.currency}".strip() if doc.total_gross else ""
    return {
        "id": doc_id,
        "vendor": doc.vendor_name,
        "number": doc.invoice_number,
        "invoice_date": doc.invoice_date,
        "amount": amount,
        "state": state,
        "state_label": STATE_LABELS.get(state, state.replace("_", " ")),
        "uploaded": _when(doc.create_time),
        "filename": doc.filename,
        "reasons": list(doc.review_reasons),
        "reopenable": doc.state == ingest_pb.DOCUMENT_STATE_APPROVED,
        "failure": doc.failure.message if doc.HasField("failure") else "",
    }


def routes(
    *, client: ReviewClient, render: Callable[..., Response], page_user: Callable[[Request], User]
) -> list[Route]:
    """The archive's routes, for the review page's app (``docai.services.web.app.create_app``)."""
    archive = ArchiveClient(client)

    def filters_of(request: Request) -> dict[str, str]:
        params = request.query_params
        by = params.get("by", "invoice")
        state = params.get("state", "")
        return {
            "vendor": params.get("vendor", "").strip()[:100],
            "number": params.get("number", "").strip()[:100],
            "amount": params.get("amount", "").strip()[:40],
            "by": by if by in DATE_FIELDS else "invoice",
            "from": _day(params.get("from", "")),
            "to": _day(params.get("to", "")),
            "state": state if state in STATES else "",
        }

    async def search_page(request: Request) -> Response:
        user = page_user(request)
        found = filters_of(request)
        token = request.query_params.get("page", "")[:200]
        listing = ingest_pb.ListDocumentsRequest(
            page_size=50,
            page_token=token,
            vendor_contains=found["vendor"],
            invoice_number=found["number"],
            total_gross=found["amount"],
            date_field=DATE_FIELDS[found["by"]],
            date_from=found["from"],
            date_to=found["to"],
            state=STATES[found["state"]],
        )
        error, documents, next_link = "", [], ""
        try:
            response = await archive.search(user, listing)
        except ReviewCallError as failed:
            if failed.code != grpc.StatusCode.INVALID_ARGUMENT:
                raise
            error = failed.message
        else:
            documents = [document_view(d) for d in response.documents]
            if response.next_page_token:
                next_link = "/search?" + urlencode(
                    {**{k: v for k, v in found.items() if v}, "page": response.next_page_token}
                )
        export_query = urlencode({k: found[k] for k in ("by", "from", "to") if found[k]})
        return render(
            request,
            "search.html",
            400 if error else 200,
            filters=found,
            documents=documents,
            error=error,
            states=STATE_LABELS,
            next_link=next_link,
            filtered=any(found[k] for k in found if k != "by"),
            export_link="/search/export.csv" + (f"?{export_query}" if export_query else ""),
            can_reopen=user.can_approve,
        )

    async def export_csv(request: Request) -> Response:
        user = page_user(request)
        found = filters_of(request)
        listing = ingest_pb.ListApprovedInvoicesRequest(
            page_size=500, date_field=DATE_FIELDS[found["by"]], date_from=found["from"], date_to=found["to"]
        )
        invoices: list[ApprovedInvoice] = []
        try:
            while len(invoices) < MAX_CSV_INVOICES:
                response = await archive.approved(user, listing)
                invoices.extend(approved_invoice_from_pb(i, tenant_id=user.tenant) for i in response.invoices)
                if not response.next_page_token:
                    break
                listing.page_token = response.next_page_token
        except ReviewCallError as failed:
            if failed.code != grpc.StatusCode.INVALID_ARGUMENT:
                raise
            request.session["flash"] = failed.message
            return RedirectResponse("/search?" + urlencode({k: v for k, v in found.items() if v}), 303)
        out = io.StringIO(newline="")
        write_invoices(invoices[:MAX_CSV_INVOICES], out)
        name = "-".join(["docai-approved", found["by"], found["from"] or "start", found["to"] or "today"]) + ".csv"
        return Response(
            out.getvalue(),
            media_type=MEDIA_TYPE,
            headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"},
        )

    async def document_page(request: Request) -> Response:
        user = page_user(request)
        doc_id = request.path_params["doc_id"]
        if not _ID.match(doc_id):
            raise HTTPException(404)
        detail = await archive.document(user, doc_id)
        audit = await client.audit(user, detail.document.name)
        fields = {f.name: f.value for f in detail.extraction.fields} if detail.HasField("extraction") else {}
        route = detail.route if detail.HasField("route") else None
        return render(
            request,
            "document.html",
            doc=document_view(detail.document),
            fields=fields,
            field_labels=views.LABELS,
            groups=views.FIELD_GROUPS,
            lines=len(detail.extraction.line_items) if detail.HasField("extraction") else 0,
            route={"department": route.department, "cost_centre": route.cost_centre, "approver": route.approver}
            if route is not None
            else None,
            audit=views.audit_views(audit),
            can_reopen=user.can_approve,
        )

    @csrf_protected
    async def reopen_form(request: Request) -> Response:
        user = page_user(request)
        doc_id = request.path_params["doc_id"]
        if not _ID.match(doc_id):
            raise HTTPException(404)
        if not user.can_approve:
            request.session["flash"] = "Your role cannot re-open invoices; ask an approver."
            return RedirectResponse(f"/documents/{doc_id}", 303)
        form = await request.form()
        reason = str(form.get("reason", "")).strip()[:2000]
        if not reason:
            request.session["flash"] = "Say why the invoice is re-opened."
            return RedirectResponse(f"/documents/{doc_id}", 303)
        try:
            task = await client.reopen(
                user, doc_id, reason=reason, request_id=request_id(str(form.get("request_id", "")))
            )
        except ReviewCallError as failed:
            request.session["flash"] = friendly(failed)
            return RedirectResponse(f"/documents/{doc_id}", 303)
        request.session["flash"] = "Re-opened: the invoice waits in the review queue again."
        return RedirectResponse(f"/tasks/{views.task_id(task.name)}", 303)

    return [
        Route("/search", search_page),
        Route("/search/export.csv", export_csv),
        Route("/documents/{doc_id}", document_page),
        Route("/documents/{doc_id}/reopen", reopen_form, methods=["POST"]),
    ]
