"""The JSON schema the extraction model's output must follow (decoding is constrained to it).

Values are strings exactly as printed on the page; normalisation (dates to ISO 8601,
amounts to decimals) happens after decoding, where it can be tested without a model.
Properties follow the canonical field order of ``docai.schemas.invoice``, which is also the
key order of the training targets (``prompt.completion_json``), so the model writes keys in
the order it was trained on.

Absent fields are simply left out (optional properties) rather than written as ``null``
(required-nullable): measured on SmolLM2-135M with xgrammar and jump-forward decoding (see
``tests/bench/bench_decode.py``), required-nullable forces the model to walk every key and
makes it more likely to fill a key it was walked to with a hallucinated value, while the
optional form lets it skip what is not printed.

Every string has a ``maxLength``, so a small model stuck repeating itself inside a value
is cut by the grammar instead of burning the whole token budget.
"""

from __future__ import annotations

from typing import Any

from docai.schemas.invoice import HEADER_FIELDS, LINE_ITEM_FIELDS, TAX_DETAIL_FIELDS

MAX_LINE_ITEMS = 40
MAX_TAX_DETAILS = 8
# Longest plausible printed value per field; anything longer is the model looping.
_MAX_LENGTH: dict[str, int] = {
    "vendor_name": 120,
    "vendor_address": 200,
    "customer_name": 120,
    "payment_terms": 160,
    "description": 200,
    "document_type": 11,
}
_DEFAULT_MAX_LENGTH = 64


def invoice_json_schema(*, required_nullable: bool = False) -> dict[str, Any]:
    """Return the JSON schema of one invoice as the model writes it.

    Args:
        required_nullable: Make every header field required with ``null`` for "not printed"
            instead of optional (kept for the benchmark that chose the default).

    Returns:
        A JSON schema dict: an object with the header fields, ``line_items`` and
        ``tax_details``, no other properties.

    Example:
        >>> schema = invoice_json_schema()
        >>> list(schema["properties"])[:2]
        ['vendor_name', 'vendor_address']
    """
    properties: dict[str, Any] = {
        name: _string(name, nullable=required_nullable) for name in HEADER_FIELDS if name != "document_type"
    }
    document_type: dict[str, Any] = {"type": "string", "enum": ["invoice", "credit_note"]}
    properties["document_type"] = {"anyOf": [document_type, {"type": "null"}]} if required_nullable else document_type
    properties["line_items"] = _array(LINE_ITEM_FIELDS, MAX_LINE_ITEMS)
    properties["tax_details"] = _array(TAX_DETAIL_FIELDS, MAX_TAX_DETAILS)
    # Keep HEADER_FIELDS order even though document_type was set last.
    ordered = {name: properties[name] for name in (*HEADER_FIELDS, "line_items", "tax_details")}
    schema: dict[str, Any] = {
        "type": "object",
        "properties": ordered,
        "additionalProperties": False,
    }
    if required_nullable:
        schema["required"] = list(HEADER_FIELDS)
    return schema


def _string(name: str, *, nullable: bool = False) -> dict[str, Any]:
    string = {"type": "string", "maxLength": _MAX_LENGTH.get(name, _DEFAULT_MAX_LENGTH)}
    return {"anyOf": [string, {"type": "null"}]} if nullable else string


def _array(fields: tuple[str, ...], max_items: int) -> dict[str, Any]:
    return {
        "type": "array",
        "maxItems": max_items,
        "items": {
            "type": "object",
            "properties": {name: _string(name) for name in fields},
            "additionalProperties": False,
        },
    }
