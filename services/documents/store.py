"""The stored document: loading it, moving it through its states, setting its data, its audit trail.

Every write of a ``documents`` row goes through these functions, inside the caller's transaction:

* :func:`create` stores an upload (RECEIVED, then PARSED with its parsed text);
* :func:`transition` moves a document to another state (checked against
  :mod:`docai.services.documents.states`) and writes the state change's event;
* :func:`set_extraction`, :func:`set_checks` and :func:`set_route` set the JSON columns from the
  domain models (the search and duplicate columns follow the extraction:
  ``docai.services.storage.tables``); :func:`touch` marks the document changed without a state
  change (a re-extraction, a reviewer's correction);
* :func:`review_summary` is the one form of the ``review_reasons`` column (``CODE:field``);
* :func:`audit` appends an entry to the document's audit trail.

:func:`load` is the one way a service finds a tenant's document: another tenant's document reads
exactly like a missing one. :func:`extraction_of`, :func:`checks_of` and :func:`route_of` read the
JSON columns back as domain models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from docai.schemas.checks import CheckResult
from docai.schemas.document import DocumentRecord
from docai.schemas.invoice import Extraction
from docai.schemas.parsed import ParsedDocument
from docai.schemas.routing import ReviewReason, Route
from docai.services.common.errors import NotFoundError
from docai.services.documents.states import DocumentState, check_move
from docai.services.storage import tables
from docai.services.storage.document_index import field_value

__all__ = [
    "audit",
    "checks_of",
    "create",
    "extraction_of",
    "load",
    "record",
    "review_summary",
    "route_of",
    "set_checks",
    "set_extraction",
    "set_route",
    "touch",
    "transition",
]

# What a document's summary (lists, search results, events) shows of its extraction.
_SUMMARY = ("vendor_name", "invoice_number", "invoice_date", "total_gross", "currency")
_UNCHANGED: Any = object()


# -- reading ---------------------------------------------------------------------------------------


def load(session: Session, *, tenant_id: str, document_id: str, lock: bool = False) -> tables.Document:
    """The tenant's document; another tenant's document is reported exactly like a missing one.

    With ``lock`` the row stays locked until the transaction ends (``SELECT ... FOR UPDATE``;
    on SQLite the transaction already holds the database's write lock).
    """
    row = session.get(tables.Document, document_id, with_for_update=lock or None)
    if row is None or row.tenant_id != tenant_id:
        raise NotFoundError(f"documents/{document_id} not found", reason="DOCUMENT_NOT_FOUND")
    return row


def record(row: tables.Document) -> DocumentRecord:
    """The document as the domain sees it, with the summary of its extraction."""
    found = DocumentRecord.model_validate(row, from_attributes=True)
    return found.model_copy(update={name: field_value(row.extraction, name) for name in _SUMMARY})


def extraction_of(row: tables.Document) -> Extraction:
    """The document's current extraction (empty before it is extracted)."""
    return Extraction.model_validate(row.extraction or {})


def checks_of(row: tables.Document) -> list[CheckResult]:
    """The results of the checks run on the current extraction."""
    return [CheckResult.model_validate(check) for check in row.checks or []]


def route_of(row: tables.Document) -> Route | None:
    """The document's route; None before it is routed."""
    return Route.model_validate(row.route) if row.route else None


# -- writing ---------------------------------------------------------------------------------------


def create(
    session: Session,
    *,
    document_id: str,
    tenant_id: str,
    filename: str,
    external_id: str,
    sha256: str,
    size_bytes: int,
    parsed: ParsedDocument,
) -> tables.Document:
    """A new document for an upload: RECEIVED, then PARSED with its parsed text (an event each)."""
    row = tables.Document(
        id=document_id,
        tenant_id=tenant_id,
        filename=filename,
        external_id=external_id,
        sha256=sha256,
        size_bytes=size_bytes,
        state=DocumentState.RECEIVED.value,
    )
    session.add(row)
    session.add(tables.Event(tenant_id=tenant_id, document_id=document_id, state=row.state))
    row.parsed = parsed.model_dump()
    row.page_count = len(parsed.pages)
    transition(session, row, DocumentState.PARSED)
    return row


def transition(
    session: Session,
    row: tables.Document,
    state: DocumentState,
    *,
    decision: str = _UNCHANGED,
    review_reasons: list[str] = _UNCHANGED,
    failure_reason: str = _UNCHANGED,
    failure_message: str = _UNCHANGED,
) -> None:
    """Moves a document to ``state`` and writes the event in the same transaction.

    Args:
        decision: The pipeline's decision (``auto_approve`` or ``review``); unchanged when left out.
        review_reasons: Why it is in review, as :func:`review_summary` writes them; unchanged when left out.
        failure_reason: Why it failed or was rejected (an UPPER_SNAKE reason); unchanged when left out.
        failure_message: The failure in words; unchanged when left out.

    Raises:
        IllegalTransition: The lifecycle does not allow the move (``docai.services.documents.states``).
    """
    check_move(row.state, state, document_id=row.id)
    changes = {
        "decision": decision,
        "review_reasons": review_reasons,
        "failure_reason": failure_reason,
        "failure_message": failure_message,
    }
    for key, value in changes.items():
        if value is not _UNCHANGED:
            setattr(row, key, value)
    row.state = state.value
    row.update_time = tables.utcnow()
    session.add(tables.Event(tenant_id=row.tenant_id, document_id=row.id, state=state.value))


def set_extraction(
    row: tables.Document, extraction: Extraction, checks: Iterable[CheckResult | Mapping[str, Any]] | None = None
) -> None:
    """Sets the document's extraction (and, when given, the results of the checks run on it)."""
    row.extraction = extraction.model_dump()
    if checks is not None:
        set_checks(row, checks)


def set_checks(row: tables.Document, checks: Iterable[CheckResult | Mapping[str, Any]]) -> None:
    """Sets the check results; results kept as stored (dicts) are written as they are."""
    row.checks = [check.model_dump() if isinstance(check, CheckResult) else dict(check) for check in checks]


def set_route(row: tables.Document, route: Route) -> None:
    row.route = route.model_dump()


def touch(row: tables.Document) -> None:
    """Marks the document changed now, without a state change."""
    row.update_time = tables.utcnow()


def review_summary(reasons: Iterable[ReviewReason | Mapping[str, Any]]) -> list[str]:
    """The ``review_reasons`` column: each reason as ``CODE`` or ``CODE:field``."""
    summary = []
    for reason in reasons:
        code, field = (
            (reason.code, reason.field) if isinstance(reason, ReviewReason) else (reason["code"], reason.get("field"))
        )
        summary.append(f"{code}{':' + field if field else ''}")
    return summary


def audit(
    session: Session,
    row: tables.Document,
    *,
    actor: str,
    action: str,
    field: str = "",
    old_value: str = "",
    new_value: str = "",
) -> None:
    """Appends an entry to the document's audit trail (append-only: entries are never changed)."""
    session.add(
        tables.AuditEntry(
            tenant_id=row.tenant_id,
            document_id=row.id,
            actor=actor,
            action=action,
            field=field,
            old_value=old_value,
            new_value=new_value,
        )
    )
