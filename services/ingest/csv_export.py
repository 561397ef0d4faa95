"""The CSV layout of approved invoices, for ERPs that import spreadsheets (``docai export``, the
review page's "Download CSV"). This module is the only place that knows it.

Invoices: one row per invoice, UTF-8, comma-separated, a header row, RFC 4180 quoting, ``\\r\\n``
line ends. Columns, in this order:

=====================  ===========================================================================
``document``           ``documents/{id}``: docai's name of the invoice (ExportDocument, history)
``tenant``             the tenant
``state``              ``approved``, or ``exported`` once the ERP called ExportDocument
``external_id``        the ERP's own reference given at upload
``filename``           the file name given at upload
``upload_time``        when the upload was acknowledged (ISO 8601, UTC)
``vendor_name`` ...    the header fields, normalised: ``vendor_name``, ``vendor_tax_id``,
                       ``vendor_address``, ``customer_name``, ``customer_tax_id``,
                       ``invoice_number``, ``invoice_date``, ``due_date``, ``purchase_order``,
                       ``payment_terms``, ``document_type``, ``currency``, ``total_net``,
                       ``total_tax``, ``total_gross``, ``amount_due``, ``iban``, ``bic``; dates
                       YYYY-MM-DD, amounts plain decimals with a point (``1234.50``); empty when
                       the invoice does not state it
``tax_breakdown``      the VAT per rate, ``rate:base:amount`` joined by ``;`` (``19:100.00:19.00``)
``line_count``         how many line items the invoice has (``--lines`` writes them)
``department``         the route: department,
``cost_centre``        cost centre
``route_approver``     and the approver the policy (or a reviewer) routed it to
``approved_by``        who approved it: a person, or ``system`` when it was approved automatically
``approve_time``       when (ISO 8601, UTC)
``automatic``          ``true`` when no person approved it, else ``false``
``checks_overridden``  ``true`` when a person approved it although checks failed
``overridden_checks``  those checks' names, joined by ``;``
``review_reasons``     why it was in review (``CODE`` or ``CODE:field``), joined by ``;``
=====================  ===========================================================================

Lines (``--lines FILE``, optional): one row per line item: ``document``, ``invoice_number``,
``line`` (1-based), then ``description``, ``quantity``, ``unit``, ``unit_price``, ``amount``,
``tax_rate``, ``product_code``.

A text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) gets a leading ``'`` (OWASP's CSV injection advice); amounts and
dates are never changed, so ``-12.50`` stays a number.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from typing import IO

from docai.schemas.archive import ApprovedInvoice
from docai.schemas.invoice import AMOUNT_FIELDS, DATE_FIELDS, LINE_ITEM_FIELDS

HEADER_COLUMNS: tuple[str, ...] = (
    "vendor_name",
    "vendor_tax_id",
    "vendor_address",
    "customer_name",
    "customer_tax_id",
    "invoice_number",
    "invoice_date",
    "due_date",
    "purchase_order",
    "payment_terms",
    "document_type",
    "currency",
    "total_net",
    "total_tax",
    "total_gross",
    "amount_due",
    "iban",
    "bic",
)
COLUMNS: tuple[str, ...] = (
    "document",
    "tenant",
    "state",
    "external_id",
    "filename",
    "upload_time",
    *HEADER_COLUMNS,
    "tax_breakdown",
    "line_count",
    "department",
    "cost_centre",
    "route_approver",
    "approved_by",
    "approve_time",
    "automatic",
    "checks_overridden",
    "overridden_checks",
    "review_reasons",
)
LINE_COLUMNS: tuple[str, ...] = ("document", "invoice_number", "line", *LINE_ITEM_FIELDS)
MEDIA_TYPE = "text/csv; charset=utf-8"
# Cells written as they are: machine values docai normalised itself.
_PLAIN = frozenset(
    {
        *AMOUNT_FIELDS,
        *DATE_FIELDS,
        "document",
        "state",
        "upload_time",
        "approve_time",
        "automatic",
        "checks_overridden",
        "line_count",
        "line",
        "quantity",
        "unit_price",
        "amount",
        "tax_rate",
        "tax_breakdown",
        "currency",
    }
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(column: str, value: str) -> str:
    if column not in _PLAIN and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _time(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment is not None else ""


def row(invoice: ApprovedInvoice) -> dict[str, str]:
    """The invoice's row, by column name."""
    route, approval = invoice.route, invoice.approval
    values = {
        "document": invoice.name,
        "tenant": invoice.tenant_id,
        "state": invoice.state.value,
        "external_id": invoice.external_id,
        "filename": invoice.filename,
        "upload_time": _time(invoice.upload_time),
        **{name: invoice.fields.get(name, "") for name in HEADER_COLUMNS},
        "tax_breakdown": ";".join(
            f"{tax.get('rate', '')}:{tax.get('base', '')}:{tax.get('amount', '')}" for tax in invoice.tax_details
        ),
        "line_count": str(len(invoice.line_items)),
        "department": route.department if route else "",
        "cost_centre": route.cost_centre if route else "",
        "route_approver": route.approver if route else "",
        "approved_by": approval.approved_by,
        "approve_time": _time(approval.approve_time),
        "automatic": "true" if approval.automatic else "false",
        "checks_overridden": "true" if approval.checks_overridden else "false",
        "overridden_checks": ";".join(approval.overridden_checks),
        "review_reasons": ";".join(approval.review_reasons),
    }
    return {column: _cell(column, values[column]) for column in COLUMNS}


def line_rows(invoice: ApprovedInvoice) -> list[dict[str, str]]:
    """The invoice's line items, one row each."""
    number = invoice.fields.get("invoice_number", "")
    return [
        {
            column: _cell(column, value)
            for column, value in {
                "document": invoice.name,
                "invoice_number": number,
                "line": str(index),
                **{name: item.get(name, "") for name in LINE_ITEM_FIELDS},
            }.items()
        }
        for index, item in enumerate(invoice.line_items, start=1)
    ]


def write_invoices(invoices: Iterable[ApprovedInvoice], out: IO[str], *, lines: IO[str] | None = None) -> int:
    """Writes the invoices (and, with ``lines``, their line items) as CSV; returns how many invoices.

    Open the files with ``newline=""`` (the csv module writes the ``\\r\\n`` itself).
    """
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    line_writer = csv.DictWriter(lines, fieldnames=LINE_COLUMNS, lineterminator="\r\n") if lines is not None else None
    if line_writer is not None:
        line_writer.writeheader()
    count = 0
    for invoice in invoices:
        writer.writerow(row(invoice))
        if line_writer is not None:
            line_writer.writerows(line_rows(invoice))
        count += 1
    return count
