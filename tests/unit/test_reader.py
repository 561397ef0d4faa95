"""The page reader: layout cells, the label lexicon, typed values, totals that add up, parties, the model's choice."""

from __future__ import annotations

import json

import pytest

from docai.schemas.parsed import Page, ParsedDocument, Word
from docai.services.extraction import values
from docai.services.extraction.candidates import Candidate, Candidates
from docai.services.extraction.chooser import Chooser, answer_schema, build_messages, questions
from docai.services.extraction.labels import lexicon
from docai.services.extraction.layout import Box, Layout, fold
from docai.services.extraction.reader import InvoiceReader, gather
from docai.services.extraction.totals import choose_totals
from docai.services.models.fake_backend import FakeTextGenerator
from docai.training.choice_dataset import choice_record
from docai.training.scoring import values_equal

CHAR = 5.0  # points per character of the hand-made pages


def page(*rows: tuple[float, float, str]) -> ParsedDocument:
    """A one-page document: each row is (x, top, text); words of a text are one space apart."""
    words = []
    for x, top, text in rows:
        for token in text.split(" "):
            if token:
                words.append(Word(text=token, x0=x, top=top, x1=x + CHAR * len(token), bottom=top + 9))
            x += CHAR * (len(token) + 1)
    return ParsedDocument(pages=[Page(number=1, width=595, height=842, words=words)])


def test_cells_split_at_wide_gaps_and_keep_words_together():
    layout = Layout(page((50, 100, "Invoice Number:"), (200, 100, "INV-7"), (50, 120, "Net total 12,00")))
    assert [[c.text for c in line.cells] for line in layout.lines] == [
        ["Invoice Number:", "INV-7"],
        ["Net total 12,00"],
    ]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Rechnungsnummer", "invoice_number"),
        ("Handelsrechnung (380) Nr.", "invoice_number"),
        ("N° de facture", "invoice_number"),
        ("Factuurnummer", "invoice_number"),
        ("Número de factura", "invoice_number"),
        ("Numero fattura", "invoice_number"),
        ("USt.-IdNr.", "vendor_tax_id"),
        ("Total HT", "total_net"),
        ("Te betalen", "amount_due"),
        ("Fälligkeitsdatum", "due_date"),
    ],
)
def test_the_lexicon_names_fields_in_six_languages(text, field):
    hits = lexicon().find(fold(text))
    assert hits and field in hits[0].fields


def test_the_longest_label_wins():
    (hit,) = lexicon().find(fold("Gesamtbetrag Netto"))
    assert set(hit.fields) == {"total_net"}


def test_typed_values_use_the_documents_separators_and_checksums():
    assert [s.value for s in values.amounts("Summe 1.234,56 EUR", decimal=",")] == ["1234.56"]
    assert [s.value for s in values.amounts("VAT 19% 25.65", decimal=".")] == ["25.65"]  # 19% is a rate, not an amount
    assert [s.value for s in values.dates("issued 3. März 2025 and 04/05/2025")] == ["2025-03-03", "2025-05-04"]
    (good,) = values.ibans("IBAN DE89 3704 0044 0532 0130 00")
    (bad,) = values.ibans("IBAN DE89 3704 0044 0532 0130 01")
    assert (good.value, good.valid, bad.valid) == ("DE89370400440532013000", True, False)
    (swiss,) = values.tax_ids("UID: CHE-123.456.788 MWST")
    assert swiss.value == "CHE-123.456.788MWST"


def test_a_value_is_read_right_of_or_below_its_label():
    document = page((50, 100, "Invoice No."), (200, 100, "A-17"), (300, 100, "Date"), (300, 112, "03.04.2025"))
    candidates = Candidates(Layout(document), decimal=",")
    (number,) = [c for c in candidates.of("invoice_number") if c.anchored]
    (date,) = [c for c in candidates.of("invoice_date") if c.anchored]
    assert (number.value, number.how) == ("A-17", "label:right")
    assert (date.value, date.how) == ("2025-04-03", "label:below")


def _amount(name: str, value: str, score: float, top: float) -> Candidate:
    return Candidate(
        name, value, value, 1, Box(400, top, 450, top + 9), score, "label:right" if score >= 0.5 else "pattern"
    )


def test_totals_that_add_up_beat_a_stronger_label_that_does_not():
    net = [_amount("total_net", "100.00", 1.0, 600)]
    tax = [_amount("total_tax", "19.00", 1.0, 620)]
    gross = [_amount("total_gross", "109.00", 1.0, 560), _amount("total_gross", "119.00", 0.5, 640)]
    totals = choose_totals(net, tax, gross, [])
    assert (totals.net.value, totals.tax.value, totals.gross.value, totals.consistent) == (
        "100.00",
        "19.00",
        "119.00",
        True,
    )
    assert totals.due is totals.gross  # nothing else is due


def test_parties_come_from_section_headings_and_the_sender_line():
    document = page(
        (50, 60, "Nordwind GmbH · Hafenstraße 3 · 20457 Hamburg"),
        (50, 80, "Acme Trading Ltd"),
        (50, 92, "12 High Street"),
        (50, 104, "London SW1A 1AA"),
        (350, 80, "Seller"),
        (350, 92, "Nordwind GmbH"),
    )
    _layout, candidates = gather(document)
    assert candidates.of("vendor_name")[0].value == "Nordwind GmbH"
    assert candidates.of("customer_name")[0].value == "Acme Trading Ltd"


def test_every_field_read_from_a_synthetic_invoice_is_printed_where_its_box_says():
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.training.synthetic import generate_invoice

    for seed in (3, 11, 27):
        invoice = generate_invoice(seed)
        document = parse_pdf(invoice.pdf)
        extraction = InvoiceReader(line_items=False).extract(document).extraction
        words = document.pages[0].words + [w for p in document.pages[1:] for w in p.words]
        for name, field in extraction.fields.items():
            if field.provenance.derived:
                continue
            x0, top, x1, bottom = field.provenance.bbox
            inside = " ".join(
                w.text
                for p in document.pages
                if p.number == field.provenance.page
                for w in p.words
                if w.x0 >= x0 - 0.5 and w.x1 <= x1 + 0.5 and w.top >= top - 0.5 and w.bottom <= bottom + 0.5
            )
            assert field.provenance.source_text.split()[0] in inside, (seed, name)
        assert words
        right = [
            n
            for n in ("invoice_number", "invoice_date", "total_gross", "currency")
            if n in invoice.truth and values_equal(extraction.value(n), invoice.truth[n], field=n)
        ]
        assert len(right) >= 3, (seed, extraction.flat(), invoice.truth)


def test_the_model_breaks_a_tie_between_close_candidates():
    document = page((50, 40, "Blue Harbor Ltd"), (50, 60, "Red Mill GmbH"), (300, 40, "Invoice No. 7"))
    layout, candidates = gather(document)
    asked = questions(candidates.by_field)
    vendor = next(q for q in asked if q.field == "vendor_name")
    assert [o.value for o in vendor.options] == ["Blue Harbor Ltd", "Red Mill GmbH"]
    schema = answer_schema(asked)
    assert schema["properties"]["vendor_name"] == {"enum": ["A", "B"]}
    assert "B) Red Mill GmbH" in build_messages(layout, asked)[1]["content"]

    backend = FakeTextGenerator(
        lambda request: json.dumps({q: "B" if q == "vendor_name" else "A" for q in request.json_schema["properties"]})
    )
    extraction = InvoiceReader(chooser=Chooser(backend), line_items=False).extract(document).extraction
    assert extraction.value("vendor_name") == "Red Mill GmbH"
    without = InvoiceReader(line_items=False).extract(document).extraction
    assert without.value("vendor_name") == "Blue Harbor Ltd"


def test_choice_records_answer_with_the_letter_of_the_true_value():
    document = page((50, 40, "Blue Harbor Ltd"), (50, 60, "Red Mill GmbH"), (300, 40, "Invoice No. 7"))
    record = choice_record(document, {"vendor_name": "Red Mill GmbH"})
    assert record is not None
    assert json.loads(record["completion"][0]["content"]) == {"vendor_name": "B"}
    assert choice_record(document, {"vendor_name": "Nobody AG"}) is None  # not among the options: nothing to learn


def test_what_the_vendor_memory_reads_outweighs_the_first_guess():
    from docai.services.extraction.vendor_memory import MemoryHit, memory_candidates

    document = page((50, 40, "Blue Harbor Ltd"), (50, 60, "Red Mill GmbH"), (300, 40, "Invoice No. 7"))
    _layout, candidates = gather(document)
    red = next(c for c in candidates.of("vendor_name") if c.value == "Red Mill GmbH")
    hit = MemoryHit("vendor_name", "Red Mill GmbH", 1, red.box, "position", "Red Mill GmbH")

    def recall(parsed, layout):
        return memory_candidates({"vendor_name": hit})

    assert InvoiceReader(line_items=False).extract(document).extraction.value("vendor_name") == "Blue Harbor Ltd"
    remembered = InvoiceReader(line_items=False).extract(document, recall=recall).extraction
    assert remembered.value("vendor_name") == "Red Mill GmbH"
    assert remembered.fields["vendor_name"].provenance.bbox == red.box.as_tuple()


def test_the_tenants_own_company_is_the_customer_never_the_vendor():
    document = page((50, 40, "Blue Harbor Ltd"), (50, 60, "Red Mill GmbH"), (300, 40, "Invoice No. 7"))
    assert InvoiceReader(line_items=False).extract(document).extraction.value("vendor_name") == "Blue Harbor Ltd"
    read = InvoiceReader(line_items=False).extract(document, own_names=["blue harbor ltd"]).extraction
    assert (read.value("vendor_name"), read.value("customer_name")) == ("Red Mill GmbH", "Blue Harbor Ltd")
