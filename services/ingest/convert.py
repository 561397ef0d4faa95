"""Ingest domain ⇄ protobuf."""

from __future__ import annotations

import datetime as dt

from docai.schemas.archive import Approval, ApprovedInvoice, DateField, DocumentFilter
from docai.schemas.document import DocumentRecord, DocumentState
from docai.schemas.invoice import HEADER_FIELDS, LINE_ITEM_FIELDS, TAX_DETAIL_FIELDS
from docai.schemas.routing import Route
from docai.services.ingest.archive import parse_day
from docai.services.pb.ingest.v1 import ingest_service_pb2 as pb
from docai.services.pipeline.progress import Progress
from docai.services.routing.convert import route_to_pb

_STATES = {state: getattr(pb, f"DOCUMENT_STATE_{state.name}") for state in DocumentState}
_FROM_PB = {value: state for state, value in _STATES.items()}


def state_from_pb(value: int) -> DocumentState | None:
    return _FROM_PB.get(value)


def document_to_pb(doc: DocumentRecord, progress: Progress | None = None) -> pb.Document:
    """The Document message; ``progress`` (docai.services.pipeline.progress) fills its queue position and estimate."""
    progress = progress or Progress()
    message = pb.Document(
        name=doc.name,
        filename=doc.filename,
        state=_STATES[doc.state],
        sha256=doc.sha256,
        size_bytes=doc.size_bytes,
        page_count=doc.page_count,
        external_id=doc.external_id,
        review_reasons=doc.review_reasons,
        decision=doc.decision,
        queue_position=progress.queue_position,
        estimated_seconds=round(progress.estimated_seconds, 1),
        vendor_name=doc.vendor_name,
        invoice_number=doc.invoice_number,
        invoice_date=doc.invoice_date,
        total_gross=doc.total_gross,
        currency=doc.currency,
    )
    message.create_time.FromDatetime(doc.create_time)
    message.update_time.FromDatetime(doc.update_time)
    if doc.failure_reason:
        message.failure.CopyFrom(pb.Failure(reason=doc.failure_reason, message=doc.failure_message))
    return message


_DATE_FIELDS: dict[int, DateField] = {
    pb.DATE_FIELD_UNSPECIFIED: "invoice",
    pb.DATE_FIELD_INVOICE_DATE: "invoice",
    pb.DATE_FIELD_UPLOAD_DATE: "upload",
}


def date_field_from_pb(value: int) -> DateField:
    return _DATE_FIELDS.get(value, "invoice")


def filter_from_pb(request: pb.ListDocumentsRequest) -> DocumentFilter:
    """The search filters of a ListDocuments request (INVALID_ARGUMENT for a day that is not one)."""
    return DocumentFilter(
        vendor_contains=request.vendor_contains[:200],
        invoice_number=request.invoice_number[:100],
        total_gross=request.total_gross[:40],
        date_field=date_field_from_pb(request.date_field),
        date_from=parse_day(request.date_from, field="date_from"),
        date_to=parse_day(request.date_to, field="date_to"),
        state=state_from_pb(request.state) if request.state else None,
    )


def approved_invoice_to_pb(invoice: ApprovedInvoice) -> pb.ApprovedInvoice:
    approval = invoice.approval
    message = pb.ApprovedInvoice(
        document=invoice.name,
        state=_STATES[invoice.state],
        filename=invoice.filename,
        external_id=invoice.external_id,
        header=pb.InvoiceHeader(**{name: invoice.fields.get(name, "") for name in HEADER_FIELDS}),
        line_items=[pb.InvoiceLine(**{k: row.get(k, "") for k in LINE_ITEM_FIELDS}) for row in invoice.line_items],
        tax_details=[pb.TaxBreakdown(**{k: row.get(k, "") for k in TAX_DETAIL_FIELDS}) for row in invoice.tax_details],
        approval=pb.Approval(
            approved_by=approval.approved_by,
            automatic=approval.automatic,
            checks_overridden=approval.checks_overridden,
            overridden_checks=approval.overridden_checks,
            review_reasons=approval.review_reasons,
            bank_details_unconfirmed=approval.bank_details_unconfirmed,
            bank_details_confirmed_by=approval.bank_details_confirmed_by,
        ),
    )
    message.upload_time.FromDatetime(invoice.upload_time)
    if approval.approve_time is not None:
        message.approval.approve_time.FromDatetime(approval.approve_time)
    if invoice.route is not None:
        message.route.CopyFrom(route_to_pb(invoice.document_id, invoice.route))
    return message


def approved_invoice_from_pb(message: pb.ApprovedInvoice, *, tenant_id: str) -> ApprovedInvoice:
    """The domain form of an ApprovedInvoice message (what the review page's CSV export writes)."""
    approval = message.approval
    route = message.route if message.HasField("route") else None
    return ApprovedInvoice(
        document_id=message.document.rsplit("/", 1)[-1],
        tenant_id=tenant_id,
        state=_FROM_PB.get(message.state, DocumentState.APPROVED),
        filename=message.filename,
        external_id=message.external_id,
        upload_time=message.upload_time.ToDatetime(tzinfo=dt.UTC),
        fields={name: value for name in HEADER_FIELDS if (value := getattr(message.header, name))},
        line_items=[{k: v for k in LINE_ITEM_FIELDS if (v := getattr(row, k))} for row in message.line_items],
        tax_details=[{k: v for k in TAX_DETAIL_FIELDS if (v := getattr(row, k))} for row in message.tax_details],
        route=Route(
            department=route.department,
            cost_centre=route.cost_centre,
            approver=route.approver,
            confidence=route.confidence,
            reasons=list(route.reasons),
            covered=route.covered,
        )
        if route is not None
        else None,
        approval=Approval(
            approved_by=approval.approved_by,
            approve_time=approval.approve_time.ToDatetime(tzinfo=dt.UTC) if approval.HasField("approve_time") else None,
            automatic=approval.automatic,
            overridden_checks=list(approval.overridden_checks),
            review_reasons=list(approval.review_reasons),
            bank_details_unconfirmed=approval.bank_details_unconfirmed,
            bank_details_confirmed_by=approval.bank_details_confirmed_by,
        ),
    )
