"""Bank details: IBANs and BICs as printed and as compared, the account on file, and the one rule
about changed bank details.

Normalising and checking (python-stdnum):

* :func:`normalize_iban`: a printed IBAN upper-cased, without spaces, dashes, dots or a leading
  ``IBAN:`` label (not validated);
* :func:`iban_is_valid`: its shape, its country's length and the ISO 7064 mod-97 check digits.
  This is the check an extracted IBAN must pass to be compared with the account on file (the
  ``iban_checksum`` check, ``BANK_DETAILS_UNREADABLE``); a country missing from the length table
  is judged by its check digits alone;
* :func:`iban_is_strictly_valid`: python-stdnum's full check, which also knows each country's
  account format from the IBAN registry (and national check digits): what makes a string on a
  page an IBAN candidate, and what the vendor master accepts (:func:`validate_iban`);
* :func:`normalize_bic` / :func:`bic_is_valid` / :func:`validate_bic`: the same for BICs.

The rule about changed bank details, in its two halves:

1. **The invoice against the account on file** (:func:`bank_reasons`, used by
   ``docai.services.routing.decision``). The account on file is the vendor master's IBAN when the
   master has one for the vendor, else the IBAN of the vendor's last approved invoice
   (:func:`known_iban`). An invoice paying another IBAN never auto-approves
   (``BANK_DETAILS_CHANGED``); one whose IBAN fails the length or mod-97 check cannot be compared,
   so it is no "no change" either (``BANK_DETAILS_UNREADABLE``). Only the IBAN is compared: it
   alone says where the money goes, and the account on file is an IBAN (past invoices keep no BIC
   on file to compare with).
2. **A person changing them** (:func:`changes_bank_details`, :func:`may_confirm`,
   :func:`awaits_second_person`; used by the review queue's approval and confirmation and by
   ``docai.training.dataset``). A reviewer who corrected the IBAN *or the BIC*
   (``BANK_FIELDS``), or who approved an invoice flagged ``BANK_DETAILS_CHANGED``, changed the
   bank details: the approval then waits for a second person (four eyes), who is neither the
   approver nor anyone who corrected them, and until then it teaches nothing (no training
   example, no bank details in the vendor memory). Here the BIC counts: a person typing in
   another bank is exactly what four eyes are for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum import numdb
from stdnum.iso7064 import mod_97_10

from docai.schemas.checks import CheckResult
from docai.schemas.document import DocumentState
from docai.schemas.invoice import BANK_FIELDS, Extraction
from docai.schemas.routing import ReviewReason
from docai.services.documents.vendor import vendor_key
from docai.services.storage import tables

if TYPE_CHECKING:
    from docai.services.storage.database import Database
    from docai.services.vendors.resolve import VendorMatch

__all__ = [
    "BANK_DETAILS_CHANGED",
    "BANK_DETAILS_UNREADABLE",
    "BANK_FIELDS",
    "awaits_second_person",
    "bank_reasons",
    "bic_is_valid",
    "changed_bank_fields",
    "changes_bank_details",
    "checked_iban",
    "compact_iban",
    "iban_is_strictly_valid",
    "iban_is_valid",
    "iban_length",
    "known_iban",
    "may_confirm",
    "normalize_bic",
    "normalize_iban",
    "valid_iban_prefix",
    "validate_bic",
    "validate_iban",
]

BANK_DETAILS_CHANGED = "BANK_DETAILS_CHANGED"
BANK_DETAILS_UNREADABLE = "BANK_DETAILS_UNREADABLE"

# -- IBAN and BIC ----------------------------------------------------------------------------------

# Lengths of IBANs by country (SWIFT IBAN registry) for the countries invoices here name.
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23,
    "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "ME": 22,
    "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SA": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29, "VA": 22,
}  # fmt: skip
IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_LABEL = re.compile(r"(?i)^\s*(?:iban|bic|swift(?:-code)?|bic/swift)\s*[:.]?\s*")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")

# python-stdnum's checks, raising ``stdnum.exceptions.ValidationError`` with what is wrong.
validate_iban = stdnum_iban.validate
validate_bic = stdnum_bic.validate


def normalize_iban(text: str) -> str:
    """Upper-case an IBAN and drop spaces, dashes, dots and a leading ``IBAN:`` label.

    Args:
        text: E.g. ``"iban: de89 3704 0044 0532 0130 00"``.

    Returns:
        E.g. ``"DE89370400440532013000"`` (not validated; see :func:`iban_is_valid`).
    """
    return re.sub(r"[\s\-.]", "", _LABEL.sub("", text)).upper()


def iban_is_valid(text: str) -> bool:
    """Check an IBAN's shape, its country's length and its ISO 7064 mod-97 check digits.

    Args:
        text: The IBAN, printed or normalised.

    Returns:
        True when the check digits hold (and the length fits when the country is known).

    Example:
        >>> iban_is_valid("DE89 3704 0044 0532 0130 00")
        True
    """
    iban = normalize_iban(text)
    if not IBAN_SHAPE.match(iban):
        return False
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    return mod_97_10.checksum(iban[4:] + iban[:4]) == 1


def compact_iban(text: str) -> str:
    """python-stdnum's compact form: separators (space, dash, dot) dropped, upper case; not validated."""
    return stdnum_iban.compact(text)


def iban_is_strictly_valid(text: str) -> bool:
    """python-stdnum's full check: mod-97, and the country's account format from the IBAN registry."""
    return bool(stdnum_iban.is_valid(text))


def checked_iban(text: str) -> str:
    """An IBAN compact when it passes :func:`iban_is_strictly_valid`, else ""."""
    value = compact_iban(text or "")
    return value if value and iban_is_strictly_valid(value) else ""


@cache
def iban_length(country: str) -> int | None:
    """The length of a country's IBANs, from the registry python-stdnum ships; None when it has none."""
    try:
        info = numdb.get("iban").info(country + "00")
    except Exception:  # noqa: BLE001 - an unexpected registry format: lengths unknown
        return None
    if not info or info[0][0] != country:
        return None
    lengths = [int(n) for n in re.findall(r"(\d+)!?[nac]", info[0][1].get("bban", ""))]
    return 4 + sum(lengths) if lengths else None


def valid_iban_prefix(raw: str) -> int:
    """Where a valid IBAN ends inside ``raw`` when what follows it was read as part of it (a
    register's "FN" after an Austrian IBAN); 0 when no shorter prefix is a valid IBAN."""
    length = iban_length(raw[:2])
    if length is None:
        return 0
    count = 0
    for end, ch in enumerate(raw, start=1):
        if not ch.isspace():
            count += 1
        if count == length:
            return end if end < len(raw.rstrip()) and iban_is_strictly_valid(raw[:end]) else 0
    return 0


def normalize_bic(text: str) -> str | None:
    """Upper-case a BIC and drop spaces and a leading ``BIC:`` label; None unless it has the 8 or
    11 character shape."""
    bic = re.sub(r"\s", "", _LABEL.sub("", text)).upper()
    return bic if _BIC.match(bic) else None


def bic_is_valid(text: str) -> bool:
    """python-stdnum's check of a BIC (shape and a known country)."""
    return bool(stdnum_bic.is_valid(text))


# -- the invoice against the account on file -------------------------------------------------------


def known_iban(db: Database, *, tenant_id: str, vendor: str | None) -> str | None:
    """The IBAN of the vendor's most recent approved (or exported) invoice, if there is one.

    The vendor is matched by :func:`~docai.services.documents.vendor.vendor_key`; only the 500
    most recently changed approved documents of the tenant are looked at.
    """
    key = vendor_key(vendor)
    if not key:
        return None
    with db.transaction() as session:
        query = (
            select(tables.Document.extraction)
            .where(
                tables.Document.tenant_id == tenant_id,
                tables.Document.state.in_([DocumentState.APPROVED.value, DocumentState.EXPORTED.value]),
            )
            .order_by(tables.Document.update_time.desc())
            .limit(500)
        )
        for data in session.scalars(query):
            extraction = Extraction.model_validate(data or {})
            if vendor_key(extraction.value("vendor_name")) == key and extraction.value("iban"):
                return extraction.value("iban")
    return None


def bank_reasons(
    extraction: Extraction, previous_iban: str | None, checks: list[CheckResult], vendor: VendorMatch | None = None
) -> list[ReviewReason]:
    """Why the invoice's IBAN keeps it in review: unreadable, or not the account on file.

    Args:
        extraction: The extracted invoice.
        previous_iban: The IBAN of the vendor's last approved invoice (:func:`known_iban`), if any.
        checks: The checks run on it: a failed check that already says ``BANK_DETAILS_UNREADABLE``
            (the reader's) is not repeated.
        vendor: The vendor master's record of the vendor; its IBAN, when it has one, is the
            account on file instead of ``previous_iban``.

    Returns:
        No reason, or one: ``BANK_DETAILS_UNREADABLE`` or ``BANK_DETAILS_CHANGED`` (accounts
        masked to their last four characters: the detail is shown in UIs and logs).
    """
    current = normalize_iban(extraction.value("iban") or "")
    master = vendor.vendor if vendor is not None and vendor.vendor is not None and vendor.vendor.iban else None
    previous = normalize_iban(master.iban if master is not None else previous_iban or "")
    if current and not iban_is_valid(current):
        # Unreadable is not "unchanged": it cannot be compared with the account on file.
        if any(not check.passed and check.reason == BANK_DETAILS_UNREADABLE for check in checks):
            return []  # the reader's check already says so
        return [
            ReviewReason(
                code=BANK_DETAILS_UNREADABLE,
                field="iban",
                detail=f"the IBAN ...{current[-4:]} fails the length or mod-97 check, so it cannot be "
                "compared with the account on file",
            )
        ]
    if previous and current and current != previous:
        if master is not None:
            return [
                ReviewReason(
                    code=BANK_DETAILS_CHANGED,
                    field="iban",
                    detail=f"IBAN ...{current[-4:]} is not the account ...{previous[-4:]} of the vendor master "
                    f"record {master.vendor_id} ({master.name})",
                )
            ]
        return [
            ReviewReason(
                code=BANK_DETAILS_CHANGED,
                field="iban",
                detail=f"IBAN changed from ...{previous[-4:]} to ...{current[-4:]} for this vendor",
            )
        ]
    return []


# -- a person changing them (four eyes) ------------------------------------------------------------


def changed_bank_fields(fields: Iterable[str]) -> frozenset[str]:
    """Which of these fields are bank details (the IBAN and the BIC)."""
    return BANK_FIELDS & frozenset(fields)


def changes_bank_details(changed_fields: Iterable[str], reasons: Iterable[ReviewReason | Mapping[str, Any]]) -> bool:
    """Whether approving an invoice approves changed bank details: a person corrected its IBAN or
    BIC, or it was flagged ``BANK_DETAILS_CHANGED``. Such an approval needs a second person."""
    flagged = any(
        (reason.code if isinstance(reason, ReviewReason) else reason.get("code")) == BANK_DETAILS_CHANGED
        for reason in reasons
    )
    return bool(changed_bank_fields(changed_fields)) or flagged


def may_confirm(actor: str, *, approver: str, bank_editors: Iterable[str]) -> bool:
    """Whether ``actor`` may be the second person for changed bank details: neither the one who
    approved them nor anyone who corrected the IBAN or BIC."""
    return actor != approver and actor not in set(bank_editors)


def awaits_second_person(
    *, needs_second_approval: bool, changed_fields: Iterable[str], reviewer: str, second_approver: str
) -> bool:
    """Whether an approved invoice's bank details still wait for a second person, so that it must
    teach nothing: they changed (flagged at approval, or a bank field among the corrected ones)
    and nobody other than the reviewer confirmed them."""
    if not (needs_second_approval or changed_bank_fields(changed_fields)):
        return False
    return not second_approver or second_approver == reviewer
