"""E-invoices as free labels: an XML that the page agrees with shows where a vendor prints each field.

When an e-invoice is read from its XML, its page cross-checked without a disagreement and
the invoice auto-approved, the XML's values are exact and each printed one has its box on
the page. That is what a reviewer's approval gives, without the reviewer: the vendor memory
learns the layout at once (the vendor's next PDF without XML is read with it), and an
approved example is stored for the next adapter, marked ``source="einvoice"`` and built by
the same dataset rules as people's corrections.

Only auto-approved invoices teach: one that goes to review teaches when a person approves it.
XML-only uploads teach nothing here, since their pages are docai's own rendering.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.services.extraction.extractor import ExtractionOutcome
from docai.services.extraction.vendor_memory import VendorMemoryStore
from docai.services.storage import tables

SOURCE = "einvoice"


def printed(extraction: Extraction) -> Extraction:
    """The header fields the page prints (those with a box): the labels of the page's layout."""
    fields = {name: f for name, f in extraction.fields.items() if f.provenance.bbox is not None}
    return extraction.model_copy(update={"fields": fields, "line_items": [], "tax_details": []})


def teaches(outcome: ExtractionOutcome, parsed: ParsedDocument) -> bool:
    """Read from an XML that the page agrees with, and every check passed."""
    names = {check.name for check in outcome.checks}
    return (
        outcome.path == "xml"
        and not parsed.xml_only
        and "xml_matches_page" in names
        and all(check.passed for check in outcome.checks)
    )


def learn(
    session: Session,
    memory: VendorMemoryStore,
    *,
    row: tables.Document,
    parsed: ParsedDocument,
    outcome: ExtractionOutcome,
    vendor_key: str,
) -> bool:
    """Stores an auto-approved e-invoice as a labelled example, in the approval's transaction.

    Returns:
        Whether it taught anything (False when the page prints none of the XML's fields).
    """
    if not teaches(outcome, parsed):
        return False
    labels = printed(outcome.extraction)
    if not labels.fields:
        return False
    memory.learn(session, tenant_id=row.tenant_id, parsed=parsed, extraction=labels)
    session.add(
        tables.ApprovedExample(
            tenant_id=row.tenant_id,
            document_id=row.id,
            vendor_key=vendor_key,
            extraction=outcome.extraction.model_dump(),
            confirmed_fields=sorted(labels.fields),
            changed_fields=[],
            reviewer="",
            source=SOURCE,
        )
    )
    return True
