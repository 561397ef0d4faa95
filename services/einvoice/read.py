"""Read an EN 16931 e-invoice (CII or UBL XML) into docai's canonical fields, exactly.

An e-invoice states its values; nothing is guessed. factur-x's ``parse_ubl_cii_xml`` turns
the XML into EN 16931 business terms (BT-*, BG-*); this module maps them onto docai's fields
in the canonical form the page reader produces (:mod:`docai.services.extraction.normalize`),
each with confidence 1.0 and ``Provenance(source="xml")``. ZUGFeRD 1.0, which factur-x does
not parse, is first renamed into CII D16B (:func:`zugferd1_to_cii`).

=================  =========================================================================
docai field        EN 16931 business term
=================  =========================================================================
vendor_name        BT-27 seller name
vendor_address     BT-35, BT-36, BT-162 address lines, BT-38 postcode + BT-37 city, BT-39
                   subdivision, BT-40 country code; joined with ", "
vendor_tax_id      BT-31 seller VAT id, else BT-32 seller tax registration
customer_name      BT-44 buyer name
customer_tax_id    BT-48 buyer VAT id
invoice_number     BT-1
invoice_date       BT-2
due_date           BT-9
purchase_order     BT-13
payment_terms      BT-20 (several joined with "; ")
currency           BT-5
total_net          BT-109 total without VAT
total_tax          BT-110 total VAT in BT-5
total_gross        BT-112 total with VAT
amount_due         BT-115
iban               BT-84 of the first payment means that has an IBAN
bic                BT-86, the first one
document_type      "credit_note" for a UBL CreditNote or a BT-3 credit-note code
                   (factur-x's CREDIT_NOTE_TYPE_CODES: 81, 83, 261, 262, 296, 308, 381, 396,
                   420, 458, 502, 503, 532), else "invoice"
line items         BG-25: description BT-153 (item name), quantity BT-129, unit BT-130,
                   unit_price BT-146, amount BT-131, tax_rate BT-152, product_code BT-155
tax details        BG-23: rate BT-119, base BT-116, amount BT-117
=================  =========================================================================
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from facturx.facturx import get_level  # type: ignore[import-untyped]
from facturx.generate_xml import CREDIT_NOTE_TYPE_CODES  # type: ignore[import-untyped]
from facturx.parse_xml import parse_ubl_cii_xml  # type: ignore[import-untyped]
from lxml import etree

from docai.schemas.invoice import DATE_FIELDS, ExtractedField, Extraction, LineItem, Provenance, TaxDetail
from docai.services.common.errors import MalformedXmlError, NotAnEInvoiceError
from docai.services.einvoice.safe_xml import parse_xml
from docai.services.einvoice.validate import schema_problems
from docai.services.extraction.normalize import format_amount, normalize_field, normalize_text

__all__ = ["EInvoice", "arithmetic_problems", "read_einvoice", "zugferd1_to_cii"]

CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
ZUGFERD1_NS = "urn:ferd:CrossIndustryDocument:invoice:1p0"
UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDITNOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

# Root element -> (syntax, docai flavor, factur-x flavor).
_ROOTS: dict[str, tuple[str, str, str]] = {
    f"{{{CII_NS}}}CrossIndustryInvoice": ("CII", "factur-x", "factur-x"),
    f"{{{ZUGFERD1_NS}}}CrossIndustryDocument": ("CII", "zugferd-1", "zugferd"),
    f"{{{UBL_INVOICE_NS}}}Invoice": ("UBL", "ubl-invoice", "ubl-2.1-invoice"),
    f"{{{UBL_CREDITNOTE_NS}}}CreditNote": ("UBL", "ubl-creditnote", "ubl-2.1-creditnote"),
}

TOLERANCE = Decimal("0.01")
"""Largest difference an arithmetic check lets pass: one cent of rounding."""


@dataclass(frozen=True)
class EInvoice:
    """One e-invoice as read: what it is, what it says, and what is wrong with it."""

    syntax: str
    """``"CII"`` or ``"UBL"``."""
    flavor: str
    """``"factur-x"`` (CII D16B, incl. ZUGFeRD 2 and XRechnung CII), ``"zugferd-1"``,
    ``"ubl-invoice"`` or ``"ubl-creditnote"``."""
    profile: str
    """The specification identifier (BT-24), e.g. ``"urn:cen.eu:en16931:2017"``."""
    level: str
    """factur-x's level name (minimum, basicwl, basic, en16931, extended; basic, comfort,
    extended for ZUGFeRD 1.0), or ``""`` when the profile names none."""
    extraction: Extraction
    problems: tuple[str, ...]
    """Schema violations and arithmetic that does not add up; empty when valid."""


def read_einvoice(xml: bytes | str | etree._Element) -> EInvoice:
    """Read an e-invoice's XML into docai's canonical fields, check its schema and sums.

    Args:
        xml: The XML as bytes or text (parsed by :func:`~.safe_xml.parse_xml`), or a root
            element that was itself parsed by it: factur-x's own parser is not hardened.

    Raises:
        MalformedXmlError: Not well-formed, declares a DTD, nests too deep, or states a date
            in a form its syntax does not allow.
        DocumentTooLargeError: Larger than :data:`~.safe_xml.MAX_XML_BYTES`.
        NotAnEInvoiceError: Well-formed XML that is not a CII or UBL invoice or credit note.
    """
    root = xml if isinstance(xml, etree._Element) else parse_xml(xml)
    syntax, flavor, facturx_flavor = _identify(root)
    terms = _business_terms(root, flavor, facturx_flavor)
    level = _level(root, facturx_flavor)
    problems = [*schema_problems(root, flavor, level), *arithmetic_problems(terms)]
    return EInvoice(
        syntax=syntax,
        flavor=flavor,
        profile=next(iter(_texts(terms.get("BT-24"))), ""),
        level=level,
        extraction=_extraction(terms, flavor, syntax),
        problems=tuple(problems),
    )


def _identify(root: etree._Element) -> tuple[str, str, str]:
    kind = _ROOTS.get(str(root.tag))
    if kind is None:
        raise NotAnEInvoiceError("the XML is neither a CII nor a UBL invoice or credit note")
    if len(root) == 0:
        raise NotAnEInvoiceError("the XML has an e-invoice root element but no content")
    return kind


def _level(root: etree._Element, facturx_flavor: str) -> str:
    try:
        return str(get_level(root, facturx_flavor))
    except (ValueError, AttributeError):  # no specification identifier, an empty one, or no known level
        return ""


def _business_terms(root: etree._Element, flavor: str, facturx_flavor: str) -> dict[str, Any]:
    """EN 16931 business terms by factur-x, every level's terms (the widest reading)."""
    if flavor == "zugferd-1":
        root, facturx_flavor = zugferd1_to_cii(root), "factur-x"
    try:
        terms: dict[str, Any] = parse_ubl_cii_xml(
            root,
            flavor=facturx_flavor,
            level="extended",
            check_xsd=False,
            date_as="string",
            bytes_as="string",  # attachments stay base64 text: a broken one must not stop the read
        )
    except ValueError:  # a date not in its syntax's form
        raise MalformedXmlError("the e-invoice states a date in a form its syntax does not allow") from None
    except (KeyError, TypeError, AttributeError, IndexError):  # e.g. amounts without the currency (BT-5)
        raise NotAnEInvoiceError("the XML lacks what every e-invoice states (such as its currency)") from None
    return terms


# ---------------------------------------------------------------------------------------
# ZUGFeRD 1.0 -> CII D16B
# ---------------------------------------------------------------------------------------

_D16B = "urn:un:unece:uncefact:data:standard:"
_ZUGFERD1_NAMESPACES: dict[str, str] = {
    ZUGFERD1_NS: CII_NS,
    f"{_D16B}ReusableAggregateBusinessInformationEntity:12": f"{_D16B}ReusableAggregateBusinessInformationEntity:100",
    f"{_D16B}UnqualifiedDataType:15": f"{_D16B}UnqualifiedDataType:100",
    f"{_D16B}QualifiedDataType:12": f"{_D16B}QualifiedDataType:100",
}
# Element names that changed from ZUGFeRD 1.0 to CII D16B wherever they stand.
_ZUGFERD1_NAMES: dict[str, str] = {
    "CrossIndustryDocument": "CrossIndustryInvoice",
    "SpecifiedExchangedDocumentContext": "ExchangedDocumentContext",
    "HeaderExchangedDocument": "ExchangedDocument",
    "SpecifiedSupplyChainTradeTransaction": "SupplyChainTradeTransaction",
    "ApplicableSupplyChainTradeAgreement": "ApplicableHeaderTradeAgreement",
    "ApplicableSupplyChainTradeDelivery": "ApplicableHeaderTradeDelivery",
    "ApplicableSupplyChainTradeSettlement": "ApplicableHeaderTradeSettlement",
    "SpecifiedSupplyChainTradeAgreement": "SpecifiedLineTradeAgreement",
    "SpecifiedSupplyChainTradeDelivery": "SpecifiedLineTradeDelivery",
    "SpecifiedSupplyChainTradeSettlement": "SpecifiedLineTradeSettlement",
    "ApplicablePercent": "RateApplicablePercent",
}
# Element names that changed depending on their (ZUGFeRD 1.0) parent: (parent, name) -> name.
_ZUGFERD1_NAMES_IN: dict[tuple[str, str], str] = {
    ("ApplicableSupplyChainTradeSettlement", "SpecifiedTradeSettlementMonetarySummation"): (
        "SpecifiedTradeSettlementHeaderMonetarySummation"
    ),
    ("SpecifiedSupplyChainTradeSettlement", "SpecifiedTradeSettlementMonetarySummation"): (
        "SpecifiedTradeSettlementLineMonetarySummation"
    ),
    ("BuyerOrderReferencedDocument", "ID"): "IssuerAssignedID",
    ("ContractReferencedDocument", "ID"): "IssuerAssignedID",
    ("AdditionalReferencedDocument", "ID"): "IssuerAssignedID",
    ("DespatchAdviceReferencedDocument", "ID"): "IssuerAssignedID",
    ("ReceivingAdviceReferencedDocument", "ID"): "IssuerAssignedID",
    ("DeliveryNoteReferencedDocument", "ID"): "IssuerAssignedID",
}


def zugferd1_to_cii(root: etree._Element) -> etree._Element:
    """A CII D16B copy of a ZUGFeRD 1.0 document, renamed just enough for factur-x to read.

    Only namespaces and element names change (see the tables above); values, attributes and
    order stay, so the copy is readable but not necessarily valid against the D16B schema.
    """
    converted = copy.deepcopy(root)
    renames = [(element, _d16b_tag(element)) for element in converted.iter(etree.Element)]
    for element, tag in renames:
        element.tag = tag
    return converted


def _d16b_tag(element: etree._Element) -> str:
    name = etree.QName(element)
    namespace = _ZUGFERD1_NAMESPACES.get(name.namespace or "")
    if namespace is None:
        return str(element.tag)
    parent = element.getparent()
    parent_name = etree.QName(parent).localname if parent is not None else ""
    local = _ZUGFERD1_NAMES_IN.get((parent_name, name.localname)) or _ZUGFERD1_NAMES.get(name.localname, name.localname)
    return f"{{{namespace}}}{local}"


# ---------------------------------------------------------------------------------------
# Business terms -> docai fields
# ---------------------------------------------------------------------------------------

# docai header field -> where factur-x puts it: alternatives in order of preference, each a
# path of keys into the business-term dict.
_HEADER_TERMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "vendor_name": (("BG-4", "name"),),
    "vendor_tax_id": (("BG-4", "vat_identifier"), ("BG-4", "tax_identifier")),
    "customer_name": (("BG-7", "name"),),
    "customer_tax_id": (("BG-7", "vat_identifier"),),
    "invoice_number": (("BT-1",),),
    "invoice_date": (("BT-2",),),
    "due_date": (("BT-9",),),
    "purchase_order": (("BT-13",),),
    "currency": (("BT-5",),),
    "total_net": (("BT-109",),),
    "total_tax": (("BT-110",),),
    "total_gross": (("BT-112",),),
    "amount_due": (("BT-115",),),
    "iban": (("BT-84",),),
    "bic": (("BT-86",),),
}
_LINE_TERMS: dict[str, str] = {
    "description": "BT-153",
    "quantity": "BT-129",
    "unit": "BT-130",
    "unit_price": "BT-146",
    "amount": "BT-131",
    "tax_rate": "BT-152",
    "product_code": "BT-155",
}
_TAX_TERMS: dict[str, str] = {"rate": "BT-119", "base": "BT-116", "amount": "BT-117"}
# Seller address parts in reading order; postcode and city share one part ("75001 Paris").
_ADDRESS_PARTS: tuple[tuple[str, ...], ...] = (
    ("addr_l1",),
    ("addr_l2",),
    ("addr_l3",),
    ("postcode", "city"),
    ("country_subdivision",),
    ("country_code",),
)


def _extraction(terms: Mapping[str, Any], flavor: str, syntax: str) -> Extraction:
    fields: dict[str, ExtractedField] = {}
    for name, paths in _HEADER_TERMS.items():
        candidates = [text for path in paths for text in _texts(_lookup(terms, path))]
        found = _first_field(name, candidates, syntax)
        if found is not None:
            fields[name] = found
    for name, field in (
        ("vendor_address", _address(terms.get("BG-4"))),
        ("payment_terms", _field("payment_terms", "; ".join(_texts(terms.get("BT-20"))), syntax)),
        ("document_type", _document_type(terms, flavor)),
    ):
        if field is not None:
            fields[name] = field
    return Extraction(
        fields=fields,
        line_items=[LineItem(fields=_group(line, _LINE_TERMS, syntax)) for line in _groups(terms, "BG-25")],
        tax_details=[TaxDetail(fields=_group(tax, _TAX_TERMS, syntax)) for tax in _groups(terms, "BG-23")],
    )


def _group(terms: Mapping[str, Any], mapping: Mapping[str, str], syntax: str) -> dict[str, ExtractedField]:
    """The fields of one line item or tax breakdown, only those the XML states."""
    fields: dict[str, ExtractedField] = {}
    for name, term in mapping.items():
        found = _first_field(name, _texts(terms.get(term)), syntax)
        if found is not None:
            fields[name] = found
    return fields


def _first_field(name: str, candidates: Iterable[str], syntax: str) -> ExtractedField | None:
    """The first candidate that reads as the field (an IBAN-less account id is skipped)."""
    for raw in candidates:
        found = _field(name, raw, syntax)
        if found is not None:
            return found
    return None


def _field(name: str, raw: str, syntax: str) -> ExtractedField | None:
    # decimal="." because XML numbers are plain decimals: "1.234" is one point two three four.
    value = normalize_field(name, raw, decimal=".")
    if value is None:
        return None
    return _xml_field(value, _source_text(name, raw, syntax))


def _xml_field(value: str, source_text: str) -> ExtractedField:
    return ExtractedField(value=value, confidence=1.0, provenance=Provenance(source="xml", source_text=source_text))


def _source_text(name: str, raw: str, syntax: str) -> str:
    """The value as the XML writes it: factur-x hands CII dates (``20250131``) back as ISO."""
    if name in DATE_FIELDS and syntax == "CII":
        return raw.replace("-", "")
    return raw


def _address(party: object) -> ExtractedField | None:
    if not isinstance(party, Mapping):
        return None
    parts = [" ".join(text for key in keys for text in _texts(party.get(key))[:1]) for keys in _ADDRESS_PARTS]
    joined = ", ".join(part.strip() for part in parts if part.strip())
    value = normalize_text(joined)
    return None if value is None else _xml_field(value, joined)


def _document_type(terms: Mapping[str, Any], flavor: str) -> ExtractedField:
    code = next(iter(_texts(terms.get("BT-3"))), "")
    credit = flavor == "ubl-creditnote" or code in CREDIT_NOTE_TYPE_CODES
    return _xml_field("credit_note" if credit else "invoice", code)


def _lookup(terms: Mapping[str, Any], path: Sequence[str]) -> object:
    node: object = terms
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _texts(value: object) -> list[str]:
    """factur-x gives one match as a string and several as a list of strings."""
    items = value if isinstance(value, list) else [value]
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _groups(terms: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = terms.get(key)
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


# ---------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------


def arithmetic_problems(terms: Mapping[str, Any]) -> list[str]:
    """EN 16931 totals that do not add up within a cent; only checks whose terms are stated.

    Line amounts sum to the line total (BT-106), net + VAT = gross (BT-109 + BT-110 =
    BT-112), gross - prepaid + rounding = due (BT-112 - BT-113 + BT-114 = BT-115) and the
    VAT breakdown sums to the VAT total (BT-117 over BG-23 = BT-110).
    """
    total = {
        term: _amount(terms.get(term))
        for term in ("BT-106", "BT-109", "BT-110", "BT-112", "BT-113", "BT-114", "BT-115")
    }
    problems: list[str] = []
    lines = [_amount(line.get("BT-131")) for line in _groups(terms, "BG-25") if _counts_in_sum(line)]
    if lines and total["BT-106"] is not None and None not in lines:
        _check(problems, "line amounts sum to", _sum(lines), "the line total (BT-106)", total["BT-106"])
    net, tax, gross = total["BT-109"], total["BT-110"], total["BT-112"]
    if net is not None and tax is not None and gross is not None:
        _check(problems, "net + VAT is", net + tax, "the gross total (BT-112)", gross)
    if gross is not None and total["BT-115"] is not None:
        due = gross - (total["BT-113"] or 0) + (total["BT-114"] or 0)
        _check(problems, "gross - prepaid + rounding is", due, "the amount due (BT-115)", total["BT-115"])
    taxes = [_amount(tax_terms.get("BT-117")) for tax_terms in _groups(terms, "BG-23")]
    if taxes and tax is not None and None not in taxes:
        _check(problems, "the VAT breakdown sums to", _sum(taxes), "the VAT total (BT-110)", tax)
    return problems


def _counts_in_sum(line: Mapping[str, Any]) -> bool:
    """Factur-X EXTENDED sub-lines: a GROUP line's amount repeats its DETAIL lines', and
    INFORMATION lines are not invoiced, so only regular and DETAIL lines make BT-106."""
    status = next(iter(_texts(line.get("EXT-FR-FE-163"))), "DETAIL")
    return status.upper() == "DETAIL"


def _check(problems: list[str], what: str, computed: Decimal, stated_as: str, stated: Decimal) -> None:
    if abs(computed - stated) > TOLERANCE:
        problems.append(f"{what} {format_amount(computed)}, not {stated_as} {format_amount(stated)}")


def _sum(values: Sequence[Decimal | None]) -> Decimal:
    return sum((value for value in values if value is not None), Decimal(0))


def _amount(value: object) -> Decimal | None:
    texts = _texts(value)
    if not texts:
        return None
    try:
        amount = Decimal(texts[0])
    except InvalidOperation:  # not a number: the schema check reports it
        return None
    return amount if amount.is_finite() else None
