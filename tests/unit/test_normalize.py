from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from docai.services.documents.bank import iban_is_valid, normalize_bic, normalize_iban
from docai.services.extraction.normalize import (
    format_amount,
    format_number,
    normalize_currency,
    normalize_document_type,
    normalize_field,
    normalize_tax_id,
    parse_amount,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("1’234.56", "1234.56"),
        ("1234", "1234"),
        ("-12,50", "-12.50"),
        ("\u221212,50", "-12.50"),
        ("(12.50)", "-12.50"),
        ("12,50-", "-12.50"),
        ("12,50 €", "12.50"),
        ("EUR 1.234,56", "1234.56"),
        ("€1,234.56", "1234.56"),
        ("-€12.50", "-12.50"),
        ("12.50 Fr.", "12.50"),
        ("CHF 1'000.50", "1000.50"),
        ("US$ 5", "5"),
        ("1.234", "1234"),
        ("1,234", "1234"),
        ("0.125", "0.125"),
        ("1234.567", "1234.567"),
        ("12.5", "12.5"),
        ("12,5", "12.5"),
        ("1.234.567", "1234567"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1.234,-", "1234.00"),
        (".50", "0.50"),
        ("+7", "7"),
    ],
)
def test_parse_amount_reads_common_locales(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "EUR", "€", "12 50", "1,2,3", "1.23,45", "1.2.3,4", "12a", "12.50.3,1", "--5", "1/2"],
)
def test_parse_amount_rejects_non_numbers(text: str) -> None:
    assert parse_amount(text) is None


def test_parse_amount_decimal_hint_settles_three_digit_groups() -> None:
    assert parse_amount("1.234", decimal=".") == Decimal("1.234")
    assert parse_amount("1,234", decimal=",") == Decimal("1.234")
    assert parse_amount("1.234", decimal=",") == Decimal(1234)
    # A hint that does not fit falls back to reading the number on its own.
    assert parse_amount("1.5", decimal=",") == Decimal("1.5")


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("1234.5"), 2, "1234.50"),
        (Decimal("1234.565"), 2, "1234.57"),
        (Decimal("-12.5"), 2, "-12.50"),
        (Decimal("-0.001"), 2, "0.00"),
        (Decimal("1E+3"), 2, "1000.00"),
        (Decimal("1.23456"), 4, "1.2346"),
    ],
)
def test_format_amount(value: Decimal, places: int, expected: str) -> None:
    assert format_amount(value, places=places) == expected


def test_format_number_drops_trailing_zeros_without_exponent() -> None:
    assert [format_number(Decimal(v)) for v in ("5.000", "1.50", "100", "0.00", "19.0")] == [
        "5",
        "1.5",
        "100",
        "0",
        "19",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-03", date(2025, 4, 3)),
        ("2025/04/03", date(2025, 4, 3)),
        ("2025-04-03T10:00:00", date(2025, 4, 3)),
        ("20250403", date(2025, 4, 3)),
        ("03.04.2025", date(2025, 4, 3)),
        ("3.4.25", date(2025, 4, 3)),
        ("03/04/2025", date(2025, 4, 3)),
        ("03-04-2025", date(2025, 4, 3)),
        ("04/23/2025", date(2025, 4, 23)),
        ("23/04/2025", date(2025, 4, 23)),
        ("April 3, 2025", date(2025, 4, 3)),
        ("Apr 3 2025", date(2025, 4, 3)),
        ("April 3rd, 2025", date(2025, 4, 3)),
        ("3 April 2025", date(2025, 4, 3)),
        ("3. April 2025", date(2025, 4, 3)),
        ("3 avril 2025", date(2025, 4, 3)),
        ("1er avril 2025", date(2025, 4, 1)),
        ("03-Apr-2025", date(2025, 4, 3)),
        ("3. März 2025", date(2025, 3, 3)),
        ("3. Maerz 2025", date(2025, 3, 3)),
        ("1 Mär 2025", date(2025, 3, 1)),
        ("1. Mrz. 2025", date(2025, 3, 1)),
        ("5 févr. 2025", date(2025, 2, 5)),
        ("5 fevrier 2025", date(2025, 2, 5)),
        ("24 décembre 2024", date(2024, 12, 24)),
        ("24. Dez. 2024", date(2024, 12, 24)),
        ("15 août 2024", date(2024, 8, 15)),
        ("2 mei 2025", date(2025, 5, 2)),
        ("Donnerstag, 3. April 2025", date(2025, 4, 3)),
        ("Thursday, April 3, 2025", date(2025, 4, 3)),
        ("31.12.99", date(1999, 12, 31)),
    ],
)
def test_parse_date_reads_numeric_and_worded_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_parse_date_order_follows_preference_only_when_ambiguous() -> None:
    assert parse_date("03/04/2025", prefer_day_first=False) == date(2025, 3, 4)
    assert parse_date("23/04/2025", prefer_day_first=False) == date(2025, 4, 23)
    # Dots are day first whatever the preference.
    assert parse_date("03.04.2025", prefer_day_first=False) == date(2025, 4, 3)


@pytest.mark.parametrize(
    "text",
    ["", "31.02.2025", "13/13/2025", "April 2025", "2025", "hello", "3 Foo 2025", "3 April April 2025"],
)
def test_parse_date_rejects_non_dates(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("€", "EUR"),
        ("EUR", "EUR"),
        ("eur", "EUR"),
        ("Euro", "EUR"),
        ("euros", "EUR"),
        ("$", "USD"),
        ("US$", "USD"),
        ("£", "GBP"),
        ("CHF", "CHF"),
        ("Fr.", "CHF"),
        ("SFr.", "CHF"),
        ("12,50 €", "EUR"),
        ("Betrag in EUR", "EUR"),
        ("PLN", "PLN"),
    ],
)
def test_normalize_currency(text: str, expected: str) -> None:
    assert normalize_currency(text) == expected


@pytest.mark.parametrize("text", ["", "kr", "money", "12,50 € / $"])
def test_normalize_currency_unknown_or_ambiguous_is_none(text: str) -> None:
    assert normalize_currency(text) is None


def test_iban_normalisation_and_checksum() -> None:
    assert normalize_iban("IBAN: de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert iban_is_valid("DE89 3704 0044 0532 0130 00")
    assert iban_is_valid("GB29NWBK60161331926819")
    assert iban_is_valid("FR1420041010050500013M02606")
    assert not iban_is_valid("DE89 3704 0044 0532 0130 01")  # checksum
    assert not iban_is_valid("DE89370400440532013")  # too short for DE
    assert not iban_is_valid("not an iban")


def test_bic_tax_id_and_document_type() -> None:
    assert normalize_bic("cobade ffxxx") == "COBADEFFXXX"
    assert normalize_bic("BIC: WELADED1MST") == "WELADED1MST"
    assert normalize_bic("COBA") is None
    assert normalize_tax_id("USt-IdNr.: de 123 456 789") == "DE123456789"
    assert normalize_tax_id("VAT: GB 123456789") == "GB123456789"
    assert normalize_tax_id("201/113/40209") == "201/113/40209"
    assert normalize_document_type("Rechnung") == "invoice"
    assert normalize_document_type("Credit Note") == "credit_note"
    assert normalize_document_type("Avoir") == "credit_note"
    assert normalize_document_type("381") == "credit_note"
    assert normalize_document_type("delivery note") is None


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("total_gross", "1.234,56 €", "1234.56"),
        ("total_net", "12", "12.00"),
        ("amount_due", "(12,50)", "-12.50"),
        ("invoice_date", "3. März 2025", "2025-03-03"),
        ("due_date", "04/23/2025", "2025-04-23"),
        ("currency", "€", "EUR"),
        ("iban", "de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("bic", "COBADEFFXXX", "COBADEFFXXX"),
        ("vendor_tax_id", "DE 123 456 789", "DE123456789"),
        ("document_type", "Gutschrift", "credit_note"),
        ("vendor_name", "  ACME\n  GmbH ", "ACME GmbH"),
        ("quantity", "5,0000", "5"),
        ("quantity", "2,5 h", "2.5"),
        ("quantity", "250m²", "250"),
        ("unit_price", "18,00", "18.00"),
        ("unit_price", "1,2345", "1.2345"),
        ("amount", "90,00 €", "90.00"),
        ("tax_rate", "19 %", "19"),
        ("tax_rate", "7,0%", "7"),
        ("tax_rate", "5,5 %", "5.5"),
        ("rate", "MwSt. 19%", "19"),
        ("base", "100,00", "100.00"),
        ("description", "Premium  Coffee\tBeans", "Premium Coffee Beans"),
    ],
)
def test_normalize_field(name: str, raw: str, expected: str) -> None:
    assert normalize_field(name, raw) == expected


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("total_gross", "n/a"),
        ("invoice_date", "soon"),
        ("currency", "kr"),
        ("iban", "12345"),
        ("bic", "X"),
        ("vendor_name", "   "),
        ("quantity", "several"),
        ("tax_rate", "exempt"),
        ("vendor_tax_id", "  "),
    ],
)
def test_normalize_field_returns_none_when_unreadable(name: str, raw: str) -> None:
    assert normalize_field(name, raw) is None


def test_normalize_field_rereads_canonical_values_exactly() -> None:
    assert normalize_field("quantity", "1.234") == "1234"
    assert normalize_field("quantity", "1.234", decimal=".") == "1.234"
    assert normalize_field("total_gross", "144.594", decimal=".") == "144.59"
    assert normalize_field("tax_rate", "5,500 %") == "5.5"


def test_absurdly_long_digit_runs_are_not_amounts():
    from docai.services.extraction.normalize import normalize_field, parse_amount

    assert parse_amount("1" * 40) is None
    assert normalize_field("amount", "9" * 30 + ",00") is None
