"""Typed values found in text: amounts, dates, identifiers, IBANs, BICs and tax ids.

Each finder returns spans of one text (start, end, raw, canonical value), so a value read
after a label keeps the exact characters it came from. Checksums come from python-stdnum (IBANs
and BICs through :mod:`docai.services.documents.bank`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from stdnum.eu import vat as stdnum_vat

from docai.services.documents.bank import (
    bic_is_valid,
    compact_iban,
    iban_is_strictly_valid,
    valid_iban_prefix,
)
from docai.services.extraction.normalize import (
    format_amount,
    normalize_currency,
    normalize_tax_id,
    parse_amount,
    parse_date,
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    raw: str
    value: str
    valid: bool = True  # a checksum held (IBAN, VAT) or there is none to check


_CUR = r"(?:€|\$|£|¥|CHF|EUR|USD|GBP|Fr\.)"
_AMOUNT = re.compile(
    rf"(?<![\w.,/])(?:{_CUR}\s?)?[-−]?\s?(?:{_CUR}\s?)?"
    r"(?:\d{1,3}(?:(?:[.,'\u00a0\u202f]| (?=\d{3}\b))\d{3})+|\d+)(?:[.,]\d{1,4})?"
    rf"(?:\s?{_CUR})?(?![\w%/]|[.,]\d|\s?%)"
)
_MONTHS = (
    r"jan(?:uary|uar|vier|uari)?|feb(?:ruary|ruar|ruari)?|f[eé]vr(?:ier)?|m[aä]r(?:ch|z|s|t)?|maart|apr(?:il|ile)?|avril|"
    r"ma[iy]|mai|mei|juin|jun(?:e|i)?|juil(?:let)?|jul(?:y|i)?|aug(?:ust|ustus)?|ao[uû]t|sep(?:t(?:ember|embre)?)?|"
    r"o[ck]t(?:ober|obre)?|nov(?:ember|embre)?|d[eé]c(?:ember|embre)?|dez(?:ember)?|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    r"gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
)
_DATE = re.compile(
    r"(?<![\d.,/-])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?(?:\d{4}|\d{2})(?![\d]))"
    rf"|(?i:\b\d{{1,2}}(?:st|nd|rd|th|er|\.)?\s?(?:de\s)?(?:{_MONTHS})\.?,?\s?(?:de\s)?\d{{4}}\b)"
    rf"|(?i:\b(?:{_MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?,?\s\d{{4}}\b)"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")
_BIC = re.compile(r"\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b")
# A VAT number: a country prefix and 8-12 digits or letters, as printed (spaces and dots allowed).
_VAT = re.compile(
    r"\b(?:[A-Z]{2}|CHE)[\s-]?(?=[0-9A-Z .\-]{8,18})[0-9A-Z][0-9A-Z]*(?:[ .\-]?[0-9][0-9A-Z]*)*"
    r"(?:\s?(?:MWST|TVA|IVA|VAT))?"
)
_TAX_NUMBER = re.compile(r"\b\d[\d /.\-]{6,18}\d\b")
_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]*[A-Za-z0-9]|[0-9]")
_CODES = re.compile(r"\b(?:EUR|USD|GBP|CHF|JPY|CAD|AUD|SEK|NOK|DKK|PLN|CZK|HUF|RON|BGN|NZD|CNY|INR)\b|[€$£¥]")


def decimal_separator(text: str) -> str | None:
    """The document's decimal mark, by which one most amounts with two decimals use."""
    comma = len(re.findall(r"\d,\d{2}(?!\d)", text))
    dot = len(re.findall(r"\d\.\d{2}(?!\d)", text))
    if comma == dot == 0:
        return None
    return "," if comma > dot else "."


def amounts(text: str, *, decimal: str | None) -> Iterator[Span]:
    for m in _AMOUNT.finditer(text):
        raw = m.group(0).strip()
        if not any(ch.isdigit() for ch in raw):
            continue
        value = parse_amount(raw, decimal=decimal)
        if value is not None:
            yield Span(m.start(), m.end(), raw, format_amount(value))


def amount_value(span: Span) -> Decimal:
    return Decimal(span.value)


def dates(text: str, *, day_first: bool = True) -> Iterator[Span]:
    for m in _DATE.finditer(text):
        raw = m.group(0).strip()
        numeric = not re.search(r"[^\W\d_]", raw)
        parsed = parse_date(raw.replace(" ", "") if numeric else raw, prefer_day_first=day_first)  # "03. 04. 2025"
        if parsed is not None and 1990 <= parsed.year <= 2100:
            yield Span(m.start(), m.end(), raw, parsed.isoformat())


def ibans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        raw = m.group(0)
        compact = compact_iban(raw)
        valid = iban_is_strictly_valid(compact)
        if not valid and (end := valid_iban_prefix(raw)):
            raw, compact, valid = raw[:end], compact_iban(raw[:end]), True  # "AT39 … 5462 FN 322847p"
        yield Span(m.start(), m.start() + len(raw), raw, compact, valid)


def bics(text: str) -> Iterator[Span]:
    for m in _BIC.finditer(text):
        if bic_is_valid(m.group(0)):
            yield Span(m.start(), m.end(), m.group(0), m.group(0))


def tax_ids(text: str) -> Iterator[Span]:
    """VAT numbers (country prefix; checksum checked per country) and national tax numbers (digits)."""
    seen_end = -1
    for m in _VAT.finditer(text):
        compact = re.sub(r"[\s.\-]", "", m.group(0)).upper()
        if sum(ch.isdigit() for ch in compact) < 6 or len(compact) > 19:
            continue
        seen_end = m.end()
        # The canonical form keeps the printed punctuation ("CHE-123.456.789 MWST" loses only spaces).
        yield Span(m.start(), m.end(), m.group(0).strip(), normalize_tax_id(m.group(0)), _vat_valid(compact))
    for m in _TAX_NUMBER.finditer(text):
        if m.start() < seen_end:
            continue
        raw = m.group(0)
        yield Span(m.start(), m.end(), raw, normalize_tax_id(raw), False)


def _vat_valid(compact: str) -> bool:
    try:
        return bool(stdnum_vat.is_valid(compact))
    except Exception:  # noqa: BLE001 - stdnum raises for countries it does not know
        return False


def identifier(text: str) -> Span | None:
    """The first token that can be a document number: has a digit, is not a date, not a lone label word."""
    for m in _IDENT.finditer(text):
        token = m.group(0).rstrip(".")
        if not any(ch.isdigit() for ch in token) or len(token) > 30:
            continue
        if parse_date(token) is not None and re.search(r"[./]", token):
            return None  # a date where a number should be: no identifier here
        return Span(m.start(), m.start() + len(token), token, token)
    return None


def currencies(text: str) -> Iterator[Span]:
    for m in _CODES.finditer(text):
        code = normalize_currency(m.group(0))
        if code:
            yield Span(m.start(), m.end(), m.group(0), code)
