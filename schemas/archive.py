"""Finding processed invoices again (search filters) and the approved invoice an ERP books."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from docai.schemas.document import DocumentState
from docai.schemas.routing import Route

# Which date a date range filters on: the invoice date printed on the invoice, or the day the
# document was uploaded (UTC).
DateField = Literal["invoice", "upload"]


class DocumentFilter(BaseModel):
    """What ListDocuments (and the review page's search) narrows a tenant's documents to; every
    filter that is set must hold.

    Attributes:
        vendor_contains: Part of the vendor name, any case.
        invoice_number: The invoice number, compared without case and spaces.
        total_gross: The gross total exactly, as a plain decimal ("1234.50").
        date_field: What ``date_from``/``date_to`` compare: the invoice date or the upload day (UTC).
        date_from, date_to: The range, both days included; open on a side left None.
        state: Only documents in this state.
    """

    vendor_contains: str = ""
    invoice_number: str = ""
    total_gross: str = ""
    date_field: DateField = "invoice"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    state: DocumentState | None = None


class Approval(BaseModel):
    """Who approved an invoice, when, and over which failed checks.

    Attributes:
        approved_by: The person who approved it, or "system" when it was approved automatically.
        approve_time: When (the latest approval, if it was re-opened and approved again).
        automatic: No person approved it: every check passed and the route was sure.
        overridden_checks: Names of the checks that failed when a person approved it anyway.
        review_reasons: Why it was in review ("CODE" or "CODE:field"); empty when automatic.
        bank_details_confirmed_by: The second person who confirmed changed bank details, if any.
        bank_details_unconfirmed: Bank details were changed and no second person confirmed them yet.
    """

    approved_by: str = ""
    approve_time: dt.datetime | None = None
    automatic: bool = False
    overridden_checks: list[str] = []
    review_reasons: list[str] = []
    bank_details_confirmed_by: str = ""
    bank_details_unconfirmed: bool = False

    @property
    def checks_overridden(self) -> bool:
        return bool(self.overridden_checks)


class ApprovedInvoice(BaseModel):
    """An approved (or exported) invoice as an ERP books it: the final values after review.

    Attributes:
        document_id: The document's id (``documents/{document_id}``).
        tenant_id: Its tenant.
        state: ``approved`` or ``exported``.
        filename, external_id: As given at upload.
        upload_time: When the upload was acknowledged.
        fields: Header fields by canonical name (``docai.schemas.invoice.HEADER_FIELDS``),
            normalised: dates ISO 8601, amounts plain decimals; missing fields are left out.
        line_items: One dict per line, by canonical cell name (``LINE_ITEM_FIELDS``).
        tax_details: One dict per VAT rate: ``rate``, ``base``, ``amount``.
        route: Department, cost centre and approver; None when never routed.
        approval: Who approved it and how.
    """

    document_id: str
    tenant_id: str
    state: DocumentState
    filename: str = ""
    external_id: str = ""
    upload_time: dt.datetime
    fields: dict[str, str] = {}
    line_items: list[dict[str, str]] = []
    tax_details: list[dict[str, str]] = []
    route: Route | None = None
    approval: Approval = Approval()

    @property
    def name(self) -> str:
        return f"documents/{self.document_id}"
