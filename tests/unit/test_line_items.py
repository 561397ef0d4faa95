"""Tests of reading line items from the page's tables (services/extraction/line_items.py).

Most documents here are built by hand, word by word, so each test shows the geometry it is
about (right-aligned figures, wrapped descriptions, a header repeated on page 2); the last
tests read rendered synthetic invoices end to end.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from docai.schemas.invoice import LineItem
from docai.schemas.parsed import Page, ParsedDocument, Word
from docai.services.extraction.layout import Layout
from docai.services.extraction.line_items import Lexicon, load_lexicon, read_line_items
from docai.services.ingest.pdf_parse import parse_pdf
from docai.training.scoring import score_documents
from docai.training.synthetic import LAYOUT_COUNT, generate_invoice

CHAR = 5.0  # points per character of the 9 pt text the builders draw
LINE = 9.0

Cell = tuple[float, str] | tuple[float, str, str]


def _cell(x: float, text: str, align: str = "left", *, top: float) -> list[Word]:
    """One cell's words, starting at ``x`` or, right-aligned, ending there."""
    start = x - len(text) * CHAR if align == "right" else x
    words = []
    for token in text.split(" "):
        words.append(Word(text=token, x0=start, top=top, x1=start + len(token) * CHAR, bottom=top + LINE))
        start += (len(token) + 1) * CHAR
    return words


def _line(top: float, *cells: Cell) -> list[Word]:
    out: list[Word] = []
    for cell in cells:
        out.extend(_cell(*cell, top=top))
    return out


def _document(*pages: list[list[Word]]) -> Layout:
    return Layout(
        ParsedDocument(
            pages=[
                Page(number=n, width=595, height=842, words=[w for line in lines for w in line])
                for n, lines in enumerate(pages, start=1)
            ]
        )
    )


def _values(items: list[LineItem]) -> list[dict[str, str]]:
    return [{name: f.value for name, f in item.fields.items()} for item in items]


# The columns of an English table: numbers right-aligned to the header's right edge.
HEADER_EN: tuple[Cell, ...] = (
    (50, "Pos"),
    (80, "Item no."),
    (150, "Description"),
    (345, "Qty", "right"),
    (360, "Unit"),
    (450, "Unit price", "right"),
    (490, "VAT", "right"),
    (545, "Amount", "right"),
)


def _row_en(
    top: float, pos: str, code: str, desc: str, qty: str, unit: str, price: str, vat: str, amount: str
) -> list[Word]:
    return _line(
        top,
        (58, pos, "right"),
        (80, code),
        (150, desc),
        (345, qty, "right"),
        (360, unit),
        (450, price, "right"),
        (490, vat, "right"),
        (545, amount, "right"),
    )


# --- columns --------------------------------------------------------------------------------


def test_each_cell_goes_to_the_column_whose_header_it_sits_under() -> None:
    layout = _document(
        [
            _line(60, (50, "ACME Ltd"), (400, "Invoice 2024-117")),
            _line(100, *HEADER_EN),
            _row_en(116, "1", "A-100", "Desk lamp", "2", "pcs", "1,249.50", "20 %", "2,499.00"),
            _row_en(130, "2", "B-7", "Cable set", "12.5", "m", "3.20", "20 %", "40.00"),
            _line(160, (380, "Total net"), (545, "2,539.00", "right")),
        ]
    )
    assert _values(read_line_items(layout)) == [
        {
            "description": "Desk lamp",
            "quantity": "2",
            "unit": "pcs",
            "unit_price": "1249.50",
            "amount": "2499.00",
            "tax_rate": "20",
            "product_code": "A-100",
        },
        {
            "description": "Cable set",
            "quantity": "12.5",
            "unit": "m",
            "unit_price": "3.20",
            "amount": "40.00",
            "tax_rate": "20",
            "product_code": "B-7",
        },
    ]


def test_every_field_keeps_its_page_box_and_printed_text() -> None:
    layout = _document(
        [_line(100, *HEADER_EN), _row_en(116, "1", "A-100", "Desk lamp", "2", "pcs", "5.00", "20 %", "10.00")]
    )
    (item,) = read_line_items(layout)
    amount = item.fields["amount"]
    assert amount.provenance.page == 1
    assert amount.provenance.source_text == "10.00"
    assert amount.provenance.bbox == (520.0, 116.0, 545.0, 125.0)
    assert all(0.0 <= f.confidence <= 1.0 for f in item.fields.values())


def test_merged_cells_are_split_by_the_headers_above_them() -> None:
    # Narrow columns printed with a single space between them: "1 A-100", "2 pcs".
    layout = _document(
        [
            _line(
                100,
                (50, "# Code"),
                (120, "Description"),
                (270, "Qty Unit"),
                (400, "Price", "right"),
                (480, "Total", "right"),
            ),
            _line(
                116,
                (50, "1 A-100"),
                (120, "Paper clips"),
                (270, "2 box"),
                (400, "1.50", "right"),
                (480, "3.00", "right"),
            ),
        ]
    )
    assert _values(read_line_items(layout)) == [
        {
            "description": "Paper clips",
            "quantity": "2",
            "unit": "box",
            "unit_price": "1.50",
            "amount": "3.00",
            "product_code": "A-100",
        }
    ]


def test_a_quantity_printed_with_its_unit_gives_both() -> None:
    # "MengeEinheit": two header words run together; the cells read "20Stk".
    layout = _document(
        [
            _line(
                100,
                (60, "Pos"),
                (90, "Bezeichnung"),
                (300, "MengeEinheit", "right"),
                (400, "Einzelpreis", "right"),
                (500, "Betrag", "right"),
            ),
            _line(
                116,
                (68, "1", "right"),
                (90, "Trennblätter A4"),
                (300, "20Stk", "right"),
                (400, "9,90", "right"),
                (500, "198,00", "right"),
            ),
            _line(
                130,
                (68, "2", "right"),
                (90, "Kabelbinder"),
                (300, "5 kg", "right"),
                (400, "4,00", "right"),
                (500, "20,00", "right"),
            ),
        ]
    )
    rows = _values(read_line_items(layout))
    assert [(r["quantity"], r["unit"]) for r in rows] == [("20", "Stk"), ("5", "kg")]
    assert [r["amount"] for r in rows] == ["198.00", "20.00"]


def test_a_header_in_two_stacked_lines_names_one_column() -> None:
    layout = _document(
        [
            _line(
                100,
                (50, "Description"),
                (300, "Quantity", "right"),
                (400, "Unit", "right"),
                (500, "Line", "right"),
            ),
            _line(108, (400, "price", "right"), (500, "total", "right")),
            _line(
                124,
                (50, "Consulting"),
                (300, "3", "right"),
                (400, "120.00", "right"),
                (500, "360.00", "right"),
            ),
        ]
    )
    assert _values(read_line_items(layout)) == [
        {"description": "Consulting", "quantity": "3", "unit_price": "120.00", "amount": "360.00"}
    ]


def test_a_sidebar_beside_the_table_is_left_out() -> None:
    layout = _document(
        [
            _line(
                100,
                (20, "IBAN: DE89 3704 0044"),
                (200, "Description"),
                (420, "Qty", "right"),
                (540, "Amount", "right"),
            ),
            _line(
                116,
                (20, "BIC: COBADEFFXXX"),
                (200, "Server rack"),
                (420, "1", "right"),
                (540, "900.00", "right"),
            ),
        ]
    )
    assert _values(read_line_items(layout)) == [{"description": "Server rack", "quantity": "1", "amount": "900.00"}]


def test_figures_right_aligned_under_centred_headers_keep_their_order() -> None:
    # Each header sits mid-column; figures end at the column's right edge, nearer the next
    # column's header than their own, and descriptions start far left of "Description".
    layout = _document(
        [
            _line(100, (130, "Description"), (262, "Qty"), (330, "Price"), (410, "Amount")),
            _line(
                116,
                (50, "Travel costs"),
                (300, "2", "right"),
                (380, "40.00", "right"),
                (460, "80.00", "right"),
            ),
            _line(130, (50, "SSD 1 TB"), (300, "10", "right"), (380, "75.00", "right"), (460, "750.00", "right")),
            _line(144, (50, "Setup fee"), (380, "35.00", "right"), (460, "35.00", "right")),
        ]
    )
    assert _values(read_line_items(layout)) == [
        {"description": "Travel costs", "quantity": "2", "unit_price": "40.00", "amount": "80.00"},
        {"description": "SSD 1 TB", "quantity": "10", "unit_price": "75.00", "amount": "750.00"},
        {"description": "Setup fee", "unit_price": "35.00", "amount": "35.00"},
    ]


def test_a_sidebar_below_the_header_line_stays_out_of_the_rows() -> None:
    layout = _document(
        [
            _line(100, (200, "Code"), (260, "Description"), (420, "Qty", "right"), (540, "Amount", "right")),
            _line(
                116,
                (20, "BIC: COBADEFFXXX"),
                (200, "A-1"),
                (260, "Server rack"),
                (420, "1", "right"),
                (540, "900.00", "right"),
            ),
            _line(126, (20, "Bank: Commerzbank")),
            _line(136, (200, "B-2"), (260, "Patch cables"), (420, "4", "right"), (540, "20.00", "right")),
        ]
    )
    assert _values(read_line_items(layout)) == [
        {"description": "Server rack", "quantity": "1", "amount": "900.00", "product_code": "A-1"},
        {"description": "Patch cables", "quantity": "4", "amount": "20.00", "product_code": "B-2"},
    ]


@pytest.mark.parametrize(
    "names",
    [
        ("Omschrijving", "Aantal", "Prijs", "Bedrag"),  # nl
        ("Descripción", "Cantidad", "Precio unitario", "Importe"),  # es
        ("Descrizione", "Quantità", "Prezzo unitario", "Importo"),  # it
        ("Désignation", "Qté", "P.U. HT", "Montant HT"),  # fr
        ("Bezeichnung", "Menge", "Einzelpreis", "Gesamt"),  # de
        ("Item description", "Hrs/Qty", "Rate", "Line total"),  # en
    ],
)
def test_headers_are_read_in_many_languages(names: tuple[str, str, str, str]) -> None:
    desc, qty, price, amount = names
    layout = _document(
        [
            _line(100, (50, desc), (320, qty, "right"), (430, price, "right"), (540, amount, "right")),
            _line(116, (50, "Widget"), (320, "4", "right"), (430, "2,50", "right"), (540, "10,00", "right")),
        ]
    )
    assert _values(read_line_items(layout)) == [
        {"description": "Widget", "quantity": "4", "unit_price": "2.50", "amount": "10.00"}
    ]


def test_an_ambiguous_name_is_settled_by_the_values_under_it() -> None:
    # "Item" over 1, 2 is a position; over words, with no description column, a description.
    positions = _document(
        [
            _line(100, (50, "Item"), (90, "Product"), (320, "Qty", "right"), (540, "Total", "right")),
            _line(116, (58, "1", "right"), (90, "Stapler"), (320, "1", "right"), (540, "8.00", "right")),
        ]
    )
    assert _values(read_line_items(positions)) == [{"description": "Stapler", "quantity": "1", "amount": "8.00"}]
    names = _document(
        [
            _line(100, (50, "Item"), (320, "Qty", "right"), (430, "Price", "right"), (540, "Total", "right")),
            _line(116, (50, "Blue stapler"), (320, "2", "right"), (430, "4.00", "right"), (540, "8.00", "right")),
        ]
    )
    assert _values(read_line_items(names))[0]["description"] == "Blue stapler"


# --- rows -----------------------------------------------------------------------------------


def test_wrapped_descriptions_are_joined_and_notes_under_them_are_not() -> None:
    layout = _document(
        [
            _line(100, *HEADER_EN),
            _row_en(116, "1", "A-100", "Maintenance contract for", "1", "yr", "480.00", "20 %", "480.00"),
            _line(126, (150, "printers, second floor")),
            _line(136, (150, "Serial no.: 55-1234")),
            _line(146, (150, "installed by our team")),
            _row_en(162, "2", "B-7", "Toner", "3", "pcs", "40.00", "20 %", "120.00"),
            _line(172, (150, "• Colour: black")),
        ]
    )
    assert [item["description"] for item in _values(read_line_items(layout))] == [
        "Maintenance contract for printers, second floor",
        "Toner",
    ]


def test_descriptions_printed_above_their_figures_join_the_row_below() -> None:
    # Figures on a row's last line: the first description line sits between header and row.
    layout = _document(
        [
            _line(100, (50, "Description"), (320, "Qty", "right"), (540, "Amount", "right")),
            _line(116, (50, "Annual licence,")),
            _line(126, (50, "support included"), (320, "1", "right"), (540, "1,200.00", "right")),
            _line(142, (50, "Training")),
            _line(152, (50, "on site"), (320, "2", "right"), (540, "800.00", "right")),
        ]
    )
    assert [item["description"] for item in _values(read_line_items(layout))] == [
        "Annual licence, support included",
        "Training on site",
    ]


def test_the_totals_block_discounts_and_subtotals_are_not_items() -> None:
    layout = _document(
        [
            _line(100, *HEADER_EN),
            _row_en(116, "1", "A-1", "Chair", "2", "pcs", "50.00", "20 %", "100.00"),
            _line(130, (150, "Discount 10 %"), (545, "-10.00", "right")),
            _line(144, (150, "Subtotal office"), (545, "90.00", "right")),
            _row_en(158, "2", "A-2", "Desk", "1", "pcs", "200.00", "20 %", "200.00"),
            _line(172, (450, "- 5.00", "right")),
            _line(200, (380, "Net amount"), (545, "290.00", "right")),
            _line(214, (380, "VAT 20 %"), (545, "58.00", "right")),
            _row_en(228, "3", "Z-9", "Not an item", "1", "pcs", "1.00", "20 %", "1.00"),
        ]
    )
    assert [item["description"] for item in _values(read_line_items(layout))] == ["Chair", "Desk"]


def test_text_far_below_the_table_ends_it() -> None:
    layout = _document(
        [
            _line(100, (50, "Description"), (320, "Qty", "right"), (540, "Amount", "right")),
            _line(116, (50, "Hosting"), (320, "1", "right"), (540, "20.00", "right")),
            _line(300, (50, "Payment within 14 days"), (540, "20.00", "right")),
        ]
    )
    assert [item["description"] for item in _values(read_line_items(layout))] == ["Hosting"]


# --- arithmetic -----------------------------------------------------------------------------


def test_quantity_times_price_is_evidence_for_a_row() -> None:
    layout = _document(
        [
            _line(
                100,
                (50, "Description"),
                (320, "Qty", "right"),
                (430, "Price", "right"),
                (540, "Amount", "right"),
            ),
            _line(116, (50, "Fits"), (320, "3", "right"), (430, "2.50", "right"), (540, "7.50", "right")),
            _line(130, (50, "Does not fit"), (320, "3", "right"), (430, "2.50", "right"), (540, "9.00", "right")),
            _line(
                144,
                (50, "Price per 100"),
                (320, "500", "right"),
                (430, "4.00", "right"),
                (540, "20.00", "right"),
            ),
            _line(158, (50, "No price"), (320, "1", "right"), (540, "5.00", "right")),
        ]
    )
    fits, wrong, per_hundred, unchecked = read_line_items(layout)
    conf = [item.fields["amount"].confidence for item in (fits, wrong, per_hundred, unchecked)]
    assert conf[0] > conf[2] > conf[1]
    assert conf[0] > conf[3] > conf[1]
    assert wrong.fields["amount"].value == "9.00"  # returned, with less confidence


def test_arithmetic_picks_the_reading_of_an_ambiguous_number() -> None:
    # The table writes decimal commas; "1.500" as a quantity could still be 1500 or 1.5.
    layout = _document(
        [
            _line(
                100,
                (50, "Bezeichnung"),
                (320, "Menge", "right"),
                (430, "Preis", "right"),
                (540, "Betrag", "right"),
            ),
            _line(
                116,
                (50, "Schrauben"),
                (320, "1.000", "right"),
                (430, "0,25", "right"),
                (540, "250,00", "right"),
            ),
            _line(130, (50, "Draht"), (320, "1.500", "right"), (430, "10,00", "right"), (540, "15,00", "right")),
        ]
    )
    assert [(r["quantity"], r["amount"]) for r in _values(read_line_items(layout))] == [
        ("1000", "250.00"),
        ("1.5", "15.00"),
    ]


def test_a_net_price_printed_under_the_list_price_is_the_unit_price() -> None:
    layout = _document(
        [
            _line(
                100,
                (50, "Product"),
                (320, "Quantity", "right"),
                (430, "Unit Price", "right"),
                (540, "Total Price", "right"),
            ),
            _line(
                116,
                (50, "Screws"),
                (320, "5 kg", "right"),
                (430, "€20.00", "right"),
                (540, "€90.00", "right"),
            ),
            _line(124, (430, "- €2.00", "right")),
            _line(132, (430, "= €18.00", "right")),
        ]
    )
    (item,) = _values(read_line_items(layout))
    assert item == {
        "description": "Screws",
        "quantity": "5",
        "unit": "kg",
        "unit_price": "18.00",
        "amount": "90.00",
    }


def test_the_decimal_hint_is_used_for_every_figure() -> None:
    layout = _document(
        [
            _line(100, (50, "Description"), (320, "Qty", "right"), (540, "Amount", "right")),
            _line(116, (50, "Bolts"), (320, "2", "right"), (540, "1.250", "right")),
        ]
    )
    assert _values(read_line_items(layout, decimal="."))[0]["amount"] == "1.25"
    assert _values(read_line_items(layout, decimal=","))[0]["amount"] == "1250.00"


# --- pages ----------------------------------------------------------------------------------


def test_a_table_goes_on_under_the_header_repeated_on_the_next_page() -> None:
    layout = _document(
        [
            _line(100, *HEADER_EN),
            _row_en(116, "1", "A-1", "First", "1", "pcs", "1.00", "20 %", "1.00"),
            _line(800, (270, "Page 1 of 2")),
        ],
        [
            _line(40, (50, "Invoice 2024-117, continued")),
            _line(70, *HEADER_EN),
            _row_en(86, "2", "A-2", "Second", "2", "pcs", "1.00", "20 %", "2.00"),
            _line(120, (380, "Total"), (545, "3.00", "right")),
        ],
    )
    items = read_line_items(layout)
    assert [item.fields["description"].value for item in items] == ["First", "Second"]
    assert [item.fields["amount"].provenance.page for item in items] == [1, 2]


def test_rows_go_on_on_the_next_page_without_a_header() -> None:
    layout = _document(
        [
            _line(100, *HEADER_EN),
            _row_en(116, "1", "A-1", "First", "1", "pcs", "1.00", "20 %", "1.00"),
            _line(800, (270, "Page 1 of 2")),
        ],
        [
            _line(40, (50, "Invoice 2024-117"), (470, "Page 2 of 2")),
            _row_en(70, "2", "A-2", "Second", "2", "pcs", "1.00", "20 %", "2.00"),
            _line(100, (380, "Total net"), (545, "3.00", "right")),
            _line(130, (50, "Another page-2 table would start with a header.")),
        ],
    )
    assert [v["description"] for v in _values(read_line_items(layout))] == ["First", "Second"]


def test_another_table_after_the_items_is_not_read_as_items() -> None:
    layout = _document(
        [
            _line(100, *HEADER_EN),
            _row_en(116, "1", "A-1", "Chair", "2", "pcs", "50.00", "20 %", "100.00"),
            _line(140, (380, "VAT rate", "right"), (460, "Net amount", "right"), (545, "VAT amount", "right")),
            _line(154, (380, "20 %", "right"), (460, "100.00", "right"), (545, "20.00", "right")),
        ]
    )
    assert [v["description"] for v in _values(read_line_items(layout))] == ["Chair"]


def test_a_page_without_an_item_table_gives_no_items() -> None:
    layout = _document(
        [
            _line(100, (50, "Invoice number:"), (200, "2024-117")),
            _line(116, (50, "Total amount due:"), (200, "120.00")),
            _line(132, (50, "Please pay the amount and quantity shown within 14 days.")),
        ]
    )
    assert read_line_items(layout) == []


# --- lexicon --------------------------------------------------------------------------------


def test_the_lexicon_is_data_in_many_languages() -> None:
    lexicon = load_lexicon()
    for name, kind in [
        (("omschrijving",), "description"),
        (("cantidad",), "quantity"),
        (("prezzo", "unitario"), "unit_price"),
        (("importe",), "amount"),
        (("btw",), "tax_rate"),
        (("eenheid",), "unit"),
        (("art", "nr"), "product_code"),
    ]:
        assert kind in lexicon.phrases[name]


def test_an_unquoted_yaml_no_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "columns.yaml"
    path.write_text("columns:\n  position:\n    - no\n", encoding="utf-8")
    with pytest.raises(TypeError, match="quote it"):
        load_lexicon(path)
    assert isinstance(Lexicon.from_mapping({"columns": {"position": ["no"]}}), Lexicon)


# --- synthetic invoices, end to end ---------------------------------------------------------


def _score(seed: int, **options: object) -> tuple[dict[str, object], list[LineItem]]:
    invoice = generate_invoice(seed, **options)  # type: ignore[arg-type]
    items = read_line_items(Layout(parse_pdf(invoice.pdf)))
    prediction = {"line_items": _values(items)}
    truth = {"line_items": invoice.truth["line_items"]}
    return score_documents({"x": prediction}, {"x": truth})["line_items"], items


@pytest.mark.parametrize("layout", range(0, LAYOUT_COUNT, 3))
def test_synthetic_invoices_are_read_cell_for_cell(layout: int) -> None:
    report, items = _score(4100 + layout, layout=layout, n_items=4)
    assert report["f1"] == 1.0, report
    checked = [item for item in items if {"quantity", "unit_price", "amount"} <= item.fields.keys()]
    assert all(f.confidence >= 0.9 for item in checked for f in item.fields.values())


def test_a_long_synthetic_invoice_is_read_across_its_pages() -> None:
    report, items = _score(8, layout=9, n_items=40)
    assert report["items_matched"] == 40 and report["f1"] == 1.0, report
    assert {item.fields["amount"].provenance.page for item in items} >= {1, 2}
    assert sum(Decimal(item.fields["amount"].value) for item in items) > 0
