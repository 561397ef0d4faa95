"""Review domain ⇄ protobuf."""

from __future__ import annotations

from docai.schemas.review import AuditRecord, Corrections, ReviewTaskState, ReviewTaskView, RouteChange
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.review.route_options import DepartmentChoice

_STATES = {
    ReviewTaskState.OPEN: pb.REVIEW_TASK_STATE_OPEN,
    ReviewTaskState.CLAIMED: pb.REVIEW_TASK_STATE_CLAIMED,
    ReviewTaskState.APPROVED: pb.REVIEW_TASK_STATE_APPROVED,
    ReviewTaskState.REJECTED: pb.REVIEW_TASK_STATE_REJECTED,
}
_FROM_PB: dict[int, str] = {value: state for state, value in _STATES.items()}


def state_from_pb(value: int) -> str:
    return _FROM_PB.get(value, "")


def task_to_pb(task: ReviewTaskView) -> pb.ReviewTask:
    settled = set(task.resolved_reasons)
    message = pb.ReviewTask(
        name=task.name,
        document=f"documents/{task.document_id}",
        state=_STATES[task.state],
        reasons=[
            pb.ReviewReason(code=r.code, field=r.field, detail=r.detail, check=r.check, resolved=i in settled)
            for i, r in enumerate(task.reasons)
        ],
        etag=task.etag,
        claimed_by=task.claimed_by,
        vendor_name=task.vendor_name,
        total_gross=task.total_gross,
        currency=task.currency,
        filename=task.filename,
        page_count=task.page_count,
        bank_details_unconfirmed=task.bank_details_unconfirmed,
        bank_details_confirmed_by=task.bank_details_confirmed_by,
    )
    message.create_time.FromDatetime(task.create_time)
    if task.lease_until is not None:
        message.lease_expire_time.FromDatetime(task.lease_until)
    return message


def corrections_from_pb(request: pb.SubmitCorrectionsRequest) -> Corrections:
    return Corrections(
        fields={f.name: f.value for f in request.fields},
        line_items=[{cell.name: cell.value for cell in item.fields} for item in request.line_items]
        if request.replace_line_items
        else None,
        tax_details=[{cell.name: cell.value for cell in tax.fields} for tax in request.tax_details]
        if request.replace_tax_details
        else None,
        route=RouteChange(
            department=request.route.department, cost_centre=request.route.cost_centre, approver=request.route.approver
        )
        if request.HasField("route")
        else None,
    )


def audit_to_pb(entry: AuditRecord) -> pb.AuditEntry:
    message = pb.AuditEntry(
        id=entry.id,
        actor=entry.actor,
        action=entry.action,
        field=entry.field,
        old_value=entry.old_value,
        new_value=entry.new_value,
    )
    message.create_time.FromDatetime(entry.create_time)
    return message


def route_options_to_pb(options: list[DepartmentChoice]) -> pb.RouteOptions:
    return pb.RouteOptions(
        departments=[
            pb.RouteDepartment(
                department=o.department,
                cost_centres=list(o.cost_centres),
                approvers=list(o.approvers),
                approver=o.approver,
            )
            for o in options
        ]
    )
