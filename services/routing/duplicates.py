"""Duplicate invoices: the same invoice sent twice never auto-approves (``DUPLICATE_INVOICE``).

An invoice is a duplicate of an earlier document of the same tenant when either

* its file is the same (same SHA-256) as a document uploaded before it under another request id
  (a retry with the *same* request id returns the first document and stores nothing), or
* its vendor, invoice number and gross total match (``duplicate_key``,
  ``docai.services.storage.document_index``: vendor name folded to letters and digits, number
  without case and spaces, gross as a canonical decimal) a document already extracted.

Originals are documents in any state but REJECTED and FAILED: an invoice waiting in review,
approved or exported counts (paying both would be the mistake), one a person rejected does not
(rejecting the first copy of an invoice and accepting the second is how a wrong copy is
replaced). The reason's detail names the original as ``documents/{id}``, which the review page
shows as a link. Both lookups are one indexed query (``ix_documents_tenant_id_sha256``,
``ix_documents_tenant_id_duplicate_key``).

Two copies processed at the same moment by two workers: on PostgreSQL the key is locked
(``pg_advisory_xact_lock``) in the transaction that decides, so the second waits for the first
to commit and then finds it; on SQLite the write transaction already serialises them.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from docai.schemas.document import DocumentState
from docai.schemas.routing import Decision, ReviewReason
from docai.services.storage import tables

DUPLICATE_INVOICE = "DUPLICATE_INVOICE"
NOT_ORIGINALS = (DocumentState.REJECTED.value, DocumentState.FAILED.value)


def find_original(session: Session, row: tables.Document) -> tuple[tables.Document, str] | None:
    """The earliest earlier document ``row`` duplicates, with how (``"file"`` or ``"fields"``)."""
    doc = tables.Document
    same_file = and_(
        doc.sha256 == row.sha256,
        or_(doc.create_time < row.create_time, and_(doc.create_time == row.create_time, doc.id < row.id)),
    )
    matches = same_file if not row.duplicate_key else or_(same_file, doc.duplicate_key == row.duplicate_key)
    if row.duplicate_key and session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_lock_id(row.tenant_id, row.duplicate_key))))
    original = session.scalar(
        select(doc)
        .where(doc.tenant_id == row.tenant_id, doc.id != row.id, doc.state.not_in(NOT_ORIGINALS), matches)
        .order_by(doc.create_time, doc.id)
        .limit(1)
    )
    if original is None:
        return None
    return original, "file" if original.sha256 == row.sha256 else "fields"


def duplicate_reason(session: Session, row: tables.Document) -> ReviewReason | None:
    """``DUPLICATE_INVOICE`` naming the original, when ``row`` (just extracted) duplicates one."""
    found = find_original(session, row)
    if found is None:
        return None
    original, how = found
    name = f"documents/{original.id}"
    if how == "file":
        detail = f"the same file was uploaded before as {name} ({original.filename}, {original.state})"
    else:
        detail = f"same vendor, invoice number and gross total as {name} ({original.filename}, {original.state})"
    return ReviewReason(code=DUPLICATE_INVOICE, field="invoice_number", detail=detail)


def flag_duplicate(session: Session, row: tables.Document, decision: Decision) -> Decision:
    """``decision`` with ``DUPLICATE_INVOICE`` added (and so ``review``) when ``row`` is a duplicate.

    Call it in the transaction that writes the decision, after the extraction is set on ``row``.
    """
    reason = duplicate_reason(session, row)
    if reason is None:
        return decision
    return Decision(outcome="review", reasons=[*decision.reasons, reason])


def _lock_id(tenant_id: str, key: str) -> int:
    """A signed 64-bit advisory lock id for one tenant's duplicate key."""
    digest = hashlib.sha256(f"docai-duplicate\0{tenant_id}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
