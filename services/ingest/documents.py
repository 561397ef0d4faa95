"""The ingest service's documents: durable intake, lookups scoped to a tenant, events, export.

The document itself (loading it, its states, its columns, its audit trail) is owned by
:mod:`docai.services.documents`; this is the ingest service's use of it: uploads stored
exactly once per request id, lists and searches of the archive, the event feed and the ERP's export.
"""

from __future__ import annotations

import builtins
import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from docai.schemas.archive import ApprovedInvoice, DocumentFilter
from docai.schemas.document import DocumentEvent, DocumentRecord, DocumentState
from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.services.common import idempotency
from docai.services.common.errors import FailedPreconditionError
from docai.services.common.observability import work_item_context
from docai.services.documents.store import audit, create, load, record, transition
from docai.services.ingest.archive import approved_invoices, filtered
from docai.services.storage import tables
from docai.services.storage.blobs import BlobStore
from docai.services.storage.database import Database


class DocumentStore:
    def __init__(self, *, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    def create(
        self,
        *,
        tenant_id: str,
        request_id: str,
        filename: str,
        external_id: str,
        data: bytes,
        parsed: ParsedDocument,
    ) -> DocumentRecord:
        """Stores an upload durably (blob fsynced, then one transaction) and queues it.

        A retry with the same request id returns the first document and stores nothing.
        """
        digest = hashlib.sha256(data).hexdigest()
        fingerprint = hashlib.sha256(f"{digest}\0{filename}\0{external_id}".encode()).hexdigest()
        key = {"tenant_id": tenant_id, "method": "UploadDocument", "request_id": request_id, "fingerprint": fingerprint}
        with self.db.transaction() as session:
            previous = idempotency.recall(session, **key)
            if previous is not None:
                return record(load(session, tenant_id=tenant_id, document_id=previous))
        self.blobs.put(data)
        document_id = uuid.uuid4().hex
        try:
            with self.db.transaction() as session:
                row = create(
                    session,
                    document_id=document_id,
                    tenant_id=tenant_id,
                    filename=filename,
                    external_id=external_id,
                    sha256=digest,
                    size_bytes=len(data),
                    parsed=parsed,
                )
                # The upload's request id and span context go with it to the pipeline.
                session.add(tables.WorkItem(document_id=document_id, **work_item_context()))
                idempotency.remember(session, **key, resource=document_id)
                session.flush()
                return record(row)
        except IntegrityError:
            # A concurrent retry with the same request id won the race: answer with its document.
            with self.db.transaction() as session:
                previous = idempotency.recall(session, **key)
                if previous is None:
                    raise
                return record(load(session, tenant_id=tenant_id, document_id=previous))

    def get(
        self, *, tenant_id: str, document_id: str
    ) -> tuple[DocumentRecord, dict[str, Any] | None, list[Any], dict[str, Any] | None]:
        """The document with its extraction, checks and route."""
        with self.db.transaction() as session:
            row = load(session, tenant_id=tenant_id, document_id=document_id)
            return record(row), row.extraction, list(row.checks or []), row.route

    def list(
        self,
        *,
        tenant_id: str,
        page_size: int,
        offset: int,
        state: DocumentState | None = None,
        where: DocumentFilter | None = None,
    ) -> tuple[list[DocumentRecord], bool]:
        """One page of the tenant's documents, newest first, narrowed in SQL (docai.services.ingest.archive)."""
        where = (where or DocumentFilter()).model_copy(update={"state": state} if state is not None else {})
        with self.db.transaction() as session:
            query = filtered(select(tables.Document).where(tables.Document.tenant_id == tenant_id), where)
            query = query.order_by(tables.Document.create_time.desc(), tables.Document.id).offset(offset)
            rows = list(session.scalars(query.limit(page_size + 1)))
            return [record(row) for row in rows[:page_size]], len(rows) > page_size

    def events_after(
        self, *, tenant_id: str, after_id: int, document_id: str | None, limit: int = 100
    ) -> builtins.list[DocumentEvent]:
        """State changes after an event id. The document is shown as of now, with the event's state."""
        with self.db.transaction() as session:
            query = select(tables.Event).where(tables.Event.tenant_id == tenant_id, tables.Event.id > after_id)
            if document_id:
                query = query.where(tables.Event.document_id == document_id)
            events = list(session.scalars(query.order_by(tables.Event.id).limit(limit)))
            out = []
            for event in events:
                doc = record(session.get(tables.Document, event.document_id))  # type: ignore[arg-type]
                out.append(
                    DocumentEvent(
                        event_id=event.id, document=doc.model_copy(update={"state": DocumentState(event.state)})
                    )
                )
            return out

    def last_event_id(self, *, tenant_id: str) -> int:
        with self.db.transaction() as session:
            query = select(tables.Event.id).where(tables.Event.tenant_id == tenant_id).order_by(tables.Event.id.desc())
            return session.scalar(query.limit(1)) or 0

    def export(
        self, *, tenant_id: str, document_id: str, request_id: str, render: Callable[[Extraction], bytes] | None = None
    ) -> tuple[DocumentRecord, ApprovedInvoice, bytes]:
        """Marks an approved document as taken over by the ERP and returns the approved invoice
        (docai.services.ingest.archive); `render` also writes it in another form.

        The form is written before the state changes, so an invoice that cannot be written
        (``EXPORT_INCOMPLETE``) stays approved. A retry with the same request id writes it again.
        """
        key = {"tenant_id": tenant_id, "method": "ExportDocument", "request_id": request_id, "fingerprint": document_id}
        with self.db.transaction() as session:
            row = load(session, tenant_id=tenant_id, document_id=document_id)
            retry = idempotency.recall(session, **key) is not None
            if not retry and row.state != DocumentState.APPROVED.value:
                raise FailedPreconditionError(
                    f"only approved documents can be exported; this one is {row.state}", reason="NOT_APPROVED"
                )
            content = render(Extraction.model_validate(row.extraction or {})) if render is not None else b""
            if not retry:
                transition(session, row, DocumentState.EXPORTED)
                idempotency.remember(session, **key, resource=document_id)
                audit(session, row, actor="erp", action="exported")
                session.flush()
            return record(row), approved_invoices(session, [row])[0], content
