"""The ground truth of a synthetic invoice: exactly the printed facts, normalised.

Dates as ``YYYY-MM-DD``; amounts, quantities and rates as floats rounded to two decimals; the
IBAN compact and upper-case. Line items carry only the columns their layout prints.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from docai.training.synthetic.facts import OVERRIDABLE_FIELDS, Facts
from docai.training.synthetic.formats import quantize
from docai.training.synthetic.layouts import LayoutSpec


def to_float(value: Decimal) -> float:
    return float(quantize(value))


def ground_truth(facts: Facts, spec: LayoutSpec) -> dict[str, object]:
    truth: dict[str, object] = {}
    for name in OVERRIDABLE_FIELDS:
        if name not in facts.shown:
            continue
        value = facts.values[name]
        if isinstance(value, date):
            truth[name] = value.isoformat()
        elif isinstance(value, Decimal):
            truth[name] = to_float(value)
        elif name == "iban":
            truth[name] = str(value).replace(" ", "").upper()
        else:
            truth[name] = value
    truth["tax_details"] = [
        {"rate": to_float(r), "base": to_float(b), "amount": to_float(a)} for r, b, a in facts.taxes
    ]
    columns = set(spec.columns)
    items = []
    for item in facts.items:
        row: dict[str, object] = {"description": item.description}
        if columns & {"qty", "qty_unit"}:
            row["quantity"] = to_float(item.quantity)
        if columns & {"unit", "qty_unit"}:
            row["unit"] = item.unit
        if "price" in columns:
            row["unit_price"] = to_float(item.unit_price)
        row["amount"] = to_float(item.amount)
        if "tax" in columns:
            row["tax_rate"] = to_float(item.rate)
        if "code" in columns:
            row["product_code"] = item.code
        items.append(row)
    truth["line_items"] = items
    return truth
