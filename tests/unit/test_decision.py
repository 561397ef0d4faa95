"""decide(): auto-approve only when fields, checks, route and bank details are all in order."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import ExtractedField, Extraction
from docai.schemas.routing import Decision, ReviewReason, Route, Thresholds
from docai.services.routing.decision import decide

IBAN = "DE89 3704 0044 0532 0130 00"
OTHER_IBAN = "DE02120300000000202051"

GOOD_ROUTE = Route(
    department="IT",
    cost_centre="CC-4100",
    approver="lead@example.com",
    confidence=0.95,
    reasons=["v"],
    covered=True,
)
UNCOVERED = Route(department="", cost_centre="", approver="", confidence=0.0, reasons=[], covered=False)
PASSED = [CheckResult(name="arithmetic", passed=True), CheckResult(name="iban_checksum", passed=True)]


def extraction(
    *, confidence: dict[str, float] | None = None, drop: tuple[str, ...] = (), **override: str
) -> Extraction:
    values = {
        "vendor_name": "Contoso GmbH",
        "invoice_number": "INV-2024-0042",
        "invoice_date": "2024-03-31",
        "total_net": "100.00",
        "total_tax": "19.00",
        "total_gross": "119.00",
        "currency": "EUR",
        "iban": IBAN,
        "document_type": "invoice",
    } | override
    confidence = confidence or {}
    return Extraction(
        fields={
            name: ExtractedField(value=value, confidence=confidence.get(name, 0.97))
            for name, value in values.items()
            if name not in drop
        }
    )


def run(
    ex: Extraction | None = None,
    *,
    checks: list[CheckResult] | None = None,
    route: Route = GOOD_ROUTE,
    thresholds: Thresholds | None = None,
    previous_iban: str | None = None,
) -> Decision:
    return decide(
        extraction=ex or extraction(),
        checks=PASSED if checks is None else checks,
        route=route,
        thresholds=thresholds or Thresholds(),
        previous_iban=previous_iban,
    )


def codes(decision: Decision) -> list[tuple[str, str]]:
    return [(reason.code, reason.field) for reason in decision.reasons]


def test_all_good_auto_approves() -> None:
    decision = run(previous_iban=IBAN.replace(" ", "").lower())  # same account, other spelling

    assert decision == Decision(outcome="auto_approve", reasons=[])


def test_missing_required_field_goes_to_review() -> None:
    decision = run(extraction(drop=("invoice_number",), currency="  "))

    assert decision.outcome == "review"
    assert codes(decision) == [("MISSING_FIELD", "invoice_number"), ("MISSING_FIELD", "currency")]


def test_low_field_confidence_lists_the_field() -> None:
    decision = run(extraction(confidence={"total_gross": 0.42}))

    assert decision.outcome == "review"
    assert codes(decision) == [("LOW_CONFIDENCE", "total_gross")]
    assert "0.42" in decision.reasons[0].detail


def test_confidence_exactly_at_threshold_is_enough() -> None:
    assert run(extraction(confidence={"total_gross": 0.8})).outcome == "auto_approve"


def test_optional_field_only_counts_when_present() -> None:
    absent = run(extraction(drop=("iban", "total_net", "total_tax")))
    unsure = run(extraction(confidence={"iban": 0.5}))

    assert absent.outcome == "auto_approve"
    assert codes(unsure) == [("LOW_CONFIDENCE", "iban")]


def test_failed_check_names_the_check() -> None:
    failed = CheckResult(
        name="arithmetic",
        passed=False,
        detail="net + tax != gross",
        fields=["total_net", "total_tax", "total_gross"],
    )
    decision = run(checks=[failed, CheckResult(name="iban_checksum", passed=True)])

    assert decision.outcome == "review"
    assert decision.reasons == [
        ReviewReason(
            code="CHECK_FAILED",
            field="total_net,total_tax,total_gross",
            detail="net + tax != gross",
            check="arithmetic",
        )
    ]


def test_uncovered_route_goes_to_review() -> None:
    decision = run(route=UNCOVERED)

    assert decision.outcome == "review"
    assert codes(decision) == [("ROUTE_UNCOVERED", "")]


def test_low_route_confidence_goes_to_review() -> None:
    shaky = GOOD_ROUTE.model_copy(update={"confidence": 0.6})

    assert codes(run(route=shaky)) == [("LOW_ROUTE_CONFIDENCE", "")]
    assert run(route=shaky, thresholds=Thresholds(route_confidence=0.5)).outcome == "auto_approve"


def test_changed_iban_never_auto_approves() -> None:
    decision = run(previous_iban=OTHER_IBAN)

    assert decision.outcome == "review"
    assert codes(decision) == [("BANK_DETAILS_CHANGED", "iban")]
    assert OTHER_IBAN not in decision.reasons[0].detail  # accounts are masked in the detail
    assert decision.reasons[0].detail.endswith("...2051 to ...3000 for this vendor")


def test_no_extracted_iban_is_not_a_change() -> None:
    assert run(extraction(drop=("iban",)), previous_iban=OTHER_IBAN).outcome == "auto_approve"


@pytest.mark.parametrize(("name", "value"), [("document_type", "credit_note"), ("total_gross", "-119.00")])
def test_credit_notes_go_to_review_unless_the_tenant_allows_them(name: str, value: str) -> None:
    ex = extraction()
    ex.fields[name] = ExtractedField(value=value, confidence=0.97)

    assert codes(run(ex)) == [("CREDIT_NOTE", "document_type")]
    assert run(ex, thresholds=Thresholds(auto_approve_credit_notes=True)).outcome == "auto_approve"


def test_every_reason_is_collected() -> None:
    decision = run(
        extraction(drop=("vendor_name",), confidence={"invoice_date": 0.1}, document_type="credit_note"),
        checks=[
            CheckResult(name="arithmetic", passed=False),
            CheckResult(name="due_after_issue", passed=False),
        ],
        route=UNCOVERED,
        previous_iban=OTHER_IBAN,
    )

    assert codes(decision) == [
        ("MISSING_FIELD", "vendor_name"),
        ("LOW_CONFIDENCE", "invoice_date"),
        ("CHECK_FAILED", ""),
        ("CHECK_FAILED", ""),
        ("ROUTE_UNCOVERED", ""),
        ("BANK_DETAILS_CHANGED", "iban"),
        ("CREDIT_NOTE", "document_type"),
    ]
    assert [r.check for r in decision.reasons if r.code == "CHECK_FAILED"] == [
        "arithmetic",
        "due_after_issue",
    ]
    assert decision.reasons[2].detail == "check arithmetic failed"


def test_thresholds_are_per_tenant() -> None:
    strict = Thresholds(field_confidence=0.99, required_fields=["vendor_name", "purchase_order"])
    decision = run(thresholds=strict)

    assert codes(decision) == [
        ("LOW_CONFIDENCE", "vendor_name"),
        ("MISSING_FIELD", "purchase_order"),
        ("LOW_CONFIDENCE", "iban"),
        ("LOW_CONFIDENCE", "total_net"),
        ("LOW_CONFIDENCE", "total_tax"),
    ]


def test_thresholds_defaults_and_validation() -> None:
    defaults = Thresholds()

    assert (defaults.field_confidence, defaults.route_confidence) == (0.8, 0.7)
    assert defaults.required_fields == [
        "vendor_name",
        "invoice_number",
        "invoice_date",
        "total_gross",
        "currency",
    ]
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        Thresholds(field_confidence=1.5)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Thresholds(field_confidense=0.9)  # type: ignore[call-arg]


def test_review_reason_code_must_be_upper_snake() -> None:
    with pytest.raises(ValidationError, match="UPPER_SNAKE"):
        ReviewReason(code="low-confidence")
