"""The search and duplicate columns of a document, derived from its extraction.

An extraction is a JSON column: filtering on it reads (and parses) every row. So whenever a
document's ``extraction`` is set (by the pipeline, by a reviewer's correction, by anything),
``docai.services.storage.tables`` derives these plain, indexed columns from it:

================  ============================================================================
``search_vendor``  the vendor name folded for case-insensitive search (``casefold``, one space)
``search_number``  the invoice number without case or spaces (``"inv 001"`` → ``"INV001"``)
``search_gross``   the gross total as a canonical decimal (``"1234.50"``)
``search_date``    the invoice date (a date; NULL when missing or unreadable)
``duplicate_key``  SHA-256 of vendor + number + gross, each normalised as below; NULL unless all
                   three are there. Two invoices with the same key are the same invoice sent twice
                   (``docai.services.routing.duplicates``).
================  ============================================================================

The vendor part of the duplicate key is the name folded to letters and digits (``"ACME GmbH."``
and ``"Acme  GmbH"`` are one vendor): the name is a required field, while a tax id or IBAN is
often missing on one copy and read on the other.

Pure functions on the extraction's JSON, so the models (and the migration that fills the
columns of older documents) can use them without importing the domain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def field_value(extraction: dict[str, Any] | None, name: str) -> str:
    """The value of one extracted header field, "" when missing."""
    field = ((extraction or {}).get("fields") or {}).get(name) or {}
    value = field.get("value") if isinstance(field, dict) else None
    return value.strip() if isinstance(value, str) else ""


def search_text(text: str) -> str:
    """Folded for case-insensitive substring search: casefold, one space between words."""
    return " ".join(text.casefold().split())


def number_key(text: str) -> str:
    """An invoice number compared without case and spaces."""
    return "".join(text.split()).upper()


def duplicate_vendor_key(name: str) -> str:
    """A vendor name folded to its letters and digits, without accents (the duplicate key's vendor)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return _NOT_ALNUM.sub("", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def canonical_amount(text: str) -> str:
    """A plain decimal with at least two places (``"1234.5"`` → ``"1234.50"``); "" when not a number.

    More places are kept when they are not zero (``"12.345"``), so no amount is rounded into another.
    """
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return ""
    if not value.is_finite():
        return ""
    cents = value.quantize(Decimal("0.01"))
    if cents == value:
        return f"{abs(cents) if cents == 0 else cents:f}"
    return f"{value.normalize():f}"


def iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def duplicate_key(*, vendor: str, number: str, gross: str) -> str | None:
    """The key two copies of one invoice share; None unless vendor, number and gross are all there."""
    parts = (duplicate_vendor_key(vendor), number_key(number), canonical_amount(gross))
    if not all(parts):
        return None
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def index_values(extraction: dict[str, Any] | None) -> dict[str, Any]:
    """The derived columns of a document with this extraction (the extraction's JSON form)."""
    vendor, number, gross = (field_value(extraction, name) for name in ("vendor_name", "invoice_number", "total_gross"))
    return {
        "search_vendor": search_text(vendor)[:300],
        "search_number": number_key(number)[:100],
        "search_gross": canonical_amount(gross)[:40],
        "search_date": iso_date(field_value(extraction, "invoice_date")),
        "duplicate_key": duplicate_key(vendor=vendor, number=number, gross=gross),
    }
