"""Review tasks, corrections and the audit trail, as the domain sees them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel

from docai.schemas.routing import ReviewReason


class ReviewTaskState(StrEnum):
    """A review task's state, as stored in ``review_tasks.state``.

    OPEN → CLAIMED (a lease) → APPROVED or REJECTED; a released claim, or one whose lease ran
    out, reads as OPEN again; re-opening an approved invoice makes its task OPEN.
    """

    OPEN = "open"
    CLAIMED = "claimed"
    APPROVED = "approved"
    REJECTED = "rejected"


# In the queue: waiting for a reviewer or being worked on.
ACTIVE_TASK_STATES = (ReviewTaskState.OPEN, ReviewTaskState.CLAIMED)
# Decided: nothing more can be done to the task (re-opening the invoice opens it again).
CLOSED_TASK_STATES = (ReviewTaskState.APPROVED, ReviewTaskState.REJECTED)


class ReviewTaskView(BaseModel):
    id: str
    document_id: str
    state: ReviewTaskState  # an expired claim reads as open
    reasons: list[ReviewReason] = []
    resolved_reasons: list[int] = []  # indexes into `reasons` that the reviewer's corrections settled
    version: int
    claimed_by: str = ""
    lease_until: dt.datetime | None = None
    vendor_name: str = ""
    total_gross: str = ""
    currency: str = ""
    filename: str = ""
    page_count: int = 0
    create_time: dt.datetime
    bank_details_unconfirmed: bool = False  # approved with changed bank details, no second person yet
    bank_details_confirmed_by: str = ""

    @property
    def name(self) -> str:
        return f"reviewTasks/{self.id}"

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


class RouteChange(BaseModel):
    department: str = ""
    cost_centre: str = ""
    approver: str = ""


class Corrections(BaseModel):
    """What a reviewer changed in one submission. Values are as typed; the server normalises them."""

    fields: dict[str, str] = {}
    line_items: list[dict[str, str]] | None = None
    route: RouteChange | None = None
    tax_details: list[dict[str, str]] | None = None  # None: unchanged; a list replaces the whole breakdown


class AuditRecord(BaseModel):
    id: int
    actor: str
    action: str
    field: str = ""
    old_value: str = ""
    new_value: str = ""
    create_time: dt.datetime
