"""Honest progress: where a document stands in the pipeline, and about how long until it is done.

The one place these numbers are made; the ingest API (``Document.queue_position`` and
``estimated_seconds``) and the review page (ReviewService.GetPipelineStatus) both read them here.

Queue position: 1-based among every document waiting for or in processing, in pipeline order
(the work items' order, which is the order workers claim them). Workers are shared by every
tenant, so the position counts other tenants' documents too; it is only ever a count, nothing
else about them is revealed.

Estimate: the median of the pipeline's last :data:`WINDOW` measured processing times (claim to
decision, written by the worker as it finishes each document) times the position, divided by
the number of workers: the configured ``pipeline_workers``, or the number of documents being
processed right now when more (several worker processes share one database). Before the suite
has processed any document there is nothing measured, and the estimate is 0 (unknown) rather
than a guess; a document that is done has position 0 and estimate 0.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from docai.services.storage import tables
from docai.services.storage.database import Database

# Processing times the estimate is the median of: enough to ride out one slow document, few
# enough to follow a change of model or machine within minutes.
WINDOW = 20
# Rows kept in processing_times; older ones are dropped as new ones come.
KEEP = 500


@dataclass(frozen=True)
class Progress:
    """One document's place in the pipeline."""

    queue_position: int = 0  # 0: not in the pipeline (done, failed, or not found)
    estimated_seconds: float = 0.0  # 0: done, or nothing measured yet


@dataclass(frozen=True)
class PipelineStatus:
    """One tenant's documents still in the pipeline, for the review page."""

    processing: int = 0  # the tenant's documents waiting for or in processing
    estimated_seconds: float = 0.0  # until the last of them is done; 0 when none or nothing measured yet


def record(session: Session, *, document_id: str, seconds: float) -> None:
    """Keeps how long the pipeline took over a document (in the transaction that finishes it)."""
    session.add(tables.ProcessingTime(document_id=document_id, seconds=max(0.0, float(seconds))))
    session.flush()
    newest = session.scalar(select(func.max(tables.ProcessingTime.id)))
    if newest is not None and newest > KEEP:
        session.execute(delete(tables.ProcessingTime).where(tables.ProcessingTime.id <= newest - KEEP))


def median_seconds(session: Session, *, window: int = WINDOW) -> float | None:
    """The median of the last ``window`` measured processing times; None before the first."""
    query = select(tables.ProcessingTime.seconds).order_by(tables.ProcessingTime.id.desc()).limit(window)
    times = list(session.scalars(query))
    return statistics.median(times) if times else None


def estimate(position: int, *, per_document: float | None, workers: int) -> float:
    """Seconds until the document at ``position`` is done: ``per_document × position ÷ workers``.

    0 when the document is not in the pipeline (position 0) or nothing has been measured yet.
    """
    if position <= 0 or not per_document or per_document <= 0:
        return 0.0
    return per_document * position / max(1, workers)


class ProgressReader:
    """Reads positions and estimates from the database (cheap: counts on the work items' key)."""

    def __init__(self, db: Database, *, workers: int = 1, window: int = WINDOW) -> None:
        """
        Args:
            db: The suite's database (work items and processing times).
            workers: Pipeline workers sharing the queue (``settings.pipeline_workers``).
            window: How many recent processing times the median is taken over.
        """
        self.db = db
        self.workers = max(1, workers)
        self.window = window

    def of(self, document_ids: Iterable[str]) -> dict[str, Progress]:
        """Each document's progress; documents not in the pipeline get ``Progress()``."""
        ids = list(dict.fromkeys(document_ids))
        out = {document_id: Progress() for document_id in ids}
        if not ids:
            return out
        with self.db.transaction() as session:
            items = session.execute(
                select(tables.WorkItem.document_id, tables.WorkItem.id).where(tables.WorkItem.document_id.in_(ids))
            ).all()
            if not items:
                return out
            per_document = median_seconds(session, window=self.window)
            workers = self._workers(session)
            for document_id, item_id in items:
                position = self._position(session, item_id)
                out[document_id] = Progress(
                    queue_position=position,
                    estimated_seconds=estimate(position, per_document=per_document, workers=workers),
                )
        return out

    def status(self, *, tenant_id: str) -> PipelineStatus:
        """How many of the tenant's documents are still in the pipeline, and about how long until all are done."""
        with self.db.transaction() as session:
            count, last = session.execute(
                select(func.count(tables.WorkItem.id), func.max(tables.WorkItem.id))
                .join(tables.Document, tables.Document.id == tables.WorkItem.document_id)
                .where(tables.Document.tenant_id == tenant_id)
            ).one()
            if not count:
                return PipelineStatus()
            position = self._position(session, last)
            per_document = median_seconds(session, window=self.window)
            return PipelineStatus(
                processing=int(count),
                estimated_seconds=estimate(position, per_document=per_document, workers=self._workers(session)),
            )

    def _workers(self, session: Session) -> int:
        """The configured workers, or the items leased right now when more (other worker processes)."""
        leased = session.scalar(
            select(func.count(tables.WorkItem.id)).where(tables.WorkItem.locked_until > tables.utcnow())
        )
        return max(self.workers, int(leased or 0))

    @staticmethod
    def _position(session: Session, item_id: int) -> int:
        """1 + the work items ahead of this one, every tenant's (workers take the lowest id first)."""
        ahead = session.scalar(select(func.count(tables.WorkItem.id)).where(tables.WorkItem.id < item_id))
        return int(ahead or 0) + 1
