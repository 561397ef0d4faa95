"""Arithmetic and consistency checks run on every extraction.

Only checks whose inputs are present are reported: an invoice without line items gets no
``line_items_sum_to_net`` result at all, rather than a "passed (skipped)" entry that would
count as evidence. A check whose inputs are present but unreadable (``total_net`` is
``"abc"``) runs and fails, saying which value it could not read.

Line-item fields are named ``line_items[i].<field>`` and tax details
``tax_details[i].<field>`` (0-based) in :attr:`CheckResult.fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import Extraction
from docai.services.documents.bank import iban_is_valid
from docai.services.extraction.normalize import (
    format_amount,
    format_number,
    parse_amount,
    parse_date,
)

__all__ = ["CHECK_NAMES", "run_checks"]

CHECK_NAMES: tuple[str, ...] = (
    "line_items_sum_to_net",
    "net_plus_tax_equals_gross",
    "line_quantity_times_price",
    "tax_details_sum",
    "iban_checksum",
    "due_date_not_before_invoice_date",
)


class _Unreadable(Exception):
    """An input is present but is not a number / date; the check fails with this text."""


def _amount(value: str, label: str) -> Decimal:
    # Extraction values are canonical, so a "." is always the decimal point ("1.234" kg).
    parsed = parse_amount(value, decimal=".")
    if parsed is None:
        raise _Unreadable(f"{label} {value!r} is not a number")
    return parsed


def _date(value: str, label: str) -> date:
    parsed = parse_date(value)
    if parsed is None:
        raise _Unreadable(f"{label} {value!r} is not a date")
    return parsed


def _fmt(value: Decimal) -> str:
    return format_amount(value)


def _sum_check(name: str, parts: list[tuple[str, str]], total: tuple[str, str], tolerance: Decimal) -> CheckResult:
    """``sum(parts) == total`` within ``tolerance``; parts and total are (field, value)."""
    fields = [field for field, _ in parts] + [total[0]]
    try:
        values = [_amount(value, field) for field, value in parts]
        expected = _amount(total[1], total[0])
    except _Unreadable as exc:
        return CheckResult(name=name, passed=False, detail=str(exc), fields=fields)
    computed = sum(values, Decimal(0))
    passed = abs(computed - expected) <= tolerance
    terms = " + ".join(_fmt(v) for v in values)
    detail = f"{terms} = {_fmt(computed)}"
    if not passed:
        detail += f", not {_fmt(expected)}"
    elif computed != expected:
        detail += f" ≈ {_fmt(expected)} (within {tolerance})"
    return CheckResult(name=name, passed=passed, detail=detail, fields=fields)


def _line_items_sum_to_net(extraction: Extraction, tolerance: Decimal) -> list[CheckResult]:
    # A row without an amount (an empty row a reviewer added, a text-only line) counts as zero:
    # it must not switch the check off, or 5 lines of 13 could be approved against the net.
    net = extraction.value("total_net")
    items = extraction.line_items
    parts = [
        (f"line_items[{i}].amount", item.fields["amount"].value)
        for i, item in enumerate(items)
        if "amount" in item.fields
    ]
    if net is None or not parts:
        return []
    result = _sum_check("line_items_sum_to_net", parts, ("total_net", net), tolerance)
    missing = [str(i + 1) for i, item in enumerate(items) if "amount" not in item.fields]
    if missing and not result.passed:
        result = result.model_copy(update={"detail": f"{result.detail} (line {', '.join(missing)} without an amount)"})
    return [result]


def _net_plus_tax_equals_gross(extraction: Extraction, tolerance: Decimal) -> list[CheckResult]:
    net, tax, gross = (extraction.value(n) for n in ("total_net", "total_tax", "total_gross"))
    if net is None or tax is None or gross is None:
        return []
    parts = [("total_net", net), ("total_tax", tax)]
    return [_sum_check("net_plus_tax_equals_gross", parts, ("total_gross", gross), tolerance)]


def _line_quantity_times_price(extraction: Extraction, tolerance: Decimal) -> list[CheckResult]:
    name = "line_quantity_times_price"
    checked: list[int] = []
    failures: list[str] = []
    fields: list[str] = []
    for i, item in enumerate(extraction.line_items):
        if not all(key in item.fields for key in ("quantity", "unit_price", "amount")):
            continue
        checked.append(i)
        keys = [f"line_items[{i}].{key}" for key in ("quantity", "unit_price", "amount")]
        try:
            quantity, price, amount = (
                _amount(item.fields[key].value, label)
                for key, label in zip(("quantity", "unit_price", "amount"), keys, strict=True)
            )
        except _Unreadable as exc:
            failures.append(f"line {i + 1}: {exc}")
            fields.extend(keys)
            continue
        product = quantity * price
        allowed = _line_tolerance(quantity, price, tolerance)
        # Credit notes may print a negative amount next to positive quantity and price.
        if abs(product - amount) <= allowed or abs(abs(product) - abs(amount)) <= allowed:
            continue
        failures.append(f"line {i + 1}: {format_number(quantity)} × {price} = {_fmt(product)}, not {_fmt(amount)}")
        fields.extend(keys)
    if not checked:
        return []
    if failures:
        return [CheckResult(name=name, passed=False, detail="; ".join(failures), fields=fields)]
    every = [f"line_items[{i}].{key}" for i in checked for key in ("quantity", "unit_price", "amount")]
    detail = f"{len(checked)} line(s): quantity × unit price = amount"
    return [CheckResult(name=name, passed=True, detail=detail, fields=every)]


def _line_tolerance(quantity: Decimal, price: Decimal, tolerance: Decimal) -> Decimal:
    """``tolerance`` plus the unit price's rounding error times the quantity.

    A price printed as ``0.33`` may be anything from 0.325 to 0.335, so 1000 of them may
    differ from the line amount by up to 5.00; a price printed to four places by 0.05.
    """
    exponent = price.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return tolerance + abs(quantity) * Decimal(5).scaleb(-places - 1)


def _tax_details_sum(extraction: Extraction, tolerance: Decimal) -> list[CheckResult]:
    tax = extraction.value("total_tax")
    details = extraction.tax_details
    if tax is None or not details or any("amount" not in d.fields for d in details):
        return []
    parts = [(f"tax_details[{i}].amount", d.fields["amount"].value) for i, d in enumerate(details)]
    return [_sum_check("tax_details_sum", parts, ("total_tax", tax), tolerance)]


def _iban_checksum(extraction: Extraction, tolerance: Decimal) -> list[CheckResult]:
    iban = extraction.value("iban")
    if iban is None:
        return []
    passed = iban_is_valid(iban)
    detail = f"{iban} passes mod-97" if passed else f"{iban} fails the IBAN length or mod-97 check"
    return [CheckResult(name="iban_checksum", passed=passed, detail=detail, fields=["iban"])]


def _due_date_not_before_invoice_date(extraction: Extraction, tolerance: Decimal) -> list[CheckResult]:
    name = "due_date_not_before_invoice_date"
    issued, due = extraction.value("invoice_date"), extraction.value("due_date")
    if issued is None or due is None:
        return []
    fields = ["invoice_date", "due_date"]
    try:
        issued_on, due_on = _date(issued, "invoice_date"), _date(due, "due_date")
    except _Unreadable as exc:
        return [CheckResult(name=name, passed=False, detail=str(exc), fields=fields)]
    passed = due_on >= issued_on
    relation = "on or after" if passed else "before"
    detail = f"due {due_on.isoformat()} is {relation} invoice date {issued_on.isoformat()}"
    return [CheckResult(name=name, passed=passed, detail=detail, fields=fields)]


_CHECKS: tuple[Callable[[Extraction, Decimal], list[CheckResult]], ...] = (
    _line_items_sum_to_net,
    _net_plus_tax_equals_gross,
    _line_quantity_times_price,
    _tax_details_sum,
    _iban_checksum,
    _due_date_not_before_invoice_date,
)


def run_checks(extraction: Extraction, *, tolerance: Decimal = Decimal("0.02")) -> list[CheckResult]:
    """Run every check whose inputs the extraction has.

    Checks, in this order: ``line_items_sum_to_net``, ``net_plus_tax_equals_gross``,
    ``line_quantity_times_price`` (one result for all lines; the allowed error is
    ``tolerance`` plus half a unit of the price's last printed decimal times the
    quantity), ``tax_details_sum``, ``iban_checksum`` and
    ``due_date_not_before_invoice_date``. A check with a missing input is left out of the
    result; one with an unreadable input fails.

    Args:
        extraction: The normalised extraction.
        tolerance: Largest difference between two amounts that still counts as equal.

    Returns:
        One :class:`CheckResult` per check that ran.

    Example:
        >>> from docai.schemas.invoice import ExtractedField
        >>> f = lambda v: ExtractedField(value=v, confidence=1.0)
        >>> ex = Extraction(fields={"total_net": f("12.00"), "total_tax": f("2.28"),
        ...                         "total_gross": f("14.40")})
        >>> [(r.name, r.passed, r.detail) for r in run_checks(ex)]
        [('net_plus_tax_equals_gross', False, '12.00 + 2.28 = 14.28, not 14.40')]
    """
    results: list[CheckResult] = []
    for check in _CHECKS:
        results.extend(check(extraction, tolerance))
    return results
