from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from docai.schemas.parsed import Page, ParsedDocument, Word
from docai.services.extraction.provenance import DocumentLocator, grounded, locate

CHAR_WIDTH = 5.0
LINE_HEIGHT = 10.0


def _line(text: str, *, top: float, x: float = 50.0) -> list[Word]:
    """Words of one printed line; ``|`` marks a column gap of 60 points."""
    words = []
    for chunk in text.split("|"):
        for token in chunk.split():
            width = CHAR_WIDTH * len(token)
            words.append(Word(text=token, x0=x, top=top, x1=x + width, bottom=top + LINE_HEIGHT))
            x += width + CHAR_WIDTH
        x += 60.0
    return words


def _doc(*pages: Sequence[str | tuple[str, float]]) -> ParsedDocument:
    """Pages of lines; a line is text (left edge 50) or (text, left edge)."""
    built = []
    for number, lines in enumerate(pages, start=1):
        words: list[Word] = []
        for row, line in enumerate(lines):
            text, x = (line, 50.0) if isinstance(line, str) else line
            words.extend(_line(text, top=100.0 + row * 14.0, x=x))
        built.append(Page(number=number, width=595, height=842, words=words, text=""))
    return ParsedDocument(pages=built, hidden_chars_dropped=0)


INVOICE = _doc(
    [
        "ACME GmbH | Rechnung",
        "Rechnungsnr.: RE-2025-001 | Datum: 3. April 2025",
        "Fällig am 03.05.2025",
        "IBAN DE89 3704 0044 0532 0130 00",
        "Pos | Beschreibung | Menge | Preis | Betrag",
        "1 | Premium Coffee | 5 | 18,00 | 90,00",
        ("Beans 1kg", 120.0),  # wrapped under "Premium", past the Pos column
        "2 | Tea | 3 | 15,00 € | 45,00 €",
        "Nettobetrag | 135,00",
        "Summe | 1.234,56 EUR",
        "Zu zahlen | 1.234,56 EUR",
    ]
)


def test_raw_text_matches_consecutive_words_case_insensitively() -> None:
    found = locate("DE89370400440532013000", "de89 3704 0044 0532 0130 00", INVOICE, field="iban")
    assert found is not None
    assert found.page == 1
    assert found.source_text == "DE89 3704 0044 0532 0130 00"
    assert found.bbox is not None
    iban_words = [w for w in INVOICE.pages[0].words if w.top == found.bbox[1]][1:]
    assert found.bbox == (iban_words[0].x0, iban_words[0].top, iban_words[-1].x1, iban_words[-1].bottom)


def test_normalised_iban_matches_groups_of_four_without_raw() -> None:
    found = locate("DE89370400440532013000", None, INVOICE, field="iban")
    assert found is not None
    assert found.source_text == "DE89 3704 0044 0532 0130 00"


def test_amount_value_matches_locale_formatted_print() -> None:
    found = locate("135.00", None, INVOICE, field="total_net")
    assert found is not None
    assert found.source_text == "135,00"


def test_totals_prefer_the_last_occurrence() -> None:
    gross = locate("1234.56", None, INVOICE, field="total_gross")
    assert gross is not None
    assert gross.source_text == "1.234,56"
    last_row_top = max(w.top for w in INVOICE.pages[0].words)
    assert gross.bbox is not None and gross.bbox[1] == last_row_top


def test_line_amounts_prefer_the_first_occurrence() -> None:
    doc = _doc(["Subtotal 90,00", "1 | Item | 90.00"])
    found = locate("90.00", None, doc, field="amount")
    assert found is not None
    assert found.source_text == "90,00"


def test_raw_text_wins_over_an_earlier_normalised_match() -> None:
    doc = _doc(["Item | 90.00", "Other | 90,00 €"])
    found = locate("90.00", "90,00 €", doc, field="amount")
    assert found is not None
    assert found.source_text == "90,00"  # the currency sign is trimmed off the raw text
    assert found.bbox is not None and found.bbox[1] == 114.0


def test_worded_date_spread_over_three_words() -> None:
    found = locate("2025-04-03", None, INVOICE, field="invoice_date")
    assert found is not None
    assert found.source_text == "3. April 2025"
    assert found.bbox is not None
    assert found.bbox[2] - found.bbox[0] > 3 * CHAR_WIDTH * 4  # spans all three words


def test_numeric_date_and_month_first_print() -> None:
    assert (found := locate("2025-05-03", None, INVOICE, field="due_date")) is not None
    assert found.source_text == "03.05.2025"
    us = _doc(["Invoice date: 11/03/2017"])
    assert (us_found := locate("2017-11-03", None, us, field="invoice_date")) is not None
    assert us_found.source_text == "11/03/2017"


def test_label_glued_to_value_is_found_inside_the_word() -> None:
    doc = _doc(["Nr.:RE-1001 | Datum 01.02.2025"])
    found = locate("RE-1001", None, doc, field="invoice_number")
    assert found is not None
    assert found.source_text == "Nr.:RE-1001"


def test_trailing_punctuation_is_ignored() -> None:
    found = locate("RE-2025-001", "RE-2025-001", _doc(["Invoice RE-2025-001, dated today"]), field="invoice_number")
    assert found is not None
    assert found.source_text == "RE-2025-001,"


def test_description_wraps_to_the_next_line_of_its_column() -> None:
    found = locate("Premium Coffee Beans 1kg", None, INVOICE, field="description")
    assert found is not None
    assert found.source_text == "Premium Coffee Beans 1kg"
    assert found.bbox is not None
    assert found.bbox[3] - found.bbox[1] > LINE_HEIGHT  # two lines tall


def test_currency_found_by_symbol() -> None:
    found = locate("EUR", None, _doc(["Total 12,50 €"]), field="currency")
    assert found is not None
    assert found.source_text == "12,50 €"


def test_value_on_second_page_reports_its_page() -> None:
    doc = _doc(["Page one"], ["Gesamt | 99,90"])
    found = locate("99.90", None, doc, field="total_gross")
    assert found is not None
    assert found.page == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total_gross", "999.99"),
        ("invoice_date", "2025-04-04"),
        ("iban", "DE89370400440532013001"),
        ("vendor_name", "Globex Corporation"),
        ("invoice_number", "RE-2025-002"),
        ("currency", "USD"),
    ],
)
def test_values_not_on_the_page_are_not_found(field: str, value: str) -> None:
    assert locate(value, None, INVOICE, field=field) is None
    assert not grounded(value, INVOICE, field=field)


def test_grounded_for_a_printed_value() -> None:
    assert grounded("ACME GmbH", INVOICE, field="vendor_name")
    assert grounded("45.00", INVOICE, field="amount", raw="45,00 €")


def test_locator_is_fast_on_a_full_page() -> None:
    lines = [f"Item {i} | Widget type {i} | {i} | {i},50 | {i * 3},50" for i in range(100)]
    doc = _doc(lines)
    assert sum(len(page.words) for page in doc.pages) == 800
    locator = DocumentLocator(doc)
    start = time.perf_counter()
    for value in ("297.50", "1234.56", "2025-04-03", "Widget type 42", "DE89370400440532013000"):
        for field in ("total_gross", "amount", "invoice_date", "description", "iban"):
            locator.locate(value, value, field=field)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, elapsed
    found = locator.locate("297.50", None, field="amount")
    assert found is not None and found.source_text == "297,50"


def test_wrap_needs_left_alignment() -> None:
    doc = _doc(["1 | Premium Coffee | 5", ("Beans 1kg", 300.0)])
    assert locate("Premium Coffee Beans 1kg", None, doc, field="description") is None
    # Typed fields never wrap.
    split = _doc(["IBAN DE89 3704 0044", ("0532 0130 00", 75.0)])  # aligned under DE89
    assert locate("DE89370400440532013000", None, split, field="iban") is None


def test_three_decimal_quantity_found_in_either_locale() -> None:
    doc = _doc(["1 | Kabel | 1,500 | m"])
    found = locate("1.5", None, doc, field="quantity")
    assert found is not None and found.source_text == "1,500"


def test_numbers_are_never_found_inside_longer_numbers() -> None:
    doc = _doc(["Betrag 112,50 | Datum 13.04.2025"])
    assert locate("12.50", "12,50", doc, field="total_gross") is None
    assert locate("2025-04-03", "3.04.2025", doc, field="invoice_date") is None
