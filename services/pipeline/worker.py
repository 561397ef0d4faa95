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
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from docai.schemas.document import DocumentState
from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.schemas.routing import Decision, Thresholds
from docai.services.common.errors import DocAIError
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.vendor_memory import VendorMemoryStore
from docai.services.ingest.documents import transition
from docai.services.pipeline import free_labels
from docai.services.routing.decision import decide
from docai.services.routing.policy import RoutingPolicy
from docai.services.storage import models
from docai.services.storage.database import Database

log = logging.getLogger("docai.pipeline")

MAX_ATTEMPTS = 3
LEASE = dt.timedelta(seconds=30)


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
                update(models.WorkItem).where(models.WorkItem.locked_until.is_not(None)).values(locked_until=None)
            )
            freed = int(getattr(result, "rowcount", 0) or 0)
        if freed:
            log.info("freed %d work item(s) left leased by a previous run", freed)
        return freed

    def process_next(self) -> bool:
        """Processes the oldest waiting document; returns False when the queue is empty."""
        claimed = self._claim()
        if claimed is None:
            return False
        item_id, document_id, attempts = claimed
        heartbeat = Heartbeat(self, item_id, token=attempts)
        heartbeat.start()
        try:
            self.process(document_id, item_id=item_id, token=attempts)
        except LeaseLost:
            log.warning("documents/%s was taken over by another worker; leaving it", document_id)
        except DocAIError as exc:
            self._fail(document_id, item_id, reason=exc.reason, message=exc.message, token=attempts)
        except Exception:  # noqa: BLE001 - a bug or a crash in the model must not lose the document
            log.exception("processing documents/%s failed (attempt %d)", document_id, attempts)
            if attempts >= MAX_ATTEMPTS:
                self._fail(document_id, item_id, reason="INTERNAL_ERROR", message="processing failed repeatedly", token=attempts)
            else:
                self._release(item_id, delay=dt.timedelta(seconds=5 * attempts), token=attempts)
        finally:
            heartbeat.stop()
        return True

    def renew(self, item_id: int, *, token: int) -> bool:
        """Extends the lease of an item this worker holds; False when it holds it no more."""
        with self.db.transaction() as session:
            result = session.execute(
                update(models.WorkItem)
                .where(models.WorkItem.id == item_id, models.WorkItem.attempts == token)
                .values(locked_until=models.utcnow() + self.lease)
            )
            return bool(getattr(result, "rowcount", 0))

    def _held(self, session: Any, item_id: int, token: int | None) -> models.WorkItem | None:
        """The work item, locked for this transaction; LeaseLost when another worker has it now."""
        if token is None:  # called outside process_next (tests, tools): no lease to check
            return session.get(models.WorkItem, item_id)
        item = session.get(models.WorkItem, item_id, with_for_update=not self.db.is_sqlite)
        if item is None or item.attempts != token:
            raise LeaseLost(item_id)
        return item

    def _claim(self) -> tuple[int, str, int] | None:
        now = models.utcnow()
        with self.db.transaction() as session:
            query = (
                select(models.WorkItem)
                .where((models.WorkItem.locked_until.is_(None)) | (models.WorkItem.locked_until < now))
                .order_by(models.WorkItem.id)
                .limit(1)
            )
            if not self.db.is_sqlite:  # several workers on PostgreSQL each take a different row
                query = query.with_for_update(skip_locked=True)
            item = session.scalar(query)
            if item is None:
                return None
            item.locked_until = now + self.lease
            item.attempts += 1
            return item.id, item.document_id, item.attempts

    def _release(self, item_id: int, *, delay: dt.timedelta, token: int | None = None) -> None:
        try:
            with self.db.transaction() as session:
                item = self._held(session, item_id, token)
                if item is not None:
                    item.locked_until = models.utcnow() + delay
        except LeaseLost:
            pass

    def _fail(self, document_id: str, item_id: int, *, reason: str, message: str, token: int | None = None) -> None:
        try:
            with self.db.transaction() as session:
                item = self._held(session, item_id, token)
                row = session.get(models.Document, document_id)
                if row is not None:
                    transition(session, row, DocumentState.FAILED, failure_reason=reason, failure_message=message)
                if item is not None:
                    session.delete(item)
        except LeaseLost:
            log.warning("documents/%s was taken over by another worker; not failing it here", document_id)

    def process(self, document_id: str, *, item_id: int, token: int | None = None) -> None:
        with self.db.transaction() as session:
            row = session.get(models.Document, document_id)
            if row is None or row.parsed is None:
                raise DocAIError("document vanished before processing")
            tenant_id, parsed = row.tenant_id, ParsedDocument.model_validate(row.parsed)
            thresholds = Thresholds.model_validate(session.get(models.Tenant, tenant_id).thresholds or {})  # type: ignore[union-attr]
        try:
            outcome = self.extract(parsed, tenant_id=tenant_id)
        except DocAIError as exc:
            # The file is fine but the model gave no usable answer: a person can still read it.
            log.warning("extraction of documents/%s failed: %s", document_id, exc.reason)
            outcome = ExtractionOutcome(extraction=Extraction(), checks=[])
        with self.db.transaction() as session:
            self._held(session, item_id, token)
            row = session.get(models.Document, document_id)
            transition(
                session,
                row,  # type: ignore[arg-type]
                DocumentState.EXTRACTED,
                extraction=outcome.extraction.model_dump(),
                checks=[check.model_dump() for check in outcome.checks],
            )
        route = self.policy.route(outcome.extraction, text=parsed.text)
        previous_iban = known_iban(self.db, tenant_id=tenant_id, vendor=outcome.extraction.value("vendor_name"))
        decision = decide(
            extraction=outcome.extraction,
            checks=outcome.checks,
            route=route,
            thresholds=thresholds,
            previous_iban=previous_iban,
        )
        with self.db.transaction() as session:
            item = self._held(session, item_id, token)
            row = session.get(models.Document, document_id)
            assert row is not None
            transition(session, row, DocumentState.ROUTED, route=route.model_dump())
            self._apply(session, row, decision)
            if decision.outcome == "auto_approve":
                free_labels.learn(
                    session, self.memory, row=row, parsed=parsed, outcome=outcome,
                    vendor_key=vendor_key(outcome.extraction.value("vendor_name")),
                )
            if item is not None:
                session.delete(item)

    @staticmethod
    def _apply(session: Any, row: models.Document, decision: Decision) -> None:
        reasons = [reason.model_dump() for reason in decision.reasons]
        summary = [f"{r.code}{':' + r.field if r.field else ''}" for r in decision.reasons]
        if decision.outcome == "auto_approve":
            transition(session, row, DocumentState.APPROVED, decision=decision.outcome, review_reasons=[])
            session.add(models.AuditEntry(tenant_id=row.tenant_id, document_id=row.id, actor="system", action="auto_approved"))
            return
        transition(session, row, DocumentState.IN_REVIEW, decision=decision.outcome, review_reasons=summary)
        session.add(
            models.ReviewTask(
                id=uuid.uuid4().hex, tenant_id=row.tenant_id, document_id=row.id, state="open", reasons=reasons
            )
        )
        session.add(
            models.AuditEntry(
                tenant_id=row.tenant_id,
                document_id=row.id,
                actor="system",
                action="sent_to_review",
                new_value=", ".join(summary),
            )
        )


def vendor_key(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def known_iban(db: Database, *, tenant_id: str, vendor: str | None) -> str | None:
    """The IBAN of the vendor's most recent approved invoice, if there is one."""
    key = vendor_key(vendor)
    if not key:
        return None
    with db.transaction() as session:
        query = (
            select(models.Document.extraction)
            .where(
                models.Document.tenant_id == tenant_id,
                models.Document.state.in_([DocumentState.APPROVED.value, DocumentState.EXPORTED.value]),
            )
            .order_by(models.Document.update_time.desc())
            .limit(500)
        )
        for data in session.scalars(query):
            extraction = Extraction.model_validate(data or {})
            if vendor_key(extraction.value("vendor_name")) == key and extraction.value("iban"):
                return extraction.value("iban")
    return None


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

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="docai-pipeline", daemon=True)

    def start(self) -> None:
        self._thread.start()

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
