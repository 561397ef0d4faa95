"""The extraction path with a scripted model: normalisation, confidence, provenance, checks."""

from __future__ import annotations

import json
import math

from docai.schemas.parsed import Page, ParsedDocument, Word
from docai.services.extraction.extractor import UNGROUNDED_PENALTY, Extractor
from docai.services.models.backend import GenerationResult, TokenInfo
from docai.services.models.fake_backend import FakeTextGenerator


def _document() -> ParsedDocument:
    words = [
        Word(text="Invoice", x0=50, top=40, x1=90, bottom=50),
        Word(text="RE-1001", x0=100, top=40, x1=150, bottom=50),
        Word(text="Total", x0=50, top=400, x1=80, bottom=410),
        Word(text="1.234,56", x0=300, top=400, x1=350, bottom=410),
        Word(text="Datum:", x0=50, top=60, x1=90, bottom=70),
        Word(text="03.04.2025", x0=100, top=60, x1=160, bottom=70),
    ]
    return ParsedDocument(pages=[Page(number=1, width=595, height=842, words=words, text="Invoice RE-1001")])


def _result(answer: dict[str, str], *, doubtful: str = "") -> GenerationResult:
    text = json.dumps(answer)
    tokens = []
    position = 0
    for piece in text.split(" "):
        start = text.index(piece, position)
        logprob = math.log(0.3) if doubtful and doubtful in piece else 0.0
        tokens.append(TokenInfo(text=piece, logprob=logprob, start=start, end=start + len(piece)))
        position = start + len(piece)
    return GenerationResult(text=text, tokens=tokens)


def test_values_are_normalised_located_and_scored():
    answer = {"invoice_number": "RE-1001", "total_gross": "1.234,56", "invoice_date": "03.04.2025"}
    extractor = Extractor(backend=FakeTextGenerator(lambda request: _result(answer)))
    outcome = extractor.extract(_document(), adapter=None)
    fields = outcome.extraction.fields
    assert fields["total_gross"].value == "1234.56"
    assert fields["invoice_date"].value == "2025-04-03"
    assert fields["total_gross"].provenance.page == 1
    assert fields["total_gross"].provenance.bbox == (300, 400, 350, 410)
    assert fields["invoice_number"].confidence == 1.0


def test_a_doubtful_token_lowers_the_confidence_of_its_field_only():
    answer = {"invoice_number": "RE-1001", "total_gross": "1.234,56"}
    extractor = Extractor(backend=FakeTextGenerator(lambda request: _result(answer, doubtful="1.234,56")))
    fields = extractor.extract(_document(), adapter=None).extraction.fields
    assert fields["total_gross"].confidence < 0.5
    assert fields["invoice_number"].confidence == 1.0


def test_values_not_on_the_page_are_penalised_and_unreadable_ones_dropped():
    answer = {"iban": "DE89370400440532013000", "invoice_date": "someday"}
    extractor = Extractor(backend=FakeTextGenerator(lambda request: _result(answer)))
    fields = extractor.extract(_document(), adapter=None).extraction.fields
    assert "invoice_date" not in fields
    assert fields["iban"].confidence == UNGROUNDED_PENALTY
    assert fields["iban"].provenance.derived == "not found on the page"


def test_the_request_is_schema_constrained_and_names_the_adapter():
    fake = FakeTextGenerator(lambda request: "{}")
    fake.load_adapter("invoices-v1", path=__import__("pathlib").Path("."))
    Extractor(backend=fake).extract(_document(), adapter="invoices-v1")
    request = fake.requests[-1]
    assert request.adapter == "invoices-v1"
    assert request.json_schema is not None and "total_gross" in request.json_schema["properties"]


def test_a_value_copied_from_the_example_is_dropped():
    from docai.services.extraction.prompt import FewShotExample

    # The example's invoice number and date are not on this page; the total is, and stays.
    example = FewShotExample(
        document_text="Invoice RE-0999 ...",
        answer={"invoice_number": "RE-0999", "invoice_date": "01.02.2025", "total_gross": "1.234,56"},
    )
    answer = {
        "invoice_number": "RE-0999",
        "invoice_date": "01.02.2025",
        "total_gross": "1.234,56",
        "iban": "DE89370400440532013000",
    }
    extractor = Extractor(backend=FakeTextGenerator(lambda request: _result(answer)))
    read = extractor.extract(_document(), adapter=None, examples=[example]).extraction.fields
    assert set(read) == {"total_gross", "iban"}  # the IBAN is not on the page either, but no example gave it
    alone = extractor.extract(_document(), adapter=None).extraction.fields
    assert {"invoice_number", "invoice_date"} <= set(alone)  # without an example nothing counts as a copy
