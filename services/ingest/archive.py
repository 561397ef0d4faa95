"""The archive: finding processed invoices again, and the approved invoice as an ERP books it.

Search filters are SQL on the indexed columns the extraction sets
(``docai.services.storage.document_index``), never a scan of the extraction's JSON. Date ranges
compare the invoice date (``search_date``; documents without a readable one are left out) or
the upload day in UTC (``create_time``); both ends are included.

An approved invoice (:class:`~docai.schemas.archive.ApprovedInvoice`) is read from the document
(final fields, line items, VAT breakdown, route) and its audit trail: the latest ``approved``
(a person) or ``auto_approved`` (the system) entry says who approved it and when; the checks
still failing on an invoice a person approved are the checks that person overrode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from docai.schemas.archive import Approval, ApprovedInvoice, DateField, DocumentFilter
from docai.schemas.document import DocumentState
from docai.schemas.invoice import Extraction
from docai.schemas.routing import Route
from docai.services.common.errors import InvalidArgumentError
from docai.services.extraction.normalize import parse_amount
from docai.services.storage import tables
from docai.services.storage.database import Database
from docai.services.storage.document_index import canonical_amount, number_key, search_text

APPROVED_STATES = (DocumentState.APPROVED.value, DocumentState.EXPORTED.value)
APPROVAL_ACTIONS = ("approved", "auto_approved")


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def parse_day(text: str, *, field: str) -> dt.date | None:
    """A "YYYY-MM-DD" day from a request; None when empty (INVALID_ARGUMENT ``INVALID_FIELD`` otherwise)."""
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgumentError(
            f"{field} must be a day as YYYY-MM-DD, not {text[:40]!r}", reason="INVALID_FIELD", field=field
        ) from None


def parse_gross(text: str) -> str:
    """A typed amount ("1.234,56", "1234.5 EUR") as the canonical decimal the index holds."""
    text = text.strip()
    if not text:
        return ""
    value = parse_amount(text)
    if value is None:
        raise InvalidArgumentError(f"{text[:40]!r} is not an amount", reason="INVALID_FIELD", field="total_gross")
    return canonical_amount(str(value))


def check_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidArgumentError(
            f"the range starts ({date_from}) after it ends ({date_to})", reason="INVALID_DATE_RANGE", field="date_from"
        )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def in_range(
    query: Select[Any], *, date_field: DateField, date_from: dt.date | None, date_to: dt.date | None
) -> Select[Any]:
    """``query`` narrowed to documents whose invoice date or upload day lies in the range (both ends in)."""
    doc = tables.Document
    if date_field == "invoice":
        if date_from is not None:
            query = query.where(doc.search_date >= date_from)
        if date_to is not None:
            query = query.where(doc.search_date <= date_to)
        return query
    if date_from is not None:
        query = query.where(doc.create_time >= _day_start(date_from))
    if date_to is not None:
        query = query.where(doc.create_time < _day_start(date_to + dt.timedelta(days=1)))
    return query


def filtered(query: Select[Any], found: DocumentFilter) -> Select[Any]:
    """``query`` (over documents) narrowed by every filter that is set."""
    doc = tables.Document
    check_range(found.date_from, found.date_to)
    if found.state is not None:
        query = query.where(doc.state == found.state.value)
    if found.vendor_contains.strip():
        query = query.where(doc.search_vendor.contains(search_text(found.vendor_contains), autoescape=True))
    if found.invoice_number.strip():
        query = query.where(doc.search_number == number_key(found.invoice_number))
    if found.total_gross.strip():
        query = query.where(doc.search_gross == parse_gross(found.total_gross))
    return in_range(query, date_field=found.date_field, date_from=found.date_from, date_to=found.date_to)


# -- approved invoices ---------------------------------------------------------------------------


def _values(rows: Iterable[Any]) -> list[dict[str, str]]:
    return [{name: field.value for name, field in row.fields.items() if field.value} for row in rows]


def approved_invoices(session: Session, rows: list[tables.Document]) -> list[ApprovedInvoice]:
    """The approved invoices of these documents (approved or exported), in their order.

    Three queries whatever the number of rows: the documents given, their approval entries and
    their approved examples (the second person on changed bank details).
    """
    ids = [row.id for row in rows]
    approvals: dict[str, tables.AuditEntry] = {}
    if ids:
        for entry in session.scalars(
            select(tables.AuditEntry)
            .where(tables.AuditEntry.document_id.in_(ids), tables.AuditEntry.action.in_(APPROVAL_ACTIONS))
            .order_by(tables.AuditEntry.id)
        ):
            approvals[entry.document_id] = entry  # the latest wins
    examples: dict[str, tables.ApprovedExample] = {}
    if ids:
        for example in session.scalars(
            select(tables.ApprovedExample)
            .where(tables.ApprovedExample.document_id.in_(ids))
            .order_by(tables.ApprovedExample.id)
        ):
            examples[example.document_id] = example
    return [_approved(row, approvals.get(row.id), examples.get(row.id)) for row in rows]


def _approved(
    row: tables.Document, entry: tables.AuditEntry | None, example: tables.ApprovedExample | None
) -> ApprovedInvoice:
    extraction = Extraction.model_validate(row.extraction or {})
    automatic = entry is not None and entry.action == "auto_approved"
    failed = [str(check.get("name", "")) for check in row.checks or [] if not check.get("passed", True)]
    bank_change = example is not None and example.needs_second_approval
    return ApprovedInvoice(
        document_id=row.id,
        tenant_id=row.tenant_id,
        state=DocumentState(row.state),
        filename=row.filename,
        external_id=row.external_id,
        upload_time=aware(row.create_time),
        fields={name: field.value for name, field in extraction.fields.items() if field.value},
        line_items=_values(extraction.line_items),
        tax_details=_values(extraction.tax_details),
        route=Route.model_validate(row.route) if row.route else None,
        approval=Approval(
            approved_by=entry.actor if entry is not None else "",
            approve_time=aware(entry.create_time) if entry is not None else None,
            automatic=automatic,
            overridden_checks=[] if automatic else failed,
            review_reasons=[] if automatic else list(row.review_reasons or []),
            bank_details_confirmed_by=(example.second_approver or "") if bank_change and example else "",
            bank_details_unconfirmed=bank_change and not (example.second_approver if example else ""),
        ),
    )


def list_approved(
    db: Database,
    *,
    tenant_id: str | None,
    date_field: DateField = "invoice",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page_size: int = 500,
    offset: int = 0,
) -> tuple[list[ApprovedInvoice], bool]:
    """One page of approved (or exported) invoices in a date range, oldest first; and whether more follow.

    Args:
        tenant_id: The tenant; None reads every tenant's (the operator's CSV export).
        date_field: What the range compares: the invoice date or the upload day (UTC).
        date_from, date_to: Both days included; open on a side left None.
    """
    check_range(date_from, date_to)
    doc = tables.Document
    query = select(doc).where(doc.state.in_(APPROVED_STATES))
    if tenant_id is not None:
        query = query.where(doc.tenant_id == tenant_id)
    query = in_range(query, date_field=date_field, date_from=date_from, date_to=date_to)
    order = [doc.search_date, doc.create_time, doc.id] if date_field == "invoice" else [doc.create_time, doc.id]
    with db.transaction() as session:
        rows = list(session.scalars(query.order_by(*order).offset(max(offset, 0)).limit(page_size + 1)))
        return approved_invoices(session, rows[:page_size]), len(rows) > page_size


def all_approved(
    db: Database,
    *,
    tenant_id: str | None,
    date_field: DateField,
    date_from: dt.date | None,
    date_to: dt.date | None,
    page_size: int = 500,
) -> Iterable[ApprovedInvoice]:
    """Every approved invoice in the range, page by page (a transaction per page, never all in memory)."""
    offset = 0
    while True:
        page, more = list_approved(
            db,
            tenant_id=tenant_id,
            date_field=date_field,
            date_from=date_from,
            date_to=date_to,
            page_size=page_size,
            offset=offset,
        )
        yield from page
        if not more:
            return
        offset += page_size
