"""The document's owner (docai.services.documents): its state machine, vendor key and bank-details rule."""

from __future__ import annotations

import pytest

from docai.schemas.document import DocumentState
from docai.schemas.review import ACTIVE_TASK_STATES, CLOSED_TASK_STATES, ReviewTaskState
from docai.services.documents.bank import (
    awaits_second_person,
    changes_bank_details,
    checked_iban,
    iban_is_strictly_valid,
    iban_is_valid,
    may_confirm,
    normalize_iban,
)
from docai.services.documents.states import TRANSITIONS, IllegalTransition, can_move, check_move
from docai.services.documents.store import review_summary
from docai.services.documents.vendor import vendor_key

S = DocumentState


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.RECEIVED, S.PARSED),
        (S.PARSED, S.EXTRACTED),
        (S.EXTRACTED, S.ROUTED),
        (S.ROUTED, S.APPROVED),
        (S.ROUTED, S.IN_REVIEW),
        (S.PARSED, S.FAILED),
        (S.IN_REVIEW, S.APPROVED),
        (S.IN_REVIEW, S.REJECTED),
        (S.APPROVED, S.IN_REVIEW),
        (S.APPROVED, S.EXPORTED),
    ],
)
def test_the_moves_the_services_make_are_allowed(current: DocumentState, new: DocumentState) -> None:
    assert can_move(current, new)
    check_move(current.value, new.value)  # stored states are plain strings


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.EXPORTED, S.IN_REVIEW),
        (S.REJECTED, S.APPROVED),
        (S.FAILED, S.PARSED),
        (S.PARSED, S.APPROVED),
        (S.IN_REVIEW, S.EXPORTED),
        (S.APPROVED, S.APPROVED),
    ],
)
def test_other_moves_are_a_bug(current: DocumentState, new: DocumentState) -> None:
    assert not can_move(current, new)
    with pytest.raises(IllegalTransition, match=f"from {current.value} to {new.value}"):
        check_move(current, new, document_id="d1")


def test_final_states_lead_nowhere() -> None:
    assert [state for state, moves in TRANSITIONS.items() if not moves] == [S.REJECTED, S.EXPORTED, S.FAILED]


def test_review_task_states_keep_their_stored_values() -> None:
    assert [state.value for state in ReviewTaskState] == ["open", "claimed", "approved", "rejected"]
    assert set(ACTIVE_TASK_STATES) | set(CLOSED_TASK_STATES) == set(ReviewTaskState)
    assert ReviewTaskState.OPEN == "open"


def test_review_summary_is_code_and_field() -> None:
    assert review_summary([{"code": "REOPENED", "detail": "x"}, {"code": "LOW_CONFIDENCE", "field": "iban"}]) == [
        "REOPENED",
        "LOW_CONFIDENCE:iban",
    ]


def test_vendor_key_is_the_lower_cased_name_with_collapsed_spaces() -> None:
    assert vendor_key("  ACME   GmbH\n") == "acme gmbh"
    assert vendor_key(None) == vendor_key("") == ""


def test_iban_checks() -> None:
    assert normalize_iban("IBAN: de89-3704.0044 0532 0130 00") == "DE89370400440532013000"
    assert iban_is_valid("DE89 3704 0044 0532 0130 00")
    assert not iban_is_valid("DE89 3704 0044 0532 0130 01")
    assert iban_is_strictly_valid("DE89370400440532013000")
    assert checked_iban("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert checked_iban("DE89 3704 0044 0532 0130 01") == ""


def test_a_person_changing_the_iban_or_the_bic_needs_a_second_person() -> None:
    assert changes_bank_details(["bic"], []) and changes_bank_details(["iban", "total_gross"], [])
    assert changes_bank_details([], [{"code": "BANK_DETAILS_CHANGED", "field": "iban"}])
    assert not changes_bank_details(["total_gross"], [{"code": "LOW_CONFIDENCE"}])
    assert not may_confirm("ann", approver="ann", bank_editors=[])
    assert not may_confirm("bob", approver="ann", bank_editors=["bob"])
    assert may_confirm("cid", approver="ann", bank_editors=["bob"])
    waiting = {"needs_second_approval": False, "changed_fields": ["bic"], "reviewer": "ann"}
    assert awaits_second_person(**waiting, second_approver="")
    assert awaits_second_person(**waiting, second_approver="ann")
    assert not awaits_second_person(**waiting, second_approver="bob")
    assert not awaits_second_person(
        needs_second_approval=False, changed_fields=["total_gross"], reviewer="ann", second_approver=""
    )
