"""ReviewService against a real in-process server: leases, corrections, concurrency, approval, audit."""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import select

from docai.services.client import DocaiClient
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.pb.extraction.v1 import extraction_service_pb2 as ext_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as pb_grpc
from docai.services.storage import tables
from docai.training.dataset import correction_examples
from docai.training.synthetic import generate_invoice

from .conftest import as_person, reason_of, wait_for_state


@pytest.fixture
def in_review(running, answers):
    """An invoice whose model answer has a wrong gross total, so it waits in the review queue."""
    invoice = generate_invoice(21)
    answers.add(invoice.truth, total_gross=float(invoice.truth["total_gross"]) + 10)
    token = running.tenant("acme")
    with DocaiClient(running.address, token) as client:
        document = client.upload(invoice.pdf, request_id="rev")
    state = wait_for_state(ingest_grpc.IngestServiceStub(grpc.insecure_channel(running.address)), document.name, token)
    assert state.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    return invoice, document, token


def test_correct_and_approve_with_audit_and_training_data(running, in_review):
    invoice, document, _ = in_review
    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    alice, bob = as_person(running, "alice@acme"), as_person(running, "bob@acme")

    listed = review.ListReviewTasks(pb.ListReviewTasksRequest(), metadata=alice)
    assert listed.total_size == 1
    task = listed.review_tasks[0]
    assert any(r.code == "CHECK_FAILED" for r in task.reasons)

    claimed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(), metadata=alice).review_task
    assert claimed.claimed_by == "alice@acme"
    with pytest.raises(grpc.RpcError) as held:
        review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task.name), metadata=bob)
    assert held.value.code() == grpc.StatusCode.ABORTED
    assert reason_of(held.value) == "LEASE_HELD"

    detail = review.GetReviewTask(pb.GetReviewTaskRequest(name=task.name), metadata=alice)
    assert not {c.name: c.passed for c in detail.extraction.checks}["net_plus_tax_equals_gross"]

    gross = f"{invoice.truth['total_gross']:.2f}"
    fixed = review.SubmitCorrections(
        pb.SubmitCorrectionsRequest(
            name=task.name,
            etag=claimed.etag,
            fields=[pb.FieldCorrection(name="total_gross", value=gross)],
            request_id="c-1",
        ),
        metadata=alice,
    )
    assert {c.name: c.passed for c in fixed.extraction.checks}["net_plus_tax_equals_gross"]
    assert fixed.review_task.etag != claimed.etag

    with pytest.raises(grpc.RpcError) as stale:
        review.SubmitCorrections(
            pb.SubmitCorrectionsRequest(
                name=task.name,
                etag=claimed.etag,
                fields=[pb.FieldCorrection(name="currency", value="USD")],
                request_id="c-2",
            ),
            metadata=alice,
        )
    assert stale.value.code() == grpc.StatusCode.ABORTED
    assert reason_of(stale.value) == "STALE_ETAG"

    approved = review.ApproveReviewTask(
        pb.ApproveReviewTaskRequest(name=task.name, etag=fixed.review_task.etag, request_id="a-1"), metadata=alice
    ).review_task
    assert approved.state == pb.REVIEW_TASK_STATE_APPROVED
    ingest = ingest_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    assert ingest.GetDocument(ingest_pb.GetDocumentRequest(name=document.name), metadata=alice).document.state == (
        ingest_pb.DOCUMENT_STATE_APPROVED
    )

    audit = review.ListAuditEntries(pb.ListAuditEntriesRequest(parent=document.name), metadata=alice).audit_entries
    change = next(e for e in audit if e.action == "field_corrected")
    assert (change.actor, change.field, change.new_value) == ("alice@acme", "total_gross", gross)
    assert change.old_value != change.new_value
    assert [e.action for e in audit][-1] == "approved"

    with running.suite.db.transaction() as session:
        example = session.scalar(select(tables.ApprovedExample))
    assert example.changed_fields == ["total_gross"]
    assert example.reviewer == "alice@acme"
    assert example.extraction["fields"]["total_gross"]["value"] == gross


def test_invalid_values_and_unknown_fields_are_refused(running, in_review):
    _ = in_review
    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    me = as_person(running, "carol@acme", "reviewer")  # a reviewer may claim and correct
    task = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(), metadata=me).review_task
    for field, value, reason in [
        ("invoice_date", "not a date", "INVALID_FIELD_VALUE"),
        ("colour", "red", "UNKNOWN_FIELD"),
    ]:
        with pytest.raises(grpc.RpcError) as error:
            review.SubmitCorrections(
                pb.SubmitCorrectionsRequest(
                    name=task.name,
                    etag=task.etag,
                    fields=[pb.FieldCorrection(name=field, value=value)],
                    request_id=field,
                ),
                metadata=me,
            )
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert reason_of(error.value) == reason


def test_line_items_and_route_corrections_and_rejection(running, in_review):
    _, document, _ = in_review
    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    me = as_person(running, "dave@acme")
    task = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(), metadata=me).review_task
    row = ext_pb.LineItem(
        fields=[ext_pb.Field(name="description", value="Widget"), ext_pb.Field(name="amount", value="10,00")]
    )
    result = review.SubmitCorrections(
        pb.SubmitCorrectionsRequest(
            name=task.name,
            etag=task.etag,
            replace_line_items=True,
            line_items=[row],
            route=pb.RouteCorrection(department="Facilities", approver="boss@acme"),
            request_id="li",
        ),
        metadata=me,
    )
    assert [[(f.name, f.value) for f in item.fields] for item in result.extraction.line_items] == [
        [("description", "Widget"), ("amount", "10.00")]
    ]
    detail = review.GetReviewTask(pb.GetReviewTaskRequest(name=task.name), metadata=me)
    assert (detail.route.department, detail.route.approver) == ("Facilities", "boss@acme")
    rejected = review.RejectReviewTask(
        pb.RejectReviewTaskRequest(name=task.name, etag=result.review_task.etag, reason="duplicate", request_id="rj"),
        metadata=me,
    ).review_task
    assert rejected.state == pb.REVIEW_TASK_STATE_REJECTED
    ingest = ingest_grpc.IngestServiceStub(grpc.insecure_channel(running.address))
    doc = ingest.GetDocument(ingest_pb.GetDocumentRequest(name=document.name), metadata=me).document
    assert doc.state == ingest_pb.DOCUMENT_STATE_REJECTED
    assert doc.failure.message == "duplicate"


def _approve(review, task_name: str, who, fields: list[pb.FieldCorrection], approver=None) -> pb.ReviewTask:  # type: ignore[no-untyped-def]
    """``who`` corrects ``fields``; ``approver`` (``who`` when not given) approves."""
    task = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task_name), metadata=who).review_task
    fixed = review.SubmitCorrections(
        pb.SubmitCorrectionsRequest(name=task.name, etag=task.etag, fields=fields, request_id=f"fix-{task.name}"),
        metadata=who,
    ).review_task
    if approver is not None:
        review.ReleaseReviewTask(pb.ReleaseReviewTaskRequest(name=task_name), metadata=who)
        fixed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task_name), metadata=approver).review_task
    return review.ApproveReviewTask(
        pb.ApproveReviewTaskRequest(name=task.name, etag=fixed.etag, request_id=f"ok-{task.name}"),
        metadata=approver or who,
    ).review_task


def test_changed_bank_details_train_nothing_until_a_second_person_confirms(running, in_review):
    invoice, document, _ = in_review
    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    alice, bob, carol, dan = (as_person(running, who) for who in ("alice@acme", "bob@acme", "carol@acme", "dan@acme"))
    task_name = review.ListReviewTasks(pb.ListReviewTasksRequest(), metadata=alice).review_tasks[0].name
    gross = f"{invoice.truth['total_gross']:.2f}"
    iban = "DE89 3704 0044 0532 0130 00"
    approved = _approve(
        review,
        task_name,
        dan,
        [pb.FieldCorrection(name="total_gross", value=gross), pb.FieldCorrection(name="iban", value=iban)],
        approver=alice,
    )
    assert approved.bank_details_unconfirmed and not approved.bank_details_confirmed_by
    waiting = review.ListReviewTasks(pb.ListReviewTasksRequest(bank_details_unconfirmed=True), metadata=bob)
    assert [t.name for t in waiting.review_tasks] == [task_name]
    with running.suite.db.transaction() as session:
        row = session.scalar(select(tables.ApprovedExample))
        session.expunge(row)
    parsed = {document.name.split("/")[1]: parse_pdf(invoice.pdf)}
    assert row.reviewer == "alice@acme"
    assert correction_examples([row], parsed)[1][0].reason == "NEEDS_SECOND_APPROVAL"

    for who, name in ((alice, "alice"), (dan, "dan")):  # the approver, and the one who typed the new IBAN
        with pytest.raises(grpc.RpcError) as same_person:
            review.ConfirmBankDetails(
                pb.ConfirmBankDetailsRequest(name=task_name, request_id=f"c-{name}"), metadata=who
            )
        assert same_person.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert reason_of(same_person.value) == "SECOND_PERSON_REQUIRED"

    confirmed = review.ConfirmBankDetails(
        pb.ConfirmBankDetailsRequest(name=task_name, request_id="c-bob"), metadata=bob
    ).review_task
    assert (confirmed.bank_details_unconfirmed, confirmed.bank_details_confirmed_by) == (False, "bob@acme")
    retried = review.ConfirmBankDetails(
        pb.ConfirmBankDetailsRequest(name=task_name, request_id="c-bob"), metadata=bob
    ).review_task
    assert retried.bank_details_confirmed_by == "bob@acme"
    with pytest.raises(grpc.RpcError) as twice:
        review.ConfirmBankDetails(pb.ConfirmBankDetailsRequest(name=task_name, request_id="c-carol"), metadata=carol)
    assert reason_of(twice.value) == "ALREADY_CONFIRMED"
    assert (
        review.ListReviewTasks(pb.ListReviewTasksRequest(bank_details_unconfirmed=True), metadata=bob).total_size == 0
    )

    audit = review.ListAuditEntries(pb.ListAuditEntriesRequest(parent=document.name), metadata=bob).audit_entries
    assert [(e.actor, e.action) for e in audit if e.action == "bank_details_confirmed"] == [
        ("bob@acme", "bank_details_confirmed")
    ]
    with running.suite.db.transaction() as session:
        row = session.scalar(select(tables.ApprovedExample))
        session.expunge(row)
    trained, aside = correction_examples([row], parsed)
    assert aside == [] and len(trained) == 1


def test_only_a_changed_bank_account_can_be_confirmed(running, in_review):
    invoice, _, _ = in_review
    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    alice, bob = as_person(running, "alice@acme"), as_person(running, "bob@acme")
    task_name = review.ListReviewTasks(pb.ListReviewTasksRequest(), metadata=alice).review_tasks[0].name
    with pytest.raises(grpc.RpcError) as open_task:
        review.ConfirmBankDetails(pb.ConfirmBankDetailsRequest(name=task_name, request_id="c-open"), metadata=bob)
    assert reason_of(open_task.value) == "NO_BANK_CHANGE"
    approved = _approve(
        review, task_name, alice, [pb.FieldCorrection(name="total_gross", value=f"{invoice.truth['total_gross']:.2f}")]
    )
    assert not approved.bank_details_unconfirmed
    with pytest.raises(grpc.RpcError) as no_change:
        review.ConfirmBankDetails(pb.ConfirmBankDetailsRequest(name=task_name, request_id="c-1"), metadata=bob)
    assert no_change.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(no_change.value) == "NO_BANK_CHANGE"
    with pytest.raises(grpc.RpcError) as missing:
        review.ConfirmBankDetails(pb.ConfirmBankDetailsRequest(name="reviewTasks/nope", request_id="c-2"), metadata=bob)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_changed_bic_also_waits_for_a_second_person(running, in_review):
    invoice, _, _ = in_review
    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    alice = as_person(running, "alice@acme")
    task_name = review.ListReviewTasks(pb.ListReviewTasksRequest(), metadata=alice).review_tasks[0].name
    approved = _approve(
        review,
        task_name,
        alice,
        [
            pb.FieldCorrection(name="total_gross", value=f"{invoice.truth['total_gross']:.2f}"),
            pb.FieldCorrection(name="bic", value="COBADEFFXXX"),
        ],
    )
    assert approved.bank_details_unconfirmed
