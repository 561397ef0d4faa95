"""Whatever the model writes back to the chooser, the reader still returns an extraction (issue 13).

The chooser asks the model for one letter per field in doubt. A model is untrusted output:
malformed or truncated JSON, nesting deep enough to break a recursive parser, huge strings,
HTML, the wrong letters or types, fields nobody asked about (an IBAN with a wrong checksum),
tokens whose log-probabilities are not numbers or overflow, offsets outside the text. None of
it may crash the pipeline's worker: the page's evidence decides instead.
"""

from __future__ import annotations

import math

import pytest

from docai.services.extraction.chooser import Chooser, read_letters
from docai.services.extraction.reader import InvoiceReader
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.models.backend import GenerationRequest, GenerationResult, TokenInfo
from docai.services.models.fake_backend import FakeTextGenerator
from docai.training.synthetic import generate_invoice

HUGE = "A" * 2_000_000


def _result(text: str, logprob: float, *, start: int | None = None) -> GenerationResult:
    at = text.find('"A"') + 1 if start is None else start
    return GenerationResult(
        text=text, tokens=[TokenInfo(text="A", logprob=logprob, start=at, end=at + 1)], model="fake"
    )


FUZZ: dict[str, object] = {
    "not-json": "I think the vendor is the first one.",
    "truncated": '{"vendor_name": "A", "invoice_num',
    "deep-nesting": "[" * 100_000,
    "deep-object": '{"vendor_name": ' * 50_000,
    "huge-string": '{"vendor_name": "' + HUGE + '"}',
    "huge-key": '{"' + HUGE + '": "A"}',
    "html": "<html><body><script>alert(1)</script><b>A</b></body></html>",
    "wrong-types": '{"vendor_name": 1, "invoice_number": ["A"], "customer_name": {"A": "B"}, "invoice_date": null}',
    "empty-letter": '{"vendor_name": "", "invoice_number": ""}',
    "several-letters": '{"vendor_name": "AB", "invoice_number": "ABCDE"}',
    "letter-out-of-range": '{"vendor_name": "E", "invoice_number": "Z"}',
    "not-an-object": '["A", "B"]',
    "bare-string": '"A"',
    "numbers": "1e999999",
    "nan": "NaN",
    "surrogates": '{"vendor_name": "\\ud800\\udfff\\ud800", "invoice_number": "\\u0000"}',
    "bad-checksum-fields": '{"iban": "DE00 1234 5678 9012 3456 78", "total_gross": "9999999999999999999", '
    '"vendor_tax_id": "DE000000000", "vendor_name": "A"}',
    "duplicate-keys": '{"vendor_name": "A", "vendor_name": "Q", "vendor_name": "B"}',
    "nul-bytes": "\x00" * 1000,
    "overflowing-logprob": _result('{"vendor_name": "A", "invoice_number": "A"}', 1000.0),
    "nan-logprob": _result('{"vendor_name": "A", "invoice_number": "A"}', math.nan),
    "inf-logprob": _result('{"vendor_name": "A", "invoice_number": "A"}', math.inf),
    "minus-inf-logprob": _result('{"vendor_name": "A", "invoice_number": "A"}', -math.inf),
    "offsets-outside-the-text": _result('{"vendor_name": "A"}', -0.1, start=10_000),
    "negative-offsets": _result('{"vendor_name": "A"}', -0.1, start=-50),
}


@pytest.mark.parametrize("answer", list(FUZZ.values()), ids=list(FUZZ))
def test_the_reader_survives_any_model_output(answer):
    backend = FakeTextGenerator(lambda request: answer)  # type: ignore[arg-type, return-value]
    reader = InvoiceReader(chooser=Chooser(backend))
    invoice = generate_invoice(1)
    outcome = reader.extract(parse_pdf(invoice.pdf))
    assert backend.requests, "the invoice must put a question to the model"
    extraction = outcome.extraction
    assert extraction.value("invoice_number") == invoice.truth["invoice_number"]
    for name, field in extraction.fields.items():
        assert 0.0 <= field.confidence <= 1.0, (name, field.confidence)
        assert len(field.value or "") < 10_000, name


def test_only_one_letter_among_those_offered_counts():
    counts = {"vendor_name": 3, "invoice_number": 2}
    assert read_letters('{"vendor_name": "B", "invoice_number": "A"}', counts) == {
        "vendor_name": 1,
        "invoice_number": 0,
    }
    assert read_letters('{"vendor_name": "AB", "invoice_number": ""}', counts) == {}
    assert read_letters('{"vendor_name": "D", "invoice_number": "C"}', counts) == {}
    assert read_letters("[" * 100_000, counts) == {}


def test_a_probability_is_a_probability():
    backend = FakeTextGenerator(lambda request: FUZZ["overflowing-logprob"])  # type: ignore[arg-type, return-value]
    reader = InvoiceReader(chooser=Chooser(backend))
    outcome = reader.extract(parse_pdf(generate_invoice(1).pdf))
    assert outcome.extraction.fields


def test_the_fake_backend_sees_a_valid_request():
    # Guard for the fuzz above: the reader does ask the model on this invoice.
    seen: list[GenerationRequest] = []
    backend = FakeTextGenerator(lambda request: seen.append(request) or "{}")
    InvoiceReader(chooser=Chooser(backend)).extract(parse_pdf(generate_invoice(1).pdf))
    assert seen and seen[0].json_schema


@pytest.mark.parametrize("name", ["deep-nesting", "deep-object", "overflowing-logprob", "huge-string", "html"])
def test_the_pipeline_worker_finishes_every_document_whatever_the_model_says(tmp_path, name):
    from docai.schemas.document import DocumentState
    from docai.services.common.tenants import create_tenant
    from docai.services.extraction.vendor_memory import VendorMemoryStore
    from docai.services.ingest.documents import DocumentStore
    from docai.services.pipeline.worker import Pipeline
    from docai.services.routing.policy import RoutingPolicy
    from docai.services.storage.blobs import LocalBlobStore
    from docai.services.storage.database import open_database

    backend = FakeTextGenerator(lambda request: FUZZ[name])  # type: ignore[arg-type, return-value]
    reader = InvoiceReader(chooser=Chooser(backend))
    db = open_database(f"sqlite:///{tmp_path / 'docai.db'}")
    create_tenant(db, tenant_id="acme")
    store = DocumentStore(db=db, blobs=LocalBlobStore(tmp_path / "blobs"))
    ids = []
    for seed in (0, 1, 5):  # each puts a question to the model
        pdf = generate_invoice(seed).pdf
        ids.append(
            store.create(
                tenant_id="acme",
                request_id=f"r{seed}",
                filename="a.pdf",
                external_id="",
                data=pdf,
                parsed=parse_pdf(pdf),
            ).id
        )
    pipeline = Pipeline(
        db=db,
        extract=lambda parsed, *, tenant_id, adapter=None: reader.extract(parsed),
        policy=RoutingPolicy.default(),
        memory=VendorMemoryStore(db),
    )
    while pipeline.process_next():
        pass
    assert len(backend.requests) == len(ids)  # one model call per document: no crash, no retry
    for document_id in ids:
        record, extraction, _, _ = store.get(tenant_id="acme", document_id=document_id)
        assert record.state in (DocumentState.APPROVED, DocumentState.IN_REVIEW), record.state
        assert extraction and extraction["fields"]
    db.dispose()
