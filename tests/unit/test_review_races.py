"""Concurrent review operations on the real ReviewQueue, SQLite and PostgreSQL (issue 13, defect 4).

Each test starts two requests together (a barrier) against one task, ten rounds on fresh tasks,
and checks that exactly one wins, that the loser is told why (ABORTED or FAILED_PRECONDITION,
never INTERNAL) and that what is stored agrees with the winner and with the audit log.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import pytest
from sqlalchemy import func, select

from docai.schemas.invoice import Extraction
from docai.schemas.review import Corrections
from docai.services.common.errors import DocAIError
from docai.services.common.tenants import create_tenant
from docai.services.ingest.pdf_parse import parse_pdf
from docai.services.review.queue import ReviewQueue
from docai.services.storage import tables
from docai.services.storage.database import Database, open_database
from docai.training.bench.vendor_memory import approved_extraction
from docai.training.synthetic import generate_invoice

ROUNDS = 10
LOSSES = {("ABORTED", "STALE_ETAG"), ("ABORTED", "LEASE_HELD"), ("FAILED_PRECONDITION", "TASK_CLOSED")}


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> tuple[str, str]:
        """(gRPC code name, reason) as the caller would see them; INTERNAL for anything unmapped."""
        if self.error is None:
            return ("OK", "")
        if isinstance(self.error, DocAIError):
            return (self.error.code.name, self.error.reason)
        return ("INTERNAL", repr(self.error))


def race(*calls: Callable[[], Any]) -> list[Outcome]:
    """Runs the calls in threads released together; each call's result or error, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index].value = calls[index]()
        except BaseException as error:  # noqa: BLE001 - every failure is an outcome to judge
            outcomes[index].error = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return outcomes


@cache
def _invoice() -> tuple[dict[str, Any], dict[str, Any]]:
    """A real parsed invoice and its fields boxed where the page prints them, so an approval teaches vendor memory."""
    invoice = generate_invoice(21)
    parsed = parse_pdf(invoice.pdf)
    return parsed.model_dump(), approved_extraction(invoice, parsed).model_dump()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    create_tenant(database, tenant_id="acme")
    yield database
    database.dispose()


def in_review(db: Database, *, reasons: list[dict[str, str]] | None = None) -> str:
    """A fresh document waiting in review; returns its task id."""
    parsed, extraction = _invoice()
    doc_id, task_id = uuid.uuid4().hex, uuid.uuid4().hex
    with db.transaction() as session:
        session.add(
            tables.Document(
                id=doc_id,
                tenant_id="acme",
                filename="a.pdf",
                sha256="0" * 64,
                size_bytes=1,
                page_count=1,
                state="in_review",
                parsed=parsed,
                extraction=extraction,
            )
        )
        session.flush()
        session.add(
            tables.ReviewTask(
                id=task_id,
                tenant_id="acme",
                document_id=doc_id,
                state="open",
                reasons=reasons or [{"code": "CHECK_FAILED", "field": "total_gross"}],
            )
        )
    return task_id


def claimed(db: Database, queue: ReviewQueue, actor: str = "ann", **kwargs: Any) -> tuple[str, str]:
    task_id = in_review(db, **kwargs)
    task = queue.claim(tenant_id="acme", actor=actor, task_id=task_id)
    return task_id, str(task.version)


def stored(db: Database, task_id: str) -> tuple[tables.ReviewTask, tables.Document, list[tables.AuditEntry], Any]:
    with db.transaction() as session:
        task = session.get(tables.ReviewTask, task_id)
        assert task is not None
        doc = session.get(tables.Document, task.document_id)
        audit = list(
            session.scalars(
                select(tables.AuditEntry)
                .where(tables.AuditEntry.document_id == task.document_id)
                .order_by(tables.AuditEntry.id)
            )
        )
        examples = session.scalar(
            select(func.count())
            .select_from(tables.ApprovedExample)
            .where(tables.ApprovedExample.document_id == task.document_id)
        )
        return task, doc, audit, examples  # type: ignore[return-value]


def vendor_memory(db: Database) -> list[tuple[str, int, Any]]:
    """What vendor memory holds: each template's key, invoice count and last change."""
    with db.transaction() as session:
        rows = session.execute(
            select(
                tables.VendorTemplateRecord.vendor_key,
                tables.VendorTemplateRecord.invoice_count,
                tables.VendorTemplateRecord.update_time,
            ).order_by(tables.VendorTemplateRecord.vendor_key)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def one_winner(outcomes: list[Outcome], losses: set[tuple[str, str]] = LOSSES) -> tuple[int, Outcome]:
    winners = [i for i, o in enumerate(outcomes) if o.ok]
    statuses = [o.status for o in outcomes]
    assert len(winners) == 1, f"expected exactly one winner, got {statuses}"
    loser = outcomes[1 - winners[0]]
    assert loser.status in losses, f"the loser was told {loser.status}"
    return winners[0], loser


def test_two_claims_leave_one_holder(db: Database) -> None:
    queue = ReviewQueue(db=db)
    for _ in range(ROUNDS):
        task_id = in_review(db)
        outcomes = race(
            partial(queue.claim, tenant_id="acme", actor="ann", task_id=task_id),
            partial(queue.claim, tenant_id="acme", actor="bob", task_id=task_id),
        )
        winner, loser = one_winner(outcomes, {("ABORTED", "LEASE_HELD")})
        holder = ("ann", "bob")[winner]
        task, _, audit, _ = stored(db, task_id)
        assert (task.state, task.claimed_by) == ("claimed", holder)
        assert [e.actor for e in audit if e.action == "claimed"] == [holder]
        assert loser.error.metadata["holder"] == holder  # type: ignore[union-attr]


def test_two_claims_of_the_next_task_get_different_tasks(db: Database) -> None:
    queue = ReviewQueue(db=db)
    for _ in range(ROUNDS):
        with db.transaction() as session:  # close what earlier rounds left open
            for task in session.scalars(select(tables.ReviewTask).where(tables.ReviewTask.state == "open")):
                task.state = "rejected"
        first, second = in_review(db), in_review(db)
        outcomes = race(
            partial(queue.claim, tenant_id="acme", actor="ann"),
            partial(queue.claim, tenant_id="acme", actor="bob"),
        )
        assert [o.status for o in outcomes] == [("OK", ""), ("OK", "")]
        assert {o.value.id for o in outcomes} == {first, second}
        for task_id in (first, second):
            task, _, audit, _ = stored(db, task_id)
            assert [e.actor for e in audit if e.action == "claimed"] == [task.claimed_by]


def test_approve_and_reject_with_one_etag_have_one_outcome(db: Database) -> None:
    queue = ReviewQueue(db=db)
    for _ in range(ROUNDS):
        task_id, etag = claimed(db, queue)
        learned = vendor_memory(db)
        outcomes = race(
            partial(
                queue.approve,
                tenant_id="acme",
                actor="ann",
                task_id=task_id,
                etag=etag,
                request_id=f"approve-{task_id}",
            ),
            partial(
                queue.reject,
                tenant_id="acme",
                actor="ann",
                task_id=task_id,
                etag=etag,
                reason="duplicate",
                request_id=f"reject-{task_id}",
            ),
        )
        winner, _ = one_winner(outcomes)
        task, doc, audit, examples = stored(db, task_id)
        actions = [e.action for e in audit if e.action in ("approved", "rejected")]
        if winner == 0:
            assert (task.state, doc.state, actions, examples) == ("approved", "approved", ["approved"], 1)
            assert vendor_memory(db) != learned, "the approval taught vendor memory nothing"
        else:
            assert (task.state, doc.state, actions, examples) == ("rejected", "rejected", ["rejected"], 0)
            assert vendor_memory(db) == learned, "a rejected invoice taught vendor memory"
        assert task.version == int(etag) + 1


def test_two_corrections_with_one_etag_apply_one(db: Database) -> None:
    queue = ReviewQueue(db=db)
    for _ in range(ROUNDS):
        task_id, etag = claimed(db, queue)
        values = ("111.11", "222.22")
        outcomes = race(
            *(
                partial(
                    queue.correct,
                    tenant_id="acme",
                    actor="ann",
                    task_id=task_id,
                    etag=etag,
                    corrections=Corrections(fields={"total_gross": value}),
                    request_id=f"{value}-{task_id}",
                )
                for value in values
            )
        )
        winner, _ = one_winner(outcomes, {("ABORTED", "STALE_ETAG")})
        task, doc, audit, _ = stored(db, task_id)
        value = Extraction.model_validate(doc.extraction).value("total_gross")
        assert value == values[winner]
        assert task.version == int(etag) + 1
        changes = [e for e in audit if e.action == "field_corrected"]
        assert len(changes) == 1
        # The audit log reconstructs the stored value from the extraction the model produced.
        original = Extraction.model_validate(_invoice()[1]).value("total_gross")
        assert (changes[0].old_value, changes[0].new_value) == (original, value)


def test_two_approvals_approve_once(db: Database) -> None:
    queue = ReviewQueue(db=db)
    for _ in range(ROUNDS):
        task_id, etag = claimed(db, queue)
        outcomes = race(
            *(
                partial(
                    queue.approve,
                    tenant_id="acme",
                    actor="ann",
                    task_id=task_id,
                    etag=etag,
                    request_id=f"{n}-{task_id}",
                )
                for n in ("first", "second")
            )
        )
        one_winner(outcomes)
        task, doc, audit, examples = stored(db, task_id)
        assert (task.state, doc.state, examples) == ("approved", "approved", 1)
        assert [e.action for e in audit].count("approved") == 1


def test_a_retried_approval_racing_the_first_returns_the_same_answer(db: Database) -> None:
    queue = ReviewQueue(db=db)
    for _ in range(ROUNDS):
        task_id, etag = claimed(db, queue)
        retry = partial(
            queue.approve, tenant_id="acme", actor="ann", task_id=task_id, etag=etag, request_id=f"once-{task_id}"
        )
        outcomes = race(retry, retry)
        assert [o.status for o in outcomes] == [("OK", ""), ("OK", "")]
        assert outcomes[0].value.state == outcomes[1].value.state == "approved"
        assert outcomes[0].value.version == outcomes[1].value.version == int(etag) + 1
        _, _, audit, examples = stored(db, task_id)
        assert examples == 1 and [e.action for e in audit].count("approved") == 1


def test_two_people_confirming_bank_details_confirm_once(db: Database) -> None:
    queue = ReviewQueue(db=db)
    for _ in range(ROUNDS):
        task_id, etag = claimed(db, queue, reasons=[{"code": "BANK_DETAILS_CHANGED", "field": "iban"}])
        approved = queue.approve(
            tenant_id="acme", actor="ann", task_id=task_id, etag=etag, request_id=f"approve-{task_id}"
        )
        assert approved.bank_details_unconfirmed
        outcomes = race(
            *(
                partial(
                    queue.confirm_bank_details,
                    tenant_id="acme",
                    actor=who,
                    task_id=task_id,
                    request_id=f"{who}-{task_id}",
                )
                for who in ("bob", "carol")
            )
        )
        winner, _ = one_winner(outcomes, {("FAILED_PRECONDITION", "ALREADY_CONFIRMED")})
        _, _, audit, _ = stored(db, task_id)
        assert [e.actor for e in audit if e.action == "bank_details_confirmed"] == [("bob", "carol")[winner]]
        with db.transaction() as session:
            example = session.scalar(
                select(tables.ApprovedExample).where(tables.ApprovedExample.document_id == approved.document_id)
            )
            assert example is not None and example.second_approver == ("bob", "carol")[winner]
