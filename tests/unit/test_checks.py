from __future__ import annotations

from decimal import Decimal

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import ExtractedField, Extraction, LineItem, TaxDetail
from docai.services.extraction.checks import CHECK_NAMES, run_checks


def _f(value: str) -> ExtractedField:
    return ExtractedField(value=value, confidence=0.9)


def _extraction(
    fields: dict[str, str] | None = None,
    lines: list[dict[str, str]] | None = None,
    taxes: list[dict[str, str]] | None = None,
) -> Extraction:
    return Extraction(
        fields={k: _f(v) for k, v in (fields or {}).items()},
        line_items=[LineItem(fields={k: _f(v) for k, v in line.items()}) for line in lines or []],
        tax_details=[TaxDetail(fields={k: _f(v) for k, v in tax.items()}) for tax in taxes or []],
    )


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    names = [r.name for r in results]
    assert len(names) == len(set(names)), names
    return {r.name: r for r in results}


def _consistent() -> Extraction:
    return _extraction(
        {
            "total_net": "135.00",
            "total_tax": "25.65",
            "total_gross": "160.65",
            "iban": "DE89370400440532013000",
            "invoice_date": "2025-04-03",
            "due_date": "2025-05-03",
        },
        [
            {"quantity": "5", "unit_price": "18.00", "amount": "90.00"},
            {"quantity": "3", "unit_price": "15.00", "amount": "45.00"},
        ],
        [{"rate": "19", "base": "135.00", "amount": "25.65"}],
    )


def test_consistent_invoice_passes_every_check_in_order() -> None:
    results = run_checks(_consistent())
    assert [r.name for r in results] == list(CHECK_NAMES)
    assert all(r.passed for r in results), [(r.name, r.detail) for r in results]


def test_empty_extraction_runs_no_checks() -> None:
    assert run_checks(Extraction()) == []


def test_checks_with_missing_inputs_are_left_out() -> None:
    results = _by_name(run_checks(_extraction({"total_net": "10.00", "total_gross": "11.90"})))
    assert results == {}
    only_iban = _by_name(run_checks(_extraction({"iban": "DE89370400440532013000"})))
    assert list(only_iban) == ["iban_checksum"]


def test_net_plus_tax_detail_names_the_mismatch() -> None:
    ex = _extraction({"total_net": "12.00", "total_tax": "2.28", "total_gross": "14.40"})
    (result,) = run_checks(ex)
    assert result.name == "net_plus_tax_equals_gross"
    assert not result.passed
    assert result.detail == "12.00 + 2.28 = 14.28, not 14.40"
    assert result.fields == ["total_net", "total_tax", "total_gross"]


def test_tolerance_is_inclusive_and_configurable() -> None:
    ex = _extraction({"total_net": "12.00", "total_tax": "2.28", "total_gross": "14.30"})
    (loose,) = run_checks(ex)
    assert loose.passed
    assert "14.30" in loose.detail
    (strict,) = run_checks(ex, tolerance=Decimal("0.01"))
    assert not strict.passed


def test_line_items_sum_to_net_fails_with_the_sum() -> None:
    ex = _extraction({"total_net": "140.00"}, [{"amount": "90.00"}, {"amount": "45.00"}])
    result = _by_name(run_checks(ex))["line_items_sum_to_net"]
    assert not result.passed
    assert result.detail == "90.00 + 45.00 = 135.00, not 140.00"
    assert result.fields == ["line_items[0].amount", "line_items[1].amount", "total_net"]


def test_a_line_without_an_amount_counts_as_zero_and_keeps_the_check() -> None:
    ex = _extraction({"total_net": "90.00"}, [{"amount": "90.00"}, {"description": "note"}])
    assert _by_name(run_checks(ex))["line_items_sum_to_net"].passed


def test_empty_rows_do_not_switch_off_the_lines_against_net_check() -> None:
    # 5 of 13 lines read, 8 rows left empty: the sum is far from the net and must fail.
    lines = [{"amount": "2500.00"}] * 5 + [{}] * 8
    result = _by_name(run_checks(_extraction({"total_net": "31593.00"}, lines)))["line_items_sum_to_net"]
    assert not result.passed
    assert "12,500.00" in result.detail or "12500.00" in result.detail
    assert "without an amount" in result.detail


def test_quantity_times_price_reports_only_failing_lines() -> None:
    ex = _extraction(
        lines=[
            {"quantity": "5", "unit_price": "18.00", "amount": "90.00"},
            {"quantity": "3", "unit_price": "15.00", "amount": "46.00"},
            {"description": "no numbers"},
        ]
    )
    result = _by_name(run_checks(ex))["line_quantity_times_price"]
    assert not result.passed
    assert result.detail == "line 2: 3 × 15.00 = 45.00, not 46.00"
    assert result.fields == [
        "line_items[1].quantity",
        "line_items[1].unit_price",
        "line_items[1].amount",
    ]


def test_quantity_times_price_tolerance_scales_with_quantity_and_price_rounding() -> None:
    # 1000 × 0.33 = 330.00 but the true price was 1/3: off by 3.33, allowed 0.02 + 5.00.
    rounded_price = _extraction(lines=[{"quantity": "1000", "unit_price": "0.33", "amount": "333.33"}])
    assert run_checks(rounded_price)[0].passed
    # A four-decimal price is rounded far less: 1000 × 0.3333 = 333.30, allowed 0.07.
    precise_price = _extraction(lines=[{"quantity": "1000", "unit_price": "0.3333", "amount": "333.40"}])
    assert not run_checks(precise_price)[0].passed
    close = _extraction(lines=[{"quantity": "1000", "unit_price": "0.3333", "amount": "333.33"}])
    assert run_checks(close)[0].passed
    single = _extraction(lines=[{"quantity": "1", "unit_price": "10.00", "amount": "10.05"}])
    assert not run_checks(single)[0].passed


def test_credit_note_negative_amount_passes_quantity_check() -> None:
    ex = _extraction(lines=[{"quantity": "2", "unit_price": "5.00", "amount": "-10.00"}])
    assert run_checks(ex)[0].passed


def test_tax_details_sum() -> None:
    ex = _extraction(
        {"total_tax": "26.65"},
        taxes=[{"rate": "19", "amount": "19.00"}, {"rate": "7", "amount": "7.00"}],
    )
    result = _by_name(run_checks(ex))["tax_details_sum"]
    assert not result.passed
    assert result.detail == "19.00 + 7.00 = 26.00, not 26.65"
    assert result.fields == ["tax_details[0].amount", "tax_details[1].amount", "total_tax"]


def test_iban_checksum_failure() -> None:
    result = _by_name(run_checks(_extraction({"iban": "DE89370400440532013001"})))["iban_checksum"]
    assert not result.passed
    assert result.fields == ["iban"]
    assert "DE89370400440532013001" in result.detail


def test_due_date_before_invoice_date_fails() -> None:
    ex = _extraction({"invoice_date": "2025-04-03", "due_date": "2025-04-02"})
    (result,) = run_checks(ex)
    assert result.name == "due_date_not_before_invoice_date"
    assert not result.passed
    assert result.detail == "due 2025-04-02 is before invoice date 2025-04-03"
    same_day = _extraction({"invoice_date": "2025-04-03", "due_date": "2025-04-03"})
    assert run_checks(same_day)[0].passed


def test_unreadable_inputs_fail_and_say_which_value() -> None:
    results = _by_name(
        run_checks(
            _extraction(
                {
                    "total_net": "abc",
                    "total_tax": "1.00",
                    "total_gross": "2.00",
                    "invoice_date": "soon",
                    "due_date": "2025-01-01",
                },
                [{"quantity": "x", "unit_price": "1.00", "amount": "1.00"}],
            )
        )
    )
    assert not results["net_plus_tax_equals_gross"].passed
    assert results["net_plus_tax_equals_gross"].detail == "total_net 'abc' is not a number"
    assert not results["due_date_not_before_invoice_date"].passed
    assert "invoice_date 'soon' is not a date" in results["due_date_not_before_invoice_date"].detail
    assert not results["line_quantity_times_price"].passed
    assert "line_items[0].quantity 'x' is not a number" in results["line_quantity_times_price"].detail


def test_canonical_three_decimal_quantity_is_not_a_thousands_group() -> None:
    ex = _extraction(lines=[{"quantity": "1.500", "unit_price": "10.00", "amount": "15.00"}])
    assert run_checks(ex)[0].passed
