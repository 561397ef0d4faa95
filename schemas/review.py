"""Review tasks, corrections and the audit trail, as the domain sees them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from docai.schemas.routing import ReviewReason


class ReviewTaskView(BaseModel):
    id: str
    document_id: str
    state: str  # open | claimed | approved | rejected (an expired claim reads as open)
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
