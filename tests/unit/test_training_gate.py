"""The champion-vs-challenger gate, on scripted backends: better promotes, worse or poisoned does not."""

from __future__ import annotations

import json
from typing import Any

from docai.schemas.invoice import ExtractedField, Extraction, Provenance
from docai.schemas.parsed import Page, ParsedDocument, Word
from docai.services.models.backend import GenerationRequest
from docai.services.models.fake_backend import FakeTextGenerator
from docai.training.dataset import SFTExample, build_dataset, correction_example
from docai.training.gate import GateDocument, compare, run_gate

IBANS = ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606", "NL91ABNA0417164300"]
FIELDS = ("vendor_name", "customer_name", "invoice_number", "invoice_date")


def _documents(n: int = 30) -> list[GateDocument]:
    """Documents whose questions have two options each; the true one is A or B by turns."""
    docs = []
    for i in range(n):
        truth = {
            "vendor_name": f"Vendor {i % 7}",
            "customer_name": f"Customer {i}",
            "invoice_number": f"INV-{i}",
            "invoice_date": f"2025-01-{1 + i % 28:02d}",
        }
        wrong = {
            "vendor_name": f"Customer {i}",
            "customer_name": f"Vendor {i % 7}",
            "invoice_number": f"PO-{i}",
            "invoice_date": f"2024-12-{1 + i % 28:02d}",
        }
        choices = {name: [truth[name], wrong[name]][:: 1 if (i + k) % 2 else -1] for k, name in enumerate(FIELDS)}
        docs.append(
            GateDocument(
                key=f"heldout/{i}", messages=[{"role": "user", "content": f"doc {i}"}], truth=truth, choices=choices
            )
        )
    return docs


def _backend(docs: list[GateDocument], behaviour: dict[str | None, Any]) -> FakeTextGenerator:
    by_content = {doc.messages[-1]["content"]: doc for doc in docs}

    def handler(request: GenerationRequest) -> str:
        doc = by_content[request.messages[-1]["content"]]
        return str(behaviour[request.adapter](doc))

    backend = FakeTextGenerator(handler)
    for name in behaviour:
        if name is not None:
            backend.load_adapter(name, __import__("pathlib").Path("/nonexistent"))
    return backend


def _answer(doc: GateDocument, *, wrong: tuple[str, ...] = ()) -> str:
    """The letters an adapter answers: the true option's, except for the fields in `wrong`."""
    letters = {}
    for name, options in doc.choices.items():
        right = options.index(doc.truth[name])
        letters[name] = "AB"[1 - right if name in wrong else right]
    return json.dumps(letters)


def test_a_clearly_better_challenger_is_promoted() -> None:
    docs = _documents()
    backend = _backend(
        docs,
        {
            "champion": lambda d: _answer(d, wrong=("customer_name", "vendor_name")),
            "challenger": lambda d: _answer(d),
        },
    )
    report = run_gate(backend, champion="champion", challenger="challenger", documents={"heldout": docs})
    assert report.promote, report.reasons
    assert report.bootstrap["ci_low"] > 0
    assert report.challenger["micro_f1"] == 1.0 and report.champion["micro_f1"] < 1.0
    assert report.documents == {"total": 30, "heldout": 30}
    assert "PROMOTE" in report.summary()


def test_an_equal_challenger_is_not_promoted() -> None:
    docs = _documents()
    backend = _backend(docs, {None: lambda d: _answer(d), "challenger": lambda d: _answer(d)})
    report = run_gate(backend, champion=None, challenger="challenger", documents={"heldout": docs})
    assert not report.promote
    assert any(reason.startswith("NOT_BETTER") for reason in report.reasons)


def test_a_critical_field_getting_worse_blocks_promotion_even_when_f1_rises() -> None:
    docs = _documents()
    truths = {d.key: d.truth for d in docs}
    champion = {d.key: {"invoice_number": d.truth["invoice_number"]} for d in docs}
    challenger = {d.key: {**d.truth, "invoice_number": f"PO-{i}"} for i, d in enumerate(docs)}
    report = compare(champion, challenger, truths)
    assert report.challenger["micro_f1"] > report.champion["micro_f1"]
    assert not report.promote
    assert any(reason.startswith("CRITICAL_FIELD_WORSE: invoice_number") for reason in report.reasons)
    assert report.critical["invoice_number"] == {"champion": 1.0, "challenger": 0.0}


def _extraction(i: int, iban: str) -> Extraction:
    def f(value: str) -> ExtractedField:
        return ExtractedField(value=value, confidence=1.0, provenance=Provenance(source_text=value))

    # Every invoice of the scenario is the same page; only what the reviewers say about it differs.
    return Extraction(
        fields={
            "invoice_number": f("INV-1"),
            "vendor_name": f("Nordwind GmbH"),
            "iban": f(iban),
            "customer_name": f("Acme Ltd"),
        }
    )


def test_a_poisoned_dataset_does_not_get_past_the_gate() -> None:
    """One reviewer swaps IBANs on many invoices: the data rules set most aside, the gate refuses the rest."""
    doc = ParsedDocument(
        pages=[
            Page(
                number=1,
                width=595,
                height=842,
                words=[
                    Word(text=text, x0=x, top=top, x1=x + 6 * len(text), bottom=top + 9)
                    for x, top, text in (
                        (50, 40, "Nordwind"),
                        (104, 40, "GmbH"),
                        (50, 60, "Acme"),
                        (80, 60, "Ltd"),
                        (300, 40, "Invoice"),
                        (348, 40, "No."),
                        (372, 40, "INV-1"),
                        (300, 60, "Nr."),
                        (324, 60, "4711"),
                    )
                ],
            )
        ]
    )
    made = []
    for i in range(40):
        honest = i % 4 == 0
        iban = IBANS[i % 4] if honest else IBANS[(i + 1) % 4]
        made.append(
            correction_example(
                document_id=f"d{i}",
                parsed=doc,
                extraction=_extraction(i, iban),
                reviewer="ann" if honest else "mallory",
                confirmed_fields=["invoice_number", "vendor_name", "customer_name"] + (["iban"] if honest else []),
                changed_fields=[] if honest else ["iban"],
                # the review queue flags every bank-detail change; a colluding second approver lets some through
                needs_second_approval=not honest,
                second_approver="" if i % 3 else "eve",
            )
        )
    examples = [m for m in made if isinstance(m, SFTExample)]
    aside = [m for m in made if not isinstance(m, SFTExample)]
    assert {a.reason for a in aside} == {"NEEDS_SECOND_APPROVAL"}
    assert examples and all(e.choices for e in examples)
    build = build_dataset(examples, set_aside=aside, heldout_share=0.0, max_reviewer_share=0.5)
    reviewers = [e.source["reviewer"] for e in build.train]
    assert reviewers.count("mallory") <= len(reviewers) / 2

    # Whatever got through, the challenger trained on it picks the wrong dates; everything else improves.
    docs = _documents()
    backend = _backend(
        docs,
        {
            "champion": lambda d: _answer(d, wrong=("customer_name", "vendor_name")),
            "poisoned": lambda d: _answer(d, wrong=("invoice_date",)),
        },
    )
    report = run_gate(backend, champion="champion", challenger="poisoned", documents={"heldout": docs})
    assert not report.promote
    assert any("invoice_date" in reason for reason in report.reasons)


def test_no_documents_means_no_promotion() -> None:
    report = compare({}, {}, {})
    assert not report.promote and report.reasons[0].startswith("NO_DOCUMENTS")
