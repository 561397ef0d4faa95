"""A tenant's invoice read with what that tenant taught: its vendors' layouts and its own adapter."""

from __future__ import annotations

from typing import Any

from docai.schemas.parsed import ParsedDocument
from docai.services.adapters.choice import AdapterChoice
from docai.services.extraction.einvoice_reader import EInvoiceReader
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.vendor_memory import VendorMemoryStore, memory_candidates

__all__ = ["TenantReader"]


class TenantReader:
    """``extract(parsed, *, tenant_id, adapter=None)``, the pipeline's and ExtractionService's reader.

    Where this tenant's approved invoices of the same vendor printed each field is read first:
    a new layout is learned from its first approval, long before any retraining. The adapter is
    the one :class:`AdapterChoice` gives the tenant.
    """

    def __init__(self, reader: EInvoiceReader, *, choose: AdapterChoice, memory: VendorMemoryStore) -> None:
        self.reader = reader
        self.choose = choose
        self.memory = memory

    def __call__(self, parsed: ParsedDocument, *, tenant_id: str, adapter: str | None = None) -> ExtractionOutcome:
        def recall(document: ParsedDocument, layout: Any) -> list[Any]:
            return memory_candidates(self.memory.recall(tenant_id=tenant_id, parsed=document, layout=layout))

        return self.reader.extract(
            parsed,
            adapter=self.choose(tenant_id, adapter),
            recall=recall,
            own_names=self.memory.own_names(tenant_id=tenant_id),
        )
