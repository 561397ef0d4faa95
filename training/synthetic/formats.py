"""How numbers, amounts, rates and dates are printed on a synthetic invoice, per vendor locale.

Everything here is pure and deterministic: callers pass a ``random.Random``. The number and date
format names are example strings ("1.234,56", "3. April 2025") so that a format is self-describing
wherever it is stored (vendor records, corpus notes). ``quantize`` is the cent rounding every
amount of the generator goes through.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from docai.training.synthetic.locales import CURRENCY_SYMBOLS

NUMBER_FORMATS: tuple[str, ...] = ("1,234.56", "1.234,56", "1 234,56", "1'234.56")


DATE_FORMATS: tuple[str, ...] = (
    "2025-04-03",
    "03.04.2025",
    "03/04/2025",
    "April 3, 2025",
    "3 April 2025",
    "3. April 2025",
    "3 avril 2025",
    "03-04-2025",
    "3 april 2025",
    "3 de abril de 2025",
    "3 aprile 2025",
)


CENT = Decimal("0.01")


def quantize(value: Decimal) -> Decimal:
    """Round half up to cents, as invoicing software does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_number(value: float | Decimal, number_format: str, *, decimals: int = 2) -> str:
    """Format a number the way a layout prints it.

    Args:
        value: The number.
        number_format: One of ``NUMBER_FORMATS``, e.g. "1.234,56".
        decimals: Digits after the decimal mark.

    Returns:
        The printed string, e.g. "1.234,56" or "-1 234,56".

    Example:
        >>> format_number(1234.5, "1'234.56")
        "1'234.50"
    """
    if number_format not in NUMBER_FORMATS:
        raise ValueError(f"unknown number format {number_format!r}; known: {', '.join(NUMBER_FORMATS)}")
    thousands, decimal_mark = {
        "1,234.56": (",", "."),
        "1.234,56": (".", ","),
        "1 234,56": (" ", ","),
        "1'234.56": ("'", "."),
    }[number_format]
    text = f"{abs(Decimal(str(value))):,.{decimals}f}"
    text = text.replace(",", "\0").replace(".", decimal_mark).replace("\0", thousands)
    return ("-" if Decimal(str(value)) < 0 else "") + text


def format_quantity(value: Decimal, number_format: str) -> str:
    """Quantities print without decimals when whole ("3"), else with as few as needed ("7,5")."""
    if value == value.to_integral_value():
        return format_number(value, number_format, decimals=0)
    decimals = 1 if (value * 10) == (value * 10).to_integral_value() else 2
    return format_number(value, number_format, decimals=decimals)


def format_rate(rate: Decimal, number_format: str, *, spaced: bool) -> str:
    """A VAT rate: "19 %", "19%", "5,5 %", "8.1%"."""
    text = format_quantity(rate, number_format)
    return f"{text} %" if spaced else f"{text}%"


_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "it": (
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ),
}


def format_date(day: date, date_format: str) -> str:
    """Format a date the way a layout prints it.

    Args:
        day: The date.
        date_format: One of ``DATE_FORMATS``, e.g. "3. April 2025".

    Returns:
        The printed string.

    Example:
        >>> format_date(date(2025, 4, 3), "3 avril 2025")
        '3 avril 2025'
    """
    if date_format == "2025-04-03":
        return day.isoformat()
    if date_format == "03.04.2025":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    if date_format == "03/04/2025":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if date_format == "April 3, 2025":
        return f"{_MONTHS['en'][day.month - 1]} {day.day}, {day.year}"
    if date_format == "3 April 2025":
        return f"{day.day} {_MONTHS['en'][day.month - 1]} {day.year}"
    if date_format == "3. April 2025":
        return f"{day.day}. {_MONTHS['de'][day.month - 1]} {day.year}"
    if date_format == "3 avril 2025":
        first = "1er" if day.day == 1 else str(day.day)
        return f"{first} {_MONTHS['fr'][day.month - 1]} {day.year}"
    if date_format == "03-04-2025":
        return f"{day.day:02d}-{day.month:02d}-{day.year}"
    if date_format == "3 april 2025":
        return f"{day.day} {_MONTHS['nl'][day.month - 1]} {day.year}"
    if date_format == "3 de abril de 2025":
        return f"{day.day} de {_MONTHS['es'][day.month - 1]} de {day.year}"
    if date_format == "3 aprile 2025":
        first = "1º" if day.day == 1 else str(day.day)  # Italian writes the first as an ordinal
        return f"{first} {_MONTHS['it'][day.month - 1]} {day.year}"
    raise ValueError(f"unknown date format {date_format!r}; known: {', '.join(DATE_FORMATS)}")


def formats_for(rng: random.Random, *, language: str, country: str) -> tuple[str, str]:
    """A (number_format, date_format) pair that a vendor of this language and country would use."""
    if country == "CH":
        number_format = "1'234.56"
    else:
        number_format = {
            "en": "1,234.56",
            "de": "1.234,56",
            "fr": "1 234,56",
            "nl": "1.234,56",
            "es": "1.234,56",
            "it": "1.234,56",
        }[language]
    date_choices = {
        "en": ("2025-04-03", "03/04/2025", "April 3, 2025", "3 April 2025"),
        "de": ("03.04.2025", "03.04.2025", "3. April 2025", "2025-04-03"),
        "fr": ("03/04/2025", "03/04/2025", "3 avril 2025", "03.04.2025"),
        "nl": ("03-04-2025", "03-04-2025", "3 april 2025", "03/04/2025", "2025-04-03"),
        "es": ("03/04/2025", "03/04/2025", "3 de abril de 2025", "03-04-2025"),
        "it": ("03/04/2025", "03/04/2025", "3 aprile 2025", "03-04-2025"),
    }[language]
    return number_format, rng.choice(date_choices)


def format_money(value: Decimal, *, number_format: str, currency: str, style: str, language: str) -> str:
    """An amount with its currency: "EUR 1,234.56", "1.234,56 €", "£1,234.56", "€ 1.234,56" or the number."""
    number = format_number(value, number_format)
    if style not in ("symbol", "code"):
        return number
    unit = CURRENCY_SYMBOLS.get(currency, currency) if style == "symbol" else currency
    # English, Dutch and Italian put the currency first; only English glues a symbol to the number.
    if language in ("en", "nl", "it") or unit == "CHF":
        sign, magnitude = ("-", number[1:]) if number.startswith("-") else ("", number)
        gap = "" if style == "symbol" and unit != "CHF" and language == "en" else " "
        return f"{sign}{unit}{gap}{magnitude}"
    return f"{number} {unit}"
