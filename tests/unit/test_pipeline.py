"""The pipeline never loses an acknowledged document: crashes retry, leases expire, failures are recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from docai.schemas.document import DocumentState
from docai.schemas.invoice import ExtractedField, Extraction
from docai.services.common.tenants import create_tenant
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.vendor_memory import VendorMemoryStore
from docai.services.ingest.documents import DocumentStore
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.pipeline.worker import MAX_ATTEMPTS, Pipeline
from docai.services.routing.policy import RoutingPolicy
from docai.services.storage import tables
from docai.services.storage.blobs import LocalBlobStore
from docai.services.storage.database import open_database
from docai.training.synthetic import generate_invoice


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> DocumentStore:
    db = open_database(database_url)
    create_tenant(db, tenant_id="acme")
    return DocumentStore(db=db, blobs=LocalBlobStore(tmp_path / "blobs"))


def _upload(store: DocumentStore, seed: int = 1) -> str:
    invoice = generate_invoice(seed)
    record = store.create(
        tenant_id="acme",
        request_id=f"r{seed}",
        filename="a.pdf",
        external_id="",
        data=invoice.pdf,
        parsed=parse_pdf(invoice.pdf),
    )
    return record.id


def _state(store: DocumentStore, document_id: str) -> str:
    return store.get(tenant_id="acme", document_id=document_id)[0].state


def test_a_crashing_model_is_retried_then_the_document_fails_with_a_reason(store):
    document_id = _upload(store)
    calls = []

    def crash(parsed, *, tenant_id, adapter=None):
        calls.append(1)
        raise RuntimeError("CUDA out of memory")

    pipeline = Pipeline(db=store.db, extract=crash, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db))
    for _ in range(MAX_ATTEMPTS):
        assert pipeline.process_next()
        with store.db.transaction() as session:  # skip the back-off
            for item in session.query(tables.WorkItem):
                item.locked_until = None
    assert len(calls) == MAX_ATTEMPTS
    record = store.get(tenant_id="acme", document_id=document_id)[0]
    assert record.state == DocumentState.FAILED
    assert record.failure_reason == "INTERNAL_ERROR"
    assert "CUDA" not in record.failure_message
    assert not pipeline.process_next()


def test_a_worker_that_died_mid_document_leaves_it_to_the_next(store):
    document_id = _upload(store)
    with store.db.transaction() as session:  # a worker claimed it and then vanished
        item = session.query(tables.WorkItem).one()
        item.locked_until = tables.utcnow() - dt.timedelta(seconds=1)
        item.attempts = 1

    def extract(parsed, *, tenant_id, adapter=None):
        return ExtractionOutcome(
            extraction=Extraction(fields={"vendor_name": ExtractedField(value="Nordlicht GmbH", confidence=0.99)}),
            checks=[],
        )

    assert Pipeline(
        db=store.db, extract=extract, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db)
    ).process_next()
    assert _state(store, document_id) == DocumentState.IN_REVIEW
    with store.db.transaction() as session:
        assert session.query(tables.WorkItem).count() == 0
        states = [e.state for e in session.query(tables.Event).order_by(tables.Event.id)]
    assert states == ["received", "parsed", "extracted", "routed", "in_review"]


def test_an_unusable_model_answer_still_reaches_a_reviewer(store):
    from docai.services.common.errors import UnavailableError

    document_id = _upload(store)

    def broken(parsed, *, tenant_id, adapter=None):
        raise UnavailableError("no answer", reason="MODEL_OUTPUT_INVALID")

    Pipeline(
        db=store.db, extract=broken, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db)
    ).process_next()
    record = store.get(tenant_id="acme", document_id=document_id)[0]
    assert record.state == DocumentState.IN_REVIEW
    assert any(reason.startswith("MISSING_FIELD") for reason in record.review_reasons)


def _fixed(parsed, *, tenant_id, adapter=None):
    return ExtractionOutcome(
        extraction=Extraction(fields={"vendor_name": ExtractedField(value="Nordlicht GmbH", confidence=0.99)}),
        checks=[],
    )


def test_a_live_workers_short_lease_is_renewed_and_never_taken_over(store):
    """Two workers (as two processes on PostgreSQL would be): while one processes a document for
    several lease lengths, its heartbeat keeps the lease, and the other finds nothing to take."""
    import threading
    import time

    document_id = _upload(store)
    lease = dt.timedelta(seconds=0.3)
    calls: list[str] = []
    inside = threading.Event()

    def slow(parsed, *, tenant_id, adapter=None):
        calls.append(tenant_id)
        inside.set()
        time.sleep(1.5)  # five leases
        return _fixed(parsed, tenant_id=tenant_id)

    first = Pipeline(
        db=store.db, extract=slow, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db), lease=lease
    )
    second = Pipeline(
        db=store.db, extract=slow, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db), lease=lease
    )
    worker = threading.Thread(target=first.process_next)
    worker.start()
    assert inside.wait(30)
    while worker.is_alive():
        assert not second.process_next(), "the live worker's document was taken over"
        time.sleep(0.05)
    worker.join()
    assert len(calls) == 1
    assert _state(store, document_id) == DocumentState.IN_REVIEW


def test_a_worker_that_lost_its_lease_writes_nothing(store):
    """A worker stalled past its lease; another took the document over and finished it. The first
    one's late writes are refused by the fencing token: no second set of state changes."""
    document_id = _upload(store)
    stalled = Pipeline(db=store.db, extract=_fixed, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db))
    item_id, _, token = stalled._claim()  # type: ignore[misc]
    with store.db.transaction() as session:  # its lease ran out while it stalled
        session.get(tables.WorkItem, item_id).locked_until = tables.utcnow() - dt.timedelta(seconds=1)
    assert Pipeline(
        db=store.db, extract=_fixed, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db)
    ).process_next()
    assert not stalled.renew(item_id, token=token)
    from docai.services.pipeline.worker import LeaseLost

    with pytest.raises(LeaseLost):
        stalled.process(document_id, item_id=item_id, token=token)
    with store.db.transaction() as session:
        states = [e.state for e in session.query(tables.Event).order_by(tables.Event.id)]
    assert states == ["received", "parsed", "extracted", "routed", "in_review"]


def test_leases_left_by_a_previous_run_are_freed_at_start_on_sqlite_only(store):
    _upload(store)
    crashed = Pipeline(db=store.db, extract=_fixed, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db))
    assert crashed._claim() is not None  # then the process died
    restarted = Pipeline(
        db=store.db, extract=_fixed, policy=RoutingPolicy.default(), memory=VendorMemoryStore(store.db)
    )
    if store.db.is_sqlite:
        assert restarted.recover() == 1
        assert restarted.process_next()
    else:  # another live worker may hold it: only its lease running out frees it
        assert restarted.recover() == 0
        assert not restarted.process_next()
