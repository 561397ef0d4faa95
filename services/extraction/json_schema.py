"""The JSON schema the extraction model's output must follow (decoding is constrained to it).

Values are strings exactly as printed on the page; normalisation (dates to ISO 8601,
amounts to decimals) happens after decoding, where it can be tested without a model.
Properties follow the canonical field order of ``docai.schemas.invoice``, which is also the
key order of the training targets (``prompt.completion_json``), so the model writes keys in
the order it was trained on.

Header fields are required and nullable: the model writes every key, in order, with
``null`` for what is not printed. The keys are then forced text that jump-forward decoding
feeds in one pass, and the model only decides each value. Measured zero-shot on
SmolLM2-135M-Instruct with the sample invoice of ``training/bench/decode.py``: with
optional properties the model closed the object after one field
(``{"document_type":"invoice"}``); required-nullable filled 15 fields, 9 of them right, at
the cost of ~2 forward passes per key. ``line_items`` and ``tax_details`` stay optional.

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


def invoice_json_schema(*, required_nullable: bool = True) -> dict[str, Any]:
    """Return the JSON schema of one invoice as the model writes it.

    Args:
        required_nullable: Every header field required, ``null`` for "not printed" (the
            default, see the module docstring); ``False`` makes them optional instead
            (kept for the benchmark that chose the default).

    Returns:
        A JSON schema dict: an object with the header fields, ``line_items`` and
        ``tax_details``, no other properties.

    Example:
        >>> schema = invoice_json_schema()
        >>> list(schema["properties"])[:2], schema["required"][0]
        (['vendor_name', 'vendor_address'], 'vendor_name')
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
