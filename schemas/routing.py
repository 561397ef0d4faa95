"""Where an invoice goes (Route) and whether it may skip the review queue (Decision).

``Route`` is produced by ``docai.services.routing.policy.RoutingPolicy.route``;
``Decision`` by ``docai.services.routing.decision.decide``, which compares the extraction,
the validation checks and the route against a tenant's ``Thresholds``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Fields an invoice cannot be paid without; ``Thresholds.required_fields`` defaults to them.
DEFAULT_REQUIRED_FIELDS: tuple[str, ...] = (
    "vendor_name",
    "invoice_number",
    "invoice_date",
    "total_gross",
    "currency",
)
# Fields that are optional on an invoice but must be read confidently when they are there,
# because a misread one moves money to the wrong place or at the wrong time.
DEFAULT_CONFIDENT_IF_PRESENT: tuple[str, ...] = ("amount_due", "due_date", "iban", "total_net", "total_tax")

_UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")


class Route(BaseModel):
    """The department, cost centre and approver an invoice is routed to, and why.

    Attributes:
        department: Department name from the policy; ``""`` when no rule matched.
        cost_centre: Cost centre to book the invoice on, e.g. ``CC-4100``.
        approver: Who must approve an invoice of this size (usually an e-mail address).
        confidence: How sure the routing is, in [0, 1]; 0 when nothing matched.
        reasons: Ids of every policy rule that fired, the approver threshold rule included.
        covered: False when no rule matched; such invoices always go to review.
    """

    model_config = ConfigDict(frozen=True)

    department: str
    cost_centre: str
    approver: str
    confidence: float = Field(ge=0.0, le=1.0)
    reasons: list[str] = []
    covered: bool


class ReviewReason(BaseModel):
    """One reason an invoice needs a human.

    Attributes:
        code: UPPER_SNAKE reason code: ``MISSING_FIELD``, ``LOW_CONFIDENCE``, ``CHECK_FAILED``,
            ``ROUTE_UNCOVERED``, ``LOW_ROUTE_CONFIDENCE``, ``BANK_DETAILS_CHANGED``, ``CREDIT_NOTE``,
            and for e-invoices ``XML_PAGE_MISMATCH``, ``XML_INVALID``, ``XML_UNREADABLE``. For
            documents that try to steer their reader (never auto-approved): ``HIDDEN_TEXT`` (text a
            person cannot see, left out), ``DOCUMENT_MODIFIED`` (incremental updates after the first
            save), ``BANK_DETAILS_MODIFIED`` (the IBANs changed between the first and the last
            revision), ``LOOKALIKE_CHARACTERS`` (Cyrillic or Greek letters posing as Latin in a
            vendor name, IBAN or id), ``INSTRUCTION_LIKE_TEXT`` (text addressed to a model or a
            machine, not read) and ``BANK_DETAILS_UNREADABLE`` (an IBAN printed or read that fails
            validation, so it cannot be compared with the account on file). For tenants with a
            vendor master: ``VENDOR_UNKNOWN`` (the vendor is not in it) and ``VENDOR_INACTIVE``.
            ``DUPLICATE_INVOICE``: the same invoice (vendor, number and gross, or the same file)
            arrived before; the detail names the original ``documents/{id}``
            (``docai.services.routing.duplicates``). ``REOPENED``: a person re-opened the
            approved invoice (``ReviewQueue.reopen``).
        field: The canonical field concerned, if any; comma-separated when a failed check
            spans several fields (``"total_net,total_tax,total_gross"``).
        detail: Human-readable explanation for the reviewer.
        check: Name of the failed validation check, for ``CHECK_FAILED``.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    field: str = ""
    detail: str = ""
    check: str = ""

    @field_validator("code")
    @classmethod
    def _upper_snake(cls, value: str) -> str:
        if not _UPPER_SNAKE.match(value):
            raise ValueError(f"reason code must be UPPER_SNAKE, got {value!r}")
        return value


class Decision(BaseModel):
    """Auto-approve or review; ``reasons`` lists every reason for review (empty when approved)."""

    model_config = ConfigDict(frozen=True)

    outcome: Literal["auto_approve", "review"]
    reasons: list[ReviewReason] = []


class Thresholds(BaseModel):
    """A tenant's bar for auto-approval; the caller stores one per tenant.

    Attributes:
        field_confidence: Minimum confidence of each required (and each present
            ``confident_if_present``) field.
        route_confidence: Minimum route confidence.
        required_fields: Fields that must be present, non-empty and confident.
        confident_if_present: Optional fields that, when extracted, must be confident too.
        auto_approve_credit_notes: Credit notes go to review unless this is set, because they
            must be matched against the original invoice, which nothing automates yet.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field_confidence: float = Field(default=0.8, ge=0.0, le=1.0)
    route_confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    required_fields: list[str] = Field(default_factory=lambda: list(DEFAULT_REQUIRED_FIELDS))
    confident_if_present: list[str] = Field(default_factory=lambda: list(DEFAULT_CONFIDENT_IF_PRESENT))
    auto_approve_credit_notes: bool = False
