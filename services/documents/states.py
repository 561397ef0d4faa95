"""A document's lifecycle: its states and the moves allowed between them (the one table of both).

::

    RECEIVED ─▶ PARSED ─▶ EXTRACTED ─▶ ROUTED ─┬─▶ APPROVED ─┬─▶ EXPORTED
                   │                            │      ▲      │
                   ▼                            ▼      │      ▼
                 FAILED                     IN_REVIEW ─┴◀─ (re-opened)
                                                │
                                                ▼
                                             REJECTED

* upload (``docai.services.ingest.documents``): RECEIVED → PARSED, in the transaction that stores it;
* the pipeline (``docai.services.pipeline.worker``): PARSED → EXTRACTED → ROUTED → APPROVED
  (auto-approved) or IN_REVIEW, in one transaction; a document it cannot process → FAILED;
* the review queue (``docai.services.review.queue``): IN_REVIEW → APPROVED or REJECTED;
  re-opening APPROVED → IN_REVIEW;
* the ERP's export: APPROVED → EXPORTED.

REJECTED, EXPORTED and FAILED are final. A move the table does not allow is a bug in its caller
(each checks its own preconditions first and answers with its own reason): :func:`check_move`
raises :class:`IllegalTransition`, which the RPC layer reports as INTERNAL.
"""

from __future__ import annotations

from collections.abc import Mapping

from docai.schemas.document import TERMINAL_STATES, DocumentState

__all__ = ["TERMINAL_STATES", "TRANSITIONS", "DocumentState", "IllegalTransition", "can_move", "check_move"]

_IN_FLIGHT = (DocumentState.RECEIVED, DocumentState.PARSED, DocumentState.EXTRACTED, DocumentState.ROUTED)

TRANSITIONS: Mapping[DocumentState, frozenset[DocumentState]] = {
    DocumentState.RECEIVED: frozenset({DocumentState.PARSED, DocumentState.FAILED}),
    DocumentState.PARSED: frozenset({DocumentState.EXTRACTED, DocumentState.FAILED}),
    DocumentState.EXTRACTED: frozenset({DocumentState.ROUTED, DocumentState.FAILED}),
    DocumentState.ROUTED: frozenset({DocumentState.APPROVED, DocumentState.IN_REVIEW, DocumentState.FAILED}),
    DocumentState.IN_REVIEW: frozenset({DocumentState.APPROVED, DocumentState.REJECTED}),
    DocumentState.APPROVED: frozenset({DocumentState.IN_REVIEW, DocumentState.EXPORTED}),
    DocumentState.REJECTED: frozenset(),
    DocumentState.EXPORTED: frozenset(),
    DocumentState.FAILED: frozenset(),
}
assert set(TRANSITIONS) == set(DocumentState), "every state needs its row"
assert all(not TRANSITIONS[state] for state in TERMINAL_STATES), "final states lead nowhere"
assert all(DocumentState.FAILED in TRANSITIONS[state] for state in _IN_FLIGHT), "processing may fail"


class IllegalTransition(RuntimeError):
    """A move the lifecycle does not allow: a bug in the caller, not a user's mistake."""


def can_move(current: DocumentState | str, new: DocumentState | str) -> bool:
    """Whether a document in state ``current`` may move to ``new``."""
    return DocumentState(new) in TRANSITIONS[DocumentState(current)]


def check_move(current: DocumentState | str, new: DocumentState | str, *, document_id: str = "") -> None:
    """Raises :class:`IllegalTransition` unless a document in ``current`` may move to ``new``."""
    if not can_move(current, new):
        where = f"documents/{document_id}: " if document_id else ""
        raise IllegalTransition(f"{where}a document cannot move from {DocumentState(current)} to {DocumentState(new)}")
