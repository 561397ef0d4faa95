"""The processing pipeline: extraction → validation → routing → decision, one document at a time.

Uploads are parsed synchronously (bad files are refused at the door) and queued as work
items; this worker takes them in order. A work item is deleted only in the transaction that
finishes the document, so a crash at any point means the document is processed again.

Leases. A worker claims an item with a short lease (``pipeline_lease_seconds``, 30 s) and a
heartbeat renews it every third of that while the document is processed, so a live worker's
lease never runs out however long the model takes, and a dead worker's item is free again
within one lease: documents no longer wait ten minutes after a crash. The claim's attempt
number is a fencing token: renewals and every write of the document check it, so a worker
that stalled past its lease (and whose item another worker took over) writes nothing.

Why not release "my" items at start on PostgreSQL: several worker processes may share the
database, and an item leased there may belong to a live worker in another process; taking it
at start would process the document twice. Only the lease, which its holder keeps renewing,
says whether the holder is alive. On SQLite the database belongs to one embedded suite, whose
pipeline thread is its only worker, so any lease found at start was left by a previous run of
that suite that crashed: :meth:`Pipeline.recover` frees them at once. (Were a second process
ever to share the file, the fencing token still keeps the two from both finishing a document.)
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select, update

from docai.schemas.document import DocumentState
from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.schemas.review import ReviewTaskState
from docai.schemas.routing import Decision, Thresholds
from docai.services.common.errors import DocAIError
from docai.services.common.observability import annotate, document_span, record_decision, step
from docai.services.documents import store
from docai.services.documents.bank import known_iban
from docai.services.documents.vendor import vendor_key
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.vendor_memory import VendorMemoryStore
from docai.services.pipeline import free_labels, progress
from docai.services.routing.decision import decide
from docai.services.routing.duplicates import flag_duplicate
from docai.services.routing.policy import RoutingPolicy
from docai.services.storage import tables
from docai.services.storage.database import Database
from docai.services.vendors.resolve import master_route, resolve_extraction

log = logging.getLogger("docai.pipeline")

MAX_ATTEMPTS = 3
LEASE = dt.timedelta(seconds=30)


class Claimed(NamedTuple):
    """A work item this worker leased, with what its upload left for the logs and traces."""

    id: int
    document_id: str
    attempts: int
    request_id: str = ""
    traceparent: str = ""


class LeaseLost(Exception):
    """Another worker took the item over (this one stalled past its lease): write nothing more."""


@dataclass
class Pipeline:
    db: Database
    # extract(parsed, tenant_id=...) -> ExtractionOutcome: the Extractor bound to the tenant's adapter.
    extract: Callable[..., ExtractionOutcome]
    policy: RoutingPolicy
    memory: VendorMemoryStore
    lease: dt.timedelta = LEASE

    def recover(self) -> int:
        """Frees at once the items a previous run of this suite left leased (SQLite only; see the
        module docstring for why not on PostgreSQL). Returns how many were freed."""
        if not self.db.is_sqlite:
            return 0
        with self.db.transaction() as session:
            result = session.execute(
                update(tables.WorkItem).where(tables.WorkItem.locked_until.is_not(None)).values(locked_until=None)
            )
            freed = int(getattr(result, "rowcount", 0) or 0)
        if freed:
            log.info("freed %d work item(s) left leased by a previous run", freed)
        return freed

    def process_next(self) -> bool:
        """Processes the oldest waiting document; returns False when the queue is empty."""
        claimed = self._claim_item()
        if claimed is None:
            return False
        item_id, document_id, attempts = claimed.id, claimed.document_id, claimed.attempts
        heartbeat = Heartbeat(self, item_id, token=attempts)
        heartbeat.start()
        # The document's lines carry its upload's request id; its spans are children of the upload's.
        with document_span(
            document_id, request_id=claimed.request_id, traceparent=claimed.traceparent, attempt=attempts
        ):
            try:
                self.process(document_id, item_id=item_id, token=attempts)
            except LeaseLost:
                log.warning("documents/%s was taken over by another worker; leaving it", document_id)
            except DocAIError as exc:
                self._fail(document_id, item_id, reason=exc.reason, message=exc.message, token=attempts)
            except Exception:  # noqa: BLE001 - a bug or a crash in the model must not lose the document
                log.exception("processing documents/%s failed (attempt %d)", document_id, attempts)
                if attempts >= MAX_ATTEMPTS:
                    self._fail(
                        document_id,
                        item_id,
                        reason="INTERNAL_ERROR",
                        message="processing failed repeatedly",
                        token=attempts,
                    )
                else:
                    self._release(item_id, delay=dt.timedelta(seconds=5 * attempts), token=attempts)
            finally:
                heartbeat.stop()
        return True

    def renew(self, item_id: int, *, token: int) -> bool:
        """Extends the lease of an item this worker holds; False when it holds it no more."""
        with self.db.transaction() as session:
            result = session.execute(
                update(tables.WorkItem)
                .where(tables.WorkItem.id == item_id, tables.WorkItem.attempts == token)
                .values(locked_until=tables.utcnow() + self.lease)
            )
            return bool(getattr(result, "rowcount", 0))

    def _held(self, session: Any, item_id: int, token: int | None) -> tables.WorkItem | None:
        """The work item, locked for this transaction; LeaseLost when another worker has it now."""
        if token is None:  # called outside process_next (tests, tools): no lease to check
            unchecked: tables.WorkItem | None = session.get(tables.WorkItem, item_id)
            return unchecked
        item: tables.WorkItem | None = session.get(tables.WorkItem, item_id, with_for_update=not self.db.is_sqlite)
        if item is None or item.attempts != token:
            raise LeaseLost(item_id)
        return item

    def _claim(self) -> tuple[int, str, int] | None:
        """The oldest free item, leased to this worker: ``(item id, document id, attempt)``."""
        claimed = self._claim_item()
        return None if claimed is None else (claimed.id, claimed.document_id, claimed.attempts)

    def _claim_item(self) -> Claimed | None:
        now = tables.utcnow()
        with self.db.transaction() as session:
            query = (
                select(tables.WorkItem)
                .where((tables.WorkItem.locked_until.is_(None)) | (tables.WorkItem.locked_until < now))
                .order_by(tables.WorkItem.id)
                .limit(1)
            )
            if not self.db.is_sqlite:  # several workers on PostgreSQL each take a different row
                query = query.with_for_update(skip_locked=True)
            item = session.scalar(query)
            if item is None:
                return None
            item.locked_until = now + self.lease
            item.attempts += 1
            return Claimed(item.id, item.document_id, item.attempts, item.request_id or "", item.traceparent or "")

    def _release(self, item_id: int, *, delay: dt.timedelta, token: int | None = None) -> None:
        try:
            with self.db.transaction() as session:
                item = self._held(session, item_id, token)
                if item is not None:
                    item.locked_until = tables.utcnow() + delay
        except LeaseLost:
            pass

    def _fail(self, document_id: str, item_id: int, *, reason: str, message: str, token: int | None = None) -> None:
        try:
            with self.db.transaction() as session:
                item = self._held(session, item_id, token)
                row = session.get(tables.Document, document_id)
                if row is not None:
                    store.transition(session, row, DocumentState.FAILED, failure_reason=reason, failure_message=message)
                if item is not None:
                    session.delete(item)
        except LeaseLost:
            log.warning("documents/%s was taken over by another worker; not failing it here", document_id)

    def process(self, document_id: str, *, item_id: int, token: int | None = None) -> None:
        started = time.monotonic()
        with self.db.transaction() as session:
            row = session.get(tables.Document, document_id)
            if row is None or row.parsed is None:
                raise DocAIError("document vanished before processing")
            tenant_id, parsed = row.tenant_id, ParsedDocument.model_validate(row.parsed)
            thresholds = Thresholds.model_validate(session.get(tables.Tenant, tenant_id).thresholds or {})  # type: ignore[union-attr]
        annotate(tenant=tenant_id)
        with step("extract", tenant=tenant_id, document=document_id) as extracted:
            try:
                outcome = self.extract(parsed, tenant_id=tenant_id)
            except DocAIError as exc:
                # The file is fine but the model gave no usable answer: a person can still read it.
                log.warning("extraction of documents/%s failed: %s", document_id, exc.reason)
                extracted["code"], extracted["reason"] = "FALLBACK", exc.reason
                outcome = ExtractionOutcome(extraction=Extraction(), checks=[])
        with step("route", tenant=tenant_id, document=document_id) as routed:
            decision = self._route(document_id, item_id, token, tenant_id, parsed, outcome, thresholds, started)
            routed["decision"] = decision.outcome
        record_decision(decision.outcome)

    def _route(
        self,
        document_id: str,
        item_id: int,
        token: int | None,
        tenant_id: str,
        parsed: ParsedDocument,
        outcome: ExtractionOutcome,
        thresholds: Thresholds,
        started: float,
    ) -> Decision:
        """Routes and decides, and writes everything processing decided in one transaction."""
        # The tenant's vendor master, when it has one: the account on file, the default route and
        # whether the vendor is known at all (docai.services.vendors.resolve).
        vendor = resolve_extraction(self.db, tenant_id, outcome.extraction)
        route = master_route(
            self.policy.route(outcome.extraction, text=parsed.text),
            vendor,
            policy=self.policy,
            extraction=outcome.extraction,
        )
        previous_iban = (
            None
            if vendor.vendor is not None and vendor.vendor.iban
            else known_iban(self.db, tenant_id=tenant_id, vendor=outcome.extraction.value("vendor_name"))
        )
        decision = decide(
            extraction=outcome.extraction,
            checks=outcome.checks,
            route=route,
            thresholds=thresholds,
            previous_iban=previous_iban,
            vendor=vendor,
        )
        # One transaction writes everything the document's processing decided (extracted, routed,
        # approved or sent to review, with their events and audit entry) and deletes its work item:
        # a worker killed at any point before the commit leaves no trace, and the one that takes
        # the item over writes each of these exactly once.
        with self.db.transaction() as session:
            item = self._held(session, item_id, token)
            row = session.get(tables.Document, document_id)
            assert row is not None
            store.set_extraction(row, outcome.extraction, outcome.checks)
            store.transition(session, row, DocumentState.EXTRACTED)
            store.set_route(row, route)
            store.transition(session, row, DocumentState.ROUTED)
            # The same invoice sent twice never auto-approves (docai.services.routing.duplicates).
            decision = flag_duplicate(session, row, decision)
            self._apply(session, row, decision)
            if decision.outcome == "auto_approve":
                free_labels.learn(
                    session,
                    self.memory,
                    row=row,
                    parsed=parsed,
                    outcome=outcome,
                    vendor_key=vendor_key(outcome.extraction.value("vendor_name")),
                )
            if item is not None:
                session.delete(item)
            # What progress estimates are made of (docai.services.pipeline.progress).
            progress.record(session, document_id=document_id, seconds=time.monotonic() - started)
        return decision

    @staticmethod
    def _apply(session: Any, row: tables.Document, decision: Decision) -> None:
        reasons = [reason.model_dump() for reason in decision.reasons]
        summary = store.review_summary(decision.reasons)
        if decision.outcome == "auto_approve":
            store.transition(session, row, DocumentState.APPROVED, decision=decision.outcome, review_reasons=[])
            store.audit(session, row, actor="system", action="auto_approved")
            return
        store.transition(session, row, DocumentState.IN_REVIEW, decision=decision.outcome, review_reasons=summary)
        session.add(
            tables.ReviewTask(
                id=uuid.uuid4().hex,
                tenant_id=row.tenant_id,
                document_id=row.id,
                state=ReviewTaskState.OPEN,
                reasons=reasons,
            )
        )
        store.audit(session, row, actor="system", action="sent_to_review", new_value=", ".join(summary))


class Heartbeat:
    """Renews one claimed item's lease every third of the lease while it is processed."""

    def __init__(self, pipeline: Pipeline, item_id: int, *, token: int) -> None:
        self.pipeline = pipeline
        self.item_id = item_id
        self.token = token
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"docai-lease-{item_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        interval = max(self.pipeline.lease.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                if not self.pipeline.renew(self.item_id, token=self.token):
                    self.lost.set()  # the fencing token makes the worker's next write fail
                    return
            except Exception:  # noqa: BLE001 - a locked database: try again at the next beat
                log.warning("renewing the lease of work item %d failed", self.item_id, exc_info=True)


class PipelineThread:
    """Runs the pipeline in a background thread until stopped; wakes on new uploads."""

    def __init__(self, pipeline: Pipeline, *, name: str = "docai-pipeline") -> None:
        self.pipeline = pipeline
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        """The loop runs (it survives errors of single documents; False after stop() or a fatal error)."""
        return self._thread.is_alive()

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.pipeline.process_next()
            except Exception:  # noqa: BLE001 - keep the worker alive (e.g. database briefly locked)
                log.exception("pipeline loop error")
                busy = False
            if not busy:
                self._wake.wait(timeout=1.0)
                self._wake.clear()
