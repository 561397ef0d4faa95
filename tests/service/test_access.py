"""Who may do what (issue 13): the caller is whoever the credential says, roles are checked in the
services, and a tenant's models are its own. Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import func, select

from docai.services.adapters.choice import AdapterChoice
from docai.services.adapters.registry import SHIPPED_ADAPTERS, AdapterRegistry
from docai.services.client import DocaiClient
from docai.services.common.errors import NotFoundError
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.pb.ingest.v1 import ingest_service_pb2_grpc as ingest_grpc
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.pb.review.v1 import review_service_pb2_grpc as pb_grpc
from docai.services.pb.training.v1 import training_service_pb2 as training_pb
from docai.services.pb.training.v1 import training_service_pb2_grpc as training_grpc
from docai.services.storage import tables
from docai.training.synthetic import generate_invoice

from .conftest import metadata, reason_of, wait_for_state

IBAN = "DE89 3704 0044 0532 0130 00"
PERSON_ACTIONS = {"claimed", "released", "field_corrected", "approved", "rejected", "bank_details_confirmed"}


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info
    raise AssertionError("no ErrorInfo in the status details")


def refused(call: Any, request: Any, auth: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(request, metadata=auth)
    return raised.value


@pytest.fixture
def waiting(running, answers):
    """acme's ERP token and the review task of an invoice (a wrong gross) that waits for a person."""
    invoice = generate_invoice(21)
    answers.add(invoice.truth, total_gross=float(invoice.truth["total_gross"]) + 10)
    erp = running.tenant("acme")
    with DocaiClient(running.address, erp) as client:
        document = client.upload(invoice.pdf, request_id="access")
    state = wait_for_state(ingest_grpc.IngestServiceStub(grpc.insecure_channel(running.address)), document.name, erp)
    assert state.document.state == ingest_pb.DOCUMENT_STATE_IN_REVIEW
    review = pb_grpc.ReviewServiceStub(grpc.insecure_channel(running.address))
    task = review.ListReviewTasks(pb.ListReviewTasksRequest(), metadata=metadata(erp)).review_tasks[0]
    return invoice, document, erp, review, task


def _correct_and_approve(review: Any, task_name: str, auth: Any, invoice: Any) -> pb.ReviewTask:
    """``auth`` claims, changes the IBAN (and fixes the gross) and approves."""
    task = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task_name), metadata=auth).review_task
    fixed = review.SubmitCorrections(
        pb.SubmitCorrectionsRequest(
            name=task_name,
            etag=task.etag,
            request_id=f"fix-{task_name}",
            fields=[
                pb.FieldCorrection(name="total_gross", value=f"{invoice.truth['total_gross']:.2f}"),
                pb.FieldCorrection(name="iban", value=IBAN),
            ],
        ),
        metadata=auth,
    ).review_task
    return review.ApproveReviewTask(
        pb.ApproveReviewTaskRequest(name=task_name, etag=fixed.etag, request_id=f"ok-{task_name}"), metadata=auth
    ).review_task


def test_an_erp_token_cannot_claim_correct_approve_or_confirm(running, waiting):
    """Defect 2: review actions need a person with a role; an ERP system gets ROLE_REQUIRED naming the role."""
    _, _, erp, review, task = waiting
    auth = metadata(erp)
    cases = [
        (review.ClaimReviewTask, pb.ClaimReviewTaskRequest(name=task.name), "reviewer"),
        (
            review.SubmitCorrections,
            pb.SubmitCorrectionsRequest(
                name=task.name, etag=task.etag, request_id="c", fields=[pb.FieldCorrection(name="iban", value=IBAN)]
            ),
            "reviewer",
        ),
        (
            review.ApproveReviewTask,
            pb.ApproveReviewTaskRequest(name=task.name, etag=task.etag, request_id="a"),
            "approver",
        ),
        (
            review.RejectReviewTask,
            pb.RejectReviewTaskRequest(name=task.name, etag=task.etag, request_id="r"),
            "approver",
        ),
        (review.ConfirmBankDetails, pb.ConfirmBankDetailsRequest(name=task.name, request_id="b"), "approver"),
    ]
    for call, request, role in cases:
        error = refused(call, request, auth)
        info = error_info(error)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, call
        assert (info.reason, info.metadata["role"], info.metadata["scope"]) == ("ROLE_REQUIRED", role, "erp")
    # It still reads its tenant's queue, and nothing changed.
    again = review.GetReviewTask(pb.GetReviewTaskRequest(name=task.name), metadata=auth).review_task
    assert again.state == pb.REVIEW_TASK_STATE_OPEN and not again.claimed_by


def test_a_reviewer_cannot_approve_over_grpc(running, waiting):
    """Defect 2: the page's 403 for a reviewer holds over gRPC too; an approver then approves."""
    invoice, _, _, review, task = waiting
    rita = metadata(running.person("acme", "rita@acme", "reviewer"))
    claimed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task.name), metadata=rita).review_task
    fixed = review.SubmitCorrections(
        pb.SubmitCorrectionsRequest(
            name=task.name,
            etag=claimed.etag,
            request_id="fix",
            fields=[pb.FieldCorrection(name="total_gross", value=f"{invoice.truth['total_gross']:.2f}")],
        ),
        metadata=rita,
    ).review_task
    for call, request in (
        (review.ApproveReviewTask, pb.ApproveReviewTaskRequest(name=task.name, etag=fixed.etag, request_id="a")),
        (review.RejectReviewTask, pb.RejectReviewTaskRequest(name=task.name, etag=fixed.etag, request_id="r")),
    ):
        info = error_info(refused(call, request, rita))
        assert (info.reason, info.metadata["role"], info.metadata["caller_role"]) == (
            "ROLE_REQUIRED",
            "approver",
            "reviewer",
        )
    assert review.GetReviewTask(pb.GetReviewTaskRequest(name=task.name), metadata=rita).review_task.state == (
        pb.REVIEW_TASK_STATE_CLAIMED
    )
    review.ReleaseReviewTask(pb.ReleaseReviewTaskRequest(name=task.name), metadata=rita)
    anna = metadata(running.person("acme", "anna@acme", "approver"))
    mine = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task.name), metadata=anna).review_task
    approved = review.ApproveReviewTask(
        pb.ApproveReviewTaskRequest(name=task.name, etag=mine.etag, request_id="a2"), metadata=anna
    ).review_task
    assert approved.state == pb.REVIEW_TASK_STATE_APPROVED


def test_a_token_cannot_name_another_person(running, waiting):
    """Defect 1: x-docai-actor from an ERP or person token is refused (ACTOR_NOT_ALLOWED); no lease is taken over."""
    _, _, erp, review, task = waiting
    alice = metadata(running.person("acme", "alice@acme", "approver"))
    mallory_token = running.person("acme", "mallory@acme", "approver")
    claimed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task.name), metadata=alice).review_task
    assert claimed.claimed_by == "alice@acme"
    for token in (erp, mallory_token):
        for actor, role in (("alice@acme", ""), ("system", ""), ("", "admin")):
            error = refused(
                review.ReleaseReviewTask, pb.ReleaseReviewTaskRequest(name=task.name), metadata(token, actor, role)
            )
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED and reason_of(error) == "ACTOR_NOT_ALLOWED"
    # Nor may it name another tenant.
    error = refused(
        review.ListReviewTasks, pb.ListReviewTasksRequest(), metadata(mallory_token) + (("x-docai-tenant", "globex"),)
    )
    assert reason_of(error) == "TENANT_NOT_ALLOWED"
    # As itself, mallory meets alice's lease.
    held = refused(review.ClaimReviewTask, pb.ClaimReviewTaskRequest(name=task.name), metadata(mallory_token))
    assert reason_of(held) == "LEASE_HELD"
    assert (
        review.GetReviewTask(pb.GetReviewTaskRequest(name=task.name), metadata=alice).review_task.claimed_by
        == "alice@acme"
    )


def test_four_eyes_compares_authenticated_people(running, waiting):
    """Defect 1, the reproduction: one person changes the IBAN and approves; neither a second token of the
    same person nor an ERP token naming a made-up person can confirm; a different approver can."""
    invoice, _, erp, review, task = waiting
    first = metadata(running.person("acme", "reviewer@acme", "approver"))
    approved = _correct_and_approve(review, task.name, first, invoice)
    assert approved.bank_details_unconfirmed

    same_person = metadata(running.person("acme", "reviewer@acme", "approver"))  # another token of the same identity
    error = refused(
        review.ConfirmBankDetails, pb.ConfirmBankDetailsRequest(name=task.name, request_id="c1"), same_person
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and reason_of(error) == "SECOND_PERSON_REQUIRED"
    error = refused(
        review.ConfirmBankDetails,
        pb.ConfirmBankDetailsRequest(name=task.name, request_id="c2"),
        metadata(erp, "made-up-second-person"),
    )
    assert reason_of(error) == "ACTOR_NOT_ALLOWED"
    with running.suite.db.transaction() as session:
        example = session.scalar(select(tables.ApprovedExample))
        assert (example.reviewer, example.second_approver) == ("reviewer@acme", "")

    controller = metadata(running.person("acme", "controller@acme", "approver"))
    confirmed = review.ConfirmBankDetails(
        pb.ConfirmBankDetailsRequest(name=task.name, request_id="c3"), metadata=controller
    )
    assert confirmed.review_task.bank_details_confirmed_by == "controller@acme"
    with running.suite.db.transaction() as session:
        example = session.scalar(select(tables.ApprovedExample))
        assert (example.reviewer, example.second_approver) == ("reviewer@acme", "controller@acme")


def test_audit_entries_carry_the_authenticated_actor(running, waiting):
    """Defect 1: the audit trail names the credential's person; no one can write entries as ``system``."""
    invoice, document, erp, review, task = waiting
    service = running.token("review-web", scope="service")

    def page_as(actor: str, role: str) -> tuple[tuple[str, str], ...]:
        """The review page naming its signed-in user (and their role) for tenant acme."""
        return (
            ("authorization", f"Bearer {service}"),
            ("x-docai-tenant", "acme"),
            ("x-docai-actor", actor),
            ("x-docai-role", role),
        )

    def count() -> int:
        with running.suite.db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(tables.AuditEntry)) or 0)

    before = count()
    for auth, reason in (
        (metadata(erp, "system"), "ACTOR_NOT_ALLOWED"),
        (page_as("system", "approver"), "ACTOR_RESERVED"),
    ):
        error = refused(review.ClaimReviewTask, pb.ClaimReviewTaskRequest(name=task.name), auth)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED and reason_of(error) == reason
    assert count() == before

    # The review page may name its user (and their role); a role it does not name is no role.
    error = refused(review.ClaimReviewTask, pb.ClaimReviewTaskRequest(name=task.name), page_as("pat@acme", "")[:3])
    assert reason_of(error) == "ROLE_REQUIRED"
    pat = page_as("pat@acme", "reviewer")
    claimed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=task.name), metadata=pat).review_task
    assert claimed.claimed_by == "pat@acme"
    assert (
        reason_of(
            refused(
                review.ApproveReviewTask,
                pb.ApproveReviewTaskRequest(name=task.name, etag=claimed.etag, request_id="a"),
                pat,
            )
        )
        == "ROLE_REQUIRED"
    )
    review.ReleaseReviewTask(pb.ReleaseReviewTaskRequest(name=task.name), metadata=pat)

    olga = metadata(running.person("acme", "olga@acme", "admin"))
    _correct_and_approve(review, task.name, olga, invoice)
    audit = review.ListAuditEntries(pb.ListAuditEntriesRequest(parent=document.name), metadata=olga).audit_entries
    people = [(e.actor, e.action) for e in audit if e.actor != "system"]
    assert ("pat@acme", "claimed") in people and ("pat@acme", "released") in people
    assert ("olga@acme", "approved") in people and ("olga@acme", "field_corrected") in people
    assert {actor for actor, _ in people} == {"pat@acme", "olga@acme"}
    assert not [e for e in audit if e.actor == "system" and e.action in PERSON_ACTIONS]


def _register(registry: AdapterRegistry, owner: str = "") -> str:
    """A copy of the shipped extraction adapter as a new version, owned by ``owner`` ("" shared)."""
    extra = {"owner": owner, "tenant": owner} if owner else {}
    return registry.register("extraction", SHIPPED_ADAPTERS / "extraction", extra=extra).version


def test_each_tenant_has_its_own_champion_and_only_the_operator_changes_the_shared_one(running):
    """Defect 3: acme's admin moves acme's champion only; globex can neither see, promote nor roll back
    acme's; acme's reviewers and ERP cannot; only the operator moves the shared champion."""
    registry = AdapterRegistry(running.settings.adapter_dir)
    training = training_grpc.TrainingServiceStub(grpc.insecure_channel(running.address))
    acme_admin = metadata(running.person("acme", "ada@acme", "admin"))
    globex_admin = metadata(running.person("globex", "gus@globex", "admin"))
    operator = metadata(running.token("ops", scope="operator"))
    shipped = registry.get("extraction", "champion").version
    acme_own, shared_new = _register(registry, "acme"), _register(registry)

    def promote(auth: Any, version: str, request_id: str) -> Any:
        return training.PromoteAdapter(
            training_pb.PromoteAdapterRequest(name=f"adapters/extraction/versions/{version}", request_id=request_id),
            metadata=auth,
        ).adapter

    def rollback(auth: Any, request_id: str) -> Any:
        return training.RollbackAdapter(
            training_pb.RollbackAdapterRequest(parent="adapters/extraction", request_id=request_id), metadata=auth
        ).adapter

    def champion(auth: Any) -> str:
        return training.GetAdapter(
            training_pb.GetAdapterRequest(name="adapters/extraction/versions/champion"), metadata=auth
        ).adapter.version

    # Neither acme's reviewers nor its ERP system manage models.
    for auth in (metadata(running.person("acme", "rita@acme", "reviewer")), metadata(running.token("acme"))):
        for call in (
            lambda a: promote(a, shared_new, "p0"),
            lambda a: rollback(a, "r0"),
            lambda a: training.CreateTuningJob(
                training_pb.CreateTuningJobRequest(task="extraction", request_id="j0"), metadata=a
            ),
        ):
            with pytest.raises(grpc.RpcError) as raised:
                call(auth)
            info = error_info(raised.value)
            assert (raised.value.code(), info.reason, info.metadata["role"]) == (
                grpc.StatusCode.PERMISSION_DENIED,
                "ROLE_REQUIRED",
                "admin",
            )

    # acme's admin promotes acme's version: acme's champion only.
    assert list(promote(acme_admin, acme_own, "p1").aliases) == ["champion"]
    assert registry.aliases("extraction") == {"champion": shipped}, "the shared champion did not move"
    assert registry.aliases("extraction", "acme") == {"champion": acme_own, "previous": shipped}
    assert (champion(acme_admin), champion(globex_admin)) == (acme_own, shipped)
    backend = running.backend
    assert backend.adapter_paths["champion@acme"] == registry.get("extraction", acme_own).path
    assert backend.adapter_paths["champion"] == registry.get("extraction", shipped).path
    choose = AdapterChoice(backend, configured="champion", registry=registry)
    assert (choose("acme"), choose("globex")) == ("champion@acme", "champion")
    for name in ("champion@acme", f"extraction@{acme_own}"):
        with pytest.raises(NotFoundError):
            choose("globex", name)

    # globex sees no trace of acme's version and cannot move acme's champion.
    listed = training.ListAdapters(training_pb.ListAdaptersRequest(parent="adapters/extraction"), metadata=globex_admin)
    assert acme_own not in [a.version for a in listed.adapters]
    for call in (
        lambda: promote(globex_admin, acme_own, "p2"),
        lambda: training.GetAdapter(
            training_pb.GetAdapterRequest(name=f"adapters/extraction/versions/{acme_own}"), metadata=globex_admin
        ),
    ):
        with pytest.raises(grpc.RpcError) as raised:
            call()
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(raised.value) == "ADAPTER_NOT_FOUND"
    with pytest.raises(grpc.RpcError) as raised:
        rollback(globex_admin, "r1")
    assert reason_of(raised.value) == "NO_PREVIOUS_ADAPTER"
    assert registry.aliases("extraction", "acme") == {"champion": acme_own, "previous": shipped}

    # Only the operator moves the shared champion, and only to a shared version.
    with pytest.raises(grpc.RpcError) as raised:
        promote(operator, acme_own, "p3")
    assert (
        raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION and reason_of(raised.value) == "ADAPTER_NOT_SHARED"
    )
    assert promote(operator, shared_new, "p4").version == shared_new
    assert registry.aliases("extraction") == {"champion": shared_new, "previous": shipped}
    assert (champion(acme_admin), champion(globex_admin)) == (acme_own, shared_new), "acme keeps its own"
    assert backend.adapter_paths["champion"] == registry.get("extraction", shared_new).path

    # Rollbacks: acme's goes back to what served acme before; the operator's to the previous shared one.
    assert rollback(acme_admin, "r2").version == shipped
    assert registry.aliases("extraction") == {"champion": shared_new, "previous": shipped}
    assert rollback(operator, "r3").version == shipped
    assert registry.aliases("extraction") == {"champion": shipped, "previous": shared_new}
    assert registry.aliases("extraction", "acme") == {"champion": shipped, "previous": acme_own}
