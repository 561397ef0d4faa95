"""Write docai's canonical fields as an EN 16931 e-invoice in CII syntax (Factur-X XML).

factur-x's ``generate_xml`` writes the XML from a dict of business terms; this module builds
that dict (the mapping of :mod:`~docai.services.einvoice.read`, reversed) and checks the result
against the schema. With line items the level is EN 16931; without, BASIC WL, the only
level factur-x writes that has no lines (it carries neither a BIC nor a seller tax number).

What docai does not hold is filled in the plainest way EN 16931 allows, and only that: line
numbers 1..n, unit "C62" (one) for a line without a unit, payment means "30" (credit
transfer) for an IBAN, VAT category "S" for a positive rate and "Z" for a zero rate, one VAT
breakdown holding the totals when none is stated (with the lines' rate when they share one,
else without a rate), each line in the only VAT category when it states no rate, the line
total (BT-106) as the sum of the line amounts, the prepaid amount (BT-113) as gross minus
due when they differ, and the seller's and buyer's country from the end of their address
(", DE") or else from the prefix of their VAT id. Anything else that EN 16931 requires and
the extraction lacks is refused with ``EXPORT_INCOMPLETE``, naming it.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from facturx.generate_xml import generate_xml  # type: ignore[import-untyped]
from lxml import etree

from docai.schemas.invoice import Extraction, LineItem, TaxDetail
from docai.services.common.errors import FailedPreconditionError
from docai.services.einvoice.safe_xml import parse_xml
from docai.services.einvoice.validate import schema_problems
from docai.services.extraction.normalize import format_amount

__all__ = ["to_cii"]

log = logging.getLogger(__name__)

_REQUIRED_HEADER: dict[str, str] = {
    "invoice_number": "BT-1",
    "invoice_date": "BT-2",
    "currency": "BT-5",
    "total_net": "BT-109",
    "total_tax": "BT-110",
    "total_gross": "BT-112",
    "amount_due": "BT-115",
}
_OPTIONAL_HEADER: dict[str, str] = {
    "due_date": "BT-9",
    "purchase_order": "BT-13",
    "payment_terms": "BT-20",
    "iban": "BT-84",
    "bic": "BT-86",
}
_REQUIRED_LINE: dict[str, str] = {
    "description": "BT-153",
    "quantity": "BT-129",
    "unit_price": "BT-146",
    "amount": "BT-131",
}
_OPTIONAL_LINE: dict[str, str] = {"unit": "BT-130", "tax_rate": "BT-152", "product_code": "BT-155"}
_REQUIRED_TAX: dict[str, str] = {"base": "BT-116", "amount": "BT-117", "rate": "BT-119"}
_DEFAULT_UNIT = "C62"  # UN/ECE Recommendation 20: "one", for a count without a unit
_CREDIT_TRANSFER = "30"  # UNTDID 4461 payment means
_INVOICE, _CREDIT_NOTE = "380", "381"  # UNTDID 1001 document types
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_VAT_ID = re.compile(r"^([A-Z]{2})[0-9A-Z+*.]{2,13}$")
_COUNTRY_AT_END = re.compile(r"^(?:(?P<rest>.*?),\s*)?(?P<country>[A-Z]{2})$")
# VAT prefixes that are not the ISO 3166 code of their country.
_VAT_PREFIX_COUNTRY: dict[str, str] = {"EL": "GR", "XI": "GB"}


def to_cii(extraction: Extraction) -> bytes:
    """EN 16931 CII XML (Factur-X) of an extraction, valid against its level's schema.

    Args:
        extraction: docai's canonical fields, line items and VAT breakdown.

    Returns:
        The XML, UTF-8 with a declaration.

    Raises:
        FailedPreconditionError: ``EXPORT_INCOMPLETE`` when EN 16931 requires a value the
            extraction lacks (its ``missing`` metadata lists them), ``EXPORT_INVALID`` when
            a value cannot be written (e.g. an unknown currency) or the result is not valid.
    """
    missing: list[str] = []
    try:
        terms = _terms(extraction, missing)
    except InvalidOperation:
        raise FailedPreconditionError("a number of this invoice is not a number", reason="EXPORT_INVALID") from None
    if missing:
        raise FailedPreconditionError(
            f"EN 16931 needs {', '.join(missing)} to write this invoice as CII",
            reason="EXPORT_INCOMPLETE",
            missing=",".join(missing),
        )
    return _write(terms, "en16931" if extraction.line_items else "basicwl")


def _terms(extraction: Extraction, missing: list[str]) -> dict[str, Any]:
    """The business terms for factur-x; what EN 16931 needs and is not there goes to ``missing``."""
    terms = _header(extraction, missing)
    breakdown = _tax_breakdown(extraction, missing)
    lines = [_line(index, item, breakdown, missing) for index, item in enumerate(extraction.line_items, 1)]
    terms["BG-23"], terms["BG-25"] = breakdown, lines
    if lines:
        terms["BT-106"] = format_amount(sum((Decimal(line.get("BT-131", "0")) for line in lines), Decimal(0)))
    else:
        terms["BT-106"] = terms.get("BT-109")
    if "BT-112" in terms and "BT-115" in terms and terms["BT-112"] != terms["BT-115"]:
        terms["BT-113"] = format_amount(Decimal(terms["BT-112"]) - Decimal(terms["BT-115"]))
    return terms


def _write(terms: dict[str, Any], level: str) -> bytes:
    try:
        xml: bytes = generate_xml(terms, flavor="factur-x", level=level, check_xsd=False, check_schematron=False)
    except ValueError:
        log.warning("factur-x refused the terms of an export", exc_info=True)
        raise FailedPreconditionError(
            "a value of this invoice cannot be written as EN 16931 CII", reason="EXPORT_INVALID"
        ) from None
    root = parse_xml(xml)
    for element in root.iter(etree.Element):
        # factur-x marks an empty block nil (the header delivery without a delivery date),
        # which the schema forbids: CII wants it just empty.
        if _XSI_NIL in element.attrib:
            del element.attrib[_XSI_NIL]
    problems = schema_problems(root, "factur-x", level)
    if problems:
        raise FailedPreconditionError(
            f"the CII written from this invoice is not valid: {problems[0]}", reason="EXPORT_INVALID"
        )
    written: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return written


def _header(extraction: Extraction, missing: list[str]) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "BT-3": _CREDIT_NOTE if extraction.value("document_type") == "credit_note" else _INVOICE,
        "BG-4": _party(extraction, "vendor", missing),
        "BG-7": _party(extraction, "customer", missing),
    }
    for name, term in _REQUIRED_HEADER.items():
        value = extraction.value(name)
        if value is None:
            missing.append(name)
        else:
            terms[term] = value
    terms.update({term: value for name, term in _OPTIONAL_HEADER.items() if (value := extraction.value(name))})
    if "BT-84" in terms:
        terms["BT-81"] = _CREDIT_TRANSFER
    return terms


def _party(extraction: Extraction, role: str, missing: list[str]) -> dict[str, str]:
    """Seller (``vendor``) or buyer (``customer``); only the seller's country is required."""
    party: dict[str, str] = {}
    name = extraction.value(f"{role}_name")
    if name is None:
        missing.append(f"{role}_name")
    else:
        party["name"] = name
    tax_id = extraction.value(f"{role}_tax_id")
    if tax_id:
        # EN 16931 has no buyer tax number, only a buyer VAT id (BT-48).
        is_vat_id = role == "customer" or _VAT_ID.match(tax_id) is not None
        party["vat_identifier" if is_vat_id else "tax_identifier"] = tax_id
    address = extraction.value(f"{role}_address") or ""
    match = _COUNTRY_AT_END.match(address)
    if match:
        address, party["country_code"] = match["rest"] or "", match["country"]
    elif tax_id and (vat := _VAT_ID.match(tax_id)):
        party["country_code"] = _VAT_PREFIX_COUNTRY.get(vat[1], vat[1])
    if address:
        party["addr_l1"] = address
    if role == "vendor" and "country_code" not in party:
        missing.append("vendor country (from vendor_address or vendor_tax_id)")
    return party


def _line(index: int, item: LineItem, breakdown: list[dict[str, str]], missing: list[str]) -> dict[str, str]:
    line = {"BT-126": str(index), "BT-130": _DEFAULT_UNIT}
    for fields, required in ((_REQUIRED_LINE, True), (_OPTIONAL_LINE, False)):
        for name, term in fields.items():
            field = item.fields.get(name)
            if field is not None:
                line[term] = field.value
            elif required:
                missing.append(f"line_items[{index}].{name}")
    if "BT-152" in line:
        line["BT-151"] = _category(line["BT-152"])
    elif len(breakdown) == 1 and "BT-118" in breakdown[0]:  # one VAT category: every line is in it
        line["BT-151"] = breakdown[0]["BT-118"]
        if "BT-119" in breakdown[0]:
            line["BT-152"] = breakdown[0]["BT-119"]
    else:
        missing.append(f"line_items[{index}].tax_rate")
    return line


def _tax_breakdown(extraction: Extraction, missing: list[str]) -> list[dict[str, str]]:
    """The VAT breakdown as stated, else one category holding the totals.

    That category's rate is the lines' rate when they all state the same one, else none (it
    is not guessed from the totals); it is standard-rated unless the VAT total is zero.
    """
    if extraction.tax_details:
        return [_stated_tax(index, detail, missing) for index, detail in enumerate(extraction.tax_details, 1)]
    net, tax = extraction.value("total_net"), extraction.value("total_tax")
    if net is None or tax is None:
        return []  # the totals are reported missing
    rates = {item.fields["tax_rate"].value if "tax_rate" in item.fields else None for item in extraction.line_items}
    entry = {"BT-116": net, "BT-117": tax, "BT-118": "S" if Decimal(tax) else "Z"}
    if len(rates) == 1 and (rate := rates.pop()) is not None:
        entry.update({"BT-119": rate, "BT-118": _category(rate)})
    return [entry]


def _stated_tax(index: int, detail: TaxDetail, missing: list[str]) -> dict[str, str]:
    """A stated VAT category; without a rate it is written as the derived one is (docai reads such XML back)."""
    entry = {term: detail.fields[name].value for name, term in _REQUIRED_TAX.items() if name in detail.fields}
    missing.extend(f"tax_details[{index}].{name}" for name in ("base", "amount") if name not in detail.fields)
    if "BT-119" in entry:
        entry["BT-118"] = _category(entry["BT-119"])
    elif "BT-117" in entry:
        entry["BT-118"] = "S" if Decimal(entry["BT-117"]) else "Z"
    return entry


def _category(rate: str) -> str:
    """UNTDID 5305: standard rate, or zero-rated; exemptions need a reason docai does not hold."""
    return "S" if Decimal(rate) > 0 else "Z"
