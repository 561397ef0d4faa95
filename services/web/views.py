"""Turns ReviewService messages into the plain dicts the templates render (no protobuf in templates)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from docai.schemas.invoice import BANK_FIELDS, HEADER_FIELDS, LINE_ITEM_FIELDS, TAX_DETAIL_FIELDS
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
TAX_LABELS = {"rate": "Rate %", "base": "Taxable amount", "amount": "Tax"}
TAX_COLUMNS: tuple[str, ...] = TAX_DETAIL_FIELDS
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
LIVE_CHECKS = frozenset(
    {"line_items_sum_to_net", "net_plus_tax_equals_gross", "line_quantity_times_price", "tax_details_sum"}
)
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
    "DUPLICATE_INVOICE": "Duplicate invoice",
    "REOPENED": "Re-opened",
}
# Why an invoice waits, as a sentence: the one wording of each reason code, used by the chips'
# tooltips, the queue and the history. "{subject}" is what the reason is about (a field, a check).
REASON_SENTENCES = {
    "LOW_CONFIDENCE": "{subject} was read with low confidence",
    "CHECK_FAILED": "the check \u201c{subject}\u201d failed",
    "MISSING_FIELD": "{subject} was not found on the invoice",
    "ROUTE_UNCOVERED": "no routing rule matched the invoice",
    "LOW_ROUTE_CONFIDENCE": "the routing rules disagree about the department",
    "BANK_DETAILS_CHANGED": "the bank details differ from this vendor's earlier invoices",
    "CREDIT_NOTE": "credit notes are always reviewed",
    "XML_PAGE_MISMATCH": "the e-invoice's XML and its printed page disagree",
    "XML_INVALID": "the e-invoice's XML is invalid",
    "XML_UNREADABLE": "the e-invoice's XML cannot be read",
    "HIDDEN_TEXT": "the PDF contains text a reader cannot see",
    "DOCUMENT_MODIFIED": "the PDF was changed after it was first saved",
    "BANK_DETAILS_MODIFIED": "the bank details were changed in a later revision of the PDF",
    "LOOKALIKE_CHARACTERS": "{subject} contains look-alike characters from another alphabet",
    "INSTRUCTION_LIKE_TEXT": "the PDF contains text addressed to a machine",
    "BANK_DETAILS_UNREADABLE": "the bank details fail validation and cannot be compared",
    "DUPLICATE_INVOICE": "the same invoice arrived before",
    "REOPENED": "the invoice was re-opened after its approval",
}
# What each audit action says in the history; the actor's name comes first.
ACTION_SENTENCES = {
    "sent_to_review": "sent the invoice to review",
    "auto_approved": "approved the invoice automatically (every field sure, every check passed)",
    "claimed": "started working on the invoice",
    "released": "gave the invoice back to the queue",
    "field_corrected": "corrected {field}",
    "line_items_corrected": "corrected the line items",
    "tax_details_corrected": "corrected the tax breakdown",
    "route_corrected": "changed the route's {field}",
    "approved": "approved the invoice",
    "rejected": "rejected the invoice",
    "bank_details_confirmed": "confirmed the changed bank details as the second person",
    "re_extracted": "read the invoice again",
    "rerouted": "routed the invoice again",
    "exported": "the ERP fetched the approved invoice",
    "reopened": "re-opened the approved invoice",
}
ROUTE_LABELS = {"department": "Department", "cost_centre": "Cost centre", "approver": "Approver"}
STATE_LABELS = {
    pb.REVIEW_TASK_STATE_OPEN: "open",
    pb.REVIEW_TASK_STATE_CLAIMED: "claimed",
    pb.REVIEW_TASK_STATE_APPROVED: "approved",
    pb.REVIEW_TASK_STATE_REJECTED: "rejected",
}
_ITEM_FIELD = re.compile(r"^line_items\[(\d+)\]\.(\w+)$")
_TAX_FIELD = re.compile(r"^tax_details\[(\d+)\]\.(\w+)$")


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


def _check_of(reason: pb.ReviewReason) -> str:
    """The check a failed-check reason is about, from the fields it names (older reasons name no check)."""
    text = reason.field
    if "quantity" in text or "unit_price" in text:
        return "line_quantity_times_price"
    if "line_items" in text:
        return "line_items_sum_to_net"
    if "tax_details" in text:
        return "tax_details_sum"
    if "total_gross" in text:
        return "net_plus_tax_equals_gross"
    if "due_date" in text:
        return "due_date_not_before_invoice_date"
    if text == "iban":
        return "iban_checksum"
    return ""


def reason_sentence(reason: pb.ReviewReason) -> str:
    """Why the invoice waits, in one sentence ("the check “Net + tax = gross” failed")."""
    check = reason.check or (_check_of(reason) if reason.code == "CHECK_FAILED" else "")
    subject = CHECK_LABELS.get(check) or _subject(reason) or "a value"
    template = REASON_SENTENCES.get(reason.code)
    if template is None:
        return reason.detail or reason.code.replace("_", " ").lower()
    text = template.format(subject=subject)
    return text[0].upper() + text[1:]


_EARLIER_DOCUMENT = re.compile(r"\bdocuments/([A-Za-z0-9_-]{1,64})\b")


def earlier_document_link(reason: pb.ReviewReason) -> str:
    """A duplicate's link to the invoice it duplicates (its detail names ``documents/{id}``); "" otherwise."""
    found = _EARLIER_DOCUMENT.search(reason.detail) if reason.code == "DUPLICATE_INVOICE" else None
    return f"/documents/{found.group(1)}" if found else ""


def reason_view(reason: pb.ReviewReason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "label": REASON_LABELS.get(reason.code, reason.code.replace("_", " ").capitalize()),
        "field": reason.field,
        "subject": _subject(reason),
        "detail": reason.detail,
        "sentence": reason_sentence(reason),
        "resolved": reason.resolved,
        "link": earlier_document_link(reason),
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
        "open_reasons": sum(1 for r in task.reasons if not r.resolved),
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
        "percent": round(field.confidence * 100),
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


def tax_views(extraction: ext_pb.Extraction) -> list[dict[str, Any]]:
    """The tax breakdown's rows (rate, base, amount), each cell like a line item's."""
    failing: dict[int, set[str]] = {}
    for name in _failing_fields(extraction):
        match = _TAX_FIELD.match(name)
        if match:
            failing.setdefault(int(match.group(1)), set()).add(match.group(2))
    rows = []
    for index, tax in enumerate(extraction.tax_details):
        cells = {f.name: f for f in tax.fields}
        row = {}
        for column in TAX_COLUMNS:
            cell = _cell(cells.get(column))
            cell["failing"] = column in failing.get(index, set())
            row[column] = cell
        rows.append(row)
    return rows


def route_options_view(options: pb.RouteOptions, route: Any) -> dict[str, Any]:
    """The picklists of the route fields: the policy's departments, cost centres and approvers.

    A current value the policy does not know (an older policy, a value set over the API) stays
    selectable, marked as such, so opening an invoice never changes its route.
    """
    departments = [
        {
            "name": d.department,
            "cost_centres": list(d.cost_centres),
            "approvers": list(d.approvers),
            "approver": d.approver,
        }
        for d in options.departments
    ]
    lists: dict[str, list[str]] = {
        "department": [d["name"] for d in departments],
        "cost_centre": list(dict.fromkeys(c for d in departments for c in d["cost_centres"])),
        "approver": list(dict.fromkeys(a for d in departments for a in d["approvers"])),
    }
    choices = {}
    for key, values in lists.items():
        current = getattr(route, key, "") if route is not None else ""
        entries = [{"value": v, "label": v, "known": True} for v in values]
        if current and current not in values:
            entries.insert(0, {"value": current, "label": f"{current} (not in the policy)", "known": False})
        choices[key] = entries
    return {"departments": departments, "choices": choices, "present": bool(departments)}


def words_view(rendered: pb.RenderPageResponse) -> dict[str, Any]:
    """A page's words for the browser: [text, x0, top, x1, bottom] in points, with the page size."""
    return {
        "width": round(rendered.width_points, 2),
        "height": round(rendered.height_points, 2),
        "words": [[w.text, *(round(v, 2) for v in w.bbox)] for w in rendered.words if len(w.bbox) == 4],
    }


def corrected_payload(response: pb.SubmitCorrectionsResponse, user: User) -> dict[str, Any]:
    """The JSON the page gets back after saving: new etag, normalised values, boxes and checks."""
    extraction = response.extraction
    return {
        "etag": response.review_task.etag,
        "fields": {f["name"]: f for f in field_views(extraction, list(response.review_task.reasons))},
        "line_items": [
            {
                k: {"value": c["value"], "page": c["page"], "bbox": c["bbox"], "confidence": c["confidence"]}
                for k, c in row.items()
            }
            for row in item_views(extraction)
        ],
        "tax_details": [
            {
                k: {"value": c["value"], "page": c["page"], "bbox": c["bbox"], "confidence": c["confidence"]}
                for k, c in row.items()
            }
            for row in tax_views(extraction)
        ],
        "checks": check_views(extraction),
        "task": task_summary(response.review_task, user),
    }


def _field_label(name: str) -> str:
    return LABELS.get(name) or ITEM_LABELS.get(name) or ROUTE_LABELS.get(name) or name.replace("_", " ")


def _summary_reasons(summary: str) -> list[pb.ReviewReason]:
    """The reasons of a "sent_to_review" entry, written as "CODE:field,field, CODE, CODE:field"."""
    reasons = []
    for part in re.split(r",\s*(?=[A-Z][A-Z_]+(?::|,|$))", summary.strip()):
        code, _, fields = part.strip().partition(":")
        if code:
            reasons.append(pb.ReviewReason(code=code, field=fields))
    return reasons


def _checks_text(names: str) -> str:
    return ", ".join(CHECK_LABELS.get(n.strip(), n.strip().replace("_", " ")) for n in names.split(",") if n.strip())


def audit_sentence(entry: pb.AuditEntry) -> tuple[str, str]:
    """What happened, as (sentence after the actor's name, a note under it); no codes."""
    field = _field_label(entry.field)
    template = ACTION_SENTENCES.get(entry.action)
    if entry.action == "route_corrected":
        field = field.lower()
    sentence = template.format(field=field) if template else entry.action.replace("_", " ")
    note = "" if entry.action.endswith("_corrected") else entry.new_value
    if entry.action == "sent_to_review" and entry.new_value:
        note = " ".join(reason_sentence(r) + "." for r in _summary_reasons(entry.new_value))
    elif entry.action == "approved" and entry.new_value.startswith("failed checks:"):
        failed = entry.new_value.split(":", 1)[1]
        count = len([n for n in failed.split(",") if n.strip()])
        sentence += f" although {count} check{'s' if count != 1 else ''} failed"
        note = _checks_text(failed)
    elif entry.action in ("rejected", "reopened") and entry.new_value:
        note = f"Reason: {entry.new_value}"
    elif entry.action == "re_extracted" and entry.new_value:
        note = f"With {entry.new_value}."
    elif entry.action == "rerouted":
        note = f"{entry.old_value or 'no department'} \u2192 {entry.new_value or 'no department'}"
    elif entry.action == "bank_details_confirmed" and entry.new_value:
        note = f"IBAN {entry.new_value}"
    return sentence, note


def audit_views(entries: list[pb.AuditEntry]) -> list[dict[str, str]]:
    views = []
    for entry in reversed(entries):  # newest first: what a reviewer wants to see
        when = entry.create_time.ToDatetime(tzinfo=dt.UTC)
        sentence, note = audit_sentence(entry)
        views.append(
            {
                "actor": entry.actor,
                "code": entry.action,
                "action": sentence,
                "field": _field_label(entry.field),
                "old": entry.old_value,
                "new": entry.new_value,
                "note": note,
                "when": when.strftime("%Y-%m-%d %H:%M"),
                "iso": when.isoformat(timespec="seconds"),
                "change": bool(entry.old_value or entry.new_value) and entry.action.endswith("_corrected"),
            }
        )
    return views


LINE_ITEM_KEYS = frozenset(LINE_ITEM_FIELDS)
TAX_DETAIL_KEYS = frozenset(TAX_DETAIL_FIELDS)

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


_MATCHED_BY = {"tax_id": "tax id", "iban": "IBAN", "name": "name", "fuzzy_name": "similar name"}


def vendor_master_view(response: Any) -> dict[str, Any]:
    """The vendor master panel (templates/_vendor_master.html) from GetReviewTask's ``vendor_match``
    (the IBAN arrives masked but for its last 4 characters)."""
    if not response.HasField("vendor_match"):
        return {"exists": False, "found": False}
    match = response.vendor_match
    vendor = match.vendor
    found = match.HasField("vendor")
    route = " / ".join(part for part in (vendor.department, vendor.cost_centre, vendor.approver) if part)
    return {
        "exists": match.master_exists,
        "found": found,
        "matched_by": _MATCHED_BY.get(match.matched_by, match.matched_by),
        "vendor_id": vendor.vendor_id,
        "name": vendor.display_name,
        "tax_id": vendor.tax_id,
        "iban": vendor.iban,
        "route": route if vendor.department else "",
        "active": vendor.active if found else True,
    }
