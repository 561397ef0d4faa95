"""The approve-or-review decision for one routed invoice.

An invoice is auto-approved only when all of these hold; otherwise it goes to review with
*every* failed condition listed, so the reviewer sees the whole picture at once:

* each required field is present, non-empty (``MISSING_FIELD``) and at least
  ``field_confidence`` confident (``LOW_CONFIDENCE``); fields in ``confident_if_present``
  (IBAN, due date, ...) need not be there, but when they are, they must be confident too;
* every validation check passed (``CHECK_FAILED``, one reason per failed check, naming it; a
  check may name its own reason: an e-invoice whose XML and page disagree gives
  ``XML_PAGE_MISMATCH``, an XML invalid against its schema ``XML_INVALID``);
* the route is covered (``ROUTE_UNCOVERED``) and at least ``route_confidence`` confident
  (``LOW_ROUTE_CONFIDENCE``);
* the bank account is the one on file: when ``previous_iban`` is known for the vendor and the
  extracted IBAN differs, the invoice never auto-approves (``BANK_DETAILS_CHANGED``), the
  classic payment-diversion fraud. An invoice without an IBAN is not a change: payment then
  uses the account on file. An extracted IBAN that fails the length or mod-97 check cannot be
  compared with anything, so it is no "no change" either (``BANK_DETAILS_UNREADABLE``, unless
  a failed check already gives that reason: the page printing an IBAN that fails validation).
  The rule and the account on file are ``docai.services.documents.bank``'s;
* the document does not try to steer its reader: the reader's flags are failed checks with a
  reason of their own (``HIDDEN_TEXT``, ``DOCUMENT_MODIFIED``, ``BANK_DETAILS_MODIFIED``,
  ``LOOKALIKE_CHARACTERS``, ``INSTRUCTION_LIKE_TEXT``, ``BANK_DETAILS_UNREADABLE``; see
  ``docai.services.extraction.steering``), so each keeps the invoice in review;
* the vendor is one the tenant's vendor master knows, when the tenant has a master
  (``VENDOR_UNKNOWN``; ``docai.services.vendors``), and an active one (``VENDOR_INACTIVE``). When
  the vendor is in the master with an IBAN, that IBAN is the account on file: an invoice paying
  another gives ``BANK_DETAILS_CHANGED`` naming the master record;
* it is not a credit note (``CREDIT_NOTE``): credit notes must be matched against the invoice
  they correct, which nothing automates yet, so they go to review unless the tenant sets
  ``Thresholds.auto_approve_credit_notes``. A negative gross total counts as a credit note.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import Extraction
from docai.schemas.routing import Decision, ReviewReason, Route, Thresholds
from docai.services.documents.bank import bank_reasons
from docai.services.vendors.resolve import VendorMatch, route_gap

MISSING_FIELD = "MISSING_FIELD"
LOW_CONFIDENCE = "LOW_CONFIDENCE"
CHECK_FAILED = "CHECK_FAILED"
ROUTE_UNCOVERED = "ROUTE_UNCOVERED"
LOW_ROUTE_CONFIDENCE = "LOW_ROUTE_CONFIDENCE"
CREDIT_NOTE = "CREDIT_NOTE"
VENDOR_UNKNOWN = "VENDOR_UNKNOWN"
VENDOR_INACTIVE = "VENDOR_INACTIVE"


def decide(
    *,
    extraction: Extraction,
    checks: list[CheckResult],
    route: Route,
    thresholds: Thresholds,
    previous_iban: str | None = None,
    vendor: VendorMatch | None = None,
) -> Decision:
    """Decide whether an invoice may be auto-approved.

    Args:
        extraction: The extracted invoice.
        checks: Results of the validation checks run on it.
        route: Its route from ``RoutingPolicy.route``.
        thresholds: The tenant's thresholds.
        previous_iban: The IBAN on file for this vendor, if any (its last approved invoice's).
        vendor: The vendor master's record of the invoice's vendor (``docai.services.vendors.resolve``);
            its IBAN, when it has one, is the account on file instead of ``previous_iban``.

    Returns:
        ``auto_approve`` with no reasons, or ``review`` with every reason found, in this order:
        field reasons (in ``required_fields`` order, then ``confident_if_present``), failed
        checks (in the given order), route, bank details, vendor master, credit note.

    Example:
        >>> decision = decide(extraction=ex, checks=results, route=route, thresholds=Thresholds())
        >>> decision.outcome, [r.code for r in decision.reasons]
        ('review', ['LOW_CONFIDENCE'])
    """
    reasons = [
        *_field_reasons(extraction, thresholds),
        *_check_reasons(checks),
        *_route_reasons(route, thresholds, vendor),
        *bank_reasons(extraction, previous_iban, checks, vendor),
        *_vendor_reasons(extraction, vendor),
    ]
    if not thresholds.auto_approve_credit_notes and _is_credit_note(extraction):
        reasons.append(ReviewReason(code=CREDIT_NOTE, field="document_type", detail="credit notes are always reviewed"))
    return Decision(outcome="review" if reasons else "auto_approve", reasons=reasons)


def _field_reasons(extraction: Extraction, thresholds: Thresholds) -> list[ReviewReason]:
    reasons: list[ReviewReason] = []
    required = list(dict.fromkeys(thresholds.required_fields))
    optional = [name for name in dict.fromkeys(thresholds.confident_if_present) if name not in required]
    for name in required + optional:
        field = extraction.fields.get(name)
        if field is None or not field.value.strip():
            if name in required:
                reasons.append(ReviewReason(code=MISSING_FIELD, field=name, detail=f"{name} was not found"))
            continue
        if field.confidence < thresholds.field_confidence:
            reasons.append(
                ReviewReason(
                    code=LOW_CONFIDENCE,
                    field=name,
                    detail=f"confidence {field.confidence:.2f} is below {thresholds.field_confidence:.2f}",
                )
            )
    return reasons


def _check_reasons(checks: list[CheckResult]) -> list[ReviewReason]:
    return [
        ReviewReason(
            code=check.reason or CHECK_FAILED,
            field=",".join(check.fields),
            detail=check.detail or f"check {check.name} failed",
            check=check.name,
        )
        for check in checks
        if not check.passed
    ]


def _route_reasons(route: Route, thresholds: Thresholds, vendor: VendorMatch | None = None) -> list[ReviewReason]:
    if not route.covered:
        gap = route_gap(vendor) if vendor is not None else ""
        detail = "no routing rule matched this invoice" + (f", and {gap}" if gap else "")
        return [ReviewReason(code=ROUTE_UNCOVERED, detail=detail)]
    if route.confidence < thresholds.route_confidence:
        return [
            ReviewReason(
                code=LOW_ROUTE_CONFIDENCE,
                detail=f"route to {route.department} has confidence {route.confidence:.2f}, "
                f"below {thresholds.route_confidence:.2f}",
            )
        ]
    return []


def _vendor_reasons(extraction: Extraction, vendor: VendorMatch | None) -> list[ReviewReason]:
    """An unknown vendor, for tenants with a vendor master; a vendor the master deactivated."""
    if vendor is None or not vendor.master_exists:
        return []  # no master: as before there was one
    if vendor.vendor is None:
        who = extraction.value("vendor_name") or extraction.value("vendor_tax_id") or "the vendor"
        return [
            ReviewReason(
                code=VENDOR_UNKNOWN,
                field="vendor_name",
                detail=f"{who} is not in the vendor master (by tax id, IBAN or name)",
            )
        ]
    if not vendor.vendor.active:
        return [
            ReviewReason(
                code=VENDOR_INACTIVE,
                field="vendor_name",
                detail=f"the vendor master record {vendor.vendor.vendor_id} ({vendor.vendor.name}) is inactive",
            )
        ]
    return []


def _is_credit_note(extraction: Extraction) -> bool:
    if (extraction.value("document_type") or "").strip().lower() == "credit_note":
        return True
    try:
        return Decimal((extraction.value("total_gross") or "0").strip()) < 0
    except InvalidOperation:
        return False
