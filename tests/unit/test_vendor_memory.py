"""Vendor memory: learn where a vendor prints each field, read its next invoices with that first."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import func, select

from docai.schemas.invoice import BANK_FIELDS, ExtractedField, Extraction, Provenance
from docai.schemas.parsed import ParsedDocument
from docai.schemas.review import Corrections
from docai.services.common.tenants import create_tenant
from docai.services.extraction.layout import Layout
from docai.services.extraction.vendor_memory import (
    MemoryHit,
    VendorMemoryStore,
    VendorTemplate,
    apply_template,
    learn_template,
    match_vendor,
    merge_templates,
    template_key,
    update_template,
)
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.review.queue import ReviewQueue
from docai.services.storage import tables
from docai.services.storage.database import Database, open_database
from docai.training.bench.vendor_memory import Score, approved_extraction, correct, learn, sample
from docai.training.synthetic import SyntheticInvoice, generate_invoice, make_vendor

# (vendor seed, layout, language) of the vendors the tests learn; see training/bench/vendor_memory.py.
DIN = (9101, 0, "de")
BAND = (9102, 2, "en")
INLINE = (9104, 6, "de")
FORM = (9110, 24, "en")


def _score(vendor: tuple[int, int, str], template: VendorTemplate, indexes: range) -> Score:
    score = Score()
    for index in indexes:
        s = sample(*vendor, index)
        score.add(s.invoice, apply_template(template, s.layout), known=set(template.fields))
    return score


def _printed_on_page(hit: MemoryHit, parsed: ParsedDocument) -> bool:
    """Every word of the hit is a word of its page, inside its box."""
    page = next(p for p in parsed.pages if p.number == hit.page)
    inside = {
        w.text
        for w in page.words
        if hit.box.x0 - 0.5 <= w.x0 and w.x1 <= hit.box.x1 + 0.5 and hit.box.top - 0.5 <= w.top <= hit.box.bottom + 0.5
    }
    return all(token in inside or token.rstrip(",") in inside for token in hit.raw_text.split())


@pytest.mark.parametrize("vendor", [DIN, INLINE, FORM], ids=["din", "inline", "form"])
def test_one_approved_invoice_reads_the_fields_it_showed_on_the_next_five(
    vendor: tuple[int, int, str],
) -> None:
    # A field the first invoice did not print (an order number) cannot be known yet: scored apart.
    score = _score(vendor, learn(vendor, 1), range(5, 10))
    assert score.known >= 50
    assert score.known_accuracy >= 0.95, score.misses
    assert score.precision == 1.0, score.misses


def test_five_approved_invoices_read_95_percent_of_every_header_field() -> None:
    total = Score()
    for vendor in (DIN, BAND, FORM):
        score = _score(vendor, learn(vendor, 5), range(5, 10))
        total.truth += score.truth
        total.correct += score.correct
        total.answered += score.answered
    assert total.accuracy >= 0.95
    assert total.precision >= 0.99


def test_every_value_read_is_printed_where_the_hit_says() -> None:
    template = learn(BAND, 3)
    for index in range(5, 8):
        s = sample(*BAND, index)
        hits = apply_template(template, s.layout)
        assert hits
        for hit in hits.values():
            assert _printed_on_page(hit, s.parsed), hit


def test_a_template_of_vendor_a_does_not_fire_on_vendor_b() -> None:
    # Two vendors with the very same layout: only the vendor key tells them apart.
    a, b = make_vendor(501, layout=0, language="de"), make_vendor(502, layout=0, language="de")
    first_a, next_a, next_b = (parse_pdf(generate_invoice(seed, vendor=v).pdf) for seed, v in ((1, a), (2, a), (3, b)))
    truth_a = generate_invoice(1, vendor=a)
    template_a = learn_template(Layout(first_a), approved_extraction(truth_a, first_a))
    assert template_a.vendor_key == f"tax:{a.tax_id}"
    assert match_vendor([template_a], Layout(next_a)) is template_a
    assert match_vendor([template_a], Layout(next_b)) is None


def test_the_vendor_key_prefers_the_tax_id_then_the_iban_then_the_name() -> None:
    def extraction(**values: str) -> Extraction:
        return Extraction(fields={k: ExtractedField(value=v, confidence=1.0) for k, v in values.items()})

    assert template_key(extraction(vendor_tax_id="de 123 456 789", iban="DE89370400440532013000")) == "tax:DE123456789"
    assert (
        template_key(extraction(iban="DE89 3704 0044 0532 0130 00", vendor_name="ACME"))
        == "iban:DE89370400440532013000"
    )
    assert (
        template_key(extraction(iban="DE89370400440532013000", vendor_name="ACME  GmbH"), exclude=BANK_FIELDS)
        == "name:acme gmbh"
    )
    assert template_key(extraction()) == ""


def test_match_vendor_ignores_spaces_and_case_and_prefers_the_tax_id() -> None:
    s = sample(*DIN, 5)
    vendor = s.invoice.vendor
    spaced = " ".join(vendor.tax_id[i : i + 3] for i in range(0, len(vendor.tax_id), 3)).lower()
    by_name = VendorTemplate(vendor_key="name:" + vendor.name.lower(), learned=9)
    by_tax = VendorTemplate(vendor_key="tax:" + spaced)
    stranger = VendorTemplate(vendor_key="tax:XX999999999")
    assert match_vendor([by_name, stranger, by_tax], s.layout) is by_tax
    assert match_vendor([stranger], s.layout) is None


def test_a_field_without_a_box_teaches_nothing() -> None:
    s = sample(*DIN, 0)
    approved = approved_extraction(s.invoice, s.parsed)
    approved.fields["invoice_number"] = ExtractedField(
        value="X-1", confidence=1.0, provenance=Provenance(bbox=None, derived="entered by reviewer")
    )
    template = learn_template(s.layout, approved)
    assert "invoice_number" not in template.fields
    assert "invoice_date" in template.fields


def test_a_rule_seen_again_counts_and_a_changed_layout_takes_over() -> None:
    vendor = make_vendor(9101, layout=0, language="de")
    moved = dataclasses.replace(vendor, layout=2)  # the vendor redesigns its invoices

    def approved(seed: int, v: object) -> tuple[Layout, Extraction, SyntheticInvoice, ParsedDocument]:
        invoice = generate_invoice(seed, vendor=v)  # type: ignore[arg-type]
        parsed = parse_pdf(invoice.pdf)
        return Layout(parsed), approved_extraction(invoice, parsed), invoice, parsed

    template: VendorTemplate | None = None
    for seed in (11, 12):
        layout, extraction, _, _ = approved(seed, vendor)
        template = update_template(template, layout, extraction)
    assert template is not None and template.learned == 2
    best = template.fields["invoice_date"][0]
    assert best.count == 2 and best.direction != "position"
    for seed in (21, 22, 23):
        layout, extraction, _, _ = approved(seed, moved)
        template = update_template(template, layout, extraction)
    layout, _, invoice, _ = approved(31, moved)
    hits = apply_template(template, layout)
    for name in ("invoice_number", "invoice_date", "total_gross", "customer_name"):
        assert correct(name, hits[name].value, invoice.truth[name]), (name, hits.get(name))
    # merge_templates alone counts without checking: the same invoice twice is two sightings.
    once = learn_template(layout, approved_extraction(invoice, parse_pdf(invoice.pdf)))
    twice = merge_templates(merge_templates(None, once), once)
    assert twice.learned == 2 and twice.fields["invoice_date"][0].count == 2


def test_a_rule_that_reads_a_wrong_value_on_an_approved_invoice_loses() -> None:
    def approved(index: int, **wrong: str) -> tuple[Layout, Extraction]:
        s = sample(*DIN, index)
        extraction = approved_extraction(s.invoice, s.parsed)
        for name, value in wrong.items():  # a person approved a value the learned label does not lead to
            extraction.fields[name] = ExtractedField(value=value, confidence=1.0)
        return s.layout, extraction

    once = update_template(None, *approved(0))
    assert "invoice_date" not in update_template(once, *approved(1, invoice_date="1999-01-01")).fields
    twice = update_template(once, *approved(1))
    checked = update_template(twice, *approved(2, invoice_date="1999-01-01"))
    labelled = [r for r in checked.fields["invoice_date"] if r.direction != "position"]
    assert labelled and all(r.count == 2 and r.misses == 1 for r in labelled)


def test_template_json_round_trips() -> None:
    template = learn(DIN, 2)
    assert VendorTemplate.from_json(template.to_json()) == template


# -- storage -------------------------------------------------------------------------------


@pytest.fixture
def db(database_url: str) -> Database:
    database = open_database(database_url)
    for tenant in ("acme", "other"):
        create_tenant(database, tenant_id=tenant)
    return database


def test_the_store_merges_per_tenant_and_vendor_and_tenants_never_share(db: Database) -> None:
    store = VendorMemoryStore(db)
    for index in range(2):
        s = sample(*DIN, index)
        with db.transaction() as session:
            store.learn(
                session,
                tenant_id="acme",
                parsed=s.parsed,
                extraction=approved_extraction(s.invoice, s.parsed),
            )
    with db.transaction() as session:
        rows = session.scalars(select(tables.VendorTemplateRecord)).all()
        assert [(r.tenant_id, r.vendor_key, r.invoice_count) for r in rows] == [
            ("acme", f"tax:{sample(*DIN, 0).invoice.vendor.tax_id}", 2)
        ]
    new = sample(*DIN, 6)
    hits = store.recall(tenant_id="acme", parsed=new.parsed)
    assert correct("invoice_number", hits["invoice_number"].value, new.invoice.truth["invoice_number"])
    assert correct("total_gross", hits["total_gross"].value, new.invoice.truth["total_gross"])
    assert store.recall(tenant_id="other", parsed=new.parsed) == {}
    unknown = sample(*BAND, 6)
    assert store.recall(tenant_id="acme", parsed=unknown.parsed) == {}
    db.dispose()


def test_learning_rolls_back_with_the_approval(db: Database) -> None:
    store = VendorMemoryStore(db)
    s = sample(*DIN, 0)
    with pytest.raises(RuntimeError, match="approval failed"), db.transaction() as session:
        store.learn(session, tenant_id="acme", parsed=s.parsed, extraction=approved_extraction(s.invoice, s.parsed))
        raise RuntimeError("approval failed")
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(tables.VendorTemplateRecord)) == 0
    db.dispose()


def test_approving_a_reviewed_invoice_teaches_the_vendor_template(db: Database, tmp_path: Path) -> None:
    s = sample(*DIN, 0)
    extraction = approved_extraction(s.invoice, s.parsed)
    wrong_number = extraction.fields["invoice_number"].model_copy(update={"value": "WRONG-1"})
    with db.transaction() as session:
        session.add(
            tables.Document(
                id="d1",
                tenant_id="acme",
                filename="a.pdf",
                sha256="0" * 64,
                size_bytes=1,
                state="in_review",
                parsed=s.parsed.model_dump(),
                extraction=Extraction(fields={**extraction.fields, "invoice_number": wrong_number}).model_dump(),
            )
        )
        session.flush()
        session.add(tables.ReviewTask(id="t1", tenant_id="acme", document_id="d1", state="open", reasons=[]))
    queue = ReviewQueue(db=db)
    task = queue.claim(tenant_id="acme", actor="ann", task_id="t1")
    fixed = str(s.invoice.truth["invoice_number"])
    task, _, _ = queue.correct(
        tenant_id="acme",
        actor="ann",
        task_id="t1",
        etag=str(task.version),
        corrections=Corrections(fields={"invoice_number": fixed}),
        request_id="r1",
    )
    queue.approve(tenant_id="acme", actor="ann", task_id="t1", etag=str(task.version), request_id="r2")
    store = VendorMemoryStore(db)
    new = sample(*DIN, 7)
    hits = store.recall(tenant_id="acme", parsed=new.parsed)
    # The corrected number taught where the number sits: the next invoice's own number is read.
    assert hits["invoice_number"].value == new.invoice.truth["invoice_number"]
    assert store.recall(tenant_id="other", parsed=new.parsed) == {}
    db.dispose()


def test_bank_details_changed_by_one_person_teach_no_bank_field(db: Database) -> None:
    store = VendorMemoryStore(db)
    s = sample(*DIN, 0)
    with db.transaction() as session:
        template = store.learn(
            session,
            tenant_id="acme",
            parsed=s.parsed,
            extraction=approved_extraction(s.invoice, s.parsed),
            exclude=BANK_FIELDS,
        )
    assert template is not None
    assert not BANK_FIELDS & set(template.fields)
    assert "total_gross" in template.fields
    db.dispose()


def test_the_customer_on_most_approved_invoices_is_the_tenant_itself(db: Database) -> None:
    def approve(tenant: str, index: int, customer: str) -> None:
        fields = {"customer_name": ExtractedField(value=customer, confidence=1.0)}
        with db.transaction() as session:
            session.add(
                tables.Document(
                    id=f"{tenant}-{index}",
                    tenant_id=tenant,
                    filename="a.pdf",
                    sha256="0" * 64,
                    size_bytes=1,
                    state="approved",
                )
            )
            session.flush()
            session.add(
                tables.ApprovedExample(
                    tenant_id=tenant,
                    document_id=f"{tenant}-{index}",
                    vendor_key="v",
                    extraction=Extraction(fields=fields).model_dump(),
                    reviewer="ann",
                )
            )

    for index, customer in enumerate(["ACME Ltd", "Acme Ltd", "Other Buyer"]):
        approve("acme", index, customer)
    approve("other", 0, "ACME Ltd")
    store = VendorMemoryStore(db)
    assert store.own_names(tenant_id="acme") == ["acme ltd"]
    assert store.own_names(tenant_id="other") == []  # one invoice says nothing yet, and tenants never mix
