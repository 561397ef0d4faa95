"""Duplicate invoices against a real in-process server: DUPLICATE_INVOICE names the original.

Tenant thresholds are lowered where a test needs a copy that would otherwise be auto-approved:
the synthetic invoices are read with a confidence just under the default bar.
"""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import select

from docai.services.client import DocaiClient
from docai.services.common.tenants import set_thresholds
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as pb_grpc
from docai.services.storage import tables
from docai.training.synthetic import generate_invoice

from .conftest import as_person, wait_for_state

SEED = 7  # read with every field present and checks passing; only its confidences are under the default bar


def _lenient(running, tenant: str) -> str:  # type: ignore[no-untyped-def]
    """A tenant whose invoices auto-approve when nothing but a duplicate keeps them back."""
    token = running.tenant(tenant)
    set_thresholds(running.suite.db, tenant_id=tenant, changes={"field_confidence": 0.0})
    return token


def _decided(running, token: str, pdf: bytes, request_id: str):  # type: ignore[no-untyped-def]
    with DocaiClient(running.address, token) as client:
        name = client.upload(pdf, filename=f"{request_id}.pdf", request_id=request_id).name
    return wait_for_state(ingest_grpc.IngestServiceStub(grpc.insecure_channel(running.address)), name, token)


def _reasons(running, document: str, tenant: str = "acme") -> list[pb.ReviewReason]:  # type: ignore[no-untyped-def]
    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    tasks = review.ListReviewTasks(
        pb.ListReviewTasksRequest(page_size=50), metadata=as_person(running, "ann@" + tenant, tenant=tenant)
    )
    return [reason for task in tasks.review_tasks if task.document == document for reason in task.reasons]


def test_the_same_vendor_number_and_gross_in_another_file_goes_to_review_naming_the_first(running):
    token = _lenient(running, "acme")
    original = generate_invoice(SEED, credit_note=False)
    copy = generate_invoice(SEED, credit_note=False, overrides={"customer_name": "Other Buyer GmbH"})
    assert copy.pdf != original.pdf  # another file: only the fields make it a duplicate

    first = _decided(running, token, original.pdf, "first")
    assert first.document.state == ingest_pb.DOCUMENT_STATE_APPROVED
    second = _decided(running, token, copy.pdf, "second")
    assert second.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    assert list(second.document.review_reasons) == ["DUPLICATE_INVOICE:invoice_number"]
    [reason] = _reasons(running, second.document.name)
    assert reason.code == "DUPLICATE_INVOICE"
    assert first.document.name in reason.detail
    assert "same vendor, invoice number and gross total" in reason.detail

    with running.suite.db.transaction() as session:  # one key, in the indexed column
        keys = {row.id: row.duplicate_key for row in session.scalars(select(tables.Document))}
    assert len(set(keys.values())) == 1 and None not in keys.values()


def test_another_invoice_number_or_another_tenant_is_no_duplicate(running):
    token = _lenient(running, "acme")
    original = generate_invoice(SEED, credit_note=False)
    renumbered = generate_invoice(SEED, credit_note=False, overrides={"invoice_number": "NEW-40417"})
    assert _decided(running, token, original.pdf, "first").document.state == ingest_pb.DOCUMENT_STATE_APPROVED
    other = _decided(running, token, renumbered.pdf, "renumbered")
    assert other.document.invoice_number == "NEW-40417"
    assert other.document.state == ingest_pb.DOCUMENT_STATE_APPROVED, list(other.document.review_reasons)

    elsewhere = _decided(running, _lenient(running, "globex"), original.pdf, "first")  # the same file, another tenant
    assert elsewhere.document.state == ingest_pb.DOCUMENT_STATE_APPROVED, list(elsewhere.document.review_reasons)


def test_the_same_file_under_another_request_id_is_flagged_and_a_retry_is_not(running, answers):
    token = _lenient(running, "acme")
    invoice = generate_invoice(SEED, credit_note=False)
    first = _decided(running, token, invoice.pdf, "upload-1")
    with DocaiClient(running.address, token) as client:
        assert client.upload(invoice.pdf, filename="upload-1.pdf", request_id="upload-1").name == first.document.name
    # The copy is read with another gross, so only its file (its SHA-256) shows it is the same invoice.
    answers.add(invoice.truth, total_gross=float(invoice.truth["total_gross"]) + 100)
    again = _decided(running, token, invoice.pdf, "upload-2")
    assert again.document.total_gross != first.document.total_gross
    assert again.document.name != first.document.name
    assert again.document.sha256 == first.document.sha256
    assert again.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    [reason] = [r for r in _reasons(running, again.document.name) if r.code == "DUPLICATE_INVOICE"]
    assert f"the same file was uploaded before as {first.document.name}" in reason.detail


def test_an_original_in_review_counts_and_a_rejected_one_does_not(running):
    token = running.tenant("acme")  # default thresholds: every copy waits in review for its confidences
    invoice = generate_invoice(SEED, credit_note=False)
    first = _decided(running, token, invoice.pdf, "first")
    assert first.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    assert not [r for r in first.document.review_reasons if r.startswith("DUPLICATE_INVOICE")]
    second = _decided(
        running, token, generate_invoice(SEED, credit_note=False, overrides={"customer_name": "B2"}).pdf, "second"
    )
    assert "DUPLICATE_INVOICE:invoice_number" in second.document.review_reasons
    assert any(
        first.document.name in r.detail
        for r in _reasons(running, second.document.name)
        if r.code == "DUPLICATE_INVOICE"
    )

    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    me = as_person(running, "rita@acme")
    for document in (first, second):  # both copies rejected: neither is an original any more
        task = next(
            t
            for t in review.ListReviewTasks(pb.ListReviewTasksRequest(), metadata=me).review_tasks
            if t.document == document.document.name
        )
        claimed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task.name), metadata=me).review_task
        review.RejectReviewTask(
            pb.RejectReviewTaskRequest(
                name=task.name, etag=claimed.etag, reason="sent twice", request_id=f"rj-{task.name}"
            ),
            metadata=me,
        )
    third = _decided(
        running, token, generate_invoice(SEED, credit_note=False, overrides={"customer_name": "C3"}).pdf, "third"
    )
    assert third.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    assert not [r for r in third.document.review_reasons if r.startswith("DUPLICATE_INVOICE")]


@pytest.mark.parametrize("field", ["vendor_name", "total_gross"])
def test_a_copy_with_another_vendor_or_gross_is_no_duplicate(running, answers, field):
    token = _lenient(running, "acme")
    original = generate_invoice(SEED, credit_note=False)
    assert _decided(running, token, original.pdf, "first").document.state == ingest_pb.DOCUMENT_STATE_APPROVED
    changed = {"vendor_name": "Another Vendor Ltd", "total_gross": float(original.truth["total_gross"]) + 1}[field]
    copy = generate_invoice(SEED, credit_note=False, overrides={"customer_name": "Other Buyer GmbH"})
    answers.add(copy.truth, **{field: changed})  # read as another vendor or amount
    other = _decided(running, token, copy.pdf, "other")
    assert not [r for r in other.document.review_reasons if r.startswith("DUPLICATE_INVOICE")], list(
        other.document.review_reasons
    )
