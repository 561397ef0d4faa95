"""Turns ReviewService messages into the plain dicts the templates render (no protobuf in templates)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from docai.schemas.invoice import BANK_FIELDS, HEADER_FIELDS, LINE_ITEM_FIELDS
from docai.services.pb.extraction.v1 import extraction_service_pb2 as ext_pb
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.web.users import User

# Below this a field is flagged; the routing policy's default `field_confidence`.
LOW_CONFIDENCE = 0.8
LABELS = {
    "vendor_name": "Vendor",
    "vendor_address": "Vendor address",
    "vendor_tax_id": "Vendor VAT id",
    "customer_name": "Customer",
    "customer_tax_id": "Customer VAT id",
    "invoice_number": "Invoice number",
    "invoice_date": "Invoice date",
    "due_date": "Due date",
    "purchase_order": "PO number",
    "payment_terms": "Payment terms",
    "currency": "Currency",
    "total_net": "Net total",
    "total_tax": "Tax total",
    "total_gross": "Gross total",
    "amount_due": "Amount due",
    "iban": "IBAN",
    "bic": "BIC",
    "document_type": "Document type",
}
ITEM_LABELS = {
    "description": "Description",
    "quantity": "Qty",
    "unit": "Unit",
    "unit_price": "Unit price",
    "amount": "Amount",
    "tax_rate": "Tax %",
    "product_code": "Code",
}
# Shown in the line-item table, in this order; product_code stays editable but narrow.
ITEM_COLUMNS: tuple[str, ...] = ("description", "quantity", "unit", "unit_price", "amount", "tax_rate", "product_code")
CHECK_LABELS = {
    "line_items_sum_to_net": "Line items add up to net",
    "net_plus_tax_equals_gross": "Net + tax = gross",
    "line_quantity_times_price": "Qty × unit price = amount",
    "tax_details_sum": "Tax breakdown adds up",
    "iban_checksum": "IBAN checksum",
    "due_date_not_before_invoice_date": "Due date after invoice date",
    "xml_matches_page": "E-invoice XML matches the page",
    "xml_valid": "E-invoice XML valid (schema, sums)",
    "xml_readable": "E-invoice XML readable",
}
# Checks the page re-computes while the reviewer types; the others show the saved result.
LIVE_CHECKS = frozenset({"line_items_sum_to_net", "net_plus_tax_equals_gross", "line_quantity_times_price"})
REASON_LABELS = {
    "LOW_CONFIDENCE": "Low confidence",
    "CHECK_FAILED": "Failed check",
    "MISSING_FIELD": "Missing field",
    "ROUTE_UNCOVERED": "No route",
    "LOW_ROUTE_CONFIDENCE": "Unsure route",
    "BANK_DETAILS_CHANGED": "Bank details changed",
    "CREDIT_NOTE": "Credit note",
    "XML_PAGE_MISMATCH": "XML and page disagree",
    "XML_INVALID": "Invalid e-invoice XML",
    "XML_UNREADABLE": "Unreadable e-invoice XML",
    "HIDDEN_TEXT": "Hidden text",
    "DOCUMENT_MODIFIED": "PDF modified after saving",
    "BANK_DETAILS_MODIFIED": "Bank details modified in the PDF",
    "LOOKALIKE_CHARACTERS": "Look-alike characters",
    "INSTRUCTION_LIKE_TEXT": "Text addressed to a machine",
    "BANK_DETAILS_UNREADABLE": "Bank details unreadable",
}
STATE_LABELS = {
    pb.REVIEW_TASK_STATE_OPEN: "open",
    pb.REVIEW_TASK_STATE_CLAIMED: "claimed",
    pb.REVIEW_TASK_STATE_APPROVED: "approved",
    pb.REVIEW_TASK_STATE_REJECTED: "rejected",
}
_ITEM_FIELD = re.compile(r"^line_items\[(\d+)\]\.(\w+)$")


def task_id(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def age(created: dt.datetime, now: dt.datetime | None = None) -> str:
    seconds = max(0, int(((now or dt.datetime.now(dt.UTC)) - created).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def about(seconds: float) -> str:
    """A rough duration for people: "about 40 s", "about 3 min", "about 2 h"."""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.0f} h"


def processing_view(status: pb.GetPipelineStatusResponse | None) -> dict[str, Any] | None:
    """The tenant's documents still in processing, as the queue shows them: "3 in processing, about 40 s".

    None when none are. Without a measured estimate (a suite that has not finished a document
    yet) only the count is shown; ``refresh_s`` is when the queue page looks again.
    """
    if status is None or status.processing_count <= 0:
        return None
    text = f"{status.processing_count} in processing"
    if status.estimated_seconds > 0:
        text += f", {about(status.estimated_seconds)}"
    refresh = min(30, max(5, round(status.estimated_seconds or 10)))
    return {"count": status.processing_count, "text": text, "refresh_s": refresh}


def money(amount: str, currency: str = "") -> str:
    try:
        text = f"{Decimal(amount):,.2f}"
    except (InvalidOperation, ValueError):
        text = amount
    return f"{text} {currency}".strip()


def _subject(reason: pb.ReviewReason) -> str:
    """A few words naming what the reason is about: a field label, or which check failed."""
    fields = [f.strip() for f in reason.field.split(",") if f.strip()]
    if not fields:
        return ""
    if reason.code != "CHECK_FAILED" or len(fields) == 1:
        return ", ".join(LABELS.get(f, f.replace("_", " ")) for f in fields)
    text = ",".join(fields)
    if "quantity" in text or "unit_price" in text:
        return "qty × price"
    if "line_items" in text:
        return "lines vs net"
    if "tax_details" in text:
        return "tax breakdown"
    if {"total_net", "total_tax", "total_gross"} <= set(fields):
        return "net + tax vs gross"
    if "due_date" in text:
        return "dates"
    return ", ".join(LABELS.get(f, f.replace("_", " ")) for f in fields[:3])


def reason_view(reason: pb.ReviewReason) -> dict[str, str]:
    return {
        "code": reason.code,
        "label": REASON_LABELS.get(reason.code, reason.code.replace("_", " ").capitalize()),
        "field": reason.field,
        "subject": _subject(reason),
        "detail": reason.detail,
    }


def task_summary(task: pb.ReviewTask, user: User) -> dict[str, Any]:
    created = task.create_time.ToDatetime(tzinfo=dt.UTC)
    return {
        "id": task_id(task.name),
        "document": task.document,
        "state": STATE_LABELS.get(task.state, "open"),
        "claimed_by": task.claimed_by,
        "mine": task.state == pb.REVIEW_TASK_STATE_CLAIMED and task.claimed_by == user.username,
        "etag": task.etag,
        "vendor": task.vendor_name,
        "gross": task.total_gross,
        "amount": money(task.total_gross, task.currency) if task.total_gross else "",
        "age": age(created),
        "created": created.isoformat(timespec="seconds"),
        "filename": task.filename,
        "page_count": max(task.page_count, 1),
        "reasons": [reason_view(r) for r in task.reasons],
    }


def bank_change_view(task: pb.ReviewTask, audit: list[pb.AuditEntry], user: User) -> dict[str, Any]:
    """An approved invoice whose bank details one person changed: what the second person checks."""
    changes = [e for e in audit if e.action == "field_corrected" and e.field in BANK_FIELDS]
    # The audit is oldest first: as read before the first change, as approved after the last.
    first = {e.field: e for e in reversed(changes)}
    last = {e.field: e for e in changes}
    approved_by = next((e.actor for e in reversed(audit) if e.action == "approved"), "")
    return task_summary(task, user) | {
        "bank_changes": [
            {"label": LABELS[name], "old": first[name].old_value, "new": last[name].new_value} for name in sorted(last)
        ],
        "changed_by": ", ".join(sorted({e.actor for e in changes})),
        "approved_by": approved_by,
        # Four eyes: whoever changed or approved the account may not confirm it.
        "own": user.username == approved_by or any(e.actor == user.username for e in changes),
    }


def _box(field: ext_pb.Field) -> tuple[int, str]:
    prov = field.provenance
    if prov.page and len(prov.bbox) == 4:
        return prov.page, ",".join(f"{v:.2f}" for v in prov.bbox)
    return 0, ""


def _cell(field: ext_pb.Field | None) -> dict[str, Any]:
    if field is None:
        return {"value": "", "confidence": None, "page": 0, "bbox": "", "source": "", "xml": False, "low": False}
    page, bbox = _box(field)
    return {
        "value": field.value,
        "confidence": round(field.confidence, 2),
        "percent": int(round(field.confidence * 100)),
        "page": page,
        "bbox": bbox,
        "source": field.provenance.source_text or field.provenance.derived,
        "xml": field.provenance.source == "xml",
        "low": field.confidence < LOW_CONFIDENCE,
    }


def _failing_fields(extraction: ext_pb.Extraction) -> set[str]:
    return {name for check in extraction.checks if not check.passed for name in check.fields}


def check_views(extraction: ext_pb.Extraction) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "label": CHECK_LABELS.get(c.name, c.name.replace("_", " ")),
            "passed": c.passed,
            "detail": c.detail,
            "live": c.name in LIVE_CHECKS,
            "fields": ",".join(c.fields),
        }
        for c in extraction.checks
    ]


def field_views(extraction: ext_pb.Extraction, reasons: list[pb.ReviewReason]) -> list[dict[str, Any]]:
    present = {f.name: f for f in extraction.fields}
    failing = _failing_fields(extraction)
    flagged: dict[str, list[str]] = {}
    for reason in reasons:
        for name in filter(None, reason.field.split(",")):
            flagged.setdefault(name.strip(), []).append(reason.detail or reason.code)
    names = list(HEADER_FIELDS) + [n for n in present if n not in HEADER_FIELDS]
    views = []
    for name in names:
        cell = _cell(present.get(name))
        cell.update(
            name=name,
            label=LABELS.get(name, name.replace("_", " ").capitalize()),
            failing=name in failing,
            flags="; ".join(flagged.get(name, [])),
        )
        views.append(cell)
    return views


def item_views(extraction: ext_pb.Extraction) -> list[dict[str, Any]]:
    failing: dict[int, set[str]] = {}
    for name in _failing_fields(extraction):
        match = _ITEM_FIELD.match(name)
        if match:
            failing.setdefault(int(match.group(1)), set()).add(match.group(2))
    rows = []
    for index, item in enumerate(extraction.line_items):
        cells = {f.name: f for f in item.fields}
        row = {}
        for column in ITEM_COLUMNS:
            cell = _cell(cells.get(column))
            cell["failing"] = column in failing.get(index, set())
            row[column] = cell
        rows.append(row)
    return rows


def corrected_payload(response: pb.SubmitCorrectionsResponse, user: User) -> dict[str, Any]:
    """The JSON the page gets back after saving: new etag, normalised values, boxes and checks."""
    extraction = response.extraction
    return {
        "etag": response.review_task.etag,
        "fields": {f["name"]: f for f in field_views(extraction, list(response.review_task.reasons))},
        "line_items": [{k: {"value": c["value"], "page": c["page"], "bbox": c["bbox"], "confidence": c["confidence"]}
                        for k, c in row.items()} for row in item_views(extraction)],
        "checks": check_views(extraction),
        "task": task_summary(response.review_task, user),
    }


def audit_views(entries: list[pb.AuditEntry]) -> list[dict[str, str]]:
    views = []
    for entry in reversed(entries):  # newest first: what a reviewer wants to see
        when = entry.create_time.ToDatetime(tzinfo=dt.UTC)
        views.append(
            {
                "actor": entry.actor,
                "action": entry.action.replace("_", " "),
                "field": LABELS.get(entry.field, ITEM_LABELS.get(entry.field, entry.field.replace("_", " "))),
                "old": entry.old_value,
                "new": entry.new_value,
                "when": when.strftime("%Y-%m-%d %H:%M"),
                "iso": when.isoformat(timespec="seconds"),
                "change": bool(entry.old_value or entry.new_value) and entry.action.endswith("_corrected"),
            }
        )
    return views


LINE_ITEM_KEYS = frozenset(LINE_ITEM_FIELDS)

# Amounts first: they are what the checks are about and what most corrections touch.
FIELD_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Amounts", ("total_net", "total_tax", "total_gross", "amount_due", "currency")),
    ("Invoice", ("invoice_number", "invoice_date", "due_date", "purchase_order", "payment_terms", "document_type")),
    ("Vendor", ("vendor_name", "vendor_address", "vendor_tax_id", "iban", "bic")),
    ("Customer", ("customer_name", "customer_tax_id")),
)


def grouped(fields: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Header fields in the groups the page shows, anything unexpected under "Other"."""
    by_name = {f["name"]: f for f in fields}
    groups = [(title, [by_name[n] for n in names if n in by_name]) for title, names in FIELD_GROUPS]
    known = {n for _, names in FIELD_GROUPS for n in names}
    other = [f for f in fields if f["name"] not in known]
    return groups + ([("Other", other)] if other else [])
