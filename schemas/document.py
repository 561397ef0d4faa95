"""Documents and their lifecycle, as the domain sees them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel


class DocumentState(StrEnum):
    RECEIVED = "received"
    PARSED = "parsed"
    EXTRACTED = "extracted"
    ROUTED = "routed"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPORTED = "exported"
    FAILED = "failed"


TERMINAL_STATES = frozenset({DocumentState.REJECTED, DocumentState.EXPORTED, DocumentState.FAILED})


class DocumentRecord(BaseModel):
    id: str
    tenant_id: str
    filename: str
    external_id: str = ""
    sha256: str
    size_bytes: int
    page_count: int = 0
    state: DocumentState
    failure_reason: str = ""
    failure_message: str = ""
    decision: str = ""
    review_reasons: list[str] = []
    create_time: dt.datetime
    update_time: dt.datetime
    # What the invoice says, once extracted (for lists and search results); "" before.
    vendor_name: str = ""
    invoice_number: str = ""
    invoice_date: str = ""
    total_gross: str = ""
    currency: str = ""

    @property
    def name(self) -> str:
        return f"documents/{self.id}"


class DocumentEvent(BaseModel):
    event_id: int
    document: DocumentRecord
