"""Extraction on demand: re-read a stored document and keep the result as its current extraction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.services.common import idempotency
from docai.services.common.errors import FailedPreconditionError
from docai.services.documents import store
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.storage.database import Database


class ExtractionService:
    def __init__(self, *, db: Database, extract: Callable[..., ExtractionOutcome]) -> None:
        self.db = db
        self.extract = extract

    def current(self, *, tenant_id: str, document_id: str) -> tuple[Extraction, list[CheckResult]]:
        with self.db.transaction() as session:
            row = store.load(session, tenant_id=tenant_id, document_id=document_id)
            if row.extraction is None:
                raise FailedPreconditionError("the document has not been extracted yet", reason="NOT_EXTRACTED")
            return store.extraction_of(row), store.checks_of(row)

    def rerun(
        self, *, tenant_id: str, document_id: str, adapter: str, request_id: str
    ) -> tuple[Extraction, list[CheckResult]]:
        """Extracts again (e.g. with a newly promoted adapter); a retry returns the stored result."""
        fingerprint = hashlib.sha256(f"{document_id}\0{adapter}".encode()).hexdigest()
        key = {
            "tenant_id": tenant_id,
            "method": "ExtractDocument",
            "request_id": request_id,
            "fingerprint": fingerprint,
        }
        with self.db.transaction() as session:
            row = store.load(session, tenant_id=tenant_id, document_id=document_id)
            done_before = idempotency.recall(session, **key) is not None
            if row.parsed is None:
                raise FailedPreconditionError("the document has no parsed text", reason="NOT_PARSED")
            parsed = ParsedDocument.model_validate(row.parsed)
        if done_before:
            return self.current(tenant_id=tenant_id, document_id=document_id)
        outcome = self.extract(parsed, tenant_id=tenant_id, adapter=adapter or None)
        with self.db.transaction() as session:
            row = store.load(session, tenant_id=tenant_id, document_id=document_id)
            store.set_extraction(row, outcome.extraction, outcome.checks)
            store.touch(row)
            store.audit(
                session,
                row,
                actor="system",
                action="re_extracted",
                new_value=outcome.extraction.adapter or "base model",
            )
            idempotency.remember(session, **key, resource=document_id)
        return outcome.extraction, outcome.checks
