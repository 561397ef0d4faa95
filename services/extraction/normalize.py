"""Turn printed invoice values into their canonical string forms.

Everything here is a pure function: amounts in any common locale become ``Decimal`` and
then plain strings (``"1234.56"``), dates in numeric or worded form (English, German,
French, Dutch) become ``date`` and then ISO 8601, currencies become ISO 4217 codes, and
IBANs, BICs and tax ids lose their spaces (IBANs and BICs: :mod:`docai.services.documents.bank`).
``normalize_field`` dispatches on the canonical field names of :mod:`docai.schemas.invoice`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from docai.schemas.invoice import AMOUNT_FIELDS, DATE_FIELDS
from docai.services.documents.bank import IBAN_SHAPE, normalize_bic, normalize_iban

__all__ = [
    "fold",
    "format_amount",
    "format_number",
    "normalize_currency",
    "normalize_document_type",
    "normalize_field",
    "normalize_tax_id",
    "normalize_text",
    "parse_amount",
    "parse_date",
]

# ---------------------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------------------

# Spaces used as thousands separators: normal, no-break, narrow no-break, thin.
_SPACES = " \u00a0\u202f\u2009\u2007"
_MINUS_SIGNS = "-\u2212\u2013\u2012"
_APOSTROPHES = "'\u2019\u02bc`"
_CURRENCY_SYMBOLS = "€$£¥₹₣₽₺₩₪"
# Currency words that may stand before or after a number ("EUR 12,50", "12,50 Euro").
_CURRENCY_WORD = re.compile(r"(?i)(?:us\$|c\$|a\$|sfr\.?|fr\.|euros?|[a-z]{3}(?![a-z]))")
_GROUPED_BY_MARK = re.compile(r"^\d{1,3}(?:'\d{3})+(?:[.,]\d*)?$")
_NUMBER_CORE = re.compile(r"^\d+(?:[.,]\d+)*(?:[.,]\d*)?$|^[.,]\d+$")


# No invoice amount reaches a quadrillion; longer digit runs overflow Decimal's quantize.
MAX_AMOUNT = Decimal(10) ** 15


def parse_amount(text: str, *, decimal: str | None = None) -> Decimal | None:
    """Read a printed amount or number in any common locale.

    Accepts thousands separators ``.`` ``,`` space and apostrophe, decimal ``.`` or ``,``,
    a leading or trailing minus, accounting parentheses and a currency symbol or code on
    either side.

    Args:
        text: The printed value, e.g. ``"1.234,56 €"`` or ``"(12.50)"``.
        decimal: The decimal separator when the caller knows the document's locale
            (``"."`` or ``","``); it settles the ambiguous ``"1.234"``.

    Returns:
        The value, or None when the text is not a single number.

    Example:
        >>> parse_amount("EUR 1.234,56")
        Decimal('1234.56')
    """
    s = text.strip()
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s = _strip_currency(s)
    if s and s[0] in _MINUS_SIGNS:
        negative, s = not negative, s[1:].strip()
    elif s.startswith("+"):
        s = s[1:].strip()
    if s and s[-1] in _MINUS_SIGNS and not s.endswith((",-", ".-")):
        # German accounting prints credits as "12,50-".
        negative, s = not negative, s[:-1].strip()
    s = _strip_currency(s)
    # "1.234,-" and "1.234,--" mean whole units.
    s = re.sub(r"([.,])[-\u2013]{1,2}$", r"\g<1>00", s)
    s = re.sub(f"[{_SPACES}{_APOSTROPHES}]+", "'", s)
    if "'" in s:
        # Spaces and apostrophes only ever group thousands ("1 234,56", "1'234.56"); anything
        # else ("12 50") is two numbers, not one.
        if not _GROUPED_BY_MARK.match(s):
            return None
        s = s.replace("'", "")
    if not _NUMBER_CORE.match(s):
        return None
    digits = _to_plain(s, decimal=decimal)
    if digits is None:
        return None
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    if abs(value) >= MAX_AMOUNT:  # a run of digits from a looping model, not a price
        return None
    return -value if negative else value


def _strip_currency(s: str) -> str:
    """Drop one currency symbol or code from either end."""
    s = s.strip()
    while s and s[0] in _CURRENCY_SYMBOLS:
        s = s[1:].strip()
    while s and s[-1] in _CURRENCY_SYMBOLS:
        s = s[:-1].strip()
    match = _CURRENCY_WORD.match(s)
    if match and normalize_currency(match.group(0)) is not None:
        s = s[match.end() :].strip()
    match = re.search(r"(?i)(?:us\$|sfr\.?|fr\.|euros?|[a-z]{3})$", s)
    standalone = match is not None and (match.start() == 0 or not s[match.start() - 1].isalpha())
    if match and standalone and normalize_currency(match.group(0)) is not None:
        s = s[: match.start()].strip()
    return s


def _to_plain(s: str, *, decimal: str | None) -> str | None:
    """Rewrite ``1.234,56`` / ``1,234.56`` / ``1234`` as ``1234.56`` (no sign)."""
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        # Both used: the one that comes last is the decimal separator.
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        thousands = "," if dec == "." else "."
        if s.count(dec) != 1:
            return None
        whole, frac = s.split(dec)
        if not _valid_groups(whole, thousands):
            return None
        return whole.replace(thousands, "") + "." + frac
    if not dots and not commas:
        return s
    sep = "." if dots else ","
    parts = s.split(sep)
    if len(parts) > 2:
        # Repeated separator: only thousands grouping makes sense ("1.234.567").
        return s.replace(sep, "") if _valid_groups(s, sep) else None
    whole, frac = parts
    if decimal is not None:
        if sep == decimal:
            return (whole or "0") + "." + frac
        if _valid_groups(s, sep):
            return s.replace(sep, "")
        # The hint does not fit this number ("1.5" with decimal=","): fall back to the
        # rule below rather than reject a readable value.
    # A single separator followed by exactly three digits: invoices print money with two
    # decimals, so "1.234" (DE) and "1,234" (EN) are far more often a thousands group than
    # a three-decimal amount. A leading "0" ("0.125") or a whole part longer than three
    # digits ("1234.567") cannot be a thousands group, so those stay decimals.
    if len(frac) == 3 and 1 <= len(whole) <= 3 and whole != "0":
        return whole + frac
    if not frac:
        return whole
    return (whole or "0") + "." + frac


def _valid_groups(number: str, sep: str) -> bool:
    """Whether ``number`` is grouped by ``sep`` in threes ("12.345.678")."""
    groups = number.split(sep)
    if not groups[0] or len(groups[0]) > 3:
        return len(groups) == 1 and bool(groups[0])
    return all(len(group) == 3 for group in groups[1:])


def format_amount(value: Decimal, *, places: int = 2) -> str:
    """Write an amount as a plain decimal string, rounded half up.

    Args:
        value: The amount.
        places: Decimals to keep; money uses two.

    Returns:
        E.g. ``"1234.56"``, ``"-12.50"``; never an exponent, never ``"-0.00"``.

    Example:
        >>> format_amount(Decimal("1234.5"))
        '1234.50'
    """
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:f}"


def format_number(value: Decimal) -> str:
    """Write a quantity or rate without trailing zeros: ``"5"``, ``"1.5"``, ``"19"``.

    Args:
        value: The number.

    Returns:
        The shortest plain decimal string, never an exponent.
    """
    if value == 0:
        return "0"
    text = f"{value.normalize():f}"
    return text


def _format_price(value: Decimal) -> str:
    """Unit prices keep two decimals, or up to four when the page gives them (ZUGFeRD)."""
    two = format_amount(value)
    if Decimal(two) == value:
        return two
    return format_amount(value, places=4).rstrip("0")


# ---------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janner jan januari janvier janv",
        "february feb febr februar februari fevrier fevr fev",
        "march mar mar marz maerz mrz maart mars",
        "april apr avril avr",
        "may mai mei",
        "june jun juni juin",
        "july jul juli juillet juil",
        "august aug augustus aout",
        "september sep sept septembre",
        "october oct oktober okt octobre",
        "november nov novembre",
        "december dec dezember dez decembre",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

# Words that may sit around a worded date and carry no meaning for it.
_DATE_FILLER = frozenset(
    [
        "the",
        "of",
        "on",
        "le",
        "du",
        "den",
        "der",
        "am",
        "op",
        "de",
        "en",
        "el",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
        "mo",
        "di",
        "mi",
        "do",
        "fr",
        "sa",
        "so",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    ]
)
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][\d:.+\-Z]*)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*([./\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})\.?$")
_COMPACT_DATE = re.compile(r"^(19|20)(\d{2})(\d{2})(\d{2})$")
_DATE_TOKEN = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)
# "3rd", "1st", "1er", "2e", "2ème" (folded to "2eme"): keep the number.
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er|re|eme|e)\b")


def fold(text: str) -> str:
    """Lower-case without accents: ``"Mär"`` → ``"mar"``, ``"févr."`` → ``"fevr."``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _year(text: str) -> int:
    """Four-digit year; two digits pivot at 70 (``25`` → 2025, ``99`` → 1999)."""
    value = int(text)
    if len(text) == 2:
        return 2000 + value if value < 70 else 1900 + value
    return value


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, *, prefer_day_first: bool = True) -> date | None:
    """Read a printed date: ISO, numeric with ``.`` ``/`` ``-``, or with a month name.

    Numeric dates with dots are always day first (no locale writes month-first with dots).
    With slashes or dashes the order follows ``prefer_day_first`` unless one reading is
    impossible (``04/23/2025`` can only be 23 April). Month names may be English, German,
    French or Dutch, full or abbreviated, with or without accents and trailing dots.

    Args:
        text: The printed date, e.g. ``"3. März 2025"`` or ``"03/04/2025"``.
        prefer_day_first: Read an ambiguous ``03/04/2025`` as 3 April (True) or
            4 March (False).

    Returns:
        The date, or None when the text is not exactly one valid date.

    Example:
        >>> parse_date("3 avril 2025")
        datetime.date(2025, 4, 3)
    """
    s = text.strip().strip(",;:()[]")
    if not s:
        return None
    if m := _ISO_DATE.match(s):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _NUMERIC_DATE.match(s):
        first, sep, second, year = int(m.group(1)), m.group(2), int(m.group(3)), _year(m.group(4))
        # Dots are a day-first convention in every locale that uses them.
        day_first = prefer_day_first or sep == "."
        if first > 12 and second <= 12:
            day_first = True
        elif second > 12 and first <= 12:
            day_first = False
        day, month = (first, second) if day_first else (second, first)
        return _make_date(year, month, day)
    if m := _COMPACT_DATE.match(s):
        return _make_date(int(m.group(1) + m.group(2)), int(m.group(3)), int(m.group(4)))
    return _parse_worded_date(s)


def _parse_worded_date(text: str) -> date | None:
    """``"April 3, 2025"``, ``"3. April 2025"``, ``"03-Apr-2025"``, ``"1er mars 2025"``."""
    month: int | None = None
    numbers: list[str] = []
    folded = _ORDINAL.sub(r"\1", fold(text))
    for token in _DATE_TOKEN.findall(folded):
        if token.isdigit():
            numbers.append(token)
        elif token in _MONTHS:
            if month is not None:
                return None
            month = _MONTHS[token]
        elif token in _DATE_FILLER:
            continue
        else:
            return None
    if month is None or len(numbers) != 2:
        return None
    day_text, year_text = numbers
    if len(day_text) == 4 and len(year_text) <= 2:
        day_text, year_text = year_text, day_text  # "2025 April 3"
    if len(day_text) > 2 or len(year_text) not in (2, 4):
        return None
    return _make_date(_year(year_text), month, int(day_text))


# ---------------------------------------------------------------------------------------
# Currencies, bank and tax identifiers
# ---------------------------------------------------------------------------------------

_ISO_CURRENCIES = frozenset(
    [
        "EUR",
        "USD",
        "GBP",
        "CHF",
        "JPY",
        "CNY",
        "CAD",
        "AUD",
        "NZD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "HRK",
        "ISK",
        "TRY",
        "RUB",
        "UAH",
        "INR",
        "SGD",
        "HKD",
        "KRW",
        "ZAR",
        "BRL",
        "MXN",
        "ARS",
        "CLP",
        "COP",
        "AED",
        "SAR",
        "ILS",
        "THB",
        "MYR",
        "IDR",
        "PHP",
        "TWD",
        "VND",
    ]
)
_CURRENCY_ALIASES: dict[str, str] = {
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "eur.": "EUR",
    "$": "USD",
    "us$": "USD",
    "usd$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "us-dollar": "USD",
    "us dollar": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "£": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "pound sterling": "GBP",
    "sterling": "GBP",
    "fr.": "CHF",
    "sfr": "CHF",
    "sfr.": "CHF",
    "franken": "CHF",
    "schweizer franken": "CHF",
    "franc suisse": "CHF",
    "francs suisses": "CHF",
    "¥": "JPY",
    "yen": "JPY",
    "₹": "INR",
    "zł": "PLN",
    "zl": "PLN",
    "kč": "CZK",
    "₺": "TRY",
    "₽": "RUB",
    "₩": "KRW",
    "₪": "ILS",
}


def normalize_currency(text: str) -> str | None:
    """Map a currency symbol, code or name to its ISO 4217 code.

    Args:
        text: E.g. ``"€"``, ``"Euro"``, ``"eur"``, ``"US$"``, ``"Fr."`` or ``"12,50 €"``.

    Returns:
        The code (``"EUR"``), or None when no known currency is named. ``"kr"`` is None:
        it is Swedish, Norwegian or Danish.

    Example:
        >>> normalize_currency("Fr.")
        'CHF'
    """
    s = " ".join(text.split())
    if not s:
        return None
    found = _lookup_currency(s)
    if found is not None:
        return found
    # Otherwise look for exactly one currency among the tokens ("12,50 €", "in EUR").
    tokens = re.findall(r"[A-Za-z]{1,3}\$|[^\W\d_]+\.?|[€$£¥₹₺₽₩₪]", s)
    codes = {code for token in tokens if (code := _lookup_currency(token)) is not None}
    return codes.pop() if len(codes) == 1 else None


def _lookup_currency(token: str) -> str | None:
    lowered = token.casefold()
    if lowered in _CURRENCY_ALIASES:
        return _CURRENCY_ALIASES[lowered]
    if token.upper() in _ISO_CURRENCIES and len(token) == 3:
        return token.upper()
    return None


_TAX_LABEL = re.compile(
    r"(?i)^\s*(?:vat(?:\s*(?:id|no\.?|number|reg\.?\s*no\.?))?|ust\.?-?\s*id\.?-?\s*nr\.?|"
    r"ust-?idnr\.?|steuer-?nr\.?|steuernummer|tva(?:\s*intracom(?:munautaire)?)?|"
    r"n°\s*tva|tax\s*id|btw(?:-?nr\.?)?)\s*[:.]?\s*"
)


def normalize_tax_id(text: str) -> str:
    """Upper-case a VAT or tax number, drop whitespace and a leading label.

    Punctuation inside the number is kept (``"201/113/40209"``, ``"CHE-123.456.789"``)
    because the evaluation compares tax ids without spaces only.

    Args:
        text: E.g. ``"USt-IdNr.: de 123 456 789"``.

    Returns:
        E.g. ``"DE123456789"``; an empty string when nothing is left.
    """
    return re.sub(r"\s", "", _TAX_LABEL.sub("", text)).upper()


_DOCUMENT_TYPES: dict[str, str] = {
    "invoice": "invoice",
    "rechnung": "invoice",
    "facture": "invoice",
    "factuur": "invoice",
    "tax invoice": "invoice",
    "commercial invoice": "invoice",
    "380": "invoice",
    "credit_note": "credit_note",
    "credit note": "credit_note",
    "credit memo": "credit_note",
    "creditnote": "credit_note",
    "gutschrift": "credit_note",
    "rechnungskorrektur": "credit_note",
    "avoir": "credit_note",
    "facture d'avoir": "credit_note",
    "creditnota": "credit_note",
    "creditfactuur": "credit_note",
    "381": "credit_note",
}


def normalize_document_type(text: str) -> str | None:
    """Map ``"Rechnung"``, ``"Facture"``, ``"380"``, ... to ``"invoice"`` or ``"credit_note"``."""
    key = " ".join(fold(text).replace("-", " ").split()).strip(" .:")
    return _DOCUMENT_TYPES.get(key)


def normalize_text(text: str) -> str | None:
    """Collapse whitespace; None when nothing is left."""
    collapsed = " ".join(text.split())
    return collapsed or None


# ---------------------------------------------------------------------------------------
# Dispatch by field name
# ---------------------------------------------------------------------------------------

_PRICE_FIELDS = frozenset({"unit_price"})
_MONEY_FIELDS = AMOUNT_FIELDS | {"amount", "base"}
_RATE_FIELDS = frozenset({"tax_rate", "rate"})
_QUANTITY_FIELDS = frozenset({"quantity"})
_LEADING_NUMBER = re.compile(r"^\s*[-+\u2212]?\s*\d[\d.,'\s\u00a0\u202f]*")


def _normalize_rate(raw: str, decimal: str | None) -> str | None:
    s = raw.strip()
    s = re.sub(r"^(?i:(?:vat|mwst\.?|ust\.?|tva|btw)\s*)", "", s)
    s = s.rstrip().removesuffix("%").rstrip()
    # A rate is never a thousands group: "5,500 %" is not 5500.
    if decimal is None:
        decimal = "," if "," in s and "." not in s else "."
    value = parse_amount(s, decimal=decimal)
    return None if value is None else format_number(value)


def _normalize_quantity(raw: str, decimal: str | None) -> str | None:
    # A quantity is often printed with its unit ("5 Stk", "2,5 h"); keep the number.
    value = parse_amount(raw, decimal=decimal)
    if value is None and (m := _LEADING_NUMBER.match(raw)):
        value = parse_amount(m.group(0), decimal=decimal)
    return None if value is None else format_number(value)


def normalize_field(name: str, raw: str, *, decimal: str | None = None) -> str | None:
    """Canonical string form of one field's value.

    Amounts (``total_*``, ``amount_due``, line and tax ``amount``/``base``) become
    two-decimal strings, ``unit_price`` keeps up to four decimals, quantities and rates
    lose trailing zeros and ``%`` (``"19 %"`` → ``"19"``), dates become ISO 8601,
    ``currency`` an ISO 4217 code, ``iban``/``bic``/tax ids lose their spaces,
    ``document_type`` becomes ``"invoice"`` or ``"credit_note"`` and every other field is
    a string with whitespace collapsed.

    Args:
        name: A canonical field name (header, line-item or tax-detail field).
        raw: The value as printed or as the model wrote it.
        decimal: The decimal separator of numbers when known; pass ``"."`` to re-read a
            value that is already canonical, where ``"1.234"`` means 1.234, not 1234.

    Returns:
        The canonical form, or None when ``raw`` cannot be read as that field.

    Example:
        >>> normalize_field("total_gross", "1.234,56 €")
        '1234.56'
        >>> normalize_field("invoice_date", "3. März 2025")
        '2025-03-03'
    """
    if name in _MONEY_FIELDS:
        value = parse_amount(raw, decimal=decimal)
        return None if value is None else format_amount(value)
    if name in _PRICE_FIELDS:
        value = parse_amount(raw, decimal=decimal)
        return None if value is None else _format_price(value)
    if name in _QUANTITY_FIELDS:
        return _normalize_quantity(raw, decimal)
    if name in _RATE_FIELDS:
        return _normalize_rate(raw, decimal)
    if name in DATE_FIELDS:
        parsed = parse_date(raw)
        return None if parsed is None else parsed.isoformat()
    if name == "currency":
        return normalize_currency(raw)
    if name == "iban":
        iban = normalize_iban(raw)
        return iban if IBAN_SHAPE.match(iban) else None
    if name == "bic":
        return normalize_bic(raw)
    if name in ("vendor_tax_id", "customer_tax_id"):
        return normalize_tax_id(raw) or None
    if name == "document_type":
        return normalize_document_type(raw)
    return normalize_text(raw)
